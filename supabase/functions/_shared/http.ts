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
 * One problem with a body, in the schema's words: the field's path, and what the schema wants.
 * Never a value the caller sent (zod's enum message quotes it), and never the name of a field
 * the schema does not have unless `nameUnknownFields` (service-role callers: the scheduler and
 * ops, who benefit from "dryRun: unknown field").
 */
function describeIssue(issue: z.ZodIssue, nameUnknownFields: boolean): string {
  const field = issue.path.length > 0 ? issue.path.join(".") : "body";
  switch (issue.code) {
    case "unrecognized_keys":
      return nameUnknownFields
        ? `${issue.keys.join(", ")}: ${issue.message}`
        : `${field}: has fields it does not take`;
    case "invalid_enum_value":
      return `${field}: must be one of ${issue.options.join(", ")}`;
    default:
      return `${field}: ${issue.message}`;
  }
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
  options: { nameUnknownFields?: boolean } = {},
): Promise<z.output<S>> {
  const type = mediaType(req);
  const text = await req.text();
  if (type !== "application/json" && (type !== null || text !== "")) {
    throw new HttpError(
      415,
      "this content-type is not supported; send the body as application/json",
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
    const problems = parsed.error.issues.map((issue) =>
      describeIssue(issue, options.nameUnknownFields ?? false)
    );
    throw new HttpError(400, `invalid body: ${problems.join("; ")}`);
  }
  return parsed.data;
}
