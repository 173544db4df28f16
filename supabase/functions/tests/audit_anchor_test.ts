// Integration tests of audit anchoring (docs/AUDIT.md, "Anchoring") against the stack: the last
// phase of every job publishes the chain heads queued in private.audit_anchors to the external
// sink (AUDIT_ANCHOR_URL), keeps them queued with their error and a backoff while the sink is
// unreachable, publishes each exactly once when it is back, and the sink's heads catch an insider
// who takes the audit owner role and rewinds a chain inside the database. Tests that need the
// sink are ignored, with the reason printed, where none is configured.
//   node_modules/.bin/deno test -A supabase/functions/tests/audit_anchor_test.ts
import assert from "node:assert/strict";
import type { Sql } from "../_shared/db.ts";
import { SINK_NOT_CONFIGURED } from "../_shared/job/audit-anchor.ts";
import { accountErasure } from "../account-erasure/job.ts";
import { retentionPurge } from "../retention-purge/job.ts";
import { type Digest, verifyAuditChains } from "../../../scripts/lib/audit-chains.ts";
import {
  anchoredJob,
  type AnchorNeed,
  anchorsAfter,
  anchorsUnavailable,
  chainHeads,
  type HeadRow,
  makeAnchorsDue,
  maxAnchorId,
  pendingAnchorCount,
  sinkDigest,
  sinkHeads,
  sinkSettings,
  stackSink,
  storedIdCounts,
  unreachableUrl,
} from "./support/anchors.ts";
import {
  assertReport,
  call,
  callOk,
  failingCall,
  jobScenarios,
  type ScenarioFn,
  type TestJob,
  withJob,
} from "./support/job.ts";
import { EXPIRED, quiesce } from "./support/retention.ts";
import { createOrg, createSurvey } from "./support/stack.ts";

const PHASES = ["purge", "storage_removal", "audit_anchor"];

/**
 * The retention purge's known state, then nothing left to anchor: every queued anchor (other
 * suites' jobs run without a sink) is published, so each test counts only its own.
 */
async function quiesceAnchors(sql: Sql): Promise<void> {
  await quiesce(sql);
  if (anchorsUnavailable.sink) return;
  await makeAnchorsDue(sql);
  await withJob(anchoredJob(retentionPurge, stackSink()), (job) => callOk(job));
  assert.equal(await pendingAnchorCount(sql), 0, "every queued anchor published before the test");
}

const scenario = jobScenarios({ job: retentionPurge, quiesce: quiesceAnchors });

/** A scenario with the retention purge publishing to the stack's sink, ignored without one. */
function anchorScenario(
  name: string,
  need: AnchorNeed,
  fn: ScenarioFn,
  job: () => TestJob = () => anchoredJob(retentionPurge, stackSink()),
) {
  const missing = anchorsUnavailable[need];
  if (missing) {
    console.warn(`ignored "${name}": it needs the anchor ${need}; ${missing}`);
    Deno.test({ name, ignore: true, fn() {} });
    return;
  }
  scenario(name, { job }, fn);
}

/** Organisations with one expired survey each (questions x responses recordings). */
async function orgsWithExpiredSurveys(sql: Sql, n: number, responses = 2): Promise<string[]> {
  const orgs: string[] = [];
  for (let i = 0; i < n; i++) {
    const org = await createOrg(sql);
    await createSurvey(sql, org, { deletedAgo: EXPIRED, questions: 1, responses });
    orgs.push(org);
  }
  return orgs.sort();
}

const sinkOrigin = () => new URL(sinkSettings!.url).origin;

anchorScenario(
  "every run publishes the queued anchors last; the sink's heads are the chains' heads",
  "sink",
  async (sql, job) => {
    const orgs = await orgsWithExpiredSurveys(sql, 2);
    const before = await maxAnchorId(sql);

    const res = await callOk(job);
    assertReport(res, "retention-purge", PHASES);
    assert.equal(res.totals.surveys_purged, 2);
    assert.equal(res.totals.objects_removed, 4);
    // One anchor per audited statement: the purge batch, then the confirmed removals.
    const queued = await anchorsAfter(sql, before);
    assert.ok(queued.length >= 2, JSON.stringify(queued));
    assert.deepEqual(queued.filter((a) => !a.published), [], "every anchor of the run published");
    assert.equal(res.totals.anchors_published, queued.length);
    assert.equal(res.totals.anchors_failed, 0);
    assert.deepEqual(res.body.phases.at(-1)?.details, { sink: sinkOrigin() });
    assert.equal(res.body.backlog.audit_anchors.pending, 0);

    // Each chain touched: one survey.purged and two storage_object.removed events, anchored.
    const heads = await chainHeads(sql, orgs);
    assert.deepEqual(heads.map((h) => h.seq), [3, 3]);
    assert.deepEqual(await sinkHeads(orgs), heads);
    const verdict = await verifyAuditChains(sql, await sinkDigest());
    assert.deepEqual(verdict.broken_chains.filter((c) => orgs.includes(c.chain_id)), []);

    // Nothing new, nothing sent.
    const afterRun = await maxAnchorId(sql);
    const idle = await callOk(job);
    assert.equal(idle.totals.anchors_published, 0);
    assert.deepEqual(await anchorsAfter(sql, afterRun), [], "an idle run queues nothing");

    // The account erasure ends with the same phase: an audited statement between two runs
    // is anchored by whichever job runs next.
    const [org] = orgs;
    const beforeErasure = await maxAnchorId(sql);
    await sql`select audit.record_event('survey.soft_deleted', ${org}, 'public.surveys',
      ${crypto.randomUUID()}, 'user_request', p_actor_job => 'anchor_test')`;
    // Its answer is the erasure queue's business (a request left overdue makes it 500).
    const erasure = await withJob(
      anchoredJob(accountErasure, stackSink()),
      (erasureJob) => call(erasureJob),
    );
    assertReport(erasure, "account-erasure", ["erase", "storage_removal", "audit_anchor"]);
    // That statement's anchor, and any of requests the erasure worked on meanwhile.
    const sinceErasure = await anchorsAfter(sql, beforeErasure);
    assert.ok(sinceErasure.length >= 1 && sinceErasure.every((a) => a.published));
    assert.equal(erasure.totals.anchors_published, sinceErasure.length);
    assert.deepEqual(await sinkHeads([org]), await chainHeads(sql, [org]));
    assert.equal((await chainHeads(sql, [org]))[0].seq, 4);
  },
);

anchorScenario(
  "an unreachable sink: anchors stay queued with the error and a backoff; back, each is published once",
  "sink stand-in",
  async (sql) => {
    const orgs = await orgsWithExpiredSurveys(sql, 2);
    const before = await maxAnchorId(sql);
    // A credential in the URL's query and the token must never reach the error kept or reported.
    const down = stackSink({ url: unreachableUrl("/anchors?key=SECRET-IN-URL"), token: "TOKEN-X" });

    const res = await withJob(anchoredJob(retentionPurge, down), (job) => call(job));
    // The deletions happened and are in the trail: the run is ok and says what it could not do.
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.totals.surveys_purged, 2);
    const phase = res.body.phases.at(-1)!;
    assert.equal(phase.name, "audit_anchor");
    const queued = await anchorsAfter(sql, before);
    // Each chain's heads (the purge's, then the removals') wait as one coalesced anchor.
    assert.equal(queued.length, orgs.length);
    assert.deepEqual(phase.counts, { anchors_published: 0, anchors_failed: queued.length });
    const error = String(phase.details?.error);
    assert.match(error, /^anchor sink unreachable: .*(refused|connect)/i);
    assert.doesNotMatch(error, /SECRET-IN-URL|TOKEN-X/);
    assert.equal(res.body.backlog.audit_anchors.pending, queued.length);
    for (const anchor of queued) {
      assert.equal(anchor.published, false);
      assert.equal(anchor.attempts, 1);
      assert.equal(anchor.last_error, error);
      assert.equal(anchor.leased, false);
      assert.ok(anchor.due_in_s > 20 && anchor.due_in_s <= 30, `backoff ${anchor.due_in_s} s`);
    }
    const [health] = await sql<[{ ok: boolean; detail: { pending: number; worst_error: string } }]>`
      select ok, detail from private.job_health() where check_name = 'audit_anchors_published'`;
    assert.equal(health.ok, true, "red only once an anchor has waited an hour");
    assert.equal(health.detail.worst_error, error);

    // The sink is back, but the backoff has not run out: nothing is sent.
    const early = await withJob(anchoredJob(retentionPurge, stackSink()), (job) => callOk(job));
    assert.equal(early.totals.anchors_published, 0);
    assert.ok((await anchorsAfter(sql, before)).every((a) => !a.published));

    // Due again; the sink stores them but the run dies before recording that (a lost answer).
    await makeAnchorsDue(sql);
    const lost = await withJob(
      anchoredJob(retentionPurge, stackSink(), { wrapSql: failingCall("audit_anchor_settle", {}) }),
      (job) => call(job),
    );
    assert.equal(lost.status, 500);
    assert.match(lost.body.error ?? "", /injected/);
    const stored = [...(await storedIdCounts(queued[0].id)).keys()].sort((a, b) => a - b);
    assert.deepEqual(stored, queued.map((a) => a.id));
    assert.ok((await anchorsAfter(sql, before)).every((a) => !a.published && a.leased));

    // The lease runs out: the next run sends them again, and the sink keeps one copy of each.
    await makeAnchorsDue(sql);
    const back = await withJob(anchoredJob(retentionPurge, stackSink()), (job) => callOk(job));
    assert.equal(back.totals.anchors_published, queued.length);
    assert.equal(back.totals.anchors_failed, 0);
    const after = await anchorsAfter(sql, before);
    assert.ok(after.every((a) => a.published && a.last_error === null), JSON.stringify(after));
    assert.deepEqual([...(await storedIdCounts(queued[0].id)).values()], queued.map(() => 1));
    assert.deepEqual(await sinkHeads(orgs), await chainHeads(sql, orgs));
  },
);

anchorScenario(
  "a sink refusing the token: HTTP 401 is kept as the error, with no secret in it",
  "sink",
  async (sql) => {
    await orgsWithExpiredSurveys(sql, 1);
    const before = await maxAnchorId(sql);
    const refusing = stackSink({ token: "WRONG-TOKEN" });
    const res = await withJob(anchoredJob(retentionPurge, refusing), (job) => call(job));
    assert.equal(res.status, 200);
    const phase = res.body.phases.at(-1)!;
    assert.equal(phase.details?.error, "anchor sink answered HTTP 401");
    const queued = await anchorsAfter(sql, before);
    assert.ok(queued.length >= 1);
    assert.equal(phase.counts.anchors_failed, queued.length);
    assert.ok(
      queued.every((a) => !a.published && a.last_error === "anchor sink answered HTTP 401"),
    );
  },
);

scenario(
  "without AUDIT_ANCHOR_URL the phase says so and every anchor stays queued",
  { job: () => anchoredJob(retentionPurge, null) },
  async (sql, job) => {
    const [org] = await orgsWithExpiredSurveys(sql, 1);
    const before = await maxAnchorId(sql);
    const res = await callOk(job);
    assertReport(res, "retention-purge", PHASES);
    assert.equal(res.totals.surveys_purged, 1);
    const phase = res.body.phases.at(-1)!;
    assert.deepEqual(phase.details, { sink: SINK_NOT_CONFIGURED });
    assert.deepEqual(phase.counts, { anchors_published: 0, anchors_failed: 0 });
    const queued = await anchorsAfter(sql, before);
    // The purge's and the removals' heads of one chain wait as one coalesced anchor.
    assert.equal(queued.length, 1);
    assert.ok(queued.every((a) => !a.published && a.attempts === 0 && a.last_error === null));
    assert.ok(Number(res.body.backlog.audit_anchors.pending) >= queued.length);
    if (!anchorsUnavailable.sink) {
      assert.notDeepEqual(await sinkHeads([org]), await chainHeads(sql, [org]), "not anchored");
    }
  },
);

/** Thrown to roll the insider's transaction back: the trail stays whole for every other test. */
class RollBack extends Error {}

async function verdictOf(sql: Sql, chainId: string, digest: Digest | null) {
  const text = digest === null ? null : JSON.stringify(digest);
  const [row] = await sql<[{ ok: boolean; broken_at_seq: number | null; problem: string | null }]>`
    select ok, broken_at_seq::int, problem from audit.verify_chains(${text}::text::jsonb)
    where chain_id = ${chainId}`;
  return { ...row };
}

async function ownerUnused(sql: Sql) {
  const [row] = await sql<[{ ok: boolean; detail: { members: string[] } }]>`
    select ok, detail from private.job_health() where check_name = 'audit_owner_unused'`;
  return { ...row };
}

/** The digest with `chainId`'s entries replaced by `head`: the sink after the head is anchored. */
function withHead(digest: Digest, chainId: string, head: HeadRow, keepOlder: boolean): Digest {
  const others = digest.chains.filter((h) => keepOlder || h.chain_id !== chainId);
  return { chains: [...others, head] };
}

anchorScenario(
  "the insider: postgres takes the owner role and rewinds a chain; the sink's heads catch it",
  "sink",
  async (sql, job) => {
    const [org] = await orgsWithExpiredSurveys(sql, 1, 4);
    await callOk(job);
    const [anchored] = await chainHeads(sql, [org]);
    assert.equal(anchored.seq, 5, "one survey.purged and four storage_object.removed events");
    assert.deepEqual(await sinkHeads([org]), [anchored]);
    const latest = await sinkDigest(false);
    const all = await sinkDigest(true);
    const keep = anchored.seq - 2;

    await assert.rejects(
      sql.begin(async (tx) => {
        const t = tx as unknown as Sql;
        // What `postgres` (CREATEROLE) can do alone, in one transaction.
        await t`grant cluso_audit_owner to postgres`;
        await t`set local role cluso_audit_owner`;
        await t`alter table audit.events disable trigger user`;
        await t`alter table audit.chain_heads disable trigger user`;
        await t`delete from audit.events where chain_id = ${org} and seq > ${keep}`;
        await t`update audit.chain_heads h set seq = e.seq, hash = e.hash
                from audit.events e
                where h.chain_id = ${org} and e.chain_id = h.chain_id and e.seq = ${keep}`;
        await t`alter table audit.events enable trigger user`;
        await t`alter table audit.chain_heads enable trigger user`;
        await t`reset role`;

        // Consistent in itself: self-verification sees nothing.
        assert.deepEqual(await verdictOf(t, org, null), {
          ok: true,
          broken_at_seq: null,
          problem: null,
        });
        // Against the sink's latest heads (or every head), the removed events show.
        const gone = {
          ok: false,
          broken_at_seq: keep + 1,
          problem: "the exported head is gone (events removed or chain truncated)",
        };
        assert.deepEqual(await verdictOf(t, org, latest), gone);
        assert.deepEqual(await verdictOf(t, org, all), gone);
        const verdict = await verifyAuditChains(t, all);
        assert.deepEqual(verdict.broken_chains.map((c) => c.chain_id), [org]);
        // And job health shows who holds the owner role, until it is given back.
        assert.deepEqual(await ownerUnused(t), { ok: false, detail: { members: ["postgres"] } });

        // Extended past the old head in one call, the rewound chain gets a new latest head:
        // once that is anchored, the latest heads alone no longer show the rewrite, every
        // anchored head still does (why scripts/audit-verify.ts checks them all).
        await t`select count(*) from audit.record_events('survey.restored', 'public.surveys',
          'user_request', array[${org}, ${org}, ${org}]::uuid[], array['a', 'b', 'c'],
          p_actor_job => 'insider')`;
        const [forged] = await chainHeads(t, [org]);
        assert.equal(forged.seq, anchored.seq + 1);
        assert.equal((await verdictOf(t, org, withHead(latest, org, forged, false))).ok, true);
        assert.deepEqual(await verdictOf(t, org, withHead(all, org, forged, true)), {
          ok: false,
          broken_at_seq: anchored.seq,
          problem: "the exported head no longer matches (chain rewritten)",
        });
        throw new RollBack();
      }),
      RollBack,
    );

    // Rolled back: the chain and the role are as they were.
    assert.deepEqual(await chainHeads(sql, [org]), [anchored]);
    assert.equal((await verdictOf(sql, org, all)).ok, true);
    assert.deepEqual(await ownerUnused(sql), { ok: true, detail: { members: [] } });
  },
);
