// JSON responses, failure answers and strict body parsing shared by the functions.
import { z } from "zod";

/** An error that maps to an HTTP status; its message is safe to show the caller. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "HttpError";
  }
}

export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export function errorResponse(err: HttpError): Response {
  return json({ error: err.message }, err.status);
}

/**
 * Runs a function's work and answers its failures: an HttpError with its status and message,
 * anything else with a bare 500 (its cause is logged under `name`, never sent to the caller).
 */
export async function answerFailures(
  name: string,
  run: () => Promise<Response>,
): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof HttpError) return errorResponse(err);
    console.error(`${name} failed:`, err instanceof Error ? err.message : err);
    return json({ error: "internal error" }, 500);
  }
}

/** Only POST runs a job: a GET from a crawler or a health probe must never start one. */
export function requirePost(req: Request): void {
  if (req.method !== "POST") throw new HttpError(405, `method ${req.method} not allowed; use POST`);
}

function mediaType(req: Request): string | null {
  const header = req.headers.get("content-type");
  if (header === null) return null;
  return header.split(";")[0].trim().toLowerCase();
}

/**
 * Parses the request body with a strict zod schema. A body must be declared application/json
 * (anything else is a 415: a form or text/plain body is never read as JSON). An empty body with
 * no declared type, or declared JSON, means "all defaults", so the scheduler can POST nothing.
 * Any problem with the content is a 400 naming the field; nothing has run yet.
 */
export async function parseJsonBody<S extends z.ZodTypeAny>(
  req: Request,
  schema: S,
): Promise<z.output<S>> {
  const type = mediaType(req);
  const text = await req.text();
  if (type !== "application/json" && (type !== null || text !== "")) {
    throw new HttpError(
      415,
      `content-type ${type ?? "(none)"} not supported; send the body as application/json`,
    );
  }
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new HttpError(400, "body: not valid JSON");
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const keys = i.code === "unrecognized_keys" ? i.keys.join(", ") : "";
      const field = i.path.length > 0 ? i.path.join(".") : keys || "body";
      return `${field}: ${i.message}`;
    });
    throw new HttpError(400, `invalid body: ${problems.join("; ")}`);
  }
  return parsed.data;
}
