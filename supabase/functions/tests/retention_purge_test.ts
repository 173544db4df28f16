// Integration tests of the retention purge against the stack: real Postgres (migrations
// applied), its Storage API, and the real supabase-js. Each test makes its own organisations
// with random ids; tests that inject Storage faults need the local stand-in (support/faults.ts).
//   node_modules/.bin/deno test -A supabase/functions/tests/retention_purge_test.ts
import assert from "node:assert/strict";
import type { Sql } from "../_shared/db.ts";
import { retentionPurge } from "../retention-purge/job.ts";
import { clearFaults } from "./support/faults.ts";
import {
  assertBadBodies,
  assertRefused,
  assertReport,
  assertStorageBacklogShape,
  call,
  callOk,
  jobScenarios,
  runConcurrently,
  testJob,
  tickingClock,
  withJob,
} from "./support/job.ts";
import { EXPIRED, quiesce, runWhenDue, runWithFault } from "./support/retention.ts";
import {
  auditEvents,
  childCounts,
  createOrg,
  createSurvey,
  downloadable,
  existingObjects,
  mintJwt,
  outboxRows,
  reconcile,
  serviceClient,
  stack,
  surveyExists,
  uploadObjects,
} from "./support/stack.ts";

const ALMOST = "29 days 23 hours";
const PHASES = ["purge", "storage_removal", "audit_anchor"];

const scenario = jobScenarios({ job: retentionPurge, quiesce });

async function assertReconciled(sql: Sql, ...orgIds: string[]) {
  for (const orgId of orgIds) assert.deepEqual(await reconcile(sql, orgId), []);
}

scenario("refuses every caller that is not the scheduler or service role", async (sql, job) => {
  const org = await createOrg(sql);
  const survey = await createSurvey(sql, org, { deletedAgo: EXPIRED });
  const userJwt = await mintJwt({
    sub: crypto.randomUUID(),
    role: "authenticated",
    aud: "authenticated",
  });
  const forged = await mintJwt({ role: "service_role" }, "x".repeat(40));
  const expired = await mintJwt({ role: "service_role", exp: Math.floor(Date.now() / 1000) - 60 });

  const cases: [string, string | null, number][] = [
    ["no Authorization header", null, 401],
    ["garbage token", "not-a-token", 401],
    ["service_role claim signed with another secret", forged, 401],
    ["expired service_role JWT", expired, 401],
    ["anon key", stack.ANON_KEY, 403],
    ["signed-in user's JWT", userJwt, 403],
  ];
  await assertRefused(job, cases);

  assert.ok(await surveyExists(sql, survey.surveyId), "nothing purged");
  assert.deepEqual(await existingObjects(sql, survey.objectNames), survey.objectNames);
  assert.deepEqual(await auditEvents(sql, org, "survey.purged"), []);

  // A service_role JWT signed with the project's secret (not the exact key) is accepted.
  const serviceJwt = await mintJwt({ role: "service_role" });
  const ok = await call(job, { dry_run: true }, { token: serviceJwt });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.ok(await surveyExists(sql, survey.surveyId));
});

scenario("rejects a bad body with 400 naming the field, and changes nothing", async (sql, job) => {
  const org = await createOrg(sql);
  const survey = await createSurvey(sql, org, { deletedAgo: EXPIRED });
  const cases: [unknown, string][] = [
    [{ dry_run: "yes" }, "dry_run"],
    [{ dryRun: true }, "dryRun"],
  ];
  await assertBadBodies(job, cases);

  assert.ok(await surveyExists(sql, survey.surveyId));
  assert.deepEqual(await existingObjects(sql, survey.objectNames), survey.objectNames);
});

scenario(
  "never purges early: 29 days 23 hours, restored and live surveys stay",
  async (sql, job) => {
    const org = await createOrg(sql);
    const almost = await createSurvey(sql, org, { deletedAgo: ALMOST });
    const restored = await createSurvey(sql, org, { deletedAgo: "40 days" });
    await sql`update public.surveys set deleted_at = null where id = ${restored.surveyId}`;
    const live = await createSurvey(sql, org);
    const before = await childCounts(sql, org);

    const res = await callOk(job);
    assert.equal(res.totals.surveys_purged, 0);
    assert.equal(res.totals.objects_removed, 0);
    assert.deepEqual(await childCounts(sql, org), before);
    const all = [...almost.objectNames, ...restored.objectNames, ...live.objectNames].sort();
    assert.deepEqual(await existingObjects(sql, all), all);
    assert.deepEqual(await auditEvents(sql, org, "survey.purged"), []);
    await assertReconciled(sql, org);
  },
);

scenario(
  "purges expired surveys and their objects, audits, touches nothing else, and is idempotent",
  async (sql, job) => {
    const org = await createOrg(sql);
    const other = await createOrg(sql);
    const expired = await createSurvey(sql, org, {
      deletedAgo: EXPIRED,
      questions: 2,
      responses: 3,
    });
    const liveSameOrg = await createSurvey(sql, org);
    const otherOrgAlmost = await createSurvey(sql, other, { deletedAgo: ALMOST });
    const otherOrgLive = await createSurvey(sql, other);

    const res = await callOk(job, {});
    assertReport(res, "retention-purge", PHASES);
    assert.deepEqual(res.totals, {
      surveys_purged: 1,
      questions_deleted: 2,
      responses_deleted: 3,
      recordings_deleted: 6,
      transcripts_deleted: 6,
      batches: 1,
      objects_removed: 6,
      objects_failed: 0,
      remove_calls: 1,
      // The test jobs run without an anchor sink (audit_anchor_test.ts proves publishing).
      anchors_published: 0,
      anchors_failed: 0,
    });
    assert.equal(res.body.stopped_early, false);
    assert.ok(res.body.phases.every((p) => !p.stopped_early));
    assertStorageBacklogShape(res.storage);
    assert.deepEqual(await outboxRows(sql, org), [], "nothing of this org left pending");

    assert.equal(await surveyExists(sql, expired.surveyId), false);
    assert.deepEqual(await existingObjects(sql, expired.objectNames), []);
    const untouched = [
      ...liveSameOrg.objectNames,
      ...otherOrgAlmost.objectNames,
      ...otherOrgLive.objectNames,
    ].sort();
    assert.deepEqual(await existingObjects(sql, untouched), untouched);
    assert.deepEqual(await childCounts(sql, org), {
      surveys: 1,
      questions: 2,
      responses: 2,
      recordings: 4,
      transcripts: 4,
    });
    assert.equal((await childCounts(sql, other)).surveys, 2);

    const purged = await auditEvents(sql, org, "survey.purged");
    assert.equal(purged.length, 1);
    assert.equal(purged[0].target_id, expired.surveyId);
    assert.equal(purged[0].actor_job, "retention_purge");
    assert.deepEqual(purged[0].details, {
      questions: 2,
      responses: 3,
      recordings: 6,
      transcripts: 6,
    });
    const removed = await auditEvents(sql, org, "storage_object.removed");
    assert.deepEqual(
      removed.map((e) => e.target_id),
      expired.objectNames.map((n) => `recordings/${n}`),
    );
    assert.deepEqual(await auditEvents(sql, other, "survey.purged"), []);
    await assertReconciled(sql, org, other);

    // Second run: nothing left to do, nothing changes.
    const again = await callOk(job, {});
    assert.equal(again.totals.surveys_purged, 0);
    assert.equal(again.totals.objects_removed, 0);
    assert.equal(again.totals.objects_failed, 0);
    assert.equal(again.totals.batches, 0);
    assert.equal(again.totals.remove_calls, 0);
    assert.equal((await auditEvents(sql, org, "survey.purged")).length, 1);
    assert.equal((await auditEvents(sql, org, "storage_object.removed")).length, 6);
    assert.deepEqual(await existingObjects(sql, untouched), untouched);
  },
);

scenario(
  "an expired survey's whole folder leaves Storage, unreferenced objects too; a neighbour's stay",
  async (sql, job) => {
    const org = await createOrg(sql);
    const other = await createOrg(sql);
    const expired = await createSurvey(sql, org, {
      deletedAgo: EXPIRED,
      questions: 1,
      responses: 2,
    });
    const sid = expired.surveyId;
    const loose = () => `${crypto.randomUUID()}/${crypto.randomUUID()}.webm`;
    // In the expired survey's folder, beside its recordings' objects: an upload no recording
    // points at; the object a recording row was re-pointed away from (to a new object); and an
    // oddly named object a service wrote (its name must not reach the audit trail).
    const unreferenced = `${org}/${sid}/${loose()}`;
    const [repointed, kept] = expired.objectNames;
    const repointedTo = `${repointed.split("/").slice(0, 3).join("/")}/${crypto.randomUUID()}.webm`;
    const odd = `${org}/${sid}/Jane Doe.webm`;
    // Outside it: a live survey whose id differs from the expired one's only in its last
    // character, and the expired survey's id under another organisation's folder.
    const neighbourId = sid.slice(0, -1) + (sid.endsWith("0") ? "1" : "0");
    await sql`insert into public.surveys (id, org_id, title, slug)
              values (${neighbourId}, ${org}, 'Neighbour', ${"n-" + neighbourId})`;
    const neighbours = [`${org}/${neighbourId}/${loose()}`, `${other}/${sid}/${loose()}`].sort();
    await uploadObjects([unreferenced, repointedTo, odd, ...neighbours]);
    await sql`update public.recordings set object_path = ${repointedTo}
              where object_path = ${repointed}`;
    const gone = [kept, repointedTo, repointed, unreferenced, odd].sort();
    assert.deepEqual(await existingObjects(sql, gone), gone, "(fixture) all uploaded");

    const res = await callOk(job, {});
    assert.equal(res.totals.surveys_purged, 1);
    assert.equal(res.totals.recordings_deleted, 2);
    assert.equal(res.totals.objects_removed, gone.length, "every object in the folder was removed");
    assert.equal(res.totals.objects_failed, 0);
    assert.deepEqual(await outboxRows(sql, org), []);
    assert.deepEqual(await existingObjects(sql, gone), [], "the survey's folder is empty");
    for (const name of gone) assert.equal(await downloadable(name), false, name);
    assert.deepEqual(await existingObjects(sql, neighbours), neighbours, "the neighbours stay");
    for (const name of neighbours) assert.equal(await downloadable(name), true, name);
    assert.equal(await surveyExists(sql, neighbourId), true);

    // Each removal audited: ids-only names verbatim, the odd name only as a sha256.
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(odd)),
    );
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    const removed = await auditEvents(sql, org, "storage_object.removed");
    assert.deepEqual(
      removed.map((e) => e.target_id),
      [...gone.filter((n) => n !== odd).map((n) => `recordings/${n}`), `recordings/sha256:${hex}`]
        .sort(),
    );
    const [{ leaks }] = await sql<[{ leaks: number }]>`
      select count(*)::int as leaks from audit.events e
      where e.org_id = ${org} and e::text ~* 'jane'`;
    assert.equal(leaks, 0, "no audit event names Jane Doe");
    assert.deepEqual(await auditEvents(sql, other, "storage_object.removed"), []);
    // The neighbours are what they were: objects no recording row points at.
    assert.deepEqual(await reconcile(sql, org), [
      { problem: "orphan_object", object_name: neighbours.find((n) => n.startsWith(org))! },
    ]);
    assert.deepEqual(await reconcile(sql, other), [
      { problem: "orphan_object", object_name: neighbours.find((n) => n.startsWith(other))! },
    ]);
    // Leave the stack as found: the neighbours were this test's own fixtures.
    const { error } = await serviceClient().storage.from("recordings").remove(neighbours);
    assert.equal(error, null);
    assert.deepEqual(await existingObjects(sql, neighbours), []);
  },
);

scenario("dry run reports what would be purged and changes nothing", async (sql, job) => {
  const org = await createOrg(sql);
  const a = await createSurvey(sql, org, { deletedAgo: EXPIRED, questions: 1, responses: 2 });
  const b = await createSurvey(sql, org, { deletedAgo: "45 days", questions: 2, responses: 1 });
  await createSurvey(sql, org, { deletedAgo: ALMOST });
  const before = await childCounts(sql, org);

  const res = await callOk(job, { dry_run: true });
  assertReport(res, "retention-purge", ["preview"]);
  assert.deepEqual(res.totals, {
    surveys_due: 2,
    questions_due: 3,
    responses_due: 3,
    recordings_due: 4,
    transcripts_due: 4,
  }, "only the preview: nothing purged, nothing removed");
  assert.equal(typeof res.body.phases[0].details?.oldest_deleted_at, "string");
  assertStorageBacklogShape(res.storage);

  assert.deepEqual(await childCounts(sql, org), before);
  const names = [...a.objectNames, ...b.objectNames].sort();
  assert.deepEqual(await existingObjects(sql, names), names);
  assert.deepEqual(await auditEvents(sql, org, "survey.purged"), []);
});

scenario(
  "Storage unavailable (503): rows purged, objects kept pending with the error, removed later",
  { needs: "faults" },
  async (sql, job) => {
    const { org, survey, res } = await runWithFault(
      sql,
      job,
      {},
      () => ({ mode: "error", status: 503, message: "storage is down", times: 1 }),
    );
    assert.equal(res.status, 200, "one failure is not yet stuck");
    assert.equal(res.totals.surveys_purged, 1);
    assert.equal(res.totals.objects_removed, 0);
    assert.equal(res.totals.objects_failed, 4);
    assert.equal(res.totals.remove_calls, 1, "an unavailable Storage is not asked again");
    assert.equal(res.storage.pending, 4);
    assert.equal(res.storage.due, 0, "backoff: not due right away");
    assert.equal(await surveyExists(sql, survey.surveyId), false);
    assert.deepEqual(await existingObjects(sql, survey.objectNames), survey.objectNames);
    const pending = await outboxRows(sql, org);
    assert.equal(pending.length, 4);
    for (const row of pending) {
      assert.equal(row.attempts, 1);
      assert.match(row.last_error!, /503|storage is down/);
      assert.equal(row.leased_until, null);
    }
    assert.deepEqual(await auditEvents(sql, org, "storage_object.removed"), []);
    // Objects still pending removal are no orphans.
    await assertReconciled(sql, org);

    // Before the backoff elapses, a run leaves them alone.
    const early = await call(job);
    assert.equal(early.totals.objects_removed + early.totals.objects_failed, 0);

    const later = await runWhenDue(sql, job, org);
    assert.equal(later.status, 200);
    assert.equal(later.totals.objects_removed, 4);
    assert.deepEqual(await existingObjects(sql, survey.objectNames), []);
    assert.deepEqual(await outboxRows(sql, org), []);
    const removed = await auditEvents(sql, org, "storage_object.removed");
    assert.equal(removed.length, 4);
    assert.ok(removed.every((e) => e.details.attempts === 2));
    await assertReconciled(sql, org);
  },
);

scenario(
  "one object Storage refuses: only it stays pending, every other object of its batch leaves",
  { needs: "faults by name" },
  async (sql, job) => {
    const { org, survey, res } = await runWithFault(
      sql,
      job,
      { questions: 2, responses: 3 },
      ({ objectNames }) => ({ mode: "error", status: 500, name: objectNames[2], times: 100 }),
    );
    const refused = survey.objectNames[2];
    const others = survey.objectNames.filter((n) => n !== refused);
    assert.equal(res.status, 200, "one failure is not yet stuck");
    assert.equal(res.totals.objects_removed, 5);
    assert.equal(res.totals.objects_failed, 1);
    assert.ok(res.totals.remove_calls > 1, "the failed batch was split");
    assert.deepEqual(await existingObjects(sql, others), [], "every other object left");
    assert.deepEqual(await existingObjects(sql, [refused]), [refused]);
    const pending = await outboxRows(sql, org);
    assert.deepEqual(pending.map((r) => r.object_name), [refused]);
    assert.equal(pending[0].attempts, 1);
    assert.match(pending[0].last_error!, /500/);
    const removed = await auditEvents(sql, org, "storage_object.removed");
    assert.deepEqual(removed.map((e) => e.target_id), others.map((n) => `recordings/${n}`));
    await assertReconciled(sql, org);

    // Storage takes it once it can: removed by the next run after the backoff.
    await clearFaults();
    const later = await runWhenDue(sql, job, org);
    assert.equal(later.totals.objects_removed, 1);
    assert.equal(later.totals.objects_failed, 0);
    assert.deepEqual(await existingObjects(sql, survey.objectNames), []);
    assert.deepEqual(await outboxRows(sql, org), []);
    await assertReconciled(sql, org);
  },
);

scenario(
  "Storage failing every call: the split stops after a bounded number of calls",
  { needs: "faults" },
  async (sql, job) => {
    const { org, survey, res } = await runWithFault(
      sql,
      job,
      { questions: 4, responses: 4 },
      () => ({ mode: "error", status: 500, times: 1000 }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.totals.objects_removed, 0);
    assert.equal(res.totals.objects_failed, 16);
    // Isolating two failing names among 16 takes at most 2 * log2(16) + 1 failed calls; one
    // more without a single success means the failure is not about names. (Splitting all the
    // way down would take 31 calls.)
    assert.equal(res.totals.remove_calls, 10);
    const pending = await outboxRows(sql, org);
    assert.equal(pending.length, 16);
    assert.ok(pending.every((r) => r.attempts === 1 && /500/.test(r.last_error ?? "")));
    assert.deepEqual(await existingObjects(sql, survey.objectNames), survey.objectNames);
    await assertReconciled(sql, org);
  },
);

scenario(
  "partial remove: only the names Storage returned are settled, the rest retried",
  { needs: "faults" },
  async (sql, job) => {
    const { org, survey, res } = await runWithFault(
      sql,
      job,
      { questions: 2, responses: 3 },
      () => ({ mode: "partial", k: 2, times: 1 }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.totals.objects_removed, 2);
    assert.equal(res.totals.objects_failed, 4);
    const left = await existingObjects(sql, survey.objectNames);
    assert.equal(left.length, 4);
    const pending = await outboxRows(sql, org);
    assert.deepEqual(pending.map((r) => r.object_name), left, "pending = exactly what is left");
    assert.ok(pending.every((r) => r.last_error === "Storage did not confirm the removal"));
    assert.equal((await auditEvents(sql, org, "storage_object.removed")).length, 2);

    const later = await runWhenDue(sql, job, org);
    assert.equal(later.totals.objects_removed, 4);
    assert.deepEqual(await existingObjects(sql, survey.objectNames), []);
    assert.equal((await auditEvents(sql, org, "storage_object.removed")).length, 6);
    await assertReconciled(sql, org);
  },
);

scenario(
  "a hung Storage call is cut off by its timeout; the late delete is confirmed next run",
  { job: () => testJob(retentionPurge, { storageTimeoutMs: 1000 }), needs: "faults" },
  async (sql, job) => {
    const { org, survey, res, ms } = await runWithFault(
      sql,
      job,
      {},
      () => ({ mode: "hang", delayMs: 3000, then: "proceed", times: 1 }),
      { max_seconds: 30 },
    );
    assert.ok(ms < 2500, `bounded by the 1 s timeout, took ${ms.toFixed(0)} ms`);
    assert.equal(res.status, 200);
    assert.equal(res.totals.surveys_purged, 1);
    assert.equal(res.totals.objects_removed, 0);
    assert.equal(res.totals.objects_failed, 4);
    assert.equal(res.totals.remove_calls, 1, "no answer is not split into smaller calls");
    const pending = await outboxRows(sql, org);
    assert.ok(
      pending.every((r) => /abort|timed? ?out/i.test(r.last_error ?? "")),
      pending[0]?.last_error ?? "",
    );

    // The slow server still deletes after the client gave up.
    for (let i = 0; i < 50 && (await existingObjects(sql, survey.objectNames)).length; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await existingObjects(sql, survey.objectNames), []);
    assert.equal((await reconcile(sql, org)).length, 0, "queued, so not orphans");

    // remove() then returns nothing, but settle confirms they are gone from storage.objects.
    const later = await runWhenDue(sql, job, org);
    assert.equal(later.totals.objects_removed, 4);
    assert.deepEqual(await outboxRows(sql, org), []);
    assert.equal((await auditEvents(sql, org, "storage_object.removed")).length, 4);
    await assertReconciled(sql, org);
  },
);

scenario(
  "a job killed mid-batch leaves leases that expire and are picked up again",
  async (sql, job) => {
    const org = await createOrg(sql);
    const survey = await createSurvey(sql, org, { deletedAgo: EXPIRED });
    // The dead job: purged and claimed, then never called Storage nor settled.
    await sql`select private.retention_purge_batch(100, 'retention_purge')`;
    const claimed =
      await sql`select * from private.storage_removal_claim(1000, interval '5 minutes')`;
    assert.equal(claimed.length, 4);

    const during = await call(job);
    assert.equal(during.status, 200);
    assert.equal(during.totals.objects_removed, 0, "leased rows are not taken twice");
    assert.equal(during.storage.pending, 4);
    assert.deepEqual(await existingObjects(sql, survey.objectNames), survey.objectNames);

    await sql`update private.storage_removals set leased_until = now() - interval '1 second'
            where org_id = ${org}`;
    const after = await call(job);
    assert.equal(after.totals.objects_removed, 4);
    assert.deepEqual(await existingObjects(sql, survey.objectNames), []);
    assert.deepEqual(await outboxRows(sql, org), []);
    await assertReconciled(sql, org);
  },
);

scenario(
  "two invocations at once: every object removed once, no errors, no duplicate audit",
  async (sql, job) => {
    const orgs = [await createOrg(sql), await createOrg(sql)];
    const names: string[] = [];
    for (const org of orgs) {
      for (let i = 0; i < 4; i++) {
        names.push(...(await createSurvey(sql, org, { deletedAgo: EXPIRED })).objectNames);
      }
    }
    const [a, b] = await runConcurrently(job, { batch_size: 1 });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal(a.body.error, null);
    assert.equal(b.body.error, null);
    assert.equal(a.totals.surveys_purged + b.totals.surveys_purged, 8);
    assert.equal(a.totals.objects_removed + b.totals.objects_removed, 32);
    assert.equal(a.totals.objects_failed + b.totals.objects_failed, 0);
    assert.deepEqual(await existingObjects(sql, names), []);
    for (const org of orgs) {
      const purged = await auditEvents(sql, org, "survey.purged");
      assert.equal(purged.length, 4);
      assert.equal(new Set(purged.map((e) => e.target_id)).size, 4);
      const removed = await auditEvents(sql, org, "storage_object.removed");
      assert.equal(removed.length, 16);
      assert.equal(new Set(removed.map((e) => e.target_id)).size, 16);
    }
    await assertReconciled(sql, ...orgs);
  },
);

scenario(
  "a removal failing 5 times is reported as stuck with HTTP 500, never dropped",
  { needs: "faults" },
  async (sql, job) => {
    const first = await runWithFault(
      sql,
      job,
      { questions: 1, responses: 1 },
      () => ({ mode: "error", status: 500, times: 5 }),
    );
    const { org, survey } = first;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const res = attempt === 1 ? first.res : await runWhenDue(sql, job, org);
      const [row] = await outboxRows(sql, org);
      assert.equal(row.attempts, attempt);
      if (attempt < 5) {
        assert.equal(res.status, 200, `attempt ${attempt}`);
      } else {
        assert.equal(res.status, 500);
        assert.equal(res.body.ok, false);
        assert.match(res.body.error!, /1 Storage removal\(s\) failed 5 or more times/);
        assertReport(res, "retention-purge", PHASES);
        assert.equal(res.totals.objects_failed, 1);
        assert.equal(res.storage.stuck, 1);
        assert.equal(res.storage.pending, 1);
        assert.equal(typeof res.storage.oldest_enqueued_at, "string");
        assert.ok(!/\n\s+at /.test(res.body.error!), "no stack trace");
      }
    }
    assert.deepEqual(await existingObjects(sql, survey.objectNames), survey.objectNames);
    assert.deepEqual(await assertReconciled(sql, org), undefined);

    // Storage recovers: the stuck removal goes through and the job is healthy again.
    const healed = await runWhenDue(sql, job, org);
    assert.equal(healed.status, 200, JSON.stringify(healed.body));
    assert.equal(healed.body.error, null);
    assert.equal(healed.totals.objects_removed, 1);
    assert.equal(healed.storage.stuck, 0);
    assert.deepEqual(await existingObjects(sql, survey.objectNames), []);
    await assertReconciled(sql, org);
  },
);

scenario(
  "scale: 10,000 expired surveys purged over several bounded invocations",
  async (sql, _job) => {
    const org = await createOrg(sql);
    const total = 10_000;
    await sql`
    insert into public.surveys (org_id, title, slug, deleted_at)
    select ${org}, 'Bulk survey', 'bulk-' || g, now() - interval '31 days' - g * interval '1 second'
    from generate_series(1, ${total}::int) g`;
    await sql`
    insert into public.questions (org_id, survey_id, position, prompt)
    select org_id, id, 0, 'Question' from public.surveys where org_id = ${org}`;

    // The job's clock ticks 100 ms per reading, so each 1-second invocation runs out of budget
    // after the same few batches on any machine: batching and resumption, not speed, are tested.
    const started = performance.now();
    const runs: { purged: number; stopped: boolean; ms: number }[] = [];
    let purged = 0;
    await withJob(testJob(retentionPurge, { clock: tickingClock(100) }), async (bounded) => {
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        const res = await call(bounded, { max_seconds: 1, batch_size: 250 });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        runs.push({
          purged: res.totals.surveys_purged,
          stopped: res.body.stopped_early,
          ms: performance.now() - t,
        });
        purged += res.totals.surveys_purged;
        // Each invocation respects its budget: a few 250-survey batches, never the whole lot.
        assert.ok(
          res.totals.surveys_purged <= 1000,
          `invocation ${i} purged ${res.totals.surveys_purged} surveys in one budget`,
        );
        if (!res.body.stopped_early) break;
      }
    });
    const totalMs = performance.now() - started;
    console.log(
      `10k purge: ${runs.length} invocations, ${totalMs.toFixed(0)} ms total, ` +
        `per invocation ${runs.map((r) => `${r.purged}/${r.ms.toFixed(0)}ms`).join(", ")}`,
    );
    assert.ok(runs.length >= 3, "took several invocations");
    assert.ok(
      runs.slice(0, -1).every((r) => r.stopped),
      "every invocation but the last stopped early",
    );
    assert.equal(runs.at(-1)!.stopped, false);
    assert.equal(purged, total);
    assert.equal((await childCounts(sql, org)).surveys, 0);
    assert.equal((await childCounts(sql, org)).questions, 0);
    const [{ n }] = await sql<[{ n: number }]>`
    select count(*)::int as n from audit.events where org_id = ${org} and action = 'survey.purged'`;
    assert.equal(n, total);
  },
);
