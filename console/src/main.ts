// The console's router: #/..., one view at a time; a view may return a
// stop() that ends its polling when another view is opened.
import { h, clear, errorBox } from "./dom";
import { machinesView, machineView, createView } from "./machines";
import { executionView, mapRunView } from "./executions";
import { activitiesView, activityView, taskTokenView } from "./tasks";
import { ApiError } from "./api";
import { loadNodeInfo, needsSignIn, nodeInfo, signedIn, signOut } from "./auth";
import { signInView, drawAccount } from "./signin";

export interface View {
  stop?: () => void;
}

let current: View = {};
let generation = 0;

async function route(): Promise<void> {
  current.stop?.();
  current = {};
  const mine = ++generation;
  const app = document.getElementById("app")!;
  clear(app);
  const box = h("div.view");
  app.appendChild(box);
  drawAccount(() => void route());
  if (needsSignIn()) {
    signInView(box, () => void route());
    box.setAttribute("data-ready", String(Math.round(performance.now())));
    return;
  }
  const [, kind = "", arg = "", tab = ""] = location.hash.replace(/^#/, "").split("/");
  const arn = decodeURIComponent(arg);
  try {
    let v: View;
    switch (kind) {
      case "machine": v = await machineView(box, arn, tab); break;
      case "create": v = await createView(box); break;
      case "execution": v = await executionView(box, arn); break;
      case "maprun": v = await mapRunView(box, arn); break;
      case "activities": v = await activitiesView(box); break;
      case "activity": v = await activityView(box, arn); break;
      case "task-token": v = await taskTokenView(box); break;
      default: v = await machinesView(box);
    }
    if (mine === generation) current = v;
    else v.stop?.();
  } catch (e) {
    // A node that checks signatures, met before its info was read (or an
    // older node): ask for keys.
    if (e instanceof ApiError && e.type === "MissingAuthenticationTokenException" && !signedIn() && mine === generation) {
      nodeInfo().auth = "sigv4";
      clear(box);
      signInView(box, () => void route());
    } else if (e instanceof ApiError && signedIn() && mine === generation &&
               (e.type === "UnrecognizedClientException" || e.type === "InvalidSignatureException")) {
      // The keys held no longer work (removed from the node's config, the
      // clock off by more than 5 minutes): sign in again, saying why.
      signOut();
      drawAccount(() => void route());
      clear(box);
      signInView(box, () => void route(), e);
    } else {
      box.appendChild(errorBox(e));
    }
  }
  box.setAttribute("data-ready", String(Math.round(performance.now())));
}

window.addEventListener("hashchange", () => void route());
void loadNodeInfo().then(() => route());
