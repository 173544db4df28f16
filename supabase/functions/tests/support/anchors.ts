// Test support for audit anchoring: the stack's anchor sink (AUDIT_ANCHOR_URL, from the
// environment or stack.env), jobs wired to it (or to an unreachable one, or to none), and
// observations of the anchor queue, the chain heads and what the sink holds. Tests that need
// the sink are ignored, with the reason printed, where none is configured; those that read the
// sink's stored anchors one by one need the local stand-in (scripts/stack/anchor-sink).
import { type AnchorSink, httpAnchorSink } from "../../_shared/anchor-sink.ts";
import type { Sql } from "../../_shared/db.ts";
import type { Job } from "../../_shared/job/define.ts";
import { type Digest, fetchAnchoredHeads } from "../../../../scripts/lib/audit-chains.ts";
import { loadAnchorSinkSettings } from "../../../../scripts/lib/stack-env.ts";
import { type JobOptions, type TestJob, testJob } from "./job.ts";

export const sinkSettings = loadAnchorSinkSettings();

/** What a test may need beyond the database. */
export type AnchorNeed = "sink" | "sink stand-in";

async function standInIsServing(): Promise<boolean> {
  if (sinkSettings === null) return false;
  try {
    const res = await fetch(new URL("/health", sinkSettings.url));
    const body = await res.json().catch(() => null);
    return res.ok && body?.status === "ok" && typeof body?.file === "string";
  } catch {
    return false;
  }
}

async function probe(): Promise<Partial<Record<AnchorNeed, string>>> {
  if (sinkSettings === null) {
    const reason = "AUDIT_ANCHOR_URL is not set (scripts/stack/up.sh starts a local sink)";
    return { "sink": reason, "sink stand-in": reason };
  }
  if (!await standInIsServing()) {
    return { "sink stand-in": `${new URL(sinkSettings.url).origin} is not the local stand-in` };
  }
  return {};
}

/** Why each need cannot be met here (absent: it can). */
export const anchorsUnavailable = await probe();

/** The stack's sink as the jobs reach it, or one at `url` (with `token`, the stack's unless given). */
export function stackSink(overrides: { url?: string; token?: string } = {}): AnchorSink {
  if (sinkSettings === null) throw new Error("no anchor sink configured");
  return httpAnchorSink({
    url: overrides.url ?? sinkSettings.url,
    token: "token" in overrides ? overrides.token : sinkSettings.token,
    timeoutMs: 5_000,
  });
}

/** A URL nothing listens on: a port that was free a moment ago. */
export function unreachableUrl(path = "/anchors"): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return `http://127.0.0.1:${port}${path}`;
}

/** The job wired to the stack as in production, publishing to `sink` (null: none configured). */
export function anchoredJob(job: Job, sink: AnchorSink | null, options: JobOptions = {}): TestJob {
  const base = testJob(job, options);
  const deps = { ...base.deps, anchorSink: sink };
  return { ...base, deps, handler: job.handler(deps) };
}

// ---- observations --------------------------------------------------------------------------

export interface AnchorRow {
  id: number;
  attempts: number;
  published: boolean;
  last_error: string | null;
  leased: boolean;
  /** Seconds until the anchor is due again (0: due). */
  due_in_s: number;
}

export async function maxAnchorId(sql: Sql): Promise<number> {
  const [{ id }] = await sql<[{ id: number }]>`
    select coalesce(max(id), 0)::int as id from private.audit_anchors`;
  return id;
}

/** The anchors queued after `afterId`, in id order. */
export async function anchorsAfter(sql: Sql, afterId: number): Promise<AnchorRow[]> {
  return [
    ...await sql<AnchorRow[]>`
    select id::int, attempts, published_at is not null as published, last_error,
      coalesce(leased_until > now(), false) as leased,
      extract(epoch from greatest(next_attempt_at, now()) - now())::float8 as due_in_s
    from private.audit_anchors where id > ${afterId} order by id`,
  ];
}

export async function pendingAnchorCount(sql: Sql): Promise<number> {
  const [{ n }] = await sql<[{ n: number }]>`
    select count(*)::int as n from private.audit_anchors where published_at is null`;
  return n;
}

/** Makes every unpublished anchor due and unleased (as if backoff and leases had run out). */
export async function makeAnchorsDue(sql: Sql): Promise<void> {
  await sql`
    update private.audit_anchors
    set next_attempt_at = now() - interval '1 second', leased_until = null
    where published_at is null`;
}

export interface HeadRow {
  chain_id: string;
  seq: number;
  hash: string;
}

/** The database's heads of these chains, as the sink stores heads. */
export async function chainHeads(sql: Sql, chainIds: string[]): Promise<HeadRow[]> {
  return [
    ...await sql<HeadRow[]>`
    select chain_id::text, seq::int, encode(hash, 'hex') as hash from audit.chain_heads
    where chain_id = any(${sql.array(chainIds)}::uuid[]) order by chain_id`,
  ];
}

/** The sink's heads of these chains: each chain's latest, or with `all` every one anchored. */
export async function sinkHeads(chainIds: string[], all = false): Promise<HeadRow[]> {
  const digest = await sinkDigest(all);
  return digest.chains.filter((h) => chainIds.includes(h.chain_id));
}

export async function sinkDigest(all = true): Promise<Digest> {
  if (sinkSettings === null) throw new Error("no anchor sink configured");
  return await fetchAnchoredHeads(sinkSettings, { latest: !all });
}

/** How many times the stand-in's append-only file holds each anchor id from `fromId` on. */
export async function storedIdCounts(fromId: number): Promise<Map<number, number>> {
  if (sinkSettings === null) throw new Error("no anchor sink configured");
  const res = await fetch(new URL("/health", sinkSettings.url));
  const { file } = await res.json() as { file: string };
  const counts = new Map<number, number>();
  for (const line of (await Deno.readTextFile(file)).split("\n")) {
    if (line.trim() === "") continue;
    const { id } = JSON.parse(line) as { id: number };
    if (id >= fromId) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
