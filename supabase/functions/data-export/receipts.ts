// The `receipts` phase: every completed data-subject request (any kind, from any job) gets its
// receipt signed here (the key is an Edge Function secret, never in the database) and stored;
// private.dsr_receipt_store mails it to a requester who still has an account. Without a key
// (DSR_RECEIPT_PRIVATE_KEY / DSR_RECEIPT_PUBLIC_KEY unset) the receipts wait, and the run says so.
import { z } from "zod";
import { withRetry } from "../_shared/db.ts";
import type { ReceiptSigner } from "../_shared/dsr/receipt.ts";
import type { JobBody, Phase } from "../_shared/job/define.ts";
import { callRows, callValue } from "../_shared/private-functions.ts";

type Count = "receipts_signed" | "receipts_mailed";

const Content = z.record(z.unknown());

export function receiptsPhase(
  signerSource: () => Promise<ReceiptSigner | null>,
): Phase<JobBody, Count> {
  return {
    name: "receipts",
    counts: ["receipts_signed", "receipts_mailed"],
    async run({ deps, body, deadline, count }) {
      const signer = await signerSource();
      if (!signer) {
        return { details: { signer: "not configured (DSR_RECEIPT_PRIVATE_KEY is not set)" } };
      }
      for (;;) {
        if (!deadline.hasRoomFor(1_000)) return { stoppedEarly: true };
        const pending = await withRetry(() =>
          callRows(deps.sql, "dsr_receipt_pending", { p_limit: body.batch_size })
        );
        for (const { id, content } of pending) {
          const signed = await signer.sign(Content.parse(content));
          const mailed = await withRetry(() =>
            callValue(deps.sql, "dsr_receipt_store", {
              p_id: id,
              p_content: signed.receipt as never,
              p_signature: signed.signature,
              p_key_id: signed.key_id,
            })
          );
          count("receipts_signed");
          if (mailed) count("receipts_mailed");
        }
        if (pending.length < body.batch_size) return {};
      }
    },
  };
}
