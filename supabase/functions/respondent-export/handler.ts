// POST /functions/v1/respondent-export: an organisation admin exports everything about one
// respondent ({org_id, respondent_ref, regime?}) as one zip: manifest.json (the respondent's
// responses, answers, transcripts; docs/DATA_SUBJECT_RIGHTS.md, "Respondents") and each
// recording's audio under audio/. The database checks, as the caller, that they administer the
// organisation and records the request in the ledger (public.respondent_export); the audio is
// read from the private recordings bucket with the service role. Answers 404 for an unknown
// respondent (or an organisation the caller does not administer), 409 for a duplicate request.
import { strToU8, zipSync } from "fflate";
import { z } from "zod";
import type { Sql } from "../_shared/db.ts";
import { answerFailures, parseJsonBody, requirePost } from "../_shared/http.ts";
import { requireSessionCaller, type SessionCaller } from "../_shared/caller.ts";
import { asCaller, type SqlStateAnswers } from "../_shared/session.ts";
import { isObjectNotFound, serviceClient } from "../_shared/storage.ts";
import { BUCKET } from "../recording-access/signer.ts";

const Body = z.object({
  org_id: z.string().uuid(),
  respondent_ref: z.string().min(1).max(200),
  regime: z.enum(["GDPR", "CCPA"]).default("GDPR"),
}).strict();

export interface AudioSource {
  read(objectPath: string): Promise<Uint8Array | null>;
}

export interface RespondentExportDeps {
  sql: Sql;
  audio: AudioSource;
  jwtSecret: string;
}

export function storageAudioSource(supabaseUrl: string, serviceRoleKey: string): AudioSource {
  const client = serviceClient(supabaseUrl, serviceRoleKey);
  return {
    async read(objectPath) {
      const { data, error } = await client.storage.from(BUCKET).download(objectPath);
      // Absent audio is a fact the manifest records; a failing Storage must fail the export
      // (an answer without the audio would pass for complete).
      if (error) {
        if (isObjectNotFound(error)) return null;
        throw error;
      }
      return new Uint8Array(await data.arrayBuffer());
    },
  };
}

interface Answer {
  recording_id: string;
  object_path: string;
  audio_file: string | null;
  [key: string]: unknown;
}
interface Manifest {
  request: string;
  responses: { answers: Answer[] }[];
  [key: string]: unknown;
}

const ANSWERS: SqlStateAnswers = {
  P0002: { status: 404, message: "not found" },
  PT409: { status: 409 },
  "42501": { status: 401, message: "sign in to manage respondents" },
};

interface Export {
  manifest: Manifest;
  audio: Record<string, Uint8Array>;
}

// The ledger entry public.respondent_export opens is completed in the same call, so the audio is
// read before that transaction commits: a Storage failure rolls the request back, and the ledger,
// the audit trail and the receipt never record an access request as answered when nothing was
// handed over. Until then the request is open, so a second export of the same respondent waits.
async function exportAsCaller(
  deps: RespondentExportDeps,
  caller: SessionCaller,
  body: z.output<typeof Body>,
): Promise<Export> {
  return await asCaller(deps.sql, { caller, answers: ANSWERS }, async (tx) => {
    const [row] = await tx`select public.respondent_export(${body.org_id}::uuid,
      ${body.respondent_ref}, ${body.regime}) as manifest`;
    const manifest = row.manifest as Manifest;
    return { manifest, audio: await readAudio(deps.audio, manifest) };
  });
}

async function readAudio(
  source: AudioSource,
  manifest: Manifest,
): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const response of manifest.responses) {
    for (const answer of response.answers) {
      const audio = await source.read(answer.object_path);
      // A recording row whose object never arrived (or has left) has no audio to give.
      if (audio === null) answer.audio_file = null;
      else if (answer.audio_file) files[answer.audio_file] = audio;
    }
  }
  return files;
}

export function createRespondentExportHandler(
  deps: RespondentExportDeps,
): (req: Request) => Promise<Response> {
  return (req) =>
    answerFailures("respondent-export", async () => {
      requirePost(req);
      const caller = await requireSessionCaller(
        req,
        deps.jwtSecret,
        "sign in to manage respondents",
      );
      const body = await parseJsonBody(req, Body);
      const { manifest, audio } = await exportAsCaller(deps, caller, body);
      const files = { ...audio, "manifest.json": strToU8(JSON.stringify(manifest, null, 2)) };
      // Audio is already compressed: stored as is, the manifest deflated.
      const zip = zipSync(files, { level: 0 });
      return new Response(zip, {
        status: 200,
        headers: {
          "content-type": "application/zip",
          "content-disposition": `attachment; filename="${manifest.request}.zip"`,
        },
      });
    });
}
