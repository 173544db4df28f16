// Test support for the account erasure: users with the rows GoTrue keeps for them, the erasure
// request made through the RPC as the user (role and claims set as PostgREST does),
// organisations with recordings uploaded through supabase-js, and a catalog-driven trace scan
// of every table. What the two jobs share is in job.ts.
import type { SupabaseClient } from "@supabase/supabase-js";
import type { Sql } from "../../_shared/db.ts";
import { accountErasure } from "../../account-erasure/job.ts";
import { capturingLogger, type JobCall, type LogLine, runOnce, runUntilDone } from "./job.ts";
import { callBroker, sessionJwt } from "./broker.ts";
import { mintJwt, seedSurvey, stack, stackClient, uploadWith } from "./stack.ts";

/**
 * Processes whatever erasure requests are open (the seed's, or left by an earlier interrupted
 * run), so the test's counts are its own. Requests another runner holds are left alone.
 */
export async function quiesceErasure(): Promise<void> {
  await runUntilDone(accountErasure, { max_seconds: 120, max_requests: 100 }, 20);
}

/**
 * A run of the job (its own runner) that picks requests up again, and the "claimed account
 * erasure request" log line of its claim of `requestId` (of its first claim, when omitted).
 */
export async function resumeRun(
  body: unknown,
  requestId?: string,
): Promise<{ res: JobCall; claim: LogLine | undefined }> {
  const logger = capturingLogger();
  const res = await runOnce(accountErasure, { logger }, body);
  const claim = logger.lines.find((l) =>
    l.message === "claimed account erasure request" &&
    (requestId === undefined || l.fields.request_id === requestId)
  );
  return { res, claim };
}

// ---- users ---------------------------------------------------------------------------------

export interface TestUser {
  id: string;
  email: string;
  phone: string;
  sessionIds: string[];
}

function randomPhone(): string {
  const digits = crypto.getRandomValues(new Uint32Array(2));
  return `1555${String(digits[0] % 10_000_000).padStart(7, "0")}${digits[1] % 10}`;
}

/**
 * A confirmed, signed-in user with every row GoTrue keeps for one (as tests.create_user in
 * supabase/tests/helpers/00_session.sql, plus the footprint of the pgTAP suite
 * 22_account_erasure_leaves_no_trace): profile, identity, two sessions with refresh tokens (and
 * a legacy token linked only by user_id), an MFA factor with a challenge and an AMR claim, a
 * one-time token, a PKCE flow state, and audit_log_entries in GoTrue's payload shape (one
 * naming only the email, differently cased).
 */
export async function createUser(sql: Sql, label = "user"): Promise<TestUser> {
  const id = crypto.randomUUID();
  const k = id.replaceAll("-", "");
  const email = `${label}.${k.slice(0, 12)}@example.test`;
  const phone = randomPhone();
  const sessionIds = [crypto.randomUUID(), crypto.randomUUID()];
  const [s1, s2] = sessionIds;
  const factor = crypto.randomUUID();
  const instance = "00000000-0000-0000-0000-000000000000";
  await sql.begin(async (tx) => {
    await tx`
      insert into auth.users (instance_id, id, aud, role, email, phone, email_confirmed_at,
        encrypted_password, last_sign_in_at, raw_app_meta_data, raw_user_meta_data, created_at,
        updated_at)
      values (${instance}, ${id}, 'authenticated', 'authenticated', ${email}, ${phone}, now(),
        ${"$2a$10$" + k}, now(), '{"provider":"email","providers":["email"]}',
        ${tx.json({ email, email_verified: true, sub: id })}, now(), now())`;
    await tx`insert into public.profiles (id, display_name) values (${id}, ${email.split("@")[0]})`;
    await tx`
      insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at,
        created_at, updated_at)
      values (${id}, ${id}, ${
      tx.json({ sub: id, email, email_verified: true, phone_verified: false })
    }, 'email', now(), now(), now())`;
    await tx`
      insert into auth.sessions (id, user_id, created_at, updated_at, aal, refreshed_at,
        user_agent, ip)
      values (${s1}, ${id}, now(), now(), 'aal2', now()::timestamp, 'Mozilla/5.0', '203.0.113.10'),
        (${s2}, ${id}, now(), now(), 'aal1', now()::timestamp, 'curl/8.5', '203.0.113.11')`;
    await tx`
      insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at,
        updated_at, parent, session_id)
      values (${instance}, ${"rt1" + k}, ${id}, false, now(), now(), null, ${s1}),
        (${instance}, ${"rt2" + k}, ${id}, false, now(), now(), ${"rt1" + k}, ${s2}),
        (${instance}, ${"rt3" + k}, ${id}, true, now(), now(), null, null)`;
    await tx`
      insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at,
        updated_at, secret)
      values (${factor}, ${id}, 'authenticator', 'totp', 'verified', now(), now(),
        'JBSWY3DPEHPK3PXP')`;
    await tx`
      insert into auth.mfa_challenges (id, factor_id, created_at, verified_at, ip_address)
      values (${crypto.randomUUID()}, ${factor}, now(), now(), '203.0.113.10')`;
    await tx`
      insert into auth.mfa_amr_claims (session_id, created_at, updated_at,
        authentication_method, id)
      values (${s1}, now(), now(), 'totp', ${crypto.randomUUID()})`;
    await tx`
      insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to)
      values (${crypto.randomUUID()}, ${id}, 'recovery_token', ${"h" + k}, ${email})`;
    await tx`
      insert into auth.flow_state (id, user_id, auth_code, code_challenge_method,
        code_challenge, provider_type, created_at, updated_at, authentication_method)
      values (${crypto.randomUUID()}, ${id}, ${"code" + k}, 's256', ${"challenge" + k},
        'email', now(), now(), 'magiclink')`;
    const entries = [
      { action: "user_signedup", actor_id: id, actor_username: email, log_type: "team" },
      { action: "login", actor_id: id, actor_username: email, log_type: "account" },
      { action: "token_refreshed", actor_id: id, actor_username: email, log_type: "token" },
      // Logged before GoTrue knows the id: the email only, differently cased.
      { action: "user_recovery_requested", actor_username: email.toUpperCase(), log_type: "user" },
    ];
    for (const payload of entries) {
      await tx`
        insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
        values (${instance}, ${crypto.randomUUID()}, ${tx.json(payload)}::json, now(),
          '203.0.113.10')`;
    }
  });
  return { id, email, phone, sessionIds };
}

/** The claims GoTrue would issue for the user's first session (the token's and PostgREST's). */
function userClaims(user: TestUser) {
  return {
    sub: user.id,
    role: "authenticated",
    aud: "authenticated",
    email: user.email,
    session_id: user.sessionIds[0],
  };
}

/** The user's access token, as GoTrue would issue it for their first session. */
export async function userJwt(user: TestUser): Promise<string> {
  return await mintJwt(userClaims(user));
}

/** supabase-js signed in as the user (the anon key, and the user's token as Authorization). */
export async function userClient(user: TestUser): Promise<SupabaseClient> {
  return stackClient(stack.ANON_KEY, `Bearer ${await userJwt(user)}`);
}

/**
 * Runs `fn` in a transaction as the signed-in user, exactly as PostgREST runs a request:
 * transaction-local `role` and `request.jwt.claims`.
 */
export async function asUser<T>(
  sql: Sql,
  user: TestUser,
  fn: (tx: Sql) => Promise<T>,
): Promise<T> {
  const claims = JSON.stringify(userClaims(user));
  return await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${claims}, true),
      set_config('role', 'authenticated', true)`;
    return await fn(tx as unknown as Sql);
  }) as T;
}

/** The user asks for their account's erasure through the public RPC. */
export async function requestErasure(sql: Sql, user: TestUser): Promise<string> {
  const [row] = await asUser(
    sql,
    user,
    (tx) => tx<{ request_id: string }[]>`select * from public.request_account_erasure()`,
  );
  return row.request_id;
}

export interface RequestStatus {
  request_id: string;
  status: string;
  step: string;
  progress: Record<string, unknown>;
  attempts: number;
  leased_until: Date | null;
  last_error: string | null;
  overdue: boolean;
  failures: number;
  /** Seconds until the claim may take the request again (its backoff); 0 when it may now. */
  backoff_s: number;
  /** Failed 3 times or more: job health names it. */
  failing: boolean;
}

export async function requestStatus(sql: Sql, user: TestUser): Promise<RequestStatus | null> {
  const [row] = await sql<RequestStatus[]>`
    select request_id, status, step, progress, attempts, leased_until, last_error, overdue,
      failures, failing,
      -- next_attempt_at is -infinity until the first failure.
      case when next_attempt_at > now()
        then extract(epoch from next_attempt_at - now())::float8 else 0 end as backoff_s
    from private.account_erasure_backlog where user_id = ${user.id}`;
  return row ?? null;
}

/**
 * The request's backoff runs out, as it has by the next scheduled run (every 30 minutes) unless
 * it failed 7 times or more (the backoff is capped at an hour).
 */
export async function elapseBackoff(sql: Sql, requestId: string): Promise<void> {
  const rows = await sql`
    update private.account_erasure_requests set next_attempt_at = now() - interval '1 second'
    where id = ${requestId} and next_attempt_at > now() - interval '1 second'
    returning id`;
  if (rows.length !== 1) throw new Error(`request ${requestId} is not backing off`);
}

/** The account_erasures_not_failing row of private.job_health(). */
export async function failingHealth(sql: Sql): Promise<{ ok: boolean; requestIds: string[] }> {
  const [row] = await sql<[{ ok: boolean; detail: { request_ids: string[] } }]>`
    select ok, detail from private.job_health() where check_name = 'account_erasures_not_failing'`;
  return { ok: row.ok, requestIds: row.detail.request_ids };
}

// ---- organisations and recordings ------------------------------------------------------------

export async function createOrganization(
  sql: Sql,
  createdBy: TestUser,
  members: { user: TestUser; role: "owner" | "admin" | "member"; joinedAgo: string }[],
): Promise<string> {
  const orgId = crypto.randomUUID();
  await sql.begin(async (tx) => {
    await tx`insert into public.organizations (id, name, created_by)
             values (${orgId}, ${"Org " + orgId.slice(0, 8)}, ${createdBy.id})`;
    for (const m of members) {
      await tx`insert into public.memberships (org_id, user_id, role, created_at)
               values (${orgId}, ${m.user.id}, ${m.role}, now() - ${m.joinedAgo}::interval)`;
    }
  });
  return orgId;
}

/**
 * A user who is the only member of an organisation with `surveys` surveys (one recording each,
 * uploaded by them), and who has asked for the erasure of their account.
 */
export async function soloOwnerAskingErasure(sql: Sql, label: string, surveys: number) {
  const user = await createUser(sql, label);
  const org = await createSoloOrganization(sql, user);
  const uploaded: UploadedSurvey[] = [];
  for (let i = 0; i < surveys; i++) {
    uploaded.push(await createSurveyAs(sql, org, user, { questions: 1, responses: 1 }));
  }
  const requestId = await requestErasure(sql, user);
  return { user, org, surveys: uploaded, requestId };
}

/** An organisation whose only member is its owner. */
export async function createSoloOrganization(
  sql: Sql,
  owner: TestUser,
  joinedAgo = "1y",
): Promise<string> {
  return await createOrganization(sql, owner, [{ user: owner, role: "owner", joinedAgo }]);
}

export interface UploadedSurvey {
  surveyId: string;
  objectNames: string[];
}

/**
 * A live survey authored by `author` with questions x responses recordings (each with a
 * transcript), whose objects the author uploads through supabase-js with their own token (so
 * Storage records them as the objects' owner).
 */
export async function createSurveyAs(
  sql: Sql,
  orgId: string,
  author: TestUser,
  options: { questions?: number; responses?: number } = {},
): Promise<UploadedSurvey> {
  const survey = await seedSurvey(sql, orgId, { ...options, createdBy: author.id });
  await uploadAs(author, survey.objectNames);
  return survey;
}

/**
 * Uploads objects as the user does: the broker grants a signed upload URL for each
 * ('<org>/<survey>/<response>/<file uuid>.<ext>', in a live survey of the user's organisation)
 * and supabase-js uploads to it, so Storage records the user as the owner.
 */
export async function uploadAs(user: TestUser, names: string[]): Promise<void> {
  const token = await sessionJwt(user.id);
  const client = await userClient(user);
  for (const name of names) {
    const [, , responseId, file] = name.split("/");
    const [fileId, extension] = file.split(".");
    const granted = await callBroker(token, {
      upload: { response_id: responseId, file_id: fileId, extension },
    });
    if (granted.status !== 200) {
      throw new Error(`upload of ${name} as ${user.id} refused: ${granted.body.error}`);
    }
    const { error } = await client.storage.from("recordings").uploadToSignedUrl(
      granted.body.path,
      granted.body.token,
      new Blob([new Uint8Array(16).fill(7)], { type: "audio/webm" }),
      { contentType: "audio/webm" },
    );
    if (error) throw new Error(`upload of ${name} as ${user.id} failed: ${error.message}`);
  }
}

/** A direct upload by the user through the Storage API, which no client may make any more. */
export async function uploadDirectlyAs(user: TestUser, names: string[]): Promise<void> {
  await uploadWith(await userClient(user), names, 1, ` as ${user.id}`);
}

/** Every object name under `prefix`, walking folders through the Storage API's list. */
export async function listTree(client: SupabaseClient, prefix: string): Promise<string[]> {
  const { data, error } = await client.storage.from("recordings").list(prefix, { limit: 1000 });
  if (error) throw new Error(`list of ${prefix} failed: ${error.message}`);
  const names: string[] = [];
  for (const entry of data ?? []) {
    const path = `${prefix}/${entry.name}`;
    // Folders come back without an id.
    if (entry.id === null) names.push(...await listTree(client, path));
    else names.push(path);
  }
  return names.sort();
}

// ---- observations --------------------------------------------------------------------------

export interface Trace {
  table: string;
  hits: number;
}

/**
 * Every base table of every schema (auth, storage, audit, cron, vault ... included), found from
 * the catalog: the tables whose rows' text mentions the user's id, email or phone. The append-only
 * records of schema audit keep the user's id by design (docs/RECORDING_ACCESS.md): audit.events
 * (account.* and membership.* events), the membership history audit.membership_events and the
 * recording access log audit.recording_access (and its monthly partitions), so only the email
 * and phone count there.
 */
export async function traces(sql: Sql, user: TestUser): Promise<Trace[]> {
  const tables = await sql<{ table_schema: string; table_name: string }[]>`
    select table_schema, table_name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
    order by 1, 2`;
  // information_schema only shows tables the role may use: make sure that is all of them.
  const [{ n }] = await sql<[{ n: number }]>`
    select count(*)::int as n from pg_class c join pg_namespace s on s.oid = c.relnamespace
    where c.relkind in ('r', 'p') and s.nspname not in ('pg_catalog', 'information_schema')
      and s.nspname !~ '^pg_'`;
  if (tables.length !== n) {
    throw new Error(`information_schema shows ${tables.length} of ${n} tables`);
  }
  const id = `%${user.id}%`;
  const email = `%${user.email}%`;
  const phone = `%${user.phone}%`;
  const found: Trace[] = [];
  for (const { table_schema: schema, table_name: name } of tables) {
    const keepsId = schema === "audit" &&
      (name === "events" || name === "membership_events" || name.startsWith("recording_access"));
    const [{ hits }] = await sql<[{ hits: number }]>`
      select count(*)::int as hits from ${sql(schema)}.${sql(name)} x
      where (not ${keepsId}::boolean and x::text like ${id})
        or x::text ilike ${email} or x::text like ${phone}`;
    if (hits > 0) found.push({ table: `${schema}.${name}`, hits });
  }
  return found;
}

/** The user's rows that make their tokens usable: sessions, refresh tokens, one-time tokens. */
export async function tokenRows(sql: Sql, user: TestUser): Promise<number> {
  const [{ n }] = await sql<[{ n: number }]>`
    select (select count(*) from auth.sessions where user_id = ${user.id}
              or id = any(${sql.array(user.sessionIds)}::uuid[]))::int
         + (select count(*) from auth.refresh_tokens where user_id = ${user.id}
              or session_id = any(${sql.array(user.sessionIds)}::uuid[]))::int
         + (select count(*) from auth.one_time_tokens where user_id = ${user.id})::int
         + (select count(*) from auth.mfa_factors where user_id = ${user.id})::int as n`;
  return n;
}

export async function auditByTarget(sql: Sql, action: string, targetId: string) {
  return [
    ...await sql<
      {
        actor_job: string | null;
        actor_id: string | null;
        org_id: string | null;
        details: Record<string, unknown>;
      }[]
    >`
      select actor_job, actor_id, org_id, details from audit.events
      where action = ${action} and target_id = ${targetId} order by occurred_at, seq`,
  ];
}

export async function memberships(sql: Sql, orgId: string) {
  return [
    ...await sql<{ user_id: string; role: string }[]>`
      select user_id::text, role::text from public.memberships where org_id = ${orgId}
      order by created_at`,
  ];
}
