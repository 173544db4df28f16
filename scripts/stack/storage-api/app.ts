// Request routing for the stand-in: maps the Storage API paths (as served under
// /storage/v1 by a Supabase gateway) and the /__standin control paths to handlers.

import { authenticate } from "./auth.ts";
import { API_PREFIX, type Deps, makeCtx } from "./context.ts";
import { errorResponse, ValidationError } from "./errors.ts";
import * as buckets from "./routes/buckets.ts";
import * as objects from "./routes/objects.ts";
import * as standin from "./routes/standin.ts";

function notFound(req: Request, path: string): Response {
  // Fastify's default 404 body, which the real service keeps for unknown routes.
  return Response.json(
    {
      statusCode: 404,
      error: "Not Found",
      message: `Route ${req.method}:${path} not found`,
    },
    { status: 404 },
  );
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError("Invalid URL encoding in path");
  }
}

/** Splits "<bucket>/<name...>" (still URL-encoded) into decoded parts. */
function bucketAndName(raw: string): [string, string] {
  const i = raw.indexOf("/");
  if (i < 0) return [decodePath(raw), ""];
  return [decodePath(raw.slice(0, i)), decodePath(raw.slice(i + 1))];
}

async function route(req: Request, url: URL, deps: Deps): Promise<Response> {
  const path = url.pathname;
  const method = req.method;

  if (path === "/__standin/health" && method === "GET") return await standin.health(deps);
  if (path === "/__standin/faults") return await standin.faults(req, deps);
  if (!path.startsWith(API_PREFIX + "/")) return notFound(req, path);

  const rest = path.slice(API_PREFIX.length + 1); // e.g. "object/list/avatars"
  const ctxFor = async (allowAnonymous = false) =>
    makeCtx(req, url, deps, await authenticate(req.headers, deps.secret, allowAnonymous));

  // ---- buckets -----------------------------------------------------------
  if (rest === "bucket" || rest === "bucket/") {
    if (method === "GET") return await buckets.listBuckets(await ctxFor());
    if (method === "POST") return await buckets.createBucket(await ctxFor());
    return notFound(req, path);
  }
  const bucketMatch = /^bucket\/([^/]+)(\/empty)?\/?$/.exec(rest);
  if (bucketMatch) {
    const id = decodePath(bucketMatch[1]);
    if (bucketMatch[2]) {
      if (method === "POST") return await buckets.emptyBucket(await ctxFor(), id);
      return notFound(req, path);
    }
    if (method === "GET") return await buckets.getBucket(await ctxFor(), id);
    if (method === "PUT") return await buckets.updateBucket(await ctxFor(), id);
    if (method === "DELETE") return await buckets.deleteBucket(await ctxFor(), id);
    return notFound(req, path);
  }

  // ---- objects -----------------------------------------------------------
  if (!rest.startsWith("object/")) return notFound(req, path);
  const obj = rest.slice("object/".length);

  if (obj.startsWith("list/") && method === "POST") {
    return await objects.listObjects(await ctxFor(), decodePath(obj.slice(5)));
  }
  if (obj.startsWith("info/") && method === "GET") {
    const sub = obj.slice(5);
    if (sub.startsWith("public/")) {
      const [b, n] = bucketAndName(sub.slice(7));
      return await objects.objectInfo(await ctxFor(true), b, n, "public");
    }
    const target = sub.startsWith("authenticated/") ? sub.slice(14) : sub;
    const [b, n] = bucketAndName(target);
    return await objects.objectInfo(await ctxFor(), b, n, "authenticated");
  }
  if (obj.startsWith("public/") && (method === "GET" || method === "HEAD")) {
    const [b, n] = bucketAndName(obj.slice(7));
    const ctx = await ctxFor(true);
    return method === "GET"
      ? await objects.downloadObject(ctx, b, n, "public")
      : await objects.headObject(ctx, b, n, "public");
  }
  if (obj.startsWith("authenticated/") && (method === "GET" || method === "HEAD")) {
    const [b, n] = bucketAndName(obj.slice(14));
    const ctx = await ctxFor();
    return method === "GET"
      ? await objects.downloadObject(ctx, b, n, "authenticated")
      : await objects.headObject(ctx, b, n, "authenticated");
  }

  const [bucket, name] = bucketAndName(obj);
  if (!bucket) return notFound(req, path);
  if (name === "") {
    if (method === "DELETE") return await objects.removeObjects(await ctxFor(), bucket);
    return notFound(req, path);
  }
  switch (method) {
    case "POST":
      return await objects.uploadObject(
        await ctxFor(),
        bucket,
        name,
        req.headers.get("x-upsert") === "true",
        "storage.object.upload",
      );
    case "PUT":
      return await objects.uploadObject(
        await ctxFor(),
        bucket,
        name,
        true,
        "storage.object.upload_update",
      );
    case "GET":
      // The legacy download route lets a missing/bad JWT through as anon.
      return await objects.downloadObject(await ctxFor(true), bucket, name, "authenticated");
    case "HEAD":
      return await objects.headObject(await ctxFor(), bucket, name, "authenticated");
    case "DELETE":
      return await objects.deleteObject(await ctxFor(), bucket, name);
  }
  return notFound(req, path);
}

export function createHandler(deps: Deps): (req: Request) => Promise<Response> {
  return async (req) => {
    const url = new URL(req.url);
    try {
      return await route(req, url, deps);
    } catch (err) {
      return errorResponse(err);
    }
  };
}
