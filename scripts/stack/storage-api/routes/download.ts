// GET /object/{bucket}/{name}: supabase-js download().
//
// The real route (getObject.ts, `/:bucketName/*`) lets a missing or bad JWT through as anon
// (allowInvalidJwt). The bucket is looked up as service_role: an anonymous caller of a private
// bucket, or a missing bucket, gets NoSuchBucket. The object is then looked up as the caller
// (RLS applies), unless the bucket is public.

import type { Ctx } from "../context.ts";
import { applyScope, superUserScope, withScope } from "../db.ts";
import { ERRORS } from "../errors.ts";

interface ObjectMetadata {
  eTag?: string;
  size?: number;
  mimetype?: string;
  cacheControl?: string;
  lastModified?: string;
}

async function findObject(ctx: Ctx, bucket: string, name: string): Promise<ObjectMetadata> {
  const scope = ctx.scope("storage.object.get_authenticated");
  return await withScope(ctx.deps.sql, scope, async (tx) => {
    await applyScope(tx, superUserScope(scope));
    const [b] = await tx`select public from storage.buckets where id = ${bucket}`;
    if (!b || (!ctx.auth.isAuthenticated && !b.public)) throw ERRORS.NoSuchBucket();
    if (!b.public) await applyScope(tx, scope);
    const [row] = await tx`select metadata from storage.objects
                           where bucket_id = ${bucket} and name = ${name}`;
    if (!row) throw ERRORS.NoSuchKey();
    return (row.metadata ?? {}) as ObjectMetadata;
  });
}

export async function downloadObject(ctx: Ctx, bucket: string, name: string): Promise<Response> {
  return await sendObject(ctx, bucket, name, await findObject(ctx, bucket, name));
}

/** The object's bytes with the headers its metadata gives. */
export async function sendObject(
  ctx: Ctx,
  bucket: string,
  name: string,
  md: ObjectMetadata,
): Promise<Response> {
  const file = await ctx.deps.disk.open(bucket, name);
  if (!file) throw ERRORS.NoSuchKey(); // a row without bytes: what the backend would report
  const headers = new Headers({
    "content-type": md.mimetype ?? "application/octet-stream",
    "content-length": String((await file.stat()).size),
    "cache-control": md.cacheControl ?? "no-cache",
  });
  if (md.eTag) headers.set("etag", md.eTag);
  if (md.lastModified) headers.set("last-modified", md.lastModified);
  return new Response(file.readable, { status: 200, headers });
}
