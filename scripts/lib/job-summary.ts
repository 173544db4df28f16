// What `npm start` tells a person: one line per job run (what it purged, erased, removed from
// Storage and anchored outside the database, how long it took), the checks, and where to look
// next. Made from the jobs'
// JSON reports only, so it can never say more than they do.
import { SINK_NOT_CONFIGURED } from "../../supabase/functions/_shared/job/audit-anchor.ts";
import type { JobReport } from "../../supabase/functions/_shared/job/report.ts";
import { type AuditChainsCheck, auditChainsLine } from "./audit-chains.ts";

export interface Checks {
  audit_chains: AuditChainsCheck;
  recordings_reconciliation: { problems: number };
}

/**
 * How a count reads, singular and plural. Shown when not zero, or always when `always` (and the
 * run reports it); counts not listed stay in the JSON report only.
 */
export const COUNT_PHRASES: { count: string; one: string; many: string; always?: boolean }[] = [
  {
    count: "surveys_due",
    one: "survey due for purge (dry run)",
    many: "surveys due for purge (dry run)",
    always: true,
  },
  { count: "surveys_purged", one: "survey purged", many: "surveys purged", always: true },
  { count: "recordings_deleted", one: "recording deleted", many: "recordings deleted" },
  { count: "accounts_erased", one: "account erased", many: "accounts erased", always: true },
  { count: "requests_failed", one: "erasure request failed", many: "erasure requests failed" },
  {
    count: "objects_removed",
    one: "object removed from Storage",
    many: "objects removed from Storage",
    always: true,
  },
  { count: "objects_failed", one: "Storage removal failed", many: "Storage removals failed" },
  {
    count: "reports_purged",
    one: "security report purged",
    many: "security reports purged",
    always: true,
  },
  {
    count: "requests_purged",
    one: "data-subject request purged from the ledger",
    many: "data-subject requests purged from the ledger",
    always: true,
  },
  { count: "exports_built", one: "data export built", many: "data exports built", always: true },
  { count: "exports_expired", one: "data export expired", many: "data exports expired" },
  { count: "receipts_signed", one: "receipt signed", many: "receipts signed" },
  { count: "mails_sent", one: "mail sent", many: "mails sent", always: true },
  {
    count: "mails_failed",
    one: "mail not delivered (retried)",
    many: "mails not delivered (retried)",
  },
  {
    count: "anchors_published",
    one: "audit anchor published",
    many: "audit anchors published",
    always: true,
  },
  {
    count: "anchors_failed",
    one: "audit anchor not published",
    many: "audit anchors not published",
  },
];

/** The queues a run leaves, by monitor and field; shown when not empty. */
export const BACKLOG_PHRASES: { monitor: string; field: string; one: string; many: string }[] = [
  {
    monitor: "storage_removals",
    field: "pending",
    one: "Storage removal still queued",
    many: "Storage removals still queued",
  },
  {
    monitor: "account_erasures",
    field: "open",
    one: "erasure request open",
    many: "erasure requests open",
  },
  {
    monitor: "mail_outbox",
    field: "pending",
    one: "mail still queued",
    many: "mails still queued",
  },
  {
    monitor: "audit_anchors",
    field: "pending",
    one: "audit anchor queued",
    many: "audit anchors queued",
  },
];

/** Said when a job ran without an anchor sink: its chain heads stay in the database. */
export const NO_SINK_NOTE = "audit anchors not sent: AUDIT_ANCHOR_URL is not set";

export function ranWithoutSink(report: JobReport): boolean {
  return report.phases.some((p) =>
    p.name === "audit_anchor" && p.details?.sink === SINK_NOT_CONFIGURED
  );
}

function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** One line for one job run, then its error (if any) indented below it. */
export function jobLines(report: JobReport, nameWidth = report.job.length): string[] {
  const parts: string[] = [];
  for (const { count, one, many, always } of COUNT_PHRASES) {
    const n = report.totals[count];
    if (n === undefined || (n === 0 && !always)) continue;
    parts.push(counted(n, one, many));
  }
  for (const { monitor, field, one, many } of BACKLOG_PHRASES) {
    const n = report.backlog[monitor]?.[field];
    if (typeof n === "number" && n > 0) parts.push(counted(n, one, many));
  }
  if (ranWithoutSink(report)) parts.push(NO_SINK_NOTE);
  if (report.stopped_early) parts.push("stopped at its deadline (the next run continues)");
  const status = report.ok ? "ok    " : "FAILED";
  const what = parts.length > 0 ? `${parts.join(", ")} ` : "";
  const lines = [`  ${report.job.padEnd(nameWidth)}  ${status}  ${what}(${duration(report.ms)})`];
  if (report.error !== null) lines.push(`  ${" ".repeat(nameWidth)}  ${report.error}`);
  return lines;
}

export function checkLines(checks: Checks): string[] {
  const { problems } = checks.recordings_reconciliation;
  return [
    `  ${auditChainsLine(checks.audit_chains)}`,
    `  recordings reconciliation: ${counted(problems, "problem", "problems")}` +
    (problems === 0 ? " (every recording has its object, every object its recording)" : ""),
  ];
}

export const NEXT_STEPS = [
  `  README.md, "Monitoring": job health, and what to do when a job fails`,
  `  README.md, "The promises, and what proves each": which test proves which promise`,
  "  npm start -- --json (or CLUSO_OUTPUT=json): the jobs' full JSON reports",
];

export function humanSummary(reports: JobReport[], checks: Checks): string {
  const width = Math.max(0, ...reports.map((r) => r.job.length));
  return [
    "Jobs (one run each, as the scheduler runs them):",
    ...reports.flatMap((r) => jobLines(r, width)),
    "Checks:",
    ...checkLines(checks),
    "Next:",
    ...NEXT_STEPS,
  ].join("\n");
}
