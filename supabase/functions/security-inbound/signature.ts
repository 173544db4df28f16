// The inbound-mail webhook's signature: HMAC-SHA256 over the raw body with the signing secret
// shared with the mail provider, sent hex-encoded as `x-inbound-signature: sha256=<hex>`.
// Compared in constant time, before the body is parsed.
import { constantTimeEqual } from "../_shared/caller.ts";
import { sourceHash } from "../_shared/security-report/source.ts";

export const SIGNATURE_HEADER = "x-inbound-signature";

/** The header value a provider sends for `body`. */
export async function signBody(secret: string, body: string): Promise<string> {
  return `sha256=${await sourceHash(secret, body)}`;
}

export async function signatureIsValid(
  secret: string,
  body: string,
  header: string | null,
): Promise<boolean> {
  if (!header) return false;
  return await constantTimeEqual(header.trim().toLowerCase(), await signBody(secret, body));
}
