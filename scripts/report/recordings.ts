// Recordings: the Storage outbox (private.storage_removals), what reconciliation of the bucket
// against the recordings table finds, and the outbox backlog over time from the audit trail.
import { PROMISES } from "./promises.ts";
import { DAY_MS, HISTORY_DAYS, HOUR_MS, type ReportContext, type Section } from "./model.ts";
import { formatHours } from "./format.ts";

/** Job health's recordings_swept limit: the orphan sweep runs every 15 minutes. */
const ORPHAN_GRACE = "2 hours";
/** The drain runs with every job (at least every 15 minutes). */
const WAITING_AFTER_HOURS = 1;

export async function recordingsSection(ctx: ReportContext): Promise<Section> {
  const [{ outbox }] = await ctx.sql<
    [{ outbox: { pending: number; due: number; stuck: number; oldest_enqueued_at: string | null } }]
  >`select private.storage_removal_status() as outbox`;
  const problems = await ctx.sql<{ problem: string; n: number }[]>`
    select problem, count(*)::int as n from private.reconcile_recordings() group by problem`;
  const [{ orphans }] = await ctx.sql<[{ orphans: number }]>`
    select count(*)::int as orphans from private.storage_orphans(${ORPHAN_GRACE}::interval)`;
  const count = (problem: string) => problems.find((p) => p.problem === problem)?.n ?? 0;
  const missing = count("missing_object");
  const unqueued = count("orphan_object");
  const waitedHours = outbox.oldest_enqueued_at === null
    ? 0
    : (ctx.now.getTime() - new Date(outbox.oldest_enqueued_at).getTime()) / HOUR_MS;

  const red: string[] = [];
  if (outbox.stuck > 0) red.push(`${outbox.stuck} Storage removal(s) stuck after 5 attempts`);
  if (orphans > 0) {
    red.push(`${orphans} recording object(s) outlived their response or survey unqueued`);
  }
  if (missing > 0) red.push(`${missing} recording(s) whose object is missing from Storage`);
  const amber: string[] = [];
  if (waitedHours > WAITING_AFTER_HOURS) {
    amber.push(`the oldest Storage removal has waited ${formatHours(waitedHours)}`);
  }
  if (unqueued > 0) {
    amber.push(`${unqueued} object(s) without a recording, within the sweep's grace`);
  }

  return {
    id: "recordings",
    ...PROMISES.recordings,
    status: red.length ? "red" : amber.length ? "amber" : "green",
    summary: red.length
      ? `${red.join("; ")}.`
      : amber.length
      ? `${amber.join("; ")}.`
      : "The Storage outbox is drained, and every object in the bucket has its recording.",
    evidence: [
      { label: "Storage removals waiting", value: outbox.pending },
      { label: "due now", value: outbox.due },
      { label: "stuck (5 attempts or more)", value: outbox.stuck },
      {
        label: "oldest waiting",
        value: outbox.oldest_enqueued_at === null ? "none" : formatHours(waitedHours),
      },
      { label: "orphans (private.storage_orphans, over 2 h)", value: orphans },
      { label: "reconcile_recordings: objects without a recording", value: unqueued },
      { label: "reconcile_recordings: recordings without an object", value: missing },
    ],
    charts: [{
      id: "storage_backlog",
      kind: "storage_backlog",
      title: "Storage outbox: objects queued and removed per day, and the backlog at day's end",
      values: await backlogByDay(ctx, outbox.pending),
    }],
  };
}

/**
 * Per day: objects queued (the recordings counted by survey.purged events) and removed
 * (storage_object.removed events of the recordings bucket; data export archives leave through
 * the outbox too, and are not recordings); the backlog at each day's end is today's, minus what every
 * later day added, so it ends at the outbox's real size.
 */
async function backlogByDay(ctx: ReportContext, pendingNow: number) {
  const since = new Date(ctx.now.getTime() - HISTORY_DAYS * DAY_MS);
  const days = await ctx.sql<{ day: string; queued: number; removed: number }[]>`
    select to_char(date_trunc('day', e.occurred_at at time zone 'UTC'), 'YYYY-MM-DD') as day,
      coalesce(sum((e.details ->> 'recordings')::int)
        filter (where e.action = 'survey.purged'), 0)::int as queued,
      (count(*) filter (where e.action = 'storage_object.removed'
        and e.target_id like 'recordings/%'))::int as removed
    from audit.events e
    where e.action in ('survey.purged', 'storage_object.removed') and e.occurred_at >= ${since}
    group by 1 order by 1`;
  let backlog = pendingNow;
  const rows = [];
  for (const d of days.toReversed()) {
    rows.push({ day: d.day, queued: d.queued, removed: d.removed, backlog: Math.max(0, backlog) });
    backlog -= d.queued - d.removed;
  }
  return rows.reverse();
}
