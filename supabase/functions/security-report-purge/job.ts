// Scheduled retention of security reports (daily): see purge.ts; then the closing phases, which
// publish the purge's own audit events to the anchor sink.
import { closingMonitors, closingPhases } from "../_shared/job/closing.ts";
import { defineJob, jobBody } from "../_shared/job/define.ts";
import { reportPurgePhase } from "./purge.ts";

export const securityReportPurge = defineJob({
  name: "security-report-purge",
  auditActor: "security_report_purge",
  body: jobBody({}),
  phases: () => [reportPurgePhase, ...closingPhases],
  monitors: [...closingMonitors],
});
