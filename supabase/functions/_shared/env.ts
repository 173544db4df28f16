// The environment every scheduled job (loadJobEnv) and every function a signed-in user calls
// (loadSessionEnv) reads, validated once at start-up so a missing secret fails loudly on the
// first request instead of half-way through a purge.
import { z } from "zod";

const ProjectEnv = z.object({
  SUPABASE_URL: z.string().url(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20),
  SUPABASE_DB_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
});

const JobEnv = ProjectEnv.extend({
  // Lets the job accept a service_role JWT signed by the project (the scheduler may send one
  // instead of the exact key). Optional: without it only the exact key is accepted.
  SUPABASE_JWT_SECRET: z.string().min(32).optional(),
  JWT_SECRET: z.string().min(32).optional(),
  // Per-call limit for Storage API requests, so a hung Storage cannot eat the whole budget.
  STORAGE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
  // The external append-only sink that audit chain heads are published to (docs/AUDIT.md,
  // "Anchoring"). Optional so a project can deploy before ops provide it; until then anchors stay
  // queued and job health's audit_anchors_published turns red within the hour.
  AUDIT_ANCHOR_URL: emptyAsUnset(
    z.string().url().refine(
      isHttpsOrLoopback,
      "must be an https:// URL (http:// only for localhost)",
    ).optional(),
  ),
  AUDIT_ANCHOR_TOKEN: emptyAsUnset(z.string().min(1).optional()),
  // Per-call limit for publishing anchors, so a hung sink cannot eat the run's last seconds.
  AUDIT_ANCHOR_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});

/** An empty variable means "not set": a secret cleared in the dashboard is empty, not absent. */
function emptyAsUnset<T extends z.ZodTypeAny>(schema: T) {
  return z.preprocess((value) => value === "" ? undefined : value, schema);
}

function isHttpsOrLoopback(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  return protocol === "https:" ||
    (protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(hostname));
}

export interface AnchorSinkEnv {
  url: string;
  token: string | undefined;
  timeoutMs: number;
}

export interface JobEnv {
  supabaseUrl: string;
  serviceRoleKey: string;
  dbUrl: string;
  jwtSecret: string | undefined;
  storageTimeoutMs: number;
  /** Null when AUDIT_ANCHOR_URL is not set. */
  anchorSink: AnchorSinkEnv | null;
}

/** Errors name the variables, never their values. */
function parse<S extends z.ZodTypeAny>(
  schema: S,
  what: string,
  source: Record<string, string | undefined>,
): z.output<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid ${what} environment: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/** Reads and checks the job environment. */
export function loadJobEnv(
  source: Record<string, string | undefined> = Deno.env.toObject(),
): JobEnv {
  const env = parse(JobEnv, "job", source);
  return {
    supabaseUrl: env.SUPABASE_URL,
    serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
    dbUrl: env.SUPABASE_DB_URL,
    jwtSecret: env.SUPABASE_JWT_SECRET ?? env.JWT_SECRET,
    storageTimeoutMs: env.STORAGE_TIMEOUT_MS,
    anchorSink: env.AUDIT_ANCHOR_URL === undefined ? null : {
      url: env.AUDIT_ANCHOR_URL,
      token: env.AUDIT_ANCHOR_TOKEN,
      timeoutMs: env.AUDIT_ANCHOR_TIMEOUT_MS,
    },
  };
}

// A session JWT is verified with the project's secret, so one of the two names must hold it.
const SessionEnv = ProjectEnv.extend({
  SUPABASE_JWT_SECRET: emptyAsUnset(z.string().min(32).optional()),
  JWT_SECRET: emptyAsUnset(z.string().min(32).optional()),
}).refine((env) => env.SUPABASE_JWT_SECRET ?? env.JWT_SECRET, {
  message: "must be set (or JWT_SECRET)",
  path: ["SUPABASE_JWT_SECRET"],
});

export interface SessionEnv {
  supabaseUrl: string;
  serviceRoleKey: string;
  dbUrl: string;
  jwtSecret: string;
}

/** Reads and checks the environment of a function a signed-in user calls. */
export function loadSessionEnv(
  source: Record<string, string | undefined> = Deno.env.toObject(),
): SessionEnv {
  const env = parse(SessionEnv, "function", source);
  return {
    supabaseUrl: env.SUPABASE_URL,
    serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
    dbUrl: env.SUPABASE_DB_URL,
    jwtSecret: (env.SUPABASE_JWT_SECRET ?? env.JWT_SECRET)!,
  };
}
