// The database half of the broker: the grant functions (public.recording_access,
// public.survey_playlist, public.recording_upload_slot) run AS THE CALLER, in a transaction
// scoped exactly as PostgREST scopes an RPC (role authenticated, the verified claims, the
// request headers), so the membership and liveness checks and the access log see the user.
import type { Sql } from "../_shared/db.ts";
import { HttpError } from "../_shared/http.ts";
import type { SessionCaller } from "../_shared/caller.ts";

export interface GrantedRecording {
  recording_id: string;
  object_name: string;
}

async function asCaller<T>(
  sql: Sql,
  caller: SessionCaller,
  requestId: string | null,
  run: (tx: Sql) => Promise<T>,
): Promise<T> {
  try {
    return await sql.begin(async (tx) => {
      const headers = JSON.stringify(requestId ? { "x-request-id": requestId } : {});
      await tx`select set_config('role', 'authenticated', true),
        set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true),
        set_config('request.jwt.claim.sub', ${caller.userId}, true),
        set_config('request.headers', ${headers}, true)`;
      return await run(tx as unknown as Sql);
    }) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    // One answer for unknown, foreign and trashed ids, and for a caller who is no member.
    if (code === "P0002") throw new HttpError(404, "not found");
    if (code === "22023" || code === "54000") throw new HttpError(400, (err as Error).message);
    if (code === "42501") throw new HttpError(401, "sign in to listen to recordings");
    throw err;
  }
}

export async function grantRecording(
  sql: Sql,
  caller: SessionCaller,
  requestId: string | null,
  recordingId: string,
): Promise<GrantedRecording> {
  return await asCaller(sql, caller, requestId, async (tx) => {
    const [row] = await tx`select public.recording_access(${recordingId}::uuid) as name`;
    return { recording_id: recordingId, object_name: row.name as string };
  });
}

export async function grantPlaylist(
  sql: Sql,
  caller: SessionCaller,
  requestId: string | null,
  surveyId: string,
): Promise<GrantedRecording[]> {
  return await asCaller(sql, caller, requestId, async (tx) => {
    const rows = await tx`select recording_id, object_name
                          from public.survey_playlist(${surveyId}::uuid)`;
    return rows.map((r) => ({
      recording_id: r.recording_id as string,
      object_name: r.object_name as string,
    }));
  });
}

export async function grantUploadSlot(
  sql: Sql,
  caller: SessionCaller,
  requestId: string | null,
  responseId: string,
  extension: string,
  fileId: string | null,
): Promise<string> {
  return await asCaller(sql, caller, requestId, async (tx) => {
    const [row] = await tx`select public.recording_upload_slot(${responseId}::uuid,
      ${extension}, ${fileId}::uuid) as name`;
    return row.name as string;
  });
}
