// Job health: every check private.job_health() runs (README.md, "Monitoring"). A failing check's
// detail is shown with its ids replaced by pseudonyms.
import { PROMISES } from "./promises.ts";
import type { ReportContext, Section } from "./model.ts";

export async function jobHealthSection(ctx: ReportContext): Promise<Section> {
  const checks = await ctx.sql<{ check_name: string; ok: boolean; detail: unknown }[]>`
    select check_name, ok, detail from private.job_health()`;
  const failing = checks.filter((c) => !c.ok);
  return {
    id: "job_health",
    ...PROMISES.job_health,
    status: failing.length ? "red" : "green",
    summary: failing.length
      ? `${failing.length} of ${checks.length} checks failing: ` +
        `${failing.map((c) => c.check_name).join(", ")}.`
      : `All ${checks.length} checks of private.job_health() pass.`,
    evidence: checks.map((c) => ({
      label: c.check_name,
      value: c.ok ? "ok" : `FAILING: ${JSON.stringify(ctx.pseudonym.scrub(c.detail))}`,
    })),
    charts: [],
  };
}
