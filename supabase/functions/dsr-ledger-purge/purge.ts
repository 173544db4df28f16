// The retention of the data-subject request ledger (docs/DATA_SUBJECT_RIGHTS.md, "The ledger"):
// closed requests leave 24 months after closing, a batch per short transaction, each audited.
import { z } from "zod";
import { withRetry } from "../_shared/db.ts";
import { untilDrained } from "../_shared/job/batches.ts";
import type { JobBody, Phase } from "../_shared/job/define.ts";
import { callValue } from "../_shared/private-functions.ts";

const Batch = z.object({ requests_purged: z.number() });

type Count = "requests_purged" | "batches";

export const ledgerPurgePhase: Phase<JobBody, Count> = {
  name: "purge",
  counts: ["requests_purged", "batches"],
  run: ({ deps, body, deadline, count }) =>
    untilDrained(deadline, body.batch_size, async () => {
      const batch = Batch.parse(
        await withRetry(() =>
          callValue(deps.sql, "dsr_ledger_purge", { p_limit: body.batch_size })
        ),
      );
      count("batches");
      count("requests_purged", batch.requests_purged);
      return batch.requests_purged;
    }),
};
