// Signed receipts of completed data-subject requests (docs/DATA_SUBJECT_RIGHTS.md, "Receipts"):
// Ed25519 (WebCrypto) over the receipt's canonical JSON (keys sorted at every level, no
// whitespace), so anyone with the public key can check one later, whatever serialised it.
// Keys travel base64: the private key as PKCS#8, the public key raw (32 bytes); a key's id is
// the first 16 hex digits of the SHA-256 of the raw public key.

function encodeBase64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function encodeBase64Url(bytes: Uint8Array): string {
  return encodeBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export interface SignedReceipt {
  alg: "Ed25519";
  key_id: string;
  receipt: Record<string, unknown>;
  signature: string;
}

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

async function keyId(rawPublicKey: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", rawPublicKey));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  return decodeBase64(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

export interface ReceiptSigner {
  keyId: string;
  sign(receipt: Record<string, unknown>): Promise<SignedReceipt>;
}

/** A signer from the base64 PKCS#8 private key and the base64 raw public key. */
export async function receiptSigner(
  privateKeyB64: string,
  publicKeyB64: string,
): Promise<ReceiptSigner> {
  const key = await crypto.subtle.importKey(
    "pkcs8",
    decodeBase64(privateKeyB64),
    { name: "Ed25519" },
    false,
    ["sign"],
  );
  const id = await keyId(decodeBase64(publicKeyB64));
  return {
    keyId: id,
    async sign(receipt) {
      const bytes = new TextEncoder().encode(canonicalJson(receipt));
      const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, bytes));
      return { alg: "Ed25519", key_id: id, receipt, signature: encodeBase64Url(signature) };
    },
  };
}

/** Whether the document's signature holds for its receipt under this public key. */
export async function verifyReceipt(doc: SignedReceipt, publicKeyB64: string): Promise<boolean> {
  if (doc?.alg !== "Ed25519" || typeof doc.signature !== "string") return false;
  const raw = decodeBase64(publicKeyB64);
  if (doc.key_id !== await keyId(raw)) return false;
  const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
  try {
    return await crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      fromBase64Url(doc.signature),
      new TextEncoder().encode(canonicalJson(doc.receipt)),
    );
  } catch {
    return false;
  }
}

/** A fresh key pair, base64 (PKCS#8 private, raw public): for the local stack and tests. */
export async function generateReceiptKeys(): Promise<{ privateKey: string; publicKey: string }> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  return {
    privateKey: encodeBase64(
      new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey)),
    ),
    publicKey: encodeBase64(new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey))),
  };
}

/**
 * The signer configured by DSR_RECEIPT_PRIVATE_KEY and DSR_RECEIPT_PUBLIC_KEY (read through
 * `setting`, when first needed), or null when they are not set.
 */
export function receiptSignerFrom(
  setting: (name: string) => string | undefined,
): () => Promise<ReceiptSigner | null> {
  let signer: Promise<ReceiptSigner | null> | null = null;
  return () => {
    signer ??= (async () => {
      const privateKey = setting("DSR_RECEIPT_PRIVATE_KEY");
      const publicKey = setting("DSR_RECEIPT_PUBLIC_KEY");
      return privateKey && publicKey ? await receiptSigner(privateKey, publicKey) : null;
    })();
    return signer;
  };
}
