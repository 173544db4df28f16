// Time budget of one invocation. Edge Functions are killed at 400 s wall clock, so every loop
// asks the deadline before starting work it might not finish; the next invocation resumes from
// the state kept in Postgres.

export interface Clock {
  /** Milliseconds (injected so tests can control time). */
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

export class Deadline {
  private constructor(readonly clock: Clock, readonly startedAt: number, readonly endsAt: number) {}

  static after(clock: Clock, budgetMs: number): Deadline {
    const now = clock.now();
    return new Deadline(clock, now, now + budgetMs);
  }

  elapsedMs(): number {
    return this.clock.now() - this.startedAt;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - this.clock.now());
  }

  /** True when `ms` more of work still fits before the deadline. */
  hasRoomFor(ms: number): boolean {
    return this.remainingMs() > ms;
  }

  /** The same deadline minus `reserveMs`: a phase that must leave room for the next one. */
  reserving(reserveMs: number): Deadline {
    return new Deadline(
      this.clock,
      this.startedAt,
      Math.max(this.startedAt, this.endsAt - reserveMs),
    );
  }
}
