// Test support for the scheduled jobs: the stack's settings, JWTs, a direct Postgres connection
// as `postgres`, seeding of surveys with real Storage objects, and observations of rows,
// objects and audit events. Everything here works against any Storage API (the stand-in, or a
// real one as with `supabase start`); fault injection is in faults.ts.
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { SignJWT } from "jose";
import postgres from "postgres";
import { loadStackEnv } from "../../../../scripts/lib/stack-env.ts";
import type { Sql } from "../../_shared/db.ts";

export const stack = loadStackEnv();

/** A direct connection as `postgres`: the role the scheduled jobs use. */
export function adminSql(): Sql {
  return postgres(stack.DB_URL, { max: 4, prepare: false, onnotice: () => {} });
}

/** An HS256 JWT; expires in an hour unless `claims.exp` says otherwise. */
export async function mintJwt(claims: Record<string, unknown>, secret = stack.JWT_SECRET) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt();
  if (claims.exp === undefined) jwt.setExpirationTime("1h");
  return await jwt.sign(new TextEncoder().encode(secret));
}

/** supabase-js with `key` as apikey (and as Authorization, unless `authorization` is given). */
export function stackClient(key: string, authorization?: string): SupabaseClient {
  return createClient(stack.API_URL, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(authorization === undefined ? {} : { global: { headers: { authorization } } }),
  });
}

export function serviceClient(): SupabaseClient {
  return stackClient(stack.SERVICE_ROLE_KEY);
}

// ---- seeding -------------------------------------------------------------------------------

export interface SeededSurvey {
  orgId: string;
  surveyId: string;
  objectNames: string[];
}

export async function createOrg(sql: Sql): Promise<string> {
  const orgId = crypto.randomUUID();
  await sql`insert into public.organizations (id, name) values (${orgId}, ${"Test " + orgId})`;
  return orgId;
}

/**
 * A survey with questions x responses recordings (each with a transcript). `deletedAgo` is a
 * Postgres interval: the survey was soft-deleted that long ago (null: live).
 */
export async function createSurvey(
  sql: Sql,
  orgId: string,
  options: { questions?: number; responses?: number; deletedAgo?: string | null } = {},
): Promise<SeededSurvey> {
  const { surveyId, objectNames } = await seedSurvey(sql, orgId, options);
  await uploadObjects(objectNames);
  return { orgId, surveyId, objectNames };
}

/**
 * The rows of a survey with questions x responses recordings (each with a transcript), authored
 * by `createdBy` (survey and recordings) and soft-deleted `deletedAgo` ago (null: live), and the
 * names of its recordings' objects (not uploaded). Shared by both jobs' seeding, which differ
 * only in who uploads the objects.
 */
export async function seedSurvey(
  sql: Sql,
  orgId: string,
  options: {
    questions?: number;
    responses?: number;
    deletedAgo?: string | null;
    createdBy?: string | null;
  } = {},
): Promise<{ surveyId: string; objectNames: string[] }> {
  const surveyId = crypto.randomUUID();
  const questions = options.questions ?? 2;
  const responses = options.responses ?? 2;
  const deletedAgo = options.deletedAgo ?? null;
  const createdBy = options.createdBy ?? null;
  await sql.begin(async (tx) => {
    await tx`
      insert into public.surveys (id, org_id, title, slug, created_by, deleted_at)
      values (${surveyId}, ${orgId}, 'Test survey', ${"s-" + surveyId.slice(0, 8)}, ${createdBy},
        now() - ${deletedAgo}::interval)`;
    await tx`
      insert into public.questions (org_id, survey_id, position, prompt)
      select ${orgId}, ${surveyId}, g, 'Question ' || g from generate_series(1, ${questions}::int) g`;
    await tx`
      insert into public.responses (org_id, survey_id, respondent_ref)
      select ${orgId}, ${surveyId}, 'resp-' || g from generate_series(1, ${responses}::int) g`;
    await tx`
      insert into public.recordings (org_id, survey_id, response_id, question_id, object_path,
        duration_ms, size_bytes, mime_type, created_by)
      select r.org_id, r.survey_id, r.id, q.id,
        r.org_id || '/' || r.survey_id || '/' || r.id || '/' || q.id || '.webm', 1000, 16,
        'audio/webm', ${createdBy}
      from public.responses r
      join public.questions q on q.org_id = r.org_id and q.survey_id = r.survey_id
      where r.org_id = ${orgId} and r.survey_id = ${surveyId}`;
    await tx`
      insert into public.transcripts (org_id, survey_id, recording_id, body)
      select org_id, survey_id, id, 'transcript' from public.recordings
      where org_id = ${orgId} and survey_id = ${surveyId}`;
  });
  const rows = await sql<{ object_path: string }[]>`
    select object_path from public.recordings
    where org_id = ${orgId} and survey_id = ${surveyId} order by object_path`;
  return { surveyId, objectNames: rows.map((r) => r.object_path) };
}

/** Uploads each object through the Storage API, as the app does, a few at a time. */
export async function uploadObjects(names: string[]): Promise<void> {
  await uploadWith(serviceClient(), names, 8);
}

/**
 * Uploads each object (16 bytes of audio/webm) through the Storage API with `client`, `batch`
 * at a time; `as` names the uploader in errors.
 */
export async function uploadWith(
  client: SupabaseClient,
  names: string[],
  batch: number,
  as = "",
): Promise<void> {
  const bytes = new Uint8Array(16).fill(7);
  for (let i = 0; i < names.length; i += batch) {
    await Promise.all(
      names.slice(i, i + batch).map(async (name) => {
        const { error } = await client.storage.from("recordings").upload(
          name,
          new Blob([bytes], { type: "audio/webm" }),
          { contentType: "audio/webm", upsert: false },
        );
        if (error) throw new Error(`upload of ${name}${as} failed: ${error.message}`);
      }),
    );
  }
}

// ---- observations --------------------------------------------------------------------------

export async function existingObjects(sql: Sql, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await sql<{ name: string }[]>`
    select name from storage.objects
    where bucket_id = 'recordings' and name = any(${sql.array(names)}::text[])
    order by name`;
  return rows.map((r) => r.name);
}

/** The object's bytes as the Storage API serves them (null when it is gone). */
export async function downloadable(name: string): Promise<boolean> {
  const { data, error } = await serviceClient().storage.from("recordings").download(name);
  if (error) return false;
  return data !== null;
}

export async function surveyExists(sql: Sql, surveyId: string): Promise<boolean> {
  const [row] = await sql`select 1 from public.surveys where id = ${surveyId}`;
  return row !== undefined;
}

export async function childCounts(sql: Sql, orgId: string) {
  const [row] = await sql<
    [Record<"surveys" | "questions" | "responses" | "recordings" | "transcripts", number>]
  >`
    select
      (select count(*)::int from public.surveys where org_id = ${orgId}) as surveys,
      (select count(*)::int from public.questions where org_id = ${orgId}) as questions,
      (select count(*)::int from public.responses where org_id = ${orgId}) as responses,
      (select count(*)::int from public.recordings where org_id = ${orgId}) as recordings,
      (select count(*)::int from public.transcripts where org_id = ${orgId}) as transcripts`;
  return { ...row };
}

export interface OutboxRow {
  object_name: string;
  attempts: number;
  last_error: string | null;
  leased_until: Date | null;
}

export async function outboxRows(sql: Sql, orgId: string): Promise<OutboxRow[]> {
  return [
    ...await sql<OutboxRow[]>`
    select object_name, attempts, last_error, leased_until from private.storage_removals
    where org_id = ${orgId} order by object_name`,
  ];
}

/** Makes the org's pending removals due now (as if the backoff had elapsed). */
export async function makeDue(sql: Sql, orgId?: string): Promise<void> {
  await sql`
    update private.storage_removals
    set next_attempt_at = now() - interval '1 second'
    where ${orgId ?? null}::uuid is null or org_id = ${orgId ?? null}::uuid`;
}

export async function auditEvents(sql: Sql, orgId: string, action: string) {
  return [
    ...await sql<
      { target_id: string; actor_job: string | null; details: Record<string, unknown> }[]
    >`
    select target_id, actor_job, details from audit.events
    where org_id = ${orgId} and action = ${action} order by target_id`,
  ];
}

/** Reconciliation problems (orphan or missing objects) inside the org's Storage folder. */
export async function reconcile(sql: Sql, orgId: string) {
  return [
    ...await sql<{ problem: string; object_name: string }[]>`
    select problem, object_name from private.reconcile_recordings()
    where object_name like ${orgId + "/%"}`,
  ];
}
