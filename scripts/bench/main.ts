// `npm run bench`: builds the synthetic dataset (scripts/bench/build.sql) in the local stack and
// measures the data-protection design's costs, each subject interleaved with its baseline in
// this one process. Prints one JSON object per line on stdout and writes the same array to
// bench/results.json. What each figure means: docs/BENCHMARKS.md.
//
// Flags: --scale <n> (1 = 1,000 organisations, 100,000 surveys, 1,000,000 responses and
// recordings), --quick (= --scale 0.05), --reps <n> (RLS repetitions per query),
// --purge-batch <n> (surveys per purge call), --erasure-batch <n>, --skip-build.
import postgres from "postgres";
import { accessLogWindowBench, buildAccessLog, recordingUrlBench } from "./broker.ts";
import { incidentScopeBench } from "./incidents.ts";
import { purgeGuaranteeCosts } from "./purge_parts.ts";
import { exportBench } from "./export.ts";
import { requestSettings } from "./request.ts";
import { median, type Metric, quantile, r3, shuffle, timed } from "./stats.ts";

type Sql = ReturnType<typeof postgres>;

// ---------------------------------------------------------------------------------------------
// Arguments and connections

function parseArgs(argv: string[]) {
  const opts = {
    scale: 1,
    quick: false,
    reps: 0,
    purgeBatch: 500,
    erasureBatch: 200,
    auditBatch: 25,
    auditReps: 0,
    skipBuild: false,
    only: [] as string[],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === "--quick") opts.quick = true;
    else if (a === "--scale") opts.scale = next();
    else if (a === "--reps") opts.reps = Math.round(next());
    else if (a === "--purge-batch") opts.purgeBatch = Math.round(next());
    else if (a === "--erasure-batch") opts.erasureBatch = Math.round(next());
    else if (a === "--audit-batch") opts.auditBatch = Math.round(next());
    else if (a === "--audit-reps") opts.auditReps = Math.round(next());
    else if (a === "--skip-build") opts.skipBuild = true;
    else if (a === "--only") opts.only = String(argv[++i] ?? "").split(",");
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.quick && !argv.includes("--scale")) opts.scale = 0.05;
  if (!opts.reps) opts.reps = opts.scale >= 0.5 ? 600 : 200;
  if (!opts.auditReps) opts.auditReps = opts.scale >= 0.5 ? 60 : 30;
  return opts;
}

const opts = parseArgs(Deno.args);
const DB_URL = Deno.env.get("DB_URL");
if (!DB_URL) throw new Error("DB_URL is not set (run through scripts/bench.sh)");

const connect = () =>
  postgres(DB_URL, {
    max: 1,
    onnotice: () => {},
    idle_timeout: 0,
    connection: { application_name: "cluso-bench" },
  });

const log = (msg: string) => console.error(`[bench] ${msg}`);
// Expected durations on the 2-core machine of docs/BENCHMARKS.md, so a long phase never looks hung.
const roughly = (seconds: number) =>
  seconds < 60 ? "under a minute" : `about ${Math.round(seconds / 60)} minutes`;
const results: Metric[] = [];
function emit(m: Metric) {
  results.push(m);
  console.log(JSON.stringify(m));
}

// ---------------------------------------------------------------------------------------------
// Clock and sampling

const now = () => performance.now();

// ---------------------------------------------------------------------------------------------
// Build

// Runs one of this folder's SQL files through psql with the scale set; returns its seconds.
async function runSqlFile(file: string): Promise<number> {
  const t0 = now();
  const here = new URL(".", import.meta.url).pathname;
  const cmd = new Deno.Command("psql", {
    args: [
      DB_URL!,
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      `set bench.scale = ${opts.scale}`,
      "-f",
      `${here}${file}`,
    ],
    stdout: "inherit",
    stderr: "inherit",
  });
  const { code } = await cmd.output();
  if (code !== 0) throw new Error(`${file} failed (psql exit ${code})`);
  return (now() - t0) / 1000;
}

function build(): Promise<number> {
  const eta = roughly(310 * opts.scale);
  log(`building the dataset at scale ${opts.scale} (scripts/bench/build.sql, ${eta})`);
  return runSqlFile("build.sql");
}

// ---------------------------------------------------------------------------------------------
// 1. RLS overhead: member queries as `authenticated` through RLS vs the same queries with the
//    organisation filter written by hand as service_role (BYPASSRLS), on two connections.

type Sample = { user: string; org: string; survey: string };

interface Query {
  name: string;
  rls: (tx: Sql, s: Sample) => PromiseLike<readonly unknown[]>;
  base: (tx: Sql, s: Sample) => PromiseLike<readonly unknown[]>;
}

const queries: Query[] = [
  {
    name: "list_org_surveys",
    rls: (tx, s) =>
      tx`select id, title, slug, created_at, updated_at from public.surveys
         where org_id = ${s.org} order by created_at desc limit 50`,
    base: (tx, s) =>
      tx`select id, title, slug, created_at, updated_at from public.surveys
         where org_id = ${s.org} and deleted_at is null order by created_at desc limit 50`,
  },
  {
    // What PostgREST runs for surveys?id=eq.X&select=*,responses(*).
    name: "survey_with_responses",
    rls: (tx, s) =>
      tx`select s.id, s.title, s.slug, coalesce((
           select json_agg(r order by r.started_at desc) from (
             select r.id, r.respondent_ref, r.started_at, r.completed_at
             from public.responses r where r.org_id = s.org_id and r.survey_id = s.id) r
         ), '[]') as responses
         from public.surveys s where s.id = ${s.survey}`,
    base: (tx, s) =>
      tx`select s.id, s.title, s.slug, coalesce((
           select json_agg(r order by r.started_at desc) from (
             select r.id, r.respondent_ref, r.started_at, r.completed_at
             from public.responses r where r.org_id = s.org_id and r.survey_id = s.id) r
         ), '[]') as responses
         from public.surveys s
         where s.id = ${s.survey} and s.org_id = ${s.org} and s.deleted_at is null`,
  },
  {
    name: "count_survey_recordings",
    rls: (tx, s) =>
      tx`select count(*)::int as n from public.recordings
         where org_id = ${s.org} and survey_id = ${s.survey}`,
    base: (tx, s) =>
      childFlag
        ? tx`select count(*)::int as n from public.recordings r
             where r.org_id = ${s.org} and r.survey_id = ${s.survey} and r.survey_live`
        : tx`select count(*)::int as n from public.recordings r
             where r.org_id = ${s.org} and r.survey_id = ${s.survey}
               and exists (select 1 from public.surveys v
                           where v.id = ${s.survey} and v.org_id = ${s.org} and v.deleted_at is null)`,
  },
  {
    name: "count_org_recordings",
    rls: (tx, s) => tx`select count(*)::int as n from public.recordings where org_id = ${s.org}`,
    base: (tx, s) =>
      childFlag
        ? tx`select count(*)::int as n from public.recordings r
             where r.org_id = ${s.org} and r.survey_live`
        : tx`select count(*)::int as n from public.recordings r
             join public.surveys v on v.org_id = r.org_id and v.id = r.survey_id
             where r.org_id = ${s.org} and v.deleted_at is null`,
  },
];

// Whether survey children carry their survey's live flag (survey_live). The baseline writes by
// hand the cheapest filter the schema offers for "the parent survey is live": the column when it
// exists, else the parent survey itself. So the ratio measures RLS, not a schema difference.
let childFlag = false;

type Timing = { request: number; statement: number; rows: readonly unknown[] };

// One request as PostgREST runs it (BEGIN; settings; the statement; COMMIT), timed whole, with
// the statement also timed alone.
async function request(
  conn: Sql,
  role: string,
  claims: object,
  path: string,
  run: (tx: Sql) => PromiseLike<readonly unknown[]>,
): Promise<Timing> {
  const t0 = now();
  const [statement, rows] = await conn.begin(async (tx) => {
    await requestSettings(tx as unknown as Sql, role, claims, path);
    return await timed(() => run(tx as unknown as Sql));
  });
  return { request: now() - t0, statement, rows };
}

// Samples for a group of members: a random live survey of a random organisation of each.
async function rlsSamples(admin: Sql, users: string): Promise<Sample[]> {
  const samples = (await admin.unsafe(`
    with p as (select * from bench.params)
    select m.user_id::text as user, m.org_id::text as org, s.id::text as survey
    from p, ${users} u
    join public.memberships m on m.user_id = md5('u' || u)::uuid
    join public.surveys s on s.org_id = m.org_id and s.deleted_at is null
  `)) as unknown as Sample[];
  if (!samples.length) throw new Error("no RLS samples");
  return samples;
}

type Series = { subj: number[]; base: number[] };

async function rlsBench(admin: Sql) {
  [{ childFlag }] = await admin`
    select exists (select 1 from information_schema.columns
      where table_schema = 'public' and table_name = 'recordings' and column_name = 'survey_live')
      as "childFlag"`;
  // Members of 3 organisations (50 of them), and the member of 50 organisations.
  const groups = {
    three: await rlsSamples(admin, "generate_series(p.orgs + 1, p.orgs + 50)"),
    fifty: await rlsSamples(admin, "generate_series(2 * p.orgs + 2, 2 * p.orgs + 2)"),
  };
  const [{ wide }] = await admin`
    select count(*)::int as wide from public.memberships m, bench.params p
    where m.user_id = md5('u' || (2 * p.orgs + 2))::uuid`;
  log(
    `rls: ${queries.length} queries x ${opts.reps} interleaved repetitions, members of 3 and ${wide} organisations`,
  );

  // Two connections, each serving either side: which one runs the member's request is drawn
  // for every sample, so what differs between the two server processes (the core each runs on,
  // what shares it) falls on both sides alike.
  const conns = [connect(), connect()];
  const asMember = (conn: Sql, s: Sample, q: Query) =>
    request(
      conn,
      "authenticated",
      { sub: s.user, role: "authenticated" },
      `/${q.name}`,
      (tx) => q.rls(tx, s),
    );
  const asService = (conn: Sql, s: Sample, q: Query) =>
    request(
      conn,
      "service_role",
      { role: "service_role" },
      `/${q.name}`,
      (tx) => q.base(tx, s),
    );

  const series = () =>
    Object.fromEntries(queries.map((q) => [q.name, { subj: [], base: [] }])) as Record<
      string,
      Series
    >;
  const perRequest = { three: series(), fifty: series() };
  const perStatement = series();
  const warmup = 30;
  for (let rep = -warmup; rep < opts.reps; rep++) {
    // Each repetition runs every query once per group in random order, both ways, in random order.
    const work = shuffle(
      queries.flatMap((q) => (["three", "fifty"] as const).map((g) => ({ q, g }))),
    );
    for (const { q, g } of work) {
      const pool = groups[g];
      const s = pool[Math.floor(Math.random() * pool.length)];
      const [memberConn, serviceConn] = Math.random() < 0.5 ? conns : [conns[1], conns[0]];
      let a: Timing, b: Timing;
      if (Math.random() < 0.5) {
        a = await asMember(memberConn, s, q);
        b = await asService(serviceConn, s, q);
      } else {
        b = await asService(serviceConn, s, q);
        a = await asMember(memberConn, s, q);
      }
      if (JSON.stringify(a.rows) !== JSON.stringify(b.rows)) {
        throw new Error(
          `rls: ${q.name} returned different rows through RLS and by hand for ${JSON.stringify(s)}`,
        );
      }
      if (rep < 0) continue;
      perRequest[g][q.name].subj.push(a.request);
      perRequest[g][q.name].base.push(b.request);
      if (g === "three") {
        perStatement[q.name].subj.push(a.statement);
        perStatement[q.name].base.push(b.statement);
      }
    }
  }
  await Promise.all(conns.map((c) => c.end()));

  // goal null: a figure kept for reference, with no goal of its own.
  const headline = (
    name: string,
    per: Record<string, Series>,
    goal: number | null,
    how: string,
  ) => {
    let subjTotal = 0, baseTotal = 0;
    const detail: Metric[] = [];
    for (const q of queries) {
      const sm = median(per[q.name].subj), bm = median(per[q.name].base);
      subjTotal += sm;
      baseTotal += bm;
      detail.push({
        name: `${name}.${q.name}`,
        value: r3(sm / bm),
        unit: "ratio",
        subject_ms: r3(sm),
        baseline_ms: r3(bm),
        subject_p90_ms: r3(quantile(per[q.name].subj, 0.9)),
        baseline_p90_ms: r3(quantile(per[q.name].base, 0.9)),
        samples: per[q.name].subj.length,
      });
    }
    const ratio = subjTotal / baseTotal;
    emit({
      name,
      value: r3(ratio),
      unit: "ratio",
      subject_ms: r3(subjTotal),
      baseline_ms: r3(baseTotal),
      ...(goal === null ? {} : { goal: `<= ${goal}`, met: ratio <= goal }),
      how,
      baseline_child_filter: childFlag ? "survey_live column" : "parent survey's deleted_at",
      samples_per_query: opts.reps,
    });
    for (const d of detail) emit(d);
  };
  const sides =
    "as authenticated through RLS (subject) vs service_role with the filters RLS adds written by hand (baseline)";
  headline(
    "rls_overhead_ratio",
    perRequest.three,
    1.1,
    `members of 3 organisations; sum over the member queries of the median request (BEGIN; role, claims and headers set; the statement; COMMIT), ${sides}`,
  );
  headline(
    "rls_overhead_ratio_50_orgs",
    perRequest.fifty,
    1.2,
    `a member of ${wide} organisations, each with trashed surveys; requests as rls_overhead_ratio`,
  );
  headline(
    "rls_overhead_ratio_statement",
    perStatement,
    null,
    `members of 3 organisations; the statement alone, timed inside the request, ${sides}`,
  );
}

// ---------------------------------------------------------------------------------------------
// 2. Audit overhead: private.hard_delete_surveys (audit included) vs its exact copy without the
//    audit loop, on batches of identical surveys, at two sizes of audit trail.

async function auditEvents(admin: Sql): Promise<number> {
  const [{ n }] = await admin`select count(*)::int as n from audit.events`;
  return n;
}

// Up to 20,000 events: real events through audit.record_event (2,000 per transaction). Beyond,
// filler events are bulk-inserted as the superuser with triggers off (session_replication_role),
// in 1,000 chains of their own that have no chain head, so no real chain is touched: the trail's
// table and indexes grow as they would, in minutes instead of the ~0.5 ms per event of
// record_event. (audit.verify_chains() reports those filler chains as unlinked: bench data only.)
// Every pre-filled event is a 'survey.purged' (the trail accepts only its listed actions) with
// the reason 'bench_prefill', which tells them apart from the real purges.
async function prefillAudit(admin: Sql, target: number) {
  let have = await auditEvents(admin);
  if (have >= target) return;
  log(`audit: pre-filling the trail from ${have} to ${target} events`);
  const t0 = now();
  while (have < Math.min(target, 20000)) {
    const n = Math.min(2000, target - have);
    await admin`
      select count(audit.record_event('survey.purged', md5('o' || (g % p.orgs + 1))::uuid,
        'public.surveys', md5('prefill' || ${have} || '.' || g), 'bench_prefill',
        jsonb_build_object('n', g), p_actor_job => 'bench'))
      from bench.params p, generate_series(1, ${n}::int) g`;
    have += n;
  }
  if (have < target) {
    const adminUrl = Deno.env.get("ADMIN_DB_URL");
    if (!adminUrl) throw new Error("ADMIN_DB_URL is not set (run through scripts/bench.sh)");
    const su = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await su.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await tx`
          insert into audit.events (chain_id, seq, occurred_at, action, actor_kind, actor_job,
            org_id, target_table, target_id, reason, request_id, details, prev_hash, hash)
          select c.id, g / 1000 + 1, now() - interval '365 days' + g * interval '10 seconds',
            'survey.purged', 'system', 'bench', c.id, 'public.surveys', md5('fill' || g),
            'bench_prefill', 'tx:bench', jsonb_build_object('n', g),
            sha256(int8send(g - 1)), sha256(int8send(g))
          from generate_series(${have}::bigint, ${target - 1}::bigint) g,
            lateral (select md5('bench-filler-chain-' || (g % 1000))::uuid as id) c`;
      });
      await su`vacuum (analyze) audit.events`;
    } finally {
      await su.end();
    }
    have = target;
  }
  log(`audit: pre-fill took ${((now() - t0) / 1000).toFixed(1)} s`);
}

async function auditSurveyBatches(admin: Sql, count: number, size: number): Promise<string[][]> {
  // Live surveys of the regular organisations, the second half first: the RLS bench samples the
  // first ones' members. Both trail sizes delete their own batches, which at small scales
  // (74 live surveys per organisation) reaches into the first half.
  const rows = await admin`
    select s.id::text as id from bench.survey_map m, bench.params p, public.surveys s
    where m.org_no <= p.orgs and s.id = md5('s' || m.n)::uuid and s.deleted_at is null
    order by m.org_no <= p.orgs / 2, m.n limit ${count * size}`;
  if (rows.length < count * size) {
    throw new Error(
      `audit: ${rows.length} live surveys left, ${count * size} needed; ` +
        "raise --scale or lower --audit-reps or --audit-batch",
    );
  }
  const out: string[][] = [];
  for (let i = 0; i < count; i++) out.push(rows.slice(i * size, (i + 1) * size).map((r) => r.id));
  return out;
}

async function auditBench(admin: Sql, trailTarget: number, label: string) {
  await prefillAudit(admin, trailTarget);
  const trail = await auditEvents(admin);
  const reps = opts.auditReps, size = opts.auditBatch;
  const batches = await auditSurveyBatches(admin, reps * 2 + 4, size);
  log(`audit: ${reps} interleaved pairs of ${size}-survey deletions at ${trail} events`);
  const conn = connect();
  const subj: number[] = [], base: number[] = [];
  for (let i = -2; i < reps; i++) {
    const b1 = batches.shift()!, b2 = batches.shift()!;
    const runSubj = () =>
      timed(() => conn`select private.hard_delete_surveys(${b1}::uuid[], 'bench', 'bench') as r`);
    const runBase = () =>
      timed(() =>
        conn`select bench.hard_delete_surveys_noaudit(${b2}::uuid[], 'bench', 'bench') as r`
      );
    let s: [number, postgres.RowList<postgres.Row[]>],
      b: [number, postgres.RowList<postgres.Row[]>];
    if (i % 2 === 0) {
      s = await runSubj();
      b = await runBase();
    } else {
      b = await runBase();
      s = await runSubj();
    }
    if (s[1][0].r.surveys !== size || b[1][0].r.surveys !== size) {
      throw new Error("audit: a batch did not delete every survey");
    }
    if (i >= 0) {
      subj.push(s[0]);
      base.push(b[0]);
    }
  }
  await conn.end();
  const sm = median(subj), bm = median(base);
  return {
    name: `audit_overhead_ratio.${label}`,
    value: r3(sm / bm),
    unit: "ratio",
    subject_ms: r3(sm),
    baseline_ms: r3(bm),
    goal: "<= 1.2",
    met: sm / bm <= 1.2,
    audit_events_in_trail: trail,
    surveys_per_batch: size,
    pairs: reps,
    per_event_ms: r3((sm - bm) / size),
  } satisfies Metric;
}

// ---------------------------------------------------------------------------------------------
// 3. Retention purge: each private.retention_purge_batch call (its own transaction) vs a plain
//    cascading DELETE of as many identical surveys (their twins) on the real schema, and vs plain
//    DELETEs of the same surveys' rows in the trigger-free shadow tables bench.*.

async function purgeBench(admin: Sql) {
  const batch = opts.purgeBatch;
  const conn = connect();
  const purge: number[] = [], cascade: number[] = [], raw: number[] = [];
  let surveys = 0, purgeTotal = 0, i = 0;
  const [{ due, objects }] = await admin`
    select count(*)::int as due,
      (select count(*)::int from storage.objects where bucket_id = 'recordings') as objects
    from public.surveys
    where deleted_at <= private.current_time() - private.survey_retention()`;
  log(`purge: ${due} expired surveys, ${objects} recording objects, batches of ${batch}`);
  for (;;) {
    // The surveys the purge call will take (same selection, order and limit) and their twins
    // (the seed's few surveys have none).
    const rows = await admin`
      select s.id::text as id, t.twin_id::text as twin from public.surveys s
      left join bench.twins t on t.survey_id = s.id
      where s.deleted_at is not null
        and s.deleted_at <= private.current_time() - private.survey_retention()
      order by s.deleted_at, s.id limit ${batch}`;
    const ids = rows.map((r) => r.id);
    const twins = rows.filter((r) => r.twin).map((r) => r.twin);
    if (!ids.length) break;
    // The three runs in a rotating order, so none always runs on a cache the other warmed.
    const runs = [
      () => timed(() => conn`select private.retention_purge_batch(${batch}, 'bench-purge') as r`),
      () => timed(() => conn`delete from public.surveys where id = any(${twins}::uuid[])`),
      () => timed(() => conn`select bench.raw_delete(${ids}::uuid[]) as n`),
    ];
    const order = [0, 1, 2].map((k) => (k + i) % 3);
    if (i++ % 2) order.reverse();
    const out: [number, postgres.RowList<postgres.Row[]>][] = [];
    for (const k of order) out[k] = await runs[k]();
    const [p, c, r] = out;
    if (
      p[1][0].r.surveys !== ids.length || c[1].count !== twins.length ||
      Number(r[1][0].n) !== ids.length
    ) {
      throw new Error(
        `purge: batch mismatch (purge ${p[1][0].r.surveys}, cascade ${c[1].count}, raw ${
          r[1][0].n
        }, expected ${ids.length})`,
      );
    }
    surveys += ids.length;
    purgeTotal += p[0];
    // Only full batches enter the medians (the last one may be short).
    if (ids.length === batch && twins.length === batch) {
      purge.push(p[0]);
      cascade.push(c[0]);
      raw.push(r[0]);
    }
  }
  await conn.end();
  if (!purge.length) {
    throw new Error("purge: not one full batch; raise --scale or lower --purge-batch");
  }
  const [{ queued }] = await admin`
    select count(*)::int as queued from private.storage_removals where cause = 'retention_expired'`;
  const pm = median(purge), cm = median(cascade), rm = median(raw);
  emit({
    name: "purge_vs_cascade_delete_ratio",
    value: r3(cm / pm),
    unit: "ratio",
    subject_ms: r3(pm),
    baseline_ms: r3(cm),
    goal: ">= 0.7",
    met: cm / pm >= 0.7,
    how:
      "throughput of private.retention_purge_batch (deletes, Storage outbox row per object, audit event per survey) over a plain cascading DELETE of as many identical surveys on the real schema (= baseline_ms / subject_ms per batch, medians)",
    surveys_per_batch: batch,
    batches: purge.length,
    objects_queued: queued,
  });
  emit({
    name: "purge_vs_raw_delete_ratio",
    value: r3(rm / pm),
    unit: "ratio",
    subject_ms: r3(pm),
    baseline_ms: r3(rm),
    how:
      "throughput of private.retention_purge_batch over plain DELETEs of the same rows in shadow tables without foreign keys, triggers or checks: the physical floor",
    surveys_per_batch: batch,
    batches: purge.length,
  });
  const max = Math.max(...purge);
  emit({
    name: "purge_max_batch_ms",
    value: r3(max),
    unit: "ms",
    goal: "< 1000",
    met: max < 1000,
    median_ms: r3(pm),
    p90_ms: r3(quantile(purge, 0.9)),
    surveys_per_batch: batch,
    batches: purge.length,
  });
  emit({
    name: "purge_surveys_per_s",
    value: Math.round(surveys / (purgeTotal / 1000)),
    unit: "surveys/s",
    surveys,
    total_s: r3(purgeTotal / 1000),
    surveys_per_batch: batch,
    children_per_survey: { questions: 3, responses: 10, recordings: 10, transcripts: 3 },
  });
}

// ---------------------------------------------------------------------------------------------
// 3b. Purge growth: ms per purged survey while growth_surveys (100,000 at scale 1) are due vs
//     while a tenth of them are, on surveys of the same shape (scripts/bench/growth.sql). The two
//     states alternate in rounds (moving deleted_at of the remaining growth surveys), each round
//     purging a twentieth of the growth surveys in full batches; medians per batch.

async function growthBench(admin: Sql) {
  log(
    `growth: loading the growth surveys (scripts/bench/growth.sql, ${roughly(200 * opts.scale)})`,
  );
  const loadS = await runSqlFile("growth.sql");
  const [{ total }] = await admin`select growth_surveys as total from bench.params`;
  const batch = opts.purgeBatch, perRound = Math.floor(total / 20 / batch) * batch;
  if (perRound < batch) throw new Error("growth: too few surveys; raise --scale");
  const growth = sqlGrowthIds();
  // Every `step`-th remaining growth survey (by number) is due; the rest stay in the trash. Due
  // surveys are spread evenly over the growth surveys, and the order in which they fall due is
  // unrelated to where they sit in the tables (a hash of their number), as for surveys deleted
  // over weeks: so a batch reads scattered pages on both sides. (Making the first 10,000 due, in
  // an order that follows their numbers, let the baseline's batches read a tenth of the pages,
  // which the cache favoured.)
  const makeDue = (step: number) =>
    admin.unsafe(`
      with g as (${growth}), ranked as (
        select id, row_number() over (order by n) as k from g
        where exists (select 1 from public.surveys s where s.id = g.id))
      update public.surveys s
      set deleted_at = case
          when r.k % ${step} = 0
            then now() - interval '40 days' - (hashint8(r.k) & 1048575) * interval '1 second'
          else now() - interval '5 days' end
      from ranked r where s.id = r.id`);
  const conn = connect();
  const side = { many: [] as number[], tenth: [] as number[] };
  const dueCount = { many: 0, tenth: 0 };
  // ABBA: the first round runs just after the load (cold caches, autovacuum busy), so each side
  // gets one early and one late round.
  for (const which of ["tenth", "many", "many", "tenth"] as const) {
    const [{ left }] = await admin.unsafe(
      `select count(*)::int as left from (${growth}) g join public.surveys s on s.id = g.id`,
    );
    const step = which === "many" ? 1 : Math.max(1, Math.floor(left / Math.floor(total / 10)));
    const due = Math.floor(left / step);
    await makeDue(step);
    // Every round starts from vacuumed, analysed tables. A round deletes 50,000 responses and
    // as many recordings, so the third round crosses autoanalyze's threshold (a tenth of the
    // table): left to itself, it would run in the middle of one side's round and not the other's.
    await admin`vacuum (analyze) public.surveys, public.questions, public.responses,
      public.recordings, public.transcripts`;
    dueCount[which] = Math.max(dueCount[which], due);
    for (let done = 0; done < perRound; done += batch) {
      const [ms, rows] = await timed(() =>
        conn`select private.retention_purge_batch(${batch}, 'bench-growth') as r`
      );
      if (rows[0].r.surveys !== batch) throw new Error("growth: a batch was not full");
      side[which].push(ms / batch);
    }
  }
  await conn.end();
  await makeDue(Number.MAX_SAFE_INTEGER); // none due
  const many = median(side.many), tenth = median(side.tenth);
  emit({
    name: "purge_ms_per_survey_growth",
    value: r3(many / tenth),
    unit: "ratio",
    subject_ms: r3(many),
    baseline_ms: r3(tenth),
    goal: "<= 1.1",
    met: many / tenth <= 1.1,
    how:
      "median ms per purged survey over full batches while the growth surveys are due (subject) vs while a tenth of them are (baseline), two rounds each in ABBA order",
    due_subject: dueCount.many,
    due_baseline: dueCount.tenth,
    surveys_per_side: side.many.length * batch,
    load_s: r3(loadS),
  });
}

const sqlGrowthIds = () => "select m.n, md5('s' || m.n)::uuid as id from bench.growth_map m";

// ---------------------------------------------------------------------------------------------
// 4. Account erasure: claim + account_erasure_step until done, for the only member of an
//    organisation holding bench.params.erasure_surveys surveys.

async function erasureBench(admin: Sql) {
  const [{ user_id, surveys }] = await admin`
    select md5('u' || (2 * p.orgs + 1))::text as user_id,
      (select count(*)::int from public.surveys s where s.org_id = md5('o' || (p.orgs + 1))::uuid)
        as surveys
    from bench.params p`;
  await admin`
    insert into private.account_erasure_requests (user_id, requested_at, due_at)
    values (${user_id}, '2000-01-01', timestamptz '2000-01-01' + interval '7 days')
    on conflict (user_id) do nothing`;
  log(
    `erasure: user ${user_id}, solo organisation with ${surveys} surveys, batch ${opts.erasureBatch}`,
  );
  const conn = connect();
  const steps: number[] = [];
  const t0 = now();
  const [req] = await conn`
    select r.id::text as id, r.lease_token::text as lease_token, replace(r.user_id::text, '-', '') as user_id
    from private.account_erasure_claim() r`;
  if (!req?.id || !req.lease_token) throw new Error("erasure: nothing to claim");
  if (req.user_id !== user_id) {
    throw new Error(`erasure: claimed another user's request (${req.user_id})`);
  }
  for (;;) {
    const [ms, rows] = await timed(() =>
      conn`select private.account_erasure_step(${req.id}, ${req.lease_token}, ${opts.erasureBatch}) as r`
    );
    steps.push(ms);
    const r = typeof rows[0].r === "string" ? JSON.parse(rows[0].r) : rows[0].r;
    if (r.done === true) break;
    if (steps.length > 100000) throw new Error("erasure: does not finish");
  }
  const wall = (now() - t0) / 1000;
  await conn.end();
  const [{ left }] = await admin`
    select (select count(*) from auth.users where id = ${user_id}) +
      (select count(*) from public.surveys where org_id = md5('o' || (p.orgs + 1))::uuid) as left
    from bench.params p`;
  if (Number(left) !== 0) throw new Error("erasure: the user or their surveys are still there");
  const max = Math.max(...steps);
  emit({
    name: "erasure_s",
    value: r3(wall),
    unit: "s",
    surveys,
    batch: opts.erasureBatch,
    steps: steps.length,
    max_step_ms: r3(max),
    median_step_ms: r3(median(steps)),
    children_per_survey: { questions: 3, responses: 10, recordings: 10, transcripts: 3 },
  });
}

// ---------------------------------------------------------------------------------------------

const admin = connect();
try {
  const started = now();
  log(`scale ${opts.scale}: ${roughly(1000 * opts.scale)} in all; figures on stdout`);
  let buildS: number | null = null;
  if (!opts.skipBuild) buildS = await build();
  const [scale] = await admin`
    select p.orgs, p.erasure_surveys,
      (select count(*)::int from public.surveys) as surveys,
      (select count(*)::int from public.responses) as responses,
      (select count(*)::int from public.recordings) as recordings,
      (select count(*)::int from public.transcripts) as transcripts,
      (select count(*)::int from public.memberships) as memberships
    from bench.params p`;
  emit({
    name: "dataset",
    value: opts.scale,
    unit: "scale",
    ...scale,
    build_s: buildS === null ? null : r3(buildS),
  });
  const built = buildS === null ? "" : ` built in ${buildS.toFixed(0)} s`;
  log(`dataset${built}: ${JSON.stringify(scale)}`);

  const guard = async (name: string, fn: () => Promise<void>) => {
    if (opts.only.length && !opts.only.some((o) => name.startsWith(o))) return;
    const t0 = now();
    try {
      await fn();
      log(`${name}: done in ${((now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      log(`${name} failed: ${e instanceof Error ? e.stack : e}`);
      emit({ name: `${name}_error`, value: NaN, unit: "error", error: String(e) });
    }
  };

  await guard("rls", () => rlsBench(admin));
  const audit: Metric[] = [];
  await guard("audit_small", async () => {
    audit.push(await auditBench(admin, 10000, "trail_10k"));
  });
  await guard("purge", () => purgeBench(admin));
  // What each of the purge's guarantees costs, on rolled-back batches of live surveys.
  await guard("purge_guarantees", async () => {
    await runSqlFile("purge_parts.sql");
    emit(await purgeGuaranteeCosts(admin, opts.purgeBatch, opts.scale >= 0.5 ? 20 : 8));
  });
  const large = opts.scale >= 0.5 ? 1_000_000 : 200_000;
  await guard("audit_large", async () => {
    audit.push(await auditBench(admin, large, large >= 1e6 ? "trail_1m" : "trail_200k"));
  });
  if (audit.length) {
    const worst = audit.reduce((a, b) => (b.value > a.value ? b : a));
    emit({
      name: "audit_overhead_ratio",
      value: worst.value,
      unit: "ratio",
      subject_ms: worst.subject_ms,
      baseline_ms: worst.baseline_ms,
      goal: "<= 1.2",
      met: audit.every((a) => a.met),
      at_audit_events: worst.audit_events_in_trail,
      by_trail: Object.fromEntries(audit.map((a) => [a.audit_events_in_trail as number, a.value])),
      how:
        "hard delete of a batch of surveys with its audit events (subject) vs the same function without the audit loop (baseline); the worse of the two trail sizes",
    });
    for (const a of audit) emit(a);
  }
  await guard("erasure", () => erasureBench(admin));
  await guard("broker", async () => {
    if (!opts.skipBuild) {
      const adminUrl = Deno.env.get("ADMIN_DB_URL");
      if (!adminUrl) throw new Error("ADMIN_DB_URL is not set (run through scripts/bench.sh)");
      log(
        `filling the recording access log (scripts/bench/access_log.sql, ${
          roughly(330 * opts.scale)
        })`,
      );
      const s = await buildAccessLog(adminUrl, opts.scale);
      log(`access log built in ${s.toFixed(0)} s`);
    }
    emit(await recordingUrlBench(admin, opts.scale >= 0.5 ? 400 : 200));
    emit(await accessLogWindowBench(admin, 100));
  });
  // After the broker's phase, which fills the access log the scope reads.
  await guard("incident", async () => {
    emit(await incidentScopeBench(admin, 20));
  });
  await guard("growth", () => growthBench(admin));
  await guard("export", async () => {
    emit(await exportBench(admin, 200));
  });
  emit({ name: "bench_total_s", value: r3((now() - started) / 1000), unit: "s" });
} finally {
  await admin.end();
  await Deno.mkdir("bench", { recursive: true });
  await Deno.writeTextFile("bench/results.json", JSON.stringify(results, null, 2) + "\n");
  log("wrote bench/results.json");
}
