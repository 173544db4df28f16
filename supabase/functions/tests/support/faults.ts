// Storage fault injection, which only the local Storage API stand-in offers
// (scripts/stack/storage-api, POST/DELETE /__standin/faults). Whether the Storage API in use has
// it is probed once, from its health route; tests that need a fault declare it and are ignored,
// with the reason printed, against a real Storage API. Nothing else depends on the stand-in.
import { stack } from "./stack.ts";

export type FaultSpec =
  | { mode: "error"; status?: number; message?: string; times?: number; name?: string }
  | { mode: "hang"; delayMs: number; then?: "proceed" | "error"; times?: number }
  | { mode: "partial"; k: number; times?: number };

/** What a test needs from the Storage API beyond the API itself. */
export type FaultNeed = "faults" | "faults by name";

const FAULTS_URL = `${stack.API_URL}/__standin/faults`;
const headers = {
  authorization: `Bearer ${stack.SERVICE_ROLE_KEY}`,
  "content-type": "application/json",
};

async function post(spec: unknown): Promise<Response> {
  return await fetch(FAULTS_URL, { method: "POST", headers, body: JSON.stringify(spec) });
}

async function clear(): Promise<Response> {
  return await fetch(FAULTS_URL, { method: "DELETE", headers });
}

async function standInIsServing(): Promise<boolean> {
  try {
    const res = await fetch(`${stack.API_URL}/__standin/health`);
    const body = await res.json().catch(() => null);
    return res.ok && body?.status === "ok";
  } catch {
    return false;
  }
}

/** Why each need cannot be met here (absent: it can). */
async function probe(): Promise<Partial<Record<FaultNeed, string>>> {
  if (!await standInIsServing()) {
    const reason = `${stack.API_URL} is not the Storage API stand-in (no /__standin/health)`;
    return { "faults": reason, "faults by name": reason };
  }
  // A rule for a bucket that does not exist never fires; it only shows the option is known.
  const res = await post({ mode: "error", bucket: "__probe__", name: "__probe__", times: 1 });
  await res.body?.cancel();
  await (await clear()).body?.cancel();
  return res.status === 201
    ? {}
    : { "faults by name": "the stand-in's faults take no `name` (scripts/stack/storage-api)" };
}

export const unavailable = await probe();

export async function injectFault(spec: FaultSpec): Promise<void> {
  const res = await post(spec);
  const text = await res.text();
  if (res.status !== 201) throw new Error(`fault injection failed: HTTP ${res.status} ${text}`);
}

/** Disarms every fault; a no-op where fault injection does not exist. */
export async function clearFaults(): Promise<void> {
  if (unavailable.faults) return;
  const res = await clear();
  const text = await res.text();
  if (!res.ok) throw new Error(`clearing faults failed: HTTP ${res.status} ${text}`);
}
