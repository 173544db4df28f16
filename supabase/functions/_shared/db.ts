// The jobs' Postgres client. Jobs connect as `postgres` (SUPABASE_DB_URL) because the private
// functions they call are granted to no API role.
import postgres from "postgres";

export type Sql = postgres.Sql;

export interface DbOptions {
  /** Shown in pg_stat_activity, so a stuck job is easy to find. */
  applicationName: string;
  /** Small: one invocation runs its statements one after another. */
  max?: number;
}

const INT8 = 20;
const DATE_AND_TIME = [1082, 1083, 1114, 1184, 1266];

/**
 * Values arrive in the shapes database.types.ts declares for them (as PostgREST would send
 * them): bigint as a number, refused beyond 2^53 rather than rounded; dates and times as the
 * text Postgres prints.
 */
const valueTypes = {
  int8: {
    to: INT8,
    from: [INT8],
    serialize: (value: number) => String(value),
    parse: (text: string) => {
      const value = Number(text);
      if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} exceeds 2^53`);
      return value;
    },
  },
  dateAsText: {
    to: 1184,
    from: DATE_AND_TIME,
    serialize: (value: string) => value,
    parse: (text: string) => text,
  },
};

export function createSql(dbUrl: string, options: DbOptions): Sql {
  return postgres(dbUrl, {
    // Supavisor's transaction pooler (port 6543) cannot keep prepared statements across
    // transactions; unnamed statements work with the pooler and a direct connection alike.
    prepare: false,
    max: options.max ?? 2,
    idle_timeout: 20,
    connect_timeout: 10,
    connection: { application_name: options.applicationName },
    types: valueTypes,
    onnotice: () => {},
  }) as unknown as Sql;
}

const RETRYABLE = new Set(["40001", "40P01"]); // serialization failure, deadlock detected

/**
 * Runs one single-statement transaction, retrying it when Postgres aborted it for a
 * serialization failure or a deadlock: it was rolled back entirely, so running it again is safe.
 */
export async function withRetry<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1;; i++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || !code || !RETRYABLE.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 20 * i + Math.random() * 30));
    }
  }
}

/** An error's message, prefixed with its SQLSTATE when Postgres raised it. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? `${code}: ${text}` : text;
}
