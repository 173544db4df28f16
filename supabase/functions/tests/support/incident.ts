// Test support for the incident drill (docs/INCIDENT_RESPONSE.md): the ops commands as the
// service role runs them, and the world the drill plays in.
import type { Sql } from "../../_shared/db.ts";
import { callBroker, sessionJwt } from "./broker.ts";
import { createOrganization, createUser, type TestUser } from "./erasure.ts";
import { createSurvey } from "./stack.ts";

/** Calls public.<fn>(...args) as the service role (what supabase-js rpc with that key does). */
export async function ops<T>(sql: Sql, fn: string, ...args: unknown[]): Promise<T> {
  if (!/^incident_[a-z_]+$/.test(fn)) throw new Error(`not an incident command: ${fn}`);
  return await sql.begin(async (tx) => {
    await tx`set local role service_role`;
    const placeholders = args.map((_, i) => `$${i + 1}`).join(", ");
    const [row] = await tx.unsafe(
      `select public.${fn}(${placeholders}) as answer`,
      args as never[],
    );
    return row.answer as T;
  }) as T;
}

export interface DrillWorld {
  owner: TestUser;
  compromised: TestUser;
  colleague: TestUser;
  latecomer: TestUser;
  outsider: TestUser;
  orgId: string;
  playedRecordingId: string;
  windowFrom: Date;
  windowTo: Date;
  detectedAt: Date;
}

/**
 * An organisation (owner, colleague admin, compromised member) with one survey of 2x2 uploaded
 * recordings; the compromised member plays one of them through the broker inside the window;
 * a latecomer joins after the window; an outsider owns another organisation.
 */
export async function drillWorld(sql: Sql): Promise<DrillWorld> {
  const [owner, compromised, colleague, latecomer, outsider] = await Promise.all(
    ["owner", "compromised", "colleague", "latecomer", "outsider"].map((l) => createUser(sql, l)),
  );
  const windowFrom = new Date(Date.now() - 86_400_000);
  const orgId = await createOrganization(sql, owner, [
    { user: owner, role: "owner", joinedAgo: "90 days" },
    { user: colleague, role: "admin", joinedAgo: "30 days" },
    { user: compromised, role: "member", joinedAgo: "10 days" },
  ]);
  const otherOrg = await createOrganization(sql, outsider, [
    { user: outsider, role: "owner", joinedAgo: "5 days" },
  ]);
  await createSurvey(sql, orgId, { questions: 2, responses: 2 });
  await createSurvey(sql, otherOrg, { questions: 1, responses: 1 });
  const [{ id: playedRecordingId }] = await sql<{ id: string }[]>`
    select id from public.recordings where org_id = ${orgId} order by id limit 1`;
  const played = await callBroker(await sessionJwt(compromised.id), {
    recording_id: playedRecordingId,
  });
  if (played.status !== 200) throw new Error(`the broker answered ${played.status}`);
  await new Promise((r) => setTimeout(r, 20));
  const windowTo = new Date();
  await new Promise((r) => setTimeout(r, 20));
  await sql`insert into public.memberships (org_id, user_id, role)
            values (${orgId}, ${latecomer.id}, 'member')`;
  await new Promise((r) => setTimeout(r, 20));
  const detectedAt = new Date();
  return {
    owner,
    compromised,
    colleague,
    latecomer,
    outsider,
    orgId,
    playedRecordingId,
    windowFrom,
    windowTo,
    detectedAt,
  };
}

/** Opens and scopes the incident for the drill's compromised account. */
export async function openDrillIncident(sql: Sql, w: DrillWorld): Promise<string> {
  return await ops<string>(sql, "incident_open", w.detectedAt.toISOString(), {
    accounts: [w.compromised.id],
    window: { from: w.windowFrom.toISOString(), to: w.windowTo.toISOString() },
  });
}

export interface Late {
  ref: string;
  unnotified: number;
}

/** The incident check of job health at `at` (test clock). */
export async function incidentHealthAt(sql: Sql, at: Date) {
  const [row] = await sql.begin(async (tx) => {
    await tx`select set_config('cluso.now', ${at.toISOString()}, true)`;
    return await tx<{ ok: boolean; detail: { late: Late[] } }[]>`
      select ok, detail from private.job_health() where check_name = 'incident_users_notified'`;
  });
  return row;
}
