// Edge Function entry point: an organisation admin's export of one respondent (handler.ts).
import { createSql } from "../_shared/db.ts";
import { loadSessionEnv } from "../_shared/env.ts";
import { createRespondentExportHandler, storageAudioSource } from "./handler.ts";

const env = loadSessionEnv();
Deno.serve(createRespondentExportHandler({
  sql: createSql(env.dbUrl, { applicationName: "respondent-export", max: 2 }),
  audio: storageAudioSource(env.supabaseUrl, env.serviceRoleKey),
  jwtSecret: env.jwtSecret,
}));
