// Scheduled retention of security reports (daily): see purge.ts.
import { defineJob, jobBody } from "../_shared/job/define.ts";
import { reportPurgePhase } from "./purge.ts";

export const securityReportPurge = defineJob({
  name: "security-report-purge",
  auditActor: "security_report_purge",
  body: jobBody({}),
  phases: () => [reportPurgePhase],
  monitors: [],
});
