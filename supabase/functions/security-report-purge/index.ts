// Edge Function entry point, called by Supabase Cron daily (see the security-reports migration).
import { serveJob } from "../_shared/job/serve.ts";
import { securityReportPurge } from "./job.ts";

serveJob(securityReportPurge);
