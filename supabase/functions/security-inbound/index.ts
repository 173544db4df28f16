// Edge Function entry point: called by the mail provider's inbound webhook, which cannot send
// a Supabase JWT (verify_jwt = false); the body's HMAC signature authenticates it instead.
import { intakeDepsFromEnv } from "../_shared/security-report/deps.ts";
import { securityInboundHandler } from "./handler.ts";

Deno.serve(securityInboundHandler(intakeDepsFromEnv("security-inbound")));
