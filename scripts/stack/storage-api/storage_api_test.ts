// Tests of the storage-api stand-in, driven through the unmodified supabase-js client
// against a running server.
//
// Needs: API_URL, SERVICE_ROLE_KEY, ANON_KEY, JWT_SECRET, DB_URL (a postgres-role
// connection used to create buckets and RLS policies). Without them every test is
// skipped. Each test works in its own bucket and cleans up through the API.

import assert from "node:assert/strict";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { SignJWT } from "jose";
import postgres from "postgres";

const env = (name: string) => Deno.env.get(name) ?? "";
const API_URL = env("API_URL");
const SERVICE_ROLE_KEY = env("SERVICE_ROLE_KEY");
const ANON_KEY = env("ANON_KEY");
const JWT_SECRET = env("JWT_SECRET");
const DB_URL = env("DB_URL");
const missing = [
  ["API_URL", API_URL],
  ["SERVICE_ROLE_KEY", SERVICE_ROLE_KEY],
  ["ANON_KEY", ANON_KEY],
  ["JWT_SECRET", JWT_SECRET],
  ["DB_URL", DB_URL],
].filter(([, v]) => !v).map(([k]) => k);
if (missing.length > 0) {
  console.warn(`storage-api tests skipped, missing env: ${missing.join(", ")}`);
}
const ignore = missing.length > 0;

const noAuth = { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false };

function adminClient(): SupabaseClient {
  return createClient(API_URL, SERVICE_ROLE_KEY, { auth: noAuth });
}

async function userToken(sub: string, expiresIn = "1h"): Promise<string> {
  return await new SignJWT({ sub, role: "authenticated", aud: "authenticated" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(JWT_SECRET));
}

/** A client acting as one signed-in user (third-party token style). */
async function userClient(sub: string): Promise<SupabaseClient> {
  const token = await userToken(sub);
  return createClient(API_URL, ANON_KEY, { accessToken: () => Promise.resolve(token) });
}

function bucketName(tag: string): string {
  return `t-${tag}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Empties and deletes a bucket through the API (the delete guard forbids raw SQL). */
async function dropBucket(admin: SupabaseClient, bucket: string): Promise<void> {
  await admin.storage.emptyBucket(bucket);
  const { error } = await admin.storage.deleteBucket(bucket);
  if (error && (error as { statusCode?: string }).statusCode !== "404") throw error;
}

async function exists(admin: SupabaseClient, bucket: string, path: string) {
  const { data } = await admin.storage.from(bucket).exists(path);
  return data;
}

/** Error fields as supabase-js exposes them (StorageApiError). */
function apiError(error: unknown): { status?: number; statusCode?: string; message: string } {
  assert.ok(error, "expected an error");
  return error as { status?: number; statusCode?: string; message: string };
}

async function faults(method: "POST" | "DELETE", body?: unknown, key = SERVICE_ROLE_KEY) {
  const res = await fetch(`${API_URL}/__standin/faults`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

Deno.test({
  name: "service_role: upload, download, list, info, remove round trip",
  ignore,
  async fn() {
    const admin = adminClient();
    const bucket = bucketName("rt");
    try {
      const created = await admin.storage.createBucket(bucket, { public: false });
      assert.equal(created.error, null);
      const got = await admin.storage.getBucket(bucket);
      assert.equal(got.data?.id, bucket);
      assert.equal(got.data?.public, false);
      const all = await admin.storage.listBuckets();
      assert.ok(all.data?.some((b) => b.id === bucket));
      const dup = await admin.storage.createBucket(bucket);
      assert.equal(apiError(dup.error).statusCode, "409");

      const files = admin.storage.from(bucket);
      // Blob -> multipart form; Uint8Array -> raw body.
      const up1 = await files.upload("folder/a.txt", new Blob(["hello a"], { type: "text/plain" }));
      assert.equal(up1.error, null);
      assert.equal(up1.data?.fullPath, `${bucket}/folder/a.txt`);
      assert.match(up1.data?.id ?? "", /^[0-9a-f-]{36}$/);
      const up2 = await files.upload("folder/sub/b.bin", new Uint8Array([1, 2, 3]), {
        contentType: "application/octet-stream",
      });
      assert.equal(up2.error, null);

      // Second upload to the same key: 409 Duplicate unless upsert.
      const again = await files.upload("folder/a.txt", new Blob(["x"]));
      const err = apiError(again.error);
      assert.equal(err.statusCode, "409");
      assert.equal(err.message, "The resource already exists");
      const upsert = await files.upload("folder/a.txt", new Blob(["hello again"]), {
        upsert: true,
      });
      assert.equal(upsert.error, null);

      const dl = await files.download("folder/a.txt");
      assert.equal(dl.error, null);
      assert.equal(await dl.data?.text(), "hello again");

      const listed = await files.list("folder");
      assert.equal(listed.error, null);
      const names = listed.data?.map((o) => [o.name, o.id === null]);
      assert.deepEqual(names, [["sub", true], ["a.txt", false]]);
      const a = listed.data?.find((o) => o.name === "a.txt");
      assert.equal(a?.metadata?.size, "hello again".length);
      assert.match(String(a?.metadata?.eTag), /^"[0-9a-f]{32}"$/);

      const info = await files.info("folder/sub/b.bin");
      assert.equal(info.error, null);
      assert.equal(info.data?.size, 3);
      assert.equal(await exists(admin, bucket, "folder/sub/b.bin"), true);
      assert.equal(await exists(admin, bucket, "folder/nope"), false);

      const missingDl = await files.download("folder/nope");
      assert.ok(missingDl.error);

      const removed = await files.remove(["folder/a.txt", "folder/sub/b.bin"]);
      assert.equal(removed.error, null);
      assert.deepEqual(removed.data?.map((o) => o.name).sort(), [
        "folder/a.txt",
        "folder/sub/b.bin",
      ]);
      assert.equal(await exists(admin, bucket, "folder/a.txt"), false);
      const after = await files.list("folder");
      assert.deepEqual(after.data, []);
    } finally {
      await dropBucket(admin, bucket);
    }
  },
});

Deno.test({
  name: "bucket limits: file_size_limit and allowed_mime_types",
  ignore,
  async fn() {
    const admin = adminClient();
    const bucket = bucketName("lim");
    try {
      const created = await admin.storage.createBucket(bucket, {
        public: false,
        fileSizeLimit: 10,
        allowedMimeTypes: ["audio/*", "text/plain"],
      });
      assert.equal(created.error, null);
      const files = admin.storage.from(bucket);
      const big = await files.upload("big.mp3", new Blob(["01234567890"], { type: "audio/mpeg" }));
      assert.equal(apiError(big.error).statusCode, "413");
      const bad = await files.upload("x.png", new Blob(["1"], { type: "image/png" }));
      assert.equal(apiError(bad.error).statusCode, "415");
      const ok = await files.upload("ok.mp3", new Blob(["123"], { type: "audio/mpeg" }));
      assert.equal(ok.error, null);
      assert.equal(await exists(admin, bucket, "big.mp3"), false);
    } finally {
      await dropBucket(admin, bucket);
    }
  },
});

Deno.test({
  name: "auth: bad tokens are rejected in the real error shape",
  ignore,
  async fn() {
    const res = await fetch(`${API_URL}/storage/v1/bucket`, {
      headers: { authorization: "Bearer not-a-jwt" },
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.statusCode, "403");
    assert.equal(body.error, "Unauthorized");

    const expired = await userToken(crypto.randomUUID(), "-1m");
    const res2 = await fetch(`${API_URL}/storage/v1/bucket`, {
      headers: { authorization: `Bearer ${expired}` },
    });
    assert.equal((await res2.json()).statusCode, "403");
  },
});

Deno.test({
  name: "RLS: authenticated users only reach their own folder",
  ignore,
  async fn() {
    const admin = adminClient();
    const sql = postgres(DB_URL, { max: 1, onnotice: () => {} });
    const bucket = bucketName("rls");
    const policy = `${bucket}-own-folder`;
    const uid = crypto.randomUUID();
    try {
      await sql`insert into storage.buckets (id, name) values (${bucket}, ${bucket})`;
      // Folder must equal the JWT `sub`, read from the claims the server set.
      await sql.unsafe(`
        create policy "${policy}" on storage.objects for all to authenticated
        using (bucket_id = '${bucket}'
               and (storage.foldername(name))[1] =
                   current_setting('request.jwt.claims', true)::jsonb ->> 'sub')
        with check (bucket_id = '${bucket}'
               and (storage.foldername(name))[1] =
                   current_setting('request.jwt.claims', true)::jsonb ->> 'sub')`);

      const user = await userClient(uid);
      const mine = await user.storage.from(bucket).upload(`${uid}/ok.txt`, new Blob(["mine"]));
      assert.equal(mine.error, null);
      const [row] = await sql`select owner::text, owner_id from storage.objects
                              where bucket_id = ${bucket} and name = ${`${uid}/ok.txt`}`;
      assert.equal(row.owner, uid);
      assert.equal(row.owner_id, uid);

      const denied = await user.storage.from(bucket).upload("other/x.txt", new Blob(["no"]));
      const err = apiError(denied.error);
      assert.equal(err.statusCode, "403");
      assert.equal(err.message, "new row violates row-level security policy");

      const secret = await admin.storage.from(bucket).upload("other/secret.txt", new Blob(["s"]));
      assert.equal(secret.error, null);
      const hidden = await user.storage.from(bucket).download("other/secret.txt");
      assert.ok(hidden.error);
      const hiddenInfo = await user.storage.from(bucket).info("other/secret.txt");
      assert.equal(apiError(hiddenInfo.error).statusCode, "404");

      const top = await user.storage.from(bucket).list("");
      assert.deepEqual(top.data?.map((o) => o.name), [uid]);
      const adminTop = await admin.storage.from(bucket).list("");
      assert.deepEqual(adminTop.data?.map((o) => o.name).sort(), [uid, "other"].sort());

      // The user asks for both; RLS lets only their own row go, and only it is returned.
      const removed = await user.storage.from(bucket).remove([
        `${uid}/ok.txt`,
        "other/secret.txt",
      ]);
      assert.equal(removed.error, null);
      assert.deepEqual(removed.data?.map((o) => o.name), [`${uid}/ok.txt`]);
      assert.equal(await exists(admin, bucket, "other/secret.txt"), true);
      const stillThere = await admin.storage.from(bucket).download("other/secret.txt");
      assert.equal(await stillThere.data?.text(), "s");

      const anon = createClient(API_URL, ANON_KEY, { auth: noAuth });
      const anonList = await anon.storage.from(bucket).list("");
      assert.deepEqual(anonList.data, []);
      const anonUp = await anon.storage.from(bucket).upload(`${uid}/a.txt`, new Blob(["a"]));
      assert.equal(apiError(anonUp.error).statusCode, "403");
    } finally {
      await sql.unsafe(`drop policy if exists "${policy}" on storage.objects`);
      await sql.end();
      await dropBucket(admin, bucket);
    }
  },
});

Deno.test({
  name: "remove: returns only rows deleted, rejects more than 1000 names",
  ignore,
  async fn() {
    const admin = adminClient();
    const bucket = bucketName("rm");
    try {
      await admin.storage.createBucket(bucket);
      const files = admin.storage.from(bucket);
      for (const n of ["a", "b", "c"]) {
        assert.equal((await files.upload(`d/${n}`, new Blob([n]))).error, null);
      }
      const first = await files.remove(["d/a", "d/b", "d/c", "d/missing", "d/a", "other"]);
      assert.equal(first.error, null);
      assert.deepEqual(first.data?.map((o) => o.name).sort(), ["d/a", "d/b", "d/c"]);
      const second = await files.remove(["d/a", "d/b", "d/c"]);
      assert.deepEqual(second.data, []);

      assert.equal((await files.upload("keep", new Blob(["k"]))).error, null);
      const names = Array.from({ length: 1001 }, (_, i) => `n${i}`);
      names[500] = "keep";
      const tooMany = await files.remove(names);
      const err = apiError(tooMany.error);
      assert.equal(err.status, 400);
      assert.equal(err.statusCode, "400");
      assert.equal(err.message, "Bulk object requests are limited to 1000 objects per request.");
      assert.equal(await exists(admin, bucket, "keep"), true);
      const exactly = await files.remove(names.slice(1));
      assert.deepEqual(exactly.data?.map((o) => o.name), ["keep"]);

      const empty = await files.remove([]);
      assert.equal(apiError(empty.error).statusCode, "400");
    } finally {
      await dropBucket(admin, bucket);
    }
  },
});

Deno.test({
  name: "faults: control endpoint needs service_role and a valid body",
  ignore,
  async fn() {
    const anon = await faults("POST", { mode: "error" }, ANON_KEY);
    assert.equal(anon.status, 400);
    assert.equal(anon.json.statusCode, "403");
    const invalid = await faults("POST", { mode: "explode" });
    assert.equal(invalid.status, 400);
    const noK = await faults("POST", { mode: "partial" });
    assert.equal(noK.status, 400);
  },
});

Deno.test({
  name: "faults: error, hang, partial and clear",
  ignore,
  sanitizeOps: false, // the aborted fetch of the hang case settles on the server later
  sanitizeResources: false,
  async fn() {
    const admin = adminClient();
    const bucket = bucketName("flt");
    const files = admin.storage.from(bucket);
    const upload = async (...names: string[]) => {
      for (const n of names) assert.equal((await files.upload(n, new Blob([n]))).error, null);
    };
    try {
      await admin.storage.createBucket(bucket);
      await upload("a", "b", "c");

      // error: the next 2 removes on this bucket fail with 503 and delete nothing.
      const armed = await faults("POST", { mode: "error", status: 503, times: 2, bucket });
      assert.equal(armed.status, 201);
      for (let i = 0; i < 2; i++) {
        const r = await files.remove(["a"]);
        assert.equal(apiError(r.error).status, 503);
      }
      assert.equal(await exists(admin, bucket, "a"), true);
      assert.deepEqual((await files.remove(["a"])).data?.map((o) => o.name), ["a"]);

      // hang: the client gives up after 300 ms, the server still deletes after 1 s.
      await faults("POST", { mode: "hang", delayMs: 1000, bucket });
      const impatient = createClient(API_URL, SERVICE_ROLE_KEY, {
        auth: noAuth,
        global: {
          fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(300) }),
        },
      });
      const started = Date.now();
      const timedOut = await impatient.storage.from(bucket).remove(["b"]);
      assert.ok(timedOut.error, "expected a client-side timeout");
      assert.ok(Date.now() - started < 900);
      assert.equal(await exists(admin, bucket, "b"), true);
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(await exists(admin, bucket, "b"), false);

      // hang then error: slow 5xx, nothing deleted.
      await faults("POST", { mode: "hang", delayMs: 300, then: "error", bucket });
      const t0 = Date.now();
      const slow = await files.remove(["c"]);
      assert.ok(Date.now() - t0 >= 300);
      assert.equal(apiError(slow.error).status, 503);
      assert.equal(await exists(admin, bucket, "c"), true);

      // partial: only the first k names go, and only they are reported.
      await upload("p1", "p2", "p3");
      await faults("POST", { mode: "partial", k: 1, bucket });
      const partial = await files.remove(["p1", "p2", "p3"]);
      assert.deepEqual(partial.data?.map((o) => o.name), ["p1"]);
      assert.equal(await exists(admin, bucket, "p2"), true);
      const rest = await files.remove(["p1", "p2", "p3"]);
      assert.deepEqual(rest.data?.map((o) => o.name).sort(), ["p2", "p3"]);

      // DELETE clears armed rules.
      await faults("POST", { mode: "error", times: 5, bucket });
      const cleared = await faults("DELETE");
      assert.ok(cleared.json.cleared >= 1);
      assert.deepEqual((await files.remove(["c"])).data?.map((o) => o.name), ["c"]);
    } finally {
      await faults("DELETE");
      await dropBucket(admin, bucket);
    }
  },
});
