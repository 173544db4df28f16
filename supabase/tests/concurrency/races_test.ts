// Races between concurrent requests that must not break a deletion promise.
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

// A live survey with one response: the broker grants uploads only into a response's folder
// ('<org>/<survey>/<response>/'); returns that folder.
async function liveResponseFolder(
  sql: ReturnType<typeof adminSql>,
  orgId: string,
): Promise<string> {
  const [{ id }] = await sql<[{ id: string }]>`
    insert into public.surveys (org_id, title, slug) values (${orgId}, 'Race', ${
    "race-" + uuid().slice(0, 8)
  })
    returning id`;
  const [response] = await sql<[{ id: string }]>`
    insert into public.responses (org_id, survey_id) values (${orgId}, ${id}) returning id`;
  return `${orgId}/${id}/${response.id}`;
}

// Members upload through the broker's signed upload URLs: the Storage API writes the object as
// service_role, with the member as its owner.
const insertObject = (folder: string, ownerId: string) =>
  `insert into storage.objects (bucket_id, name, owner_id, metadata, user_metadata)
   values ('recordings', '${folder}/${uuid()}.webm', '${ownerId}', '{}', '{}')`;

Deno.test("an upload racing an organisation's deletion waits, then fails: nothing is left behind", async () => {
  const sql = adminSql();
  try {
    const owner = await createUser(sql, "owner");
    const orgId = await createOrg(sql, owner);
    const folder = await liveResponseFolder(sql, orgId);
    const deletion = await openSession(sql, owner);
    await deletion`select public.delete_organization(${orgId})`;
    const upload = await openSignedUploadSession(sql);
    const pid = await backendPid(upload);
    const uploading = errorOf(upload.unsafe(insertObject(folder, owner)));
    assert.equal(await waitsOnLock(sql, pid), true, "the upload waits for the deletion");
    await finish(deletion, "commit");
    const error = await uploading;
    await finish(upload, "rollback");
    assert.equal(error?.code, "42501", "the upload fails once the survey is gone");
    const [{ left }] = await sql<[{ left: number }]>`
      select count(*)::int as left from storage.objects where name like ${orgId + "/%"}`;
    assert.equal(left, 0);
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("an upload that commits first is swept with its organisation", async () => {
  const sql = adminSql();
  try {
    const owner = await createUser(sql, "owner");
    const orgId = await createOrg(sql, owner);
    const folder = await liveResponseFolder(sql, orgId);
    const upload = await openSignedUploadSession(sql);
    await upload.unsafe(insertObject(folder, owner));
    const deletion = await openSession(sql, owner);
    const pid = await backendPid(deletion);
    const deleting = errorOf(deletion`select public.delete_organization(${orgId})`);
    assert.equal(await waitsOnLock(sql, pid), true, "the deletion waits for the upload");
    await finish(upload, "commit");
    assert.equal(await deleting, null);
    await finish(deletion, "commit");
    const [{ queued }] = await sql<[{ queued: number }]>`
      select count(*)::int as queued from private.storage_removals
      where org_id = ${orgId} and cause = 'user_request'`;
    assert.equal(queued, 1, "the uploaded object is queued for removal");
    // The queued removal stays: the next run of a job's Storage drain removes the object.
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("two concurrent erasure requests for one account: one is accepted, the other gets PT409", async () => {
  const sql = adminSql();
  try {
    const user = await createUser(sql, "twice");
    const first = await openSession(sql, user);
    await first`select public.request_account_erasure()`;
    const second = await openSession(sql, user);
    const pid = await backendPid(second);
    const requesting = errorOf(second`select public.request_account_erasure()`);
    assert.equal(await waitsOnLock(sql, pid), true);
    await finish(first, "commit");
    const error = await requesting;
    await finish(second, "rollback");
    assert.equal(error?.code, "PT409");
    assert.match(error?.message ?? "", /already open/);
    await sql`delete from private.account_erasure_requests where user_id = ${user}`;
    await sql`delete from auth.users where id = ${user}`;
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("statements that each remove rows of two organisations, in opposite orders, never deadlock", async () => {
  const sql = adminSql();
  try {
    const owner = await createUser(sql, "owner");
    const [orgA, orgB] = [await createOrg(sql, owner), await createOrg(sql, owner)];
    const rounds = 40;
    const deadlocks: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const [u1, u2] = [await createUser(sql, "u1"), await createUser(sql, "u2")];
      // Heap order decides the order a statement visits its rows: B then A for u1, A then B for u2.
      await sql`insert into public.invitations (org_id, user_id, role, invited_by) values
        (${orgB}, ${u1}, 'member', ${owner}), (${orgA}, ${u1}, 'member', ${owner})`;
      await sql`insert into public.invitations (org_id, user_id, role, invited_by) values
        (${orgA}, ${u2}, 'member', ${owner}), (${orgB}, ${u2}, 'member', ${owner})`;
      const decline = async (userId: string) => {
        const session = await openSession(sql, userId);
        const error = await errorOf(
          session`delete from public.invitations where user_id = auth.uid()`,
        );
        await finish(session, error ? "rollback" : "commit");
        return error;
      };
      const results = await Promise.all([decline(u1), decline(u2)]);
      for (const error of results) if (error) deadlocks.push(`${error.code} ${error.message}`);
    }
    assert.deepEqual(deadlocks, [], "no statement failed");
  } finally {
    await sql.end({ timeout: 1 });
  }
});

// A survey in the trash with one question, deleted `ago` before now.
async function trashedSurvey(sql: ReturnType<typeof adminSql>, owner: string, ago: string) {
  const orgId = await createOrg(sql, owner);
  const surveyId = (await liveResponseFolder(sql, orgId)).split("/")[1];
  await sql`insert into public.questions (org_id, survey_id, position, prompt)
    values (${orgId}, ${surveyId}, 1, 'Race question')`;
  await sql`update public.surveys set deleted_at = now() - ${ago}::interval, deleted_by = ${owner}
    where id = ${surveyId}`;
  return surveyId;
}

Deno.test("a restore in progress when the purge runs: the purge skips the survey, the restore wins whole", async () => {
  const sql = adminSql();
  try {
    const owner = await createUser(sql, "owner");
    // Still recoverable for 3 seconds: the restore starts inside the window, the purge after it.
    const surveyId = await trashedSurvey(sql, owner, "30 days - 3 seconds");
    const restore = await openSession(sql, owner);
    await restore`select * from public.restore_survey(${surveyId})`;
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const purge = await openSession(sql);
    await purge`set local statement_timeout = '10s'`;
    const [{ due }] = await purge<[{ due: boolean }]>`
      select deleted_at <= private.current_time() - private.survey_retention() as due
      from public.surveys where id = ${surveyId}`;
    assert.equal(due, true, "the purge sees the survey as due");
    assert.equal(
      await errorOf(purge`select private.retention_purge_batch(5000, 'retention_purge')`),
      null,
      "the purge does not wait for the restore",
    );
    await finish(purge, "commit");
    await finish(restore, "commit");
    const [survey] = await sql<[{ live: boolean; questions: number }]>`
      select s.live, (select count(*)::int from public.questions q
                      where q.survey_id = s.id and q.survey_live) as questions
      from public.surveys s where s.id = ${surveyId}`;
    assert.deepEqual(survey, { live: true, questions: 1 }, "restored with its question");
  } finally {
    await sql.end({ timeout: 1 });
  }
});

Deno.test("a purge in progress when a restore comes: the restore waits, then finds nothing", async () => {
  const sql = adminSql();
  try {
    const owner = await createUser(sql, "owner");
    const surveyId = await trashedSurvey(sql, owner, "30 days 1 minute");
    const purge = await openSession(sql);
    await purge`select private.retention_purge_batch(5000, 'retention_purge')`;
    const restore = await openSession(sql, owner);
    const pid = await backendPid(restore);
    const restoring = errorOf(restore`select * from public.restore_survey(${surveyId})`);
    assert.equal(await waitsOnLock(sql, pid), true, "the restore waits for the purge");
    await finish(purge, "commit");
    const error = await restoring;
    await finish(restore, "rollback");
    assert.equal(error?.code, "P0002", "the survey is gone, not half restored");
    const [{ left }] = await sql<[{ left: number }]>`
      select (select count(*)::int from public.surveys where id = ${surveyId})
        + (select count(*)::int from public.questions where survey_id = ${surveyId}) as left`;
    assert.equal(left, 0);
  } finally {
    await sql.end({ timeout: 1 });
  }
});
