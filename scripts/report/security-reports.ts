// Security reports: open reports, and acknowledgements against the 24-hour promise (job health
// already turns red at 12 hours, private.security_report_health()).
import { PROMISES } from "./promises.ts";
import { type DeadlineItem, HOUR_MS, type ReportContext, type Section } from "./model.ts";

const PROMISED_HOURS = 24;

export async function securityReportsSection(ctx: ReportContext): Promise<Section> {
  const open = await ctx.sql<
    { reference: string; status: string; received_at: Date; acknowledged_at: Date | null }[]
  >`
    select r.reference, r.status, r.received_at, r.acknowledged_at
    from private.security_reports r where r.status <> 'closed' order by r.received_at`;
  const health = await ctx.sql<{ ok: boolean }[]>`select ok from private.security_report_health()`;
  const now = ctx.now.getTime();
  const items: DeadlineItem[] = open.filter((r) => r.acknowledged_at === null).map((r) => {
    const due = r.received_at.getTime() + PROMISED_HOURS * HOUR_MS;
    return {
      ref: ctx.pseudonym.of("report", r.reference),
      kind: "security report acknowledgement",
      due_at: new Date(due).toISOString(),
      state: r.status,
      overdue: due <= now,
    };
  });
  const overdue = items.filter((i) => i.overdue).length;
  const healthOk = health.every((h) => h.ok);
  const status = overdue > 0 ? "red" : !healthOk ? "amber" : "green";
  return {
    id: "security_reports",
    ...PROMISES.security_reports,
    status,
    summary: status === "red"
      ? `${overdue} report(s) not acknowledged within 24 hours.`
      : status === "amber"
      ? "A report's acknowledgement has not left 12 hours after it arrived (24 promised)."
      : `${open.length} open report(s); every one acknowledged or within its 24 hours.`,
    evidence: [
      { label: "open reports", value: open.length },
      { label: "awaiting acknowledgement", value: items.length },
      { label: "not acknowledged within 24 h", value: overdue },
      { label: "job health: security_reports_acknowledged (12 h)", value: healthOk },
    ],
    items,
    charts: [],
  };
}
