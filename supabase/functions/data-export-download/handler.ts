// POST /functions/v1/data-export-download: the signed-in account holder's latest data export,
// as a signed URL of the private `data-exports` bucket that lives at most 5 minutes (never past
// the export's own expiry). The database checks, as the caller, that the export is theirs and
// still live (public.data_export_download); Storage signs with the service role. Answers 404
// when there is no export, 409 while it is being built, 410 once it has expired.
import type { Sql } from "../_shared/db.ts";
import { answerFailures, HttpError, json, requirePost } from "../_shared/http.ts";
import { requireSessionCaller, type SessionCaller } from "../_shared/caller.ts";
import { asCaller, type SqlStateAnswers } from "../_shared/session.ts";
import { isObjectNotFound, serviceClient } from "../_shared/storage.ts";
import { EXPORT_BUCKET } from "../data-export/store.ts";

export const MAX_URL_SECONDS = 300;

export interface ExportSigner {
  sign(name: string, expiresIn: number): Promise<string>;
}

export interface DownloadDeps {
  sql: Sql;
  signer: ExportSigner;
  jwtSecret: string;
}

export function storageExportSigner(supabaseUrl: string, serviceRoleKey: string): ExportSigner {
  const client = serviceClient(supabaseUrl, serviceRoleKey);
  return {
    async sign(name, expiresIn) {
      const { data, error } = await client.storage.from(EXPORT_BUCKET).createSignedUrl(
        name,
        expiresIn,
      );
      if (isObjectNotFound(error)) throw new HttpError(404, "no data export for this account");
      if (error) throw error;
      return data.signedUrl;
    },
  };
}

interface LiveExport {
  ref: string;
  object_name: string;
  expires_at: Date;
}

const ANSWERS: SqlStateAnswers = {
  P0002: { status: 404 },
  "55000": { status: 409 },
  PT410: { status: 410 },
  "42501": { status: 401, message: "sign in to download your data" },
};

async function liveExport(sql: Sql, caller: SessionCaller): Promise<LiveExport> {
  return await asCaller(sql, { caller, answers: ANSWERS }, async (tx) => {
    const [row] = await tx`select ref, object_name, expires_at
                           from public.data_export_download()`;
    return row as LiveExport;
  });
}

export function createDownloadHandler(deps: DownloadDeps): (req: Request) => Promise<Response> {
  return (req) =>
    answerFailures("data-export-download", async () => {
      requirePost(req);
      const caller = await requireSessionCaller(
        req,
        deps.jwtSecret,
        "sign in to download your data",
      );
      const live = await liveExport(deps.sql, caller);
      const left = Math.floor((new Date(live.expires_at).getTime() - Date.now()) / 1000);
      const expiresIn = Math.max(1, Math.min(MAX_URL_SECONDS, left));
      return json({
        ref: live.ref,
        signed_url: await deps.signer.sign(live.object_name, expiresIn),
        expires_in: expiresIn,
        export_expires_at: new Date(live.expires_at).toISOString(),
      });
    });
}
