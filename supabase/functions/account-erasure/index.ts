// Edge Function entry point, called by Supabase Cron (see the jobs migration).
import { serveJob } from "../_shared/job/serve.ts";
import { accountErasure } from "./job.ts";

serveJob(accountErasure);
