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

/** Audio by object path; null for an object Storage does not hold. */
type AudioByPath = Map<string, Uint8Array | null>;

// public.respondent_export opens the request's ledger entry and completes it in one call, and
// its audit events hold the organisation's audit chain until the transaction ends. So the audio
// is read first, outside any transaction: a Storage failure then fails the export before any
// request is recorded (the ledger, the trail and the receipt never say an access request was
// answered when nothing was handed over), and no other audited write of the organisation waits
// on Storage. The paths come from the respondent's responses as the caller sees them; a
// recording the caller cannot list (in a trashed survey) or one added since is read inside the
// short transaction that records the export, so the manifest and the zip always agree.
async function exportAsCaller(
  deps: RespondentExportDeps,
  caller: SessionCaller,
  body: z.output<typeof Body>,
): Promise<Export> {
  const context = { caller, answers: ANSWERS };
  const paths = await asCaller(deps.sql, context, async (tx) =>
    (await tx`select c.object_path
      from public.respondent_lookup(${body.org_id}::uuid, ${body.respondent_ref}) l
      join public.recordings c on c.org_id = ${body.org_id}::uuid and c.response_id = l.response_id
      order by c.object_path`).map((row) => row.object_path as string));
  const audio = await readPaths(deps.audio, paths, new Map());
  return await asCaller(deps.sql, context, async (tx) => {
    const [row] = await tx`select public.respondent_export(${body.org_id}::uuid,
      ${body.respondent_ref}, ${body.regime}) as manifest`;
    const manifest = row.manifest as Manifest;
    const answers = manifest.responses.flatMap((response) => response.answers);
    await readPaths(deps.audio, answers.map((answer) => answer.object_path), audio);
    return { manifest, audio: zipEntries(answers, audio) };
  });
}

/** Reads every path not read yet into `audio`, one after the other. */
async function readPaths(
  source: AudioSource,
  paths: string[],
  audio: AudioByPath,
): Promise<AudioByPath> {
  for (const path of paths) {
    if (!audio.has(path)) audio.set(path, await source.read(path));
  }
  return audio;
}

function zipEntries(answers: Answer[], audio: AudioByPath): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const answer of answers) {
    const bytes = audio.get(answer.object_path) ?? null;
    // A recording row whose object never arrived (or has left) has no audio to give.
    if (bytes === null) answer.audio_file = null;
    else if (answer.audio_file) files[answer.audio_file] = bytes;
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
