// Calls of the private.* functions the jobs run, typed by the generated database.types.ts:
// arguments are passed by name (`p_limit => $1`), so a renamed, retyped or new required
// parameter fails `deno check` once the types are regenerated. Rows come back in the generated
// row types; a jsonb result is `Json` there, and each caller parses it with its own schema.
import type { Database, Json } from "./database.types.ts";
import type { Sql } from "./db.ts";

type Functions = Database["private"]["Functions"];
export type PrivateFunction = keyof Functions;
export type ArgsOf<F extends PrivateFunction> = Functions[F]["Args"];
type ReturnsOf<F extends PrivateFunction> = Functions[F]["Returns"];

type RowShape = Record<string, unknown>;
/** Functions returning rows: a table, a set, or one composite row. */
export type RowFunction = {
  [F in PrivateFunction]: ReturnsOf<F> extends RowShape | RowShape[]
    ? Json extends ReturnsOf<F> ? never : F
    : never;
}[PrivateFunction];
/** Functions returning one value: jsonb, a scalar, or nothing. */
export type ValueFunction = Exclude<PrivateFunction, RowFunction>;
export type RowOf<F extends RowFunction> = ReturnsOf<F> extends (infer R)[] ? R : ReturnsOf<F>;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function invocation(name: string, args: object): [text: string, values: unknown[]] {
  const entries = Object.entries(args).filter(([, value]) => value !== undefined);
  for (const identifier of [name, ...entries.map(([key]) => key)]) {
    if (!IDENTIFIER.test(identifier)) throw new Error(`not an SQL identifier: ${identifier}`);
  }
  const params = entries.map(([key], i) => `${key} => $${i + 1}`).join(", ");
  return [`private.${name}(${params})`, entries.map(([, value]) => value)];
}

/** The value of a function returning one value. */
export async function callValue<F extends ValueFunction>(
  sql: Sql,
  name: F,
  args: ArgsOf<F>,
): Promise<ReturnsOf<F>> {
  const [call, values] = invocation(name, args);
  const [row] = await sql.unsafe<[{ value: ReturnsOf<F> }]>(
    `select ${call} as value`,
    values as never[],
  );
  return row.value;
}

/**
 * The rows of a function returning rows. A function returning one composite row answers "none"
 * with a row of nulls, which is left out.
 */
export async function callRows<F extends RowFunction>(
  sql: Sql,
  name: F,
  args: ArgsOf<F>,
): Promise<RowOf<F>[]> {
  const [call, values] = invocation(name, args);
  const rows = await sql.unsafe<RowOf<F>[]>(
    `select * from ${call} as r where not (r is null)`,
    values as never[],
  );
  return [...rows];
}
