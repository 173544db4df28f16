// The retention of the data-subject request ledger (docs/DATA_SUBJECT_RIGHTS.md, "The ledger"):
// closed requests leave 24 months after closing, a batch per short transaction, each audited.
import { z } from "zod";
import { withRetry } from "../_shared/db.ts";
import type { JobBody, Phase } from "../_shared/job/define.ts";
import { callValue } from "../_shared/private-functions.ts";

const Batch = z.object({ requests_purged: z.number() });

type Count = "requests_purged" | "batches";

export const ledgerPurgePhase: Phase<JobBody, Count> = {
  name: "purge",
  counts: ["requests_purged", "batches"],
  async run({ deps, body, deadline, count }) {
    let lastBatchMs = 0;
    for (;;) {
      // Start a batch only if one as slow as the last one still fits.
      if (!deadline.hasRoomFor(lastBatchMs * 1.5)) return { stoppedEarly: true };
      const started = deps.clock.now();
      const batch = Batch.parse(
        await withRetry(() =>
          callValue(deps.sql, "dsr_ledger_purge", { p_limit: body.batch_size })
        ),
      );
      lastBatchMs = deps.clock.now() - started;
      count("batches");
      count("requests_purged", batch.requests_purged);
      // A short batch means nothing more was due when it ran.
      if (batch.requests_purged < body.batch_size) return {};
    }
  },
};
