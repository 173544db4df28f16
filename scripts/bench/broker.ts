// Benchmarks of the recordings broker (docs/RECORDING_ACCESS.md), for scripts/bench/main.ts:
//   recording_url_ms      what issuing one signed URL costs the project: the grant as the member
//                         (the Edge Function's transaction: role and claims, then
//                         public.recording_access, which checks membership and liveness and
//                         logs), Storage's lookup of the object as the service role, and the
//                         HS256 token Storage signs; HTTP hops between the services not included
//   access_log_window_ms  everything one user was granted in a 30-day window, over the access
//                         log built by access_log.sql (10,000,000 grants at scale 1)
import { SignJWT } from "jose";
import type postgres from "postgres";
import { requestSettings } from "./request.ts";
import { median, type Metric, quantile, r3 } from "./stats.ts";

type Sql = ReturnType<typeof postgres>;
const RECORDING_ACCESS_PATH = "/functions/v1/recording-access";
const secret = new TextEncoder().encode(
  Deno.env.get("JWT_SECRET") ?? "super-secret-jwt-token-with-at-least-32-characters-long",
);

/** Fills the access log as the superuser (psql on ADMIN_DB_URL); returns the seconds it took. */
export async function buildAccessLog(adminDbUrl: string, scale: number): Promise<number> {
  const t0 = performance.now();
  const here = new URL(".", import.meta.url).pathname;
  const { code } = await new Deno.Command("psql", {
    args: [
      adminDbUrl,
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      `set bench.scale = ${scale}`,
      "-f",
      `${here}access_log.sql`,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`access_log.sql failed (psql exit ${code})`);
  return (performance.now() - t0) / 1000;
}

export async function recordingUrlBench(sql: Sql, reps: number): Promise<Metric> {
  // Members and recordings of live surveys in their organisations, drawn across the dataset.
  const samples = await sql<{ user_id: string; recording_id: string; object_path: string }[]>`
    select m.user_id, r.id as recording_id, r.object_path
    from public.recordings r tablesample system (1)
    join public.surveys s on s.org_id = r.org_id and s.id = r.survey_id and s.deleted_at is null
    join public.memberships m on m.org_id = r.org_id and m.role = 'member'
    order by random()
    limit ${reps}`;
  if (samples.length === 0) throw new Error("no member/recording pairs to sample");
  const times: number[] = [];
  for (const s of samples) {
    const t0 = performance.now();
    const claims = { sub: s.user_id, role: "authenticated" };
    const [granted] = await sql.begin(async (tx) => {
      await requestSettings(tx as unknown as Sql, "authenticated", claims, RECORDING_ACCESS_PATH);
      return await tx`select public.recording_access(${s.recording_id}::uuid) as name`;
    });
    await sql`select id from storage.objects
              where bucket_id = 'recordings' and name = ${granted.name as string}`;
    await new SignJWT({ url: `recordings/${granted.name}`, scope: "download" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt().setExpirationTime("60s")
      .sign(secret);
    times.push(performance.now() - t0);
  }
  const value = r3(median(times));
  return {
    name: "recording_url_ms",
    value,
    unit: "ms",
    p95_ms: r3(quantile(times, 0.95)),
    samples: times.length,
    goal: "<= 5",
    met: value <= 5,
    how: "grant as the member (role, claims, public.recording_access: checks and log), the " +
      "object lookup and the HS256 token Storage signs; median over members and recordings drawn " +
      "at random; HTTP between the Edge Function, Postgres and Storage not included",
  };
}

export async function accessLogWindowBench(sql: Sql, reps: number): Promise<Metric> {
  const [{ rows }] = await sql<[{ rows: number }]>`
    select reltuples::bigint as rows from pg_class where oid = 'audit.recording_access'::regclass`;
  const [{ total }] = await sql<[{ total: number }]>`
    select coalesce(sum(c.reltuples), 0)::bigint as total from pg_inherits i
    join pg_class c on c.oid = i.inhrelid where i.inhparent = 'audit.recording_access'::regclass`;
  const users = await sql<{ user_id: string }[]>`
    select md5('u' || (1 + (random() * 2 * p.orgs)::int))::uuid as user_id
    from bench.params p, generate_series(1, ${reps})`;
  const times: number[] = [];
  const hits: number[] = [];
  const day = 86_400_000;
  for (const { user_id } of users) {
    const from = new Date(Date.now() - (30 + Math.floor(Math.random() * 360)) * day);
    const to = new Date(from.getTime() + 30 * day);
    const t0 = performance.now();
    const found = await sql`
      select * from private.recording_access_by_user(${user_id}::uuid, ${from}, ${to})`;
    times.push(performance.now() - t0);
    hits.push(found.length);
  }
  const value = r3(median(times));
  return {
    name: "access_log_window_ms",
    value,
    unit: "ms",
    p95_ms: r3(quantile(times, 0.95)),
    access_log_rows: Number(total) || Number(rows),
    rows_per_answer: Math.round(median(hits)),
    samples: times.length,
    goal: "<= 100",
    met: value <= 100,
    how: "private.recording_access_by_user over a random 30-day window for a random user, " +
      "every row fetched; median",
  };
}
