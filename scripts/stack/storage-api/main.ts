// Entry point of the local Storage API stand-in.
//   deno run --allow-net --allow-env --allow-read --allow-write scripts/stack/storage-api/main.ts

import { createHandler } from "./app.ts";
import { loadConfig } from "./config.ts";
import { createPool } from "./db.ts";
import { Disk } from "./disk.ts";
import { FaultStore } from "./faults.ts";

const config = loadConfig();
const sql = createPool(config.dbUrl);
const deps = {
  config,
  sql,
  disk: new Disk(config.storageRoot),
  faults: new FaultStore(),
  secret: new TextEncoder().encode(config.jwtSecret),
};
const handle = createHandler(deps);

const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) =>
    console.log(
      `storage-api stand-in listening on http://${hostname}:${port} (root ${deps.disk.root})`,
    ),
}, async (req) => {
  const started = performance.now();
  const res = await handle(req);
  const { pathname, search } = new URL(req.url);
  // One line per request: time, method, path, status, duration.
  console.log(
    `${new Date().toISOString()} ${req.method} ${pathname}${search} ${res.status} ${
      (performance.now() - started).toFixed(1)
    }ms`,
  );
  return res;
});

async function shutdown() {
  await server.shutdown();
  await sql.end({ timeout: 5 });
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
