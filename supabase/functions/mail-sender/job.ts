// Scheduled mail sender (docs/SECURITY_REPORTS.md, "Mail"): delivers the outbox through the
// configured transport, then purges old sent mail; then the closing phases, which publish the
// run's own audit events to the anchor sink.
import { closingMonitors, closingPhases } from "../_shared/job/closing.ts";
import { defineJob, jobBody } from "../_shared/job/define.ts";
import type { MailConfig } from "../_shared/mail/env.ts";
import { outboxPurgePhase } from "./purge.ts";
import { mailMonitor, sendPhase } from "./send.ts";

export function mailSender(mail: MailConfig) {
  return defineJob({
    name: "mail-sender",
    auditActor: "mail_sender",
    body: jobBody({}),
    phases: () => [sendPhase(mail), outboxPurgePhase, ...closingPhases],
    monitors: [mailMonitor, ...closingMonitors],
  });
}
