// What each of the permanent deletion's guarantees costs, for scripts/bench/main.ts:
//   purge_guarantee_costs  private.hard_delete_surveys on a batch of live surveys, beside copies
//                          of it each without one guarantee (scripts/bench/purge_parts.sql:
//                          the Storage outbox row per object, the audit event per survey, the
//                          child counts that event carries) and beside a plain cascading DELETE
//                          of the same batch. Every run is rolled back, so all five run on the
//                          same surveys, in a rotating order, and nothing is consumed.
// The figure is the cascade's throughput over the full function's on these batches; each
// guarantee's cost is the full function's median minus its copy's, and `ratio_without_<g>` is
// what purge_vs_cascade_delete_ratio would read with that guarantee dropped.
import type postgres from "postgres";
import { inRolledBackTransaction } from "./rollback.ts";
import { median, type Metric, r3, sample } from "./stats.ts";

type Sql = ReturnType<typeof postgres>;

const variants = {
  full: "private.hard_delete_surveys",
  without_outbox: "bench.hard_delete_surveys_nooutbox",
  without_audit: "bench.hard_delete_surveys_noaudit",
  without_counts: "bench.hard_delete_surveys_nocounts",
} as const;
type Variant = keyof typeof variants | "cascade";

/** The milliseconds one run took, rolled back; checks that it deleted the whole batch. */
function rolledBack(sql: Sql, variant: Variant, ids: string[]): Promise<number> {
  return inRolledBackTransaction(sql, async (tx) => {
    const t0 = performance.now();
    const deleted = variant === "cascade"
      ? (await tx`delete from public.surveys where id = any(${ids}::uuid[])`).count
      : (await tx.unsafe(`select ${variants[variant]}($1::uuid[], 'bench', 'bench') as r`, [
        ids,
      ]))[0].r.surveys;
    const ms = performance.now() - t0;
    if (deleted !== ids.length) {
      throw new Error(`purge_guarantees: ${variant} deleted ${deleted} of ${ids.length} surveys`);
    }
    return ms;
  });
}

export async function purgeGuaranteeCosts(sql: Sql, batch: number, reps: number): Promise<Metric> {
  // Live surveys of the regular organisations: each has its children and its Storage folder
  // (an object per recording and two strays), like a survey the purge takes.
  const pool = (await sql<{ id: string }[]>`
    select s.id::text as id from bench.survey_map m, bench.params p, public.surveys s
    where m.org_no <= p.orgs and s.id = md5('s' || m.n)::uuid and s.deleted_at is null`)
    .map((r) => r.id);
  if (pool.length < batch) throw new Error(`purge_guarantees: ${pool.length} live surveys`);
  const order: Variant[] = ["cascade", "full", "without_outbox", "without_audit", "without_counts"];
  const times = Object.fromEntries(order.map((v) => [v, [] as number[]])) as Record<
    Variant,
    number[]
  >;
  for (let rep = -2; rep < reps; rep++) {
    // A random batch: the surveys a purge takes are spread over the tables too.
    const ids = sample(pool, batch);
    for (let k = 0; k < order.length; k++) {
      const v = order[(k + rep + 2) % order.length];
      const ms = await rolledBack(sql, v, ids);
      if (rep >= 0) times[v].push(ms);
    }
  }
  const m = Object.fromEntries(order.map((v) => [v, median(times[v])])) as Record<Variant, number>;
  return {
    name: "purge_guarantee_costs",
    value: r3(m.cascade / m.full),
    unit: "ratio",
    how:
      "cascading DELETE over private.hard_delete_surveys on the same random batch of live surveys, each run rolled back; each guarantee's cost = the full function minus a copy without it",
    surveys_per_batch: batch,
    reps,
    cascade_ms: r3(m.cascade),
    full_ms: r3(m.full),
    outbox_ms: r3(m.full - m.without_outbox),
    audit_ms: r3(m.full - m.without_audit),
    counts_ms: r3(m.full - m.without_counts),
    ratio_without_outbox: r3(m.cascade / m.without_outbox),
    ratio_without_audit: r3(m.cascade / m.without_audit),
    ratio_without_counts: r3(m.cascade / m.without_counts),
  };
}
