// Scheduled account data exports (every 5 minutes): see build.ts.
import { defineJob, jobBody } from "../_shared/job/define.ts";
import { closingMonitors, closingPhases } from "../_shared/job/closing.ts";
import { buildPhase, expirePhase } from "./build.ts";
import type { ExportStore } from "./store.ts";

export function dataExport(store: ExportStore) {
  return defineJob({
    name: "data-export",
    auditActor: "data_export",
    body: jobBody({}),
    phases: () => [buildPhase(store), expirePhase(store), ...closingPhases],
    monitors: [...closingMonitors],
  });
}
