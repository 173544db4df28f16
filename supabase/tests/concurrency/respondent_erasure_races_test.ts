// A signed upload URL lives two hours: an upload into a respondent's response folder racing that
// respondent's erasure must neither land after the erasure read the folder nor be left behind.
import assert from "node:assert/strict";
import {
  adminSql,
  backendPid,
  createOrg,
  createUser,
  errorOf,
  finish,
  openSession,
  openSignedUploadSession,
  waitsOnLock,
} from "./sessions.ts";

const uuid = () => crypto.randomUUID();

/** A live survey of the organisation with one response of respondent R-1; returns its folder. */
async function respondentFolder(sql: ReturnType<typeof adminSql>, orgId: string) {
  const [survey] = await sql<[{ id: string }]>`
    insert into public.surveys (org_id, title, slug)
    values (${orgId}, 'Race', ${"race-" + uuid().slice(0, 8)}) returning id`;
  const [response] = await sql<[{ id: string }]>`
    insert into public.responses (org_id, survey_id, respondent_ref)
    values (${orgId}, ${survey.id}, 'R-1') returning id`;
  return `${orgId}/${survey.id}/${response.id}`;
}

// As the Storage API writes an upload through a signed upload URL the broker granted earlier.
const insertObject = (name: string, ownerId: string) =>
  `insert into storage.objects (bucket_id, name, owner_id, metadata, user_metadata)
   values ('recordings', '${name}', '${ownerId}', '{}', '{}')`;

Deno.test("an upload racing a respondent's erasure waits, then fails: nothing lands in the erased folder", async () => {
  const sql = adminSql();
  try {
    const owner = await createUser(sql, "owner");
    const orgId = await createOrg(sql, owner);
    const folder = await respondentFolder(sql, orgId);
    const erasure = await openSession(sql, owner);
    await erasure`select public.respondent_erase(${orgId}, 'R-1')`;
    const upload = await openSignedUploadSession(sql);
    const pid = await backendPid(upload);
    const uploading = errorOf(upload.unsafe(insertObject(`${folder}/${uuid()}.webm`, owner)));
    assert.equal(await waitsOnLock(sql, pid), true, "the upload waits for the erasure");
    await finish(erasure, "commit");
    const error = await uploading;
    await finish(upload, "rollback");
    assert.equal(error?.code, "42501", "the upload fails once the response is gone");
    const [{ left }] = await sql<[{ left: number }]>`
      select count(*)::int as left from storage.objects
      where bucket_id = 'recordings' and starts_with(name, ${folder + "/"})`;
    assert.equal(left, 0);
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("an upload that commits first is queued for removal with the respondent's objects", async () => {
  const sql = adminSql();
  try {
    const owner = await createUser(sql, "owner");
    const orgId = await createOrg(sql, owner);
    const folder = await respondentFolder(sql, orgId);
    const name = `${folder}/${uuid()}.webm`;
    const upload = await openSignedUploadSession(sql);
    await upload.unsafe(insertObject(name, owner));
    const erasure = await openSession(sql, owner);
    const pid = await backendPid(erasure);
    const erasing = errorOf(erasure`select public.respondent_erase(${orgId}, 'R-1')`);
    assert.equal(await waitsOnLock(sql, pid), true, "the erasure waits for the upload");
    await finish(upload, "commit");
    assert.equal(await erasing, null);
    await finish(erasure, "commit");
    const queued = await sql<{ object_name: string }[]>`
      select object_name from private.storage_removals
      where org_id = ${orgId} and cause = 'respondent_erasure'`;
    assert.deepEqual(queued.map((r) => r.object_name), [name], "the uploaded object is queued");
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("two erasures of one respondent at once: one erases, the other finds no respondent", async () => {
  const sql = adminSql();
  try {
    const owner = await createUser(sql, "owner");
    const orgId = await createOrg(sql, owner);
    await respondentFolder(sql, orgId);
    const first = await openSession(sql, owner);
    await first`select public.respondent_erase(${orgId}, 'R-1')`;
    const second = await openSession(sql, owner);
    const pid = await backendPid(second);
    const erasing = errorOf(second`select public.respondent_erase(${orgId}, 'R-1')`);
    assert.equal(await waitsOnLock(sql, pid), true, "the second erasure waits for the first");
    await finish(first, "commit");
    const error = await erasing;
    // Committed when it succeeds, so a second erasure that erased and audited again would count.
    await finish(second, error ? "rollback" : "commit");
    assert.equal(error?.code, "P0002", "nothing is left to erase");
    const [{ events }] = await sql<[{ events: number }]>`
      select count(*)::int as events from audit.events
      where org_id = ${orgId} and action = 'respondent.erased'`;
    assert.equal(events, 1, "the one response is audited as erased once");
    const [{ requests }] = await sql<[{ requests: number }]>`
      select count(*)::int as requests from private.dsr_requests
      where subject_org_id = ${orgId} and request_type = 'erasure'`;
    assert.equal(requests, 1, "one erasure request in the ledger");
  } finally {
    await sql.end({ timeout: 1 });
  }
});
