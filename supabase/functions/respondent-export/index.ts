// Edge Function entry point: an organisation admin's export of one respondent (handler.ts).
import { createSql } from "../_shared/db.ts";
import { createRespondentExportHandler, storageAudioSource } from "./handler.ts";

function required(name: string, fallback?: string): string {
  const value = Deno.env.get(name) ?? (fallback ? Deno.env.get(fallback) : undefined);
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

Deno.serve(createRespondentExportHandler({
  sql: createSql(required("SUPABASE_DB_URL"), { applicationName: "respondent-export", max: 2 }),
  audio: storageAudioSource(required("SUPABASE_URL"), required("SUPABASE_SERVICE_ROLE_KEY")),
  jwtSecret: required("SUPABASE_JWT_SECRET", "JWT_SECRET"),
}));
