// What the tests of the scheduled jobs share: a job wired to the stack as in production, calls
// as the scheduler makes them, the scenario wrapper, drivers of multi-step scenarios (runs with
// a failing statement, a controlled clock, concurrent runs) and the checks of the HTTP contract
// every job answers through the runtime (_shared/job/define.ts).
import assert from "node:assert/strict";
import { createSql, type Sql } from "../../_shared/db.ts";
import { type Clock, systemClock } from "../../_shared/deadline.ts";
import type { Job } from "../../_shared/job/define.ts";
import type { JobDeps } from "../../_shared/job/deps.ts";
import type { JobReport } from "../../_shared/job/report.ts";
import { type Logger, silentLogger } from "../../_shared/logger.ts";
import { supabaseObjectRemover } from "../../_shared/storage.ts";
import { clearFaults, type FaultNeed, unavailable } from "./faults.ts";
import { adminSql, stack } from "./stack.ts";

// ---- wiring --------------------------------------------------------------------------------

export interface TestJob {
  job: Job;
  handler: (req: Request) => Promise<Response>;
  deps: JobDeps;
  close: () => Promise<void>;
}

export interface JobOptions {
  /** Wraps the job's connection pool (to inject failures); the pool itself is still closed. */
  wrapSql?: (sql: Sql) => Sql;
  clock?: Clock;
  logger?: Logger;
  storageTimeoutMs?: number;
}

/** The job wired to the stack as in production, with its own connection pool. */
export function testJob(job: Job, options: JobOptions = {}): TestJob {
  const pool = createSql(stack.DB_URL, { applicationName: `${job.name}-test` });
  const deps: JobDeps = {
    sql: options.wrapSql ? options.wrapSql(pool) : pool,
    removeObjects: supabaseObjectRemover({
      supabaseUrl: stack.API_URL,
      serviceRoleKey: stack.SERVICE_ROLE_KEY,
    }),
    auth: { serviceRoleKey: stack.SERVICE_ROLE_KEY, jwtSecret: stack.JWT_SECRET },
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    storageTimeoutMs: options.storageTimeoutMs ?? 10_000,
  };
  return { job, handler: job.handler(deps), deps, close: () => pool.end({ timeout: 5 }) };
}

/** Runs `fn` with an extra job (its own pool, like a second isolate) and closes it after. */
export async function withJob<T>(job: TestJob, fn: (job: TestJob) => Promise<T>): Promise<T> {
  try {
    return await fn(job);
  } finally {
    await job.close();
  }
}

// ---- calls ---------------------------------------------------------------------------------

export interface StorageBacklog {
  pending: number;
  due: number;
  stuck: number;
  oldest_enqueued_at: string | null;
}

export interface ErasureBacklog {
  open: number;
  in_progress: number;
  overdue: number;
  oldest_due_at: string | null;
}

export interface JobCall {
  status: number;
  /** The report, or only `error` when the request was refused before the job ran. */
  body: JobReport;
  totals: Record<string, number>;
  storage: StorageBacklog;
  erasures: ErasureBacklog;
}

export interface CallInit {
  /** The bearer token: the service-role key unless given; null sends no Authorization. */
  token?: string | null;
  method?: string;
  /** Sent as is instead of the JSON of `body`. */
  rawBody?: string;
  /** The Content-Type header: application/json unless given; null sends none. */
  contentType?: string | null;
}

/** Calls the handler as the scheduler calls the deployed function. */
export async function call(
  job: TestJob,
  body: unknown = {},
  init: CallInit = {},
): Promise<JobCall> {
  const headers = new Headers();
  const contentType = init.contentType === undefined ? "application/json" : init.contentType;
  if (contentType !== null) headers.set("content-type", contentType);
  const token = init.token === undefined ? stack.SERVICE_ROLE_KEY : init.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  const method = init.method ?? "POST";
  const text = init.rawBody ?? JSON.stringify(body);
  // A string body would be declared text/plain by the Request itself; bytes declare nothing.
  const payload = contentType === null ? new TextEncoder().encode(text) : text;
  const res = await job.handler(
    new Request(`http://localhost/functions/v1/${job.job.name}`, {
      method,
      headers,
      body: method === "GET" ? undefined : payload,
    }),
  );
  const report: JobReport = await res.json();
  return {
    status: res.status,
    body: report,
    totals: report.totals ?? {},
    storage: report.backlog?.storage_removals as unknown as StorageBacklog,
    erasures: report.backlog?.account_erasures as unknown as ErasureBacklog,
  };
}

/** A call answered 200 with an ok report; the report is shown when not. */
export async function callOk(job: TestJob, body: unknown = {}): Promise<JobCall> {
  const res = await call(job, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.ok, true);
  assert.equal(res.body.error, null);
  return res;
}

// ---- drivers -------------------------------------------------------------------------------

/** One run of `job` with its own pool and these options (a differently wired runner). */
export async function runOnce(
  job: Job,
  options: JobOptions,
  body: unknown = {},
): Promise<JobCall> {
  return await withJob(testJob(job, options), (runner) => call(runner, body));
}

/** Two runs at once, from two runners with their own pools (two isolates). */
export async function runConcurrently(first: TestJob, body: unknown): Promise<JobCall[]> {
  return await withJob(
    testJob(first.job),
    (second) => Promise.all([call(first, body), call(second, body)]),
  );
}

/** Runs the job with `body` until a run no longer stops early (at most `runs` times). */
export async function runUntilDone(job: Job, body: unknown, runs: number): Promise<void> {
  await withJob(testJob(job), async (runner) => {
    for (let i = 0; i < runs; i++) {
      if (!(await call(runner, body)).body.stopped_early) break;
    }
  });
}

/**
 * A pool whose statements go through `intercept` first, which may throw (a failure of that
 * statement) or do anything else, such as advance a test clock. The jobs' calls of private
 * functions (sql.unsafe) and tagged statements alike; everything else is the pool's own.
 */
export function interceptSql(
  sql: Sql,
  intercept: (query: string, values: unknown[]) => void,
): Sql {
  return new Proxy(sql, {
    apply(target, thisArg, args: unknown[]) {
      const [strings, ...values] = args;
      if (Array.isArray(strings)) intercept(strings.join("$"), values);
      return Reflect.apply(target, thisArg, args);
    },
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "unsafe") return value;
      return (query: string, values: unknown[] = [], ...rest: unknown[]) => {
        intercept(query, values);
        return value.call(target, query, values, ...rest);
      };
    },
  });
}

/**
 * Makes the `n`-th call (counting from 1) of the private function `fn` whose arguments include
 * `value` (any call, when omitted) fail as a dropped connection would; `always` fails each one
 * from the n-th on.
 */
export function failingCall(
  fn: string,
  options: { n?: number; value?: unknown; always?: boolean; message?: string },
): (sql: Sql) => Sql {
  let calls = 0;
  const n = options.n ?? 1;
  return (sql) =>
    interceptSql(sql, (query, values) => {
      if (!query.includes(`private.${fn}(`)) return;
      if (options.value !== undefined && !values.includes(options.value)) return;
      calls++;
      if (calls === n || (options.always && calls > n)) {
        throw new Error(options.message ?? "injected: connection reset");
      }
    });
}

/**
 * A clock that moves `stepMs` every time it is read: a job's time budget then runs out after a
 * fixed number of steps, however fast or loaded the machine is.
 */
export function tickingClock(stepMs: number): Clock {
  let t = 0;
  return { now: () => (t += stepMs) };
}

/** A clock that only moves when told to. */
export function manualClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

export function capturingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const add = (level: string) => (message: string, fields: Record<string, unknown> = {}) => {
    lines.push({ level, message, fields });
  };
  return { lines, info: add("info"), warn: add("warn"), error: add("error") };
}

// ---- the test wrapper ----------------------------------------------------------------------

export type ScenarioFn = (sql: Sql, job: TestJob) => Promise<void>;

export interface ScenarioOptions {
  /** The job the test gets (default: the file's, as in production). */
  job?: () => TestJob;
  /** What the test needs from the Storage API; without it the test is ignored. */
  needs?: FaultNeed;
  /** Runs after the test whatever happened, before the pools close. */
  cleanup?: (job: TestJob) => Promise<void>;
}

/**
 * The `scenario(name, [options,] fn)` of a test file: each test gets a direct connection as
 * `postgres` and a job of its own, runs after `quiesce` has brought the shared stack to a known
 * state, and leaves no Storage fault armed and no pool open, whatever happens.
 */
export function jobScenarios(file: { job: Job; quiesce: (sql: Sql) => Promise<void> }) {
  function scenario(name: string, fn: ScenarioFn): void;
  function scenario(name: string, options: ScenarioOptions, fn: ScenarioFn): void;
  function scenario(name: string, a: ScenarioOptions | ScenarioFn, b?: ScenarioFn): void {
    const [options, fn] = typeof a === "function" ? [{}, a] : [a, b!];
    const missing = options.needs && unavailable[options.needs];
    if (missing) console.warn(`ignored "${name}": it needs Storage ${options.needs}; ${missing}`);
    Deno.test({
      name,
      ignore: Boolean(missing),
      // postgres.js keeps idle timers; every pool is closed in `finally`.
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        const sql = adminSql();
        const job = options.job ? options.job() : testJob(file.job);
        try {
          await clearFaults();
          await file.quiesce(sql);
          await fn(sql, job);
        } finally {
          await clearFaults().catch(() => {});
          await options.cleanup?.(job);
          await job.close();
          await sql.end({ timeout: 5 });
        }
      },
    });
  }
  return scenario;
}

// ---- checks of the shared contract ---------------------------------------------------------

/** The report of a run: every field of the one shape, the right job, a fresh run id. */
export function assertReport(res: JobCall, job: string, phases: string[]) {
  assert.deepEqual(Object.keys(res.body).sort(), [
    "backlog",
    "error",
    "job",
    "ms",
    "ok",
    "phases",
    "run_id",
    "stopped_early",
    "totals",
  ]);
  assert.equal(res.body.job, job);
  assert.match(res.body.run_id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(res.body.phases.map((p) => p.name), phases);
  assert.equal(typeof res.body.ms, "number");
}

/**
 * Each job reports global summaries (the removal backlog, the open erasure requests) that other
 * work on the shared stack may change, so only their shape is asserted: exactly `counts` and
 * `others` as keys, the counts numbers.
 */
export function assertSummaryShape(value: unknown, counts: string[], others: string[]) {
  const v = value as Record<string, unknown>;
  assert.deepEqual(Object.keys(v).sort(), [...counts, ...others].sort());
  for (const key of counts) assert.equal(typeof v[key], "number", key);
}

export function assertStorageBacklogShape(backlog: unknown) {
  assertSummaryShape(backlog, ["pending", "due", "stuck"], ["oldest_enqueued_at"]);
}

export function assertErasureBacklogShape(backlog: unknown) {
  assertSummaryShape(backlog, ["open", "in_progress", "overdue"], ["oldest_due_at"]);
}

/** A request refused before the job ran: its status, an `error`, and no report. */
function assertNotRun(res: JobCall, status: number, label: string) {
  assert.equal(res.status, status, label);
  assert.equal(typeof res.body.error, "string", label);
  assert.equal(res.body.run_id, undefined, `${label}: no job output`);
}

/** Every case is refused with its status and an `error`, and the job does not run. */
export async function assertRefused(
  job: TestJob,
  cases: [label: string, token: string | null, status: number][],
) {
  for (const [label, token, status] of cases) {
    assertNotRun(await call(job, {}, { token }), status, label);
  }
  assertNotRun(await call(job, undefined, { method: "GET" }), 405, "GET");
}

// Bodies every job refuses (the runtime bounds batch_size and max_seconds), with the field named.
const sharedBadBodies: [body: unknown, field: string][] = [
  [{ batch_size: 0 }, "batch_size"],
  [{ batch_size: 1001 }, "batch_size"],
  [{ batch_size: 2.5 }, "batch_size"],
  [{ batch_size: "10" }, "batch_size"],
  [{ max_seconds: 381 }, "max_seconds"],
  [{ max_seconds: 0 }, "max_seconds"],
  [[1, 2], "body"],
];

/**
 * Every bad body (those every job refuses, then the job's own `cases`) gets 400 with an error
 * naming the field, and a body that is not JSON a 400 saying so; a body not declared as JSON
 * (text/plain, a form, or no type at all) gets 415, even when its text is valid JSON. None of
 * them runs the job.
 */
export async function assertBadBodies(job: TestJob, cases: [body: unknown, field: string][]) {
  for (const [body, field] of [...sharedBadBodies, ...cases]) {
    const res = await call(job, body);
    assertNotRun(res, 400, JSON.stringify(body));
    assert.match(res.body.error!, new RegExp(field), JSON.stringify(body));
  }
  const notJson = await call(job, undefined, { rawBody: "{nope" });
  assertNotRun(notJson, 400, "not JSON");
  assert.match(notJson.body.error!, /JSON/);

  const undeclared: [contentType: string | null, rawBody: string][] = [
    ["text/plain", "{}"],
    ["text/plain;charset=UTF-8", '{"batch_size": 10}'],
    ["application/x-www-form-urlencoded", "batch_size=10"],
    ["application/jsonp", "{}"],
    ["text/plain", ""],
    [null, "{}"],
  ];
  for (const [contentType, rawBody] of undeclared) {
    const label = `${contentType ?? "no content-type"}: ${rawBody}`;
    const res = await call(job, undefined, { contentType, rawBody });
    assertNotRun(res, 415, label);
    assert.match(res.body.error!, /application\/json/, label);
  }
}
