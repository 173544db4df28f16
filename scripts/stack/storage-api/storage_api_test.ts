// Tests of the Storage API stand-in against the running local stack, through the unmodified
// supabase-js client, and through raw HTTP where the client cannot express the request (a
// missing Authorization header, a leading `/`, a literal `..` segment) or does not expose the
// whole error body (its `code` field), so the wire format is proven whatever the client version.
//
// Needs the stack's settings (scripts/lib/stack-env.ts): run `npm run stack` first. Each test
// works in its own bucket, created and dropped over a direct `postgres` connection, because the
// stand-in serves no bucket routes.

import assert from "node:assert/strict";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { SignJWT } from "jose";
import postgres from "postgres";
import { loadStackEnv } from "../../lib/stack-env.ts";

const stack = loadStackEnv();
const noAuth = { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false };
type Sql = ReturnType<typeof postgres>;

function adminClient(): SupabaseClient {
  return createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, { auth: noAuth });
}

async function userToken(sub: string, expiresIn = "1h"): Promise<string> {
  return await new SignJWT({ sub, role: "authenticated", aud: "authenticated" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(stack.JWT_SECRET));
}

/** A client acting as one signed-in user (third-party token style). */
async function userClient(sub: string): Promise<SupabaseClient> {
  const token = await userToken(sub);
  return createClient(stack.API_URL, stack.ANON_KEY, {
    accessToken: () => Promise.resolve(token),
  });
}

interface BucketLimits {
  fileSizeLimit?: number;
  allowedMimeTypes?: string[];
}

/**
 * Runs `fn` with a fresh private bucket and a `postgres` connection, then removes the bucket's
 * objects and drops it.
 */
async function withBucket(
  tag: string,
  fn: (bucket: string, sql: Sql) => Promise<void>,
  limits: BucketLimits = {},
): Promise<void> {
  const sql = postgres(stack.DB_URL, { max: 1, onnotice: () => {} });
  const bucket = `t-${tag}-${crypto.randomUUID().slice(0, 8)}`;
  await sql`insert into storage.buckets (id, name, file_size_limit, allowed_mime_types)
            values (${bucket}, ${bucket}, ${limits.fileSizeLimit ?? null},
                    ${limits.allowedMimeTypes ?? null})`;
  try {
    await fn(bucket, sql);
  } finally {
    const names = await storedNames(sql, bucket);
    if (names.length > 0) await adminClient().storage.from(bucket).remove(names);
    // storage.protect_delete() admits only the Storage API, which sets this flag; the stand-in
    // serves no bucket routes, so the test drops its bucket the way the API would.
    await sql.begin(async (tx) => {
      await tx`select set_config('storage.allow_delete_query', 'true', true)`;
      await tx`delete from storage.buckets where id = ${bucket}`;
    });
    await sql.end();
  }
}

async function storedNames(sql: Sql, bucket: string): Promise<string[]> {
  const rows = await sql`select name from storage.objects where bucket_id = ${bucket}
                         order by name collate "C"`;
  return rows.map((r) => r.name as string);
}

/**
 * The fields every supported supabase-js exposes on a StorageApiError. The body's `code` is not
 * among them (storage-js passes it on only from 2.112), so tests read it from a raw response.
 */
function apiError(error: unknown) {
  assert.ok(error, "expected an error");
  return error as { status?: number; statusCode?: string; message: string };
}

/**
 * One Storage API request with fetch, as service_role unless `auth` is a user's token (sent
 * with the anon apikey, as a signed-in client does); `auth` false sends no Authorization header.
 */
async function api(
  method: string,
  path: string,
  options: { body?: BodyInit; json?: unknown; auth?: false | string } = {},
) {
  const token = options.auth ?? stack.SERVICE_ROLE_KEY;
  const apikey = options.auth === undefined ? stack.SERVICE_ROLE_KEY : stack.ANON_KEY;
  const headers = new Headers({ apikey });
  if (token !== false) headers.set("authorization", `Bearer ${token}`);
  let body = options.body;
  if (options.json !== undefined) {
    headers.set("content-type", "application/json");
    body = typeof options.json === "string" ? options.json : JSON.stringify(options.json);
  }
  const res = await fetch(`${stack.API_URL}/storage/v1${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

/** The HTTP status and parsed body of one `api()` request, to compare whole. */
async function wireResponse(...args: Parameters<typeof api>): Promise<[number, unknown]> {
  const res = await api(...args);
  return [res.status, res.json()];
}

/** The real error for an object that is missing, or hidden from the caller by RLS. */
const noSuchKey = {
  statusCode: "404",
  code: "NoSuchKey",
  error: "not_found",
  message: "Object not found",
};

/**
 * One request over a bare TCP connection, with the request target sent exactly as given:
 * fetch() resolves `.` and `..` segments before sending, as every URL parser does.
 */
async function rawRequest(method: string, target: string, body = "") {
  const url = new URL(stack.API_URL);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  const bytes = new TextEncoder().encode(body);
  await conn.write(new TextEncoder().encode(
    `${method} ${target} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n` +
      `authorization: Bearer ${stack.SERVICE_ROLE_KEY}\r\ncontent-type: audio/webm\r\n` +
      `content-length: ${bytes.length}\r\n\r\n`,
  ));
  await conn.write(bytes);
  const response = await new Response(conn.readable).text();
  const [head, payload] = response.split("\r\n\r\n", 2);
  return { status: Number(head.split(" ")[1]), json: () => JSON.parse(payload) };
}

async function faults(method: "POST" | "DELETE", body?: unknown, key = stack.SERVICE_ROLE_KEY) {
  const res = await fetch(`${stack.API_URL}/__standin/faults`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

Deno.test("service_role: upload, download, list and remove round trip", async () => {
  await withBucket("rt", async (bucket, sql) => {
    const files = adminClient().storage.from(bucket);
    // A Blob goes as a multipart form, a Uint8Array as a raw body.
    const up1 = await files.upload("folder/a.txt", new Blob(["hello a"], { type: "text/plain" }));
    assert.equal(up1.error, null);
    assert.equal(up1.data?.fullPath, `${bucket}/folder/a.txt`);
    assert.match(up1.data?.id ?? "", /^[0-9a-f-]{36}$/);
    const up2 = await files.upload("folder/sub/b.bin", new Uint8Array([1, 2, 3]), {
      contentType: "application/octet-stream",
    });
    assert.equal(up2.error, null);

    // A second upload to the same key is a 409 Duplicate unless it is an upsert.
    const again = apiError((await files.upload("folder/a.txt", new Blob(["x"]))).error);
    assert.equal(again.statusCode, "409");
    assert.equal(again.message, "The resource already exists");
    const againRaw = await wireResponse("POST", `/object/${bucket}/folder/a.txt`, { body: "x" });
    assert.deepEqual(againRaw, [400, {
      statusCode: "409",
      code: "KeyAlreadyExists",
      error: "Duplicate",
      message: "The resource already exists",
    }]);
    const upsert = await files.upload("folder/a.txt", new Blob(["hello again"]), { upsert: true });
    assert.equal(upsert.error, null);

    const dl = await files.download("folder/a.txt");
    assert.equal(await dl.data?.text(), "hello again");
    const missing = apiError((await files.download("folder/nope")).error);
    assert.equal(missing.statusCode, "404");
    assert.deepEqual(await wireResponse("GET", `/object/${bucket}/folder/nope`), [
      400,
      noSuchKey,
    ]);

    const listed = await files.list("folder");
    assert.deepEqual(listed.data?.map((o) => [o.name, o.id === null]), [
      ["a.txt", false],
      ["sub", true],
    ]);
    const a = listed.data?.find((o) => o.name === "a.txt");
    assert.equal(a?.metadata?.size, "hello again".length);
    assert.match(String(a?.metadata?.eTag), /^"[0-9a-f]{32}"$/);

    const removed = await files.remove(["folder/a.txt", "folder/sub/b.bin"]);
    assert.deepEqual(removed.data?.map((o) => o.name).sort(), ["folder/a.txt", "folder/sub/b.bin"]);
    assert.deepEqual(await storedNames(sql, bucket), []);
    assert.ok((await files.download("folder/a.txt")).error);
    assert.deepEqual((await files.list("folder")).data, []);
  });
});

Deno.test("bucket limits: file_size_limit and allowed_mime_types", async () => {
  await withBucket("lim", async (bucket, sql) => {
    const files = adminClient().storage.from(bucket);
    const big = await files.upload("big.mp3", new Blob(["01234567890"], { type: "audio/mpeg" }));
    assert.equal(apiError(big.error).statusCode, "413");
    const bad = await files.upload("x.png", new Blob(["1"], { type: "image/png" }));
    assert.equal(apiError(bad.error).statusCode, "415");
    const ok = await files.upload("ok.mp3", new Blob(["123"], { type: "audio/mpeg" }));
    assert.equal(ok.error, null);
    assert.deepEqual(await storedNames(sql, bucket), ["ok.mp3"]);
  }, { fileSizeLimit: 10, allowedMimeTypes: ["audio/*", "text/plain"] });
});

Deno.test("auth: no Authorization header is 400 InvalidRequest, a bad token AccessDenied", async () => {
  await withBucket("auth", async (bucket, sql) => {
    // An apikey alone is not enough: the real service reads the Authorization header only.
    const noHeader = {
      statusCode: "400",
      code: "InvalidRequest",
      error: "Error",
      message: "headers must have required property 'authorization'",
    };
    const list = await api("POST", `/object/list/${bucket}`, { json: { prefix: "" }, auth: false });
    assert.equal(list.status, 400);
    assert.deepEqual(list.json(), noHeader);
    const remove = await api("DELETE", `/object/${bucket}`, {
      json: { prefixes: ["a"] },
      auth: false,
    });
    assert.deepEqual([remove.status, remove.json()], [400, noHeader]);
    const upload = await api("POST", `/object/${bucket}/a.txt`, { body: "a", auth: false });
    assert.deepEqual([upload.status, upload.json()], [400, noHeader]);
    assert.deepEqual(await storedNames(sql, bucket), []);

    const withToken = async (token: string) => {
      const res = await fetch(`${stack.API_URL}/storage/v1/object/list/${bucket}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ prefix: "" }),
      });
      return [res.status, await res.json()];
    };
    assert.deepEqual(await withToken("not-a-jwt"), [400, {
      statusCode: "403",
      code: "AccessDenied",
      error: "Unauthorized",
      message: "Invalid Compact JWS",
    }]);
    const [status, expired] = await withToken(await userToken(crypto.randomUUID(), "-1m"));
    assert.equal(status, 400);
    assert.equal(expired.statusCode, "403");
    assert.equal(expired.code, "AccessDenied");

    // Download lets a missing token through as anon; a private bucket is then not found.
    assert.equal(
      (await adminClient().storage.from(bucket).upload("a.txt", new Blob(["a"]))).error,
      null,
    );
    const anonymous = await api("GET", `/object/${bucket}/a.txt`, { auth: false });
    assert.equal(anonymous.status, 400);
    assert.equal(anonymous.json().code, "NoSuchBucket");
  });
});

Deno.test("validation errors: the real body shape, with code InvalidRequest", async () => {
  await withBucket("val", async (bucket) => {
    const invalid = (message: string, error = "Error") => ({
      statusCode: "400",
      code: "InvalidRequest",
      error,
      message,
    });
    const noPrefix = await api("POST", `/object/list/${bucket}`, { json: {} });
    assert.deepEqual([noPrefix.status, noPrefix.json()], [
      400,
      invalid("body must have required property 'prefix'"),
    ]);
    const badLimit = await api("POST", `/object/list/${bucket}`, {
      json: { prefix: "", limit: 0 },
    });
    assert.deepEqual(badLimit.json(), invalid("body/limit must be >= 1"));
    const noNames = await api("DELETE", `/object/${bucket}`, { json: { prefixes: [] } });
    assert.deepEqual([noNames.status, noNames.json()], [
      400,
      invalid("body/prefixes must NOT have fewer than 1 items"),
    ]);
    const notJson = await api("DELETE", `/object/${bucket}`, { json: "{prefixes" });
    assert.deepEqual(
      notJson.json(),
      invalid(
        "Body is not valid JSON but content-type is set to 'application/json'",
        "FastifyError",
      ),
    );
    // The body is checked before the headers, as Fastify does.
    const both = await api("DELETE", `/object/${bucket}`, { json: { prefixes: [] }, auth: false });
    assert.equal(both.json().message, "body/prefixes must NOT have fewer than 1 items");
  });
});

Deno.test("keys: a `..` segment is refused with 400 InvalidKey, never resolved", async () => {
  await withBucket("dots", async (bucket, sql) => {
    for (const name of ["a/../x.webm", "a/%2e%2e/x.webm", "a%2F..%2Fx.webm", "a/.."]) {
      const res = await rawRequest("POST", `/storage/v1/object/${bucket}/${name}`, "bytes");
      assert.equal(res.status, 400, name);
      assert.deepEqual(res.json(), {
        statusCode: "400",
        code: "InvalidKey",
        error: "InvalidKey",
        message: `Invalid key: ${decodeURIComponent(name)}`,
      });
    }
    assert.deepEqual(await storedNames(sql, bucket), []);
    // Dots inside a segment are ordinary characters.
    const dotted = await rawRequest("POST", `/storage/v1/object/${bucket}/a..b/...webm`, "bytes");
    assert.equal(dotted.status, 200);
    assert.deepEqual(await storedNames(sql, bucket), ["a..b/...webm"]);
  });
});

Deno.test("keys: only the real charset is accepted", async () => {
  await withBucket("charset", async (bucket, sql) => {
    const files = adminClient().storage.from(bucket);
    for (const name of ["ünï.webm", "tilde~.webm", "brackets[1].webm", 'quote".webm']) {
      const err = apiError((await files.upload(name, new Blob(["x"]))).error);
      assert.equal(err.statusCode, "400", name);
      // fetch percent-encodes the name exactly as it does for the client's request.
      const raw = await wireResponse("POST", `/object/${bucket}/${name}`, { body: "x" });
      assert.deepEqual(raw, [400, {
        statusCode: "400",
        code: "InvalidKey",
        error: "InvalidKey",
        message: `Invalid key: ${name}`,
      }], name);
    }
    assert.deepEqual(await storedNames(sql, bucket), []);
    // Every special character of the charset; `?` must be percent-encoded to reach the server.
    const special = "ok/!*'() &$=@;:+,?-_.webm";
    const path = special.split("/").map(encodeURIComponent).join("/");
    const res = await api("POST", `/object/${bucket}/${path}`, { body: "x" });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json().Key, `${bucket}/${special}`);
    assert.deepEqual(await storedNames(sql, bucket), [special]);
  });
});

Deno.test("keys: a leading `/` is part of the name", async () => {
  await withBucket("lead", async (bucket, sql) => {
    // supabase-js strips leading slashes, so only a raw request can send one.
    const up = await api("POST", `/object/${bucket}//lead.webm`, { body: "lead" });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.json().Key, `${bucket}//lead.webm`);
    assert.deepEqual(await storedNames(sql, bucket), ["/lead.webm"]);
    assert.equal((await api("GET", `/object/${bucket}//lead.webm`)).text, "lead");
    // Without the slash it is another name.
    const other = apiError((await adminClient().storage.from(bucket).download("lead.webm")).error);
    assert.equal(other.statusCode, "404");
    assert.deepEqual(await wireResponse("GET", `/object/${bucket}/lead.webm`), [400, noSuchKey]);
    const removed = await adminClient().storage.from(bucket).remove(["/lead.webm"]);
    assert.deepEqual(removed.data?.map((o) => o.name), ["/lead.webm"]);
    assert.deepEqual(await storedNames(sql, bucket), []);
  });
});

Deno.test("list: folders and files together, ordered by name regardless of case", async () => {
  await withBucket("order", async (bucket) => {
    const files = adminClient().storage.from(bucket);
    for (const name of ["f/c.txt", "f/B/x.txt", "f/a.txt", "f/b.txt", "f/B/y.txt"]) {
      assert.equal((await files.upload(name, new Blob([name]))).error, null);
    }
    const names = async (options?: Parameters<typeof files.list>[1]) =>
      (await files.list("f", options)).data?.map((o) => [o.name, o.id === null]);
    assert.deepEqual(await names(), [
      ["a.txt", false],
      ["b.txt", false],
      ["B", true],
      ["c.txt", false],
    ]);
    assert.deepEqual(await names({ limit: 2, offset: 1 }), [["b.txt", false], ["B", true]]);
    assert.deepEqual(await names({ sortBy: { column: "name", order: "desc" } }), [
      ["c.txt", false],
      ["B", true],
      ["b.txt", false],
      ["a.txt", false],
    ]);
    assert.deepEqual((await files.list("f/B")).data?.map((o) => o.name), ["x.txt", "y.txt"]);
  });
});

Deno.test("list: `_` and `%` in a prefix or search are literal characters", async () => {
  await withBucket("like", async (bucket) => {
    const files = adminClient().storage.from(bucket);
    for (const name of ["a_1/x.webm", "ab1/y.webm", "A_1/z.webm"]) {
      assert.equal((await files.upload(name, new Blob([name]))).error, null);
    }
    const names = async (prefix: string, search?: string) =>
      (await files.list(prefix, { search })).data?.map((o) => o.name);
    assert.deepEqual(await names("a_1"), ["x.webm", "z.webm"]);
    assert.deepEqual(await names("a%"), []);
    assert.deepEqual(await names("%"), []);
    // One folder for a_1 and A_1: the search compares names without regard to case.
    assert.deepEqual(await names("", "a_"), ["a_1"]);
    assert.deepEqual(await names("", "%"), []);
  });
});

Deno.test("user_metadata: {} when none is sent, else what was sent", async () => {
  await withBucket("meta", async (bucket, sql) => {
    const files = adminClient().storage.from(bucket);
    await files.upload("none.webm", new Blob(["n"]));
    await files.upload("form.webm", new Blob(["f"]), { metadata: { k: "form" } });
    await files.upload("raw.webm", new Uint8Array([1]), { metadata: { k: "raw" } });
    const rows = await sql`select name, user_metadata from storage.objects
                           where bucket_id = ${bucket} order by name`;
    assert.deepEqual(rows.map((r) => [r.name, r.user_metadata]), [
      ["form.webm", { k: "form" }],
      ["none.webm", {}],
      ["raw.webm", { k: "raw" }],
    ]);
  });
});

Deno.test("RLS: authenticated users only reach their own folder", async () => {
  await withBucket("rls", async (bucket, sql) => {
    const policy = `${bucket}-own-folder`;
    const uid = crypto.randomUUID();
    const admin = adminClient();
    // The folder must equal the JWT `sub`, read from the claims the server set.
    await sql.unsafe(`
      create policy "${policy}" on storage.objects for all to authenticated
      using (bucket_id = '${bucket}'
             and (storage.foldername(name))[1] =
                 current_setting('request.jwt.claims', true)::jsonb ->> 'sub')
      with check (bucket_id = '${bucket}'
             and (storage.foldername(name))[1] =
                 current_setting('request.jwt.claims', true)::jsonb ->> 'sub')`);
    try {
      const user = (await userClient(uid)).storage.from(bucket);
      assert.equal((await user.upload(`${uid}/ok.txt`, new Blob(["mine"]))).error, null);
      const [row] = await sql`select owner::text, owner_id from storage.objects
                              where bucket_id = ${bucket} and name = ${`${uid}/ok.txt`}`;
      assert.deepEqual([row.owner, row.owner_id], [uid, uid]);

      const denied = apiError((await user.upload("other/x.txt", new Blob(["no"]))).error);
      assert.equal(denied.statusCode, "403");
      assert.equal(denied.message, "new row violates row-level security policy");

      assert.equal(
        (await admin.storage.from(bucket).upload("other/s.txt", new Blob(["s"]))).error,
        null,
      );
      const hidden = apiError((await user.download("other/s.txt")).error);
      assert.equal(hidden.statusCode, "404");
      const hiddenRaw = await wireResponse("GET", `/object/${bucket}/other/s.txt`, {
        auth: await userToken(uid),
      });
      assert.deepEqual(hiddenRaw, [400, noSuchKey]);

      assert.deepEqual((await user.list("")).data?.map((o) => o.name), [uid]);
      const adminTop = await admin.storage.from(bucket).list("");
      assert.deepEqual(adminTop.data?.map((o) => o.name), [uid, "other"].sort());

      // The user asks for both; RLS lets only their own row go, and only it is returned.
      const removed = await user.remove([`${uid}/ok.txt`, "other/s.txt"]);
      assert.deepEqual(removed.data?.map((o) => o.name), [`${uid}/ok.txt`]);
      assert.deepEqual(await storedNames(sql, bucket), ["other/s.txt"]);
      const stillThere = await admin.storage.from(bucket).download("other/s.txt");
      assert.equal(await stillThere.data?.text(), "s");

      const anon = createClient(stack.API_URL, stack.ANON_KEY, { auth: noAuth });
      assert.deepEqual((await anon.storage.from(bucket).list("")).data, []);
      const anonUp = await anon.storage.from(bucket).upload(`${uid}/a.txt`, new Blob(["a"]));
      assert.equal(apiError(anonUp.error).statusCode, "403");
    } finally {
      await sql.unsafe(`drop policy if exists "${policy}" on storage.objects`);
    }
  });
});

Deno.test("remove: returns only rows deleted, refuses more than 1000 names", async () => {
  await withBucket("rm", async (bucket, sql) => {
    const files = adminClient().storage.from(bucket);
    for (const n of ["a", "b", "c"]) {
      assert.equal((await files.upload(`d/${n}`, new Blob([n]))).error, null);
    }
    const first = await files.remove(["d/a", "d/b", "d/c", "d/missing", "d/a", "other"]);
    assert.deepEqual(first.data?.map((o) => o.name).sort(), ["d/a", "d/b", "d/c"]);
    assert.deepEqual((await files.remove(["d/a", "d/b", "d/c"])).data, []);

    assert.equal((await files.upload("keep", new Blob(["k"]))).error, null);
    const names = Array.from({ length: 1001 }, (_, i) => `n${i}`);
    names[500] = "keep";
    const limitMessage = "Bulk object requests are limited to 1000 objects per request.";
    const tooMany = apiError((await files.remove(names)).error);
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.statusCode, "400");
    assert.equal(tooMany.message, limitMessage);
    const tooManyRaw = await wireResponse("DELETE", `/object/${bucket}`, {
      json: { prefixes: names },
    });
    assert.deepEqual(tooManyRaw, [400, {
      statusCode: "400",
      code: "InvalidRequest",
      error: "InvalidRequest",
      message: limitMessage,
    }]);
    assert.deepEqual(await storedNames(sql, bucket), ["keep"]);
    assert.deepEqual((await files.remove(names.slice(1))).data?.map((o) => o.name), ["keep"]);
  });
});

Deno.test("faults: the control endpoint needs service_role and a valid body", async () => {
  const anon = await faults("POST", { mode: "error" }, stack.ANON_KEY);
  assert.equal(anon.status, 400);
  assert.equal(anon.json.statusCode, "403");
  assert.equal((await faults("POST", { mode: "explode" })).status, 400);
  assert.equal((await faults("POST", { mode: "partial" })).status, 400);
});

Deno.test({
  name: "faults: error, hang, partial, by name and clear",
  // The aborted fetch of the hang case settles on the server after the client gave up.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => faultModes(),
});

async function faultModes() {
  await withBucket("flt", async (bucket, sql) => {
    const files = adminClient().storage.from(bucket);
    const upload = async (...names: string[]) => {
      for (const n of names) assert.equal((await files.upload(n, new Blob([n]))).error, null);
    };
    const stored = async (name: string) => (await storedNames(sql, bucket)).includes(name);
    try {
      await upload("a", "b", "c");

      // error: the next 2 removes on this bucket fail with 503 and delete nothing.
      const armed = await faults("POST", { mode: "error", status: 503, times: 2, bucket });
      assert.equal(armed.status, 201);
      for (let i = 0; i < 2; i++) {
        assert.equal(apiError((await files.remove(["a"])).error).status, 503);
      }
      assert.equal(await stored("a"), true);
      assert.deepEqual((await files.remove(["a"])).data?.map((o) => o.name), ["a"]);

      // hang: the client gives up after 300 ms, the server still deletes after 1 s.
      await faults("POST", { mode: "hang", delayMs: 1000, bucket });
      const impatient = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, {
        auth: noAuth,
        global: {
          fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(300) }),
        },
      });
      const started = Date.now();
      assert.ok((await impatient.storage.from(bucket).remove(["b"])).error, "expected a timeout");
      assert.ok(Date.now() - started < 900);
      assert.equal(await stored("b"), true);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(await stored("b"), false);

      // hang then error: a slow 5xx, nothing deleted.
      await faults("POST", { mode: "hang", delayMs: 300, then: "error", bucket });
      const t0 = Date.now();
      const slow = await files.remove(["c"]);
      assert.ok(Date.now() - t0 >= 300);
      assert.equal(apiError(slow.error).status, 503);
      assert.equal(await stored("c"), true);

      // partial: only the first k names go, and only they are reported.
      await upload("p1", "p2", "p3");
      await faults("POST", { mode: "partial", k: 1, bucket });
      const partial = await files.remove(["p1", "p2", "p3"]);
      assert.deepEqual(partial.data?.map((o) => o.name), ["p1"]);
      assert.equal(await stored("p2"), true);
      const rest = await files.remove(["p1", "p2", "p3"]);
      assert.deepEqual(rest.data?.map((o) => o.name).sort(), ["p2", "p3"]);

      // name: only the calls that include that name fail; the others go through.
      await upload("n1", "n2");
      await faults("POST", { mode: "error", name: "n2", times: 2, bucket });
      assert.equal(apiError((await files.remove(["n1", "n2"])).error).status, 500);
      assert.deepEqual((await files.remove(["n1"])).data?.map((o) => o.name), ["n1"]);
      assert.equal(apiError((await files.remove(["n2"])).error).status, 500);
      assert.deepEqual((await files.remove(["n2"])).data?.map((o) => o.name), ["n2"]);

      // DELETE disarms every rule.
      await faults("POST", { mode: "error", times: 5, bucket });
      assert.ok((await faults("DELETE")).json.cleared >= 1);
      assert.deepEqual((await files.remove(["c"])).data?.map((o) => o.name), ["c"]);
    } finally {
      await faults("DELETE");
    }
  });
}

/** A service_role JWT with a `sub`: Storage puts the caller's sub into upload tokens as owner. */
async function serviceRoleFor(sub: string): Promise<SupabaseClient> {
  const token = await new SignJWT({ sub, role: "service_role" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(stack.JWT_SECRET));
  return createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, {
    auth: noAuth,
    global: { headers: { authorization: `Bearer ${token}` } },
  });
}

/** The path and query of a signed URL supabase-js returned, as the service sees them. */
function servicePathOf(signedUrl: string): string {
  const url = new URL(signedUrl);
  return url.pathname.replace(/^\/storage\/v1/, "") + url.search;
}

const invalid = (code: string, message: string) => ({
  statusCode: "400",
  code,
  error: code,
  message,
});

Deno.test("signed URLs: signed as the caller (RLS), downloaded with the token alone", async () => {
  await withBucket("sign", async (bucket) => {
    const admin = adminClient().storage.from(bucket);
    assert.equal((await admin.upload("a.txt", new Blob(["a"]))).error, null);
    assert.equal((await admin.upload("b.txt", new Blob(["b"]))).error, null);

    const one = await admin.createSignedUrl("a.txt", 60);
    assert.equal(one.error, null);
    const res = await fetch(one.data!.signedUrl); // no apikey, no Authorization
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "a");
    const [, payload] = new URL(one.data!.signedUrl).searchParams.get("token")!.split(".");
    const claims = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
    assert.deepEqual([claims.url, claims.scope, claims.exp - claims.iat], [
      `${bucket}/a.txt`,
      "download",
      60,
    ]);

    const many = await admin.createSignedUrls(["a.txt", "missing.txt", "b.txt"], 60);
    assert.equal(many.error, null);
    assert.deepEqual(many.data!.map((d) => [d.path, d.error, d.signedUrl !== null]), [
      ["a.txt", null, true],
      ["missing.txt", "Either the object does not exist or you do not have access to it", false],
      ["b.txt", null, true],
    ]);
    assert.equal(await (await fetch(many.data![2].signedUrl!)).text(), "b");

    // A user without a select policy signs nothing: the object is "not found" to them.
    const user = (await userClient(crypto.randomUUID())).storage.from(bucket);
    assert.equal(apiError((await user.createSignedUrl("a.txt", 60)).error).statusCode, "404");
    assert.deepEqual(
      (await user.createSignedUrls(["a.txt"], 60)).data!.map((d) => d.signedUrl),
      [null],
    );
    assert.deepEqual(
      await wireResponse("POST", `/object/sign/${bucket}/missing.txt`, { json: { expiresIn: 60 } }),
      [400, noSuchKey],
    );
    assert.deepEqual(
      await wireResponse("POST", `/object/sign/${bucket}/a.txt`, { json: { expiresIn: 0 } }),
      [400, {
        statusCode: "400",
        code: "InvalidRequest",
        error: "Error",
        message: "body/expiresIn must be >= 1",
      }],
    );
  });
});

Deno.test("signed download: the token is checked as the real server checks it", async () => {
  await withBucket("signcheck", async (bucket) => {
    const admin = adminClient().storage.from(bucket);
    assert.equal((await admin.upload("a.txt", new Blob(["a"]))).error, null);
    assert.equal((await admin.upload("b.txt", new Blob(["b"]))).error, null);
    const signed = await admin.createSignedUrl("a.txt", 1);
    const token = new URL(signed.data!.signedUrl).searchParams.get("token")!;

    assert.deepEqual(await wireResponse("GET", `/object/sign/${bucket}/a.txt`, { auth: false }), [
      400,
      {
        statusCode: "400",
        code: "InvalidRequest",
        error: "Error",
        message: "querystring must have required property 'token'",
      },
    ]);
    assert.deepEqual(
      await wireResponse("GET", `/object/sign/${bucket}/a.txt?token=nope`, { auth: false }),
      [400, invalid("InvalidJWT", "Invalid Compact JWS")],
    );
    assert.deepEqual(
      await wireResponse("GET", `/object/sign/${bucket}/b.txt?token=${token}`, { auth: false }),
      [400, invalid("InvalidSignature", "Invalid signature")],
    );
    const forged = await new SignJWT({ url: `${bucket}/a.txt`, scope: "download" })
      .setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("1h")
      .sign(new TextEncoder().encode("another-secret-another-secret-another"));
    assert.deepEqual(
      await wireResponse("GET", `/object/sign/${bucket}/a.txt?token=${forged}`, { auth: false }),
      [400, invalid("InvalidJWT", "signature verification failed")],
    );
    const upload = await (await serviceRoleFor(crypto.randomUUID())).storage.from(bucket)
      .createSignedUploadUrl("c.txt");
    assert.deepEqual(
      await wireResponse("GET", `/object/sign/${bucket}/c.txt?token=${upload.data!.token}`, {
        auth: false,
      }),
      [400, invalid("InvalidSignature", "Token is not scoped for download")],
    );

    // Expiry: the same URL that worked is refused once `exp` has passed.
    assert.equal(
      (await api("GET", servicePathOf(signed.data!.signedUrl), { auth: false })).status,
      200,
    );
    await new Promise((r) => setTimeout(r, 2100));
    assert.deepEqual(
      await wireResponse("GET", servicePathOf(signed.data!.signedUrl), { auth: false }),
      [400, invalid("InvalidJWT", '"exp" claim timestamp check failed')],
    );
  });
});

Deno.test("signed upload: probed as the caller, written by the server with the token's owner", async () => {
  await withBucket("uploadsign", async (bucket, sql) => {
    const owner = crypto.randomUUID();
    const signer = (await serviceRoleFor(owner)).storage.from(bucket);
    const slot = await signer.createSignedUploadUrl("u/x.txt");
    assert.equal(slot.error, null);
    const anon = createClient(stack.API_URL, stack.ANON_KEY, { auth: noAuth }).storage.from(bucket);
    const put = await anon.uploadToSignedUrl("u/x.txt", slot.data!.token, new Blob(["x"]));
    assert.equal(put.error, null);
    assert.equal(put.data!.fullPath, `${bucket}/u/x.txt`);
    const [row] = await sql`select owner::text, owner_id from storage.objects
                            where bucket_id = ${bucket} and name = 'u/x.txt'`;
    assert.deepEqual([row.owner, row.owner_id], [owner, owner]);

    // A second slot for the same name: the permission probe meets the existing row.
    assert.equal(apiError((await signer.createSignedUploadUrl("u/x.txt")).error).statusCode, "409");
    // The token names one object only.
    const other = await anon.uploadToSignedUrl("u/y.txt", slot.data!.token, new Blob(["y"]));
    assert.equal(apiError(other.error).statusCode, "400");
    assert.deepEqual(await storedNames(sql, bucket), ["u/x.txt"]);
  });
});

Deno.test("uploads: the write is INSERT ... RETURNING as the caller, so it needs a select policy", async () => {
  await withBucket("returning", async (bucket, sql) => {
    const policy = `${bucket}-insert-only`;
    const uid = crypto.randomUUID();
    await sql.unsafe(`create policy "${policy}" on storage.objects for insert to authenticated
                      with check (bucket_id = '${bucket}')`);
    try {
      const user = (await userClient(uid)).storage.from(bucket);
      const direct = apiError((await user.upload("x.txt", new Blob(["x"]))).error);
      assert.equal(direct.statusCode, "403");
      const slot = apiError((await user.createSignedUploadUrl("x.txt")).error);
      assert.equal(slot.statusCode, "403");
      assert.deepEqual(await storedNames(sql, bucket), []);
    } finally {
      await sql.unsafe(`drop policy if exists "${policy}" on storage.objects`);
    }
  });
});
