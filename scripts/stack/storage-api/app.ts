// Request routing: the Storage API routes the product and its tests call, served under
// /storage/v1 as a Supabase gateway serves them, and the stand-in's own /__standin routes.
//
// Each route checks its request in the order Fastify does in the real service: the JSON body
// is parsed, then the body and the headers are validated against the route's schema (a route
// with the real `authSchema` needs an Authorization header), then the JWT is verified.

import { authenticate, requireAuthorizationHeader } from "./auth.ts";
import { type Deps, makeCtx } from "./context.ts";
import { errorResponse, ERRORS } from "./errors.ts";
import { downloadObject } from "./routes/download.ts";
import { listObjects, readListBody } from "./routes/list.ts";
import { readRemoveBody, removeObjects } from "./routes/remove.ts";
import { armFault, clearFaults, health } from "./routes/standin.ts";
import {
  downloadSignedObject,
  readSignBody,
  readSignManyBody,
  signObjectUrl,
  signObjectUrls,
} from "./routes/sign.ts";
import { uploadObject } from "./routes/upload.ts";
import { signUploadObjectUrl, uploadToSignedUrl } from "./routes/upload_sign.ts";

const API_PREFIX = "/storage/v1";

/**
 * The path as the client sent it. `new URL(req.url)` would resolve `.` and `..` segments,
 * which Node's HTTP server (and so the real service) never does: `a/../x.webm` must reach the
 * key check as it is.
 */
function rawTarget(req: Request): string {
  return req.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw ERRORS.InvalidRequest(`'${raw}' is not a valid url component`);
  }
}

/** Fastify's own 404 body, which the real service keeps for unknown routes. */
function notFound(method: string, path: string): Response {
  return Response.json(
    { statusCode: 404, error: "Not Found", message: `Route ${method}:${path} not found` },
    { status: 404 },
  );
}

/** '<bucket>/<name>' as bucket and name (null when there is no '/'), percent-decoded. */
function split(object: string): [string, string | null] {
  const slash = object.indexOf("/");
  if (slash < 0) return [decode(object), null];
  return [decode(object.slice(0, slash)), decode(object.slice(slash + 1))];
}

async function route(req: Request, deps: Deps): Promise<Response> {
  const target = rawTarget(req);
  const path = target.split("?")[0];
  const method = req.method;

  if (path === "/__standin/health" && method === "GET") return await health(deps);
  if (path === "/__standin/faults" && method === "POST") return await armFault(req, deps);
  if (path === "/__standin/faults" && method === "DELETE") return await clearFaults(req, deps);
  if (!path.startsWith(`${API_PREFIX}/object/`)) return notFound(method, path);

  const servicePath = target.slice(API_PREFIX.length); // what the real service sees, with query
  const ctx = async (allowAnonymous = false) =>
    makeCtx(req, servicePath, deps, await authenticate(req.headers, deps.secret, allowAnonymous));
  const object = path.slice(`${API_PREFIX}/object/`.length);

  // Fastify matches the static segments first: /object/sign/... and /object/upload/sign/...
  // are never a bucket named `sign` or `upload`.
  if (object.startsWith("upload/sign/")) {
    const [bucket, name] = split(object.slice("upload/sign/".length));
    if (bucket !== "" && name !== null) {
      if (method === "POST") {
        requireAuthorizationHeader(req.headers);
        return await signUploadObjectUrl(await ctx(), bucket, name);
      }
      if (method === "PUT") {
        return await uploadToSignedUrl(await ctx(true), target, servicePath, bucket, name);
      }
    }
    return notFound(method, path);
  }
  if (object.startsWith("sign/")) {
    const [bucket, name] = split(object.slice("sign/".length));
    if (bucket !== "" && method === "POST" && name === null) {
      const body = await readSignManyBody(req);
      requireAuthorizationHeader(req.headers);
      return await signObjectUrls(await ctx(), bucket, body.paths, body.expiresIn);
    }
    if (bucket !== "" && method === "POST") {
      const body = await readSignBody(req);
      requireAuthorizationHeader(req.headers);
      return await signObjectUrl(await ctx(), bucket, name!, body.expiresIn);
    }
    if (bucket !== "" && method === "GET" && name !== null) {
      return await downloadSignedObject(await ctx(true), target, bucket, name);
    }
    return notFound(method, path);
  }

  const [bucket, name] = split(object);

  if (method === "POST" && bucket === "list" && name !== null && !name.includes("/")) {
    const body = await readListBody(req);
    requireAuthorizationHeader(req.headers);
    return await listObjects(await ctx(), name, body);
  }
  if (method === "DELETE" && name === null && bucket !== "") {
    const names = await readRemoveBody(req);
    requireAuthorizationHeader(req.headers);
    return await removeObjects(await ctx(), bucket, names);
  }
  if (method === "POST" && name !== null && bucket !== "") {
    requireAuthorizationHeader(req.headers);
    return await uploadObject(await ctx(), bucket, name);
  }
  // The real download route lets a missing or bad JWT through as anon (allowInvalidJwt).
  if (method === "GET" && name !== null && bucket !== "") {
    return await downloadObject(await ctx(true), bucket, name);
  }
  return notFound(method, path);
}

export function createHandler(deps: Deps): (req: Request) => Promise<Response> {
  return async (req) => {
    try {
      return await route(req, deps);
    } catch (err) {
      return errorResponse(err);
    }
  };
}
