// Scheduled account erasure: processes the open account deletion requests (README, "Account
// deletion"), each as a sequence of short, resumable steps (private.erase_account_step, one
// transaction each), then removes the erased organisations' recordings from Storage through the
// outbox. All progress lives in Postgres, so any invocation may stop at its deadline (or die)
// and a later one resumes at the recorded step.
import { z } from "zod";
import { type CallerAuthConfig, requireServiceRoleCaller } from "../_shared/caller.ts";
import { type Sql, withRetry } from "../_shared/db.ts";
import { type Clock, Deadline } from "../_shared/deadline.ts";
import { errorResponse, HttpError, json, parseJsonBody, requirePost } from "../_shared/http.ts";
import type { Logger } from "../_shared/logger.ts";
import { drainStorageRemovals } from "../_shared/storage-outbox.ts";
import type { ObjectRemover } from "../_shared/storage.ts";

export const JOB_NAME = "account-erasure";
/** The audit trail's actor_job for this job (same as the SQL functions use). */
export const AUDIT_JOB = "account_erasure";

export interface AccountErasureDeps {
  sql: Sql;
  removeObjects: ObjectRemover;
  auth: CallerAuthConfig;
  clock: Clock;
  logger: Logger;
  storageTimeoutMs: number;
  newRunId?: () => string;
}

export const AccountErasureBody = z.object({
  // Surveys deleted per step of an organisation's deletion.
  batch_size: z.number().int().min(1).max(1000).default(200),
  // Edge Functions stop at 400 s wall clock; 380 leaves room to answer.
  max_seconds: z.number().min(1).max(380).default(240),
  // Requests claimed per invocation (each claim counts, finished or not).
  max_requests: z.number().int().min(1).max(100).default(25),
}).strict();

export interface RequestsReport {
  open: number;
  in_progress: number;
  overdue: number;
  oldest_due_at: string | null;
}

export interface AccountErasureResult {
  job: typeof JOB_NAME;
  run_id: string;
  accounts_erased: number;
  steps: number;
  requests_failed: number;
  objects_removed: number;
  objects_failed: number;
  stopped_early: boolean;
  requests: RequestsReport | null;
  error?: string;
}

/** Share of the budget kept for the Storage drain while accounts are still being erased. */
const DRAIN_SHARE = 0.25;
const MAX_DRAIN_RESERVE_MS = 60_000;
/**
 * How long a lease outlives this invocation's deadline. Every claim and step sets the lease to
 * the time left plus this margin, so it covers the whole run (a request that failed keeps it
 * until its error is recorded, below) and a crashed run's requests come back soon after; the
 * scheduler runs every 30 minutes, much later than any lease ends.
 */
const LEASE_MARGIN_S = 30;

/** Lease lost to another runner / request already finished by another runner. */
const LEASE_LOST = "55P03";
const REQUEST_GONE = "P0002";

interface ClaimedRequest {
  id: string;
  user_id: string;
  step: string;
  attempts: number;
  lease_token: string;
}

interface StepResult {
  step: string;
  done: boolean;
  [key: string]: unknown;
}

interface Failure {
  requestId: string;
  leaseToken: string;
  error: string;
}

type ErasureOutcome = "done" | "failed" | "lost" | "paused";

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? `${code}: ${text}` : text;
}

async function reportOf(sql: Sql): Promise<RequestsReport> {
  const [{ report }] = await sql<[{ report: RequestsReport }]>`
    select private.account_deletion_report() as report`;
  return report;
}

class Run {
  private lastStepMs = 0;
  /** Failed requests, still leased by this run; recorded (and released) by recordFailures(). */
  readonly failures: Failure[] = [];

  constructor(
    private readonly deps: AccountErasureDeps,
    private readonly deadline: Deadline,
    private readonly eraseDeadline: Deadline,
    private readonly body: z.output<typeof AccountErasureBody>,
    private readonly result: AccountErasureResult,
  ) {}

  private leaseSeconds(): number {
    return Math.ceil(this.deadline.remainingMs() / 1000) + LEASE_MARGIN_S;
  }

  /** Room for one more step as slow as the last one. */
  private hasRoomForStep(): boolean {
    return this.eraseDeadline.hasRoomFor(this.lastStepMs * 1.5);
  }

  private log(fields: Record<string, unknown>) {
    return { run_id: this.result.run_id, ...fields };
  }

  /** Claims and works on requests until none is claimable, the limit, or the deadline. */
  async eraseAccounts(): Promise<boolean> {
    for (let claimed = 0;; claimed++) {
      if (claimed >= this.body.max_requests || !this.hasRoomForStep()) return true;
      const request = await this.claim();
      if (request === null) return false;
      const outcome = await this.erase(request);
      if (outcome === "paused") return true;
    }
  }

  private async claim(): Promise<ClaimedRequest | null> {
    const lease = this.leaseSeconds();
    const [row] = await withRetry(() =>
      this.deps.sql<{ [K in keyof ClaimedRequest]: ClaimedRequest[K] | null }[]>`
        select r.id, r.user_id, r.step, r.attempts, r.lease_token
        from private.claim_account_deletion(make_interval(secs => ${lease}::int)) r`
    );
    // The function returns a row of nulls when nothing is claimable.
    if (!row || row.id === null) return null;
    this.deps.logger.info(
      "claimed account deletion request",
      this.log({ request_id: row.id, step: row.step, attempts: row.attempts }),
    );
    return row as ClaimedRequest;
  }

  /** Runs the request's steps until it is done, fails, is lost, or the deadline nears. */
  private async erase(request: ClaimedRequest): Promise<ErasureOutcome> {
    for (;;) {
      if (!this.hasRoomForStep()) {
        // The lease runs out shortly after this invocation; the next one resumes here.
        this.deps.logger.info(
          "deadline near: account erasure paused",
          this.log({ request_id: request.id }),
        );
        return "paused";
      }
      const started = this.deps.clock.now();
      const lease = this.leaseSeconds();
      let step: StepResult;
      try {
        [{ step }] = await withRetry(() =>
          this.deps.sql<[{ step: StepResult }]>`
            select private.erase_account_step(${request.id}::uuid, ${request.lease_token}::uuid,
              ${this.body.batch_size}::int, make_interval(secs => ${lease}::int)) as step`
        );
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === LEASE_LOST || code === REQUEST_GONE) {
          // Another runner has it (or finished it): nothing to record, its work is not ours.
          this.deps.logger.warn(
            "account deletion request taken over by another runner",
            this.log({ request_id: request.id, error: messageOf(err) }),
          );
          return "lost";
        }
        const error = messageOf(err);
        this.failures.push({ requestId: request.id, leaseToken: request.lease_token, error });
        this.result.requests_failed++;
        this.deps.logger.error(
          "account erasure step failed; will retry on a later run",
          this.log({ request_id: request.id, error }),
        );
        return "failed";
      }
      this.lastStepMs = this.deps.clock.now() - started;
      this.result.steps++;
      if (step.done) {
        this.result.accounts_erased++;
        this.deps.logger.info(
          "account erased",
          this.log({ request_id: request.id, progress: step.progress }),
        );
        return "done";
      }
    }
  }

  /**
   * Records each failure in its request (private.fail_account_deletion), which also releases
   * the lease. Done only now: a released request is claimable again at once, and being the one
   * due first it would be claimed again and again, keeping this run from the other requests.
   */
  async recordFailures(): Promise<void> {
    while (this.failures.length > 0) {
      const failure = this.failures[0];
      await withRetry(() =>
        this.deps.sql`
          select private.fail_account_deletion(${failure.requestId}::uuid,
            ${failure.leaseToken}::uuid, ${failure.error}::text)`
      );
      this.failures.shift();
    }
  }
}

export function createAccountErasureHandler(deps: AccountErasureDeps) {
  return async function handle(req: Request): Promise<Response> {
    let body: z.output<typeof AccountErasureBody>;
    try {
      requirePost(req);
      await requireServiceRoleCaller(req, deps.auth);
      body = await parseJsonBody(req, AccountErasureBody);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      throw err;
    }

    const deadline = Deadline.after(deps.clock, body.max_seconds * 1000);
    const result: AccountErasureResult = {
      job: JOB_NAME,
      run_id: deps.newRunId?.() ?? crypto.randomUUID(),
      accounts_erased: 0,
      steps: 0,
      requests_failed: 0,
      objects_removed: 0,
      objects_failed: 0,
      stopped_early: false,
      requests: null,
    };
    const log = (fields: Record<string, unknown>) => ({ run_id: result.run_id, ...fields });
    const drainReserve = Math.min(body.max_seconds * 1000 * DRAIN_SHARE, MAX_DRAIN_RESERVE_MS);
    const run = new Run(deps, deadline, deadline.reserving(drainReserve), body, result);

    try {
      const erasureStopped = await run.eraseAccounts();
      await run.recordFailures();
      // Erased organisations' recordings leave Storage now, not at the next retention purge.
      const drained = await drainStorageRemovals(deps, deadline, AUDIT_JOB);
      result.objects_removed = drained.removed;
      result.objects_failed = drained.failed;
      let backlogDue = 0;
      if (drained.stoppedEarly) {
        const [{ due }] = await deps.sql<[{ due: number }]>`
          select (private.storage_removal_status() ->> 'due')::int as due`;
        backlogDue = due;
      }
      result.stopped_early = erasureStopped || backlogDue > 0;
      result.requests = await reportOf(deps.sql);

      // The promise is "within 7 days": a request past its deadline is the ops signal.
      if (result.requests.overdue > 0) {
        result.error = `${result.requests.overdue} account deletion request(s) are past their ` +
          "7-day deadline; see private.account_deletion_status";
        deps.logger.error("account deletion requests are overdue", log({ ...result }));
        return json(result, 500);
      }
      deps.logger.info("account erasure finished", log({ ...result, ms: deadline.elapsedMs() }));
      return json(result, 200);
    } catch (err) {
      // The message only: a stack trace tells the caller nothing and may reveal internals.
      result.error = messageOf(err);
      deps.logger.error("account erasure failed", log({ ...result }));
      try {
        await run.recordFailures();
      } catch {
        // Their leases expire shortly; the errors are in the log.
      }
      try {
        result.requests ??= await reportOf(deps.sql);
      } catch {
        // The database is unreachable: report what is known.
      }
      return json(result, 500);
    }
  };
}
