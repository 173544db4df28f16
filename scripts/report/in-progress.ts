// Data subject requests and incidents: capabilities being built in parallel. Each, once built,
// exposes private.<capability>_status() returning
//   {"open", "overdue", "items": [{"ref", "due_at" | "deadline", "state", ...}]};
// until then its section says "not built yet" in grey, never green. A listed item is not
// necessarily still owed: each capability says which of its items still answer to a deadline.
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
      unnotified: z.number().optional(),
    }).passthrough(),
  ),
});

type StatusItem = z.infer<typeof StatusDoc>["items"][number];

/** Whether an item still answers to its deadline, by its capability's own overdue rule. */
type StillOwed = (item: StatusItem) => boolean;

// private.dsr_status() also lists closed requests (kept 24 months): a completed or withdrawn
// request owes nothing, however long ago its deadline passed.
const DSR_CLOSED = new Set(["completed", "withdrawn"]);
const dsrStillOwed: StillOwed = (i) => !DSR_CLOSED.has(i.state);

// private.incident_status() lists unclosed incidents; one is late only while still unscoped
// (open) or while a recipient is unnotified. Without a count, it is taken as still owed.
const incidentStillOwed: StillOwed = (i) =>
  i.state === "open" || i.unnotified === undefined || i.unnotified > 0;

const SOON_HOURS = 24;

async function statusSection(
  ctx: ReportContext,
  id: "dsr" | "incidents",
  fn: string,
  kind: string,
  stillOwed: StillOwed,
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
  const items: DeadlineItem[] = parsed.data.items.filter(stillOwed).map((i) => {
    const due = new Date(i.due_at ?? i.deadline ?? NaN);
    return {
      ref: ctx.pseudonym.of(id, String(i.ref)),
      kind,
      due_at: Number.isNaN(due.getTime()) ? "unknown" : due.toISOString(),
      state: i.state,
      overdue: due.getTime() <= now,
    };
  });
  // The function's count is the rule; an item flagged here counts too, so the section is never
  // greener than its own table.
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
  statusSection(ctx, "dsr", "private.dsr_status()", "data subject request", dsrStillOwed);

export const incidentsSection = (ctx: ReportContext) =>
  statusSection(
    ctx,
    "incidents",
    "private.incident_status()",
    "incident notification",
    incidentStillOwed,
  );
