// POST /functions/v1/recording-access: the recordings broker. A signed-in member asks for one
// recording ({recording_id}), a survey's playlist ({survey_id}) or an upload slot in one
// response ({upload: {response_id, extension}}); the database checks membership and liveness
// as the caller and logs the grant; Storage signs the URLs with the service role. Download
// URLs live at most 60 seconds. See docs/RECORDING_ACCESS.md.
import { requireSessionCaller, UUID_PATTERN } from "../_shared/caller.ts";
import type { Sql } from "../_shared/db.ts";
import { answerFailures, HttpError, json, parseJsonBody, requirePost } from "../_shared/http.ts";
import { grantPlaylist, grantRecording, grantUploadSlot } from "./grants.ts";
import { BrokerRequest } from "./request.ts";
import type { UrlSigner } from "./signer.ts";

export interface BrokerDeps {
  sql: Sql;
  signer: UrlSigner;
  jwtSecret: string;
}

/** The caller's x-request-id when it is a uuid (anything else could carry personal content). */
function requestIdOf(req: Request): string | null {
  const id = req.headers.get("x-request-id");
  return id && UUID_PATTERN.test(id) ? id.toLowerCase() : null;
}

async function broker(req: Request, deps: BrokerDeps): Promise<Response> {
  requirePost(req);
  const caller = await requireSessionCaller(req, deps.jwtSecret, "sign in to listen to recordings");
  const body = await parseJsonBody(req, BrokerRequest);
  const requestId = requestIdOf(req);

  if ("upload" in body) {
    const name = await grantUploadSlot(
      deps.sql,
      caller,
      requestId,
      body.upload.response_id,
      body.upload.extension,
      body.upload.file_id ?? null,
    );
    const signed = await deps.signer.upload(name, caller.userId);
    return json({ path: name, token: signed.token, signed_url: signed.signedUrl });
  }
  if ("recording_id" in body) {
    const granted = await grantRecording(deps.sql, caller, requestId, body.recording_id);
    const [url] = await deps.signer.download([granted.object_name], body.expires_in);
    // Granted but absent from Storage (not uploaded yet, or removed): nothing to play.
    if (url === null) throw new HttpError(404, "not found");
    return json({
      recording_id: granted.recording_id,
      signed_url: url,
      expires_in: body.expires_in,
    });
  }
  const playlist = await grantPlaylist(deps.sql, caller, requestId, body.survey_id);
  const urls = await deps.signer.download(playlist.map((g) => g.object_name), body.expires_in);
  return json({
    survey_id: body.survey_id,
    expires_in: body.expires_in,
    recordings: playlist.map((g, i) => ({ recording_id: g.recording_id, signed_url: urls[i] })),
  });
}

// Browsers call the broker from the app's origin (supabase.functions.invoke): the preflight is
// answered, and every answer carries the CORS headers. The session travels as a bearer token,
// never a cookie, so any origin may ask.
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, x-request-id",
  "access-control-allow-methods": "POST, OPTIONS",
};

function withCors(res: Response): Response {
  for (const [name, value] of Object.entries(CORS_HEADERS)) res.headers.set(name, value);
  return res;
}

export function createBrokerHandler(deps: BrokerDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    if (req.method === "OPTIONS") return withCors(new Response(null, { status: 204 }));
    return withCors(await answerFailures("recording-access", () => broker(req, deps)));
  };
}
