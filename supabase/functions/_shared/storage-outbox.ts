// Drains private.storage_removals, the durable outbox of Storage objects whose rows were
// permanently deleted (retention purge, organisation deletion, account erasure).
//
// Claim (lease) -> remove() through the Storage API -> settle. Settle marks removed only what
// remove() returned, or what is already gone from storage.objects; everything else is retried
// by the database with backoff, keeping the error. A job killed mid-call leaves leased rows,
// which become due again when the lease expires. No state lives in this process.
import type { Sql } from "./db.ts";
import { withRetry } from "./db.ts";
import type { Deadline } from "./deadline.ts";
import type { Logger } from "./logger.ts";
import type { ObjectRemover } from "./storage.ts";

export interface OutboxDeps {
  sql: Sql;
  removeObjects: ObjectRemover;
  logger: Logger;
  /** Upper bound of one remove() call (also bounded by the time left). */
  storageTimeoutMs: number;
}

export interface DrainCounts {
  removed: number;
  failed: number;
  calls: number;
  /** The deadline stopped the drain while removals were still due. */
  stoppedEarly: boolean;
}

/** At most 1000 names per remove() call: the Storage API's limit. */
export const REMOVE_LIMIT = 1000;
/** Time kept for settling after a remove() call, so its answer is recorded before the deadline. */
const SETTLE_RESERVE_MS = 500;
/** A remove() call given less than this is not worth starting. */
const MIN_CALL_MS = 500;

interface Claimed {
  id: string;
  bucket_id: string;
  object_name: string;
  attempts: number;
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

async function settle(
  sql: Sql,
  rows: Claimed[],
  removedNames: string[],
  error: string | null,
  job: string,
): Promise<{ removed: number; failed: number }> {
  const [{ result }] = await withRetry(() =>
    sql<[{ result: { removed: number; failed: number } }]>`
      select private.settle_storage_removals(
        ${sql.array(rows.map((r) => r.id))}::bigint[],
        ${sql.array(removedNames)}::text[],
        ${error}::text,
        ${job}::text
      ) as result`
  );
  return result;
}

/**
 * Removes due objects until the outbox has none due or the deadline nears. Stops at the first
 * failed call: when Storage is down, claiming more would only burn every row's attempts.
 */
export async function drainStorageRemovals(
  deps: OutboxDeps,
  deadline: Deadline,
  job: string,
): Promise<DrainCounts> {
  const counts: DrainCounts = { removed: 0, failed: 0, calls: 0, stoppedEarly: false };
  for (;;) {
    const callMs = Math.min(deps.storageTimeoutMs, deadline.remainingMs() - SETTLE_RESERVE_MS);
    if (callMs < MIN_CALL_MS) {
      counts.stoppedEarly = true; // the caller checks whether anything was still due
      return counts;
    }
    // The lease outlives the call and its settle; if this process dies, the rows come back.
    const leaseSeconds = Math.ceil(callMs / 1000) + 30;
    const claimed = await withRetry(() =>
      deps.sql<Claimed[]>`
        select id::text as id, bucket_id, object_name, attempts
        from private.claim_storage_removals(${REMOVE_LIMIT}::int,
          make_interval(secs => ${leaseSeconds}::int))`
    );
    if (claimed.length === 0) return counts;

    let callFailed = false;
    for (const [bucket, rows] of groupByBucket(claimed)) {
      const budget = Math.min(deps.storageTimeoutMs, deadline.remainingMs() - SETTLE_RESERVE_MS);
      const signal = AbortSignal.timeout(Math.max(MIN_CALL_MS, budget));
      const names = rows.map((r) => r.object_name);
      const result = await deps.removeObjects(bucket, names, signal);
      counts.calls++;
      // Only names that were asked for count, whatever else the answer may contain.
      const asked = new Set(names);
      const removed = result.removed.filter((n) => asked.has(n));
      const settled = await settle(deps.sql, rows, removed, result.error, job);
      counts.removed += settled.removed;
      counts.failed += settled.failed;
      if (result.error) {
        callFailed = true;
        deps.logger.warn("storage remove failed; will retry with backoff", {
          bucket,
          names: names.length,
          confirmed_removed: settled.removed,
          error: result.error,
        });
      } else if (settled.failed > 0) {
        deps.logger.warn("storage did not confirm every removal; will retry", {
          bucket,
          names: names.length,
          failed: settled.failed,
        });
      }
    }
    if (callFailed) return counts;
    if (claimed.length < REMOVE_LIMIT) return counts;
  }
}
