// Input rules of the real storage-api: which object keys are accepted (src/storage/limits.ts)
// and how a mime type is matched against a bucket's allowed types (Uploader.validateMimeType).

import { ERRORS } from "./errors.ts";

// The real VALID_OBJECT_KEY: letters, digits and the S3 "safe" specials, `/` included. The
// hyphen is last so that it is a literal, not a range.
const VALID_OBJECT_KEY = /^[A-Za-z0-9_/!.*'() &$=@;:+,?-]*$/;

export function isValidKey(key: string): boolean {
  // A `..` segment is refused, never resolved: `a/../x.webm` is not another name for `x.webm`.
  return key.length > 0 && VALID_OBJECT_KEY.test(key) && !key.split("/").includes("..");
}

export function mustBeValidKey(key: string): void {
  if (!isValidKey(key)) throw ERRORS.InvalidKey(key);
}

/** Placeholder objects the dashboard creates for empty folders: 0 bytes, any type. */
export function isEmptyFolderPlaceholder(name: string): boolean {
  return name.endsWith(".emptyFolderPlaceholder");
}

/**
 * Split on "/", then accept a "type/*" wildcard or an exact "type/subtype" match. Parameters
 * are not stripped, so "text/plain;charset=UTF-8" does not match "text/plain" there either.
 */
export function validateMimeType(mimeType: string, allowed: string[]): void {
  const [type, sub] = mimeType.split("/");
  if (sub === undefined) throw ERRORS.InvalidMimeType(mimeType);
  for (const candidate of allowed) {
    const [allowedType, allowedSub] = candidate.split("/");
    if (allowedType === type && (allowedSub === "*" || allowedSub === sub)) return;
  }
  throw ERRORS.InvalidMimeType(mimeType);
}
