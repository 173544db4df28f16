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

export function createSql(dbUrl: string, options: DbOptions): Sql {
  return postgres(dbUrl, {
    // Supavisor's transaction pooler (port 6543) cannot keep prepared statements across
    // transactions; unnamed statements work with the pooler and a direct connection alike.
    prepare: false,
    max: options.max ?? 2,
    idle_timeout: 20,
    connect_timeout: 10,
    // Keep bigint ids as strings: they go straight back into SQL, never into arithmetic.
    connection: { application_name: options.applicationName },
    onnotice: () => {},
  });
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
