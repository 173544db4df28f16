// Scheduled account data exports (every 5 minutes): see build.ts; then the receipts of every
// completed data-subject request (receipts.ts).
import type { ReceiptSigner } from "../_shared/dsr/receipt.ts";
import { defineJob, jobBody } from "../_shared/job/define.ts";
import { closingMonitors, closingPhases } from "../_shared/job/closing.ts";
import { buildPhase, expirePhase } from "./build.ts";
import { receiptsPhase } from "./receipts.ts";
import type { ExportStore } from "./store.ts";

export function dataExport(
  store: ExportStore,
  receiptSigner: () => Promise<ReceiptSigner | null>,
) {
  return defineJob({
    name: "data-export",
    auditActor: "data_export",
    body: jobBody({}),
    phases: () => [
      buildPhase(store),
      expirePhase,
      receiptsPhase(receiptSigner),
      ...closingPhases,
    ],
    monitors: [...closingMonitors],
  });
}
