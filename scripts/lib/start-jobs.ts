// `npm start`'s last step: runs each named job once (as the scheduler would), runs the checks,
// and prints a short summary for a person, or with --json (or CLUSO_OUTPUT=json) one JSON
// document {jobs, checks}. The functions' own logs are left out unless CLUSO_LOGS=1 (then on
// stderr). Exits 1 when a job did not answer ok.
//   deno run -A scripts/lib/start-jobs.ts [--json] <job-name>...
import postgres from "postgres";
import type { Sql } from "../../supabase/functions/_shared/db.ts";
import { silentLogger } from "../../supabase/functions/_shared/logger.ts";
import type { JobReport } from "../../supabase/functions/_shared/job/report.ts";
import { checkAuditChains } from "./audit-chains.ts";
import { type Checks, humanSummary } from "./job-summary.ts";
import { JOBS, runLocalJob, stderrLogger } from "./local-job.ts";
import { loadAnchorSinkSettings, loadStackEnv } from "./stack-env.ts";

async function readChecks(): Promise<Checks> {
  const sql = postgres(loadStackEnv().DB_URL, { max: 1, onnotice: () => {} }) as unknown as Sql;
  try {
    const audit_chains = await checkAuditChains(sql, loadAnchorSinkSettings());
    const [reconciliation] = await sql<[{ problems: number }]>`
      select count(*)::int as problems from private.reconcile_recordings()`;
    return { audit_chains, recordings_reconciliation: { ...reconciliation } };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function main(args: string[]): Promise<number> {
  const asJson = args.includes("--json") || Deno.env.get("CLUSO_OUTPUT") === "json";
  const names = args.filter((a) => a !== "--json");
  const unknown = names.filter((n) => !JOBS.has(n));
  if (unknown.length > 0) {
    console.error(`unknown job(s): ${unknown.join(", ")}; known: ${[...JOBS.keys()].join(", ")}`);
    return 2;
  }
  const withLogs = Deno.env.get("CLUSO_LOGS") === "1";
  const reports: JobReport[] = [];
  for (const name of names) {
    const logger = withLogs ? stderrLogger(name) : silentLogger;
    reports.push((await runLocalJob(JOBS.get(name)!, "", logger)).report);
  }
  const checks = await readChecks();
  console.log(
    asJson ? JSON.stringify({ jobs: reports, checks }, null, 2) : humanSummary(reports, checks),
  );
  return reports.every((r) => r.ok) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
