// The incident drill of docs/INCIDENT_RESPONSE.md, end to end on the local stack: a member
// account is compromised and plays a recording through the broker; ops open an incident, revoke
// the account's sessions, scope it (frozen), notify; mail-sender delivers one notice to each
// affected user (and no one else) with the right counts, into the local mail catcher; job
// health is green. And with the mail server down, job health is red at 36 hours, before the
// 48-hour deadline, naming the incident, while the incident shows who is late.
//   node_modules/.bin/deno test -A supabase/functions/tests/incident_drill_test.ts
import assert from "node:assert/strict";
import type { Sql } from "../_shared/db.ts";
import { drillWorld, incidentHealthAt, openDrillIncident, ops } from "./support/incident.ts";
import {
  caughtFor,
  mailCatcherMissing,
  runSender,
  sqlAt,
  startMailCatcher,
  stopMailCatcher,
  waitForMail,
} from "./support/mail.ts";
import { adminSql } from "./support/stack.ts";

const HOUR = 3_600_000;

function drillTest(name: string, fn: (sql: Sql) => Promise<void>) {
  if (mailCatcherMissing) {
    console.warn(`ignored "${name}": it needs the mail catcher; ${mailCatcherMissing}`);
  }
  Deno.test({
    name,
    ignore: mailCatcherMissing !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const sql = adminSql();
      // Job health is global: incidents a failed earlier run left open would colour it.
      await sql`update private.incidents set state = 'closed', closed_at = now()
                where state <> 'closed'`;
      try {
        await fn(sql);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  });
}

/** One run of mail-sender against the mail catcher; `sql` moves its clock when given. */
drillTest(
  "drill: a compromised member account → incident opened → scope frozen → the right users notified with the right counts → job health green",
  async (sql) => {
    await runSender(); // whatever earlier tests queued leaves first
    const w = await drillWorld(sql);

    const ref = await openDrillIncident(sql, w);
    assert.match(ref, /^IN-[0-9A-F]{12}$/);

    // Containment first: the account's sessions and refresh tokens go.
    const revoked = await ops<{ sessions: number; refresh_tokens: number }>(
      sql,
      "incident_revoke_sessions",
      ref,
      w.compromised.id,
    );
    assert.deepEqual(revoked, { sessions: 2, refresh_tokens: 3 });
    const [left] = await sql<[{ sessions: number; tokens: number }]>`
      select (select count(*)::int from auth.sessions where user_id = ${w.compromised.id})
          as sessions,
        (select count(*)::int from auth.refresh_tokens where user_id = ${w.compromised.id})
          as tokens`;
    assert.deepEqual(left, { sessions: 0, tokens: 0 }, "no session or refresh token is left");

    const expected = {
      organizations: 1,
      users: 3,
      unreachable: 0,
      recordings_accessed: 1,
      surveys: 1,
      responses: 2,
      transcripts: 4,
      recordings: 4,
      access_log_complete: true,
    };
    assert.deepEqual(await ops(sql, "incident_scope", ref), expected);
    // More plays after scoping change nothing: the scope is frozen.
    await sql`insert into public.memberships (org_id, user_id, role)
              values (${w.orgId}, ${w.outsider.id}, 'member')`;
    assert.deepEqual(await ops(sql, "incident_scope", ref), expected);

    assert.deepEqual(await ops(sql, "incident_notify", ref), {
      queued: 3,
      already_queued: 0,
      unreachable: 0,
    });
    assert.deepEqual(await ops(sql, "incident_notify", ref), {
      queued: 0,
      already_queued: 3,
      unreachable: 0,
    });

    const run = await runSender();
    assert.ok(run.totals.mails_sent >= 3, JSON.stringify(run.body));
    for (const user of [w.owner, w.colleague, w.compromised]) {
      const mails = await waitForMail(user.email);
      assert.equal(mails.length, 1, `${user.email} gets one notice`);
      const [mail] = mails;
      assert.ok(mail.subject.includes(ref));
      assert.ok(mail.text.includes(`Organisation ${w.orgId}:`));
      assert.ok(mail.text.includes("surveys: 1, responses: 2, transcripts: 4, recordings: 4"));
      assert.ok(mail.text.includes("recordings actually played or downloaded: 1"));
      assert.ok(mail.text.includes("inform them"), "recordings were played: respondents advice");
      assert.equal(
        mail.text.includes("Change your Cluso password."),
        user === w.compromised,
        "only the compromised account is told to change its password",
      );
      if (user !== w.compromised) {
        assert.ok(
          !mail.text.includes(w.compromised.id) && !mail.text.includes(w.compromised.email),
        );
      }
    }
    for (const user of [w.latecomer, w.outsider]) {
      assert.equal((await caughtFor(user.email)).length, 0, `${user.email} is not notified`);
    }
    // Running the sender again sends nothing twice.
    await runSender();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await caughtFor(w.owner.email)).length, 1);

    const shown = await ops<{ unnotified: unknown[]; late: unknown[]; unreachable: unknown[] }>(
      sql,
      "incident_show",
      ref,
    );
    assert.deepEqual([shown.unnotified, shown.late, shown.unreachable], [[], [], []]);
    const health = await incidentHealthAt(sql, new Date(w.detectedAt.getTime() + 37 * HOUR));
    assert.ok(!health.detail.late.some((l) => l.ref === ref), JSON.stringify(health.detail));
    assert.equal(health.ok, true, JSON.stringify(health.detail));

    const exported = await ops<{ recordings_accessed: { recording_id: string }[] }>(
      sql,
      "incident_export",
      ref,
    );
    assert.deepEqual(exported.recordings_accessed.map((r) => r.recording_id), [
      w.playedRecordingId,
    ]);
    await ops(sql, "incident_add_preventive_measure", ref, "Drill: enforce MFA for members");
    assert.equal(await ops(sql, "incident_close", ref, "Drill complete"), ref);
  },
);

drillTest(
  "drill with the mail server down: job health is red at 36 hours, before the deadline, and the incident shows who is late",
  async (sql) => {
    await runSender();
    const w = await drillWorld(sql);
    const ref = await openDrillIncident(sql, w);
    await ops(sql, "incident_scope", ref);
    await ops(sql, "incident_notify", ref);

    await stopMailCatcher();
    try {
      // The transport refuses: one message is tried and fails, and the sender gives the rest
      // back for its next run without spending their attempts.
      const down = await runSender();
      assert.equal(down.totals.mails_failed, 1, JSON.stringify(down.body));
      assert.equal(down.totals.mails_sent, 0, JSON.stringify(down.body));
      const notices = await sql<{ status: string; attempts: number; lease_token: string | null }[]>`
        select status, attempts, lease_token from private.mail_outbox
        where recipient in ${sql([w.owner.email, w.colleague.email, w.compromised.email])}
        order by attempts`;
      assert.deepEqual(
        notices.map((n) => [n.status, n.attempts, n.lease_token]),
        [["queued", 0, null], ["queued", 0, null], ["queued", 1, null]],
        "the one tried waits for its backoff, the others are back untouched",
      );

      const at35h = await incidentHealthAt(sql, new Date(w.detectedAt.getTime() + 35 * HOUR));
      assert.ok(!at35h.detail.late.some((l) => l.ref === ref), "not late before 36 hours");
      const at36h = new Date(w.detectedAt.getTime() + 36 * HOUR + 60_000);
      const red = await incidentHealthAt(sql, at36h);
      assert.equal(red.ok, false);
      assert.equal(red.detail.late.find((l) => l.ref === ref)?.unnotified, 3);

      const late = sqlAt(at36h, "incident-drill-clock");
      try {
        const shown = await ops<{ late: string[] }>(late, "incident_show", ref);
        assert.deepEqual(
          [...shown.late].sort(),
          [w.owner.id, w.colleague.id, w.compromised.id].sort(),
          "the incident names the recipients who are late",
        );
        const [{ status }] = await late<[{ status: { overdue: number } }]>`
          select private.incident_status() as status`;
        assert.equal(status.overdue, 0, "36 hours is before the 48-hour deadline");
      } finally {
        await late.end({ timeout: 5 });
      }
    } finally {
      await startMailCatcher();
    }

    // Back up: past the backoff the notices leave, once each, and the incident is no longer late.
    const later = sqlAt(new Date(Date.now() + 5 * 60_000));
    try {
      await runSender(later);
    } finally {
      await later.end({ timeout: 5 });
    }
    for (const user of [w.owner, w.colleague, w.compromised]) {
      assert.equal((await waitForMail(user.email)).length, 1, `${user.email} gets one notice`);
    }
    const health = await incidentHealthAt(sql, new Date(w.detectedAt.getTime() + 37 * HOUR));
    assert.ok(!health.detail.late.some((l) => l.ref === ref));
    await ops(sql, "incident_close", ref);
  },
);
