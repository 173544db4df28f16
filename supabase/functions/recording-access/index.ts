// Edge Function entry point: the recordings broker (handler.ts).
import { createSql } from "../_shared/db.ts";
import { loadSessionEnv } from "../_shared/env.ts";
import { createBrokerHandler } from "./handler.ts";
import { storageSigner } from "./signer.ts";

const env = loadSessionEnv();
Deno.serve(createBrokerHandler({
  sql: createSql(env.dbUrl, { applicationName: "recording-access", max: 4 }),
  signer: storageSigner(env.supabaseUrl, env.serviceRoleKey, env.jwtSecret),
  jwtSecret: env.jwtSecret,
}));
