// Answering a task token (SendTaskSuccess / SendTaskFailure), and activities:
// the list, and taking a task as a worker would (GetActivityTask).
import { call, callAll, fmtTime, pretty } from "./api";
import { h, clear, link, errorBox, enc } from "./dom";
import type { View } from "./main";

export function answerForm(token = ""): HTMLElement {
  const tok = h("textarea.code.token", { rows: 2, placeholder: "task token", value: token }) as HTMLTextAreaElement;
  const output = h("textarea.code", { rows: 3, value: "{}" }) as HTMLTextAreaElement;
  const error = h("input", { placeholder: "error (failure)" }) as HTMLInputElement;
  const cause = h("input", { placeholder: "cause (failure)" }) as HTMLInputElement;
  const msg = h("div");
  const send = async (op: string, body: Record<string, string>) => {
    clear(msg);
    try {
      await call(op, { taskToken: tok.value.trim(), ...body });
      msg.appendChild(h("span.ok", null, `${op} accepted`));
    } catch (e) {
      msg.appendChild(errorBox(e));
    }
  };
  return h("div.form.answer", null,
    h("label", null, "Task token", tok),
    h("div.row", null, h("label", null, "Output (JSON)", output), h("button.success", { onclick: () => send("SendTaskSuccess", { output: output.value }) }, "Send success")),
    h("div.row", null, error, cause, h("button.failure-b", { onclick: () => send("SendTaskFailure", { ...(error.value ? { error: error.value } : {}), ...(cause.value ? { cause: cause.value } : {}) }) }, "Send failure")),
    h("button", { onclick: () => send("SendTaskHeartbeat", {}) }, "Heartbeat"),
    msg);
}

export async function taskTokenView(app: HTMLElement): Promise<View> {
  app.append(h("h1", null, "Answer a task token"), answerForm());
  return {};
}

export async function activitiesView(app: HTMLElement): Promise<View> {
  const acts = await callAll("ListActivities", {}, "activities");
  const name = h("input", { placeholder: "new activity name" }) as HTMLInputElement;
  const msg = h("div");
  const create = async () => {
    try {
      const r = await call("CreateActivity", { name: name.value });
      location.hash = `#/activity/${enc(r.activityArn)}`;
    } catch (e) {
      clear(msg);
      msg.appendChild(errorBox(e));
    }
  };
  app.append(h("div.toolbar", null, h("h1", null, `Activities (${acts.length})`), name, h("button", { onclick: create }, "Create")), msg,
    h("table.list#activities", null, h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Created"))),
      h("tbody", null, acts.length ? acts.map((a) => h("tr", null, h("td", null, link(`#/activity/${enc(a.activityArn)}`, a.name)), h("td", null, fmtTime(a.creationDate))))
        : h("tr", null, h("td.muted", { colspan: 2 }, "No activities")))));
  return {};
}

export async function activityView(app: HTMLElement, arn: string): Promise<View> {
  const a = await call("DescribeActivity", { activityArn: arn });
  const got = h("div");
  let controller: AbortController | null = null;
  const take = async () => {
    clear(got);
    got.appendChild(h("p.muted", null, "Waiting for a task (up to the node's poll timeout)…"));
    controller = new AbortController();
    try {
      const r = await call("GetActivityTask", { activityArn: arn, workerName: "statecraft-console" });
      clear(got);
      if (!r.taskToken) got.appendChild(h("p.muted", null, "No task came."));
      else got.append(h("b", null, "Input"), h("pre", null, pretty(r.input)), answerForm(r.taskToken));
    } catch (e) {
      clear(got);
      got.appendChild(errorBox(e));
    }
  };
  app.append(h("h1", null, a.name), h("div.meta", null, h("code", null, arn), ` · created ${fmtTime(a.creationDate)}`),
    h("p", null, "Work on this activity as a worker would: take the next task (GetActivityTask) and answer it."),
    h("button#take-task", { onclick: take }, "Take a task"), got);
  return { stop: () => controller?.abort() };
}
