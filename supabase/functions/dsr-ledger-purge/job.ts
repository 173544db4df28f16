// Scheduled retention of the data-subject request ledger (daily): see purge.ts; then the closing
// phases, which publish the purge's own audit events to the anchor sink.
import { closingMonitors, closingPhases } from "../_shared/job/closing.ts";
import { defineJob, jobBody } from "../_shared/job/define.ts";
import { ledgerPurgePhase } from "./purge.ts";

export const dsrLedgerPurge = defineJob({
  name: "dsr-ledger-purge",
  auditActor: "dsr_ledger_purge",
  body: jobBody({}),
  phases: () => [ledgerPurgePhase, ...closingPhases],
  monitors: [...closingMonitors],
});
