// Integration tests of the recordings broker (recording-access) against the stack: real
// Postgres, the Storage API, and the real supabase-js. A member plays a recording with the
// signed URL the broker hands out; removal, trashing and erasure refuse at once, and URLs
// handed out earlier die with their (at most 60 s) expiry; clients cannot read the bucket
// themselves; every grant is in the access log.
//   node_modules/.bin/deno test -A supabase/functions/tests/recording_access_test.ts
import assert from "node:assert/strict";
import type { Sql } from "../_shared/db.ts";
import { brokerResponse, callBroker, sessionJwt } from "./support/broker.ts";
import { createOrganization, createUser, type TestUser, userClient } from "./support/erasure.ts";
import { adminSql, createSurvey, serviceClient, stack, stackClient } from "./support/stack.ts";

interface World {
  sql: Sql;
  owner: TestUser;
  member: TestUser;
  outsider: TestUser;
  orgId: string;
  surveyId: string;
  objectNames: string[];
  recordingIds: string[];
}

const NOT_FOUND = { status: 404, body: { error: "not found" } };

/** An organisation (owner, member) with one live survey of 2x2 uploaded recordings. */
async function world(sql: Sql): Promise<World> {
  const owner = await createUser(sql, "owner");
  const member = await createUser(sql, "member");
  const outsider = await createUser(sql, "outsider");
  const orgId = await createOrganization(sql, owner, [
    { user: owner, role: "owner", joinedAgo: "1y" },
    { user: member, role: "member", joinedAgo: "1d" },
  ]);
  await createOrganization(sql, outsider, [{ user: outsider, role: "owner", joinedAgo: "1y" }]);
  const { surveyId, objectNames } = await createSurvey(sql, orgId);
  const rows = await sql<{ id: string }[]>`
    select id from public.recordings where survey_id = ${surveyId} order by object_path`;
  return {
    sql,
    owner,
    member,
    outsider,
    orgId,
    surveyId,
    objectNames,
    recordingIds: rows.map((r) => r.id),
  };
}

function test(name: string, fn: (w: World) => Promise<void>): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const sql = adminSql();
      try {
        await fn(await world(sql));
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  });
}

async function play(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

function tokenClaims(url: string): { exp: number; iat: number; url: string } {
  const [, payload] = new URL(url).searchParams.get("token")!.split(".");
  return JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a member plays a recording through the broker; the grant is logged", async (w) => {
  const requestId = crypto.randomUUID();
  const answer = await callBroker(
    await sessionJwt(w.member.id),
    { recording_id: w.recordingIds[0] },
    requestId,
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.body.expires_in, 60);
  const res = await fetch(answer.body.signed_url);
  assert.equal(res.status, 200);
  assert.equal((await res.arrayBuffer()).byteLength, 16);
  const claims = tokenClaims(answer.body.signed_url);
  assert.equal(claims.exp - claims.iat, 60);
  assert.equal(claims.url, `recordings/${w.objectNames[0]}`);

  const log = await w.sql`
    select user_id, org_id, survey_id, response_id, recording_id, object_name, access_path,
      request_id
    from audit.recording_access where user_id = ${w.member.id}`;
  assert.deepEqual([...log], [{
    user_id: w.member.id,
    org_id: w.orgId,
    survey_id: w.surveyId,
    response_id: w.objectNames[0].split("/")[2],
    recording_id: w.recordingIds[0],
    object_name: w.objectNames[0],
    access_path: "single",
    request_id: requestId,
  }]);
});

test("an expiry longer than 60 s is clamped to 60 s, a shorter one honoured", async (w) => {
  const token = await sessionJwt(w.member.id);
  const long = await callBroker(token, { recording_id: w.recordingIds[0], expires_in: 3600 });
  assert.equal(long.body.expires_in, 60);
  const claims = tokenClaims(long.body.signed_url);
  assert.equal(claims.exp - claims.iat, 60);
  const short = await callBroker(token, { recording_id: w.recordingIds[0], expires_in: 5 });
  const shortClaims = tokenClaims(short.body.signed_url);
  assert.equal(shortClaims.exp - shortClaims.iat, 5);
});

test("a survey's playlist is one call; every URL plays; each grant is logged", async (w) => {
  const answer = await callBroker(await sessionJwt(w.member.id), { survey_id: w.surveyId });
  assert.equal(answer.status, 200);
  const recordings = answer.body.recordings as { recording_id: string; signed_url: string }[];
  assert.deepEqual(recordings.map((r) => r.recording_id).sort(), [...w.recordingIds].sort());
  for (const r of recordings) assert.equal(await play(r.signed_url), 200);
  const [{ n }] = await w.sql<[{ n: number }]>`
    select count(*)::int as n from audit.recording_access
    where user_id = ${w.member.id} and access_path = 'playlist'`;
  assert.equal(n, w.recordingIds.length);
});

test("unknown, foreign and malformed ids get the same not found; no log row", async (w) => {
  const outsider = await sessionJwt(w.outsider.id);
  assert.deepEqual(await callBroker(outsider, { recording_id: w.recordingIds[0] }), NOT_FOUND);
  assert.deepEqual(await callBroker(outsider, { survey_id: w.surveyId }), NOT_FOUND);
  const member = await sessionJwt(w.member.id);
  assert.deepEqual(await callBroker(member, { recording_id: crypto.randomUUID() }), NOT_FOUND);
  assert.deepEqual(await callBroker(member, { survey_id: crypto.randomUUID() }), NOT_FOUND);
  const bad = await callBroker(member, { recording_id: "not-a-uuid" });
  assert.equal(bad.status, 400);
  assert.equal((await callBroker(null, { recording_id: w.recordingIds[0] })).status, 401);
  const anon = await callBroker(stack.ANON_KEY, { recording_id: w.recordingIds[0] });
  assert.equal(anon.status, 401);
  const [{ n }] = await w.sql<[{ n: number }]>`
    select count(*)::int as n from audit.recording_access
    where user_id in (${w.outsider.id}, ${w.member.id})`;
  assert.equal(n, 0);
});

/** A URL granted with a 1 s life before `revoke`: refused after it, dead after its expiry. */
async function refusedAtOnceAndUrlDies(w: World, user: TestUser, revoke: () => Promise<void>) {
  const token = await sessionJwt(user.id);
  const earlier = await callBroker(token, { recording_id: w.recordingIds[0], expires_in: 1 });
  assert.equal(earlier.status, 200);
  await revoke();
  assert.deepEqual(await callBroker(token, { recording_id: w.recordingIds[0] }), NOT_FOUND);
  assert.deepEqual(await callBroker(token, { survey_id: w.surveyId }), NOT_FOUND);
  await sleep(2100);
  assert.equal(await play(earlier.body.signed_url), 400, "the earlier URL expired");
}

test("a removed member is refused at once; their earlier URL expires", async (w) => {
  await refusedAtOnceAndUrlDies(w, w.member, async () => {
    await w
      .sql`delete from public.memberships where org_id = ${w.orgId} and user_id = ${w.member.id}`;
  });
});

test("a trashed survey is refused at once; earlier URLs expire", async (w) => {
  await refusedAtOnceAndUrlDies(w, w.member, async () => {
    await w.sql`update public.surveys set deleted_at = now() where id = ${w.surveyId}`;
  });
});

test("an erased user is refused at once, even with a token still valid", async (w) => {
  await refusedAtOnceAndUrlDies(w, w.member, async () => {
    await w.sql`delete from auth.users where id = ${w.member.id}`;
  });
});

test("clients cannot read recordings from Storage themselves, whatever their role", async (w) => {
  const member = (await userClient(w.member)).storage.from("recordings");
  assert.ok((await member.download(w.objectNames[0])).error, "member download refused");
  assert.ok((await member.createSignedUrl(w.objectNames[0], 3600)).error, "member sign refused");
  const many = await member.createSignedUrls(w.objectNames, 3600);
  assert.ok(many.data?.every((d) => d.signedUrl === null), "member batch sign refused");
  assert.deepEqual((await member.list(w.orgId)).data, []);
  const owner = (await userClient(w.owner)).storage.from("recordings");
  assert.ok((await owner.download(w.objectNames[0])).error, "owner download refused");
  const anon = stackClient(stack.ANON_KEY).storage.from("recordings");
  assert.ok((await anon.download(w.objectNames[0])).error, "anon download refused");
  assert.ok((await anon.createSignedUrl(w.objectNames[0], 60)).error, "anon sign refused");
  // Control: the object is there for the service role.
  assert.equal(
    (await serviceClient().storage.from("recordings").download(w.objectNames[0]))
      .error,
    null,
  );
});

test("uploads: signed upload URLs for one response of a live survey, owned by the member", async (w) => {
  const token = await sessionJwt(w.member.id);
  const responseId = w.objectNames[0].split("/")[2];
  const slot = await callBroker(token, { upload: { response_id: responseId, extension: "m4a" } });
  assert.equal(slot.status, 200);
  assert.match(
    slot.body.path,
    new RegExp(`^${w.orgId}/${w.surveyId}/${responseId}/[0-9a-f-]{36}\\.m4a$`),
  );
  const client = (await userClient(w.member)).storage.from("recordings");
  const put = await client.uploadToSignedUrl(
    slot.body.path,
    slot.body.token,
    new Blob([new Uint8Array(8)], { type: "audio/mp4" }),
    { contentType: "audio/mp4" },
  );
  assert.equal(put.error, null);
  const [row] = await w.sql`select owner::text from storage.objects
                            where bucket_id = 'recordings' and name = ${slot.body.path}`;
  assert.equal(row.owner, w.member.id);
  const [logged] = await w.sql`select access_path, recording_id, object_name
    from audit.recording_access where user_id = ${w.member.id}`;
  assert.deepEqual({ ...logged }, {
    access_path: "upload",
    recording_id: null,
    object_name: slot.body.path,
  });
  // The client's next step: the recording row that points at the object (leaving no object
  // without its recording behind for the reconciliation).
  const [question] = await w.sql`select id from public.questions where survey_id = ${w.surveyId}
                                 order by position limit 1`;
  await w.sql`insert into public.recordings (org_id, survey_id, response_id, question_id,
      object_path, duration_ms, size_bytes, mime_type)
    values (${w.orgId}, ${w.surveyId}, ${responseId}, ${question.id}, ${slot.body.path}, 1000, 8,
      'audio/mp4')`;

  // A direct upload is refused; so is a slot for an outsider or under a trashed survey.
  const direct = await client.upload(
    `${w.orgId}/${w.surveyId}/${responseId}/${crypto.randomUUID()}.webm`,
    new Blob([new Uint8Array(8)], { type: "audio/webm" }),
    { contentType: "audio/webm" },
  );
  assert.ok(direct.error, "direct upload refused");
  const outsider = await sessionJwt(w.outsider.id);
  const body = { upload: { response_id: responseId, extension: "webm" } };
  assert.deepEqual(await callBroker(outsider, body), NOT_FOUND);
  await w.sql`update public.surveys set deleted_at = now() where id = ${w.surveyId}`;
  assert.deepEqual(await callBroker(token, body), NOT_FOUND);
});

Deno.test("browsers: the preflight is answered and answers carry CORS headers; only POST grants", async () => {
  const preflight = await brokerResponse({ method: "OPTIONS" });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/);
  const get = await brokerResponse({ method: "GET" });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("access-control-allow-origin"), "*");
  await get.body?.cancel();
});
