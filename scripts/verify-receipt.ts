// Verifies a data-subject request receipt (docs/DATA_SUBJECT_RIGHTS.md, "Receipts") with the
// project's public key, offline:
//   deno run --allow-read --allow-env scripts/verify-receipt.ts receipt.json [public key, base64]
// The key defaults to DSR_RECEIPT_PUBLIC_KEY. Prints one line; exits 0 when the signature holds,
// 1 when it does not (altered, or signed by another key), 2 when it could not check.
import { type SignedReceipt, verifyReceipt } from "../supabase/functions/_shared/dsr/receipt.ts";

const [file, keyArg] = Deno.args;
const publicKey = keyArg ?? Deno.env.get("DSR_RECEIPT_PUBLIC_KEY");
if (!file || !publicKey) {
  console.error("usage: verify-receipt.ts <receipt.json> [public key] (or DSR_RECEIPT_PUBLIC_KEY)");
  Deno.exit(2);
}
let doc: SignedReceipt;
try {
  doc = JSON.parse(await Deno.readTextFile(file));
} catch (err) {
  console.error(`cannot read ${file}: ${err instanceof Error ? err.message : err}`);
  Deno.exit(2);
}
if (await verifyReceipt(doc, publicKey)) {
  console.log(`receipt ${doc.receipt?.request} verified: signed by key ${doc.key_id}`);
  Deno.exit(0);
}
console.log(
  `receipt ${doc.receipt?.request ?? "?"} NOT verified: altered or signed by another key`,
);
Deno.exit(1);
