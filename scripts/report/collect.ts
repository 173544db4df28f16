// Reads every section's facts from one database connection (or transaction) into one Report.
import type { Sql } from "../../supabase/functions/_shared/db.ts";
import type { AnchorSinkSettings } from "../lib/stack-env.ts";
import { auditSection } from "./audit.ts";
import { erasureSection } from "./erasure.ts";
import { dsrSection, incidentsSection } from "./in-progress.ts";
import { isolationSection } from "./isolation.ts";
import { jobHealthSection } from "./job-health.ts";
import {
  type Chart,
  HOUR_MS,
  Pseudonyms,
  type Report,
  type ReportContext,
  type Section,
  worst,
} from "./model.ts";
import { recordingsSection } from "./recordings.ts";
import { securityReportsSection } from "./security-reports.ts";
import { softDeleteSection } from "./soft-delete.ts";
import { round } from "./format.ts";

export interface CollectOptions {
  anchorSink: AnchorSinkSettings | null;
  /** How the report names the database: host and name, never a credential. */
  database: string;
}

export async function collectReport(sql: Sql, options: CollectOptions): Promise<Report> {
  const [{ now }] = await sql<[{ now: Date }]>`select private.current_time() as now`;
  const ctx: ReportContext = {
    sql,
    now,
    pseudonym: new Pseudonyms(),
    anchorSink: options.anchorSink,
  };
  // One after another: `sql` may be a transaction, which runs one statement at a time.
  const sections: Section[] = [];
  for (
    const read of [
      isolationSection,
      softDeleteSection,
      recordingsSection,
      erasureSection,
      auditSection,
      securityReportsSection,
      dsrSection,
      incidentsSection,
      jobHealthSection,
    ]
  ) sections.push(await read(ctx));
  return {
    generated_at: now.toISOString(),
    database: options.database,
    pseudonyms: "ids are shown as HMAC-SHA-256 pseudonyms under a salt drawn for this report " +
      "and not kept: they match within this report only",
    status: worst(sections.map((s) => s.status)),
    sections,
    charts: [deadlinesChart(sections, now)],
  };
}

/** Every open item of every section, by the hours left before its deadline. */
function deadlinesChart(sections: Section[], now: Date): Chart {
  return {
    id: "deadlines",
    kind: "deadlines",
    title: "Open requests against their deadlines: hours left (below zero: overdue)",
    values: sections.flatMap((s) =>
      (s.items ?? []).filter((i) => i.due_at !== "unknown").map((i) => ({
        ref: i.ref,
        kind: i.kind,
        hours_left: round((new Date(i.due_at).getTime() - now.getTime()) / HOUR_MS, 1),
        overdue: i.overdue,
      }))
    ),
  };
}

/** postgres://user:secret@host:5432/db?x -> host:5432/db */
export function describeDatabase(dbUrl: string): string {
  try {
    const url = new URL(dbUrl);
    return `${url.host}${url.pathname}`;
  } catch {
    return "(unparseable database URL)";
  }
}
