// The export's own phases. `build`: claim the pending exports one at a time, read each account's
// archive in bounded pages, store it, and finish it (ready for 7 days, the ledger entry
// completed with the counts, the notice queued); a failure is recorded and backed off, and the
// run goes on. `expire`: the archives of expired exports (and of erased accounts) are queued for
// the Storage outbox, which removes and audits them in the job's closing phase.
import { z } from "zod";
import { messageOf, withRetry } from "../_shared/db.ts";
import { untilDrained } from "../_shared/job/batches.ts";
import type { JobBody, Phase, PhaseRun } from "../_shared/job/define.ts";
import { leaseFor } from "../_shared/job/lease.ts";
import { callRows, callValue } from "../_shared/private-functions.ts";
import { buildArchive } from "./archive.ts";
import type { ExportStore } from "./store.ts";

type BuildCount = "exports_built" | "exports_failed" | "pages";

const Finished = z.object({ ref: z.string(), expires_at: z.string(), mailed: z.boolean() });

async function buildOne(
  run: PhaseRun<JobBody, BuildCount>,
  store: ExportStore,
  exportId: string,
  leaseToken: string,
): Promise<"built" | "paused"> {
  const { deps, body, deadline, count } = run;
  const archive = await buildArchive(
    deps.sql,
    exportId,
    leaseToken,
    body.batch_size,
    () => deadline.hasRoomFor(1_000),
    () => count("pages"),
  );
  if (archive === null) return "paused";
  const name = `${exportId}.json`;
  await store.put(name, new TextEncoder().encode(JSON.stringify(archive)));
  Finished.parse(
    await withRetry(() =>
      callValue(deps.sql, "data_export_finish", {
        p_export_id: exportId,
        p_lease_token: leaseToken,
        p_object_name: name,
        p_counts: archive.counts,
      })
    ),
  );
  return "built";
}

export function buildPhase(store: ExportStore): Phase<JobBody, BuildCount> {
  return {
    name: "build",
    counts: ["exports_built", "exports_failed", "pages"],
    async run(run) {
      const { deps, deadline, count } = run;
      for (;;) {
        if (!deadline.hasRoomFor(2_000)) return { stoppedEarly: true };
        const [claimed] = await withRetry(() =>
          callRows(deps.sql, "data_export_claim", { p_lease: leaseFor(run.runDeadline) })
        );
        if (!claimed?.id || !claimed.lease_token) return {};
        try {
          const outcome = await buildOne(run, store, claimed.id, claimed.lease_token);
          if (outcome === "paused") return { stoppedEarly: true };
          count("exports_built");
        } catch (err) {
          count("exports_failed");
          await withRetry(() =>
            callValue(deps.sql, "data_export_fail", {
              p_export_id: claimed.id!,
              p_lease_token: claimed.lease_token!,
              p_error: messageOf(err),
            })
          );
        }
      }
    },
  };
}

type ExpireCount = "exports_expired";

/** Exports taken per call of private.data_export_expire. */
const EXPIRE_BATCH = 100;

/**
 * The archives of expired exports (and of erased accounts) are queued in the Storage outbox and
 * their exports deleted, in one transaction per batch; the closing storage_removal phase then
 * removes them from Storage, with retries, and audits each removal.
 */
export const expirePhase: Phase<JobBody, ExpireCount> = {
  name: "expire",
  counts: ["exports_expired"],
  run: ({ deps, deadline, count }) =>
    untilDrained(deadline, EXPIRE_BATCH, async () => {
      const taken = await withRetry(() =>
        callValue(deps.sql, "data_export_expire", { p_limit: EXPIRE_BATCH })
      );
      count("exports_expired", taken);
      return taken;
    }),
};
