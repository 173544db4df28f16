// Production wiring of the retention purge: environment, Postgres, Storage, clock, logger.
import { createSql } from "../_shared/db.ts";
import { systemClock } from "../_shared/deadline.ts";
import { loadJobEnv } from "../_shared/env.ts";
import { jsonLogger } from "../_shared/logger.ts";
import { supabaseObjectRemover } from "../_shared/storage.ts";
import { JOB_NAME, type RetentionPurgeDeps } from "./handler.ts";

export function depsFromEnv(
  source: Record<string, string | undefined> = Deno.env.toObject(),
): RetentionPurgeDeps {
  const env = loadJobEnv(source);
  return {
    sql: createSql(env.dbUrl, { applicationName: JOB_NAME }),
    removeObjects: supabaseObjectRemover({
      supabaseUrl: env.supabaseUrl,
      serviceRoleKey: env.serviceRoleKey,
    }),
    auth: { serviceRoleKey: env.serviceRoleKey, jwtSecret: env.jwtSecret },
    clock: systemClock,
    logger: jsonLogger({ job: JOB_NAME }),
    storageTimeoutMs: env.storageTimeoutMs,
  };
}
