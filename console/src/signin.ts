// The sign-in form (a node with auth.mode: sigv4) and the header's
// "signed in as" with Sign out. See auth.ts for where the keys live.
import { h, clear, errorBox } from "./dom";
import { call, ApiError } from "./api";
import { canSign, nodeInfo, signIn, signOut, signedIn, withCredentials } from "./auth";

/// Draws the sign-in form into `box`; `done` runs once signed in.
export function signInView(box: HTMLElement, done: () => void, reason?: unknown): void {
  const info = nodeInfo();
  const akid = h("input#signin-akid", { autocomplete: "off", spellcheck: "false", required: true }) as HTMLInputElement;
  const secret = h("input#signin-secret", { type: "password", autocomplete: "off", required: true }) as HTMLInputElement;
  const region = h("input#signin-region", { value: info.region, spellcheck: "false" }) as HTMLInputElement;
  const msg = h("div#signin-message");
  if (reason) msg.appendChild(errorBox(reason));
  const button = h("button#signin-button", { type: "submit" }, "Sign in") as HTMLButtonElement;
  const secure = canSign();
  const go = async (ev: Event) => {
    ev.preventDefault();
    clear(msg);
    const c = { accessKeyId: akid.value.trim(), secretAccessKey: secret.value, region: region.value.trim() || info.region };
    if (!c.accessKeyId || !c.secretAccessKey) {
      msg.appendChild(errorBox("Give an access key ID and a secret access key."));
      return;
    }
    button.disabled = true;
    try {
      // The keys are kept only once the node accepts a call signed with
      // them. A key without the right to list machines (a worker key) is
      // still a valid key: AccessDeniedException means it verified.
      await withCredentials(c, () => call("ListStateMachines", { maxResults: 1 })).catch((e) => {
        if (e instanceof ApiError && e.type === "AccessDeniedException") return null;
        throw e;
      });
      signIn(c);
      secret.value = "";
      done();
    } catch (e) {
      msg.appendChild(errorBox(e));
    } finally {
      button.disabled = !secure;
    }
  };
  const form = h("form.form.signin#signin", { onsubmit: go },
    h("h1", null, "Sign in"),
    h("p.muted", null, "This node checks AWS Signature Version 4 on every request. Use an access key from its ",
      h("code", null, "auth:"), " configuration. The keys stay in this browser tab (session storage) and are never sent: each request is signed here."),
    secure ? null : h("div.error#signin-insecure", null,
      "This page is not a secure context, so the browser offers no WebCrypto to sign requests with. " +
      "Open the console over HTTPS (start the node with --tls-cert and --tls-key) or at http://127.0.0.1 or http://localhost " +
      "(for a remote node, through an SSH tunnel)."),
    h("label", null, "Access key ID", akid),
    h("label", null, "Secret access key", secret),
    h("label", null, "Region", region),
    button, msg);
  button.disabled = !secure;
  box.appendChild(form);
  if (secure) akid.focus();
}

/// The header's account corner: who is signed in and Sign out (nothing
/// when the node does not check signatures).
export function drawAccount(onSignOut: () => void): void {
  const corner = document.getElementById("account");
  if (!corner) return;
  clear(corner);
  const c = signedIn();
  if (!c) return;
  corner.append(h("span#signed-in-as", { title: `Signing for Region ${c.region}` }, `${c.accessKeyId} · ${c.region}`),
    h("button#signout", { onclick: () => { signOut(); onSignOut(); } }, "Sign out"));
}
