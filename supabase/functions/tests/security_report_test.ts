// Security reports end to end (docs/SECURITY_REPORTS.md): the public endpoint and the inbound
// mail webhook against the stack, the acknowledgement through the outbox and mail-sender into
// the local mail catcher, the mail server going down and coming back, and every refusal
// (405, 415, 413, 400, 429, 401) storing nothing and echoing nothing.
import assert from "node:assert/strict";
import { MAX_BODY_BYTES } from "../security-report/handler.ts";
import { contactKey, senderKey, sourceHash } from "../_shared/security-report/source.ts";
import { adminSql } from "./support/stack.ts";
import {
  freshIp,
  healthAt,
  hoursFromNow,
  inboundRequest,
  type Intake,
  outboxRow,
  reportCount,
  reportRequest,
  storedReport,
  testIntake,
  uniqueAddress,
} from "./support/intake.ts";
import {
  mailCatcherMissing,
  runSender,
  sqlAt,
  startMailCatcher,
  stopMailCatcher,
  waitForMail,
} from "./support/mail.ts";
import type { Sql } from "../_shared/db.ts";

/** Text a reporter sends that must never come back in an answer or a log line. */
const CANARY = "CANARY-7f3a-never-echo";

function validReport(contact: string) {
  return {
    contact,
    summary: `Stored XSS in survey titles ${CANARY}`,
    details: `Steps: create a survey titled <script>alert(1)</script>. ${CANARY}`,
    severity: "high",
  };
}

function intakeTest(
  name: string,
  options: { needsMail?: boolean },
  fn: (sql: Sql, intake: Intake) => Promise<void>,
) {
  const missing = options.needsMail ? mailCatcherMissing : null;
  if (missing) console.warn(`ignored "${name}": it needs the mail catcher; ${missing}`);
  Deno.test({
    name,
    ignore: missing !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const sql = adminSql();
      const intake = testIntake();
      try {
        await fn(sql, intake);
        const logged = JSON.stringify(intake.logs);
        assert.ok(!logged.includes(CANARY), `a log line repeats the report: ${logged}`);
      } finally {
        await intake.close();
        await sql.end({ timeout: 5 });
      }
    },
  });
}

/** One run of mail-sender against the mail catcher; `sql` moves its clock when given. */
async function submit(intake: Intake, body: unknown, ip = freshIp()) {
  const res = await intake.report(reportRequest(body, { ip }));
  const text = await res.text();
  assert.ok(!text.includes(CANARY), `the answer repeats the report: ${text}`);
  return { status: res.status, body: JSON.parse(text) };
}

intakeTest(
  "a report through the endpoint is stored and its acknowledgement arrives in the mail catcher",
  { needsMail: true },
  async (sql, intake) => {
    const contact = uniqueAddress("reporter");
    const res = await submit(intake, validReport(contact));
    assert.equal(res.status, 202);
    assert.match(res.body.reference, /^SR-[0-9A-F]{12}$/);

    const stored = await storedReport(sql, res.body.reference);
    assert.ok(stored, "the report is stored");
    assert.deepEqual(
      [stored.channel, stored.reporter_contact, stored.severity, stored.status],
      ["web", contact, "high", "received"],
    );
    assert.ok(stored.details.includes("<script>"), "the details are stored as sent");
    const queued = await outboxRow(sql, stored.ack_mail_id);
    assert.deepEqual(
      [queued.recipient, queued.template, queued.params, queued.status],
      [contact, "security_report_ack", { reference: res.body.reference, channel: "web" }, "queued"],
      "the outbox holds the recipient, the template and the reference: no rendered text",
    );

    const run = await runSender();
    assert.ok(run.totals.mails_sent >= 1, JSON.stringify(run.body));
    const mails = await waitForMail(contact);
    assert.equal(mails.length, 1);
    assert.ok(mails[0].subject.includes(res.body.reference));
    assert.ok(mails[0].text.includes(res.body.reference));
    assert.ok(!mails[0].text.includes(CANARY), "the acknowledgement does not quote the report");
    assert.equal(mails[0].messageId, `${stored.ack_mail_id}@cluso.ai`);
    assert.equal((await outboxRow(sql, stored.ack_mail_id)).status, "sent");
  },
);

intakeTest(
  "with the mail server down the acknowledgement waits, job health shows it before 12 hours, and it is delivered exactly once when the server is back",
  { needsMail: true },
  async (sql, intake) => {
    await runSender(); // whatever earlier tests queued leaves first
    const contact = uniqueAddress("patient");
    const res = await submit(intake, validReport(contact));
    assert.equal(res.status, 202);
    const stored = (await storedReport(sql, res.body.reference))!;

    await stopMailCatcher();
    try {
      const down = await runSender();
      assert.ok(down.totals.mails_failed >= 1, JSON.stringify(down.body));
      const waiting = await outboxRow(sql, stored.ack_mail_id);
      assert.equal(waiting.status, "queued", "the mail stays in the outbox");
      assert.equal(waiting.attempts, 1);
      assert.match(waiting.last_error ?? "", /^SMTP /);

      // Two hours later (test clock): mail health is red and names the message; the report is
      // not yet overdue.
      const at2h = await healthAt(sql, hoursFromNow(2));
      assert.equal(at2h.get("mail_not_stuck")?.ok, false);
      assert.ok((at2h.get("mail_not_stuck")?.detail.stuck_ids as string[])
        .includes(stored.ack_mail_id));
      const overdue2h = at2h.get("security_reports_acknowledged")?.detail.overdue as {
        reference: string;
      }[];
      assert.ok(!overdue2h.some((o) => o.reference === res.body.reference));
      // At 12 hours, well before the promised 24, the report itself is overdue, by reference.
      const at12h = await healthAt(sql, hoursFromNow(12.01));
      assert.equal(at12h.get("security_reports_acknowledged")?.ok, false);
      const overdue = at12h.get("security_reports_acknowledged")?.detail.overdue as {
        reference: string;
        ack_mail_status: string;
      }[];
      assert.deepEqual(
        overdue.find((o) => o.reference === res.body.reference)?.ack_mail_status,
        "queued",
      );
    } finally {
      await startMailCatcher();
    }

    // Back up: the next run past the backoff delivers it, once; a later run sends nothing more.
    const later = sqlAt(new Date(Date.now() + 5 * 60_000));
    try {
      const back = await runSender(later);
      assert.ok(back.totals.mails_sent >= 1, JSON.stringify(back.body));
      await runSender(later);
    } finally {
      await later.end({ timeout: 5 });
    }
    const mails = await waitForMail(contact);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await waitForMail(contact)).length, 1, "delivered exactly once");
    assert.ok(mails[0].text.includes(res.body.reference));
    const sent = await outboxRow(sql, stored.ack_mail_id);
    assert.deepEqual([sent.status, sent.attempts], ["sent", 2]);
    const at12h = await healthAt(sql, hoursFromNow(12.01));
    const overdue = at12h.get("security_reports_acknowledged")?.detail.overdue as {
      reference: string;
    }[];
    assert.ok(!overdue.some((o) => o.reference === res.body.reference), "no longer overdue");
  },
);

intakeTest(
  "a flood from one source is refused with 429 after 5 reports an hour, storing nothing more",
  {},
  async (sql, intake) => {
    const ip = freshIp();
    const before = await reportCount(sql);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await submit(intake, validReport(uniqueAddress("flood")), ip)).status);
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429, 429, 429]);
    assert.equal(await reportCount(sql), before + 5);
    // Another source is not affected.
    assert.equal((await submit(intake, validReport(uniqueAddress("other")))).status, 202);
    const [source] = await sql`
      select sum(submissions)::int as submissions from private.security_report_sources
      where source_hash = ${await sourceHash(intake.hashSecret, `ip:${ip}`)}`;
    assert.equal(source.submissions, 8, "every attempt counts, under the keyed hash of the IP");
  },
);

intakeTest(
  "one mailbox is acknowledged at most 5 times an hour through the form, whatever source each report claims",
  {},
  async (sql, intake) => {
    // A sender who varies x-forwarded-for (a fresh "client IP" per request) naming one victim,
    // spelt five ways that all reach one mailbox.
    const victim = uniqueAddress("victim");
    const [local, domain] = victim.split("@");
    const spellings = [victim, victim.toUpperCase(), `${local}+a@${domain}`, ` ${victim} `];
    const before = await reportCount(sql);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await submit(intake, validReport(spellings[i % spellings.length]))).status);
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429, 429]);
    assert.equal(await reportCount(sql), before + 5);
    const [mails] = await sql`select count(*)::int as n from private.mail_outbox
      where template = 'security_report_ack'
        and lower(replace(trim(recipient), '+a@', '@')) = ${victim}`;
    assert.equal(mails.n, 5, "five acknowledgements, not seven");
    // The victim can still report by mail; another contact is not affected.
    const mailed = await intake.inbound(
      await inboundRequest({ From: victim, Subject: "my own report", TextBody: "steps" }),
    );
    await mailed.body?.cancel();
    assert.equal(mailed.status, 200);
    assert.equal((await submit(intake, validReport(uniqueAddress("bystander")))).status, 202);
  },
);

intakeTest(
  "oversized submissions are refused with 413 and store nothing",
  {},
  async (sql, intake) => {
    const before = await reportCount(sql);
    const contact = uniqueAddress("big");
    const huge = JSON.stringify({ ...validReport(contact), details: CANARY.repeat(5000) });
    assert.ok(huge.length > MAX_BODY_BYTES);
    const cases: [string, Request][] = [
      ["a body over the limit", reportRequest(huge)],
      [
        "details over 20000 characters",
        reportRequest({ ...validReport(contact), details: "x".repeat(20_001) }),
      ],
      [
        "a summary over 200 characters",
        reportRequest({ ...validReport(contact), summary: "s".repeat(201) }),
      ],
      [
        "a body streamed without a length",
        new Request("http://localhost/functions/v1/security-report", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: new Blob([huge]).stream(),
        }),
      ],
    ];
    for (const [what, req] of cases) {
      const res = await intake.report(req);
      const text = await res.text();
      assert.equal(res.status, 413, `${what}: ${text}`);
      assert.ok(!text.includes(CANARY), `${what}: the answer repeats the report`);
    }
    assert.equal(await reportCount(sql), before);
  },
);

intakeTest(
  "malformed or empty submissions are refused (400, 415, 405) and store nothing",
  {},
  async (sql, intake) => {
    const before = await reportCount(sql);
    const contact = uniqueAddress("bad");
    const cases: [string, Request, number][] = [
      ["an empty body", reportRequest(""), 400],
      ["invalid JSON", reportRequest(`{"summary": "${CANARY}"`), 400],
      ["an empty object", reportRequest({}), 400],
      ["blank fields", reportRequest({ contact, summary: "  ", details: "\n" }), 400],
      [
        "a contact that is no address",
        reportRequest({ ...validReport(contact), contact: CANARY }),
        400,
      ],
      ["an unknown severity", reportRequest({ ...validReport(contact), severity: CANARY }), 400],
      ["an unknown field", reportRequest({ ...validReport(contact), [CANARY]: 1 }), 400],
      ["a JSON array", reportRequest([validReport(contact)]), 400],
      [
        "a form body",
        reportRequest("contact=a", { contentType: "application/x-www-form-urlencoded" }),
        415,
      ],
      ["a GET", reportRequest(null, { method: "GET" }), 405],
    ];
    for (const [what, req, status] of cases) {
      const res = await intake.report(req);
      const text = await res.text();
      assert.equal(res.status, status, `${what}: ${text}`);
      assert.ok(!text.includes(CANARY), `${what}: the answer repeats the input: ${text}`);
    }
    assert.equal(await reportCount(sql), before);
    const preflight = await intake.report(reportRequest(null, { method: "OPTIONS" }));
    assert.equal(preflight.status, 204, "the website may post it (CORS preflight)");
  },
);

intakeTest(
  "the inbound-mail webhook refuses a missing or bad signature with 401 and stores nothing",
  {},
  async (sql, intake) => {
    const before = await reportCount(sql);
    const mail = {
      From: `Mallory <${uniqueAddress("mallory")}>`,
      Subject: "forged",
      TextBody: CANARY,
    };
    const unsigned = await inboundRequest(mail, null);
    const wrongKey = await inboundRequest(mail, "not-the-signing-secret");
    const otherBody = await inboundRequest({ ...mail, Subject: "x" });
    const tampered = new Request(otherBody.url, {
      method: "POST",
      headers: otherBody.headers,
      body: JSON.stringify(mail),
    });
    for (const req of [unsigned, wrongKey, tampered]) {
      const res = await intake.inbound(req);
      const text = await res.text();
      assert.equal(res.status, 401, text);
      assert.ok(!text.includes(CANARY));
    }
    assert.equal(await reportCount(sql), before);
  },
);

intakeTest(
  "mail to the security address, signed, is stored and acknowledged like a submitted report",
  { needsMail: true },
  async (sql, intake) => {
    const sender = uniqueAddress("mailer");
    const res = await intake.inbound(
      await inboundRequest({
        From: `Reporter <${sender}>`,
        FromFull: { Email: sender, Name: "Reporter" },
        Subject: "IDOR on /surveys",
        TextBody: `I can read other organisations' surveys. ${CANARY}`,
        HtmlBody: "<p>ignored when there is text</p>",
      }),
    );
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    const stored = (await storedReport(sql, body.reference))!;
    assert.deepEqual(
      [stored.channel, stored.reporter_contact, stored.summary, stored.severity],
      ["email", sender, "IDOR on /surveys", null],
    );
    assert.ok(stored.details.includes(CANARY));

    await runSender();
    const mails = await waitForMail(sender);
    assert.equal(mails.length, 1);
    assert.ok(mails[0].text.includes(body.reference));
  },
);

Deno.test("the contact's rate-limit key is the mailbox, however the address is spelt", () => {
  const same = [
    "Ann.Lee@Gmail.com",
    "annlee@gmail.com",
    "ann.lee+security@googlemail.com",
    " ANNLEE+x@GMAIL.COM ",
  ];
  assert.deepEqual(new Set(same.map(contactKey)), new Set(["contact:annlee@gmail.com"]));
  // Dots matter outside Gmail, and the domain always does.
  assert.notEqual(contactKey("ann.lee@example.com"), contactKey("annlee@example.com"));
  assert.notEqual(contactKey("ann@example.com"), contactKey("ann@example.org"));
  assert.equal(contactKey("ann+tag@example.com"), "contact:ann@example.com");
  // An inbound sender is keyed by mailbox too, apart from the form's contacts.
  assert.equal(senderKey(" Ann+1@Example.com"), senderKey("ann@example.com"));
  assert.equal(senderKey("a.nn@googlemail.com"), "mail:ann@gmail.com");
  assert.notEqual(senderKey("ann@example.com"), contactKey("ann@example.com"));
});

intakeTest(
  "one mailbox is acknowledged at most 5 times an hour by mail, whatever +tag a forged sender adds",
  {},
  async (sql, intake) => {
    const victim = uniqueAddress("inbox");
    const [local, domain] = victim.split("@");
    const before = await reportCount(sql);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await intake.inbound(
        await inboundRequest({ From: `${local}+${i}@${domain}`, Subject: "s", TextBody: "t" }),
      );
      await res.body?.cancel();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert.equal(await reportCount(sql), before + 5);
  },
);
