// The report's facts: one section per promise of the security page, each with a status, the
// evidence behind it, the tests that prove the promise, and the data of its charts. The same
// object is written as JSON and rendered as HTML, so both always say the same thing.
import { createHmac } from "node:crypto";
import type { Sql } from "../../supabase/functions/_shared/db.ts";
import type { AnchorSinkSettings } from "../lib/stack-env.ts";

/** grey: the capability that would keep the promise is not built yet. */
export type Status = "green" | "amber" | "red" | "grey";

export interface Evidence {
  label: string;
  value: string | number | boolean | null;
}

/** An open item against a deadline; `ref` is pseudonymous (see Pseudonyms). */
export interface DeadlineItem {
  ref: string;
  kind: string;
  due_at: string;
  state: string;
  overdue: boolean;
}

export type ChartKind = "purge_lag" | "erasure_completion" | "storage_backlog" | "deadlines";

export interface Chart {
  id: string;
  kind: ChartKind;
  title: string;
  /** What the chart is measured against (days, for the lag charts). */
  limit?: number;
  values: Record<string, string | number | boolean | null>[];
}

export interface TestLink {
  name: string;
  path: string;
}

export interface Section {
  id: string;
  title: string;
  /** The security page's words. */
  promise: string;
  status: Status;
  /** One sentence: why this status. */
  summary: string;
  evidence: Evidence[];
  items?: DeadlineItem[];
  charts: Chart[];
  tests: TestLink[];
}

export interface Report {
  generated_at: string;
  /** The database's host and name only: never a credential. */
  database: string;
  /** ids are HMACs under a salt drawn for this report and then forgotten. */
  pseudonyms: string;
  status: Status;
  sections: Section[];
  /** Charts across sections (every open request against its deadline). */
  charts: Chart[];
}

export interface ReportContext {
  sql: Sql;
  /** private.current_time(): the database's clock, which the tests can move. */
  now: Date;
  pseudonym: Pseudonyms;
  /** The anchor sink whose heads the audit chains are verified against, if any. */
  anchorSink: AnchorSinkSettings | null;
}

/**
 * Ids become short HMACs under a random per-report salt: the same id reads the same within one
 * report (so an auditor can follow an item between sections), and no report links to another or
 * back to a person.
 */
export class Pseudonyms {
  readonly #salt = crypto.getRandomValues(new Uint8Array(32));

  of(kind: string, id: string): string {
    const mac = createHmac("sha256", this.#salt).update(`${kind}:${id}`).digest("hex");
    return `${kind}-${mac.slice(0, 10)}`;
  }

  /** Any uuid or security-report reference in a free-form value, replaced by its pseudonym. */
  scrub(value: unknown): unknown {
    return JSON.parse(
      JSON.stringify(value).replace(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|SR-[0-9A-F]{12}/gi,
        (id) => this.of(id.startsWith("SR-") ? "report" : "id", id),
      ),
    );
  }
}

const RANK: Record<Status, number> = { grey: 0, green: 1, amber: 2, red: 3 };

/** The worst of some statuses; grey (not built) never hides a red or an amber. */
export function worst(statuses: Status[]): Status {
  return statuses.reduce<Status>((a, b) => (RANK[b] > RANK[a] ? b : a), "green");
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** How far back the charts look. */
export const HISTORY_DAYS = 180;
