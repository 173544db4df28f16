// The one report every scheduled job answers with (HTTP 200 when `ok`, else 500) and logs.

export interface PhaseReport {
  /** e.g. "purge", "erase", "storage_removal". */
  name: string;
  /** What the phase did, by name; every count the phase declares is present. */
  counts: Record<string, number>;
  /** The deadline stopped the phase while it still had work. */
  stopped_early: boolean;
  ms: number;
  /** Anything else the phase reports (e.g. a dry run's preview). */
  details?: Record<string, unknown>;
}

export interface JobReport {
  /** The Edge Function's name, e.g. "retention-purge". */
  job: string;
  run_id: string;
  /** No error and no monitor reported a problem. */
  ok: boolean;
  /** The phases that ran, in order (the one that failed included). */
  phases: PhaseReport[];
  /** Every phase's counts, summed by name. */
  totals: Record<string, number>;
  /** Each monitor's summary of the work still queued, by monitor name. */
  backlog: Record<string, Record<string, unknown>>;
  /** A phase stopped at the deadline: a later run continues. */
  stopped_early: boolean;
  ms: number;
  /** Why the run is not ok: the error that stopped it, or the monitors' problems. */
  error: string | null;
}

export function sumCounts(phases: PhaseReport[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const phase of phases) {
    for (const [name, n] of Object.entries(phase.counts)) totals[name] = (totals[name] ?? 0) + n;
  }
  return totals;
}
