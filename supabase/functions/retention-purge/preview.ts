// The retention purge's dry run: what would be purged now, changing nothing.
import { z } from "zod";
import { callValue } from "../_shared/private-functions.ts";
import type { Phase } from "../_shared/job/define.ts";

const Preview = z.object({
  surveys: z.number(),
  questions: z.number(),
  responses: z.number(),
  recordings: z.number(),
  transcripts: z.number(),
  oldest_deleted_at: z.string().nullable(),
});

type Count =
  | "surveys_due"
  | "questions_due"
  | "responses_due"
  | "recordings_due"
  | "transcripts_due";

export const previewPhase: Phase<unknown, Count> = {
  name: "preview",
  counts: ["surveys_due", "questions_due", "responses_due", "recordings_due", "transcripts_due"],
  async run({ deps, count }) {
    const preview = Preview.parse(await callValue(deps.sql, "retention_purge_preview", {}));
    count("surveys_due", preview.surveys);
    count("questions_due", preview.questions);
    count("responses_due", preview.responses);
    count("recordings_due", preview.recordings);
    count("transcripts_due", preview.transcripts);
    return { details: { oldest_deleted_at: preview.oldest_deleted_at } };
  },
};
