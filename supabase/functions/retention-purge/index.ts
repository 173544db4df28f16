// Edge Function entry point. Called by Supabase Cron (pg_cron + pg_net, service-role key from
// Vault); the handler checks the caller itself, whatever verify_jwt is set to.
import { depsFromEnv } from "./deps.ts";
import { createRetentionPurgeHandler } from "./handler.ts";

Deno.serve(createRetentionPurgeHandler(depsFromEnv()));
