// The last phase of every job, after storage_removal (whose confirmed removals add audit events):
// publish the chain heads queued in private.audit_anchors (each chain's latest head, coalesced
// while it waits, filled by a trigger on audit.chain_heads) to the external append-only sink ops own. A privileged
// insider who rewinds a chain inside the database is then caught at the next verification
// against the sink's latest heads (docs/AUDIT.md, "Anchoring"; scripts/audit-verify.ts).
//
// Claim (lease) -> POST -> settle: published on 2xx, otherwise failed with a short error, and the
// database backs those anchors off (30 s doubling, capped at an hour). After one failed call the
// phase stops: the sink is down or refusing, and calling it again would only burn attempts.
// Without a configured sink the phase says so and leaves every anchor queued; job health's
// audit_anchors_published then turns red within the hour, on purpose. No state lives here.
import { z } from "zod";
import type { Anchor, AnchorSink } from "../anchor-sink.ts";
import { type Sql, withRetry } from "../db.ts";
import type { Deadline } from "../deadline.ts";
import { callRows, callValue } from "../private-functions.ts";
import type { Monitor, Phase, PhaseOutcome, PhaseRun } from "./define.ts";
import { leaseFor } from "./lease.ts";

/** Anchors per POST: one anchor per chain waiting, each one head. */
export const ANCHOR_LIMIT = 200;
/** Time kept for settling after a POST, so its answer is recorded before the deadline. */
const SETTLE_RESERVE_MS = 500;
/** A POST given less than this is not worth starting. */
const MIN_CALL_MS = 200;
/** The phase's `details.sink` when AUDIT_ANCHOR_URL is not set. */
export const SINK_NOT_CONFIGURED = "not configured (AUDIT_ANCHOR_URL is not set)";

type Count = "anchors_published" | "anchors_failed";
type Run = PhaseRun<unknown, Count>;

const Status = z.object({
  pending: z.number(),
  oldest_pending_at: z.string().nullable(),
  last_published_at: z.string().nullable(),
  worst_error: z.string().nullable(),
});

export const auditAnchorPhase: Phase<unknown, Count> = {
  name: "audit_anchor",
  counts: ["anchors_published", "anchors_failed"],
  // A fiftieth of the budget (at most 5 s): a POST to a healthy sink takes milliseconds, and
  // anything left is published by the next run.
  reserveMs: (budgetMs) => Math.min(budgetMs * 0.02, 5_000),
  run: publishQueued,
};

/**
 * The anchor queue. It never fails the run: the run's deletions happened and are in the trail,
 * and the sink may be down for reasons the job cannot change. Job health's
 * audit_anchors_published (an anchor queued for over an hour) is the alarm.
 */
export const auditAnchorMonitor: Monitor = {
  name: "audit_anchors",
  async read(sql) {
    return { summary: await status(sql), problems: [] };
  },
};

async function status(sql: Sql) {
  return Status.parse(await callValue(sql, "audit_anchor_status", {}));
}

function callBudgetMs(run: Run, sink: AnchorSink): number {
  return Math.min(sink.timeoutMs, run.deadline.remainingMs() - SETTLE_RESERVE_MS);
}

/** Publishes due anchors until none is due, the sink fails a call, or the deadline nears. */
async function publishQueued(run: Run): Promise<PhaseOutcome> {
  const sink = run.deps.anchorSink;
  if (!sink) {
    run.logger.warn("no audit anchor sink configured: chain heads stay queued in the database");
    return { details: { sink: SINK_NOT_CONFIGURED } };
  }
  const details = { sink: sink.origin };
  for (;;) {
    const callMs = callBudgetMs(run, sink);
    if (callMs < MIN_CALL_MS) {
      return { stoppedEarly: (await status(run.deps.sql)).pending > 0, details };
    }
    const claimed = await claim(run.deps.sql, run.runDeadline);
    if (claimed.length === 0) return { details };
    const ids = claimed.map((a) => a.id);
    const result = await sink.publish(claimed, AbortSignal.timeout(callMs));
    if (result.error !== null) {
      run.count("anchors_failed", await settle(run.deps.sql, ids, false, result.error));
      run.logger.warn("the audit anchor sink did not take the anchors; retried with backoff", {
        sink: sink.origin,
        anchors: ids.length,
        error: result.error,
      });
      return { details: { ...details, error: result.error } };
    }
    run.count("anchors_published", await settle(run.deps.sql, ids, true));
    if (claimed.length < ANCHOR_LIMIT) return { details };
  }
}

async function claim(sql: Sql, runDeadline: Deadline): Promise<Anchor[]> {
  // The lease outlives every call and settle of this run; if the process dies, the anchors
  // come back soon after and are sent again (the sink keeps one copy of each id).
  const claimed = await withRetry(() =>
    callRows(sql, "audit_anchor_claim", { p_limit: ANCHOR_LIMIT, p_lease: leaseFor(runDeadline) })
  );
  // In the order they were queued (RETURNING promises none), so the sink appends them so.
  return claimed.sort((a, b) => a.id - b.id);
}

async function settle(
  sql: Sql,
  ids: number[],
  published: boolean,
  error?: string,
): Promise<number> {
  return await withRetry(() =>
    callValue(sql, "audit_anchor_settle", {
      p_ids: ids,
      p_published: published,
      p_error: error,
    })
  );
}
