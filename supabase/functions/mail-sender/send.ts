// The mail sender's phase: claim (lease) -> mark sending -> SMTP/HTTP call -> settle, one
// message at a time, until nothing is due, the transport is down, or the deadline nears. All
// state is in private.mail_outbox (see its migration for what a crash at each step leaves).
import { z } from "zod";
import { withRetry } from "../_shared/db.ts";
import type { Monitor, Phase, PhaseRun } from "../_shared/job/define.ts";
import { leaseFor } from "../_shared/job/lease.ts";
import type { MailConfig } from "../_shared/mail/env.ts";
import type { OutgoingMail, SendResult } from "../_shared/mail/transport.ts";
import { callRows, callValue, type RowOf } from "../_shared/private-functions.ts";
import { render } from "./templates.ts";

/** Messages leased per claim; a run claims again until none is due. */
const CLAIM_LIMIT = 10;
/** Time kept after a call to settle it. */
const SETTLE_RESERVE_MS = 500;

type Claimed = RowOf<"mail_claim">;
type Count = "mails_sent" | "mails_failed" | "mails_resent" | "claims";
type Run = PhaseRun<unknown, Count>;

const Status = z.object({
  pending: z.number(),
  due: z.number(),
  stuck: z.number(),
  failed: z.number(),
  oldest_enqueued_at: z.string().nullable(),
  last_error: z.string().nullable(),
});

export function sendPhase(mail: MailConfig): Phase<unknown, Count> {
  return {
    name: "send",
    counts: ["mails_sent", "mails_failed", "mails_resent", "claims"],
    run: async (run) => {
      try {
        return await drain(run, mail);
      } finally {
        mail.transport.close?.();
      }
    },
  };
}

/** The outbox; stuck (waiting over an hour) or given-up mail makes the run fail. */
export const mailMonitor: Monitor = {
  name: "mail_outbox",
  async read(sql) {
    const status = Status.parse(await callValue(sql, "mail_status", {}));
    const problems: string[] = [];
    if (status.stuck > 0) problems.push(`${status.stuck} mail(s) waiting over an hour`);
    if (status.failed > 0) {
      problems.push(`${status.failed} mail(s) given up; see private.mail_status()`);
    }
    return { summary: status, problems };
  },
};

async function drain(run: Run, mail: MailConfig) {
  for (;;) {
    if (!run.deadline.hasRoomFor(mail.timeoutMs + SETTLE_RESERVE_MS)) {
      const status = Status.parse(await callValue(run.deps.sql, "mail_status", {}));
      return { stoppedEarly: status.due > 0 };
    }
    const claimed = await withRetry(() =>
      callRows(run.deps.sql, "mail_claim", {
        p_limit: CLAIM_LIMIT,
        p_lease: leaseFor(run.runDeadline),
      })
    );
    if (claimed.length === 0) return {};
    run.count("claims");
    for (const [i, message] of claimed.entries()) {
      if (!run.deadline.hasRoomFor(mail.timeoutMs + SETTLE_RESERVE_MS)) {
        await release(run, claimed.slice(i));
        return { stoppedEarly: true };
      }
      const result = await sendOne(run, mail, message);
      if (result?.unavailable) {
        // The transport is down: every other message would fail the same way and lose an
        // attempt; they are given back, due at the next run.
        await release(run, claimed.slice(i + 1));
        run.logger.warn("mail transport unavailable; the outbox waits", {
          transport: mail.transport.kind,
          error: result.error,
        });
        return {};
      }
    }
    if (claimed.length < CLAIM_LIMIT) return {};
  }
}

async function sendOne(
  run: Run,
  mail: MailConfig,
  message: Claimed,
): Promise<SendResult | null> {
  const { sql } = run.deps;
  const marked = await withRetry(() =>
    callValue(sql, "mail_mark_sending", { p_id: message.id, p_lease_token: message.lease_token })
  );
  // The lease was lost to another sender: it is theirs to send.
  if (!marked) return null;
  if (message.resend) run.count("mails_resent");

  let result: SendResult;
  try {
    const rendered = render(message.template, message.params);
    result = await mail.transport.send(outgoing(mail, message, rendered), mail.timeoutMs);
  } catch (err) {
    // A template that cannot render never will: settled as failed, retried with backoff.
    result = { error: err instanceof Error ? err.message : String(err), unavailable: false };
  }
  await withRetry(() =>
    callValue(sql, "mail_settle", {
      p_id: message.id,
      p_lease_token: message.lease_token,
      p_error: result.error ?? undefined,
    })
  );
  run.count(result.error === null ? "mails_sent" : "mails_failed");
  return result;
}

function outgoing(
  mail: MailConfig,
  message: Claimed,
  rendered: { subject: string; text: string },
): OutgoingMail {
  const domain = /@([^>\s]+)>?\s*$/.exec(mail.from)?.[1] ?? "cluso.invalid";
  return {
    to: message.recipient,
    from: mail.from,
    subject: rendered.subject,
    text: rendered.text,
    messageId: `<${message.id}@${domain}>`,
    idempotencyKey: `mail-${message.id}`,
  };
}

async function release(run: Run, messages: Claimed[]): Promise<void> {
  if (messages.length === 0) return;
  await withRetry(() =>
    callValue(run.deps.sql, "mail_release", {
      p_ids: messages.map((m) => m.id),
      p_lease_token: messages[0].lease_token,
    })
  );
}
