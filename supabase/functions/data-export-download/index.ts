// Edge Function entry point: an account holder's data export download (handler.ts).
import { createSql } from "../_shared/db.ts";
import { createDownloadHandler, storageExportSigner } from "./handler.ts";

function required(name: string, fallback?: string): string {
  const value = Deno.env.get(name) ?? (fallback ? Deno.env.get(fallback) : undefined);
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

Deno.serve(createDownloadHandler({
  sql: createSql(required("SUPABASE_DB_URL"), { applicationName: "data-export-download", max: 2 }),
  signer: storageExportSigner(required("SUPABASE_URL"), required("SUPABASE_SERVICE_ROLE_KEY")),
  jwtSecret: required("SUPABASE_JWT_SECRET", "JWT_SECRET"),
}));
