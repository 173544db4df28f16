// Runs one scheduled job's handler once, locally, as the scheduler would call it (there is no
// `supabase functions serve` here).
//   deno run -A scripts/run-job.ts <job-name> [json-body]
// Settings come from the environment (API_URL, DB_URL, SERVICE_ROLE_KEY, JWT_SECRET) or from
// .local/stack.env (written by scripts/stack/up.sh), mapped to the edge runtime's names.
// Prints the job's JSON result; exits 1 when the job answered with a non-2xx status.
import {
  createRetentionPurgeHandler,
  JOB_NAME as RETENTION_PURGE,
} from "../supabase/functions/retention-purge/handler.ts";
import { depsFromEnv as retentionPurgeDeps } from "../supabase/functions/retention-purge/deps.ts";

interface JobRunner {
  handler: (req: Request) => Promise<Response>;
  close: () => Promise<void>;
}

type EdgeEnv = Record<string, string | undefined>;

// Add the next job (account-erasure) here.
const JOBS: Record<string, (env: EdgeEnv) => JobRunner> = {
  [RETENTION_PURGE]: (env) => {
    const deps = retentionPurgeDeps(env);
    return { handler: createRetentionPurgeHandler(deps), close: () => deps.sql.end({ timeout: 5 }) };
  },
};

function readStackEnv(path: string): Record<string, string> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return {};
  }
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) values[match[1]] = match[2].trim();
  }
  return values;
}

function edgeEnv(): EdgeEnv {
  const root = new URL("..", import.meta.url).pathname;
  const file = readStackEnv(Deno.env.get("STACK_ENV_FILE") ?? `${root}.local/stack.env`);
  const get = (name: string) => Deno.env.get(name) ?? file[name];
  return {
    SUPABASE_URL: get("API_URL"),
    SUPABASE_DB_URL: get("DB_URL"),
    SUPABASE_SERVICE_ROLE_KEY: get("SERVICE_ROLE_KEY"),
    SUPABASE_JWT_SECRET: get("JWT_SECRET"),
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
