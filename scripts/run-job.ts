// Runs one scheduled job once, locally, as the scheduler would call it, and prints its JSON
// report on stdout (the function's own structured logs go to stderr).
//   deno run -A scripts/run-job.ts <job-name> [json-body]
// Settings come from the environment (API_URL, DB_URL, SERVICE_ROLE_KEY, JWT_SECRET) or from
// the stack's stack.env (scripts/lib/stack-env.ts). Exits 1 when the job answered non-2xx.
import { JOBS, runLocalJob, stderrLogger } from "./lib/local-job.ts";

async function main(args: string[]): Promise<number> {
  const [name, body] = args;
  const job = name ? JOBS.get(name) : undefined;
  if (!job) {
    console.error(`usage: run-job.ts <${[...JOBS.keys()].join("|")}> [json-body]`);
    return 2;
  }
  const { status, report } = await runLocalJob(job, body ?? "", stderrLogger(job.name));
  console.log(JSON.stringify(report, null, 2));
  if (status >= 300) console.error(`${job.name}: HTTP ${status}`);
  return status < 300 ? 0 : 1;
}

Deno.exit(await main(Deno.args));
