// Edge Function entry point, called by Supabase Cron daily (see the data-subject-requests
// migration).
import { serveJob } from "../_shared/job/serve.ts";
import { dsrLedgerPurge } from "./job.ts";

serveJob(dsrLedgerPurge);
