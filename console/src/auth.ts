// Signing in to a node that checks SigV4 signatures (auth.mode: sigv4).
//
// The node says whether it does at GET /console/info.json ({"auth","region"},
// readable without a signature). The keys typed in the sign-in form are kept
// in this tab's sessionStorage only (never localStorage, never sent: only the
// signatures made with them travel) and every API call is signed in the
// browser by aws4fetch (SigV4 with WebCrypto's HMAC-SHA256 and SHA-256).
// WebCrypto exists only in a secure context (https://, or http:// on
// 127.0.0.1 / localhost): elsewhere the form says so and cannot sign in.
import { AwsClient } from "aws4fetch";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface NodeInfo {
  auth: "none" | "sigv4";
  region: string;
}

const STORAGE_KEY = "statecraft.credentials";

let info: NodeInfo = { auth: "none", region: "us-east-1" };
let client: AwsClient | null = null;
let creds: Credentials | null = null;

/// Reads the node's info once at start; an older node without the route is
/// taken as one without auth (its calls then answer for themselves).
export async function loadNodeInfo(): Promise<NodeInfo> {
  try {
    const res = await fetch("/console/info.json", { cache: "no-store" });
    if (res.ok) {
      const j = await res.json();
      info = { auth: j.auth === "sigv4" ? "sigv4" : "none", region: String(j.region || "us-east-1") };
    }
  } catch {
    // keep the defaults
  }
  const saved = readSaved();
  if (saved && canSign()) use(saved);
  return info;
}

export function nodeInfo(): NodeInfo {
  return info;
}

/// WebCrypto's SubtleCrypto is there (a secure context).
export function canSign(): boolean {
  return typeof window !== "undefined" && window.isSecureContext === true && !!globalThis.crypto?.subtle;
}

export function signedIn(): Credentials | null {
  return creds;
}

/// The sign-in is needed: the node checks signatures and no keys are held.
export function needsSignIn(): boolean {
  return info.auth === "sigv4" && !creds;
}

function readSaved(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const c = JSON.parse(raw);
    if (typeof c.accessKeyId === "string" && typeof c.secretAccessKey === "string" && typeof c.region === "string")
      return c;
  } catch {
    // unreadable: ignored
  }
  return null;
}

function use(c: Credentials): void {
  creds = c;
  // retries: 0, the console shows every answer as it comes (aws4fetch would
  // otherwise retry 5xx answers up to 10 times).
  client = new AwsClient({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, service: "states", region: c.region, retries: 0 });
}

/// Keeps `c` for this tab (sessionStorage) and signs with it from now on.
export function signIn(c: Credentials): void {
  use(c);
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(c));
}

/// Forgets the keys (memory and sessionStorage).
export function signOut(): void {
  creds = null;
  client = null;
  sessionStorage.removeItem(STORAGE_KEY);
}

/// `fetch`, signed with the held keys when there are some.
export async function authFetch(url: string, init: RequestInit): Promise<Response> {
  if (!client) return fetch(url, init);
  const signed = await client.sign(new URL(url, location.href).toString(), init);
  return fetch(signed);
}

/// Trying keys before keeping them: signs `probe` (a call) with `c`; the
/// caller keeps `c` only when it answers.
export async function withCredentials<T>(c: Credentials, probe: () => Promise<T>): Promise<T> {
  const before = { creds, client };
  use(c);
  try {
    return await probe();
  } finally {
    creds = before.creds;
    client = before.client;
  }
}
