// A tiny element builder: h("div.cls#id", {attrs}, children...).

type Child = Node | string | number | null | undefined | false | Child[];

export function h(tag: string, attrs: Record<string, unknown> | null = null, ...children: Child[]): HTMLElement {
  const m = tag.match(/^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i);
  const el = document.createElement(m?.[1] || "div");
  for (const part of (m?.[2] ?? "").match(/[.#][\w-]+/g) ?? []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (k === "value") (el as HTMLInputElement).value = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function link(href: string, text: string, cls = ""): HTMLElement {
  return h("a" + (cls ? "." + cls : ""), { href }, text);
}

export function errorBox(e: unknown): HTMLElement {
  return h("div.error", null, e instanceof Error ? e.message : String(e));
}

export function badge(status: string): HTMLElement {
  return h("span.badge.b-" + String(status).toLowerCase(), null, status);
}

export function shortArn(arn: string): string {
  const parts = arn.split(":");
  return parts.slice(6).join(":") || arn;
}

export function enc(arn: string): string {
  return encodeURIComponent(arn);
}
