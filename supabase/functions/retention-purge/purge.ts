// The retention purge's own phase: permanently delete the surveys soft-deleted more than 30 days
// ago (private.retention_purge_batch), a batch per short transaction, until none is due or the
// deadline nears. Their recordings' objects are queued in the Storage outbox by the same
// transaction, for the storage_removal phase.
import { z } from "zod";
import { withRetry } from "../_shared/db.ts";
import { callValue } from "../_shared/private-functions.ts";
import type { Phase } from "../_shared/job/define.ts";
import type { RetentionPurgeBody } from "./job.ts";

const BatchCounts = z.object({
  surveys: z.number(),
  questions: z.number(),
  responses: z.number(),
  recordings: z.number(),
  transcripts: z.number(),
});

type Count =
  | "surveys_purged"
  | "questions_deleted"
  | "responses_deleted"
  | "recordings_deleted"
  | "transcripts_deleted"
  | "batches";

export const purgePhase: Phase<RetentionPurgeBody, Count> = {
  name: "purge",
  counts: [
    "surveys_purged",
    "questions_deleted",
    "responses_deleted",
    "recordings_deleted",
    "transcripts_deleted",
    "batches",
  ],
  async run({ deps, body, deadline, auditActor, count }) {
    let lastBatchMs = 0;
    for (;;) {
      // Start a batch only if one as slow as the last one still fits.
      if (!deadline.hasRoomFor(lastBatchMs * 1.5)) return { stoppedEarly: true };
      const started = deps.clock.now();
      const batch = BatchCounts.parse(
        await withRetry(() =>
          callValue(deps.sql, "retention_purge_batch", {
            p_batch_size: body.batch_size,
            p_job: auditActor,
          })
        ),
      );
      lastBatchMs = deps.clock.now() - started;
      if (batch.surveys === 0) return {};
      count("batches");
      count("surveys_purged", batch.surveys);
      count("questions_deleted", batch.questions);
      count("responses_deleted", batch.responses);
      count("recordings_deleted", batch.recordings);
      count("transcripts_deleted", batch.transcripts);
      // A short batch means nothing more was due when it ran.
      if (batch.surveys < body.batch_size) return {};
    }
  },
};
