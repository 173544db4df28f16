// The retention of security reports (docs/SECURITY_REPORTS.md, "Retention"): closed reports
// leave 365 days after closing, a batch per short transaction (each purged report audited), and
// rate-limit counters after a day.
import { z } from "zod";
import { withRetry } from "../_shared/db.ts";
import type { Phase } from "../_shared/job/define.ts";
import { callValue } from "../_shared/private-functions.ts";
import type { JobBody } from "../_shared/job/define.ts";

const Batch = z.object({ reports_purged: z.number(), rate_windows_purged: z.number() });

type Count = "reports_purged" | "rate_windows_purged" | "batches";

export const reportPurgePhase: Phase<JobBody, Count> = {
  name: "purge",
  counts: ["reports_purged", "rate_windows_purged", "batches"],
  async run({ deps, body, deadline, count }) {
    let lastBatchMs = 0;
    for (;;) {
      // Start a batch only if one as slow as the last one still fits.
      if (!deadline.hasRoomFor(lastBatchMs * 1.5)) return { stoppedEarly: true };
      const started = deps.clock.now();
      const batch = Batch.parse(
        await withRetry(() =>
          callValue(deps.sql, "security_report_purge", { p_limit: body.batch_size })
        ),
      );
      lastBatchMs = deps.clock.now() - started;
      count("batches");
      count("reports_purged", batch.reports_purged);
      count("rate_windows_purged", batch.rate_windows_purged);
      // A short batch means nothing more was due when it ran.
      if (batch.reports_purged < body.batch_size) return {};
    }
  },
};
