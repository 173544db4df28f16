// Account erasure: open requests against their 7-day deadline, and how long completed erasures
// took (audit events account.erasure_requested -> account.erased).
import { PROMISES } from "./promises.ts";
import {
  DAY_MS,
  type DeadlineItem,
  HISTORY_DAYS,
  HOUR_MS,
  type ReportContext,
  type Section,
} from "./model.ts";
import { formatHours, round } from "./format.ts";

const LIMIT_DAYS = 7;
/** A request this close to its deadline is worth a look. */
const SOON_HOURS = 24;

export async function erasureSection(ctx: ReportContext): Promise<Section> {
  const open = await ctx.sql<
    { id: string; requested_at: Date; due_at: Date; status: string; failures: number }[]
  >`
    select r.id, r.requested_at, r.due_at, r.status, r.failures
    from private.account_erasure_requests r order by r.due_at`;
  const since = new Date(ctx.now.getTime() - HISTORY_DAYS * DAY_MS);
  const done = await ctx.sql<{ erased_at: Date; days: number | null }[]>`
    with erased as (
      select e.target_id, e.occurred_at from audit.events e
      where e.action = 'account.erased' and e.occurred_at >= ${since}
    )
    select x.occurred_at as erased_at,
      (extract(epoch from x.occurred_at - (
        select max(r.occurred_at) from audit.events r
        where r.action = 'account.erasure_requested' and r.target_id = x.target_id
          and r.occurred_at <= x.occurred_at
      )) / 86400)::float8 as days
    from erased x order by x.occurred_at`;

  const now = ctx.now.getTime();
  const items: DeadlineItem[] = open.map((r) => ({
    ref: ctx.pseudonym.of("erasure", r.id),
    kind: "account erasure",
    due_at: r.due_at.toISOString(),
    state: r.failures >= 3 ? `${r.status}, failed ${r.failures} times` : r.status,
    overdue: r.due_at.getTime() <= now,
  }));
  const overdue = items.filter((i) => i.overdue).length;
  const failing = open.filter((r) => r.failures >= 3).length;
  const soon =
    open.filter((r) => r.due_at.getTime() > now && r.due_at.getTime() - now < SOON_HOURS * HOUR_MS)
      .length;
  const timed = done.filter((d) => d.days !== null);
  const late = timed.filter((d) => d.days! > LIMIT_DAYS).length;
  const status = overdue > 0 || failing > 0 ? "red" : soon > 0 || late > 0 ? "amber" : "green";
  const oldestOpenHours = open.length
    ? Math.max(...open.map((r) => (now - r.requested_at.getTime()) / HOUR_MS))
    : 0;
  return {
    id: "account_erasure",
    ...PROMISES.account_erasure,
    status,
    summary: status === "red"
      ? `${overdue} erasure request(s) past the 7-day deadline, ${failing} failing repeatedly.`
      : status === "amber"
      ? `${soon} request(s) due within ${SOON_HOURS} h; ${late} erasure(s) in the last ` +
        `${HISTORY_DAYS} days took over 7 days.`
      : `${open.length} open request(s), none near its deadline; ` +
        completedLine(done.length, timed.length),
    evidence: [
      { label: "open requests", value: open.length },
      { label: "past the 7-day deadline", value: overdue },
      { label: "failed 3 times or more", value: failing },
      { label: "due within 24 h", value: soon },
      { label: "oldest open request", value: open.length ? formatHours(oldestOpenHours) : "none" },
      { label: `erasures completed, last ${HISTORY_DAYS} days`, value: done.length },
      { label: "with their request in the audit trail", value: timed.length },
      {
        label: "slowest completion (days)",
        value: timed.length ? round(Math.max(...timed.map((d) => d.days!))) : null,
      },
      { label: "completed after more than 7 days", value: late },
    ],
    items,
    charts: [{
      id: "erasure_completion",
      kind: "erasure_completion",
      title: "Account erasures: days from request to erasure, against the 7-day limit",
      limit: LIMIT_DAYS,
      values: timed.map((d) => ({ at: d.erased_at.toISOString(), days: round(d.days!) })),
    }],
  };
}

function completedLine(done: number, timed: number): string {
  if (done === 0) return `no erasure completed in the last ${HISTORY_DAYS} days.`;
  const when = timed === 0
    ? "none timed (requested before the audit trail recorded requests)"
    : `the ${timed} timed from their request all within 7 days`;
  return `${done} erasure(s) completed in the last ${HISTORY_DAYS} days, ${when}.`;
}
