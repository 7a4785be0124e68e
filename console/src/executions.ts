// Executions: a filtered, paged list (a machine's, or a Map Run's children),
// one execution (the graph coloured by outcome, live while it runs, the
// event history, Map Runs, actions), one Map Run.
import { call, fmtTime, pretty, type Json } from "./api";
import { h, append, clear, link, errorBox, badge, shortArn, enc } from "./dom";
import { drawDefinition } from "./graph";
import { outcomes, details, errorOf, type StateRun } from "./outcome";
import { answerForm } from "./tasks";
import type { View } from "./main";

const PAGE = 50;
const SCAN_PAGE = 1000;
const SCAN_BUDGET = 20; // pages of 1,000 read per click when filtering by name or time

interface Scope {
  stateMachineArn?: string;
  mapRunArn?: string;
}

/// The list: the status filter is the API's (statusFilter); name and start
/// time are matched here over pages of 1,000 read newest first (the scan
/// stops at the first execution older than "from"); an exact name is looked
/// up directly (DescribeExecution). Paging follows the API's nextToken.
export async function executionsPanel(pane: HTMLElement, scope: Scope): Promise<View> {
  const statuses = ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", ...(scope.mapRunArn ? ["PENDING_REDRIVE"] : [])];
  const status = h("select#filter-status", null, statuses.map((s) => h("option", { value: s }, s || "any status"))) as HTMLSelectElement;
  const name = h("input#filter-name", { type: "search", placeholder: "name contains" }) as HTMLInputElement;
  const from = h("input#filter-from", { type: "datetime-local", step: "1" }) as HTMLInputElement;
  const to = h("input#filter-to", { type: "datetime-local", step: "1" }) as HTMLInputElement;
  const body = h("tbody");
  const info = h("span.muted#page-info");
  const prevB = h("button#prev-page", null, "← Newer") as HTMLButtonElement;
  const nextB = h("button#next-page", null, "Older →") as HTMLButtonElement;
  const tokens: (string | undefined)[] = [undefined]; // token of each page shown so far
  let pageNo = 0;
  let nextToken: string | undefined;
  let buffered: Json[] = []; // filtered matches beyond the page shown

  const base = () => ({ ...scope, ...(status.value ? { statusFilter: status.value } : {}) });
  const filtering = () => !!(name.value || from.value || to.value);
  const fromS = () => (from.value ? new Date(from.value).getTime() / 1000 : -Infinity);
  const toS = () => (to.value ? new Date(to.value).getTime() / 1000 : Infinity);
  const matches = (e: Json) => e.name.includes(name.value) && e.startDate >= fromS() && e.startDate <= toS();

  const load = async (token: string | undefined) => {
    clear(body);
    body.appendChild(h("tr", null, h("td.muted", { colspan: 4 }, "Loading…")));
    let rows: Json[] = [];
    let scanned = 0;
    let exact: Json | null = null;
    try {
      if (!filtering()) {
        const r = await call("ListExecutions", { ...base(), maxResults: PAGE, ...(token ? { nextToken: token } : {}) });
        rows = r.executions ?? [];
        nextToken = r.nextToken;
      } else {
        if (pageNo === 0 && name.value && scope.stateMachineArn && !token) {
          const arn = scope.stateMachineArn.replace(":stateMachine:", ":execution:") + ":" + name.value;
          try {
            const d = await call("DescribeExecution", { executionArn: arn });
            if ((!status.value || d.status === status.value) && matches(d)) exact = d;
          } catch {
            /* no execution of exactly that name */
          }
        }
        rows = buffered.splice(0, PAGE);
        let t = token;
        let reads = 0;
        let older = false;
        while (rows.length < PAGE && reads < SCAN_BUDGET && !older) {
          const r = await call("ListExecutions", { ...base(), maxResults: SCAN_PAGE, ...(t ? { nextToken: t } : {}) });
          reads++;
          const got: Json[] = r.executions ?? [];
          scanned += got.length;
          for (const e of got) {
            if (e.startDate < fromS()) older = true;
            if (matches(e) && e.executionArn !== exact?.executionArn) (rows.length < PAGE ? rows : buffered).push(e);
          }
          t = r.nextToken;
          if (!t) break;
        }
        nextToken = older ? undefined : t;
      }
    } catch (e) {
      clear(body);
      body.appendChild(h("tr", null, h("td", { colspan: 4 }, errorBox(e))));
      return;
    }
    clear(body);
    if (exact) rows.unshift({ ...exact, exact: true });
    for (const e of rows)
      body.appendChild(h("tr", null, h("td", null, link(`#/execution/${enc(e.executionArn)}`, e.name), e.exact ? h("span.muted", null, " (exact name)") : null),
        h("td", null, badge(e.status)), h("td", null, fmtTime(e.startDate)), h("td", null, fmtTime(e.stopDate))));
    if (!rows.length) body.appendChild(h("tr", null, h("td.muted", { colspan: 4 }, "No executions")));
    info.textContent = `page ${pageNo + 1}` + (scanned ? ` · ${scanned} executions scanned` : "");
    prevB.disabled = pageNo === 0;
    nextB.disabled = !nextToken && !buffered.length;
  };
  const restart = () => {
    tokens.length = 1;
    pageNo = 0;
    buffered = [];
    void load(undefined);
  };
  prevB.addEventListener("click", () => {
    if (pageNo === 0) return;
    pageNo--;
    buffered = [];
    void load(tokens[pageNo]);
  });
  nextB.addEventListener("click", () => {
    pageNo++;
    tokens[pageNo] = nextToken;
    void load(nextToken);
  });
  let timer = 0;
  const later = () => {
    clearTimeout(timer);
    timer = window.setTimeout(restart, 350);
  };
  status.addEventListener("change", restart);
  for (const i of [name, from, to]) i.addEventListener("input", later);
  pane.append(
    h("div.toolbar", null, status, name, h("label.inline", null, "from ", from), h("label.inline", null, "to ", to), prevB, nextB, info),
    h("table.list#executions", null, h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Status"), h("th", null, "Started"), h("th", null, "Stopped"))), body),
  );
  await load(undefined);
  return { stop: () => clearTimeout(timer) };
}

// ---------------------------------------------------------------------------

/// Every event of the history, then only new ones on each poll (read
/// backwards from the end until a known event).
class History {
  events: Json[] = [];
  async refresh(arn: string): Promise<boolean> {
    if (!this.events.length) {
      let token: string | undefined;
      do {
        const r = await call("GetExecutionHistory", { executionArn: arn, maxResults: 1000, ...(token ? { nextToken: token } : {}) });
        this.events.push(...r.events);
        token = r.nextToken;
      } while (token);
      return true;
    }
    const last = this.events[this.events.length - 1].id;
    const fresh: Json[] = [];
    let token: string | undefined;
    for (;;) {
      const r = await call("GetExecutionHistory", { executionArn: arn, maxResults: 200, reverseOrder: true, ...(token ? { nextToken: token } : {}) });
      let done = false;
      for (const e of r.events) {
        if (e.id <= last) {
          done = true;
          break;
        }
        fresh.push(e);
      }
      token = r.nextToken;
      if (done || !token) break;
    }
    fresh.reverse();
    this.events.push(...fresh);
    return fresh.length > 0;
  }
}

export async function executionView(app: HTMLElement, arn: string): Promise<View> {
  let ex = await call("DescribeExecution", { executionArn: arn });
  const machine = await call("DescribeStateMachineForExecution", { executionArn: arn });
  const def = JSON.parse(machine.definition);
  const history = new History();
  let runs = new Map<string, StateRun>();
  let selected = "";

  const head = h("div.exec-head");
  const actions = h("div.actions");
  const stateBox = h("div#state-details.state-details", null, h("p.muted", null, "Click a state to see its input, output, error and cause."));
  const historyBody = h("tbody");
  const mapRuns = h("div#map-runs");
  const msg = h("div");
  const drawing = drawDefinition(def, (s) => {
    selected = s;
    showState();
  });
  const graphBox = h("div.graph-box", null, h("p.muted", null, "Laying out the graph…"));
  let drawn: Awaited<typeof drawing> | null = null;

  const colour = () => {
    if (!drawn) return;
    for (const [name, g] of drawn.states) {
      g.classList.remove("o-running", "o-succeeded", "o-failed", "o-caught", "o-retried", "o-aborted");
      const r = runs.get(name);
      if (r) g.classList.add("o-" + r.outcome);
      g.classList.toggle("selected", name === selected);
    }
  };
  const showState = () => {
    colour();
    clear(stateBox);
    const r = runs.get(selected);
    stateBox.appendChild(h("h3", null, selected, r ? h("span", null, " ", badge(r.outcome)) : h("span.muted", null, " (not run)")));
    if (!r) return;
    const visits = r.visits.slice(-20);
    if (r.visits.length > visits.length) stateBox.appendChild(h("p.muted", null, `the last ${visits.length} of ${r.visits.length} runs`));
    for (const v of visits) {
      const box = h("div.visit");
      for (const f of v.failures) {
        const { error, cause } = errorOf(f);
        box.appendChild(h("div.failure", null, h("div", null, h("b", null, f.type), ` (event ${f.id})`),
          h("div", null, "Error: ", h("span.error-name", null, error ?? "")), h("div", null, "Cause: ", h("pre.cause", null, pretty(cause ?? "")))));
      }
      box.appendChild(h("div.io", null, h("div", null, h("b", null, "Input"), h("pre.state-input", null, pretty(details(v.entered).input))),
        v.exited && !v.exited.caughtBy ? h("div", null, h("b", null, "Output"), h("pre.state-output", null, pretty(details(v.exited).output))) : null));
      stateBox.appendChild(box);
    }
  };
  const renderHead = () => {
    clear(head);
    append(head, [
      h("h1", null, ex.name, " ", h("span#exec-status", { "data-status": ex.status }, badge(ex.status))),
      h("div.meta", null, h("code", null, ex.executionArn)),
      h("div.meta", null, "State machine: ", link(`#/machine/${enc(ex.stateMachineArn)}`, shortArn(ex.stateMachineArn)),
        ex.mapRunArn ? h("span", null, " · Map Run: ", link(`#/maprun/${enc(ex.mapRunArn)}`, shortArn(ex.mapRunArn))) : null,
        ` · started ${fmtTime(ex.startDate)}`, ex.stopDate ? ` · stopped ${fmtTime(ex.stopDate)}` : "", ex.redriveCount ? ` · redriven ${ex.redriveCount}×` : ""),
      ex.error || ex.cause ? h("div.failure#exec-error", null, h("div", null, "Error: ", h("b", null, ex.error ?? "")), h("div", null, "Cause: ", h("pre", null, pretty(ex.cause ?? "")))) : null,
      h("details", null, h("summary", null, "Input and output"), h("div.io", null, h("div", null, h("b", null, "Input"), h("pre", null, pretty(ex.input))), h("div", null, h("b", null, "Output"), h("pre#exec-output", null, pretty(ex.output))))),
    ]);
    clear(actions);
    if (ex.status === "RUNNING") actions.appendChild(h("button#stop", { onclick: () => act("StopExecution", { executionArn: arn, error: "Console", cause: "Stopped from the console" }) }, "Stop"));
    if (["FAILED", "TIMED_OUT", "ABORTED"].includes(ex.status)) actions.appendChild(h("button#redrive", { onclick: () => act("RedriveExecution", { executionArn: arn }) }, "Redrive"));
    actions.appendChild(msg);
  };
  const act = async (op: string, body: Json) => {
    clear(msg);
    try {
      await call(op, body);
      msg.appendChild(h("span.ok", null, `${op} done`));
      await poll(true);
    } catch (e) {
      msg.appendChild(errorBox(e));
    }
  };
  const HISTORY_ROWS = 2000; // the table keeps the newest rows; the graph and panels use every event
  const historyNote = h("p.muted");
  const renderHistory = (from: number) => {
    const total = history.events.length;
    for (const e of history.events.slice(Math.max(from, total - HISTORY_ROWS))) {
      const d = details(e);
      const step = d.name ?? "";
      const { error, cause } = errorOf(e);
      historyBody.appendChild(h("tr", { "data-event": e.id, class: /(Failed|TimedOut|Aborted)$/.test(e.type) ? "ev-failure" : "" },
        h("td", null, String(e.id)), h("td", null, e.type), h("td", null, step), h("td", null, fmtTime(e.timestamp)),
        h("td", null, error ? h("div", null, h("b", null, error), cause ? " — " + String(cause).slice(0, 200) : "") : null,
          d.input !== undefined ? lazyDetails("input", () => pretty(d.input)) : null,
          d.output !== undefined ? lazyDetails("output", () => pretty(d.output)) : null,
          Object.keys(d).length && d.input === undefined && d.output === undefined && !error ? lazyDetails("details", () => JSON.stringify(d, null, 2)) : null)));
    }
    while (historyBody.children.length > HISTORY_ROWS) historyBody.removeChild(historyBody.firstChild!);
    historyNote.textContent = total > HISTORY_ROWS ? `The last ${HISTORY_ROWS} of ${total} events.` : `${total} events.`;
  };
  const loadMapRuns = async () => {
    if (!history.events.some((e) => e.type === "MapRunStarted")) return;
    const r = await call("ListMapRuns", { executionArn: arn, maxResults: 100 });
    clear(mapRuns);
    mapRuns.append(h("h2", null, "Map Runs"), h("table.list", null, h("tbody", null, (r.mapRuns ?? []).map((m: Json) => h("tr", null, h("td", null, link(`#/maprun/${enc(m.mapRunArn)}`, shortArn(m.mapRunArn))), h("td", null, fmtTime(m.startDate)), h("td", null, fmtTime(m.stopDate)))))));
  };
  let busy = false;
  const poll = async (force = false) => {
    if (busy) return;
    busy = true;
    try {
      const before = history.events.length;
      const was = ex.status;
      ex = await call("DescribeExecution", { executionArn: arn });
      const changed = await history.refresh(arn);
      if (changed || force || was !== ex.status) {
        runs = outcomes(history.events, ex.status);
        renderHead();
        renderHistory(before);
        colour();
        if (selected) showState();
        await loadMapRuns();
      }
      live.textContent = ex.status === "RUNNING" ? "● live" : "";
    } finally {
      busy = false;
    }
  };
  const live = document.getElementById("live")!;
  app.append(head, actions,
    h("div.split.exec", null, h("div", null, graphBox, legend()), stateBox),
    mapRuns,
    h("details.answer-box", null, h("summary", null, "Answer a task token (SendTaskSuccess / SendTaskFailure)"), answerForm()),
    h("h2", null, "Event history"), historyNote,
    h("table.list.history#history", null, h("thead", null, h("tr", null, h("th", null, "Id"), h("th", null, "Type"), h("th", null, "Step"), h("th", null, "Time"), h("th", null, "Details"))), historyBody));
  const first = poll(true);
  try {
    drawn = await drawing;
    clear(graphBox);
    graphBox.appendChild(drawn.svg);
  } catch (e) {
    clear(graphBox);
    graphBox.appendChild(errorBox(e));
  }
  await first;
  colour();
  const timer = window.setInterval(() => {
    if (ex.status === "RUNNING" || ex.status === "PENDING_REDRIVE") void poll().catch(() => undefined);
  }, 1000);
  return { stop: () => { clearInterval(timer); live.textContent = ""; } };
}

/// A <details> whose text is made when first opened (histories are long).
function lazyDetails(label: string, text: () => string): HTMLElement {
  const pre = h("pre");
  const d = h("details", null, h("summary", null, label), pre);
  d.addEventListener("toggle", () => {
    if (!pre.textContent) pre.textContent = text();
  });
  return d;
}

function legend(): HTMLElement {
  return h("div.legend", null, ["running", "succeeded", "failed", "caught", "retried", "aborted"].map((o) => h("span", null, h(`i.sw.o-${o}`), o)));
}

export async function mapRunView(app: HTMLElement, arn: string): Promise<View> {
  const m = await call("DescribeMapRun", { mapRunArn: arn });
  const counts = (c: Json) => Object.entries(c ?? {}).map(([k, v]) => h("span.count", null, `${k} ${v}`));
  app.append(
    h("h1", null, "Map Run ", badge(m.status)),
    h("div.meta", null, h("code", null, arn)),
    h("div.meta", null, "Execution: ", link(`#/execution/${enc(m.executionArn)}`, shortArn(m.executionArn)), ` · started ${fmtTime(m.startDate)}`, m.stopDate ? ` · stopped ${fmtTime(m.stopDate)}` : "",
      ` · max concurrency ${m.maxConcurrency} · tolerated ${m.toleratedFailurePercentage}% / ${m.toleratedFailureCount}`),
    h("div.counts", null, h("b", null, "Items: "), counts(m.itemCounts)),
    h("div.counts", null, h("b", null, "Executions: "), counts(m.executionCounts)),
    h("h2", null, "Child executions"),
  );
  const pane = h("div");
  app.appendChild(pane);
  return executionsPanel(pane, { mapRunArn: arn });
}
