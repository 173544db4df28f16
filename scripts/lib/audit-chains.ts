// Verifying the audit trail against the heads the anchor sink holds (docs/AUDIT.md,
// "Anchoring"), shared by scripts/audit-verify.ts, `npm start`'s checks and the report.
//
// By default every head ever anchored is checked, not only each chain's latest: an insider who
// rewinds a chain and then appends past the old head (one record_events() call can add several
// events) gets a new latest head anchored that exists in the rewritten chain; only the older
// anchored head, which the rewrite removed, shows it. Each head costs verify_chains one
// primary-key lookup.
import { z } from "zod";
import type { Sql } from "../../supabase/functions/_shared/db.ts";
import type { AnchorSinkSettings } from "./stack-env.ts";

const Head = z.object({
  chain_id: z.string().uuid(),
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
const Digest = z.object({
  anchored_at: z.string().nullable().optional(),
  chains: z.array(Head),
});
export type Digest = z.infer<typeof Digest>;

/** A chain head that has not reached the sink for this long is a finding (as in job health). */
export const UNANCHORED_AFTER = "1 hour";

export interface ChainsVerdict {
  /** What the chains were verified against: the sink's heads, or only themselves. */
  against: "anchor_sink" | "self";
  verified: number;
  broken: number;
  /** Heads the sink returned (0 when verified against themselves). */
  anchored_heads: number;
  /** Chains whose head has not reached the sink for over UNANCHORED_AFTER (0 when "self"). */
  unanchored: number;
  broken_chains: { chain_id: string; broken_at_seq: number | null; problem: string | null }[];
}

/** The sink could not be read, so nothing was verified. */
export interface ChainsNotVerified {
  error: string;
}

export type AuditChainsCheck = ChainsVerdict | ChainsNotVerified;

/** The sink's heads: every head ever anchored, or with `latest` each chain's last one. */
export async function fetchAnchoredHeads(
  sink: AnchorSinkSettings,
  options: { latest?: boolean; fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<Digest> {
  const url = new URL(sink.headsUrl);
  if (!options.latest) url.searchParams.set("all", "true");
  const headers: Record<string, string> = { accept: "application/json" };
  if (sink.readToken) headers.authorization = `Bearer ${sink.readToken}`;
  const res = await (options.fetch ?? fetch)(url, {
    headers,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  // The origin only: a path or query may hold a credential.
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`the anchor sink at ${url.origin} answered HTTP ${res.status} for its heads`);
  }
  const parsed = Digest.safeParse(await res.json());
  if (!parsed.success) {
    throw new Error(`the anchor sink at ${url.origin} answered heads of an unknown shape`);
  }
  return parsed.data;
}

/**
 * audit.verify_chains(digest) (with no digest: each chain against itself), and with a digest the
 * chains whose head has not reached the sink for over UNANCHORED_AFTER. `sql` may be a
 * transaction, so a test can verify what only it can see.
 */
export async function verifyAuditChains(
  sql: Sql,
  digest: Digest | null,
  options: { unanchoredAfter?: string } = {},
): Promise<ChainsVerdict> {
  // Sent as text and cast in SQL: a parameter typed jsonb would be JSON-encoded once more.
  const text = digest === null ? null : JSON.stringify({ chains: digest.chains });
  const rows = await sql<
    { chain_id: string; ok: boolean; broken_at_seq: string | null; problem: string | null }[]
  >`select chain_id, ok, broken_at_seq::text, problem from audit.verify_chains(${text}::text::jsonb)`;
  let unanchored = 0;
  if (text !== null) {
    [{ unanchored }] = await sql<[{ unanchored: number }]>`
      select count(*)::int as unanchored
      from audit.chain_heads h
      where h.seq > 0 and h.updated_at < now() - ${
      options.unanchoredAfter ?? UNANCHORED_AFTER
    }::interval
        and h.seq > coalesce((
          select max((d ->> 'seq')::bigint)
          from jsonb_array_elements(${text}::text::jsonb -> 'chains') d
          where (d ->> 'chain_id')::uuid = h.chain_id
        ), 0)`;
  }
  const broken = rows.filter((r) => !r.ok);
  return {
    against: digest === null ? "self" : "anchor_sink",
    verified: rows.length - broken.length,
    broken: broken.length,
    anchored_heads: digest?.chains.length ?? 0,
    unanchored,
    broken_chains: broken.map((r) => ({
      chain_id: r.chain_id,
      broken_at_seq: r.broken_at_seq === null ? null : Number(r.broken_at_seq),
      problem: r.problem,
    })),
  };
}

/**
 * The audit chains against the sink's heads, or each against itself where no sink is configured
 * (a Supabase project whose ops have not provided one). A sink that cannot be read is a finding,
 * never an exception: the caller shows it as "not verified".
 */
export async function checkAuditChains(
  sql: Sql,
  sink: AnchorSinkSettings | null,
): Promise<AuditChainsCheck> {
  if (sink === null) return await verifyAuditChains(sql, null);
  try {
    return await verifyAuditChains(sql, await fetchAnchoredHeads(sink));
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Whether the check found nothing to act on. */
export function chainsOk(check: AuditChainsCheck): boolean {
  return !("error" in check) && check.broken === 0 && check.unanchored === 0;
}

/** The one line that says what was verified, against what, and what was found. */
export function auditChainsLine(check: AuditChainsCheck): string {
  if ("error" in check) return `audit chains: NOT verified: ${check.error}`;
  if (check.against === "self") {
    return `audit chains: ${check.verified} verified, ${check.broken} broken ` +
      "(each against itself only: no anchor sink configured)";
  }
  const heads = `${check.anchored_heads} anchored ${check.anchored_heads === 1 ? "head" : "heads"}`;
  return `audit chains: ${check.verified} verified against ${heads} from the sink, ` +
    `${check.broken} broken, ${check.unanchored} unanchored for over an hour`;
}
