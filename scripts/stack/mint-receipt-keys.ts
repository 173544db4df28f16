// Mints the local stack's Ed25519 key pair for data-subject request receipts, as KEY=value lines
// (base64: PKCS#8 private key, raw public key). up.sh keeps them in .local/receipt-keys.env, so
// receipts issued before a restart still verify; a hosted project sets them as Edge Function
// secrets (docs/DATA_SUBJECT_RIGHTS.md, "Receipts").
import { generateReceiptKeys } from "../../supabase/functions/_shared/dsr/receipt.ts";

const { privateKey, publicKey } = await generateReceiptKeys();
console.log(`DSR_RECEIPT_PRIVATE_KEY=${privateKey}`);
console.log(`DSR_RECEIPT_PUBLIC_KEY=${publicKey}`);
