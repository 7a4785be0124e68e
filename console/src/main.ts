// The console's router: #/..., one view at a time; a view may return a
// stop() that ends its polling when another view is opened.
import { h, clear, errorBox } from "./dom";
import { machinesView, machineView, createView } from "./machines";
import { executionView, mapRunView } from "./executions";
import { activitiesView, activityView, taskTokenView } from "./tasks";

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
    box.appendChild(errorBox(e));
  }
  box.setAttribute("data-ready", String(Math.round(performance.now())));
}

window.addEventListener("hashchange", () => void route());
void route();
