// Edge Function entry point, called by Supabase Cron every 5 minutes (see the account data
// export migration).
import { receiptSignerFrom } from "../_shared/dsr/receipt.ts";
import { loadJobEnv } from "../_shared/env.ts";
import { serveJob } from "../_shared/job/serve.ts";
import { dataExport } from "./job.ts";
import { storageExportStore } from "./store.ts";

const env = loadJobEnv();
serveJob(dataExport(
  storageExportStore(env.supabaseUrl, env.serviceRoleKey),
  receiptSignerFrom((name) => Deno.env.get(name)),
));
