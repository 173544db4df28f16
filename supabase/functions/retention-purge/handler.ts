// Scheduled retention purge: permanently deletes surveys soft-deleted more than 30 days ago
// (private.purge_expired_surveys, in short batches), then removes their recordings from
// Storage through the outbox. All progress lives in Postgres, so any invocation may stop at its
// deadline and the next one resumes.
import { z } from "zod";
import { type CallerAuthConfig, requireServiceRoleCaller } from "../_shared/caller.ts";
import { type Sql, withRetry } from "../_shared/db.ts";
import { type Clock, Deadline } from "../_shared/deadline.ts";
import { errorResponse, HttpError, json, parseJsonBody, requirePost } from "../_shared/http.ts";
import type { Logger } from "../_shared/logger.ts";
import { drainStorageRemovals } from "../_shared/storage-outbox.ts";
import type { ObjectRemover } from "../_shared/storage.ts";

export const JOB_NAME = "retention-purge";
/** The audit trail's actor_job for this job (same as the SQL functions' default). */
export const AUDIT_JOB = "retention_purge";

export interface RetentionPurgeDeps {
  sql: Sql;
  removeObjects: ObjectRemover;
  auth: CallerAuthConfig;
  clock: Clock;
  logger: Logger;
  storageTimeoutMs: number;
  newRunId?: () => string;
}

export const RetentionPurgeBody = z.object({
  dry_run: z.boolean().default(false),
  batch_size: z.number().int().min(1).max(1000).default(200),
  // Edge Functions stop at 400 s wall clock; 380 leaves room to answer.
  max_seconds: z.number().min(1).max(380).default(240),
}).strict();

interface RowCounts {
  questions: number;
  responses: number;
  recordings: number;
  transcripts: number;
}

interface Backlog {
  pending: number;
  due: number;
  stuck: number;
  oldest_enqueued_at: string | null;
}

export interface RetentionPurgeResult {
  job: typeof JOB_NAME;
  run_id: string;
  dry_run: boolean;
  surveys_purged: number;
  rows_deleted: RowCounts;
  objects_removed: number;
  objects_failed: number;
  batches: number;
  stopped_early: boolean;
  backlog: Backlog | null;
  preview?: Record<string, unknown>;
  error?: string;
}

/** Share of the budget kept for the Storage drain while surveys are still being purged. */
const DRAIN_SHARE = 0.25;
const MAX_DRAIN_RESERVE_MS = 60_000;

async function backlogOf(sql: Sql): Promise<Backlog> {
  const [{ status }] = await sql<[{ status: Backlog }]>`
    select private.storage_removal_status() as status`;
  return status;
}

async function purgeSurveys(
  deps: RetentionPurgeDeps,
  deadline: Deadline,
  batchSize: number,
  result: RetentionPurgeResult,
): Promise<boolean> {
  let lastBatchMs = 0;
  for (;;) {
    // Start a batch only if one as slow as the last one still fits.
    if (!deadline.hasRoomFor(lastBatchMs * 1.5)) return true;
    const started = deps.clock.now();
    const [{ counts }] = await withRetry(() =>
      deps.sql<[{ counts: { surveys: number } & RowCounts }]>`
        select private.purge_expired_surveys(${batchSize}::int, ${AUDIT_JOB}::text) as counts`
    );
    lastBatchMs = deps.clock.now() - started;
    if (counts.surveys === 0) return false;
    result.batches++;
    result.surveys_purged += counts.surveys;
    for (const key of ["questions", "responses", "recordings", "transcripts"] as const) {
      result.rows_deleted[key] += counts[key];
    }
    // A short batch means nothing more was due when it ran.
    if (counts.surveys < batchSize) return false;
  }
}

export function createRetentionPurgeHandler(deps: RetentionPurgeDeps) {
  return async function handle(req: Request): Promise<Response> {
    try {
      requirePost(req);
      await requireServiceRoleCaller(req, deps.auth);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      throw err;
    }
    let body: z.output<typeof RetentionPurgeBody>;
    try {
      body = await parseJsonBody(req, RetentionPurgeBody);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err);
      throw err;
    }

    const deadline = Deadline.after(deps.clock, body.max_seconds * 1000);
    const result: RetentionPurgeResult = {
      job: JOB_NAME,
      run_id: deps.newRunId?.() ?? crypto.randomUUID(),
      dry_run: body.dry_run,
      surveys_purged: 0,
      rows_deleted: { questions: 0, responses: 0, recordings: 0, transcripts: 0 },
      objects_removed: 0,
      objects_failed: 0,
      batches: 0,
      stopped_early: false,
      backlog: null,
    };
    const log = (fields: Record<string, unknown>) => ({ run_id: result.run_id, ...fields });

    try {
      if (body.dry_run) {
        const [{ preview }] = await deps.sql<[{ preview: Record<string, unknown> }]>`
          select private.preview_expired_surveys() as preview`;
        result.preview = preview;
      } else {
        const drainReserve = Math.min(body.max_seconds * 1000 * DRAIN_SHARE, MAX_DRAIN_RESERVE_MS);
        const purgeStopped = await purgeSurveys(
          deps,
          deadline.reserving(drainReserve),
          body.batch_size,
          result,
        );
        const drained = await drainStorageRemovals(deps, deadline, AUDIT_JOB);
        result.objects_removed = drained.removed;
        result.objects_failed = drained.failed;
        result.backlog = await backlogOf(deps.sql);
        result.stopped_early = purgeStopped || (drained.stoppedEarly && result.backlog.due > 0);
      }
      result.backlog ??= await backlogOf(deps.sql);

      // A removal that keeps failing is reported, never dropped: the scheduler sees a failure.
      if (result.backlog.stuck > 0) {
        result.error = `${result.backlog.stuck} Storage removal(s) failed 5 or more times; ` +
          "see private.storage_removal_backlog";
        deps.logger.error("retention purge has stuck storage removals", log({ ...result }));
        return json(result, 500);
      }
      deps.logger.info("retention purge finished", log({ ...result, ms: deadline.elapsedMs() }));
      return json(result, 200);
    } catch (err) {
      // The message only: a stack trace tells the caller nothing and may reveal internals.
      result.error = err instanceof Error ? err.message : String(err);
      deps.logger.error("retention purge failed", log({ ...result }));
      try {
        result.backlog ??= await backlogOf(deps.sql);
      } catch {
        // The database is unreachable: report what is known.
      }
      return json(result, 500);
    }
  };
}
