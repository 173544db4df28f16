// Every job's first closing phase (closing.ts): drain private.storage_removals, the durable
// outbox of Storage objects whose rows were permanently deleted (retention purge, organisation
// deletion, account erasure). Claim (lease) -> remove() through the Storage API -> settle. Settle marks removed
// only what remove() returned, or what is already gone from storage.objects; everything else is
// retried by the database with backoff, keeping the error. A job killed mid-call leaves leased
// rows, which become due again when the lease expires. No state lives in this process.
//
// One object Storage refuses to remove fails its whole remove() call. When Storage answers a
// call with an error, the call's names are split in halves, down to single names, so only the
// names that fail alone are settled as failed and every other object still leaves. Without an
// answer (timeout, network) or with one saying Storage is unavailable, the drain stops instead:
// claiming more would only burn every row's attempts.
import { z } from "zod";
import { type Sql, withRetry } from "../db.ts";
import type { Deadline } from "../deadline.ts";
import { callRows, callValue, type RowOf } from "../private-functions.ts";
import type { Monitor, Phase, PhaseRun } from "./define.ts";
import { leaseFor } from "./lease.ts";

/** At most 1000 names per remove() call: the Storage API's limit. */
export const REMOVE_LIMIT = 1000;
/** Time kept for settling after a remove() call, so its answer is recorded before the deadline. */
const SETTLE_RESERVE_MS = 500;
/** A remove() call given less than this is not worth starting. */
const MIN_CALL_MS = 500;

type Claimed = RowOf<"storage_removal_claim">;
type Count = "objects_removed" | "objects_failed" | "remove_calls";
type Run = PhaseRun<unknown, Count>;
type BatchOutcome = "done" | "unavailable" | "out_of_time";

const Settled = z.object({ removed: z.number(), failed: z.number() });
const Status = z.object({
  pending: z.number(),
  due: z.number(),
  stuck: z.number(),
  oldest_enqueued_at: z.string().nullable(),
});

export const storageRemovalPhase: Phase<unknown, Count> = {
  name: "storage_removal",
  counts: ["objects_removed", "objects_failed", "remove_calls"],
  // A quarter of the budget (at most a minute), so the objects of rows deleted earlier in the
  // run still leave Storage in this run.
  reserveMs: (budgetMs) => Math.min(budgetMs * 0.25, 60_000),
  run: drain,
};

/** The removal backlog; a removal failing 5 or more times makes the run fail. */
export const storageRemovalMonitor: Monitor = {
  name: "storage_removals",
  async read(sql) {
    const summary = await status(sql);
    const problems = summary.stuck > 0
      ? [
        `${summary.stuck} Storage removal(s) failed 5 or more times; ` +
        "see private.storage_removal_backlog",
      ]
      : [];
    return { summary, problems };
  },
};

async function status(sql: Sql) {
  return Status.parse(await callValue(sql, "storage_removal_status", {}));
}

function callBudgetMs(run: Run): number {
  return Math.min(run.deps.storageTimeoutMs, run.deadline.remainingMs() - SETTLE_RESERVE_MS);
}

/** Removes due objects until none is due, Storage is unavailable, or the deadline nears. */
async function drain(run: Run) {
  for (;;) {
    if (callBudgetMs(run) < MIN_CALL_MS) {
      return { stoppedEarly: (await status(run.deps.sql)).due > 0 };
    }
    const claimed = await claim(run.deps.sql, run.runDeadline);
    if (claimed.length === 0) return {};
    const outcomes: BatchOutcome[] = [];
    for (const [bucket, rows] of groupByBucket(claimed)) {
      outcomes.push(await removeIsolatingFailures(run, bucket, rows));
    }
    if (outcomes.includes("out_of_time")) return { stoppedEarly: true };
    if (outcomes.includes("unavailable") || claimed.length < REMOVE_LIMIT) return {};
  }
}

async function claim(sql: Sql, runDeadline: Deadline): Promise<Claimed[]> {
  // The lease outlives every call and settle of this run; if the process dies, the rows
  // come back soon after.
  return await withRetry(() =>
    callRows(sql, "storage_removal_claim", {
      p_limit: REMOVE_LIMIT,
      p_lease: leaseFor(runDeadline),
    })
  );
}

function groupByBucket(rows: Claimed[]): Map<string, Claimed[]> {
  const groups = new Map<string, Claimed[]>();
  for (const row of rows) {
    const group = groups.get(row.bucket_id);
    if (group) group.push(row);
    else groups.set(row.bucket_id, [row]);
  }
  return groups;
}

/**
 * Calls remove() on `rows`, splitting a batch Storage answers with an error into halves until
 * the failing names stand alone. Gives up on splitting (settling what is left as failed) when
 * Storage is unavailable, or when not one call has succeeded after more failures than isolating
 * two bad names would take: then the error is not about particular names. Rows left unsettled
 * at the deadline stay leased and come back when the lease expires.
 */
async function removeIsolatingFailures(
  run: Run,
  bucket: string,
  rows: Claimed[],
): Promise<BatchOutcome> {
  const pending: Claimed[][] = [rows];
  const maxFailuresWithoutSuccess = 2 * Math.ceil(Math.log2(rows.length)) + 1;
  let failures = 0;
  let successes = 0;
  for (let batch = pending.pop(); batch; batch = pending.pop()) {
    const callMs = callBudgetMs(run);
    if (callMs < MIN_CALL_MS) return "out_of_time";
    const names = batch.map((r) => r.object_name);
    const result = await run.deps.removeObjects(bucket, names, AbortSignal.timeout(callMs));
    run.count("remove_calls");
    if (result.error === null) {
      successes++;
      // Only names that were asked for count, whatever else the answer may contain.
      const asked = new Set(names);
      await settle(run, batch, result.removed.filter((n) => asked.has(n)), null);
      continue;
    }
    failures++;
    const givingUp = result.unavailable ||
      (successes === 0 && failures > maxFailuresWithoutSuccess);
    if (batch.length === 1 || givingUp) {
      await settle(run, batch, [], result.error);
    }
    if (givingUp) {
      run.logger.warn("storage remove failed; will retry with backoff", {
        bucket,
        names: names.length,
        error: result.error,
      });
      for (let rest = pending.pop(); rest; rest = pending.pop()) {
        await settle(run, rest, [], result.error);
      }
      return "unavailable";
    }
    if (batch.length === 1) {
      run.logger.warn("storage refused to remove an object; will retry with backoff", {
        bucket,
        error: result.error,
      });
    } else {
      // Popped last-in first-out: the first half goes next.
      const half = Math.ceil(batch.length / 2);
      pending.push(batch.slice(half), batch.slice(0, half));
    }
  }
  return "done";
}

async function settle(run: Run, rows: Claimed[], removed: string[], error: string | null) {
  const settled = Settled.parse(
    await withRetry(() =>
      callValue(run.deps.sql, "storage_removal_settle", {
        p_ids: rows.map((r) => r.id),
        p_removed_names: removed,
        p_error: error ?? undefined,
        p_job: run.auditActor,
      })
    ),
  );
  run.count("objects_removed", settled.removed);
  run.count("objects_failed", settled.failed);
  if (error === null && settled.failed > 0) {
    run.logger.warn("storage did not confirm every removal; will retry", {
      names: rows.length,
      failed: settled.failed,
    });
  }
}
