// Runs one scheduled job's handler once, locally, as the scheduler would call it (there is no
// `supabase functions serve` here).
//   deno run -A scripts/run-job.ts <job-name> [json-body]
// Settings come from the environment (API_URL, DB_URL, SERVICE_ROLE_KEY, JWT_SECRET) or from
// .local/stack.env (scripts/lib/stack-env.ts), mapped to the edge runtime's names.
// Prints the job's JSON result; exits 1 when the job answered with a non-2xx status.
import {
  createAccountErasureHandler,
  JOB_NAME as ACCOUNT_ERASURE,
} from "../supabase/functions/account-erasure/handler.ts";
import { depsFromEnv as accountErasureDeps } from "../supabase/functions/account-erasure/deps.ts";
import {
  createRetentionPurgeHandler,
  JOB_NAME as RETENTION_PURGE,
} from "../supabase/functions/retention-purge/handler.ts";
import { depsFromEnv as retentionPurgeDeps } from "../supabase/functions/retention-purge/deps.ts";
import { loadStackEnv } from "./lib/stack-env.ts";

interface JobRunner {
  handler: (req: Request) => Promise<Response>;
  close: () => Promise<void>;
}

type EdgeEnv = Record<string, string | undefined>;

const JOBS: Record<string, (env: EdgeEnv) => JobRunner> = {
  [ACCOUNT_ERASURE]: (env) => {
    const deps = accountErasureDeps(env);
    return {
      handler: createAccountErasureHandler(deps),
      close: () => deps.sql.end({ timeout: 5 }),
    };
  },
  [RETENTION_PURGE]: (env) => {
    const deps = retentionPurgeDeps(env);
    return {
      handler: createRetentionPurgeHandler(deps),
      close: () => deps.sql.end({ timeout: 5 }),
    };
  },
};

/** The stack's settings under the names the edge runtime gives a deployed function. */
function edgeEnv(): EdgeEnv {
  const stack = loadStackEnv();
  return {
    SUPABASE_URL: stack.API_URL,
    SUPABASE_DB_URL: stack.DB_URL,
    SUPABASE_SERVICE_ROLE_KEY: stack.SERVICE_ROLE_KEY,
    SUPABASE_JWT_SECRET: stack.JWT_SECRET,
    STORAGE_TIMEOUT_MS: Deno.env.get("STORAGE_TIMEOUT_MS"),
  };
}

async function main(args: string[]): Promise<number> {
  const [name, body] = args;
  const job = name ? JOBS[name] : undefined;
  if (!job) {
    console.error(`usage: run-job.ts <${Object.keys(JOBS).join("|")}> [json-body]`);
    return 2;
  }
  const env = edgeEnv();
  const runner = job(env);
  try {
    const res = await runner.handler(
      new Request(`http://localhost/functions/v1/${name}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${env.SUPABASE_SERVICE_ROLE_KEY}`,
          "content-type": "application/json",
        },
        body: body ?? "",
      }),
    );
    const text = await res.text();
    try {
      console.log(JSON.stringify(JSON.parse(text), null, 2));
    } catch {
      console.log(text);
    }
    if (!res.ok) console.error(`${name}: HTTP ${res.status}`);
    return res.ok ? 0 : 1;
  } finally {
    await runner.close();
  }
}

Deno.exit(await main(Deno.args));
