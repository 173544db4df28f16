// Edge Function entry point: the recordings broker (handler.ts).
import { createSql } from "../_shared/db.ts";
import { createBrokerHandler } from "./handler.ts";
import { storageSigner } from "./signer.ts";

function required(name: string, fallback?: string): string {
  const value = Deno.env.get(name) ?? (fallback ? Deno.env.get(fallback) : undefined);
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

const jwtSecret = required("SUPABASE_JWT_SECRET", "JWT_SECRET");
Deno.serve(createBrokerHandler({
  sql: createSql(required("SUPABASE_DB_URL"), { applicationName: "recording-access", max: 4 }),
  signer: storageSigner(
    required("SUPABASE_URL"),
    required("SUPABASE_SERVICE_ROLE_KEY"),
    jwtSecret,
  ),
  jwtSecret,
}));
