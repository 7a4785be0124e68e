// State machines: the list, one machine (graph beside its definition,
// executions, versions, aliases, start, edit with validation as you type)
// and creating one.
import { call, callAll, fmtTime, pretty, type Json } from "./api";
import { h, clear, link, errorBox, badge, shortArn, enc } from "./dom";
import { drawDefinition } from "./graph";
import { executionsPanel } from "./executions";
import type { View } from "./main";

export async function machinesView(app: HTMLElement): Promise<View> {
  const machines = await callAll("ListStateMachines", {}, "stateMachines");
  const filter = h("input", { type: "search", placeholder: "Filter by name", id: "machine-filter" }) as HTMLInputElement;
  const body = h("tbody");
  const render = () => {
    clear(body);
    const q = filter.value.toLowerCase();
    for (const m of machines.filter((m) => m.name.toLowerCase().includes(q)))
      body.appendChild(h("tr", null, h("td", null, link(`#/machine/${enc(m.stateMachineArn)}`, m.name)), h("td", null, m.type), h("td", null, fmtTime(m.creationDate))));
    if (!body.children.length) body.appendChild(h("tr", null, h("td.muted", { colspan: 3 }, "No state machines")));
  };
  filter.addEventListener("input", render);
  render();
  app.append(
    h("div.toolbar", null, h("h1", null, `State machines (${machines.length})`), filter, link("#/create", "Create state machine", "button")),
    h("table.list#machines", null, h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Type"), h("th", null, "Created"))), body),
  );
  return {};
}

/// The definition drawn beside its text; clicking a state scrolls the text
/// to that state's definition (and tells `onSelect`).
export async function graphBeside(def: string, onSelect?: (s: string) => void) {
  const graphBox = h("div.graph-box");
  const text = pretty(def);
  const pre = h("pre.definition", null, text);
  const show = (name: string) => {
    const at = text.indexOf(JSON.stringify(name) + ": {");
    if (at >= 0) {
      const line = text.slice(0, at).split("\n").length - 1;
      const lineHeight = parseFloat(getComputedStyle(pre).lineHeight) || 17;
      pre.scrollTop = Math.max(0, line * lineHeight - 8);
    }
    onSelect?.(name);
  };
  try {
    const d = await drawDefinition(JSON.parse(def), show);
    graphBox.appendChild(d.svg);
    return { box: h("div.split", null, graphBox, pre), drawn: d };
  } catch (e) {
    graphBox.appendChild(errorBox(e));
    return { box: h("div.split", null, graphBox, pre), drawn: null };
  }
}

export async function machineView(app: HTMLElement, arn: string, tab: string): Promise<View> {
  const m = await call("DescribeStateMachine", { stateMachineArn: arn });
  const isVersion = /:\d+$/.test(arn.split(":stateMachine:")[1] ?? "");
  const baseArn = isVersion ? arn.replace(/:\d+$/, "") : arn;
  const tabs = ["graph", "executions", "versions", "aliases", "start", "edit"].filter((t) => !isVersion || t !== "edit");
  const current = tabs.includes(tab) ? tab : "graph";
  app.append(
    h("div.toolbar", null, h("h1", null, m.name + (isVersion ? ` (version ${arn.split(":").pop()})` : "")), h("span.muted", null, m.type), isVersion && link(`#/machine/${enc(baseArn)}`, "the machine")),
    h("div.meta", null, h("code", null, arn), m.description && h("span", null, " — " + m.description)),
    h("div.tabs", null, tabs.map((t) => link(`#/machine/${enc(arn)}/${t}`, t, t === current ? "active" : ""))),
  );
  const pane = h("div.pane");
  app.appendChild(pane);
  switch (current) {
    case "graph":
      pane.appendChild((await graphBeside(m.definition)).box);
      return {};
    case "executions":
      if (m.type === "EXPRESS") {
        pane.appendChild(h("p.muted", null, "Express executions are not listed (as on AWS)."));
        return {};
      }
      return executionsPanel(pane, { stateMachineArn: arn });
    case "versions": {
      const vs = await callAll("ListStateMachineVersions", { stateMachineArn: baseArn }, "stateMachineVersions");
      pane.appendChild(h("table.list#versions", null, h("thead", null, h("tr", null, h("th", null, "Version"), h("th", null, "Created"))),
        h("tbody", null, vs.length ? vs.map((v) => h("tr", null, h("td", null, link(`#/machine/${enc(v.stateMachineVersionArn)}`, shortArn(v.stateMachineVersionArn))), h("td", null, fmtTime(v.creationDate))))
          : h("tr", null, h("td.muted", { colspan: 2 }, "No versions (publish one from the edit tab)")))));
      return {};
    }
    case "aliases": {
      const as = await callAll("ListStateMachineAliases", { stateMachineArn: baseArn }, "stateMachineAliases");
      const rows = await Promise.all(as.map((a) => call("DescribeStateMachineAlias", { stateMachineAliasArn: a.stateMachineAliasArn })));
      pane.appendChild(h("table.list#aliases", null, h("thead", null, h("tr", null, h("th", null, "Alias"), h("th", null, "Routing"), h("th", null, "Updated"))),
        h("tbody", null, rows.length ? rows.map((a) => h("tr", null, h("td", { title: a.stateMachineAliasArn }, a.name),
          h("td", null, (a.routingConfiguration ?? []).map((r: Json) => h("div", null, link(`#/machine/${enc(r.stateMachineVersionArn)}`, shortArn(r.stateMachineVersionArn)), ` ${r.weight}%`))),
          h("td", null, fmtTime(a.updateDate ?? a.creationDate))))
          : h("tr", null, h("td.muted", { colspan: 3 }, "No aliases")))));
      return {};
    }
    case "start":
      pane.appendChild(startForm(arn, m.type));
      return {};
    case "edit":
      return editor(pane, m);
  }
  return {};
}

/// Standard: StartExecution, then the execution's page. Express:
/// StartSyncExecution (Express executions cannot be described afterwards),
/// the result shown here.
function startForm(arn: string, type: string): HTMLElement {
  const name = h("input#start-name", { placeholder: "Name (optional)" }) as HTMLInputElement;
  const input = h("textarea#start-input.code", { rows: 8 }, "{}") as HTMLTextAreaElement;
  const out = h("div");
  const go = async () => {
    clear(out);
    try {
      const body = { stateMachineArn: arn, input: input.value, ...(name.value ? { name: name.value } : {}) };
      if (type === "EXPRESS") {
        const r = await call("StartSyncExecution", body);
        out.append(h("div#sync-result", null, h("div", null, badge(r.status), " ", r.executionArn),
          r.error || r.cause ? h("div.failure", null, h("div", null, "Error: ", h("b", null, r.error ?? "")), h("div", null, "Cause: ", h("pre", null, pretty(r.cause ?? "")))) : null,
          r.output !== undefined ? h("pre", null, pretty(r.output)) : null));
        return;
      }
      const r = await call("StartExecution", body);
      location.hash = `#/execution/${enc(r.executionArn)}`;
    } catch (e) {
      out.appendChild(errorBox(e));
    }
  };
  return h("div.form", null, h("label", null, "Name", name), h("label", null, "Input (JSON)", input), h("button#start-button", { onclick: go }, "Start execution"), out);
}

/// Editing: every change is validated by the node (ValidateStateMachineDefinition,
/// JSONata included) and redrawn; Save updates the machine.
async function editor(pane: HTMLElement, m: Json): Promise<View> {
  const text = h("textarea#definition-editor.code", { rows: 30, spellcheck: "false" }, pretty(m.definition)) as HTMLTextAreaElement;
  const diag = h("div#diagnostics.diagnostics");
  const graphBox = h("div.graph-box");
  const publish = h("input", { type: "checkbox", id: "publish" }) as HTMLInputElement;
  const saved = h("div");
  let timer = 0;
  let seq = 0;
  const validate = async () => {
    const mine = ++seq;
    let parsed: Json = null;
    try {
      parsed = JSON.parse(text.value);
    } catch (e) {
      clear(diag);
      diag.appendChild(h("div.diag.ERROR", null, "JSON: " + (e as Error).message));
      return;
    }
    try {
      const r = await call("ValidateStateMachineDefinition", { definition: text.value, type: m.type, severity: "WARNING" });
      if (mine !== seq) return;
      clear(diag);
      if (r.result === "OK" && !(r.diagnostics ?? []).length) diag.appendChild(h("div.diag.OK", null, "Valid"));
      for (const d of r.diagnostics ?? []) diag.appendChild(h(`div.diag.${d.severity}`, null, `${d.severity} ${d.code}${d.location ? " at " + d.location : ""}: ${d.message}`));
      const drawn = await drawDefinition(parsed);
      if (mine !== seq) return;
      clear(graphBox);
      graphBox.appendChild(drawn.svg);
    } catch (e) {
      clear(diag);
      diag.appendChild(errorBox(e));
    }
  };
  text.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(validate, 300);
  });
  text.addEventListener("keydown", tabInserts);
  const save = async () => {
    clear(saved);
    try {
      const r = await call("UpdateStateMachine", { stateMachineArn: m.stateMachineArn, definition: text.value, publish: publish.checked });
      saved.appendChild(h("div.ok", null, `Saved ${fmtTime(r.updateDate)}${r.stateMachineVersionArn ? " as " + shortArn(r.stateMachineVersionArn) : ""}`));
    } catch (e) {
      saved.appendChild(errorBox(e));
    }
  };
  pane.appendChild(h("div.split", null, h("div", null, text, diag, h("div.row", null, h("label.inline", null, publish, " publish a version"), h("button#save", { onclick: save }, "Save")), saved), graphBox));
  await validate();
  return { stop: () => clearTimeout(timer) };
}

/// Tab in a definition editor indents (two spaces) instead of leaving it.
function tabInserts(ev: KeyboardEvent): void {
  if (ev.key !== "Tab" || ev.shiftKey || ev.ctrlKey || ev.altKey || ev.metaKey) return;
  ev.preventDefault();
  const t = ev.target as HTMLTextAreaElement;
  t.setRangeText("  ", t.selectionStart, t.selectionEnd, "end");
  t.dispatchEvent(new Event("input"));
}

export async function createView(app: HTMLElement): Promise<View> {
  const sample = { Comment: "A new state machine", StartAt: "Hello", States: { Hello: { Type: "Pass", Result: "hi", End: true } } };
  const name = h("input#create-name", { placeholder: "name" }) as HTMLInputElement;
  const type = h("select#create-type", null, h("option", null, "STANDARD"), h("option", null, "EXPRESS")) as HTMLSelectElement;
  const role = h("input#create-role", { value: "arn:aws:iam::123456789012:role/statecraft" }) as HTMLInputElement;
  const text = h("textarea#create-definition.code", { rows: 20, spellcheck: "false" }, JSON.stringify(sample, null, 2)) as HTMLTextAreaElement;
  const diag = h("div.diagnostics");
  const out = h("div");
  let timer = 0;
  const validate = async () => {
    clear(diag);
    try {
      const r = await call("ValidateStateMachineDefinition", { definition: text.value, type: type.value, severity: "WARNING" });
      if (r.result === "OK" && !(r.diagnostics ?? []).length) diag.appendChild(h("div.diag.OK", null, "Valid"));
      for (const d of r.diagnostics ?? []) diag.appendChild(h(`div.diag.${d.severity}`, null, `${d.severity} ${d.code}${d.location ? " at " + d.location : ""}: ${d.message}`));
    } catch (e) {
      diag.appendChild(errorBox(e));
    }
  };
  text.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(validate, 300);
  });
  text.addEventListener("keydown", tabInserts);
  const create = async () => {
    clear(out);
    try {
      const r = await call("CreateStateMachine", { name: name.value, type: type.value, roleArn: role.value, definition: text.value });
      location.hash = `#/machine/${enc(r.stateMachineArn)}`;
    } catch (e) {
      out.appendChild(errorBox(e));
    }
  };
  app.append(h("h1", null, "Create a state machine"), h("div.form", null, h("label", null, "Name", name), h("label", null, "Type", type), h("label", null, "Role ARN", role), h("label", null, "Definition", text), diag, h("button#create-button", { onclick: create }, "Create"), out));
  await validate();
  return { stop: () => clearTimeout(timer) };
}

export { badge };
