// Verifies the audit trail against the external anchor sink (docs/AUDIT.md, "Anchoring"): reads
// the heads the sink holds, runs audit.verify_chains(<those heads>), prints one line on stdout
// (each broken chain on stderr), and exits 1 when a chain is broken or a chain's head has not
// reached the sink for over an hour, 2 when it could not verify at all. Run daily by ops.
//   deno run -A scripts/audit-verify.ts [--latest]
//     --latest   only each chain's latest anchored head (faster; misses a chain rewound and then
//                extended past its old head, which the default, every anchored head, catches)
// Settings, from the environment or the stack's stack.env (scripts/lib/stack-env.ts): DB_URL (a
// role with EXECUTE on audit.verify_chains and SELECT on audit.chain_heads), AUDIT_ANCHOR_URL or
// AUDIT_ANCHOR_HEADS_URL, and AUDIT_ANCHOR_READ_TOKEN when the sink wants one for reads.
import postgres from "postgres";
import type { Sql } from "../supabase/functions/_shared/db.ts";
import {
  auditChainsLine,
  chainsOk,
  fetchAnchoredHeads,
  verifyAuditChains,
} from "./lib/audit-chains.ts";
import { loadAnchorSinkSettings, stackSetting } from "./lib/stack-env.ts";

async function main(args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== "--latest");
  if (unknown.length > 0) {
    console.error(`unknown argument(s): ${unknown.join(" ")}; usage: audit-verify.ts [--latest]`);
    return 2;
  }
  const dbUrl = stackSetting("DB_URL");
  const sink = loadAnchorSinkSettings();
  if (!dbUrl || !sink) {
    console.error(
      "audit-verify needs DB_URL and AUDIT_ANCHOR_URL (or AUDIT_ANCHOR_HEADS_URL) in the " +
        "environment or in the stack's stack.env",
    );
    return 2;
  }
  let digest;
  try {
    digest = await fetchAnchoredHeads(sink, { latest: args.includes("--latest") });
  } catch (err) {
    console.log(auditChainsLine({ error: (err as Error).message }));
    return 2;
  }
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} }) as unknown as Sql;
  try {
    const verdict = await verifyAuditChains(sql, digest);
    console.log(auditChainsLine(verdict));
    for (const chain of verdict.broken_chains) {
      console.error(`  chain ${chain.chain_id}: at seq ${chain.broken_at_seq}: ${chain.problem}`);
    }
    return chainsOk(verdict) ? 0 : 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

Deno.exit(await main(Deno.args));
