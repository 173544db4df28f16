// How long a job's claim keeps its rows: the run's time left plus a margin, so a lease covers
// every call and settle of the run (not just the phase that claimed), and a crashed run's rows
// come back soon after; the schedulers run much later than any lease ends.
import type { Deadline } from "../deadline.ts";

/** A lease outlives the run by this much. */
export const LEASE_MARGIN_S = 30;

/** The `p_lease` interval of a claim made during the run ending at `runDeadline`. */
export function leaseFor(runDeadline: Deadline): string {
  return `${Math.ceil(runDeadline.remainingMs() / 1000) + LEASE_MARGIN_S} seconds`;
}
