// Response shaping. The real service passes rows through its Fastify response schema
// (objectSchema), which drops unknown columns (path_tokens, version flags, ...) and prints a
// null in a plain "string" field as "".

type Row = Record<string, unknown>;

function str(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function strOrNull(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : String(v);
}

function pick(row: Row, out: Row, key: string, f: (v: unknown) => unknown) {
  if (key in row && row[key] !== undefined) out[key] = f(row[key]);
}

/** objectSchema: as returned by remove() and list(). */
export function objectJson(row: Row): Row {
  const out: Row = {};
  for (const k of ["name", "bucket_id", "owner", "owner_id", "version"]) {
    pick(row, out, k, str);
  }
  for (const k of ["id", "updated_at", "created_at", "last_accessed_at"]) {
    pick(row, out, k, strOrNull);
  }
  for (const k of ["metadata", "user_metadata"]) pick(row, out, k, (v) => v);
  return out;
}
