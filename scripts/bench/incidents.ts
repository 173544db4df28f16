// Benchmark of incident scoping (docs/INCIDENT_RESPONSE.md), for scripts/bench/main.ts:
//   incident_scope_s  opening and scoping an incident for one compromised member over a 30-day
//                     window: the member's organisations from the membership history, the
//                     counts per category of each, the organisations' members while exposed,
//                     the member's grants from the access log (built by access_log.sql) and the
//                     frozen rows written. Each run is rolled back (the audit trail is
//                     append-only, so nothing is left behind).
import type postgres from "postgres";
import { inRolledBackTransaction } from "./rollback.ts";
import { median, type Metric, r3 } from "./stats.ts";

type Sql = ReturnType<typeof postgres>;

export async function incidentScopeBench(sql: Sql, reps: number): Promise<Metric> {
  // The members (users orgs+1..2*orgs of scripts/bench/build.sql) each belong to 3 organisations.
  const users = await sql<{ user_id: string }[]>`
    select md5('u' || (p.orgs + 1 + (random() * (p.orgs - 1))::int))::uuid as user_id
    from bench.params p, generate_series(1, ${reps})`;
  const times: number[] = [];
  let last: Record<string, number> = {};
  for (const { user_id } of users) {
    const t0 = performance.now();
    last = await inRolledBackTransaction(sql, async (tx) => {
      const [{ summary }] = await tx<[{ summary: Record<string, number> }]>`
        select private.incident_scope(private.incident_open(now(), jsonb_build_object(
          'accounts', jsonb_build_array(${user_id}::uuid),
          'window', jsonb_build_object('from', now() - interval '30 days', 'to', now()))))
          as summary`;
      times.push(performance.now() - t0);
      return summary;
    });
  }
  const value = r3(median(times) / 1000);
  return {
    name: "incident_scope_s",
    value,
    unit: "s",
    max_s: r3(Math.max(...times) / 1000),
    samples: times.length,
    last_scope: last,
    goal: "<= 2",
    met: value <= 2,
    how: "private.incident_open + private.incident_scope for a random member of 3 " +
      "organisations over the last 30 days, in a transaction rolled back; median",
  };
}
