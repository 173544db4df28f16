// scripts/audit-verify.ts against the stack's database and a sink served by the test itself, so
// what the sink holds is known: it exits 1 naming a chain whose anchored head the database no
// longer has, reads every anchored head unless told --latest, exits 2 when it cannot verify,
// and counts a chain whose head never reached the sink.
//   node_modules/.bin/deno test -A scripts/audit-verify_test.ts
import assert from "node:assert/strict";
import postgres from "postgres";
import type { Sql } from "../supabase/functions/_shared/db.ts";
import { chainsOk, type Digest, verifyAuditChains } from "./lib/audit-chains.ts";
import { loadStackEnv } from "./lib/stack-env.ts";

const stack = loadStackEnv();
const root = new URL("../", import.meta.url).pathname;

interface FakeSink {
  url: string;
  /** The query of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

function fakeSink(answer: (all: boolean) => Response): FakeSink {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    requests.push(url.search);
    return answer(url.searchParams.get("all") === "true");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}

const serving = (digest: Digest) => () => Response.json(digest);

async function verify(sink: FakeSink | null, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", "scripts/audit-verify.ts", ...args],
    cwd: root,
    env: {
      DB_URL: stack.DB_URL,
      AUDIT_ANCHOR_URL: sink ? `${sink.url}/anchors` : "",
      AUDIT_ANCHOR_HEADS_URL: sink ? `${sink.url}/heads` : "",
    },
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout).trim(), stderr: text.decode(stderr) };
}

/** A new organisation's chain with one event; its head as the sink would hold it. */
async function freshChain(sql: Sql) {
  const org = crypto.randomUUID();
  await sql`insert into public.organizations (id, name) values (${org}, ${"Test " + org})`;
  await sql`select audit.record_event('survey.soft_deleted', ${org}, 'public.surveys',
    ${crypto.randomUUID()}, 'user_request', p_actor_job => 'audit_verify_test')`;
  const [head] = await sql<[{ chain_id: string; seq: number; hash: string }]>`
    select chain_id::text, seq::int, encode(hash, 'hex') as hash
    from audit.chain_heads where chain_id = ${org}`;
  return head;
}

function test(name: string, fn: (sql: Sql) => Promise<void>) {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const sql = postgres(stack.DB_URL, { max: 2, onnotice: () => {} }) as unknown as Sql;
      try {
        await fn(sql);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  });
}

test("exits 1 and names the chain whose anchored head the database no longer has", async (sql) => {
  const head = await freshChain(sql);
  const sink = fakeSink(serving({ chains: [{ ...head, seq: head.seq + 1 }] }));
  try {
    const { code, stdout, stderr } = await verify(sink);
    assert.equal(code, 1, stdout + stderr);
    assert.match(
      stdout,
      /^audit chains: \d+ verified against 1 anchored head from the sink, [1-9]/,
    );
    assert.ok(
      stderr.includes(`chain ${head.chain_id}: at seq ${head.seq + 1}: the exported head is gone`),
      stderr,
    );
  } finally {
    await sink.close();
  }
});

test("reads every anchored head, or with --latest each chain's last", async (sql) => {
  const head = await freshChain(sql);
  const digest = { chains: [head] };
  const sink = fakeSink(serving(digest));
  try {
    const all = await verify(sink);
    const latest = await verify(sink, "--latest");
    assert.deepEqual(sink.requests, ["?all=true", ""]);
    const expectedCode = chainsOk(await verifyAuditChains(sql, digest)) ? 0 : 1;
    for (const run of [all, latest]) {
      assert.equal(run.code, expectedCode, run.stdout + run.stderr);
      assert.match(
        run.stdout,
        /^audit chains: \d+ verified against 1 anchored head from the sink, \d+ broken, \d+ unanchored for over an hour$/,
      );
      assert.ok(!run.stderr.includes(head.chain_id), "a matching head is not a finding");
    }
  } finally {
    await sink.close();
  }
});

test("exits 2 when the sink cannot be read or none is configured", async () => {
  const sink = fakeSink(() => new Response("down", { status: 503 }));
  try {
    const down = await verify(sink);
    assert.equal(down.code, 2);
    assert.equal(
      down.stdout,
      `audit chains: NOT verified: the anchor sink at ${sink.url} answered HTTP 503 for its heads`,
    );
  } finally {
    await sink.close();
  }
  const none = await verify(null);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /needs DB_URL and AUDIT_ANCHOR_URL/);
});

test("a chain whose head never reached the sink is counted as unanchored", async (sql) => {
  const head = await freshChain(sql);
  const soon = { unanchoredAfter: "0 seconds" };
  const without = await verifyAuditChains(sql, { chains: [] }, soon);
  const withIt = await verifyAuditChains(sql, { chains: [head] }, soon);
  assert.equal(without.unanchored - withIt.unanchored, 1);
  assert.equal(chainsOk(without), false);
});
