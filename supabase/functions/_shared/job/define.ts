// The scheduled-job runtime. A job is a name, a body schema, its phases and its monitors;
// defineJob() turns that into the Edge Function's handler, which
//   1. refuses anything but a POST from the scheduler or a service-role caller, with a JSON body;
//   2. runs the phases in order against one deadline (max_seconds), each phase leaving the time
//      the phases after it reserve;
//   3. reads every monitor (the work still queued, and what makes the run fail);
//   4. answers and logs one JobReport: 200 when ok, 500 with `error` otherwise.
// All progress lives in Postgres, so a phase may stop at its deadline (or the process die) and
// the next run resumes.
import { z } from "zod";
import { requireServiceRoleCaller } from "../caller.ts";
import { messageOf, type Sql } from "../db.ts";
import { Deadline } from "../deadline.ts";
import { errorResponse, HttpError, json, parseJsonBody, requirePost } from "../http.ts";
import { type Logger, withFields } from "../logger.ts";
import type { JobDeps } from "./deps.ts";
import { type JobReport, type PhaseReport, sumCounts } from "./report.ts";

/** The body fields every job takes; `own` adds the job's. Unknown fields are refused. */
export function jobBody<T extends z.ZodRawShape>(own: T) {
  return z.object({
    // Rows per batch or step (surveys, for both jobs).
    batch_size: z.number().int().min(1).max(1000).default(200),
    // Edge Functions stop at 400 s wall clock; 380 leaves room to answer.
    max_seconds: z.number().min(1).max(380).default(240),
    ...own,
  }).strict();
}

export interface JobBody {
  batch_size: number;
  max_seconds: number;
}

export interface PhaseRun<Body, Count extends string = string> {
  deps: JobDeps;
  body: Body;
  /** This phase's deadline: the run's, less what the phases after it reserve. */
  deadline: Deadline;
  /** The whole run's deadline (a lease must outlive the run, not just the phase). */
  runDeadline: Deadline;
  /** The job's name in the audit trail (actor_job). */
  auditActor: string;
  /** Adds the job, run id and phase to every line. */
  logger: Logger;
  /** Adds `n` (default 1) to one of the phase's counts. */
  count(name: Count, n?: number): void;
}

export interface PhaseOutcome {
  stoppedEarly?: boolean;
  details?: Record<string, unknown>;
}

export interface Phase<Body = unknown, Count extends string = string> {
  name: string;
  /** Every count the phase reports; each starts at 0. */
  counts: readonly Count[];
  /** Time this phase keeps from the phases before it, given the run's budget. */
  reserveMs?(budgetMs: number): number;
  run(run: PhaseRun<Body, Count>): Promise<PhaseOutcome | void>;
}

export interface MonitorReading {
  summary: Record<string, unknown>;
  /** What makes the run fail (the ops signal), as sentences; empty when all is well. */
  problems: string[];
}

export interface Monitor {
  name: string;
  read(sql: Sql): Promise<MonitorReading>;
}

export interface JobSpec<Body extends JobBody> {
  /** The Edge Function's name: its URL path, its cron job's target, its logs' `job` field. */
  name: string;
  /** Its name in the audit trail (actor_job), as the SQL functions write it. */
  auditActor: string;
  body: z.ZodType<Body, z.ZodTypeDef, unknown>;
  phases(body: Body): Phase<Body>[];
  monitors: Monitor[];
}

export interface Job<Body extends JobBody = JobBody> extends JobSpec<Body> {
  handler(deps: JobDeps): (req: Request) => Promise<Response>;
}

export function defineJob<Body extends JobBody>(spec: JobSpec<Body>): Job<Body> {
  return { ...spec, handler: (deps) => (req) => handle(spec, deps, req) };
}

async function handle<Body extends JobBody>(
  spec: JobSpec<Body>,
  deps: JobDeps,
  req: Request,
): Promise<Response> {
  let body: Body;
  try {
    requirePost(req);
    await requireServiceRoleCaller(req, deps.auth);
    body = await parseJsonBody(req, spec.body, { nameUnknownFields: true });
  } catch (err) {
    if (err instanceof HttpError) return errorResponse(err);
    throw err;
  }

  const report: JobReport = {
    job: spec.name,
    run_id: crypto.randomUUID(),
    ok: false,
    phases: [],
    totals: {},
    backlog: {},
    stopped_early: false,
    ms: 0,
    error: null,
  };
  const logger = withFields(deps.logger, { run_id: report.run_id });
  const deadline = Deadline.after(deps.clock, body.max_seconds * 1000);

  try {
    await runPhases(spec, deps, body, deadline, logger, report.phases);
  } catch (err) {
    // The message only: a stack trace tells the caller nothing and may reveal internals.
    report.error = messageOf(err);
  }
  const problems: string[] = [];
  for (const monitor of spec.monitors) {
    try {
      const reading = await monitor.read(deps.sql);
      report.backlog[monitor.name] = reading.summary;
      problems.push(...reading.problems);
    } catch (err) {
      report.error ??= messageOf(err);
    }
  }
  report.totals = sumCounts(report.phases);
  report.stopped_early = report.phases.some((p) => p.stopped_early);
  if (report.error === null && problems.length > 0) report.error = problems.join("; ");
  report.ok = report.error === null;
  report.ms = Math.round(deadline.elapsedMs());

  if (report.ok) logger.info(`${spec.name} finished`, { report });
  else logger.error(`${spec.name} needs attention`, { report });
  return json(report, report.ok ? 200 : 500);
}

async function runPhases<Body extends JobBody>(
  spec: JobSpec<Body>,
  deps: JobDeps,
  body: Body,
  deadline: Deadline,
  logger: Logger,
  reports: PhaseReport[],
): Promise<void> {
  const phases = spec.phases(body);
  const budgetMs = body.max_seconds * 1000;
  for (const [i, phase] of phases.entries()) {
    const reserved = phases.slice(i + 1)
      .reduce((ms, later) => ms + (later.reserveMs?.(budgetMs) ?? 0), 0);
    const entry: PhaseReport = {
      name: phase.name,
      counts: Object.fromEntries(phase.counts.map((name) => [name, 0])),
      stopped_early: false,
      ms: 0,
    };
    reports.push(entry);
    const started = deps.clock.now();
    try {
      const outcome = await phase.run({
        deps,
        body,
        deadline: deadline.reserving(reserved),
        runDeadline: deadline,
        auditActor: spec.auditActor,
        logger: withFields(logger, { phase: phase.name }),
        count: (name, n = 1) => {
          entry.counts[name] += n;
        },
      });
      entry.stopped_early = outcome?.stoppedEarly ?? false;
      if (outcome?.details) entry.details = outcome.details;
    } finally {
      entry.ms = Math.round(deps.clock.now() - started);
    }
  }
}
