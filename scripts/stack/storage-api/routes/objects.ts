// /storage/v1/object routes: upload, download, info/HEAD, list, remove.
//
// Every handler runs its queries in ONE transaction. Like storage-api, a few lookups
// (the bucket's limits, public buckets) are done re-scoped as service_role; the
// object queries themselves run as the caller so storage.objects RLS applies.

import { basename } from "node:path";
import { type Ctx, isRecord, readJson } from "../context.ts";
import { applyScope, type Scope, superUserScope, type Tx, withScope } from "../db.ts";
import type { TempFile } from "../disk.ts";
import { boundaryOf, parseMultipart, type Part } from "../multipart.ts";
import { ERRORS, fromDbError, StorageError, ValidationError } from "../errors.ts";
import { objectJson } from "../serialize.ts";
import { isEmptyFolderPlaceholder, mustBeValidKey, validateMimeType } from "../validation.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

interface ObjectMetadata {
  eTag: string;
  size: number;
  mimetype: string;
  cacheControl: string;
  lastModified: string;
  contentLength: number;
  httpStatusCode: number;
}

interface IncomingFile {
  temp: TempFile;
  mimeType: string;
  cacheControl: string;
  userMetadata: Record<string, unknown> | null;
}

function parseJsonObject(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text);
    return isRecord(v) ? v : null;
  } catch {
    return null; // the real service ignores unparsable metadata too
  }
}

/** Reads the upload body (multipart form or raw bytes) into a temp file. */
async function incomingFile(ctx: Ctx, limit: number): Promise<IncomingFile> {
  const { req, deps } = ctx;
  const contentType = req.headers.get("content-type") ?? "";
  if (contentType.startsWith("multipart/form-data")) {
    const boundary = boundaryOf(contentType);
    let parts: Part[];
    try {
      if (!boundary) throw new Error("no boundary");
      parts = parseMultipart(new Uint8Array(await req.arrayBuffer()), boundary);
    } catch {
      throw ERRORS.NoContentProvided();
    }
    // Like request.file(): the first part with a filename is the file.
    const file = parts.find((p) => p.filename !== undefined);
    if (!file) throw ERRORS.NoContentProvided();
    const field = (name: string) => {
      const p = parts.find((x) => x.filename === undefined && x.name === name);
      return p ? new TextDecoder().decode(p.data) : null;
    };
    const cacheTime = field("cacheControl");
    return {
      temp: await deps.disk.writeTemp(new Blob([file.data]).stream(), limit),
      mimeType: field("contentType") || file.contentType || "application/octet-stream",
      cacheControl: cacheTime ? `max-age=${cacheTime}` : "no-cache",
      userMetadata: parseJsonObject(field("metadata") ?? field("userMetadata")),
    };
  }
  let userMetadata: Record<string, unknown> | null = null;
  const header = req.headers.get("x-metadata");
  if (header) {
    try {
      userMetadata = parseJsonObject(
        new TextDecoder().decode(Uint8Array.from(atob(header), (c) => c.charCodeAt(0))),
      );
    } catch {
      userMetadata = null;
    }
  }
  return {
    temp: await deps.disk.writeTemp(req.body, limit),
    mimeType: contentType || "application/octet-stream",
    cacheControl: req.headers.get("cache-control") ?? "no-cache",
    userMetadata,
  };
}

function ownerColumns(ctx: Ctx): { owner: string | null; owner_id: string | null } {
  const sub = ctx.auth.payload.sub;
  if (typeof sub !== "string" || sub === "") return { owner: null, owner_id: null };
  return { owner: UUID.test(sub) ? sub : null, owner_id: sub };
}

/** Thrown out of the savepoint to undo the RLS probe row. */
const PERMISSION_OK = Symbol("permission ok");

/**
 * storage-api's canUpload(): try the insert (or upsert) as the caller, then roll it
 * back. RLS violations and duplicates surface here exactly as in the real service.
 */
async function checkUploadPermission(
  tx: Tx,
  bucket: string,
  name: string,
  isUpsert: boolean,
  owner: { owner: string | null; owner_id: string | null },
): Promise<void> {
  try {
    await tx.savepoint(async (sp) => {
      if (isUpsert) {
        await sp`insert into storage.objects (bucket_id, name, owner, owner_id, version)
                 values (${bucket}, ${name}, ${owner.owner}, ${owner.owner_id}, '1')
                 on conflict (name, bucket_id) do update set
                   version = excluded.version, owner = excluded.owner,
                   owner_id = excluded.owner_id
                 returning *`;
      } else {
        await sp`insert into storage.objects (bucket_id, name, owner, owner_id, version)
                 values (${bucket}, ${name}, ${owner.owner}, ${owner.owner_id}, '1')`;
      }
      throw PERMISSION_OK;
    });
  } catch (err) {
    if (err === PERMISSION_OK) return;
    const mapped = err instanceof StorageError ? err : fromDbError(err as { code?: string });
    if (mapped.code === "ResourceAlreadyExists" && !isUpsert) throw ERRORS.KeyAlreadyExists();
    throw mapped;
  }
}

/** POST (x-upsert) and PUT (always upsert) /object/{bucket}/{name}. */
export async function uploadObject(
  ctx: Ctx,
  bucket: string,
  name: string,
  isUpsert: boolean,
  operation: string,
): Promise<Response> {
  const { deps } = ctx;
  const scope = ctx.scope(operation);
  const owner = ownerColumns(ctx);
  let temp: TempFile | null = null;
  try {
    const id = await withScope(deps.sql, scope, async (tx) => {
      // Bucket limits are read with RLS bypassed, as the real uploader does.
      await applyScope(tx, superUserScope(scope));
      const [b] = await tx`select id, file_size_limit, allowed_mime_types
                           from storage.buckets where id = ${bucket}`;
      if (!b) throw ERRORS.NoSuchBucket();
      mustBeValidKey(name);

      const placeholder = isEmptyFolderPlaceholder(name);
      let limit = deps.config.fileSizeLimit;
      if (typeof b.file_size_limit === "number") limit = Math.min(limit, b.file_size_limit);
      if (placeholder) limit = 0;

      const file = await incomingFile(ctx, limit);
      temp = file.temp;
      const allowed = b.allowed_mime_types as string[] | null;
      if (allowed && allowed.length > 0 && !placeholder) {
        validateMimeType(file.mimeType, allowed);
      }

      await applyScope(tx, scope);
      await checkUploadPermission(tx, bucket, name, isUpsert, owner);
      if (file.temp.truncated) throw ERRORS.EntityTooLarge();

      const metadata: ObjectMetadata = {
        eTag: file.temp.eTag,
        size: file.temp.size,
        mimetype: file.mimeType,
        cacheControl: file.cacheControl,
        lastModified: new Date().toUTCString(),
        contentLength: file.temp.size,
        httpStatusCode: 200,
      };
      // The permanent row is written as service_role, like completeUpload().
      await applyScope(tx, superUserScope(scope));
      const [row] = await tx`
        insert into storage.objects
          (bucket_id, name, owner, owner_id, metadata, user_metadata, version)
        values (${bucket}, ${name}, ${owner.owner}, ${owner.owner_id},
                ${JSON.stringify(metadata)}::text::jsonb,
                ${
        file.userMetadata === null ? null : JSON.stringify(file.userMetadata)
      }::text::jsonb,
                ${crypto.randomUUID()})
        on conflict (name, bucket_id) do update set
          metadata = excluded.metadata, user_metadata = excluded.user_metadata,
          version = excluded.version, owner = excluded.owner, owner_id = excluded.owner_id
        returning id`;
      await applyScope(tx, scope);
      return row.id as string;
    });
    // Bytes go into place only once the row has committed.
    await deps.disk.commit((temp as TempFile | null)!.path, bucket, name);
    temp = null;
    return Response.json({ Id: id, Key: `${bucket}/${name}` });
  } finally {
    const leftover = temp as TempFile | null;
    if (leftover) await deps.disk.discard(leftover.path);
  }
}

interface FoundObject {
  id: string;
  name: string;
  bucket_id: string;
  version: string | null;
  metadata: Partial<ObjectMetadata> | null;
  user_metadata: Record<string, unknown> | null;
  created_at: Date | null;
  updated_at: Date | null;
}

/**
 * Object lookup for reads. `mode` mirrors the real routes: "authenticated" goes
 * through RLS unless the bucket is public; "public" requires a public bucket and
 * bypasses RLS; "info" always goes through RLS.
 */
async function findForRead(
  ctx: Ctx,
  bucket: string,
  name: string,
  mode: "authenticated" | "public" | "info",
  operation: string,
): Promise<FoundObject> {
  const scope: Scope = ctx.scope(operation);
  return await withScope(ctx.deps.sql, scope, async (tx) => {
    let bypass = false;
    if (mode !== "info") {
      await applyScope(tx, superUserScope(scope));
      const [b] = await tx`select id, public from storage.buckets where id = ${bucket}`;
      if (mode === "public") {
        if (!b || !b.public) throw ERRORS.NoSuchBucket();
      } else if (!ctx.auth.isAuthenticated && !b?.public) {
        throw ERRORS.AccessDenied("Access denied to this bucket");
      }
      if (!b) throw ERRORS.NoSuchBucket();
      bypass = Boolean(b.public);
      if (!bypass) await applyScope(tx, scope);
    }
    mustBeValidKey(name);
    const [row] = await tx`
      select id, name, bucket_id, version, metadata, user_metadata, created_at, updated_at
      from storage.objects where bucket_id = ${bucket} and name = ${name}`;
    if (bypass) await applyScope(tx, scope);
    if (!row) throw ERRORS.NoSuchKey();
    return row as unknown as FoundObject;
  });
}

function assetHeaders(obj: FoundObject): Headers {
  const md = obj.metadata ?? {};
  const headers = new Headers();
  headers.set("content-type", md.mimetype ?? "application/octet-stream");
  if (md.size !== undefined) headers.set("content-length", String(md.size));
  headers.set("cache-control", md.cacheControl ?? "no-cache");
  if (md.eTag) headers.set("etag", md.eTag);
  if (md.lastModified) {
    const d = new Date(md.lastModified);
    if (!isNaN(d.getTime())) headers.set("last-modified", d.toUTCString());
  }
  return headers;
}

/** GET /object/{bucket}/{name}, /object/authenticated/..., /object/public/... */
export async function downloadObject(
  ctx: Ctx,
  bucket: string,
  name: string,
  mode: "authenticated" | "public",
): Promise<Response> {
  const operation = mode === "public"
    ? "storage.object.get_public"
    : "storage.object.get_authenticated";
  const obj = await findForRead(ctx, bucket, name, mode, operation);
  const file = await ctx.deps.disk.open(bucket, name);
  if (!file) throw ERRORS.NoSuchKey(); // row without bytes: what S3 would report
  const headers = assetHeaders(obj);
  const size = (await file.stat()).size;
  headers.set("content-length", String(size));
  const download = ctx.url.searchParams.get("download");
  if (download !== null) {
    const filename = download || basename(name);
    headers.set("content-disposition", `attachment; filename=${encodeURIComponent(filename)};`);
  }
  return new Response(file.readable, { status: 200, headers });
}

/** HEAD /object/{bucket}/{name} and /object/authenticated/...: headers only. */
export async function headObject(
  ctx: Ctx,
  bucket: string,
  name: string,
  mode: "authenticated" | "public",
): Promise<Response> {
  const operation = mode === "public"
    ? "storage.object.info_public"
    : "storage.object.info_authenticated";
  const obj = await findForRead(
    ctx,
    bucket,
    name,
    mode === "public" ? "public" : "info",
    operation,
  );
  return new Response(null, { status: 200, headers: assetHeaders(obj) });
}

/** GET /object/info/{bucket}/{name}: what supabase-js info()/exists() read. */
export async function objectInfo(
  ctx: Ctx,
  bucket: string,
  name: string,
  mode: "authenticated" | "public",
): Promise<Response> {
  const operation = mode === "public"
    ? "storage.object.info_public"
    : "storage.object.info_authenticated";
  const obj = await findForRead(
    ctx,
    bucket,
    name,
    mode === "public" ? "public" : "info",
    operation,
  );
  const md = obj.metadata ?? {};
  const headers = assetHeaders(obj);
  headers.set("content-type", "application/json");
  headers.set("cache-control", "no-cache");
  headers.delete("content-length");
  return new Response(
    JSON.stringify({
      id: obj.id,
      name: obj.name,
      version: obj.version,
      bucket_id: obj.bucket_id,
      size: md.size ?? null,
      content_type: md.mimetype ?? null,
      cache_control: md.cacheControl ?? null,
      etag: md.eTag ?? null,
      metadata: obj.user_metadata,
      last_modified: obj.updated_at,
      created_at: obj.created_at,
    }),
    { status: 200, headers },
  );
}

const LIST_SORT_COLUMNS = ["name", "updated_at", "created_at", "last_accessed_at"];

/**
 * POST /object/list/{bucket}. Same result as storage.search(): one level below
 * `prefix`, folders first (id and timestamps null), then files, prefix matched with
 * ILIKE (so '_' and '%' in a prefix are wildcards there too).
 */
export async function listObjects(ctx: Ctx, bucket: string): Promise<Response> {
  const body = await readJson(ctx.req);
  if (!isRecord(body)) throw new ValidationError("body must be object");
  if (typeof body.prefix !== "string") {
    throw new ValidationError("body must have required property 'prefix'");
  }
  const limit = body.limit ?? 100;
  const offset = body.offset ?? 0;
  if (!Number.isInteger(limit)) throw new ValidationError("body/limit must be integer");
  if ((limit as number) < 1) throw new ValidationError("body/limit must be >= 1");
  if (!Number.isInteger(offset)) throw new ValidationError("body/offset must be integer");
  if ((offset as number) < 0) throw new ValidationError("body/offset must be >= 0");
  if (body.search !== undefined && typeof body.search !== "string") {
    throw new ValidationError("body/search must be string");
  }
  let column = "name";
  let order = "asc";
  if (body.sortBy !== undefined) {
    if (!isRecord(body.sortBy)) throw new ValidationError("body/sortBy must be object");
    const c = body.sortBy.column;
    const o = body.sortBy.order ?? "asc";
    if (typeof c !== "string" || !LIST_SORT_COLUMNS.includes(c)) {
      throw new ValidationError(
        "body/sortBy/column must be equal to one of the allowed values",
      );
    }
    if (o !== "asc" && o !== "desc") {
      throw new ValidationError("body/sortBy/order must be equal to one of the allowed values");
    }
    column = c;
    order = o;
  }

  let prefix = body.prefix;
  if (prefix.length > 0 && !prefix.endsWith("/")) prefix = `${prefix}/`;
  const levels = prefix.split("/").length;
  const pattern = prefix + ((body.search as string | undefined) ?? "") + "%";

  const rows = await withScope(ctx.deps.sql, ctx.scope("storage.object.list"), (tx) => {
    const dir = order === "desc" ? tx`desc` : tx`asc`;
    return tx`
      with matching as (
        select * from storage.objects
        where bucket_id = ${bucket} and name ilike ${pattern}
      ), folders as (
        select path_tokens[${levels}] as folder from matching
        where array_length(path_tokens, 1) <> ${levels}
        group by folder
      )
      (select folder as name, null::uuid as id, null::timestamptz as updated_at,
              null::timestamptz as created_at, null::timestamptz as last_accessed_at,
              null::jsonb as metadata
       from folders order by folder ${dir})
      union all
      (select path_tokens[${levels}] as name, id, updated_at, created_at,
              last_accessed_at, metadata
       from matching where array_length(path_tokens, 1) = ${levels}
       order by ${tx(column)} ${dir})
      limit ${limit as number} offset ${offset as number}`;
  });
  return Response.json(rows.map((r) => objectJson(r)));
}

/** Wire error for an injected remove failure. */
function injectedError(status: number, message?: string): StorageError {
  return new StorageError({
    code: "InternalError",
    httpStatusCode: status,
    userStatusCode: status,
    message: message ?? "Internal server error (injected by stand-in)",
  });
}

/**
 * DELETE /object/{bucket} with {"prefixes": [...]}. Rows are deleted first, as the
 * caller (RLS decides what goes), then the bytes of exactly those rows; the response
 * lists only the rows actually deleted.
 */
export async function removeObjects(ctx: Ctx, bucket: string): Promise<Response> {
  const body = await readJson(ctx.req);
  if (!isRecord(body)) throw new ValidationError("body must be object");
  if (!("prefixes" in body)) {
    throw new ValidationError("body must have required property 'prefixes'");
  }
  const prefixes = body.prefixes;
  if (!Array.isArray(prefixes)) throw new ValidationError("body/prefixes must be array");
  if (prefixes.length < 1) {
    throw new ValidationError("body/prefixes must NOT have fewer than 1 items");
  }
  const bad = prefixes.findIndex((p) => typeof p !== "string");
  if (bad >= 0) throw new ValidationError(`body/prefixes/${bad} must be string`);
  const limit = ctx.deps.config.deleteObjectsLimit;
  if (prefixes.length > limit) {
    throw ERRORS.InvalidRequest(
      `Bulk object requests are limited to ${limit} objects per request.`,
    );
  }

  let names = prefixes as string[];
  const fault = ctx.deps.faults.takeForRemove(bucket);
  if (fault) {
    console.log(`[standin] fault ${fault.mode} applied to remove on ${bucket}`);
    if (fault.mode === "error") throw injectedError(fault.status, fault.message);
    if (fault.mode === "hang") {
      await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.then === "error") throw injectedError(503);
    }
    if (fault.mode === "partial") names = names.slice(0, fault.k);
  }

  const rows = names.length === 0
    ? []
    : await withScope(ctx.deps.sql, ctx.scope("storage.object.delete_many"), async (tx) => {
      const deleted = await tx`
        delete from storage.objects
        where bucket_id = ${bucket} and name = any(${tx.array(names)}::text[])
        returning *`;
      // Like the real service, bytes are removed before the transaction commits.
      for (const row of deleted) await ctx.deps.disk.remove(bucket, row.name);
      return deleted;
    });
  return Response.json(rows.map((r) => objectJson(r)));
}

/** DELETE /object/{bucket}/{name}: single delete. */
export async function deleteObject(ctx: Ctx, bucket: string, name: string): Promise<Response> {
  const scope = ctx.scope("storage.object.delete");
  await withScope(ctx.deps.sql, scope, async (tx) => {
    await applyScope(tx, superUserScope(scope));
    mustBeValidKey(name);
    const [found] = await tx`select id from storage.objects
                             where bucket_id = ${bucket} and name = ${name} for update`;
    if (!found) throw ERRORS.NoSuchKey();
    await applyScope(tx, scope);
    const deleted = await tx`delete from storage.objects
                             where bucket_id = ${bucket} and name = ${name} returning name`;
    if (deleted.length === 0) throw ERRORS.NoSuchKey();
    await ctx.deps.disk.remove(bucket, name);
  });
  return Response.json({ message: "Successfully deleted" });
}
