// Publishing audit anchors (the chain heads one audited statement moved) to the external
// append-only sink ops own, AUDIT_ANCHOR_URL (docs/AUDIT.md, "Anchoring"): one POST of
//   {"anchors": [{"id": 7, "created_at": "…", "heads": [{"chain_id", "seq", "hash"}]}]}
// with AUDIT_ANCHOR_TOKEN, when set, as a Bearer token. The sink stores every anchor durably
// before it answers 2xx, and accepts an id it already holds as done: a run whose answer was lost
// sends the same anchors again.
import type { Json } from "./database.types.ts";

export interface Anchor {
  id: number;
  created_at: string;
  heads: Json;
}

export interface PublishResult {
  /** Why the sink did not take the anchors (no secret in it), or null when it answered 2xx. */
  error: string | null;
}

export interface AnchorSink {
  /** The sink's origin: safe to log and report (a path or query may hold a credential). */
  origin: string;
  /** Upper bound of one publish call (also bounded by the time left). */
  timeoutMs: number;
  /** Never throws. */
  publish(anchors: readonly Anchor[], signal: AbortSignal): Promise<PublishResult>;
}

export interface AnchorSinkConfig {
  url: string;
  token?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const MAX_ERROR_LENGTH = 200;
// Network errors quote the URL they failed on, which may carry a credential in its path or query.
const ANY_URL = /\b[a-z][a-z0-9+.-]*:\/\/[^\s)"']+/gi;

/** A failure's text with every URL and the token taken out, short enough for last_error. */
function safeError(text: string, token: string | undefined): string {
  let safe = text.replace(ANY_URL, "<sink>");
  if (token) safe = safe.replaceAll(token, "<token>");
  return safe.slice(0, MAX_ERROR_LENGTH);
}

/** The error and its causes (fetch puts what went wrong, e.g. "Connection refused", there). */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { name?: string; message?: string; cause?: unknown } | undefined; e;) {
    parts.push(e.message ?? String(e));
    e = e.cause as typeof e;
    if (parts.length >= 4) break;
  }
  const name = (err as { name?: string })?.name ?? "Error";
  return `${name}: ${parts.join(": ")}`;
}

export function httpAnchorSink(config: AnchorSinkConfig): AnchorSink {
  const send = config.fetch ?? fetch;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (config.token) headers.authorization = `Bearer ${config.token}`;
  return {
    origin: new URL(config.url).origin,
    timeoutMs: config.timeoutMs,
    async publish(anchors, signal) {
      try {
        const res = await send(config.url, {
          method: "POST",
          headers,
          body: JSON.stringify({ anchors }),
          signal,
        });
        // The answer's body says nothing the status does not, and may echo what it was sent.
        await res.body?.cancel();
        if (res.ok) return { error: null };
        return { error: `anchor sink answered HTTP ${res.status}` };
      } catch (err) {
        if (signal.aborted) return { error: "anchor sink did not answer in time" };
        return { error: safeError(`anchor sink unreachable: ${describe(err)}`, config.token) };
      }
    },
  };
}
