// Edge Function entry point, called by Supabase Cron every minute (see the mail migration).
import { serveJob } from "../_shared/job/serve.ts";
import { mailConfigFromEnv } from "../_shared/mail/env.ts";
import { mailSender } from "./job.ts";

serveJob(mailSender(mailConfigFromEnv()));
