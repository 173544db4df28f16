// Edge Function entry point: an account holder's data export download (handler.ts).
import { createSql } from "../_shared/db.ts";
import { loadSessionEnv } from "../_shared/env.ts";
import { createDownloadHandler, storageExportSigner } from "./handler.ts";

const env = loadSessionEnv();
Deno.serve(createDownloadHandler({
  sql: createSql(env.dbUrl, { applicationName: "data-export-download", max: 2 }),
  signer: storageExportSigner(env.supabaseUrl, env.serviceRoleKey),
  jwtSecret: env.jwtSecret,
}));
