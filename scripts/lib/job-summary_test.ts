// The human summary of `npm start` says exactly what the jobs' JSON reports say: every number
// it shows is the report's, every count it knows is one the jobs report, and nothing a person
// must act on (an error, a stop at the deadline, a queue left) is left out.
//   node_modules/.bin/deno test -A scripts/lib/job-summary_test.ts
import assert from "node:assert/strict";
import type { JobReport } from "../../supabase/functions/_shared/job/report.ts";
import { silentLogger } from "../../supabase/functions/_shared/logger.ts";
import { SINK_NOT_CONFIGURED } from "../../supabase/functions/_shared/job/audit-anchor.ts";
import type { ChainsVerdict } from "./audit-chains.ts";
import {
  BACKLOG_PHRASES,
  checkLines,
  COUNT_PHRASES,
  duration,
  humanSummary,
  jobLines,
  NO_SINK_NOTE,
  ranWithoutSink,
} from "./job-summary.ts";
import { JOBS, runLocalJob } from "./local-job.ts";

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The number the line gives for a phrase, or undefined when the line does not mention it. */
function shown(line: string, one: string, many: string): number | undefined {
  const match = new RegExp(`(\\d+) (?:${escape(many)}|${escape(one)})(?=,| \\(|$)`).exec(line);
  return match ? Number(match[1]) : undefined;
}

/** Every number of the job's line against its report. */
function assertLineMatchesReport(report: JobReport) {
  const [line, ...rest] = jobLines(report);
  for (const { count, one, many, always } of COUNT_PHRASES) {
    const n = report.totals[count];
    const expected = n === undefined || (n === 0 && !always) ? undefined : n;
    assert.equal(shown(line, one, many), expected, `${count} in: ${line}`);
  }
  for (const { monitor, field, one, many } of BACKLOG_PHRASES) {
    const n = report.backlog[monitor]?.[field] as number | undefined;
    assert.equal(shown(line, one, many), n ? n : undefined, `${monitor}.${field} in: ${line}`);
  }
  assert.ok(line.startsWith(`  ${report.job}  `), line);
  assert.match(line, new RegExp(report.ok ? " ok " : " FAILED "));
  assert.ok(line.endsWith(`(${duration(report.ms)})`), line);
  assert.equal(line.includes("stopped at its deadline"), report.stopped_early, line);
  assert.equal(line.includes(NO_SINK_NOTE), ranWithoutSink(report), line);
  assert.deepEqual(rest.map((l) => l.trim()), report.error === null ? [] : [report.error]);
}

function report(job: string, fields: Partial<JobReport>): JobReport {
  return {
    job,
    run_id: crypto.randomUUID(),
    ok: true,
    phases: [],
    totals: {},
    backlog: {},
    stopped_early: false,
    ms: 0,
    error: null,
    ...fields,
  };
}

const storage = (pending: number, stuck = 0) => ({
  storage_removals: { pending, due: 0, stuck, oldest_enqueued_at: null },
});
const anchors = (pending: number) => ({
  audit_anchors: {
    pending,
    oldest_pending_at: null,
    last_published_at: null,
    worst_error: null,
  },
});
const anchorPhase = (sink: string, published: number, failed: number) => ({
  name: "audit_anchor",
  counts: { anchors_published: published, anchors_failed: failed },
  stopped_early: false,
  ms: 4,
  details: { sink },
});

const examples: JobReport[] = [
  report("retention-purge", {
    totals: {
      surveys_purged: 3,
      questions_deleted: 6,
      responses_deleted: 9,
      recordings_deleted: 18,
      transcripts_deleted: 18,
      batches: 1,
      objects_removed: 18,
      objects_failed: 0,
      remove_calls: 1,
      anchors_published: 2,
      anchors_failed: 0,
    },
    phases: [anchorPhase("https://anchors.example", 2, 0)],
    backlog: { ...storage(0), ...anchors(0) },
    ms: 412,
  }),
  report("retention-purge", {
    ok: false,
    totals: {
      surveys_purged: 1,
      recordings_deleted: 1,
      objects_removed: 0,
      objects_failed: 1,
      anchors_published: 0,
      anchors_failed: 3,
    },
    phases: [anchorPhase("https://anchors.example", 0, 3)],
    backlog: { ...storage(1, 1), ...anchors(3) },
    ms: 1520,
    error: "1 Storage removal(s) failed 5 or more times; see private.storage_removal_backlog",
  }),
  report("retention-purge", {
    totals: { surveys_due: 2, questions_due: 3, recordings_due: 4 },
    backlog: storage(0),
    ms: 12,
  }),
  report("account-erasure", {
    totals: {
      accounts_erased: 1,
      steps: 6,
      requests_failed: 1,
      objects_removed: 7,
      anchors_published: 0,
    },
    phases: [anchorPhase(SINK_NOT_CONFIGURED, 0, 0)],
    backlog: {
      account_erasures: { open: 2, in_progress: 1, overdue: 0, oldest_due_at: null },
      ...storage(3),
      ...anchors(5),
    },
    stopped_early: true,
    ms: 240_000,
  }),
  report("account-erasure", {
    ok: false,
    phases: [{ name: "erase", counts: { accounts_erased: 0 }, stopped_early: false, ms: 3 }],
    totals: { accounts_erased: 0 },
    ms: 3,
    error: "08006: connection terminated",
  }),
];

Deno.test("each job's line gives exactly the numbers of its report", () => {
  for (const example of examples) assertLineMatchesReport(example);
});

Deno.test("a run without an anchor sink says so, and what it left queued", () => {
  const [line] = jobLines(examples[3]);
  assert.match(line, /0 audit anchors published, /);
  assert.match(line, /5 audit anchors queued, /);
  assert.match(line, /audit anchors not sent: AUDIT_ANCHOR_URL is not set/);
  assert.doesNotMatch(jobLines(examples[0])[0], /not sent/);
});

const verdict = (fields: Partial<ChainsVerdict>): ChainsVerdict => ({
  against: "anchor_sink",
  verified: 0,
  broken: 0,
  anchored_heads: 0,
  unanchored: 0,
  broken_chains: [],
  ...fields,
});

Deno.test("the audit chains line says what the chains were verified against", () => {
  const line = (audit_chains: Parameters<typeof checkLines>[0]["audit_chains"]) =>
    checkLines({ audit_chains, recordings_reconciliation: { problems: 0 } })[0];
  assert.equal(
    line(verdict({ verified: 3, broken: 1, anchored_heads: 7, unanchored: 2 })),
    "  audit chains: 3 verified against 7 anchored heads from the sink, 1 broken, " +
      "2 unanchored for over an hour",
  );
  assert.equal(
    line(verdict({ verified: 1, anchored_heads: 1 })),
    "  audit chains: 1 verified against 1 anchored head from the sink, 0 broken, " +
      "0 unanchored for over an hour",
  );
  assert.equal(
    line(verdict({ against: "self", verified: 2 })),
    "  audit chains: 2 verified, 0 broken (each against itself only: no anchor sink configured)",
  );
  assert.equal(
    line({ error: "the anchor sink at https://a.example answered HTTP 503 for its heads" }),
    "  audit chains: NOT verified: the anchor sink at https://a.example answered HTTP 503 " +
      "for its heads",
  );
});

Deno.test("the summary lists every job, then the checks, then where to look next", () => {
  const checks = {
    audit_chains: verdict({ verified: 4, broken: 1, anchored_heads: 6 }),
    recordings_reconciliation: { problems: 2 },
  };
  const text = humanSummary(examples.slice(0, 2), checks).split("\n");
  assert.equal(text[0], "Jobs (one run each, as the scheduler runs them):");
  const checksAt = text.indexOf("Checks:");
  const nextAt = text.indexOf("Next:");
  assert.ok(checksAt > 2 && nextAt > checksAt, text.join("\n"));
  assert.deepEqual(text.slice(checksAt + 1, nextAt), checkLines(checks));
  assert.deepEqual(text.slice(checksAt + 1, nextAt), [
    "  audit chains: 4 verified against 6 anchored heads from the sink, 1 broken, " +
    "0 unanchored for over an hour",
    "  recordings reconciliation: 2 problems",
  ]);
  assert.ok(text.slice(nextAt + 1).some((l) => l.includes('README.md, "Monitoring"')));
  assert.ok(text.slice(nextAt + 1).some((l) => l.includes("npm start -- --json")));
  // The job names are padded to one width, so the status column lines up.
  const statusColumns = text.slice(1, checksAt).filter((l) => /\b(ok|FAILED)\b/.test(l))
    .map((l) => l.search(/\b(ok|FAILED)\b/));
  assert.equal(new Set(statusColumns).size, 1, text.join("\n"));
});

Deno.test({
  name: "the lines of real runs of every job match their JSON reports",
  // postgres.js keeps idle timers after its pools are closed.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const reports: JobReport[] = [];
    for (const job of JOBS.values()) {
      reports.push((await runLocalJob(job, "", silentLogger)).report);
    }
    const dryRun = await runLocalJob(
      JOBS.get("retention-purge")!,
      '{"dry_run": true}',
      silentLogger,
    );
    reports.push(dryRun.report);
    for (const r of reports) {
      assert.equal(typeof r.run_id, "string", JSON.stringify(r));
      assertLineMatchesReport(r);
    }
    // Every count and queue the summary knows is one a job reports: none was renamed away.
    const counts = new Set(reports.flatMap((r) => Object.keys(r.totals)));
    for (const { count } of COUNT_PHRASES) assert.ok(counts.has(count), count);
    for (const { monitor, field } of BACKLOG_PHRASES) {
      assert.ok(reports.some((r) => field in (r.backlog[monitor] ?? {})), `${monitor}.${field}`);
    }
  },
});
