// The statistics every benchmark reports with, defined once so figures from different files
// mean the same thing.

/** One figure as main.ts prints it and writes it to bench/results.json. */
export type Metric = Record<string, unknown> & { name: string; value: number; unit: string };

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** The middle value; with an even count, the mean of the two middle ones. */
export function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The nearest-rank quantile: the smallest sample that at least a share `q` (0 < q <= 1) of the
 * samples do not exceed. p90 of 200 samples is the 180th smallest.
 */
export function quantile(xs: readonly number[], q: number): number {
  const s = sorted(xs);
  return s[Math.min(s.length, Math.max(1, Math.ceil(q * s.length))) - 1];
}

/** Rounded to three decimals, as every figure is reported. */
export const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Runs `fn` and answers the milliseconds it took with its result. */
export async function timed<T>(fn: () => PromiseLike<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [performance.now() - t0, v];
}

/** `xs` in a random order, shuffled in place (Fisher-Yates). */
export function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** `n` distinct elements of `xs`, drawn at random. */
export const sample = <T>(xs: readonly T[], n: number): T[] => shuffle([...xs]).slice(0, n);
