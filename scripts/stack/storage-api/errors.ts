// Errors in the shape the real storage-api sends them.
//
// The real service renders every error as
//   {"statusCode": "<logical status>", "code": "<ErrorCode>", "error": "<legacy name>", "message": "..."}
// and, quirk kept on purpose, answers with HTTP 400 for every logical status except
// 500 (and a few that pick their own, e.g. 544 for a database timeout). supabase-js
// reads `statusCode`/`code` from the body, so clients see the same thing here as there.

export interface ErrorOptions {
  code: string;
  httpStatusCode: number;
  message: string;
  /** Legacy `error` field; falls back to `code` like the real error handler does. */
  error?: string;
  /** HTTP status actually sent; defaults to 500 for 500 and 400 for everything else. */
  userStatusCode?: number;
}

export class StorageError extends Error {
  readonly code: string;
  readonly httpStatusCode: number;
  readonly legacyError?: string;
  readonly userStatusCode: number;

  constructor(opts: ErrorOptions) {
    super(opts.message);
    this.code = opts.code;
    this.httpStatusCode = opts.httpStatusCode;
    this.legacyError = opts.error;
    this.userStatusCode = opts.userStatusCode ??
      (opts.httpStatusCode === 500 ? 500 : 400);
  }

  render(): Record<string, string> {
    return {
      statusCode: String(this.httpStatusCode),
      code: this.code,
      error: this.legacyError ?? this.code,
      message: this.message,
    };
  }

  toResponse(): Response {
    return Response.json(this.render(), { status: this.userStatusCode });
  }
}

/**
 * Request-schema failures. The real service lets Fastify/Ajv reject these, which
 * produces a body without `code` and a real HTTP 400.
 */
export class ValidationError extends Error {
  toResponse(): Response {
    return Response.json(
      { statusCode: "400", error: "Error", message: this.message },
      { status: 400 },
    );
  }
}

const e = (opts: ErrorOptions) => new StorageError(opts);

export const ERRORS = {
  NoSuchBucket: () =>
    e({
      code: "NoSuchBucket",
      error: "Bucket not found",
      httpStatusCode: 404,
      message: "Bucket not found",
    }),
  NoSuchKey: () =>
    e({
      code: "NoSuchKey",
      error: "not_found",
      httpStatusCode: 404,
      message: "Object not found",
    }),
  AccessDenied: (message?: string) =>
    e({
      code: "AccessDenied",
      error: "Unauthorized",
      httpStatusCode: 403,
      message: message || "Access denied",
    }),
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
  BucketAlreadyExists: () =>
    e({
      code: "BucketAlreadyExists",
      error: "Duplicate",
      httpStatusCode: 409,
      message: "The resource already exists",
    }),
  BucketNotEmpty: () =>
    e({
      code: "ResourceNotEmpty",
      httpStatusCode: 409,
      message: "The bucket you tried to delete is not empty",
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
  InvalidBucketName: () =>
    e({
      code: "InvalidBucketName",
      error: "Invalid Input",
      httpStatusCode: 400,
      message: "Bucket name invalid",
    }),
  InvalidKey: (key: string) =>
    e({
      code: "InvalidKey",
      httpStatusCode: 400,
      message: `Invalid key: ${key}`,
    }),
  InvalidRequest: (message: string) => e({ code: "InvalidRequest", httpStatusCode: 400, message }),
  InvalidFileSizeLimit: () =>
    e({
      code: "InvalidRequest",
      httpStatusCode: 400,
      message: "Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B",
    }),
  NoContentProvided: () =>
    e({
      code: "InvalidRequest",
      httpStatusCode: 400,
      message: "No content provided",
    }),
  RelatedResourceNotFound: () =>
    e({
      code: "InvalidRequest",
      httpStatusCode: 404,
      message: "The related resource does not exist",
    }),
  ResourceLocked: () =>
    e({
      code: "ResourceLocked",
      httpStatusCode: 423,
      message: "The resource is locked",
    }),
  DatabaseTimeout: () =>
    e({
      code: "DatabaseTimeout",
      httpStatusCode: 544,
      userStatusCode: 544,
      message: "The connection to the database timed out",
    }),
  DatabaseError: (message: string) => e({ code: "DatabaseError", httpStatusCode: 500, message }),
  InternalError: (message?: string) =>
    e({
      code: "InternalError",
      httpStatusCode: 500,
      message: message || "Internal server error",
    }),
};

interface PgLikeError {
  code?: string;
  message?: string;
}

function isPgError(err: unknown): err is PgLikeError & Error {
  return err instanceof Error && (err as { name?: string }).name === "PostgresError";
}

/** Same SQLSTATE mapping as storage-api's DBError.fromDBError. */
export function fromDbError(err: PgLikeError): StorageError {
  switch (err.code) {
    case "42501":
      return ERRORS.AccessDenied(
        err.message?.includes("row-level security")
          ? "new row violates row-level security policy"
          : err.message,
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

/** Turns anything thrown by a handler into the wire response. */
export function errorResponse(err: unknown): Response {
  if (err instanceof StorageError || err instanceof ValidationError) {
    return err.toResponse();
  }
  if (isPgError(err)) return fromDbError(err).toResponse();
  console.error("unhandled error:", err);
  return Response.json(
    { statusCode: "500", error: "Internal", message: "Internal Server Error" },
    { status: 500 },
  );
}
