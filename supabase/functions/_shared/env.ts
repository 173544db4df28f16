// The environment every scheduled job reads, validated once at start-up so a missing secret
// fails loudly on the first request instead of half-way through a purge.
import { z } from "zod";

const JobEnv = z.object({
  SUPABASE_URL: z.string().url(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20),
  SUPABASE_DB_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  // Lets the job accept a service_role JWT signed by the project (the scheduler may send one
  // instead of the exact key). Optional: without it only the exact key is accepted.
  SUPABASE_JWT_SECRET: z.string().min(32).optional(),
  JWT_SECRET: z.string().min(32).optional(),
  // Per-call limit for Storage API requests, so a hung Storage cannot eat the whole budget.
  STORAGE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
});

export interface JobEnv {
  supabaseUrl: string;
  serviceRoleKey: string;
  dbUrl: string;
  jwtSecret: string | undefined;
  storageTimeoutMs: number;
}

/** Reads and checks the job environment. Errors name the variables, never their values. */
export function loadJobEnv(
  source: Record<string, string | undefined> = Deno.env.toObject(),
): JobEnv {
  const parsed = JobEnv.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid job environment: ${problems.join("; ")}`);
  }
  const env = parsed.data;
  return {
    supabaseUrl: env.SUPABASE_URL,
    serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
    dbUrl: env.SUPABASE_DB_URL,
    jwtSecret: env.SUPABASE_JWT_SECRET ?? env.JWT_SECRET,
    storageTimeoutMs: env.STORAGE_TIMEOUT_MS,
  };
}
