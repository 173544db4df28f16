// Soft delete and purge: the trash, the oldest survey past its 30 days, and how long purges took
// (audit events survey.soft_deleted -> survey.purged, retention purges only).
import { PROMISES } from "./promises.ts";
import { DAY_MS, HISTORY_DAYS, HOUR_MS, type ReportContext, type Section } from "./model.ts";
import { formatHours, round } from "./format.ts";

/** The retention purge runs every 15 minutes: a survey an hour past due means it is not running. */
const LATE_AFTER_HOURS = 1;
/** A day past due breaks the promise. */
const BROKEN_AFTER_HOURS = 24;
const RETENTION_DAYS = 30;

export async function softDeleteSection(ctx: ReportContext): Promise<Section> {
  const [trash] = await ctx.sql<
    [{ in_trash: number; overdue: number; oldest_due_at: Date | null }]
  >`
    select count(*)::int as in_trash,
      count(*) filter (where s.deleted_at + private.survey_retention() <= ${ctx.now})::int
        as overdue,
      min(s.deleted_at + private.survey_retention())
        filter (where s.deleted_at + private.survey_retention() <= ${ctx.now}) as oldest_due_at
    from public.surveys s where s.deleted_at is not null`;
  const since = new Date(ctx.now.getTime() - HISTORY_DAYS * DAY_MS);
  const purges = await ctx.sql<{ purged_at: Date; lag_days: number | null }[]>`
    with purged as (
      select e.org_id, e.target_id, e.occurred_at from audit.events e
      where e.action = 'survey.purged' and e.reason = 'retention_expired'
        and e.occurred_at >= ${since}
    ), deleted as (
      -- By organisation and survey: the trail's index for look-ups by target
      -- (events_org_target_idx).
      select e.org_id, e.target_id, max(e.occurred_at) as occurred_at from audit.events e
      where e.action = 'survey.soft_deleted' and e.target_table = 'public.surveys'
        and (e.org_id, e.target_id) in (select org_id, target_id from purged)
      group by e.org_id, e.target_id
    )
    select p.occurred_at as purged_at,
      (extract(epoch from p.occurred_at - d.occurred_at) / 86400)::float8 as lag_days
    from purged p left join deleted d on d.org_id = p.org_id and d.target_id = p.target_id
    order by p.occurred_at`;
  const lags = purges.filter((p) => p.lag_days !== null);
  const late = lags.filter((p) => p.lag_days! > RETENTION_DAYS + BROKEN_AFTER_HOURS / 24);
  const overdueHours = trash.oldest_due_at === null
    ? 0
    : (ctx.now.getTime() - trash.oldest_due_at.getTime()) / HOUR_MS;
  const status = overdueHours > BROKEN_AFTER_HOURS
    ? "red"
    : overdueHours > LATE_AFTER_HOURS || late.length > 0
    ? "amber"
    : "green";
  const sorted = lags.map((p) => p.lag_days!).sort((a, b) => a - b);
  const pct = (q: number) =>
    sorted.length ? round(sorted[Math.floor(q * (sorted.length - 1))]) : null;
  return {
    id: "soft_delete",
    ...PROMISES.soft_delete,
    status,
    summary: status === "red"
      ? `A survey is ${formatHours(overdueHours)} past its 30 days and still not purged.`
      : status === "amber"
      ? (overdueHours > LATE_AFTER_HOURS
        ? `A survey is ${formatHours(overdueHours)} past its 30 days (the purge runs every 15 min).`
        : `${late.length} purge(s) in the last ${HISTORY_DAYS} days came more than a day late.`)
      : `${trash.in_trash} survey(s) in the trash, none past its 30 days; no purge late.`,
    evidence: [
      { label: "surveys in the trash", value: trash.in_trash },
      { label: "past their 30 days", value: trash.overdue },
      {
        label: "oldest overdue survey",
        value: trash.oldest_due_at === null ? "none" : `${formatHours(overdueHours)} past due`,
      },
      { label: `retention purges, last ${HISTORY_DAYS} days`, value: purges.length },
      { label: "with their soft deletion in the audit trail", value: lags.length },
      { label: "purge lag median (days)", value: pct(0.5) },
      { label: "purge lag p95 (days)", value: pct(0.95) },
      { label: "purge lag max (days)", value: sorted.length ? round(sorted.at(-1)!) : null },
      { label: "purged more than a day late", value: late.length },
    ],
    charts: [{
      id: "purge_lag",
      kind: "purge_lag",
      title: "Purge lag: days from soft deletion to purge, against the 30-day limit",
      limit: RETENTION_DAYS,
      values: lags.map((p) => ({ at: p.purged_at.toISOString(), days: round(p.lag_days!) })),
    }],
  };
}
