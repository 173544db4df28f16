// Entry point of the local anchor sink stand-in (README.md): a stand-in of the append-only
// HTTPS endpoint ops own, where the scheduled jobs publish audit chain heads.
//   deno run --allow-net=127.0.0.1 --allow-env --allow-read --allow-write scripts/stack/anchor-sink/main.ts
import { createHandler } from "./app.ts";
import { AnchorStore } from "./store.ts";

function portFromEnv(): number {
  const raw = Deno.env.get("ANCHOR_SINK_PORT") || "54330";
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`ANCHOR_SINK_PORT must be a port number, got "${raw}"`);
  }
  return port;
}

const store = await AnchorStore.open(Deno.env.get("ANCHOR_SINK_FILE") || ".local/anchors.jsonl");
const handle = createHandler({
  store,
  token: Deno.env.get("ANCHOR_SINK_TOKEN") || undefined,
  readToken: Deno.env.get("ANCHOR_SINK_READ_TOKEN") || undefined,
});

const server = Deno.serve({
  hostname: Deno.env.get("ANCHOR_SINK_HOST") || "127.0.0.1",
  port: portFromEnv(),
  onListen: ({ hostname, port }) =>
    console.log(
      `anchor sink stand-in listening on http://${hostname}:${port} (${store.size} anchors in ` +
        `${store.path})`,
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
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
