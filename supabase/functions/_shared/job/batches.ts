// The loop every batched phase runs: one batch per short transaction until a batch takes fewer
// items than it may (nothing more was due when it ran), starting a batch only while one as slow
// as the last still fits before the phase's deadline. The next run resumes from Postgres.
import type { Deadline } from "../deadline.ts";
import type { PhaseOutcome } from "./define.ts";

/**
 * Runs `batch` (which answers how many items it took, at most `size`) until a short batch or the
 * deadline. `stoppedEarly` says the deadline ended it with work perhaps still due.
 */
export async function untilDrained(
  deadline: Deadline,
  size: number,
  batch: () => Promise<number>,
): Promise<PhaseOutcome> {
  let lastBatchMs = 0;
  for (;;) {
    if (!deadline.hasRoomFor(lastBatchMs * 1.5)) return { stoppedEarly: true };
    const started = deadline.clock.now();
    const taken = await batch();
    lastBatchMs = deadline.clock.now() - started;
    if (taken < size) return {};
  }
}
