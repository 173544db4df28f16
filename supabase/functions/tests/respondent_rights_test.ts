// A respondent's export and erasure end to end on the stack: an organisation admin downloads one
// zip (manifest.json and every recording's audio, opened and checked here) through the
// respondent-export function, then erases the respondent through the public RPC; the next job
// run removes exactly their objects from Storage, and every other respondent keeps every row
// and object (counts before and after).
import assert from "node:assert/strict";
import { strFromU8, unzipSync } from "fflate";
import { createSql } from "../_shared/db.ts";
import { receiptSignerFrom } from "../_shared/dsr/receipt.ts";
import { dataExport } from "../data-export/job.ts";
import { storageExportStore } from "../data-export/store.ts";
import { createRespondentExportHandler, storageAudioSource } from "../respondent-export/handler.ts";
import { stackSetting } from "../../../scripts/lib/stack-env.ts";
import {
  asUser,
  createOrganization,
  createUser,
  type TestUser,
  userJwt,
} from "./support/erasure.ts";
import { callOk, testJob } from "./support/job.ts";
import { adminSql, existingObjects, seedSurvey, stack, uploadObjects } from "./support/stack.ts";

async function exportAs(
  handler: (req: Request) => Promise<Response>,
  user: TestUser,
  body: unknown,
): Promise<Response> {
  return await handler(
    new Request("http://localhost/functions/v1/respondent-export", {
      method: "POST",
      headers: {
        authorization: `Bearer ${await userJwt(user)}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    }),
  );
}

Deno.test({
  name: "an admin exports one respondent as a zip with their audio, then erases only them",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sql = adminSql();
    const pool = createSql(stack.DB_URL, { applicationName: "respondent-export-test", max: 2 });
    const handler = createRespondentExportHandler({
      sql: pool,
      audio: storageAudioSource(stack.API_URL, stack.SERVICE_ROLE_KEY),
      jwtSecret: stack.JWT_SECRET,
    });
    const job = testJob(
      dataExport(
        storageExportStore(stack.API_URL, stack.SERVICE_ROLE_KEY),
        receiptSignerFrom(stackSetting),
      ),
    );
    try {
      const admin = await createUser(sql, "panel-admin");
      const member = await createUser(sql, "panel-member");
      const org = await createOrganization(sql, admin, [
        { user: admin, role: "owner", joinedAgo: "1y" },
        { user: member, role: "member", joinedAgo: "1d" },
      ]);
      // Two surveys, three respondents each (resp-1 … resp-3): resp-1 answered both.
      const surveys = [
        await seedSurvey(sql, org, { questions: 2, responses: 3 }),
        await seedSurvey(sql, org, { questions: 2, responses: 3 }),
      ];
      await uploadObjects(surveys.flatMap((s) => s.objectNames));
      const objectsOf = async (ref: string) =>
        (await sql`select c.object_path from public.recordings c
          join public.responses r on r.org_id = c.org_id and r.id = c.response_id
          where r.org_id = ${org} and r.respondent_ref = ${ref} order by 1`)
          .map((r) => r.object_path as string);
      const counts = async () =>
        [
          ...await sql`select r.respondent_ref, count(distinct r.id)::int as responses,
            count(distinct c.id)::int as recordings, count(distinct t.id)::int as transcripts
          from public.responses r
          left join public.recordings c on c.org_id = r.org_id and c.response_id = r.id
          left join public.transcripts t on t.org_id = c.org_id and t.recording_id = c.id
          where r.org_id = ${org} group by 1 order by 1`,
        ].map((row) => ({ ...row }));
      const target = await objectsOf("resp-1");
      const others = [...await objectsOf("resp-2"), ...await objectsOf("resp-3")];
      const before = await counts();
      assert.equal(target.length, 4);

      // Unknown respondents, and callers who are no admin: not found, nothing recorded.
      assert.equal(
        (await exportAs(handler, admin, { org_id: org, respondent_ref: "resp-404" })).status,
        404,
      );
      assert.equal(
        (await exportAs(handler, member, { org_id: org, respondent_ref: "resp-1" })).status,
        404,
      );
      const [{ n: recorded }] = await sql`select count(*)::int as n from private.dsr_requests
        where subject_org_id = ${org}`;
      assert.equal(recorded, 0);

      const res = await exportAs(handler, admin, { org_id: org, respondent_ref: "resp-1" });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/zip");
      const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
      const manifest = JSON.parse(strFromU8(files["manifest.json"]));
      assert.equal(manifest.format, "cluso.respondent-export.v1");
      assert.equal(manifest.respondent_ref, "resp-1");
      assert.deepEqual(manifest.counts, { responses: 2, recordings: 4, transcripts: 4 });
      const answers = manifest.responses.flatMap((r: { answers: unknown[] }) => r.answers);
      assert.deepEqual(
        answers.map((a: { object_path: string }) => a.object_path).sort(),
        target,
      );
      for (const answer of answers) {
        const audio = files[answer.audio_file];
        assert.ok(audio, `${answer.audio_file} is in the zip`);
        assert.deepEqual(audio, new Uint8Array(16).fill(7), "the uploaded audio, byte for byte");
        assert.equal(answer.transcript.body, "transcript");
      }
      assert.equal(Object.keys(files).length, 1 + 4, "the manifest and four recordings, no more");

      // Erasure: exactly this respondent.
      const [{ erased }] = await asUser(
        sql,
        admin,
        (tx) => tx`select public.respondent_erase(${org}::uuid, 'resp-1') as erased`,
      );
      assert.deepEqual(erased.counts, {
        responses: 2,
        recordings: 4,
        transcripts: 4,
        storage_objects_queued: 4,
      });
      await callOk(job);
      assert.deepEqual(await existingObjects(sql, target), [], "their audio left Storage");
      assert.deepEqual((await existingObjects(sql, others)).sort(), others.sort());
      const after = await counts();
      assert.deepEqual(after, before.filter((c) => c.respondent_ref !== "resp-1"));
      const [{ removed }] = await sql`select count(*)::int as removed from audit.events
        where org_id = ${org} and action = 'storage_object.removed'`;
      assert.equal(removed, 4);
      assert.equal(
        (await exportAs(handler, admin, { org_id: org, respondent_ref: "resp-1" })).status,
        404,
        "nothing is left to export",
      );
    } finally {
      await job.close();
      await pool.end({ timeout: 5 });
      await sql.end({ timeout: 5 });
    }
  },
});

Deno.test({
  name: "the export's audio source reads a missing object as absent and fails on a failing Storage",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const missing = `${crypto.randomUUID()}/${crypto.randomUUID()}/missing.webm`;
    const audio = storageAudioSource(stack.API_URL, stack.SERVICE_ROLE_KEY);
    assert.equal(await audio.read(missing), null, "an object that is not there has no audio");
    // A key Storage refuses is not an answer about the object: the export must fail, not ship a
    // zip that looks complete without its audio.
    const refused = storageAudioSource(stack.API_URL, "not-a-service-role-key");
    await assert.rejects(refused.read(missing));
  },
});

Deno.test({
  name: "an export whose audio cannot be read records no answered request",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sql = adminSql();
    const pool = createSql(stack.DB_URL, { applicationName: "respondent-export-test", max: 2 });
    let reads = 0;
    const handler = createRespondentExportHandler({
      sql: pool,
      audio: {
        read() {
          reads++;
          return Promise.reject(new Error("Storage is down"));
        },
      },
      jwtSecret: stack.JWT_SECRET,
    });
    try {
      const admin = await createUser(sql, "panel-admin");
      const org = await createOrganization(sql, admin, [
        { user: admin, role: "owner", joinedAgo: "1y" },
      ]);
      await seedSurvey(sql, org, { questions: 2, responses: 1 });
      const res = await exportAs(handler, admin, { org_id: org, respondent_ref: "resp-1" });
      assert.equal(res.status, 500);
      assert.equal(reads, 1, "the export got as far as the audio");
      // Neither the ledger nor the trail says the request was answered: it was not.
      const [{ requests }] = await sql`select count(*)::int as requests from private.dsr_requests
        where subject_org_id = ${org}`;
      assert.equal(requests, 0);
      const [{ events }] = await sql`select count(*)::int as events from audit.events
        where org_id = ${org} and action like 'data_subject_request.%'`;
      assert.equal(events, 0);
    } finally {
      await pool.end({ timeout: 5 });
      await sql.end({ timeout: 5 });
    }
  },
});

Deno.test({
  name: "the export reads the audio without holding the organisation's audit trail",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sql = adminSql();
    const pool = createSql(stack.DB_URL, { applicationName: "respondent-export-test", max: 2 });
    try {
      const admin = await createUser(sql, "panel-admin");
      const org = await createOrganization(sql, admin, [
        { user: admin, role: "owner", joinedAgo: "1y" },
      ]);
      await seedSurvey(sql, org, { questions: 2, responses: 1 });
      // While each recording is read, another audited write of the organisation must go through
      // at once: the export holds no lock on the organisation's chain meanwhile.
      const handler = createRespondentExportHandler({
        sql: pool,
        audio: {
          async read() {
            await sql.begin(async (tx) => {
              await tx`set local lock_timeout = '2s'`;
              await tx`select audit.record_event('survey.soft_deleted', ${org}::uuid,
                'public.surveys', ${crypto.randomUUID()}, 'user_request', '{}',
                p_actor_job => 'test')`;
            });
            return new Uint8Array(4).fill(1);
          },
        },
        jwtSecret: stack.JWT_SECRET,
      });
      const res = await exportAs(handler, admin, { org_id: org, respondent_ref: "resp-1" });
      await res.body?.cancel();
      assert.equal(res.status, 200);
      const [{ completed }] = await sql`select count(*)::int as completed
        from private.dsr_requests where subject_org_id = ${org} and state = 'completed'`;
      assert.equal(completed, 1, "the export is recorded once it has its audio");
    } finally {
      await pool.end({ timeout: 5 });
      await sql.end({ timeout: 5 });
    }
  },
});
