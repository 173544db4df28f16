// An account holder's data export end to end on the stack: asked for through the public RPC as
// the user, refused for someone else and when already open, built by the data-export job, mailed
// through the outbox, downloaded through data-export-download's signed URL and opened here; then
// expired: the download is refused, and the job removes the object through the Storage outbox
// and audits the removal.
import assert from "node:assert/strict";
import { createSql } from "../_shared/db.ts";
import { receiptSignerFrom, verifyReceipt } from "../_shared/dsr/receipt.ts";
import { SECTIONS } from "../data-export/archive.ts";
import { dataExport } from "../data-export/job.ts";
import { EXPORT_BUCKET, storageExportStore } from "../data-export/store.ts";
import { serviceClient } from "../_shared/storage.ts";
import { createDownloadHandler, storageExportSigner } from "../data-export-download/handler.ts";
import {
  asUser,
  createOrganization,
  createUser,
  type TestUser,
  userJwt,
} from "./support/erasure.ts";
import { callOk, testJob } from "./support/job.ts";
import { adminSql, seedSurvey, stack } from "./support/stack.ts";
import { stackSetting } from "../../../scripts/lib/stack-env.ts";

const signer = storageExportSigner(stack.API_URL, stack.SERVICE_ROLE_KEY);

function downloadAs(handler: (req: Request) => Promise<Response>, user: TestUser) {
  return userJwt(user).then((jwt) =>
    handler(
      new Request("http://localhost/functions/v1/data-export-download", {
        method: "POST",
        headers: { authorization: `Bearer ${jwt}` },
      }),
    )
  );
}

/** Runs scripts/verify-receipt.ts on the document, as docs/DATA_SUBJECT_RIGHTS.md says; its code. */
async function verifyWithScript(doc: unknown, publicKey: string): Promise<number> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(doc));
    const script = new URL("../../../scripts/verify-receipt.ts", import.meta.url).pathname;
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", script, file, publicKey],
      stdout: "null",
      stderr: "null",
    }).output();
    return code;
  } finally {
    await Deno.remove(file);
  }
}

function sqlState(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}

Deno.test({
  name: "an account holder's export is built, mailed, downloaded as one JSON archive, then expires",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sql = adminSql();
    const pool = createSql(stack.DB_URL, { applicationName: "data-export-download-test", max: 2 });
    const handler = createDownloadHandler({ sql: pool, signer, jwtSecret: stack.JWT_SECRET });
    const job = testJob(
      dataExport(
        storageExportStore(stack.API_URL, stack.SERVICE_ROLE_KEY),
        receiptSignerFrom(stackSetting),
      ),
    );
    try {
      const user = await createUser(sql, "exporter");
      const other = await createUser(sql, "bystander");
      const own = await createOrganization(sql, user, [{ user, role: "owner", joinedAgo: "1y" }]);
      const shared = await createOrganization(sql, other, [
        { user: other, role: "owner", joinedAgo: "2y" },
        { user, role: "member", joinedAgo: "1d" },
      ]);
      const inviting = await createOrganization(sql, other, [
        { user: other, role: "owner", joinedAgo: "1y" },
      ]);
      await sql`insert into public.invitations (org_id, user_id, role, invited_by)
                values (${inviting}, ${user.id}, 'admin', ${other.id})`;
      const mine = await seedSurvey(sql, own, { createdBy: user.id, questions: 1, responses: 1 });
      await seedSurvey(sql, shared, { createdBy: other.id, questions: 1, responses: 1 });

      // Someone else's data: refused, nothing written.
      await assert.rejects(
        asUser(sql, user, (tx) => tx`select * from public.request_data_export(${other.id}::uuid)`),
        (err) => sqlState(err) === "42501",
      );
      const [{ n: before }] = await sql`select count(*)::int as n from private.dsr_requests
        where subject_user_id in ${sql([user.id, other.id])}`;
      assert.equal(before, 0);

      const [asked] = await asUser(
        sql,
        user,
        (tx) => tx`select * from public.request_data_export()`,
      );
      assert.match(asked.ref, /^DSR-[0-9A-F]{12}$/);
      // A second request while one is open: refused, naming the open one.
      await assert.rejects(
        asUser(sql, user, (tx) => tx`select * from public.request_data_export()`),
        (err) => sqlState(err) === "PT409" && (err as Error).message.includes(asked.ref),
      );
      const [{ n: exports }] = await sql`select count(*)::int as n from private.data_exports
        where user_id = ${user.id}`;
      assert.equal(exports, 1, "the duplicate did no work");
      assert.equal((await downloadAs(handler, user)).status, 409, "not built yet");

      const run = await callOk(job);
      assert.ok(run.totals.exports_built >= 1, JSON.stringify(run.body));
      // Every section of every built export is read in at least one page.
      assert.ok(
        run.totals.pages >= run.totals.exports_built * SECTIONS.length,
        JSON.stringify(run.body),
      );

      const [ledger] = await sql`select state, outcome from private.dsr_requests
        where ref = ${asked.ref}`;
      assert.equal(ledger.state, "completed");
      assert.equal(ledger.outcome.surveys_created, 1);
      assert.equal(ledger.outcome.memberships, 2);
      const mail = await sql`select template, params from private.mail_outbox
        where recipient = ${user.email} order by template`;
      assert.deepEqual(mail.map((m) => [m.template, m.params.reference]), [
        ["data_export_ready", asked.ref],
        ["dsr_receipt", asked.ref],
      ]);

      // The receipt: signed, verifiable with the public key, names nobody, fails when altered.
      const [{ doc }] = await sql`select private.dsr_receipt(${asked.ref}) as doc`;
      assert.equal(doc.receipt.request, asked.ref);
      assert.equal(doc.receipt.counts.surveys_created, 1);
      assert.equal(typeof doc.receipt.audit.seq, "number");
      assert.match(doc.receipt.audit.hash, /^[0-9a-f]{64}$/);
      assert.deepEqual(mail[1].params.receipt, doc.receipt, "the mailed receipt is the signed one");
      const receiptText = JSON.stringify(doc);
      assert.ok(!receiptText.includes(user.id) && !receiptText.includes(user.email));
      const publicKey = stackSetting("DSR_RECEIPT_PUBLIC_KEY")!;
      assert.equal(await verifyReceipt(doc, publicKey), true);
      const altered = structuredClone(doc);
      altered.receipt.counts.surveys_created = 0;
      assert.equal(await verifyReceipt(altered, publicKey), false);
      assert.equal(await verifyWithScript(doc, publicKey), 0, "the documented command verifies it");
      assert.equal(await verifyWithScript(altered, publicKey), 1, "and rejects it altered");

      // The bystander has no export; the user's own download is a signed URL to the archive.
      assert.equal((await downloadAs(handler, other)).status, 404);
      const res = await downloadAs(handler, user);
      assert.equal(res.status, 200);
      const answer = await res.json();
      assert.equal(answer.ref, asked.ref);
      assert.ok(answer.expires_in > 0 && answer.expires_in <= 300, JSON.stringify(answer));
      const file = await fetch(answer.signed_url);
      assert.equal(file.status, 200);
      const text = await file.text();
      const archive = JSON.parse(text);
      assert.equal(archive.format, "cluso.account-export.v1");
      assert.equal(archive.data.account[0].user_id, user.id);
      assert.equal(archive.data.account[0].email, user.email);
      assert.deepEqual(
        archive.data.memberships.map((m: { org_id: string }) => m.org_id).sort(),
        [own, shared].sort(),
      );
      assert.deepEqual(
        archive.data.surveys_created.map((s: { id: string }) => s.id),
        [mine.surveyId],
      );
      assert.deepEqual(
        archive.data.recordings_created.map((r: { survey_id: string }) => r.survey_id),
        [mine.surveyId],
        "the recording they made, not the bystander's",
      );
      assert.deepEqual(
        archive.data.invitations_received.map((i: { org_id: string }) => i.org_id),
        [inviting],
      );
      assert.ok(archive.data.membership_history.length >= 2, text);
      assert.equal(archive.counts.surveys_created, 1);
      assert.ok(!text.includes(other.email), "nothing about anyone else");

      // Once expired: refused, and the job removes the object (queued in the Storage outbox,
      // removed by the run's closing drain) and audits the removal.
      const [{ object_name: name }] = await sql`
        update private.data_exports set expires_at = now() - interval '1 second'
        where user_id = ${user.id} returning object_name`;
      assert.equal((await downloadAs(handler, user)).status, 410);
      const expiry = await callOk(job);
      assert.ok(expiry.totals.exports_expired >= 1, JSON.stringify(expiry.body));
      assert.ok(expiry.totals.objects_removed >= 1, JSON.stringify(expiry.body));
      const [{ n: left }] = await sql`select count(*)::int as n from storage.objects
        where bucket_id = ${EXPORT_BUCKET} and name = ${name}`;
      assert.equal(left, 0);
      const [{ n: audited }] = await sql`select count(*)::int as n from audit.events
        where action = 'storage_object.removed' and reason = 'export_expired'
          and org_id is null and actor_job = 'data_export'
          and target_id = private.audited_object_name(${EXPORT_BUCKET}, ${name})`;
      assert.equal(audited, 1, "the removal is in the audit trail");
      assert.equal((await fetch(answer.signed_url)).ok, false, "the old link is dead");
    } finally {
      await job.close();
      await pool.end({ timeout: 5 });
      await sql.end({ timeout: 5 });
    }
  },
});

Deno.test({
  name: "a signed export URL is refused once its life has passed",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const store = storageExportStore(stack.API_URL, stack.SERVICE_ROLE_KEY);
    const bucket = serviceClient(stack.API_URL, stack.SERVICE_ROLE_KEY).storage.from(EXPORT_BUCKET);
    const name = `${crypto.randomUUID()}.json`;
    await store.put(name, new TextEncoder().encode("{}"));
    try {
      const url = await signer.sign(name, 1);
      assert.equal((await fetch(url)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const late = await fetch(url);
      await late.body?.cancel();
      assert.ok(late.status >= 400, `answered ${late.status}`);
    } finally {
      await bucket.remove([name]);
    }
  },
});
