// What the tests of the two scheduled jobs share. retention-purge and account-erasure take the
// same deps and answer the same HTTP contract (a POST with a JSON body, the scheduler's bearer
// token checked by _shared/caller.ts, `error` on 4xx/5xx), so the wiring to the stack, the
// request builder, the test wrapper and the checks of that contract live here once;
// support/retention.ts and support/erasure.ts only name their handler, path and result type.
import assert from "node:assert/strict";
import { createSql, type Sql } from "../../_shared/db.ts";
import { type Clock, systemClock } from "../../_shared/deadline.ts";
import { type Logger, silentLogger } from "../../_shared/logger.ts";
import { supabaseObjectRemover } from "../../_shared/storage.ts";
import type { AccountErasureDeps } from "../../account-erasure/handler.ts";
import type { RetentionPurgeDeps } from "../../retention-purge/handler.ts";
import { adminSql, clearFaults, stack } from "./stack.ts";

// ---- wiring --------------------------------------------------------------------------------

/** Deps that either job's handler takes (the two declare the same fields). */
export type JobDeps = RetentionPurgeDeps & AccountErasureDeps;

export type Handler = (req: Request) => Promise<Response>;

export interface Job {
  handler: Handler;
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

/**
 * A clock that moves `stepMs` every time it is read: a job's time budget then runs out after a
 * fixed number of steps, however fast or loaded the machine is.
 */
export function tickingClock(stepMs: number): Clock {
  let t = 0;
  return { now: () => (t += stepMs) };
}

/** A job wired to the stack as in production, with its own connection pool. */
export function stackJob(
  name: string,
  createHandler: (deps: JobDeps) => Handler,
  options: JobOptions = {},
): Job {
  const pool = createSql(stack.DB_URL, { applicationName: `${name}-test` });
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
  return {
    handler: createHandler(deps),
    deps,
    close: () => pool.end({ timeout: 5 }),
  };
}

/** Runs `fn` with an extra job (its own pool, like a second isolate) and closes it after. */
export async function withJob<T>(job: Job, fn: (job: Job) => Promise<T>): Promise<T> {
  try {
    return await fn(job);
  } finally {
    await job.close();
  }
}

// ---- calls ---------------------------------------------------------------------------------

export interface JobCall<Result> {
  status: number;
  body: Result & { error?: string };
}

export interface CallInit {
  /** The bearer token: the service-role key unless given; null sends no Authorization. */
  token?: string | null;
  method?: string;
  /** Sent as is instead of the JSON of `body`. */
  rawBody?: string;
}

/** Calls the handler as the scheduler calls the deployed function at /functions/v1/<path>. */
export async function callJob<Result>(
  handler: Handler,
  path: string,
  body: unknown = {},
  init: CallInit = {},
): Promise<JobCall<Result>> {
  const headers = new Headers({ "content-type": "application/json" });
  const token = init.token === undefined ? stack.SERVICE_ROLE_KEY : init.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  const method = init.method ?? "POST";
  const res = await handler(
    new Request(`http://localhost/functions/v1/${path}`, {
      method,
      headers,
      body: method === "GET" ? undefined : (init.rawBody ?? JSON.stringify(body)),
    }),
  );
  return { status: res.status, body: await res.json() };
}

/** Calls the job with `body` until a run no longer stops early (at most `runs` times). */
export async function drainJob(job: Job, path: string, body: unknown, runs: number) {
  await withJob(job, async () => {
    for (let i = 0; i < runs; i++) {
      const res = await callJob<{ stopped_early: boolean }>(job.handler, path, body);
      if (!res.body.stopped_early) break;
    }
  });
}

// ---- the test wrapper ----------------------------------------------------------------------

export type ScenarioFn = (sql: Sql, job: Job) => Promise<void>;

export interface ScenarioOptions {
  /** The job the test gets (default: the file's). */
  job?: () => Job;
  /** Runs after the test whatever happened, before the pools close. */
  cleanup?: (job: Job) => Promise<void>;
}

/**
 * The `scenario(name, [options,] fn)` of a test file: each test gets a direct connection as
 * `postgres` and a job of its own, runs after `quiesce` has brought the shared stack to a known
 * state, and leaves no Storage fault armed and no pool open, whatever happens.
 */
export function jobScenarios(file: { job: () => Job; quiesce: (sql: Sql) => Promise<void> }) {
  function scenario(name: string, fn: ScenarioFn): void;
  function scenario(name: string, options: ScenarioOptions, fn: ScenarioFn): void;
  function scenario(name: string, a: ScenarioOptions | ScenarioFn, b?: ScenarioFn): void {
    const [options, fn] = typeof a === "function" ? [{}, a] : [a, b!];
    Deno.test({
      name,
      // postgres.js keeps idle timers; every pool is closed in `finally`.
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        const sql = adminSql();
        const job = (options.job ?? file.job)();
        try {
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

/**
 * Each job reports a global summary (the removal backlog, the open deletion requests) that other
 * work on the shared stack may change, so only its shape is asserted: exactly `counts` and
 * `others` as keys, the counts numbers.
 */
export function assertSummaryShape(value: unknown, counts: string[], others: string[]) {
  const v = value as Record<string, unknown>;
  assert.deepEqual(Object.keys(v).sort(), [...counts, ...others].sort());
  for (const key of counts) assert.equal(typeof v[key], "number", key);
}

/** Every case is refused with its status and an `error`, and the job does not run. */
export async function assertRefused<Result>(
  callAs: (token: string | null) => Promise<JobCall<Result>>,
  cases: [label: string, token: string | null, status: number][],
  output: keyof Result,
) {
  for (const [label, token, status] of cases) {
    const res = await callAs(token);
    assert.equal(res.status, status, label);
    assert.equal(typeof res.body.error, "string", label);
    assert.equal(res.body[output], undefined, `${label}: no job output`);
  }
}

// Bodies both jobs refuse (they bound batch_size and max_seconds alike), with the field named.
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
 * Every bad body (those both jobs refuse, then the job's own `cases`), and a body that is not
 * JSON, gets 400 with an error naming the field (with `output`: and the job does not run).
 */
export async function assertBadBodies<Result>(
  call: (body: unknown, init?: CallInit) => Promise<JobCall<Result>>,
  cases: [body: unknown, field: string][],
  output?: keyof Result,
) {
  for (const [body, field] of [...sharedBadBodies, ...cases]) {
    const res = await call(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(res.body.error!, new RegExp(field), JSON.stringify(body));
    if (output !== undefined) assert.equal(res.body[output], undefined);
  }
  const notJson = await call(undefined, { rawBody: "{nope" });
  assert.equal(notJson.status, 400);
  assert.match(notJson.body.error!, /JSON/);
}
