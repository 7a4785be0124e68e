// The public Step Functions API of the node that served the page: AWS JSON
// 1.0 POSTs to "/" with X-Amz-Target, same origin, SigV4-signed when signed
// in (auth.ts). Nothing else is called but GET /console/info.json.
import { authFetch } from "./auth";

export class ApiError extends Error {
  constructor(public type: string, message: string) {
    super(`${type}: ${message}`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function call(operation: string, body: Json = {}): Promise<Json> {
  const res = await authFetch("/", {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": `AWSStepFunctions.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let data: Json = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError("BadResponse", text.slice(0, 200));
  }
  if (!res.ok) {
    const type = String(data.__type ?? res.statusText).split("#").pop() ?? "Error";
    throw new ApiError(type, data.message ?? data.Message ?? text);
  }
  return data;
}

/// Every page of a list operation (for the short lists: machines, activities).
export async function callAll(operation: string, body: Json, key: string, cap = 10000): Promise<Json[]> {
  const out: Json[] = [];
  let token: string | undefined;
  do {
    const page = await call(operation, { ...body, maxResults: 1000, ...(token ? { nextToken: token } : {}) });
    out.push(...(page[key] ?? []));
    token = page.nextToken;
  } while (token && out.length < cap);
  return out;
}

/// Timestamps come as epoch seconds (numbers).
export function fmtTime(t: number | undefined): string {
  if (t === undefined || t === null) return "";
  const d = new Date(t * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function pretty(text: string | undefined): string {
  if (text === undefined || text === null) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return String(text);
  }
}
