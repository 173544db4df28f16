// How the intakes answer and log a request: fixed messages only. Nothing the sender wrote (no
// field value, no unknown key, no database detail) reaches a response or a log line.
import { errorResponse, HttpError, json } from "../http.ts";
import type { Logger } from "../logger.ts";

/** The public form may be posted from the website. */
export const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "authorization, x-client-info, apikey, content-type",
};

/** Runs the intake; maps its failures to fixed answers and logs them without content. */
export async function answer(
  logger: Logger,
  run: () => Promise<Response>,
  headers: Record<string, string> = {},
): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof HttpError) {
      logger.warn("security report refused", { status: err.status });
      const response = errorResponse(err);
      for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
      return response;
    }
    // The SQLSTATE only: a driver message may quote a value.
    const code = (err as { code?: unknown })?.code;
    logger.error("security report not stored", {
      sqlstate: typeof code === "string" ? code : null,
      error_kind: err instanceof Error ? err.name : typeof err,
    });
    return json(
      { error: "the report could not be stored; please email security@cluso.ai" },
      500,
      headers,
    );
  }
}
