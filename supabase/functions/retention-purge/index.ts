// Edge Function entry point, called by Supabase Cron (see the jobs migration).
import { serveJob } from "../_shared/job/serve.ts";
import { retentionPurge } from "./job.ts";

serveJob(retentionPurge);
