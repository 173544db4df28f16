// What the two intake functions run with, built once per isolate from the environment.
import { z } from "zod";
import { createSql, type Sql } from "../db.ts";
import { jsonLogger, type Logger } from "../logger.ts";

export interface IntakeDeps {
  sql: Sql;
  /** Keys the source hash of the rate limit (SECURITY_REPORT_HASH_SECRET). */
  hashSecret: string;
  /** Verifies the inbound-mail webhook (INBOUND_MAIL_SIGNING_SECRET); unset: inbound refused. */
  inboundSecret?: string;
  logger: Logger;
}

const IntakeEnv = z.object({
  SUPABASE_DB_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  SECURITY_REPORT_HASH_SECRET: z.string().min(32),
  INBOUND_MAIL_SIGNING_SECRET: z.string().min(16).optional(),
});

/** Errors name the variables, never their values. */
export function intakeDepsFromEnv(
  name: string,
  source: Record<string, string | undefined> = Deno.env.toObject(),
): IntakeDeps {
  const parsed = IntakeEnv.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid ${name} environment: ${problems.join("; ")}`);
  }
  return {
    sql: createSql(parsed.data.SUPABASE_DB_URL, { applicationName: name }),
    hashSecret: parsed.data.SECURITY_REPORT_HASH_SECRET,
    inboundSecret: parsed.data.INBOUND_MAIL_SIGNING_SECRET,
    logger: jsonLogger({ function: name }),
  };
}
