// Input rules copied in spirit from storage-api's limits.ts and uploader.ts: which
// object keys and bucket names are accepted, how mime types are matched, how a
// "100MB"-style size is parsed.

import { ERRORS } from "./errors.ts";

// Rejects control chars, S3 "characters to avoid" and invisible/bidi code points.
const INVALID_KEY_CHARS =
  // deno-lint-ignore no-control-regex -- rejecting control characters is the point
  /[\u0000-\u001f\u007f\u0080-\u009f#\[\]{}^`"<>\\|%~\u034f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]/u;
// `.` or `..` as a whole path segment.
const PATH_TRAVERSAL = /(^|\/)\.{1,2}(\/|$)/;
const MAX_KEY_BYTES = 1024;
const VALID_BUCKET_NAME = /^[A-Za-z0-9_!.*'() &$=@;:+,?-]*$/;

export function isValidKey(key: string): boolean {
  if (!key) return false;
  if (INVALID_KEY_CHARS.test(key)) return false;
  // Also what keeps keys from escaping the bucket directory on disk.
  if (PATH_TRAVERSAL.test(key)) return false;
  return new TextEncoder().encode(key).length <= MAX_KEY_BYTES;
}

export function mustBeValidKey(key: string): void {
  if (!isValidKey(key)) throw ERRORS.InvalidKey(key);
}

export function mustBeValidBucketName(name: string | undefined): void {
  if (
    !name || name.length > 100 || !VALID_BUCKET_NAME.test(name) ||
    // On disk every bucket is a directory; these would alias or escape the root.
    name === "." || name === ".." || name.includes("/")
  ) {
    throw ERRORS.InvalidBucketName();
  }
}

/** Placeholder objects the dashboard creates for empty folders: 0 bytes, any type. */
export function isEmptyFolderPlaceholder(name: string): boolean {
  return name.endsWith(".emptyFolderPlaceholder");
}

/**
 * Real rule: split on "/", accept "type/*" wildcards or an exact "type/subtype"
 * match. Parameters are not stripped, so "text/plain;charset=UTF-8" does not match
 * "text/plain" there either.
 */
export function validateMimeType(mimeType: string, allowed: string[]): void {
  const [type, sub] = mimeType.split("/");
  if (sub === undefined) {
    throw ERRORS.InvalidMimeType(mimeType);
  }
  for (const candidate of allowed) {
    const [allowedType, allowedSub] = candidate.split("/");
    if (allowedType === type && (allowedSub === "*" || allowedSub === sub)) {
      return;
    }
  }
  throw ERRORS.InvalidMimeType(mimeType);
}

/** Bucket file_size_limit accepts an integer or a string like "20MB" (decimal units). */
export function parseFileSizeLimit(
  value: number | string | null | undefined,
): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw ERRORS.InvalidFileSizeLimit();
    return value;
  }
  const match = /^([0-9]+(?:\.[0-9]+)?)(gb|mb|kb|b)$/i.exec(value);
  if (!match) throw ERRORS.InvalidFileSizeLimit();
  const n = parseFloat(match[1]);
  const unit = match[2].toUpperCase();
  const factor = unit === "GB" ? 1e9 : unit === "MB" ? 1e6 : unit === "KB" ? 1e3 : 1;
  return Math.round(n * factor);
}
