// POST /object/{bucket}/{name}: supabase-js upload(), multipart form or raw body, `x-upsert`.
//
// As in storage-api: the bucket's limits are read as service_role; the permission probe
// (insert, or upsert, as the caller) runs in a savepoint and is rolled back; the permanent row
// is written as service_role. Everything runs in ONE transaction, and the bytes go into place
// only once that transaction has committed.

import { type Ctx, isRecord } from "../context.ts";
import { applyScope, superUserScope, type Tx, withScope } from "../db.ts";
import type { TempFile } from "../disk.ts";
import { ERRORS, fromDbError, StorageError } from "../errors.ts";
import { boundaryOf, parseMultipart, type Part } from "../multipart.ts";
import { isEmptyFolderPlaceholder, mustBeValidKey, validateMimeType } from "../validation.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

interface IncomingFile {
  temp: TempFile;
  mimeType: string;
  cacheControl: string;
  /** Always an object: the real uploader stores `{...parsed}`, so `{}` when none was sent. */
  userMetadata: Record<string, unknown>;
}

interface Owner {
  owner: string | null;
  owner_id: string | null;
}

/** Like the real uploader: unparsable metadata is ignored; the result is always an object. */
function userMetadataFrom(json: string | null): Record<string, unknown> {
  if (!json) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    return isRecord(parsed) ? { ...parsed } : {};
  } catch {
    return {};
  }
}

async function multipartFile(ctx: Ctx, contentType: string, limit: number): Promise<IncomingFile> {
  const boundary = boundaryOf(contentType);
  let parts: Part[];
  try {
    if (!boundary) throw new Error("no boundary");
    parts = parseMultipart(new Uint8Array(await ctx.req.arrayBuffer()), boundary);
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
    temp: await ctx.deps.disk.writeTemp(new Blob([file.data]).stream(), limit),
    mimeType: field("contentType") || file.contentType || "application/octet-stream",
    cacheControl: cacheTime ? `max-age=${cacheTime}` : "no-cache",
    userMetadata: userMetadataFrom(field("metadata") ?? field("userMetadata")),
  };
}

/** The `x-metadata` header: base64 of the JSON, as supabase-js sends it with a raw body. */
function metadataHeader(headers: Headers): string | null {
  const value = headers.get("x-metadata");
  if (!value) return null;
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

async function rawFile(ctx: Ctx, contentType: string, limit: number): Promise<IncomingFile> {
  return {
    temp: await ctx.deps.disk.writeTemp(ctx.req.body, limit),
    mimeType: contentType || "application/octet-stream",
    cacheControl: ctx.req.headers.get("cache-control") ?? "no-cache",
    userMetadata: userMetadataFrom(metadataHeader(ctx.req.headers)),
  };
}

/** The object's owner: the caller's `sub`, or the `owner` a signed upload token carries. */
export function ownerOf(sub: unknown): Owner {
  if (typeof sub !== "string" || sub === "") return { owner: null, owner_id: null };
  return { owner: UUID.test(sub) ? sub : null, owner_id: sub };
}

/** Thrown out of the savepoint to undo the probe row. */
const PERMISSION_OK = Symbol("permission ok");

/**
 * storage-api's canUpload(): the insert (or upsert) as the caller, rolled back. It is the real
 * createObject(), an INSERT ... RETURNING *, so the caller needs a select policy on the new
 * row as well as an insert policy. RLS violations and duplicates surface here exactly as in
 * the real service.
 */
export async function checkUploadPermission(
  tx: Tx,
  bucket: string,
  name: string,
  isUpsert: boolean,
  owner: Owner,
): Promise<void> {
  try {
    await tx.savepoint(async (sp) => {
      await sp`insert into storage.objects (bucket_id, name, owner, owner_id, version)
               values (${bucket}, ${name}, ${owner.owner}, ${owner.owner_id}, '1')
               ${
        isUpsert
          ? sp`on conflict (name, bucket_id) do update set
                 version = excluded.version, owner = excluded.owner, owner_id = excluded.owner_id`
          : sp``
      }
               returning *`;
      throw PERMISSION_OK;
    });
  } catch (err) {
    if (err === PERMISSION_OK) return;
    const mapped = err instanceof StorageError ? err : fromDbError(err as { code?: string });
    if (mapped.code === "ResourceAlreadyExists" && !isUpsert) throw ERRORS.KeyAlreadyExists();
    throw mapped;
  }
}

export interface UploadOptions {
  /** storage.operation of the request. */
  operation: string;
  isUpsert: boolean;
  owner: Owner;
}

/** The options of a plain upload: upsert from `x-upsert`, owner from the caller's `sub`. */
export function callerUpload(ctx: Ctx): UploadOptions {
  return {
    operation: "storage.object.upload",
    isUpsert: ctx.req.headers.get("x-upsert") === "true",
    owner: ownerOf(ctx.auth.payload.sub),
  };
}

export async function uploadObject(
  ctx: Ctx,
  bucket: string,
  name: string,
  options: UploadOptions = callerUpload(ctx),
): Promise<Response> {
  const { deps, req } = ctx;
  const { isUpsert, owner } = options;
  const scope = ctx.scope(options.operation);
  let temp: TempFile | null = null;
  try {
    const id = await withScope(deps.sql, scope, async (tx) => {
      await applyScope(tx, superUserScope(scope));
      const [b] = await tx`select file_size_limit, allowed_mime_types
                           from storage.buckets where id = ${bucket}`;
      if (!b) throw ERRORS.NoSuchBucket();
      mustBeValidKey(name);

      const placeholder = isEmptyFolderPlaceholder(name);
      let limit = deps.config.fileSizeLimit;
      if (typeof b.file_size_limit === "number") limit = Math.min(limit, b.file_size_limit);
      if (placeholder) limit = 0;

      const contentType = req.headers.get("content-type") ?? "";
      const file = contentType.startsWith("multipart/form-data")
        ? await multipartFile(ctx, contentType, limit)
        : await rawFile(ctx, contentType, limit);
      temp = file.temp;
      const allowed = b.allowed_mime_types as string[] | null;
      if (allowed && allowed.length > 0 && !placeholder) validateMimeType(file.mimeType, allowed);

      await applyScope(tx, scope);
      await checkUploadPermission(tx, bucket, name, isUpsert, owner);
      if (file.temp.truncated) throw ERRORS.EntityTooLarge();

      const metadata = {
        eTag: file.temp.eTag,
        size: file.temp.size,
        mimetype: file.mimeType,
        cacheControl: file.cacheControl,
        lastModified: new Date().toUTCString(),
        contentLength: file.temp.size,
        httpStatusCode: 200,
      };
      await applyScope(tx, superUserScope(scope));
      const [row] = await tx`
        insert into storage.objects
          (bucket_id, name, owner, owner_id, metadata, user_metadata, version)
        values (${bucket}, ${name}, ${owner.owner}, ${owner.owner_id},
                ${JSON.stringify(metadata)}::text::jsonb,
                ${JSON.stringify(file.userMetadata)}::text::jsonb, ${crypto.randomUUID()})
        on conflict (name, bucket_id) do update set
          metadata = excluded.metadata, user_metadata = excluded.user_metadata,
          version = excluded.version, owner = excluded.owner, owner_id = excluded.owner_id
        returning id`;
      await applyScope(tx, scope);
      return row.id as string;
    });
    await deps.disk.commit((temp as TempFile | null)!.path, bucket, name);
    temp = null;
    return Response.json({ Id: id, Key: `${bucket}/${name}` });
  } finally {
    const leftover = temp as TempFile | null;
    if (leftover) await deps.disk.discard(leftover.path);
  }
}
