// Tests of the anchor sink stand-in, in process over a temporary file: what the jobs and the
// verifier rely on from any sink (append-only, idempotent by anchor id, a conflict never
// overwrites, every acknowledged anchor survives a restart, the heads as a verify_chains digest).
//   node_modules/.bin/deno test -A scripts/stack/anchor-sink/anchor_sink_test.ts
import assert from "node:assert/strict";
import { createHandler } from "./app.ts";
import { type Anchor, AnchorStore } from "./store.ts";

const TOKEN = "test-token";
const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const hash = (n: number) => n.toString(16).padStart(64, "0");
const anchor = (id: number, heads: [string, number][]): Anchor => ({
  id,
  created_at: `2026-11-29 10:00:0${id % 10}+00`,
  heads: heads.map(([chain_id, seq]) => ({ chain_id, seq, hash: hash(seq) })),
});

async function withSink(
  fn: (
    call: (path: string, init?: RequestInit) => Promise<Response>,
    file: string,
  ) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/anchors.jsonl`;
  try {
    const handle = createHandler({ store: await AnchorStore.open(file), token: TOKEN });
    await fn((path, init) => handle(new Request(`http://sink${path}`, init)), file);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function post(anchors: unknown, token = TOKEN): RequestInit {
  return {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ anchors }),
  };
}

Deno.test("anchors are appended once per id, and the heads are the latest per chain", async () => {
  await withSink(async (call, file) => {
    const first = await call("/anchors", post([anchor(1, [[A, 1]]), anchor(2, [[A, 3], [B, 1]])]));
    assert.deepEqual(await first.json(), { accepted: 2, duplicates: 0 });
    // A run whose answer was lost sends the same anchors again, with a new one.
    const again = await call("/anchors", post([anchor(2, [[A, 3], [B, 1]]), anchor(3, [[B, 2]])]));
    assert.deepEqual(await again.json(), { accepted: 1, duplicates: 1 });

    const lines = (await Deno.readTextFile(file)).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.id), [1, 2, 3], "each id stored once, in order");

    const heads = await (await call("/heads")).json();
    assert.deepEqual(heads.chains, [
      { chain_id: A, seq: 3, hash: hash(3) },
      { chain_id: B, seq: 2, hash: hash(2) },
    ]);
    assert.equal(heads.anchors, 3);
    assert.equal(typeof heads.anchored_at, "string");
    const all = await (await call("/heads?all=true")).json();
    assert.deepEqual(all.chains.map((h: { seq: number }) => h.seq), [1, 3, 1, 2]);
    const listed = await (await call("/anchors?from=2")).json();
    assert.deepEqual(listed.anchors.map((a: Anchor) => a.id), [2, 3]);
  });
});

Deno.test("an id sent again with other heads is a conflict and nothing is stored", async () => {
  await withSink(async (call) => {
    await (await call("/anchors", post([anchor(5, [[A, 4]])]))).body?.cancel();
    const res = await call("/anchors", post([anchor(6, [[B, 1]]), anchor(5, [[A, 2]])]));
    assert.equal(res.status, 409);
    assert.deepEqual((await res.json()).conflicts, [5]);
    const heads = await (await call("/heads")).json();
    assert.deepEqual(heads.chains, [{ chain_id: A, seq: 4, hash: hash(4) }]);
    assert.equal(heads.anchors, 1);
  });
});

Deno.test("writes need the token; bad bodies are refused naming the field", async () => {
  await withSink(async (call) => {
    assert.equal((await call("/anchors", post([anchor(1, [[A, 1]])], "wrong"))).status, 401);
    const noToken = await call("/anchors", { method: "POST", body: "{}" });
    assert.equal(noToken.status, 401);
    const cases: [unknown, RegExp][] = [
      [[], /anchors/],
      [
        [{ id: 1, created_at: "x", heads: [{ chain_id: "nope", seq: 1, hash: hash(1) }] }],
        /chain_id/,
      ],
      [[{ id: 1, created_at: "x", heads: [{ chain_id: A, seq: 1, hash: "zz" }] }], /hash/],
      [[{ id: -1, created_at: "x", heads: [{ chain_id: A, seq: 1, hash: hash(1) }] }], /id/],
    ];
    for (const [anchors, field] of cases) {
      const res = await call("/anchors", post(anchors));
      assert.equal(res.status, 400, JSON.stringify(anchors));
      assert.match((await res.json()).error, field);
    }
    const text = await call("/anchors", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "text/plain" },
      body: "{}",
    });
    assert.equal(text.status, 415);
    await text.body?.cancel();
    assert.equal((await (await call("/heads")).json()).anchors, 0);
    assert.equal((await call("/heads", { method: "DELETE" })).status, 405);
    assert.equal((await call("/nowhere")).status, 404);
  });
});

Deno.test("acknowledged anchors survive a restart; a torn last line is cut off", async () => {
  await withSink(async (call, file) => {
    await (await call("/anchors", post([anchor(1, [[A, 1]]), anchor(2, [[A, 2]])]))).body
      ?.cancel();
    // A crash in the middle of the next write, never acknowledged.
    await Deno.writeTextFile(file, '{"id": 3, "created_at": "x", "hea', { append: true });

    const reopened = await AnchorStore.open(file);
    assert.equal(reopened.size, 2);
    assert.deepEqual(reopened.digest().chains, [{ chain_id: A, seq: 2, hash: hash(2) }]);
    const handle = createHandler({ store: reopened, token: TOKEN });
    const res = await handle(new Request("http://sink/anchors", post([anchor(3, [[A, 3]])])));
    assert.deepEqual(await res.json(), { accepted: 1, duplicates: 0 });
    assert.equal((await AnchorStore.open(file)).size, 3, "the next append is a line of its own");
  });
});

Deno.test("with a read token, reads need it: the jobs' write token reads nothing, and it writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const handle = createHandler({
      store: await AnchorStore.open(`${dir}/anchors.jsonl`),
      token: TOKEN,
      readToken: "read-token",
    });
    const call = (path: string, init?: RequestInit) =>
      handle(new Request(`http://sink${path}`, init));
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    assert.equal((await call("/anchors", post([anchor(1, [[A, 1]])]))).status, 200);
    assert.equal((await call("/anchors", post([anchor(2, [[A, 2]])], "read-token"))).status, 401);
    for (const path of ["/heads", "/heads?all=true", "/anchors?from=1"]) {
      for (const init of [undefined, bearer(TOKEN), bearer("wrong")]) {
        const res = await call(path, init);
        await res.body?.cancel();
        assert.equal(res.status, 401, `${path} ${JSON.stringify(init)}`);
      }
      assert.equal((await call(path, bearer("read-token"))).status, 200, path);
    }
    const heads = await (await call("/heads", bearer("read-token"))).json();
    assert.deepEqual(heads.chains, [{ chain_id: A, seq: 1, hash: hash(1) }]);
    assert.equal((await call("/health")).status, 200, "health needs no token");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
