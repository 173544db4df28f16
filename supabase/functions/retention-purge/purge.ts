// The retention purge's own phase: permanently delete the surveys soft-deleted more than 30 days
// ago (private.retention_purge_batch), a batch per short transaction, until none is due or the
// deadline nears. Their recordings' objects are queued in the Storage outbox by the same
// transaction, for the storage_removal phase.
import { z } from "zod";
import { withRetry } from "../_shared/db.ts";
import { callValue } from "../_shared/private-functions.ts";
import { untilDrained } from "../_shared/job/batches.ts";
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
  run: ({ deps, body, deadline, auditActor, count }) =>
    untilDrained(deadline, body.batch_size, async () => {
      const batch = BatchCounts.parse(
        await withRetry(() =>
          callValue(deps.sql, "retention_purge_batch", {
            p_batch_size: body.batch_size,
            p_job: auditActor,
          })
        ),
      );
      if (batch.surveys === 0) return 0;
      count("batches");
      count("surveys_purged", batch.surveys);
      count("questions_deleted", batch.questions);
      count("responses_deleted", batch.responses);
      count("recordings_deleted", batch.recordings);
      count("transcripts_deleted", batch.transcripts);
      return batch.surveys;
    }),
};
