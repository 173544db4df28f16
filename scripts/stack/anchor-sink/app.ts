// The anchor sink stand-in's routes (README.md):
//   POST /anchors       {"anchors": [{id, created_at, heads: [{chain_id, seq, hash}]}]}
//                       appends; an id already held with the same heads is a duplicate (200),
//                       with other heads a conflict (409, nothing stored)
//   (reads below need ANCHOR_SINK_READ_TOKEN as a Bearer token when it is set; /health never)
//   GET  /heads         the latest anchored head per chain, as a verify_chains digest
//   GET  /heads?all=true  every head ever anchored (several per chain)
//   GET  /anchors?from=<id>&limit=<n>  the stored anchors, in id order
//   GET  /health
import { z } from "zod";
import type { AnchorStore } from "./store.ts";

export interface SinkOptions {
  store: AnchorStore;
  /** When set, POST /anchors needs it as a Bearer token. */
  token?: string;
  /**
   * When set, reading anchors or heads needs it as a Bearer token: the verifier's own read
   * credential (the jobs' token writes only, as the contract in docs/AUDIT.md asks).
   */
  readToken?: string;
}

/** Bodies above this are refused before they are read whole. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;
const MAX_LIST = 1000;

const Head = z.object({
  chain_id: z.string().uuid(),
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/, "64 hex digits"),
});
const Anchor = z.object({
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  created_at: z.string().min(1).max(64),
  heads: z.array(Head).min(1).max(100_000),
});
const Body = z.object({ anchors: z.array(Anchor).min(1).max(MAX_LIST) });

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

const error = (status: number, message: string) => json({ error: message }, status);

function authorized(req: Request, token: string | undefined): boolean {
  if (token === undefined) return true;
  return req.headers.get("authorization") === `Bearer ${token}`;
}

async function append(req: Request, options: SinkOptions): Promise<Response> {
  if (!authorized(req, options.token)) return error(401, "missing or wrong bearer token");
  const type = req.headers.get("content-type")?.split(";")[0].trim().toLowerCase();
  if (type !== "application/json") return error(415, "send the anchors as application/json");
  if (Number(req.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) {
    return error(413, `body over ${MAX_BODY_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await req.text());
  } catch {
    return error(400, "body: not valid JSON");
  }
  const parsed = Body.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
    return error(400, `invalid anchors: ${problems.slice(0, 5).join("; ")}`);
  }
  const outcome = await options.store.append(parsed.data.anchors);
  if (!outcome.ok) {
    return json({
      error: "anchor ids already held with other heads (a restored or rewritten database?)",
      conflicts: outcome.conflicts,
    }, 409);
  }
  return json({ accepted: outcome.accepted, duplicates: outcome.duplicates });
}

/** A read, answered only with the read token when the sink has one. */
function readable(req: Request, options: SinkOptions, answer: () => Response): Promise<Response> {
  if (!authorized(req, options.readToken)) {
    return Promise.resolve(error(401, "missing or wrong bearer token for reading"));
  }
  return Promise.resolve(answer());
}

function list(url: URL, store: AnchorStore): Response {
  const from = Number(url.searchParams.get("from") ?? 1);
  const limit = Number(url.searchParams.get("limit") ?? MAX_LIST);
  if (!Number.isSafeInteger(from) || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) {
    return error(400, `from: an integer; limit: 1 to ${MAX_LIST}`);
  }
  return json({ anchors: store.list(from, limit) });
}

export function createHandler(options: SinkOptions): (req: Request) => Promise<Response> {
  const routes: Record<string, Record<string, (req: Request, url: URL) => Promise<Response>>> = {
    "/anchors": {
      POST: (req) => append(req, options),
      GET: (req, url) => readable(req, options, () => list(url, options.store)),
    },
    "/heads": {
      GET: (req, url) =>
        readable(
          req,
          options,
          () => json(options.store.digest(url.searchParams.get("all") === "true")),
        ),
    },
    "/health": {
      GET: () =>
        Promise.resolve(
          json({ status: "ok", anchors: options.store.size, file: options.store.path }),
        ),
    },
  };
  return async (req) => {
    const url = new URL(req.url);
    const route = routes[url.pathname];
    if (!route) return error(404, `no route ${url.pathname}`);
    const handler = route[req.method];
    if (!handler) return error(405, `method ${req.method} not allowed on ${url.pathname}`);
    try {
      return await handler(req, url);
    } catch (err) {
      console.error(err);
      return error(500, "the anchor sink failed to store or read anchors");
    }
  };
}
