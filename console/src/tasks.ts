// Answering a task token (SendTaskSuccess / SendTaskFailure), and activities:
// the list, and taking a task as a worker would (GetActivityTask).
import { call, callAll, fmtTime, pretty, type Json } from "./api";
import { h, clear, link, errorBox, enc } from "./dom";
import type { View } from "./main";

export function answerForm(token = ""): HTMLElement {
  const tok = h("textarea.code.token", { rows: 2, placeholder: "task token", value: token }) as HTMLTextAreaElement;
  const output = h("textarea.code.task-output", { rows: 3, value: "{}" }) as HTMLTextAreaElement;
  const error = h("input.task-error", { placeholder: "error (failure)" }) as HTMLInputElement;
  const cause = h("input.task-cause", { placeholder: "cause (failure)" }) as HTMLInputElement;
  const msg = h("div.answer-msg");
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

interface TaskSeen {
  execution: Json;
  state: string;
  scheduled: Json;
  started?: Json;
}

/// Waiting tasks and workers seen, from the public API only: the state
/// machines whose definition names the activity (at most MACHINE_CAP), their
/// running executions (at most EXEC_CAP), the end of each one's history.
const MACHINE_CAP = 200;
const EXEC_CAP = 200;
async function scanActivity(arn: string): Promise<{ tasks: TaskSeen[]; workers: Map<string, number>; note: string }> {
  const machines = (await callAll("ListStateMachines", {}, "stateMachines", MACHINE_CAP)).slice(0, MACHINE_CAP);
  const described = await Promise.all(machines.map((m) => call("DescribeStateMachine", { stateMachineArn: m.stateMachineArn }).catch(() => null)));
  const users = described.filter((d) => d && d.type === "STANDARD" && String(d.definition).includes(arn));
  const tasks: TaskSeen[] = [];
  const workers = new Map<string, number>();
  let execs: Json[] = [];
  for (const m of users) {
    const r = await call("ListExecutions", { stateMachineArn: m.stateMachineArn, statusFilter: "RUNNING", maxResults: 100 });
    execs.push(...(r.executions ?? []));
    const recent = await call("ListExecutions", { stateMachineArn: m.stateMachineArn, maxResults: 10 });
    execs.push(...(recent.executions ?? []).filter((e: Json) => e.status !== "RUNNING"));
  }
  execs = execs.slice(0, EXEC_CAP);
  await Promise.all(execs.map(async (e) => {
    const h = await call("GetExecutionHistory", { executionArn: e.executionArn, reverseOrder: true, maxResults: 100 });
    const events: Json[] = (h.events ?? []).slice().reverse();
    const open = new Map<number, TaskSeen>();
    const byId = new Map<number, Json>(events.map((ev) => [ev.id, ev]));
    for (const ev of events) {
      if (ev.type === "ActivityScheduled" && ev.activityScheduledEventDetails?.resource === arn) {
        const entered = byId.get(ev.previousEventId);
        open.set(ev.id, { execution: e, state: entered?.stateEnteredEventDetails?.name ?? "", scheduled: ev });
      } else if (ev.type === "ActivityStarted") {
        const t = open.get(ev.previousEventId);
        if (t) {
          t.started = ev;
          const w = ev.activityStartedEventDetails?.workerName ?? "(no name)";
          workers.set(w, Math.max(workers.get(w) ?? 0, ev.timestamp));
        }
      } else if (/^Activity(Succeeded|Failed|TimedOut)$/.test(ev.type)) {
        // Answered: previousEventId is the ActivityStarted (or Scheduled) event.
        for (const [id, t] of open) if (id === ev.previousEventId || t.started?.id === ev.previousEventId) open.delete(id);
      }
    }
    if (e.status === "RUNNING") tasks.push(...open.values());
  }));
  const note = `${users.length} state machine(s) use this activity; ${execs.length} execution(s) read` +
    (machines.length >= MACHINE_CAP || execs.length >= EXEC_CAP ? " (capped)" : "");
  return { tasks, workers, note };
}

export async function activityView(app: HTMLElement, arn: string): Promise<View> {
  const a = await call("DescribeActivity", { activityArn: arn });
  const seen = h("div#activity-tasks");
  let busy = false;
  const refresh = async () => {
    if (busy) return;
    busy = true;
    try {
      const { tasks, workers, note } = await scanActivity(arn);
      clear(seen);
      seen.append(
        h("h2", null, `Tasks in progress (${tasks.length})`),
        h("table.list#waiting-tasks", null, h("thead", null, h("tr", null, h("th", null, "Execution"), h("th", null, "State"), h("th", null, "Scheduled"), h("th", null, "Status"))),
          h("tbody", null, tasks.length ? tasks.map((t) => h("tr", { "data-execution": t.execution.name }, h("td", null, link(`#/execution/${enc(t.execution.executionArn)}`, t.execution.name)), h("td", null, t.state),
            h("td", null, fmtTime(t.scheduled.timestamp)),
            h("td.task-status", null, t.started ? `started by ${t.started.activityStartedEventDetails?.workerName ?? "?"} at ${fmtTime(t.started.timestamp)}` : "waiting for a worker")))
            : h("tr", null, h("td.muted", { colspan: 4 }, "None")))),
        h("h2", null, "Workers seen"),
        h("table.list#workers", null, h("thead", null, h("tr", null, h("th", null, "Worker"), h("th", null, "Last task started"))),
          h("tbody", null, workers.size ? [...workers].sort((x, y) => y[1] - x[1]).map(([w, t]) => h("tr", null, h("td.worker", null, w), h("td", null, fmtTime(t))))
            : h("tr", null, h("td.muted", { colspan: 2 }, "None yet")))),
        h("p.muted", null, note + ". Read from the histories (public API); refreshed every 3 s."),
      );
    } catch (e) {
      clear(seen);
      seen.appendChild(errorBox(e));
    } finally {
      busy = false;
    }
  };
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
    h("button#take-task", { onclick: take }, "Take a task"), got, seen);
  await refresh();
  const timer = window.setInterval(() => void refresh(), 3000);
  return { stop: () => { controller?.abort(); clearInterval(timer); } };
}
