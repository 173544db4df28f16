// Runs a benchmark step in a transaction that is always rolled back, so a step can delete or
// append (the audit trail is append-only) and leave nothing behind. Answers what `fn` answered.
import type postgres from "postgres";

type Sql = ReturnType<typeof postgres>;

class RolledBack extends Error {}

export async function inRolledBackTransaction<T>(
  sql: Sql,
  fn: (tx: Sql) => Promise<T>,
): Promise<T> {
  let result!: T;
  try {
    await sql.begin(async (tx) => {
      result = await fn(tx as unknown as Sql);
      throw new RolledBack();
    });
  } catch (e) {
    if (!(e instanceof RolledBack)) throw e;
  }
  return result;
}
