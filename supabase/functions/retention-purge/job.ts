// Scheduled retention purge (README, "The promises"): surveys soft-deleted more than 30 days ago
// are permanently deleted, then their recordings leave Storage and the audit chain heads leave
// the database (the closing phases). `{"dry_run": true}` only previews what would be purged, and
// changes nothing (not even the anchor queue).
import { z } from "zod";
import { defineJob, jobBody } from "../_shared/job/define.ts";
import { closingMonitors, closingPhases } from "../_shared/job/closing.ts";
import { previewPhase } from "./preview.ts";
import { purgePhase } from "./purge.ts";

const Body = jobBody({ dry_run: z.boolean().default(false) });
export type RetentionPurgeBody = z.output<typeof Body>;

export const retentionPurge = defineJob({
  name: "retention-purge",
  auditActor: "retention_purge",
  body: Body,
  phases: (body) => body.dry_run ? [previewPhase] : [purgePhase, ...closingPhases],
  monitors: [...closingMonitors],
});
