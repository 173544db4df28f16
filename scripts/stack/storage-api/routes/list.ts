// POST /object/list/{bucket}: supabase-js list(), the result of the real storage.search()
// sorted by name.
//
// One level below `prefix` (a "/" is appended when missing, as searchObjects() does). Objects
// match when their name starts with `prefix` + `search`, compared literally and without regard
// to case (the real function compares lower(name) in collation "C"; `_` and `%` are ordinary
// characters). Each deeper path shows once, as a folder (id, timestamps and metadata null),
// whatever the case of its name. Folders and files come back together in the order of
// lower(name) collate "C", named relative to `prefix`. The query runs as the caller, so
// storage.objects RLS applies.

import { type Ctx, isRecord, readJson } from "../context.ts";
import { withScope } from "../db.ts";
import { ERRORS } from "../errors.ts";
import { objectJson } from "../serialize.ts";

/** storage.search() returns at most this many entries, whatever `limit` asks for. */
const MAX_LIMIT = 1500;
const SORT_COLUMNS = ["name", "updated_at", "created_at", "last_accessed_at"];

interface ListBody {
  prefix: string;
  limit: number;
  offset: number;
  search: string;
  descending: boolean;
}

/** The real route's body schema, checked in the same order as Ajv reports it. */
export async function readListBody(req: Request): Promise<ListBody> {
  const body = await readJson(req);
  const invalid = (message: string) => ERRORS.RequestSchema(message);
  if (!isRecord(body)) throw invalid("body must be object");
  if (!("prefix" in body)) throw invalid("body must have required property 'prefix'");
  if (typeof body.prefix !== "string") throw invalid("body/prefix must be string");
  const { limit = 100, offset = 0, search = "", sortBy } = body;
  if (!Number.isInteger(limit)) throw invalid("body/limit must be integer");
  if ((limit as number) < 1) throw invalid("body/limit must be >= 1");
  if (!Number.isInteger(offset)) throw invalid("body/offset must be integer");
  if ((offset as number) < 0) throw invalid("body/offset must be >= 0");
  if (typeof search !== "string") throw invalid("body/search must be string");
  let descending = false;
  if (sortBy !== undefined) {
    if (!isRecord(sortBy)) throw invalid("body/sortBy must be object");
    if (!("column" in sortBy)) throw invalid("body/sortBy must have required property 'column'");
    if (!SORT_COLUMNS.includes(sortBy.column as string)) {
      throw invalid("body/sortBy/column must be equal to one of the allowed values");
    }
    // The product lists by name only, so the stand-in implements that order alone.
    if (sortBy.column !== "name") {
      throw ERRORS.InvalidRequest('the stand-in lists by name only (sortBy.column "name")');
    }
    const order = sortBy.order ?? "asc";
    if (order !== "asc" && order !== "desc") {
      throw invalid("body/sortBy/order must be equal to one of the allowed values");
    }
    descending = order === "desc";
  }
  return {
    prefix: body.prefix,
    limit: limit as number,
    offset: offset as number,
    search,
    descending,
  };
}

export async function listObjects(ctx: Ctx, bucket: string, body: ListBody): Promise<Response> {
  const prefix = body.prefix !== "" && !body.prefix.endsWith("/") ? `${body.prefix}/` : body.prefix;
  const rows = await withScope(ctx.deps.sql, ctx.scope("storage.object.list"), (tx) =>
    tx`
      with matching as (
        select o.*, substr(o.name, char_length(${prefix}::text) + 1) as rest
        from storage.objects o
        where o.bucket_id = ${bucket}
          and starts_with(lower(o.name), lower(${prefix + body.search}::text))
      ), placed as (
        -- the first "/" after the search text makes the entry a folder
        select m.*, strpos(substr(m.rest, char_length(${body.search}::text) + 1), '/') as slash
        from matching m
      ), entries as (
        -- a folder shows once whatever the case of its name, named as its first object has it
        select (array_agg(left(rest, char_length(${body.search}::text) + slash - 1)
                          order by lower(p.name) collate "C"))[1] as name,
               null::uuid as id, null::timestamptz as updated_at, null::timestamptz as created_at,
               null::timestamptz as last_accessed_at, null::jsonb as metadata,
               min(lower(p.name) collate "C") as sort_key
        from placed p where slash > 0
        group by lower(left(rest, char_length(${body.search}::text) + slash - 1))
        union all
        select rest, id, updated_at, created_at, last_accessed_at, metadata,
               lower(p.name) collate "C"
        from placed p where slash = 0
      )
      select name, id, updated_at, created_at, last_accessed_at, metadata from entries
      order by sort_key collate "C" ${body.descending ? tx`desc` : tx`asc`}
      limit ${Math.min(body.limit, MAX_LIMIT)} offset ${body.offset}`);
  return Response.json(rows.map((r) => objectJson(r)));
}
