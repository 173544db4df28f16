// /storage/v1/bucket routes: create, list, get, update, empty, delete.
// Bucket rows are read and written under the caller's role, so storage.buckets RLS
// applies (no policies ship, so in practice only service_role manages buckets).

import { type Ctx, isRecord, readJson } from "../context.ts";
import { applyScope, superUserScope, withScope } from "../db.ts";
import { ERRORS, fromDbError, ValidationError } from "../errors.ts";
import { bucketJson } from "../serialize.ts";
import { mustBeValidBucketName, parseFileSizeLimit } from "../validation.ts";

const BUCKET_COLUMNS =
  "id, name, owner, public, type, file_size_limit, allowed_mime_types, created_at, updated_at";
const SORT_COLUMNS = ["id", "name", "created_at", "updated_at"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

interface BucketFields {
  public?: boolean;
  file_size_limit?: number | null;
  allowed_mime_types?: string[] | null;
}

/** Validates the shared body fields of create/update like the Ajv schemas do. */
function bucketFields(body: Record<string, unknown>, globalLimit: number): BucketFields {
  const out: BucketFields = {};
  if (body.public !== undefined) {
    if (typeof body.public !== "boolean") {
      throw new ValidationError("body/public must be boolean");
    }
    out.public = body.public;
  }
  if (body.file_size_limit !== undefined) {
    const v = body.file_size_limit;
    if (v !== null && typeof v !== "number" && typeof v !== "string") {
      throw new ValidationError("body/file_size_limit must match a schema in anyOf");
    }
    const parsed = parseFileSizeLimit(v);
    // The real service refuses a bucket limit above the global upload limit.
    if (parsed !== null && parsed > globalLimit) throw ERRORS.EntityTooLarge();
    out.file_size_limit = parsed === 0 ? null : parsed;
  }
  if (body.allowed_mime_types !== undefined) {
    const v = body.allowed_mime_types;
    if (v !== null && (!Array.isArray(v) || v.some((m) => typeof m !== "string"))) {
      throw new ValidationError("body/allowed_mime_types must be array");
    }
    out.allowed_mime_types = v === null ? null : (v as string[]).filter((m) => m);
  }
  return out;
}

export async function createBucket(ctx: Ctx): Promise<Response> {
  const body = await readJson(ctx.req);
  if (!isRecord(body)) throw new ValidationError("body must be object");
  if (typeof body.name !== "string") {
    throw new ValidationError("body must have required property 'name'");
  }
  if (body.id !== undefined && typeof body.id !== "string") {
    throw new ValidationError("body/id must be string");
  }
  const id = (body.id as string | undefined) || body.name;
  mustBeValidBucketName(id);
  const fields = bucketFields(body, ctx.deps.config.fileSizeLimit);
  const sub = typeof ctx.auth.payload.sub === "string" ? ctx.auth.payload.sub : null;

  try {
    await withScope(
      ctx.deps.sql,
      ctx.scope("storage.bucket.create"),
      (tx) =>
        tx`insert into storage.buckets
           (id, name, owner, owner_id, public, file_size_limit, allowed_mime_types)
         values (${id}, ${body.name as string},
                 ${sub && UUID.test(sub) ? sub : null}, ${sub},
                 ${fields.public ?? false}, ${fields.file_size_limit ?? null},
                 ${fields.allowed_mime_types ?? null})`,
    );
  } catch (err) {
    const mapped = fromDbError(err as { code?: string; message?: string });
    if (mapped.code === "ResourceAlreadyExists") throw ERRORS.BucketAlreadyExists();
    throw mapped;
  }
  return Response.json({ name: body.name });
}

function intParam(url: URL, name: string, min: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v)) throw new ValidationError(`querystring/${name} must be integer`);
  if (v < min) throw new ValidationError(`querystring/${name} must be >= ${min}`);
  return v;
}

export async function listBuckets(ctx: Ctx): Promise<Response> {
  const { url } = ctx;
  const limit = intParam(url, "limit", 1);
  const offset = intParam(url, "offset", 0);
  const sortColumn = url.searchParams.get("sortColumn");
  const sortOrder = url.searchParams.get("sortOrder");
  const search = url.searchParams.get("search");
  if (sortColumn !== null && !SORT_COLUMNS.includes(sortColumn)) {
    throw new ValidationError("querystring/sortColumn must be equal to one of the allowed values");
  }
  if (sortOrder !== null && sortOrder !== "asc" && sortOrder !== "desc") {
    throw new ValidationError("querystring/sortOrder must be equal to one of the allowed values");
  }

  const rows = await withScope(
    ctx.deps.sql,
    ctx.scope("storage.bucket.list"),
    (tx) =>
      tx`select ${tx.unsafe(BUCKET_COLUMNS)} from storage.buckets
       where ${search ? tx`name ilike ${"%" + search + "%"}` : tx`true`}
       ${
        sortColumn
          ? tx`order by ${tx(sortColumn)} ${sortOrder === "desc" ? tx`desc` : tx`asc`}`
          : tx``
      }
       ${limit !== undefined ? tx`limit ${limit}` : tx``}
       ${offset !== undefined ? tx`offset ${offset}` : tx``}`,
  );
  return Response.json(rows.map((r) => bucketJson(r)));
}

export async function getBucket(ctx: Ctx, bucketId: string): Promise<Response> {
  const rows = await withScope(
    ctx.deps.sql,
    ctx.scope("storage.bucket.get"),
    (tx) => tx`select ${tx.unsafe(BUCKET_COLUMNS)} from storage.buckets where id = ${bucketId}`,
  );
  if (rows.length === 0) throw ERRORS.NoSuchBucket();
  return Response.json(bucketJson(rows[0]));
}

export async function updateBucket(ctx: Ctx, bucketId: string): Promise<Response> {
  const body = await readJson(ctx.req);
  if (!isRecord(body)) throw new ValidationError("body must be object");
  const fields = bucketFields(body, ctx.deps.config.fileSizeLimit);
  const rows = await withScope(
    ctx.deps.sql,
    ctx.scope("storage.bucket.update"),
    (tx) =>
      tx`update storage.buckets set
         public = ${fields.public === undefined ? tx`public` : tx`${fields.public}`},
         file_size_limit = ${
        fields.file_size_limit === undefined ? tx`file_size_limit` : tx`${fields.file_size_limit}`
      },
         allowed_mime_types = ${
        fields.allowed_mime_types === undefined
          ? tx`allowed_mime_types`
          : tx`${fields.allowed_mime_types}`
      },
         updated_at = now()
       where id = ${bucketId}
       returning id`,
  );
  if (rows.length === 0) throw ERRORS.NoSuchBucket();
  return Response.json({ message: "Successfully updated" });
}

export async function emptyBucket(ctx: Ctx, bucketId: string): Promise<Response> {
  const scope = ctx.scope("storage.bucket.empty");
  await withScope(ctx.deps.sql, scope, async (tx) => {
    await applyScope(tx, superUserScope(scope));
    const found = await tx`select id from storage.buckets where id = ${bucketId}`;
    if (found.length === 0) throw ERRORS.NoSuchBucket();
    await applyScope(tx, scope);
    const rows = await tx`delete from storage.objects where bucket_id = ${bucketId}
                          returning name`;
    for (const row of rows) await ctx.deps.disk.remove(bucketId, row.name);
  });
  return Response.json({ message: "Successfully emptied" });
}

export async function deleteBucket(ctx: Ctx, bucketId: string): Promise<Response> {
  const scope = ctx.scope("storage.bucket.delete");
  await withScope(ctx.deps.sql, scope, async (tx) => {
    // Existence and emptiness are checked with RLS bypassed, as the real service does.
    await applyScope(tx, superUserScope(scope));
    const found = await tx`select id from storage.buckets where id = ${bucketId} for update`;
    if (found.length === 0) throw ERRORS.NoSuchBucket();
    const objects = await tx`select 1 from storage.objects where bucket_id = ${bucketId} limit 1`;
    if (objects.length > 0) throw ERRORS.BucketNotEmpty();
    await applyScope(tx, scope);
    const deleted = await tx`delete from storage.buckets where id = ${bucketId} returning id`;
    if (deleted.length === 0) throw ERRORS.NoSuchBucket();
  });
  await ctx.deps.disk.removeBucketDir(bucketId);
  return Response.json({ message: "Successfully deleted" });
}
