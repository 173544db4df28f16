// The security-report-purge job against the stack: a report closed more than 365 days ago
// leaves (audited, without its text); one closed less long ago, and an open one, stay.
import assert from "node:assert/strict";
import { securityReportPurge } from "../security-report-purge/job.ts";
import { freshIp, reportRequest, testIntake, uniqueAddress } from "./support/intake.ts";
import { assertReport, callOk, testJob } from "./support/job.ts";
import { adminSql } from "./support/stack.ts";

Deno.test({
  name: "the purge job removes reports closed over 365 days ago, audited, and keeps the rest",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sql = adminSql();
    const intake = testIntake();
    const job = testJob(securityReportPurge);
    try {
      const references: string[] = [];
      for (const tag of ["old", "recent", "open"]) {
        const res = await intake.report(reportRequest({
          contact: uniqueAddress(tag),
          summary: `purge ${tag}`,
          details: "secret-purge-details",
        }, { ip: freshIp() }));
        references.push((await res.json()).reference);
      }
      const [oldRef, recentRef, openRef] = references;
      for (const [reference, ago] of [[oldRef, "366 days"], [recentRef, "300 days"]]) {
        await sql`select private.security_report_close(${reference}, 'fixed')`;
        await sql`update private.security_reports
          set received_at = now() - ${ago}::interval, closed_at = now() - ${ago}::interval
          where reference = ${reference}`;
      }
      const [{ id: oldId }] = await sql`
        select id from private.security_reports where reference = ${oldRef}`;

      const run = await callOk(job, { batch_size: 1 });
      assert.ok(run.totals.reports_purged >= 1, JSON.stringify(run.body));
      assertReport(run, "security-report-purge", ["purge", "storage_removal", "audit_anchor"]);
      const left = await sql`
        select reference from private.security_reports where reference in ${
        sql([oldRef, recentRef, openRef])
      } order by reference`;
      assert.deepEqual(left.map((r) => r.reference), [recentRef, openRef].sort());
      const events = await sql`
        select action, reason, details from audit.events
        where target_id = ${oldId} and action = 'security_report.purged'`;
      assert.deepEqual(events.map((e) => [e.action, e.reason, e.details]), [
        ["security_report.purged", "retention_expired", {}],
      ]);
      const [{ leaked }] = await sql`
        select count(*)::int as leaked from audit.events e
        where e.target_id = ${oldId} and to_jsonb(e)::text like '%secret-purge%'`;
      assert.equal(leaked, 0);
    } finally {
      await job.close();
      await intake.close();
      await sql.end({ timeout: 5 });
    }
  },
});
