// How numbers read in the report.

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Hours as "5 h" under two days, else "3.5 d". */
export function formatHours(hours: number): string {
  return hours < 48 ? `${round(hours, 1)} h` : `${round(hours / 24, 1)} d`;
}
