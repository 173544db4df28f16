// Edge Function entry point. Called by Supabase Cron every 30 minutes (pg_cron + pg_net,
// service-role key from Vault); the handler checks the caller itself, whatever verify_jwt is
// set to.
import { depsFromEnv } from "./deps.ts";
import { createAccountErasureHandler } from "./handler.ts";

Deno.serve(createAccountErasureHandler(depsFromEnv()));
