// A vulnerability report as both intakes (the web form's endpoint and inbound mail) hand it to
// the database, the limits it must fit, and the one call that stores it.
import { z } from "zod";
import type { Sql } from "../db.ts";
import { HttpError } from "../http.ts";
import { callValue } from "../private-functions.ts";

/** The limits, as private.security_reports checks them. */
export const LIMITS = { contact: 254, summary: 200, details: 20_000 } as const;

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;

export interface IncomingReport {
  channel: "web" | "email";
  contact: string;
  summary: string;
  details: string;
  severity: (typeof SEVERITIES)[number] | null;
}

const Submitted = z.discriminatedUnion("accepted", [
  z.object({ accepted: z.literal(true), reference: z.string() }),
  z.object({ accepted: z.literal(false), reason: z.literal("rate_limited") }),
]);

/** Submissions a source may make per hour (refused ones count too). */
export const SUBMISSIONS_PER_HOUR = 5;

/** The rate limit's keyed hashes: the submission's source, and its contact's when it differs. */
export interface RateKeys {
  source: string;
  contact?: string;
}

/**
 * Stores the report and queues its acknowledgement (one transaction in the database); returns
 * the tracking reference. 429 when the source or the contact has submitted too often this hour.
 */
export async function submitReport(
  sql: Sql,
  report: IncomingReport,
  keys: RateKeys,
  perHour = SUBMISSIONS_PER_HOUR,
): Promise<string> {
  const answer = Submitted.parse(
    await callValue(sql, "security_report_submit", {
      p_source_hash: keys.source,
      p_contact_hash: keys.contact,
      p_channel: report.channel,
      p_contact: report.contact,
      p_summary: report.summary,
      p_details: report.details,
      p_severity: report.severity ?? undefined,
      p_limit_per_hour: perHour,
    }),
  );
  if (!answer.accepted) {
    throw new HttpError(
      429,
      "too many reports from this source or for this contact; please try again in an hour",
    );
  }
  return answer.reference;
}
