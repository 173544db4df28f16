// The dsr-ledger-purge job against the stack: a data-subject request closed more than 24 months
// ago leaves the ledger (audited by id), one closed less long ago and an open one stay.
import assert from "node:assert/strict";
import { dsrLedgerPurge } from "../dsr-ledger-purge/job.ts";
import { assertReport, callOk, testJob } from "./support/job.ts";
import { adminSql } from "./support/stack.ts";

Deno.test({
  name: "the ledger purge removes requests closed over 24 months ago, audited, and keeps the rest",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sql = adminSql();
    const job = testJob(dsrLedgerPurge);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const subject = crypto.randomUUID();
        const [{ id }] = await sql`
          select (private.dsr_open('access', 'account', 'GDPR', 'data_export', ${subject}::uuid,
            p_subject_user_id => ${subject}::uuid)).id`;
        ids.push(id);
      }
      const [oldId, recentId, openId] = ids;
      for (const [id, ago] of [[oldId, "25 months"], [recentId, "23 months"]]) {
        await sql`select private.dsr_withdraw(${id}::uuid)`;
        await sql`update private.dsr_requests set closed_at = now() - ${ago}::interval
          where id = ${id}`;
      }

      const run = await callOk(job, { batch_size: 1 });
      assert.ok(run.totals.requests_purged >= 1, JSON.stringify(run.body));
      assertReport(run, "dsr-ledger-purge", ["purge", "storage_removal", "audit_anchor"]);
      const left = await sql`select id from private.dsr_requests where id in ${sql(ids)}`;
      assert.deepEqual(left.map((r) => r.id).sort(), [recentId, openId].sort());
      const events = await sql`
        select action, reason, actor_job from audit.events
        where target_id = ${oldId} and action = 'data_subject_request.purged'`;
      assert.deepEqual(events.map((e) => [e.action, e.reason, e.actor_job]), [
        ["data_subject_request.purged", "retention_expired", "dsr_ledger_purge"],
      ]);
    } finally {
      await job.close();
      await sql.end({ timeout: 5 });
    }
  },
});
