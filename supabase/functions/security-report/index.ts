// Edge Function entry point: public (verify_jwt = false in supabase/config.toml).
import { intakeDepsFromEnv } from "../_shared/security-report/deps.ts";
import { securityReportHandler } from "./handler.ts";

Deno.serve(securityReportHandler(intakeDepsFromEnv("security-report")));
