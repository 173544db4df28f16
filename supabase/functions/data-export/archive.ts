// The archive of one account (docs/DATA_SUBJECT_RIGHTS.md, "The archive"): every section read in
// pages of at most `pageSize` items (private.data_export_page, one short query each), then one
// JSON document with the counts per section.
import { z } from "zod";
import type { Sql } from "../_shared/db.ts";
import { withRetry } from "../_shared/db.ts";
import { callValue } from "../_shared/private-functions.ts";

export const ARCHIVE_FORMAT = "cluso.account-export.v1";

/** The sections, in the archive's order; each is an array of objects. */
export const SECTIONS = [
  "account",
  "memberships",
  "membership_history",
  "invitations_received",
  "invitations_sent",
  "organizations_created",
  "surveys_created",
  "recordings_created",
  "recording_access_log",
] as const;
export type Section = typeof SECTIONS[number];

const Page = z.object({
  items: z.array(z.record(z.unknown())),
  next: z.string().nullable(),
});

export interface Archive {
  format: typeof ARCHIVE_FORMAT;
  /** The export's id (its object is `<export_id>.json`). */
  export_id: string;
  generated_at: string;
  counts: Record<Section, number>;
  data: Record<Section, Record<string, unknown>[]>;
}

export async function buildArchive(
  sql: Sql,
  exportId: string,
  leaseToken: string,
  pageSize: number,
  hasRoom: () => boolean,
  pageRead: () => void = () => {},
): Promise<Archive | null> {
  const data = {} as Archive["data"];
  const counts = {} as Archive["counts"];
  for (const section of SECTIONS) {
    const items: Record<string, unknown>[] = [];
    let after: string | null = null;
    do {
      if (!hasRoom()) return null;
      const page = Page.parse(
        await withRetry(() =>
          callValue(sql, "data_export_page", {
            p_export_id: exportId,
            p_lease_token: leaseToken,
            p_section: section,
            p_after: after as string,
            p_limit: pageSize,
          })
        ),
      );
      pageRead();
      items.push(...page.items);
      after = page.next;
    } while (after !== null);
    data[section] = items;
    counts[section] = items.length;
  }
  return {
    format: ARCHIVE_FORMAT,
    export_id: exportId,
    generated_at: new Date().toISOString(),
    counts,
    data,
  };
}
