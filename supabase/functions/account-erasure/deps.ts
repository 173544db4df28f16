// Production wiring of the account erasure: environment, Postgres, Storage, clock, logger.
import { createSql } from "../_shared/db.ts";
import { systemClock } from "../_shared/deadline.ts";
import { loadJobEnv } from "../_shared/env.ts";
import { jsonLogger } from "../_shared/logger.ts";
import { supabaseObjectRemover } from "../_shared/storage.ts";
import { type AccountErasureDeps, JOB_NAME } from "./handler.ts";

export function depsFromEnv(
  source: Record<string, string | undefined> = Deno.env.toObject(),
): AccountErasureDeps {
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
