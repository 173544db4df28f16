// The local mail catcher (maildev, scripts/stack/maildev.sh) as the mail tests see it: what it
// received, through its REST API, stopping and starting it to take the mail server down, and
// running the mail sender against it. Tests that need it are ignored, with the reason printed,
// when it is not running.
import { createSql, type Sql } from "../../_shared/db.ts";
import type { MailConfig } from "../../_shared/mail/env.ts";
import { smtpTransport } from "../../_shared/mail/smtp.ts";
import { mailSender } from "../../mail-sender/job.ts";
import { stackSetting } from "../../../../scripts/lib/stack-env.ts";
import { call, testJob } from "./job.ts";
import { stack } from "./stack.ts";

const root = new URL("../../../../", import.meta.url).pathname;
const stackDir = Deno.env.get("STACK_DIR") ?? `${root}.local`;

export const MAILDEV_URL = stackSetting("MAILDEV_URL") ?? "";
export const MAIL_SMTP_URL = stackSetting("MAIL_SMTP_URL") ?? "";
export const MAIL_FROM = "Cluso Security <security@cluso.ai>";

export interface CaughtMail {
  id: string;
  subject: string;
  text: string;
  messageId: string;
  to: { address: string }[];
  headers: Record<string, string>;
}

async function isUp(): Promise<boolean> {
  if (!MAILDEV_URL) return false;
  try {
    const res = await fetch(`${MAILDEV_URL}/healthz`);
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Why the mail catcher cannot be used here, or null. */
export const mailCatcherMissing: string | null = await isUp()
  ? null
  : `no maildev at ${
    MAILDEV_URL || "(MAILDEV_URL unset)"
  }; start the stack with scripts/stack/up.sh`;

/** Mail the catcher received for `recipient`. */
export async function caughtFor(recipient: string): Promise<CaughtMail[]> {
  const res = await fetch(`${MAILDEV_URL}/email`);
  if (!res.ok) throw new Error(`maildev answered ${res.status}`);
  const all: CaughtMail[] = await res.json();
  return all.filter((m) => m.to.some((t) => t.address.toLowerCase() === recipient.toLowerCase()));
}

/** Waits until `recipient` has at least `n` mails (maildev stores a mail just after the reply). */
export async function waitForMail(recipient: string, n = 1, ms = 5000): Promise<CaughtMail[]> {
  const until = Date.now() + ms;
  for (;;) {
    const mails = await caughtFor(recipient);
    if (mails.length >= n || Date.now() > until) return mails;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function maildevScript(action: "start" | "stop"): Promise<void> {
  const smtpPort = new URL(MAIL_SMTP_URL).port;
  const webPort = new URL(MAILDEV_URL).port;
  const out = await new Deno.Command("bash", {
    args: [`${root}scripts/stack/maildev.sh`, action],
    env: {
      STACK_DIR: stackDir,
      MAILDEV_SMTP_PORT: smtpPort,
      MAILDEV_WEB_PORT: webPort,
      MAILDEV_URL,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`maildev.sh ${action} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Takes the mail server down (its SMTP port refuses connections until startMailCatcher). */
export const stopMailCatcher = () => maildevScript("stop");
export const startMailCatcher = () => maildevScript("start");

/** The sender's configuration against the catcher, as MAIL_TRANSPORT=smtp configures it. */
export function catcherMailConfig(timeoutMs = 5000): MailConfig {
  return { transport: smtpTransport(MAIL_SMTP_URL), from: MAIL_FROM, timeoutMs };
}

/**
 * A connection pool whose clock (private.current_time()) reads `at`: the test cluster honours
 * cluso.now, here set for every session of the pool.
 */
export function sqlAt(at: Date, applicationName = "mail-test-clock"): Sql {
  const url = new URL(stack.DB_URL);
  url.searchParams.set("options", `-c cluso.now=${at.toISOString()}`);
  return createSql(url.toString(), { applicationName });
}

/** One mail-sender run against the catcher; `sql` replaces its connection (e.g. sqlAt's clock). */
export async function runSender(sql?: Sql) {
  const job = testJob(mailSender(catcherMailConfig()), sql ? { wrapSql: () => sql } : {});
  try {
    return await call(job);
  } finally {
    await job.close();
  }
}
