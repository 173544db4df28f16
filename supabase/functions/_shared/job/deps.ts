// What a scheduled job runs with, built once per isolate from the environment (the Edge
// Runtime's secrets), or by tests and scripts/run-job.ts with their own pieces.
import { type AnchorSink, httpAnchorSink } from "../anchor-sink.ts";
import type { CallerAuthConfig } from "../caller.ts";
import { createSql, type Sql } from "../db.ts";
import { type Clock, systemClock } from "../deadline.ts";
import { loadJobEnv } from "../env.ts";
import { jsonLogger, type Logger } from "../logger.ts";
import { type ObjectRemover, supabaseObjectRemover } from "../storage.ts";

export interface JobDeps {
  sql: Sql;
  removeObjects: ObjectRemover;
  auth: CallerAuthConfig;
  clock: Clock;
  logger: Logger;
  /** Upper bound of one Storage remove() call (also bounded by the time left). */
  storageTimeoutMs: number;
  /**
   * Where the audit_anchor phase publishes chain heads. Absent or null: no sink is configured
   * (AUDIT_ANCHOR_URL not set), and the anchors stay queued until one is.
   */
  anchorSink?: AnchorSink | null;
}

export function depsFromEnv(
  jobName: string,
  source: Record<string, string | undefined> = Deno.env.toObject(),
  overrides: Partial<Pick<JobDeps, "logger">> = {},
): JobDeps {
  const env = loadJobEnv(source);
  return {
    sql: createSql(env.dbUrl, { applicationName: jobName }),
    removeObjects: supabaseObjectRemover({
      supabaseUrl: env.supabaseUrl,
      serviceRoleKey: env.serviceRoleKey,
    }),
    auth: { serviceRoleKey: env.serviceRoleKey, jwtSecret: env.jwtSecret },
    clock: systemClock,
    logger: overrides.logger ?? jsonLogger({ job: jobName }),
    storageTimeoutMs: env.storageTimeoutMs,
    anchorSink: env.anchorSink && httpAnchorSink(env.anchorSink),
  };
}
