// Errors in the shape the real storage-api (supabase/storage) sends them:
//   {"statusCode": "<logical status>", "code": "<ErrorCode>", "error": "<legacy name>", "message": "..."}
// The HTTP status is 400 for every logical status except 500 (and the few errors that pick
// their own, such as 544 for a database timeout), as the real error handler does; supabase-js
// reads `statusCode` and `code` from the body.

export interface ErrorOptions {
  code: string;
  /** The logical status, sent as the string `statusCode`. */
  httpStatusCode: number;
  message: string;
  /** The legacy `error` field; the real handler falls back to `code`. */
  error?: string;
  /** The HTTP status actually sent; 500 for 500, else 400. */
  userStatusCode?: number;
}

export class StorageError extends Error {
  readonly code: string;
  readonly httpStatusCode: number;
  readonly legacyError: string;
  readonly userStatusCode: number;

  constructor(opts: ErrorOptions) {
    super(opts.message);
    this.code = opts.code;
    this.httpStatusCode = opts.httpStatusCode;
    this.legacyError = opts.error ?? opts.code;
    this.userStatusCode = opts.userStatusCode ?? (opts.httpStatusCode === 500 ? 500 : 400);
  }

  toResponse(): Response {
    const body = {
      statusCode: String(this.httpStatusCode),
      code: this.code,
      error: this.legacyError,
      message: this.message,
    };
    return Response.json(body, { status: this.userStatusCode });
  }
}

const e = (opts: ErrorOptions) => new StorageError(opts);

/** The real ERRORS (src/internal/errors/codes.ts), limited to those the stand-in raises. */
export const ERRORS = {
  NoSuchBucket: () =>
    e({
      code: "NoSuchBucket",
      error: "Bucket not found",
      httpStatusCode: 404,
      message: "Bucket not found",
    }),
  NoSuchKey: () =>
    e({ code: "NoSuchKey", error: "not_found", httpStatusCode: 404, message: "Object not found" }),
  AccessDenied: (message: string) =>
    e({ code: "AccessDenied", error: "Unauthorized", httpStatusCode: 403, message }),
  ResourceAlreadyExists: () =>
    e({
      code: "ResourceAlreadyExists",
      error: "Duplicate",
      httpStatusCode: 409,
      message: "The resource already exists",
    }),
  KeyAlreadyExists: () =>
    e({
      code: "KeyAlreadyExists",
      error: "Duplicate",
      httpStatusCode: 409,
      message: "The resource already exists",
    }),
  InvalidMimeType: (mimeType: string) =>
    e({
      code: "InvalidMimeType",
      error: "invalid_mime_type",
      httpStatusCode: 415,
      message: `mime type ${mimeType} is not supported`,
    }),
  EntityTooLarge: () =>
    e({
      code: "EntityTooLarge",
      error: "Payload too large",
      httpStatusCode: 413,
      message: "The object exceeded the maximum allowed size",
    }),
  InvalidKey: (key: string) =>
    e({ code: "InvalidKey", httpStatusCode: 400, message: `Invalid key: ${key}` }),
  InvalidJWT: (message: string) =>
    e({ code: "InvalidJWT", httpStatusCode: 400, message: message || "Invalid JWT" }),
  InvalidSignature: (message = "Invalid signature") =>
    e({ code: "InvalidSignature", httpStatusCode: 400, message }),
  ExpiredSignature: () =>
    e({ code: "ExpiredToken", httpStatusCode: 400, message: "The provided token has expired." }),
  InvalidRequest: (message: string) => e({ code: "InvalidRequest", httpStatusCode: 400, message }),
  NoContentProvided: () =>
    e({ code: "InvalidRequest", httpStatusCode: 400, message: "No content provided" }),
  /**
   * A request Fastify refuses before the handler runs: a schema failure (`error` is then the
   * name of the thrown Error, "Error") or an unparsable JSON body ("FastifyError"). Both map to
   * InvalidRequest in the real getErrorCode().
   */
  RequestSchema: (message: string, error = "Error") =>
    e({ code: "InvalidRequest", error, httpStatusCode: 400, message }),
  RelatedResourceNotFound: () =>
    e({
      code: "InvalidRequest",
      httpStatusCode: 404,
      message: "The related resource does not exist",
    }),
  ResourceLocked: () =>
    e({ code: "ResourceLocked", httpStatusCode: 423, message: "The resource is locked" }),
  DatabaseTimeout: () =>
    e({
      code: "DatabaseTimeout",
      httpStatusCode: 544,
      userStatusCode: 544,
      message: "The connection to the database timed out",
    }),
  DatabaseError: (message: string) => e({ code: "DatabaseError", httpStatusCode: 500, message }),
  InternalError: (message = "Internal server error", userStatusCode = 500) =>
    e({ code: "InternalError", httpStatusCode: userStatusCode, userStatusCode, message }),
};

interface PgLikeError {
  code?: string;
  message?: string;
}

function isPgError(err: unknown): err is PgLikeError & Error {
  return err instanceof Error && (err as { name?: string }).name === "PostgresError";
}

/** The SQLSTATE mapping of the real DBError.fromDBError. */
export function fromDbError(err: PgLikeError): StorageError {
  switch (err.code) {
    case "42501":
      return ERRORS.AccessDenied(
        err.message?.includes("row-level security")
          ? "new row violates row-level security policy"
          : err.message ?? "Access denied",
      );
    case "23505":
      return ERRORS.ResourceAlreadyExists();
    case "23503":
      return ERRORS.RelatedResourceNotFound();
    case "55P03":
      return ERRORS.ResourceLocked();
    case "57014":
      return ERRORS.DatabaseTimeout();
    default:
      return ERRORS.DatabaseError(`database error, code: ${err.code}`);
  }
}

/** Turns anything a handler throws into the wire response. */
export function errorResponse(err: unknown): Response {
  if (err instanceof StorageError) return err.toResponse();
  if (isPgError(err)) return fromDbError(err).toResponse();
  console.error("unhandled error:", err);
  return Response.json(
    {
      statusCode: "500",
      code: "InternalError",
      error: "Internal",
      message: "Internal Server Error",
    },
    { status: 500 },
  );
}
