// Runtime configuration of the Storage API stand-in, read once from the environment: the
// STORAGE_* settings, and the JWT_SECRET the whole local stack shares.

export interface Config {
  port: number;
  host: string;
  dbUrl: string;
  jwtSecret: string;
  storageRoot: string;
  /** Global upload ceiling in bytes; the real service's FILE_SIZE_LIMIT defaults to 50 MiB. */
  fileSizeLimit: number;
  /** Names per remove call; the real service's MAX_OBJECTS_PER_REQUEST is 1000. */
  deleteObjectsLimit: number;
  /** Seconds a signed upload URL lasts; the real UPLOAD_SIGNED_URL_EXPIRATION_TIME (2 hours). */
  uploadSignedUrlExpirationTime: number;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

export function loadConfig(): Config {
  return {
    port: intFromEnv("STORAGE_PORT", 54321),
    host: Deno.env.get("STORAGE_HOST") || "127.0.0.1",
    dbUrl: required("STORAGE_DB_URL"),
    jwtSecret: required("JWT_SECRET"),
    storageRoot: Deno.env.get("STORAGE_ROOT") || ".local/storage",
    fileSizeLimit: intFromEnv("STORAGE_FILE_SIZE_LIMIT", 50 * 1024 * 1024),
    deleteObjectsLimit: intFromEnv("STORAGE_DELETE_OBJECTS_LIMIT", 1000),
    uploadSignedUrlExpirationTime: intFromEnv("UPLOAD_SIGNED_URL_EXPIRATION_TIME", 7200),
  };
}
