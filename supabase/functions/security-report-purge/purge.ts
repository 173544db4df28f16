// The retention of security reports (docs/SECURITY_REPORTS.md, "Retention"): closed reports
// leave 365 days after closing, a batch per short transaction (each purged report audited), and
// rate-limit counters after a day.
import { z } from "zod";
import { withRetry } from "../_shared/db.ts";
import { untilDrained } from "../_shared/job/batches.ts";
import type { JobBody, Phase } from "../_shared/job/define.ts";
import { callValue } from "../_shared/private-functions.ts";

const Batch = z.object({ reports_purged: z.number(), rate_windows_purged: z.number() });

type Count = "reports_purged" | "rate_windows_purged" | "batches";

export const reportPurgePhase: Phase<JobBody, Count> = {
  name: "purge",
  counts: ["reports_purged", "rate_windows_purged", "batches"],
  run: ({ deps, body, deadline, count }) =>
    untilDrained(deadline, body.batch_size, async () => {
      const batch = Batch.parse(
        await withRetry(() =>
          callValue(deps.sql, "security_report_purge", { p_limit: body.batch_size })
        ),
      );
      count("batches");
      count("reports_purged", batch.reports_purged);
      count("rate_windows_purged", batch.rate_windows_purged);
      return batch.reports_purged;
    }),
};
