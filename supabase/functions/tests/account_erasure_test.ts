// Integration tests of the account erasure against the stack: real Postgres (migrations
// applied), its Storage API, and the real supabase-js. Each test makes its own users and
// organisations with random ids and asks for the erasure through the RPC as the user. Other
// erasure requests may exist on the shared stack (the seed's, other tests'): the job processes
// them all, so assertions are about this test's users.
//   node_modules/.bin/deno test -A supabase/functions/tests/account_erasure_test.ts
import assert from "node:assert/strict";
import type { Sql } from "../_shared/db.ts";
import { accountErasure } from "../account-erasure/job.ts";
import {
  asUser,
  auditByTarget,
  createOrganization,
  createSoloOrganization,
  createSurveyAs,
  createUser,
  elapseBackoff,
  failingHealth,
  listTree,
  memberships,
  quiesceErasure,
  requestErasure,
  type RequestStatus,
  requestStatus,
  resumeRun,
  soloOwnerAskingErasure,
  type TestUser,
  tokenRows,
  traces,
  uploadAs,
  uploadDirectlyAs,
  userClient,
  userJwt,
} from "./support/erasure.ts";
import { callBroker, sessionJwt } from "./support/broker.ts";
import {
  assertBadBodies,
  assertErasureBacklogShape,
  assertRefused,
  assertReport,
  assertStorageBacklogShape,
  call,
  callOk,
  capturingLogger,
  failingCall,
  interceptSql,
  jobScenarios,
  manualClock,
  runConcurrently,
  runOnce,
} from "./support/job.ts";
import {
  auditEvents,
  childCounts,
  downloadable,
  existingObjects,
  mintJwt,
  outboxRows,
  reconcile,
  serviceClient,
  stack,
} from "./support/stack.ts";

const PHASES = ["erase", "storage_removal", "audit_anchor"];

const scenario = jobScenarios({ job: accountErasure, quiesce: quiesceErasure });

async function userExists(sql: Sql, user: TestUser): Promise<boolean> {
  const [row] = await sql`select 1 from auth.users where id = ${user.id}`;
  return row !== undefined;
}

async function orgExists(sql: Sql, orgId: string): Promise<boolean> {
  const [row] = await sql`select 1 from public.organizations where id = ${orgId}`;
  return row !== undefined;
}

/** Lets every overdue request's backoff run out, so the next run takes them up again. */
async function retryOverdueNow(sql: Sql): Promise<void> {
  await sql`update private.account_erasure_requests set next_attempt_at = '-infinity'
            where due_at <= now()`;
}

/** Nothing of the user is left anywhere, their tokens are dead, and the erasure is audited once. */
async function assertErased(sql: Sql, user: TestUser) {
  assert.equal(await userExists(sql, user), false, "auth user deleted");
  assert.equal(await requestStatus(sql, user), null, "request closed");
  assert.equal(await tokenRows(sql, user), 0, "no session, refresh token, OTP or MFA factor left");
  assert.deepEqual(await traces(sql, user), [], "no table mentions the user's id, email or phone");
  const erased = await auditByTarget(sql, "account.erased", user.id);
  assert.equal(erased.length, 1, "one account.erased event");
  assert.equal(erased[0].actor_job, "account_erasure");
  assert.equal(erased[0].org_id, null);
  assert.equal(erased[0].details.auth_user_deleted, true);
  for (const value of Object.values(erased[0].details)) {
    assert.ok(["number", "boolean"].includes(typeof value), "counts only");
  }
  // A token issued before the erasure reaches nothing (RLS finds no membership).
  const seen = await asUser(sql, user, async (tx) => {
    const [row] = await tx<[{ n: number }]>`
      select (select count(*) from public.organizations)::int
           + (select count(*) from public.surveys)::int
           + (select count(*) from public.memberships)::int as n`;
    return row.n;
  });
  assert.equal(seen, 0, "the user's old token sees nothing");
}

scenario("refuses every caller that is not the scheduler or service role", async (sql, job) => {
  const user = await createUser(sql, "refused");
  await requestErasure(sql, user);
  const forged = await mintJwt({ role: "service_role" }, "x".repeat(40));
  const cases: [string, string | null, number][] = [
    ["no Authorization header", null, 401],
    ["garbage token", "not-a-token", 401],
    ["service_role claim signed with another secret", forged, 401],
    ["anon key", stack.ANON_KEY, 403],
    ["the user's own JWT", await userJwt(user), 403],
    [
      "another signed-in user's JWT",
      await mintJwt({ sub: crypto.randomUUID(), role: "authenticated", aud: "authenticated" }),
      403,
    ],
  ];
  await assertRefused(job, cases);

  const status = await requestStatus(sql, user);
  assert.equal(status?.status, "pending", "nothing ran");
  assert.equal(status?.attempts, 0);
  assert.equal(await userExists(sql, user), true);

  // The scheduler (service-role key, or a service_role JWT of the project) does run it.
  const ok = await call(job, {}, { token: await mintJwt({ role: "service_role" }) });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  await assertErased(sql, user);
});

scenario("rejects a bad body with 400 naming the field, and changes nothing", async (sql, job) => {
  const user = await createUser(sql, "badbody");
  await requestErasure(sql, user);
  const cases: [unknown, string][] = [
    [{ max_requests: 0 }, "max_requests"],
    [{ max_requests: 101 }, "max_requests"],
    [{ max_requests: 1.5 }, "max_requests"],
    [{ dry_run: true }, "dry_run"],
    [null, "body"],
  ];
  await assertBadBodies(job, cases);

  const status = await requestStatus(sql, user);
  assert.equal(status?.status, "pending");
  assert.equal(status?.attempts, 0);

  // An empty body means all defaults (the scheduler may POST nothing), with or without a
  // declared JSON type.
  const empty = await call(job, undefined, { rawBody: "", contentType: null });
  assert.equal(empty.status, 200, JSON.stringify(empty.body));
  await assertErased(sql, user);
  const emptyJson = await call(job, undefined, { rawBody: "" });
  assert.equal(emptyJson.status, 200, JSON.stringify(emptyJson.body));
});

scenario(
  "(a) solo owner: the organisation, its rows and its Storage objects are gone; idempotent",
  async (sql, job) => {
    const ann = await createUser(sql, "ann");
    const org = await createSoloOrganization(sql, ann);
    const one = await createSurveyAs(sql, org, ann, { questions: 2, responses: 2 });
    const two = await createSurveyAs(sql, org, ann, { questions: 1, responses: 3 });
    // No client writes to the bucket itself (the broker's signed upload URLs only): a direct
    // upload, here under a name that could carry personal content, is refused; nothing is stored.
    const named = `${org}/${one.surveyId}/notes/ann-notes.webm`;
    await assert.rejects(uploadDirectlyAs(ann, [named]), /row-level security/);
    assert.deepEqual(await existingObjects(sql, [named]), []);
    // An object no recording points at (validly named, uploaded by Ann herself): still the
    // organisation's data, and removed with it.
    const response = one.objectNames[0].split("/")[2];
    const notes = `${org}/${one.surveyId}/${response}/${crypto.randomUUID()}.webm`;
    await uploadAs(ann, [notes]);
    const [{ rows: pointing }] = await sql<[{ rows: number }]>`
      select count(*)::int as rows from public.recordings where object_path = ${notes}`;
    assert.equal(pointing, 0, "no recording row points at the loose object");
    const all = [...one.objectNames, ...two.objectNames, notes].sort();
    assert.deepEqual(await listTree(serviceClient(), org), all, "uploaded through supabase-js");
    const [{ owned }] = await sql<[{ owned: number }]>`
      select count(*)::int as owned from storage.objects where owner = ${ann.id}`;
    assert.equal(owned, all.length, "Storage recorded Ann as the owner");
    assert.ok(await tokenRows(sql, ann) > 0);

    await requestErasure(sql, ann);
    const res = await callOk(job, { batch_size: 1 });
    assertReport(res, "account-erasure", PHASES);
    assert.equal(res.totals.accounts_erased, 1);
    // transfer_ownership, one survey per step (2), the organisation, "finished", GoTrue's log
    // (one chunk), erase_user.
    assert.equal(res.totals.steps, 7);
    assert.equal(res.totals.requests_failed, 0);
    assert.ok(res.totals.objects_removed >= all.length, `removed ${res.totals.objects_removed}`);
    assert.equal(res.totals.objects_failed, 0);
    assert.equal(res.body.stopped_early, false);
    assertErasureBacklogShape(res.erasures);
    assertStorageBacklogShape(res.storage);

    // Rows, objects (through the API and in storage.objects), outbox, reconciliation.
    assert.equal(await orgExists(sql, org), false);
    assert.deepEqual(await childCounts(sql, org), {
      surveys: 0,
      questions: 0,
      responses: 0,
      recordings: 0,
      transcripts: 0,
    });
    assert.deepEqual(await listTree(serviceClient(), org), [], "the org's folder is empty");
    assert.deepEqual(await existingObjects(sql, all), []);
    for (const name of all) assert.equal(await downloadable(name), false, name);
    assert.deepEqual(await outboxRows(sql, org), []);
    assert.deepEqual(await reconcile(sql, org), []);

    // Audited: the surveys, the organisation, every object, and the account (counts only).
    assert.equal((await auditEvents(sql, org, "survey.purged")).length, 2);
    const deleted = await auditEvents(sql, org, "organization.deleted");
    assert.equal(deleted.length, 1);
    assert.equal(deleted[0].actor_job, "account_erasure");
    const removed = await auditEvents(sql, org, "storage_object.removed");
    assert.deepEqual(removed.map((e) => e.target_id), all.map((n) => `recordings/${n}`));
    assert.ok(removed.every((e) => e.actor_job === "account_erasure"));
    const [erased] = await auditByTarget(sql, "account.erased", ann.id);
    assert.equal(erased.details.organizations_deleted, 1);
    assert.equal(erased.details.surveys_deleted, 2);
    // Counted at the last step: the solo organisation's membership went with it.
    assert.equal(erased.details.memberships_removed, 0);
    assert.equal(erased.details.auth_log_entries_deleted, 4);
    await assertErased(sql, ann);

    // Idempotent: an immediate second run has nothing to do.
    const again = await callOk(job);
    assert.equal(again.totals.accounts_erased, 0);
    assert.equal(again.totals.steps, 0);
    assert.equal(again.totals.requests_failed, 0);
    assert.equal(again.totals.objects_removed, 0);
    assert.equal((await auditByTarget(sql, "account.erased", ann.id)).length, 1);
    assert.equal((await auditEvents(sql, org, "storage_object.removed")).length, all.length);
  },
);

scenario(
  "(b) member elsewhere: the organisation stays, authorship and object ownership are cleared",
  async (sql, job) => {
    const olga = await createUser(sql, "olga");
    const ben = await createUser(sql, "ben");
    const org = await createOrganization(sql, olga, [
      { user: olga, role: "owner", joinedAgo: "2 years" },
      { user: ben, role: "member", joinedAgo: "1 year" },
    ]);
    const bens = await createSurveyAs(sql, org, ben);
    const olgas = await createSurveyAs(sql, org, olga);
    const trashed = await createSurveyAs(sql, org, olga, { questions: 1, responses: 1 });
    // Ben deleted one of Olga's surveys: it is in the trash with deleted_by = Ben.
    await sql`update public.surveys set deleted_at = now() - interval '1 day', deleted_by = ${ben.id}
              where id = ${trashed.surveyId}`;
    const all = [...bens.objectNames, ...olgas.objectNames, ...trashed.objectNames].sort();
    const before = await childCounts(sql, org);
    const benClient = await userClient(ben);
    const benToken = await sessionJwt(ben.id);
    const playlist = await callBroker(benToken, { survey_id: bens.surveyId });
    assert.equal(playlist.status, 200, "Ben plays his survey through the broker");
    assert.equal(playlist.body.recordings.length, bens.objectNames.length);

    await requestErasure(sql, ben);
    const res = await callOk(job);
    assert.equal(res.totals.accounts_erased, 1);
    assert.equal(res.totals.requests_failed, 0);

    assert.equal(await orgExists(sql, org), true);
    assert.deepEqual(await memberships(sql, org), [{ user_id: olga.id, role: "owner" }]);
    assert.deepEqual(await childCounts(sql, org), before, "the organisation's data stays");
    const surveys = await sql<
      { id: string; created_by: string | null; deleted_by: string | null; deleted: boolean }[]
    >`
      select id, created_by, deleted_by, deleted_at is not null as deleted from public.surveys
      where org_id = ${org}`;
    const byId = new Map(surveys.map((s) => [s.id, s]));
    assert.equal(byId.get(bens.surveyId)!.created_by, null, "created_by nulled");
    assert.equal(byId.get(olgas.surveyId)!.created_by, olga.id, "others' authorship stays");
    assert.equal(byId.get(trashed.surveyId)!.deleted_by, null, "deleted_by nulled");
    assert.equal(byId.get(trashed.surveyId)!.deleted, true, "still in the trash");
    const [{ authored }] = await sql<[{ authored: number }]>`
      select count(*)::int as authored from public.recordings
      where org_id = ${org} and created_by is null`;
    assert.equal(authored, bens.objectNames.length, "Ben's recordings lost their author");

    // The objects stay (they are the organisation's), without Ben as their owner.
    assert.deepEqual(await existingObjects(sql, all), all);
    assert.deepEqual(await listTree(serviceClient(), org), all);
    assert.equal(await downloadable(bens.objectNames[0]), true);
    const [{ unowned }] = await sql<[{ unowned: number }]>`
      select count(*)::int as unowned from storage.objects
      where name = any(${sql.array(bens.objectNames)}::text[]) and owner is null
        and owner_id is null`;
    assert.equal(unowned, bens.objectNames.length);
    assert.deepEqual(await reconcile(sql, org), []);
    // Ben's token reaches nothing any more: the broker does not know him, Storage shows nothing.
    assert.deepEqual(await callBroker(benToken, { survey_id: bens.surveyId }), {
      status: 404,
      body: { error: "not found" },
    });
    assert.deepEqual(await listTree(benClient, `${org}/${bens.surveyId}`), []);

    await assertErased(sql, ben);
    assert.equal(await userExists(sql, olga), true);
    assert.ok(await tokenRows(sql, olga) > 0, "Olga keeps her sessions");
    assert.deepEqual(await auditByTarget(sql, "account.erased", olga.id), []);
  },
);

scenario(
  "(c) sole owner of a shared organisation: the longest-standing admin becomes owner",
  async (sql, job) => {
    const cat = await createUser(sql, "cat");
    const mia = await createUser(sql, "mia"); // member, longest-standing
    const ada = await createUser(sql, "ada"); // admin, longest-standing admin
    const abe = await createUser(sql, "abe"); // admin, newer
    const org = await createOrganization(sql, cat, [
      { user: cat, role: "owner", joinedAgo: "4 years" },
      { user: mia, role: "member", joinedAgo: "3 years" },
      { user: ada, role: "admin", joinedAgo: "2 years" },
      { user: abe, role: "admin", joinedAgo: "1 year" },
    ]);
    const shared = await createSurveyAs(sql, org, cat);
    // Cat also has a sandbox of her own: it goes.
    const sandbox = await createSoloOrganization(sql, cat, "1 month");
    const mine = await createSurveyAs(sql, sandbox, cat, { questions: 1, responses: 1 });

    await requestErasure(sql, cat);
    const res = await callOk(job);
    assert.equal(res.totals.accounts_erased, 1);
    assert.equal(res.totals.requests_failed, 0);

    assert.deepEqual(await memberships(sql, org), [
      { user_id: mia.id, role: "member" },
      { user_id: ada.id, role: "owner" },
      { user_id: abe.id, role: "admin" },
    ]);
    const [orgRow] = await sql<[{ created_by: string | null }]>`
      select created_by from public.organizations where id = ${org}`;
    assert.equal(orgRow.created_by, null);
    assert.deepEqual(await existingObjects(sql, shared.objectNames), shared.objectNames);
    assert.equal((await childCounts(sql, org)).surveys, 1);
    const transferred = await auditEvents(sql, org, "organization.owner_transferred");
    assert.equal(transferred.length, 1);
    assert.equal(transferred[0].actor_job, "account_erasure");

    assert.equal(await orgExists(sql, sandbox), false);
    assert.deepEqual(await listTree(serviceClient(), sandbox), []);
    assert.deepEqual(await existingObjects(sql, mine.objectNames), []);
    assert.deepEqual(await reconcile(sql, org), []);
    assert.deepEqual(await reconcile(sql, sandbox), []);

    const [erased] = await auditByTarget(sql, "account.erased", cat.id);
    assert.equal(erased.details.ownership_transferred, 1);
    assert.equal(erased.details.organizations_deleted, 1);
    assert.equal(erased.details.memberships_removed, 1, "the shared organisation's");
    await assertErased(sql, cat);
    for (const other of [mia, ada, abe]) assert.equal(await userExists(sql, other), true);
  },
);

scenario(
  "a failure mid-erasure is recorded; the next run resumes at the recorded step",
  async (sql) => {
    const { user: dan, org, surveys, requestId } = await soloOwnerAskingErasure(sql, "dan", 3);
    const names = surveys.flatMap((s) => s.objectNames).sort();

    // The third account_erasure_step call fails (as a dropped connection would).
    const res = await runOnce(
      accountErasure,
      { wrapSql: failingCall("account_erasure_step", { n: 3 }) },
      { batch_size: 1 },
    );
    assert.equal(res.status, 200, "one failure is reported, not yet an incident");
    assert.equal(res.totals.accounts_erased, 0);
    assert.equal(res.totals.steps, 2, "transfer_ownership, then one survey");
    assert.equal(res.totals.requests_failed, 1);
    assert.equal(res.body.error, null);
    const failed = await requestStatus(sql, dan);
    assert.equal(failed?.request_id, requestId);
    assert.equal(failed?.status, "in_progress");
    assert.equal(failed?.step, "delete_solo_organizations");
    assert.equal(failed?.progress.surveys_deleted, 1);
    assert.equal(failed?.attempts, 1);
    assert.match(failed?.last_error ?? "", /injected: connection reset/);
    assert.equal(failed?.leased_until, null, "the lease is let go for the next run");
    assert.equal(failed?.failures, 1);
    assert.ok(
      failed!.backoff_s > 0 && failed!.backoff_s <= 30,
      `backs off 30 s: ${failed!.backoff_s}`,
    );
    assert.equal((await childCounts(sql, org)).surveys, 2);
    assert.equal((await existingObjects(sql, names)).length, 2, "the first survey's objects went");

    // The backoff runs out (the next scheduled run comes 30 minutes later).
    await elapseBackoff(sql, requestId);
    const { res: resumed, claim } = await resumeRun({ batch_size: 1 }, requestId);
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.equal(resumed.totals.accounts_erased, 1);
    // The two surveys left, the organisation, "finished", GoTrue's log, erase_user: nothing
    // done twice.
    assert.equal(resumed.totals.steps, 6);
    assert.equal(resumed.totals.requests_failed, 0);
    assert.equal(claim?.fields.step, "delete_solo_organizations", "resumed at the recorded step");
    assert.equal(claim?.fields.attempts, 2, "attempts incremented");

    const purged = await auditEvents(sql, org, "survey.purged");
    assert.deepEqual(purged.map((e) => e.target_id), surveys.map((s) => s.surveyId).sort());
    assert.equal((await auditEvents(sql, org, "organization.deleted")).length, 1);
    const [erased] = await auditByTarget(sql, "account.erased", dan.id);
    assert.equal(erased.details.surveys_deleted, 3);
    assert.deepEqual(await existingObjects(sql, names), []);
    assert.deepEqual(await reconcile(sql, org), []);
    await assertErased(sql, dan);
  },
);

scenario(
  "stopped at the deadline mid-request: the lease holds it, then the next run resumes it",
  async (sql, job) => {
    const { user: eve, org } = await soloOwnerAskingErasure(sql, "eve", 3);

    // Every step takes a second of the (test) clock; 5 s leave room for three steps.
    const clock = manualClock();
    const slowSteps = (pool: Sql) =>
      interceptSql(pool, (query) => {
        if (query.includes("private.account_erasure_step(")) clock.advance(1000);
      });
    const res = await runOnce(
      accountErasure,
      { clock, wrapSql: slowSteps },
      { batch_size: 1, max_seconds: 5 },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.totals.steps, 3);
    assert.equal(res.totals.accounts_erased, 0);
    assert.equal(res.body.stopped_early, true);
    assert.equal(res.body.phases[0].stopped_early, true, "the erase phase stopped");
    const paused = await requestStatus(sql, eve);
    assert.equal(paused?.step, "delete_solo_organizations");
    assert.equal(paused?.progress.surveys_deleted, 2);
    assert.equal(paused?.attempts, 1);
    assert.equal(paused?.last_error, null);
    assert.ok(paused?.leased_until && paused.leased_until > new Date(), "still leased");

    // A run while the lease holds leaves the request alone.
    const during = await call(job);
    assert.equal(during.status, 200);
    assert.equal(during.totals.steps, 0);
    assert.ok(during.erasures.in_progress >= 1);
    assert.equal((await requestStatus(sql, eve))?.attempts, 1);

    // The lease runs out (the next scheduled run comes 30 minutes later).
    await sql`update private.account_erasure_requests
              set leased_until = now() - interval '1 second' where user_id = ${eve.id}`;
    const { res: next, claim } = await resumeRun({ batch_size: 1 });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.totals.accounts_erased, 1);
    assert.equal(
      next.totals.steps,
      5,
      "the last survey, the organisation, finished, GoTrue's log, erase_user",
    );
    assert.equal(claim?.fields.step, "delete_solo_organizations");
    assert.equal(claim?.fields.attempts, 2);
    assert.equal((await auditEvents(sql, org, "survey.purged")).length, 3);
    assert.equal(await orgExists(sql, org), false);
    assert.deepEqual(await reconcile(sql, org), []);
    await assertErased(sql, eve);
  },
);

scenario(
  "two runners at once: every request erased exactly once, no errors, no duplicate audit",
  async (sql, job) => {
    const keeper = await createUser(sql, "keeper");
    const users: TestUser[] = [];
    for (let i = 0; i < 6; i++) users.push(await createUser(sql, `twin${i}`));
    // Everyone is also a member of the keeper's organisation, which must stay untouched.
    const common = await createOrganization(sql, keeper, [
      { user: keeper, role: "owner", joinedAgo: "3 years" },
      ...users.map((user) => ({ user, role: "member" as const, joinedAgo: "1 year" })),
    ]);
    const commonSurvey = await createSurveyAs(sql, common, keeper);
    const orgs: string[] = [];
    const names: string[] = [];
    const surveyIds: string[] = [];
    for (const user of users) {
      const org = await createSoloOrganization(sql, user);
      orgs.push(org);
      for (let i = 0; i < 2; i++) {
        const survey = await createSurveyAs(sql, org, user, { questions: 1, responses: 2 });
        names.push(...survey.objectNames);
        surveyIds.push(survey.surveyId);
      }
      await requestErasure(sql, user);
    }

    const [a, b] = await runConcurrently(job, { batch_size: 1 });
    for (const res of [a, b]) {
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.error, null);
      assert.equal(res.totals.requests_failed, 0);
      assert.equal(res.totals.objects_failed, 0);
    }
    assert.ok(a.totals.accounts_erased + b.totals.accounts_erased >= users.length);

    for (const user of users) await assertErased(sql, user);
    for (const org of orgs) {
      assert.equal(await orgExists(sql, org), false);
      assert.equal((await auditEvents(sql, org, "organization.deleted")).length, 1);
      assert.deepEqual(await reconcile(sql, org), []);
    }
    const [{ purged, distinct }] = await sql<[{ purged: number; distinct: number }]>`
      select count(*)::int as purged, count(distinct target_id)::int as distinct
      from audit.events where action = 'survey.purged'
        and target_id = any(${sql.array(surveyIds)}::text[])`;
    assert.equal(purged, surveyIds.length);
    assert.equal(distinct, surveyIds.length);
    assert.deepEqual(await existingObjects(sql, names), []);
    assert.deepEqual(await memberships(sql, common), [{ user_id: keeper.id, role: "owner" }]);
    assert.deepEqual(
      await existingObjects(sql, commonSurvey.objectNames),
      commonSurvey.objectNames,
    );
  },
);

scenario(
  "overdue: a request past its 7-day deadline that keeps failing makes the job answer 500",
  {
    // Never leave an overdue request behind: every later run would answer 500.
    cleanup: async (job) => {
      await retryOverdueNow(job.deps.sql).catch(() => {});
      await call(job).catch(() => {});
    },
  },
  async (sql, job) => {
    const fay = await createUser(sql, "fay");
    const gus = await createUser(sql, "gus");
    const fayRequest = await requestErasure(sql, fay);
    await requestErasure(sql, gus);
    // Fay asked 8 days ago: her request is overdue (and due first).
    await sql`update private.account_erasure_requests
              set requested_at = now() - interval '8 days', due_at = now() - interval '1 day'
              where user_id = ${fay.id}`;

    const fayFails = failingCall("account_erasure_step", {
      value: fayRequest,
      always: true,
      message: "injected: Fay's erasure keeps failing",
    });
    const res = await runOnce(accountErasure, { wrapSql: fayFails });
    assert.equal(res.status, 500, JSON.stringify(res.body));
    assert.equal(res.body.ok, false);
    assert.match(
      res.body.error!,
      /1 account erasure request\(s\) are past their 7-day deadline/,
    );
    assert.ok(!/\n\s+at /.test(res.body.error!), "no stack trace");
    assertReport(res, "account-erasure", PHASES);
    assert.equal(res.totals.requests_failed, 1);
    assert.equal(res.totals.accounts_erased, 1, "Fay's failure did not block Gus");
    assertErasureBacklogShape(res.erasures);
    assert.ok(res.erasures.overdue >= 1);
    assert.equal(typeof res.erasures.oldest_due_at, "string");
    await assertErased(sql, gus);

    const status = await requestStatus(sql, fay);
    assert.equal(status?.overdue, true);
    assert.equal(status?.attempts, 1);
    assert.match(status?.last_error ?? "", /injected: Fay's erasure keeps failing/);
    assert.equal(status?.leased_until, null);
    assert.equal(status?.failures, 1);
    assert.ok(
      status!.backoff_s > 0 && status!.backoff_s <= 30,
      `backs off 30 s: ${status!.backoff_s}`,
    );

    // Fixed: the next run after the backoff erases Fay and the job is healthy again.
    await elapseBackoff(sql, fayRequest);
    const healed = await callOk(job);
    assert.equal(healed.totals.accounts_erased, 1);
    assert.equal(healed.erasures.overdue, 0);
    await assertErased(sql, fay);
  },
);

scenario(
  "a failing request blocks no other: recorded and backed off at once, the rest erased in the run",
  async (sql, job) => {
    const hal = await soloOwnerAskingErasure(sql, "hal", 1);
    const ivy = await soloOwnerAskingErasure(sql, "ivy", 1);
    // Hal asked first, so his request is claimed first; every step of it fails.
    let halWhenIvyStarts: Promise<RequestStatus | null> | undefined;
    const halFails = (pool: Sql) =>
      interceptSql(pool, (query, values) => {
        if (!query.includes("private.account_erasure_step(")) return;
        if (values.includes(hal.requestId)) throw new Error("injected: Hal's erasure fails");
        if (values.includes(ivy.requestId)) halWhenIvyStarts ??= requestStatus(sql, hal.user);
      });
    const logger = capturingLogger();
    const res = await runOnce(accountErasure, { wrapSql: halFails, logger });

    // One failure is counted and retried later, not yet an incident: the run answers 200.
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.ok, true);
    assert.equal(res.body.error, null);
    assert.equal(res.totals.requests_failed, 1);
    assert.equal(res.totals.accounts_erased, 1);
    // Ivy's: transfer_ownership, her survey, her organisation, "finished", GoTrue's log,
    // erase_user.
    assert.equal(res.totals.steps, 6);
    const claimed = logger.lines
      .filter((l) => l.message === "claimed account erasure request")
      .map((l) => l.fields.request_id)
      .filter((id) => id === hal.requestId || id === ivy.requestId);
    assert.deepEqual(claimed, [hal.requestId, ivy.requestId], "Hal once, then Ivy");
    await assertErased(sql, ivy.user);
    assert.equal(await orgExists(sql, ivy.org), false);
    assert.deepEqual(await existingObjects(sql, ivy.surveys[0].objectNames), []);

    // Hal's failure was on record, his lease let go and his request backing off, before the
    // run went on to Ivy's.
    const recorded = await halWhenIvyStarts;
    assert.match(recorded?.last_error ?? "", /injected: Hal's erasure fails/);
    assert.equal(recorded?.leased_until, null);
    assert.equal(recorded?.failures, 1);
    assert.ok(recorded!.backoff_s > 0, "backing off");

    const failed = await requestStatus(sql, hal.user);
    assert.equal(failed?.status, "in_progress");
    assert.equal(failed?.step, "transfer_ownership");
    assert.equal(failed?.attempts, 1);
    assert.equal(failed?.failures, 1);
    assert.equal(failed?.failing, false, "not flagged after one failure");
    assert.ok(
      failed!.backoff_s > 0 && failed!.backoff_s <= 30,
      `backs off 30 s: ${failed!.backoff_s}`,
    );
    assert.equal(await orgExists(sql, hal.org), true);

    // While it backs off, a run leaves it alone.
    const during = await callOk(job);
    assert.equal(during.totals.steps, 0);
    assert.equal((await requestStatus(sql, hal.user))?.attempts, 1);

    // After the backoff, the next run erases Hal from where he stopped.
    await elapseBackoff(sql, hal.requestId);
    const { res: next, claim } = await resumeRun({}, hal.requestId);
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.totals.accounts_erased, 1);
    assert.equal(next.totals.requests_failed, 0);
    assert.equal(claim?.fields.step, "transfer_ownership");
    assert.equal(claim?.fields.attempts, 2);
    await assertErased(sql, hal.user);
    assert.equal(await orgExists(sql, hal.org), false);
    assert.deepEqual(await reconcile(sql, hal.org), []);
  },
);

scenario(
  "a request failing 3 times needs attention: the run answers 500 and job health names it",
  {
    // Never leave a failing request behind: every later run would answer 500.
    cleanup: async (job) => {
      await job.deps.sql`update private.account_erasure_requests
                         set next_attempt_at = '-infinity' where failures >= 3`.catch(() => {});
      await call(job).catch(() => {});
    },
  },
  async (sql, job) => {
    const jo = await createUser(sql, "jo");
    const joRequest = await requestErasure(sql, jo);
    const joFails = failingCall("account_erasure_step", {
      value: joRequest,
      always: true,
      message: "injected: Jo's erasure keeps failing",
    });

    // The backoff after each failure doubles from 30 s; the third failure flags the request.
    for (const [failures, backoffS] of [[1, 30], [2, 60], [3, 120]]) {
      if (failures > 1) await elapseBackoff(sql, joRequest);
      const res = await runOnce(accountErasure, { wrapSql: joFails });
      assert.equal(res.totals.requests_failed, 1, `failure ${failures}`);
      const status = await requestStatus(sql, jo);
      assert.equal(status?.failures, failures);
      assert.equal(status?.attempts, failures);
      assert.match(status?.last_error ?? "", /injected: Jo's erasure keeps failing/);
      assert.ok(
        status!.backoff_s > backoffS - 30 && status!.backoff_s <= backoffS,
        `backs off ${backoffS} s after failure ${failures}: ${status!.backoff_s}`,
      );
      const health = await failingHealth(sql);
      if (failures < 3) {
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(status?.failing, false);
        assert.ok(!health.requestIds.includes(joRequest), `not named after ${failures}`);
      } else {
        assert.equal(res.status, 500, JSON.stringify(res.body));
        assert.equal(res.body.ok, false);
        assert.equal(
          res.body.error,
          "1 account erasure request(s) failed 3 or more times; " +
            "see private.account_erasure_backlog",
        );
        assertReport(res, "account-erasure", PHASES);
        assert.equal(status?.failing, true);
        assert.equal(health.ok, false);
        assert.deepEqual(health.requestIds, [joRequest]);
      }
    }

    // Fixed: the next run after the backoff erases Jo, and the job and its health recover.
    await elapseBackoff(sql, joRequest);
    const healed = await callOk(job);
    assert.equal(healed.totals.accounts_erased, 1);
    await assertErased(sql, jo);
    assert.deepEqual(await failingHealth(sql), { ok: true, requestIds: [] });
  },
);

// The ownership and solo-organisation checks of the first steps can be stale by the time the
// membership is removed: a co-member's erasure may have run in between (a failed or paused
// request resumed after the other was erased). erase_user looks again and sends the request
// back, so no organisation is left with members but no owner, or with no member at all.
scenario(
  "co-members erased in interleaved steps leave no ownerless or memberless organisation",
  async (sql, job) => {
    const xan = await createUser(sql, "xan");
    const yul = await createUser(sql, "yul");
    const zoe = await createUser(sql, "zoe");
    const team = await createOrganization(sql, xan, [
      { user: xan, role: "owner", joinedAgo: "3 years" },
      { user: yul, role: "admin", joinedAgo: "2 years" },
      { user: zoe, role: "member", joinedAgo: "1 year" },
    ]);
    const pair = await createOrganization(sql, xan, [
      { user: xan, role: "owner", joinedAgo: "3 years" },
      { user: yul, role: "member", joinedAgo: "2 years" },
    ]);
    const xanRequest = await requestErasure(sql, xan);
    await requestErasure(sql, yul);

    // Xan's erasure fails right after transfer_ownership (Yul became owner of both); Yul's
    // then runs to the end in the same run; Xan's resumes in the next one, after its backoff.
    const first = await runOnce(accountErasure, {
      wrapSql: failingCall("account_erasure_step", { value: xanRequest, n: 2 }),
    });
    assert.equal(first.totals.requests_failed, 1);
    assert.equal(first.totals.accounts_erased, 1, "Yul's");
    await elapseBackoff(sql, xanRequest);
    await call(job);
    await assertErased(sql, xan);
    await assertErased(sql, yul);

    assert.deepEqual(await memberships(sql, team), [{ user_id: zoe.id, role: "owner" }]);
    assert.equal(await orgExists(sql, pair), false, "no organisation is left without members");
  },
);
