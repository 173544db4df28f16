// The database half of the broker: the grant functions (public.recording_access,
// public.survey_playlist, public.recording_upload_slot) run AS THE CALLER (_shared/session.ts),
// so the membership and liveness checks and the access log see the user.
import type { SessionCaller } from "../_shared/caller.ts";
import type { Sql } from "../_shared/db.ts";
import { asCaller, type CallerScope, type SqlStateAnswers } from "../_shared/session.ts";

export interface GrantedRecording {
  recording_id: string;
  object_name: string;
}

const ANSWERS: SqlStateAnswers = {
  // One answer for unknown, foreign and trashed ids, and for a caller who is no member.
  P0002: { status: 404, message: "not found" },
  "22023": { status: 400 },
  "54000": { status: 400 },
  "42501": { status: 401, message: "sign in to listen to recordings" },
};

function scopeOf(caller: SessionCaller, requestId: string | null): CallerScope {
  return { caller, headers: requestId ? { "x-request-id": requestId } : {}, answers: ANSWERS };
}

export async function grantRecording(
  sql: Sql,
  caller: SessionCaller,
  requestId: string | null,
  recordingId: string,
): Promise<GrantedRecording> {
  return await asCaller(sql, scopeOf(caller, requestId), async (tx) => {
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
  return await asCaller(sql, scopeOf(caller, requestId), async (tx) => {
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
  return await asCaller(sql, scopeOf(caller, requestId), async (tx) => {
    const [row] = await tx`select public.recording_upload_slot(${responseId}::uuid,
      ${extension}, ${fileId}::uuid) as name`;
    return row.name as string;
  });
}
