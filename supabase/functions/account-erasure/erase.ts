// The account erasure's own phase: claim the open requests one at a time
// (private.account_erasure_claim) and run each one's steps (private.account_erasure_step, one
// short transaction each) until it is done, fails, is taken over by another runner, or the
// deadline nears. Every step records its progress in the request, so a later run resumes at
// the recorded step.
//
// A failed step is recorded at once (private.account_erasure_fail), which lets the lease go and
// backs the request off; the claim skips it meanwhile, so the run goes on with the other
// requests, and one request that keeps failing never blocks the queue. The run reports every
// failure in `requests_failed`; its status follows the rule of every job (200 when ok, 500 when
// something needs attention) through the monitor below.
import { z } from "zod";
import { messageOf, withRetry } from "../_shared/db.ts";
import type { Monitor, Phase, PhaseRun } from "../_shared/job/define.ts";
import { leaseFor } from "../_shared/job/lease.ts";
import { callRows, callValue, type RowOf } from "../_shared/private-functions.ts";
import type { AccountErasureBody } from "./job.ts";

type Count = "accounts_erased" | "steps" | "requests_failed";
type Run = PhaseRun<AccountErasureBody, Count>;
/** A claimed request always holds a lease token. */
type Claimed = RowOf<"account_erasure_claim"> & { lease_token: string };
type Outcome = "done" | "failed" | "lost" | "paused";

interface EraseState {
  lastStepMs: number;
}

/** The lease went to another runner; the request was finished by another runner. */
const LEASE_LOST = "55P03";
const REQUEST_GONE = "P0002";

const Step = z.object({ step: z.string(), done: z.boolean() }).passthrough();
const Status = z.object({
  open: z.number(),
  in_progress: z.number(),
  overdue: z.number(),
  oldest_due_at: z.string().nullable(),
  /** Requests that failed 3 times or more (job health's account_erasures_not_failing). */
  failing: z.number(),
});

export const erasePhase: Phase<AccountErasureBody, Count> = {
  name: "erase",
  counts: ["accounts_erased", "steps", "requests_failed"],
  async run(run) {
    return { stoppedEarly: await eraseAccounts(run, { lastStepMs: 0 }) };
  },
};

/**
 * Open requests. What needs attention makes the run answer 500: a request past its 7-day
 * deadline (the promise is "within"), or one that has failed 3 times or more, the threshold job
 * health uses. A request that failed once or twice is counted in the run's `requests_failed` and
 * retried after its backoff, so the run that saw the failure, having erased the others, still
 * answers 200: as with a Storage removal that fails a few times, a transient error is not yet
 * an incident, and the latest run's status (which job health reads) stays meaningful.
 */
export const accountErasureMonitor: Monitor = {
  name: "account_erasures",
  async read(sql) {
    const { failing, ...summary } = Status.parse(
      await callValue(sql, "account_erasure_status", {}),
    );
    const problems: string[] = [];
    if (summary.overdue > 0) {
      problems.push(
        `${summary.overdue} account erasure request(s) are past their 7-day deadline; ` +
          "see private.account_erasure_backlog",
      );
    }
    if (failing > 0) {
      problems.push(
        `${failing} account erasure request(s) failed 3 or more times; ` +
          "see private.account_erasure_backlog",
      );
    }
    return { summary, problems };
  },
};

/** Room for one more step as slow as the last one. */
function hasRoomForStep(run: Run, state: EraseState): boolean {
  return run.deadline.hasRoomFor(state.lastStepMs * 1.5);
}

/** Claims and erases requests until none is claimable; true when the limit or deadline hit. */
async function eraseAccounts(run: Run, state: EraseState): Promise<boolean> {
  for (let claimed = 0;; claimed++) {
    if (claimed >= run.body.max_requests || !hasRoomForStep(run, state)) return true;
    const request = await claim(run);
    if (request === null) return false;
    if (await erase(run, state, request) === "paused") return true;
  }
}

async function claim(run: Run): Promise<Claimed | null> {
  const [request] = await withRetry(() =>
    callRows(run.deps.sql, "account_erasure_claim", { p_lease: leaseFor(run.runDeadline) })
  );
  if (!request) return null;
  const { lease_token: leaseToken } = request;
  if (leaseToken === null) throw new Error(`claimed request ${request.id} has no lease token`);
  run.logger.info("claimed account erasure request", {
    request_id: request.id,
    step: request.step,
    attempts: request.attempts,
  });
  return { ...request, lease_token: leaseToken };
}

/** Runs the request's steps until it is done, fails, is lost, or the deadline nears. */
async function erase(run: Run, state: EraseState, request: Claimed): Promise<Outcome> {
  const leaseToken = request.lease_token;
  for (;;) {
    if (!hasRoomForStep(run, state)) {
      // The lease runs out shortly after this run; the next one resumes here.
      run.logger.info("deadline near: account erasure paused", { request_id: request.id });
      return "paused";
    }
    const started = run.deps.clock.now();
    let step: z.infer<typeof Step>;
    try {
      step = Step.parse(
        await withRetry(() =>
          callValue(run.deps.sql, "account_erasure_step", {
            p_request_id: request.id,
            p_lease_token: leaseToken,
            p_batch_size: run.body.batch_size,
            p_lease: leaseFor(run.runDeadline),
          })
        ),
      );
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === LEASE_LOST || code === REQUEST_GONE) {
        // Another runner has it (or finished it): nothing to record, its work is not ours.
        run.logger.warn("account erasure request taken over by another runner", {
          request_id: request.id,
          error: messageOf(err),
        });
        return "lost";
      }
      const error = messageOf(err);
      run.count("requests_failed");
      run.logger.error("account erasure step failed; will retry after its backoff", {
        request_id: request.id,
        error,
      });
      await recordFailure(run, request, error);
      return "failed";
    }
    state.lastStepMs = run.deps.clock.now() - started;
    run.count("steps");
    if (step.done) {
      run.count("accounts_erased");
      run.logger.info("account erased", { request_id: request.id, progress: step.progress });
      return "done";
    }
  }
}

/**
 * Records the error in the request (private.account_erasure_fail), releasing the lease and
 * backing the request off, before anything else is claimed: the claim then passes over it, and
 * the failure is on record even if this run dies next.
 */
async function recordFailure(run: Run, request: Claimed, error: string): Promise<void> {
  await withRetry(() =>
    callValue(run.deps.sql, "account_erasure_fail", {
      p_request_id: request.id,
      p_lease_token: request.lease_token,
      p_error: error,
    })
  );
}
