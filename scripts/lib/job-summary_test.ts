// The human summary of `npm start` says exactly what the jobs' JSON reports say: every number
// it shows is the report's, every count it knows is one the jobs report, and nothing a person
// must act on (an error, a stop at the deadline, a queue left) is left out.
//   node_modules/.bin/deno test -A scripts/lib/job-summary_test.ts
import assert from "node:assert/strict";
import type { JobReport } from "../../supabase/functions/_shared/job/report.ts";
import { silentLogger } from "../../supabase/functions/_shared/logger.ts";
import {
  BACKLOG_PHRASES,
  checkLines,
  COUNT_PHRASES,
  duration,
  humanSummary,
  jobLines,
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
    },
    backlog: storage(0),
    ms: 412,
  }),
  report("retention-purge", {
    ok: false,
    totals: { surveys_purged: 1, recordings_deleted: 1, objects_removed: 0, objects_failed: 1 },
    backlog: storage(1, 1),
    ms: 1520,
    error: "1 Storage removal(s) failed 5 or more times; see private.storage_removal_backlog",
  }),
  report("retention-purge", {
    totals: { surveys_due: 2, questions_due: 3, recordings_due: 4 },
    backlog: storage(0),
    ms: 12,
  }),
  report("account-erasure", {
    totals: { accounts_erased: 1, steps: 6, requests_failed: 1, objects_removed: 7 },
    backlog: {
      account_erasures: { open: 2, in_progress: 1, overdue: 0, oldest_due_at: null },
      ...storage(3),
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

Deno.test("the summary lists every job, then the checks, then where to look next", () => {
  const checks = {
    audit_chains: { verified: 4, broken: 1 },
    recordings_reconciliation: { problems: 2 },
  };
  const text = humanSummary(examples.slice(0, 2), checks).split("\n");
  assert.equal(text[0], "Jobs (one run each, as the scheduler runs them):");
  const checksAt = text.indexOf("Checks:");
  const nextAt = text.indexOf("Next:");
  assert.ok(checksAt > 2 && nextAt > checksAt, text.join("\n"));
  assert.deepEqual(text.slice(checksAt + 1, nextAt), checkLines(checks));
  assert.deepEqual(text.slice(checksAt + 1, nextAt), [
    "  audit chains: 4 verified, 1 broken",
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
