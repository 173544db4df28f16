// The mail sender's delivery guarantees against the stack: a sender that dies before or during
// the SMTP call never loses the message and sends it again only when it may already have left
// (with the same Message-ID); the HTTP transport's request and failure handling; the
// configuration's refusal of the SMTP ports hosted Edge Functions block.
import assert from "node:assert/strict";
import type { Sql } from "../_shared/db.ts";
import { mailConfigFromEnv } from "../_shared/mail/env.ts";
import { httpTransport } from "../_shared/mail/http.ts";
import type { OutgoingMail } from "../_shared/mail/transport.ts";
import { mailSender } from "../mail-sender/job.ts";
import { outboxRow, uniqueAddress } from "./support/intake.ts";
import { call, testJob } from "./support/job.ts";
import { catcherMailConfig, mailCatcherMissing, sqlAt, waitForMail } from "./support/mail.ts";
import { adminSql } from "./support/stack.ts";

function mailTest(name: string, fn: (sql: Sql) => Promise<void>, needsCatcher = true) {
  const missing = needsCatcher ? mailCatcherMissing : null;
  if (missing) console.warn(`ignored "${name}": it needs the mail catcher; ${missing}`);
  Deno.test({
    name,
    ignore: missing !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const sql = adminSql();
      try {
        await fn(sql);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  });
}

async function enqueue(sql: Sql, recipient: string): Promise<string> {
  const params = { reference: "SR-0123456789AB", channel: "web" };
  const [row] = await sql`
    select private.mail_enqueue(${recipient}, 'security_report_ack', ${sql.json(params)}) as id`;
  return row.id;
}

/** Runs mail-sender once, its clock `minutes` ahead (past leases and backoff). */
async function runSenderAhead(minutes: number) {
  const clock = sqlAt(new Date(Date.now() + minutes * 60_000));
  const job = testJob(mailSender(catcherMailConfig()), { wrapSql: () => clock });
  try {
    return await call(job);
  } finally {
    await job.close();
    await clock.end({ timeout: 5 });
  }
}

/** Leases every due message as a sender would, returning this one's lease token. */
async function claimAll(sql: Sql, id: string): Promise<string> {
  const rows = await sql`select * from private.mail_claim(100, interval '5 minutes')`;
  const mine = rows.find((r) => r.id === id);
  assert.ok(mine, "the message was claimed");
  // The others go back: they belong to no scenario here.
  const others = rows.filter((r) => r.id !== id).map((r) => r.id);
  if (others.length > 0) await sql`select private.mail_release(${others}, ${mine.lease_token})`;
  return mine.lease_token;
}

mailTest(
  "a sender that dies after claiming, before sending, leaves the message to be sent once",
  async (sql) => {
    const to = uniqueAddress("claimed");
    const id = await enqueue(sql, to);
    await claimAll(sql, id);
    // While the dead sender's lease lasts nobody sends it.
    await runSenderAhead(0);
    assert.equal((await outboxRow(sql, id)).status, "queued");
    const run = await runSenderAhead(10);
    assert.equal(run.totals.mails_resent, 0, "it never reached the SMTP call: not a resend");
    const mails = await waitForMail(to);
    assert.equal(mails.length, 1);
    assert.deepEqual([(await outboxRow(sql, id)).status, (await outboxRow(sql, id)).attempts], [
      "sent",
      1,
    ]);
  },
);

mailTest(
  "a sender that dies during the SMTP call leaves the message to be sent again, once, with the same Message-ID",
  async (sql) => {
    const to = uniqueAddress("midcall");
    const id = await enqueue(sql, to);
    const token = await claimAll(sql, id);
    const [{ marked }] = await sql`select private.mail_mark_sending(${id}, ${token}) as marked`;
    assert.equal(marked, true);
    // ... and dies: no settle. After the lease it is sent again (it may not have left).
    const run = await runSenderAhead(10);
    assert.ok(run.totals.mails_resent >= 1, JSON.stringify(run.body));
    await runSenderAhead(20);
    const mails = await waitForMail(to);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await waitForMail(to)).length, 1);
    assert.equal(mails[0].messageId, `${id}@cluso.ai`, "a receiver can drop a duplicate by id");
    const row = await outboxRow(sql, id);
    assert.deepEqual([row.status, row.attempts], ["sent", 2]);
  },
);

mailTest(
  "a sender whose lease was taken over can neither mark nor settle the message",
  async (sql) => {
    const id = await enqueue(sql, uniqueAddress("lease"));
    await claimAll(sql, id);
    const [{ marked }] = await sql`
    select private.mail_mark_sending(${id}, gen_random_uuid()) as marked`;
    assert.equal(marked, false);
    const [{ settled }] = await sql`
    select private.mail_settle(${id}, gen_random_uuid()) as settled`;
    assert.equal(settled, null);
    await sql`delete from private.mail_outbox where id = ${id}`;
  },
  false,
);

const mail: OutgoingMail = {
  to: "reporter@example.com",
  from: "Cluso Security <security@cluso.ai>",
  subject: "s",
  text: "t",
  messageId: "<m1@cluso.ai>",
  idempotencyKey: "mail-m1",
};

Deno.test("the HTTP transport posts provider-style JSON with an idempotency key, and tells a down provider from a refused message", async () => {
  const seen: { headers: Headers; body: Record<string, unknown> }[] = [];
  let status = 200;
  const transport = httpTransport({
    url: "https://mail.example.test/emails",
    apiKey: "re_test_key",
    fetch: (_url, init) => {
      seen.push({
        headers: new Headers(init?.headers),
        body: JSON.parse(String(init?.body)),
      });
      return Promise.resolve(new Response(`{"echo":"${mail.to}"}`, { status }));
    },
  });
  assert.deepEqual(await transport.send(mail, 1000), { error: null, unavailable: false });
  assert.equal(seen[0].headers.get("authorization"), "Bearer re_test_key");
  assert.equal(seen[0].headers.get("idempotency-key"), "mail-m1");
  assert.deepEqual(seen[0].body, {
    from: mail.from,
    to: [mail.to],
    subject: "s",
    text: "t",
    headers: { "Message-ID": "<m1@cluso.ai>" },
  });
  status = 503;
  assert.deepEqual(await transport.send(mail, 1000), { error: "HTTP 503", unavailable: true });
  status = 422;
  const refused = await transport.send(mail, 1000);
  assert.deepEqual(refused, { error: "HTTP 422", unavailable: false });
  assert.ok(!JSON.stringify(refused).includes(mail.to), "the provider's answer is not kept");
});

Deno.test("the mail configuration refuses the SMTP ports hosted Edge Functions block, naming no secret", () => {
  for (
    const url of [
      "smtp://u:secret-pass@smtp.example.com:587",
      "smtp://u:secret-pass@smtp.example.com",
    ]
  ) {
    assert.throws(
      () => mailConfigFromEnv({ MAIL_TRANSPORT: "smtp", MAIL_SMTP_URL: url, MAIL_FROM: "a@b.c" }),
      (err: Error) => /ports 25 and 587/.test(err.message) && !err.message.includes("secret-pass"),
    );
  }
  assert.equal(
    mailConfigFromEnv({ MAIL_SMTP_URL: "smtps://u:p@smtp.example.com:465", MAIL_FROM: "a@b.c" })
      .transport.kind,
    "smtp",
  );
  assert.equal(
    mailConfigFromEnv({
      MAIL_TRANSPORT: "http",
      MAIL_HTTP_URL: "https://api.resend.com/emails",
      MAIL_HTTP_KEY: "re_123456789",
      MAIL_FROM: "a@b.c",
    }).transport.kind,
    "http",
  );
});
