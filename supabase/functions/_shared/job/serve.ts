// Serves a job as a deployed Edge Function: its dependencies are built once per isolate from
// the Edge Runtime's environment, and the handler checks the caller itself, whatever
// verify_jwt is set to.
import { depsFromEnv } from "./deps.ts";
import type { Job } from "./define.ts";

export function serveJob(job: Job): void {
  Deno.serve(job.handler(depsFromEnv(job.name)));
}
