// Test support for the retention purge: the handler wired to the stack like the deployed
// function (see job.ts for what the two jobs share), and bringing the stack to a known state.
import type { Sql } from "../../_shared/db.ts";
import {
  createRetentionPurgeHandler,
  type RetentionPurgeResult,
} from "../../retention-purge/handler.ts";
import {
  assertSummaryShape,
  type CallInit,
  callJob,
  drainJob,
  type Job,
  type JobOptions,
  stackJob,
} from "./job.ts";
import { clearFaults } from "./stack.ts";

/** The retention purge wired to the stack as in production, with its own connection pool. */
export function retentionPurgeJob(options: JobOptions = {}): Job {
  return stackJob("retention-purge", createRetentionPurgeHandler, options);
}

export const call = (job: Job, body?: unknown, init?: CallInit) =>
  callJob<RetentionPurgeResult>(job.handler, "retention-purge", body, init);

// The backlog is global; other work on the shared stack may add to it, so only its shape and
// the test's own outbox rows are asserted exactly.
export function assertBacklogShape(backlog: unknown) {
  assertSummaryShape(backlog, ["pending", "due", "stuck"], ["oldest_enqueued_at"]);
}

/**
 * Brings the shared stack to a known state before a test: no faults, no expired surveys and
 * no pending removals (left over from an earlier, interrupted run), so counts are exact.
 */
export async function quiesce(sql: Sql): Promise<void> {
  await clearFaults();
  await sql`update private.storage_removals
            set next_attempt_at = now() - interval '1 second', leased_until = null`;
  await drainJob(
    retentionPurgeJob(),
    "retention-purge",
    { max_seconds: 120, batch_size: 1000 },
    50,
  );
  // Whatever Storage still refuses to remove is not this test's business.
  await sql`delete from private.storage_removals`;
}
