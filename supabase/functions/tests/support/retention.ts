// Test support for the retention purge: bringing the shared stack to a known state, and the
// drivers of its multi-step scenarios (a run with a Storage fault armed, then a run once the
// backoff of the pending removals elapsed).
import type { Sql } from "../../_shared/db.ts";
import { retentionPurge } from "../../retention-purge/job.ts";
import { type FaultSpec, injectFault } from "./faults.ts";
import { call, type JobCall, runUntilDone, type TestJob } from "./job.ts";
import { createOrg, createSurvey, makeDue, type SeededSurvey } from "./stack.ts";

/** Soft-deleted long enough ago to be purged. */
export const EXPIRED = "30 days 1 minute";

/**
 * Brings the shared stack to a known state before a test: no expired surveys and no pending
 * removals (left over from an earlier, interrupted run), so counts are exact.
 */
export async function quiesce(sql: Sql): Promise<void> {
  await sql`update private.storage_removals
            set next_attempt_at = now() - interval '1 second', leased_until = null`;
  await runUntilDone(retentionPurge, { max_seconds: 120, batch_size: 1000 }, 50);
  // Whatever Storage still refuses to remove is not this test's business.
  await sql`delete from private.storage_removals`;
}

export interface FaultedRun {
  org: string;
  survey: SeededSurvey;
  res: JobCall;
  /** How long the run took, in milliseconds. */
  ms: number;
}

/**
 * A new organisation with one expired survey (questions x responses recordings), the fault
 * `fault(survey)` armed in Storage, and one run of the job with `body`.
 */
export async function runWithFault(
  sql: Sql,
  job: TestJob,
  size: { questions?: number; responses?: number },
  fault: (survey: SeededSurvey) => FaultSpec,
  body: unknown = {},
): Promise<FaultedRun> {
  const org = await createOrg(sql);
  const survey = await createSurvey(sql, org, { deletedAgo: EXPIRED, ...size });
  await injectFault(fault(survey));
  const started = performance.now();
  const res = await call(job, body);
  return { org, survey, res, ms: performance.now() - started };
}

/** The next run, once the org's pending removals are due again (their backoff elapsed). */
export async function runWhenDue(sql: Sql, job: TestJob, orgId: string): Promise<JobCall> {
  await makeDue(sql, orgId);
  return await call(job);
}
