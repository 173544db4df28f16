// Data subject requests and incidents: capabilities being built in parallel. Each, once built,
// exposes private.<capability>_status() returning
//   {"open", "overdue", "items": [{"ref", "due_at" | "deadline", "state", ...}]};
// until then its section says "not built yet" in grey, never green.
import { z } from "zod";
import { PROMISES } from "./promises.ts";
import { type DeadlineItem, HOUR_MS, type ReportContext, type Section } from "./model.ts";

const StatusDoc = z.object({
  open: z.number(),
  overdue: z.number(),
  items: z.array(
    z.object({
      ref: z.union([z.string(), z.number()]),
      due_at: z.string().optional(),
      deadline: z.string().optional(),
      state: z.string(),
    }).passthrough(),
  ),
});

const SOON_HOURS = 24;

async function statusSection(
  ctx: ReportContext,
  id: "dsr" | "incidents",
  fn: string,
  kind: string,
): Promise<Section> {
  const base = { id, ...PROMISES[id], charts: [] };
  const [{ exists }] = await ctx.sql<[{ exists: boolean }]>`
    select to_regprocedure(${fn}) is not null as exists`;
  if (!exists) {
    return {
      ...base,
      status: "grey",
      summary: `Not built yet: ${fn} does not exist in this database.`,
      evidence: [{ label: fn, value: "absent" }],
    };
  }
  // fn is one of two constants above, never input.
  const [{ doc }] = await ctx.sql.unsafe<[{ doc: unknown }]>(`select ${fn} as doc`);
  const parsed = StatusDoc.safeParse(doc);
  if (!parsed.success) {
    return {
      ...base,
      status: "red",
      summary: `${fn} answered a document of an unknown shape.`,
      evidence: [{ label: fn, value: parsed.error.issues[0]?.message ?? "invalid" }],
    };
  }
  const now = ctx.now.getTime();
  const items: DeadlineItem[] = parsed.data.items.map((i) => {
    const due = new Date(i.due_at ?? i.deadline ?? NaN);
    return {
      ref: ctx.pseudonym.of(id, String(i.ref)),
      kind,
      due_at: Number.isNaN(due.getTime()) ? "unknown" : due.toISOString(),
      state: i.state,
      overdue: due.getTime() <= now,
    };
  });
  const overdue = Math.max(parsed.data.overdue, items.filter((i) => i.overdue).length);
  const soon =
    items.filter((i) => !i.overdue && new Date(i.due_at).getTime() - now < SOON_HOURS * HOUR_MS)
      .length;
  const status = overdue > 0 ? "red" : soon > 0 ? "amber" : "green";
  return {
    ...base,
    status,
    summary: status === "red"
      ? `${overdue} ${kind}(s) past their deadline.`
      : status === "amber"
      ? `${soon} ${kind}(s) due within ${SOON_HOURS} h.`
      : `${parsed.data.open} open ${kind}(s), none near its deadline.`,
    evidence: [
      { label: "open", value: parsed.data.open },
      { label: "overdue", value: overdue },
      { label: `due within ${SOON_HOURS} h`, value: soon },
    ],
    items,
  };
}

export const dsrSection = (ctx: ReportContext) =>
  statusSection(ctx, "dsr", "private.dsr_status()", "data subject request");

export const incidentsSection = (ctx: ReportContext) =>
  statusSection(ctx, "incidents", "private.incident_status()", "incident notification");
