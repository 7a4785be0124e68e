// A definition drawn as a graph. The layout is elkjs's layered algorithm on
// a nested graph: Parallel states contain one box per branch, Map states
// their ItemProcessor (or Iterator); Choice edges carry their conditions,
// Catch edges (dashed) their error names, Retry a loop back onto the state.
// Drawn as SVG; each state is a <g data-state="Name"> that the execution
// view colours by outcome (outcome.ts).
import ELK from "elkjs/lib/elk-api.js";
import type { ElkNode, ElkExtendedEdge, ElkLabel } from "elkjs/lib/elk-api";
import type { Json } from "./api";

// ELK runs in a Web Worker (elkjs's own elk-worker.min.js, copied into
// dist/ by build.mjs): the page loads without it and stays responsive while
// a large definition is laid out. Started at the first graph.
let elkInstance: InstanceType<typeof ELK> | null = null;
const elk = () => (elkInstance ??= new ELK({ workerUrl: "/console/elk-worker.min.js" }));
const SVGNS = "http://www.w3.org/2000/svg";
const CHAR_W = 6.6;

export type EdgeKind = "next" | "choice" | "default" | "catch" | "retry" | "start" | "end";

interface EdgeMeta {
  kind: EdgeKind;
  full: string; // the whole label (tooltip)
}

// ---------------------------------------------------------------------------
// Choice conditions as text.
const OPS: Record<string, string> = {
  Equals: "==", LessThan: "<", GreaterThan: ">", LessThanEquals: "<=", GreaterThanEquals: ">=",
};

export function conditionText(rule: Json): string {
  if (!rule || typeof rule !== "object") return "?";
  if (typeof rule.Condition === "string") return rule.Condition.replace(/^\{%\s*|\s*%\}$/g, "");
  if (Array.isArray(rule.And)) return rule.And.map((r: Json) => wrap(conditionText(r))).join(" and ");
  if (Array.isArray(rule.Or)) return rule.Or.map((r: Json) => wrap(conditionText(r))).join(" or ");
  if (rule.Not) return "not " + wrap(conditionText(rule.Not));
  const v = rule.Variable ?? "$";
  for (const [key, value] of Object.entries(rule)) {
    if (key === "Variable" || key === "Next" || key === "Assign" || key === "Output" || key === "Comment") continue;
    const m = key.match(/^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals)(Path)?$/);
    if (m) return `${v} ${OPS[m[2]]} ${m[3] ? value : JSON.stringify(value)}`;
    if (key === "StringMatches") return `${v} matches ${JSON.stringify(value)}`;
    const t = key.match(/^Is(Present|Null|String|Numeric|Boolean|Timestamp)$/);
    if (t) return `${v} ${value ? "is" : "is not"} ${t[1].toLowerCase()}`;
  }
  return JSON.stringify(rule);
}

function wrap(s: string): string {
  return /\s(and|or)\s/.test(s) ? `(${s})` : s;
}

function clip(s: string, n = 34): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

function label(text: string): ElkLabel {
  return { text, width: Math.ceil(text.length * CHAR_W) + 6, height: 14 };
}

// ---------------------------------------------------------------------------
// Definition → ELK graph.

interface Built {
  root: ElkNode;
  meta: Map<string, EdgeMeta>;
  types: Map<string, string>; // node id → state type (or "branch", "start", "end")
}

const sid = (name: string) => "s:" + name;

function stateNode(name: string, st: Json, b: Built, scope: string): ElkNode {
  const type = String(st?.Type ?? "?");
  const id = sid(name);
  b.types.set(id, type);
  const width = Math.max(110, Math.ceil(Math.max(name.length, type.length + 2) * 7.2) + 28);
  if (type === "Parallel" && Array.isArray(st.Branches)) {
    const branches: ElkNode[] = st.Branches.map((br: Json, i: number) => {
      const bid = `b:${name}:${i}`;
      b.types.set(bid, "branch");
      const inner = scopeGraph(br, b, bid);
      return {
        id: bid,
        labels: [label(`Branch ${i + 1}`)],
        layoutOptions: compoundOptions(),
        children: inner.children,
        edges: inner.edges,
      };
    });
    return { id, labels: [label(name)], layoutOptions: compoundOptions("RIGHT"), children: branches, edges: [] };
  }
  const proc = type === "Map" ? st.ItemProcessor ?? st.Iterator : null;
  if (proc && typeof proc === "object") {
    const inner = scopeGraph(proc, b, id);
    return { id, labels: [label(name)], layoutOptions: compoundOptions(), children: inner.children, edges: inner.edges };
  }
  void scope;
  return { id, width, height: 44, labels: [label(name)] };
}

function compoundOptions(direction = "DOWN"): Record<string, string> {
  return {
    "elk.padding": "[top=30,left=14,bottom=14,right=14]",
    "elk.direction": direction,
    "elk.nodeLabels.placement": "INSIDE V_TOP H_LEFT",
  };
}

/// The states of one scope (the machine, a branch, a Map's processor) and
/// the edges between them. Scope edges out of the scope end in an End node
/// only at the top level.
function scopeGraph(def: Json, b: Built, scope: string): { children: ElkNode[]; edges: ElkExtendedEdge[] } {
  const states: Record<string, Json> = def?.States && typeof def.States === "object" ? def.States : {};
  const children: ElkNode[] = [];
  const edges: ElkExtendedEdge[] = [];
  let n = 0;
  const edge = (from: string, to: string, kind: EdgeKind, full = "") => {
    if (!to) return;
    const id = `e:${scope}:${n++}`;
    const text = full ? clip(full) : "";
    edges.push({ id, sources: [from], targets: [to], labels: text ? [label(text)] : [] });
    b.meta.set(id, { kind, full });
  };
  const startId = `start:${scope}`;
  const endId = `end:${scope}`;
  children.push({ id: startId, width: 16, height: 16 });
  b.types.set(startId, "start");
  let hasEnd = false;
  for (const [name, st] of Object.entries(states)) children.push(stateNode(name, st, b, scope));
  if (typeof def?.StartAt === "string" && states[def.StartAt]) edge(startId, sid(def.StartAt), "start");
  for (const [name, st] of Object.entries(states)) {
    const from = sid(name);
    const known = (t: unknown) => (typeof t === "string" && states[t] ? sid(t) : "");
    if (st?.Type === "Choice") {
      for (const rule of Array.isArray(st.Choices) ? st.Choices : []) edge(from, known(rule?.Next), "choice", conditionText(rule));
      if (st.Default) edge(from, known(st.Default), "default", "Default");
    } else if (typeof st?.Next === "string") {
      edge(from, known(st.Next), "next");
    }
    if (st?.End === true || st?.Type === "Succeed" || st?.Type === "Fail") {
      hasEnd = true;
      edge(from, endId, "end");
    }
    for (const r of Array.isArray(st?.Retry) ? st.Retry : []) {
      const errs = Array.isArray(r?.ErrorEquals) ? r.ErrorEquals.join(", ") : "?";
      edge(from, from, "retry", `retry ${errs} ×${r?.MaxAttempts ?? 3}`);
    }
    for (const c of Array.isArray(st?.Catch) ? st.Catch : []) {
      const errs = Array.isArray(c?.ErrorEquals) ? c.ErrorEquals.join(", ") : "?";
      edge(from, known(c?.Next), "catch", `catch ${errs}`);
    }
  }
  if (hasEnd) {
    children.push({ id: endId, width: 16, height: 16 });
    b.types.set(endId, "end");
  }
  return { children, edges };
}

export function buildGraph(def: Json): Built {
  const b: Built = { root: { id: "root" }, meta: new Map(), types: new Map() };
  const g = scopeGraph(def, b, "root");
  b.root = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.spacing.nodeNodeBetweenLayers": "34",
      "elk.spacing.nodeNode": "26",
      "elk.spacing.edgeLabel": "3",
      "elk.edgeLabels.inline": "false",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
      "elk.padding": "[top=12,left=12,bottom=12,right=12]",
    },
    children: g.children,
    edges: g.edges,
  };
  return b;
}

// ---------------------------------------------------------------------------
// ELK layout → SVG.

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export interface Drawn {
  svg: SVGSVGElement;
  states: Map<string, SVGGElement>; // state name → its group
}

export async function drawDefinition(def: Json, onSelect?: (state: string) => void): Promise<Drawn> {
  const b = buildGraph(def);
  const laid = await elk().layout(b.root);
  const root = svg("svg", {
    class: "graph",
    width: Math.ceil(laid.width ?? 100),
    height: Math.ceil(laid.height ?? 100),
    viewBox: `0 0 ${Math.ceil(laid.width ?? 100)} ${Math.ceil(laid.height ?? 100)}`,
  });
  const defs = svg("defs");
  for (const kind of ["next", "choice", "default", "catch", "retry", "start", "end"]) {
    const m = svg("marker", { id: `arrow-${kind}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    m.appendChild(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: `arrowhead k-${kind}` }));
    defs.appendChild(m);
  }
  root.appendChild(defs);
  const boxes = svg("g", { class: "boxes" });
  const lines = svg("g", { class: "edges" });
  root.append(boxes, lines);
  const states = new Map<string, SVGGElement>();

  const drawNode = (n: ElkNode, ox: number, oy: number) => {
    const x = ox + (n.x ?? 0);
    const y = oy + (n.y ?? 0);
    const w = n.width ?? 0;
    const hgt = n.height ?? 0;
    const type = b.types.get(n.id) ?? "";
    if (n.id !== "root") {
      if (type === "start" || type === "end") {
        const c = svg("circle", { cx: x + w / 2, cy: y + hgt / 2, r: w / 2, class: `terminal ${type}` });
        boxes.appendChild(c);
      } else {
        const name = n.id.startsWith("s:") ? n.id.slice(2) : "";
        const g = svg("g", { class: `node t-${type.toLowerCase()}${n.children?.length ? " compound" : ""}` });
        if (name) {
          g.setAttribute("data-state", name);
          states.set(name, g);
          if (onSelect) g.addEventListener("click", (ev) => {
            ev.stopPropagation();
            onSelect(name);
          });
        }
        g.appendChild(svg("rect", { x, y, width: w, height: hgt, rx: type === "Choice" ? 14 : 6 }));
        const compound = !!n.children?.length || type === "branch";
        const title = svg("text", { x: x + (compound ? 8 : w / 2), y: y + (compound ? 16 : 19), class: "name" + (compound ? " left" : "") });
        title.textContent = n.labels?.[0]?.text ?? name;
        g.appendChild(title);
        if (type !== "branch") {
          const t = svg("text", { x: x + (compound ? w - 8 : w / 2), y: y + (compound ? 16 : 35), class: "type" + (compound ? " right" : "") });
          t.textContent = type;
          g.appendChild(t);
        }
        const tip = svg("title");
        tip.textContent = name ? `${name} (${type})` : n.labels?.[0]?.text ?? "";
        g.appendChild(tip);
        boxes.appendChild(g);
      }
    }
    for (const c of n.children ?? []) drawNode(c, x, y);
    for (const e of n.edges ?? []) drawEdge(e, x, y);
  };

  const drawEdge = (e: ElkExtendedEdge, ox: number, oy: number) => {
    const meta = b.meta.get(e.id) ?? { kind: "next" as EdgeKind, full: "" };
    const g = svg("g", { class: `edge k-${meta.kind}` });
    for (const s of e.sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      const d = pts.map((p, i) => `${i ? "L" : "M"} ${ox + p.x} ${oy + p.y}`).join(" ");
      g.appendChild(svg("path", { d, "marker-end": `url(#arrow-${meta.kind})` }));
    }
    for (const l of e.labels ?? []) {
      const lx = ox + (l.x ?? 0);
      const ly = oy + (l.y ?? 0);
      g.appendChild(svg("rect", { x: lx - 2, y: ly - 1, width: (l.width ?? 0) + 2, height: (l.height ?? 0) + 2, class: "label-bg", rx: 3 }));
      const t = svg("text", { x: lx + 1, y: ly + 11, class: "label" });
      t.textContent = l.text ?? "";
      g.appendChild(t);
    }
    if (meta.full) {
      const tip = svg("title");
      tip.textContent = meta.full;
      g.appendChild(tip);
    }
    lines.appendChild(g);
  };

  drawNode(laid, -(laid.x ?? 0), -(laid.y ?? 0));
  return { svg: root, states };
}
