// Signed download URLs: supabase-js createSignedUrl() (POST /object/sign/{bucket}/{name}
// {expiresIn}), createSignedUrls() (POST /object/sign/{bucket} {expiresIn, paths}), and the
// signed download itself (GET /object/sign/{bucket}/{name}?token=).
//
// As the real signObjectUrl / signObjectUrls: the objects are looked up AS THE CALLER (RLS
// decides what may be signed: a client without a select policy signs nothing), and the token
// carries {url, scope: 'download'} with exp = now + expiresIn. The signed download needs no
// Authorization: the token is the permission; the object is then read as service_role.

import { type Ctx, isRecord, readJson } from "../context.ts";
import { applyScope, superUserScope, withScope } from "../db.ts";
import { ERRORS } from "../errors.ts";
import { signToken, tokenFromQuery, verifyObjectSignature } from "../signed_token.ts";
import { sendObject } from "./download.ts";

const NOT_SIGNED = "Either the object does not exist or you do not have access to it";

function readExpiresIn(body: unknown): number {
  const invalid = (message: string) => ERRORS.RequestSchema(message);
  if (!isRecord(body)) throw invalid("body must be object");
  if (!("expiresIn" in body)) throw invalid("body must have required property 'expiresIn'");
  if (!Number.isInteger(body.expiresIn)) throw invalid("body/expiresIn must be integer");
  if ((body.expiresIn as number) < 1) throw invalid("body/expiresIn must be >= 1");
  return body.expiresIn as number;
}

export async function readSignBody(req: Request): Promise<{ expiresIn: number }> {
  return { expiresIn: readExpiresIn(await readJson(req)) };
}

export async function readSignManyBody(
  req: Request,
): Promise<{ expiresIn: number; paths: string[] }> {
  const body = await readJson(req);
  const invalid = (message: string) => ERRORS.RequestSchema(message);
  if (!isRecord(body)) throw invalid("body must be object");
  if (!("expiresIn" in body)) throw invalid("body must have required property 'expiresIn'");
  if (!("paths" in body)) throw invalid("body must have required property 'paths'");
  const expiresIn = readExpiresIn(body);
  if (!Array.isArray(body.paths)) throw invalid("body/paths must be array");
  if (body.paths.length < 1) throw invalid("body/paths must NOT have fewer than 1 items");
  body.paths.forEach((p, i) => {
    if (typeof p !== "string") throw invalid(`body/paths/${i} must be string`);
  });
  return { expiresIn, paths: body.paths as string[] };
}

/** The names among `names` that the caller can see in `bucket`. */
async function visibleNames(
  ctx: Ctx,
  operation: string,
  bucket: string,
  names: string[],
): Promise<Set<string>> {
  const rows = await withScope(
    ctx.deps.sql,
    ctx.scope(operation),
    async (tx) =>
      await tx`select name from storage.objects
             where bucket_id = ${bucket} and name = any(${names}::text[])`,
  );
  return new Set(rows.map((r) => r.name as string));
}

export async function signObjectUrl(
  ctx: Ctx,
  bucket: string,
  name: string,
  expiresIn: number,
): Promise<Response> {
  if (!(await visibleNames(ctx, "storage.object.sign", bucket, [name])).has(name)) {
    throw ERRORS.NoSuchKey();
  }
  const url = `${bucket}/${name}`;
  const token = await signToken({ url, scope: "download" }, ctx.deps.secret, expiresIn);
  return Response.json({ signedURL: `/object/sign/${url}?token=${token}` });
}

export async function signObjectUrls(
  ctx: Ctx,
  bucket: string,
  paths: string[],
  expiresIn: number,
): Promise<Response> {
  const visible = await visibleNames(ctx, "storage.object.sign_many", bucket, paths);
  const results = await Promise.all(paths.map(async (path) => {
    if (!visible.has(path)) return { error: NOT_SIGNED, path, signedURL: null };
    const url = `${bucket}/${path}`;
    const token = await signToken({ url, scope: "download" }, ctx.deps.secret, expiresIn);
    return { error: null, path, signedURL: `/object/sign/${url}?token=${token}` };
  }));
  return Response.json(results);
}

export async function downloadSignedObject(
  ctx: Ctx,
  target: string,
  bucket: string,
  name: string,
): Promise<Response> {
  const token = tokenFromQuery(target);
  await verifyObjectSignature(token, ctx.deps.secret, "download", bucket, name);
  const scope = ctx.scope("storage.object.get_signed");
  const metadata = await withScope(ctx.deps.sql, scope, async (tx) => {
    await applyScope(tx, superUserScope(scope));
    const [row] = await tx`select metadata from storage.objects
                           where bucket_id = ${bucket} and name = ${name}`;
    if (!row) throw ERRORS.NoSuchKey();
    return (row.metadata ?? {}) as Record<string, unknown>;
  });
  return await sendObject(ctx, bucket, name, metadata);
}
