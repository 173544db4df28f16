// Audit trail: every hash chain verified, against the anchor sink's heads when one is configured
// (AUDIT_ANCHOR_URL, as scripts/audit-verify.ts does), else each chain against itself only.
import { auditChainsLine, checkAuditChains } from "../lib/audit-chains.ts";
import { PROMISES } from "./promises.ts";
import type { ReportContext, Section, Status } from "./model.ts";

export async function auditSection(ctx: ReportContext): Promise<Section> {
  const check = await checkAuditChains(ctx.sql, ctx.anchorSink);
  const [{ events, chains }] = await ctx.sql<[{ events: number; chains: number }]>`
    select (select count(*) from audit.events)::int as events,
      (select count(*) from audit.chain_heads)::int as chains`;
  const [{ anchors }] = await ctx.sql<
    [{ anchors: { pending: number; last_published_at: string | null } }]
  >`select private.audit_anchor_status() as anchors`;
  let status: Status;
  if ("error" in check || check.broken > 0 || check.unanchored > 0) status = "red";
  else status = check.against === "self" ? "amber" : "green";
  const line = auditChainsLine(check).replace(/^audit chains: /, "");
  return {
    id: "audit",
    ...PROMISES.audit,
    status,
    summary: status === "amber"
      ? `Chains verified against themselves only: no anchor sink configured (AUDIT_ANCHOR_URL), ` +
        "so a rewrite by someone with database rights would not show."
      : `Audit chains: ${line}.`,
    evidence: [
      { label: "verified against", value: "error" in check ? "nothing" : check.against },
      { label: "result", value: line },
      ...("error" in check ? [] : [
        { label: "chains verified", value: check.verified },
        { label: "chains broken", value: check.broken },
        { label: "anchored heads read from the sink", value: check.anchored_heads },
        { label: "chains unanchored for over an hour", value: check.unanchored },
      ]),
      { label: "audit events", value: events },
      { label: "chains", value: chains },
      { label: "chain heads waiting for the sink", value: anchors.pending },
      { label: "last anchor published", value: anchors.last_published_at ?? "never" },
    ],
    charts: [],
  };
}
