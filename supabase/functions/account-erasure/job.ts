// Scheduled account erasure (README, "Account erasure"): every open request is worked through in
// short, resumable steps, then the erased organisations' recordings leave Storage and the audit
// chain heads leave the database (the closing phases).
import { z } from "zod";
import { defineJob, jobBody } from "../_shared/job/define.ts";
import { closingMonitors, closingPhases } from "../_shared/job/closing.ts";
import { accountErasureMonitor, erasePhase } from "./erase.ts";

const Body = jobBody({
  // Requests claimed per run (each claim counts, finished or not).
  max_requests: z.number().int().min(1).max(100).default(25),
});
export type AccountErasureBody = z.output<typeof Body>;

export const accountErasure = defineJob({
  name: "account-erasure",
  auditActor: "account_erasure",
  body: Body,
  phases: () => [erasePhase, ...closingPhases],
  monitors: [accountErasureMonitor, ...closingMonitors],
});
