// The functions' service-role Storage client, and removing Storage objects through the Storage
// API with it. (A DELETE on storage.objects is refused by storage.protect_delete() and would
// orphan the file.)
import { createClient, type SupabaseClient } from "@supabase/supabase-js";

export interface ServiceClientOptions {
  /** Wraps every request (e.g. to add an abort signal storage-js does not take). */
  fetch?: typeof fetch;
  /** Sent with every request, e.g. an `authorization` that replaces the key's own. */
  headers?: Record<string, string>;
}

/**
 * A supabase-js client with the service-role key that keeps no session: a function serves many
 * requests, and nothing may persist, refresh or read a session between them.
 */
export function serviceClient(
  supabaseUrl: string,
  serviceRoleKey: string,
  options: ServiceClientOptions = {},
): SupabaseClient {
  return createClient(supabaseUrl, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { fetch: options.fetch, headers: options.headers },
  });
}

/**
 * Whether a Storage API error says the object does not exist: the API's NoSuchKey, answered as
 * `{"statusCode": "404", "message": "Object not found"}`. Anything else is not an answer about
 * the object and must not be read as "absent": an outage, or "Bucket not found", which is what a
 * wrong key gets (the API lets a bad token through as anon, who sees no private bucket).
 */
export function isObjectNotFound(error: unknown): boolean {
  const e = error as { statusCode?: string; message?: string } | null;
  return e?.statusCode === "404" && e.message === "Object not found";
}

export interface RemoveResult {
  /** Names Storage reported deleted: the only ones a caller may treat as removed. */
  removed: string[];
  /** Why the call failed (HTTP status, network, timeout), or null. */
  error: string | null;
  /**
   * The failure says nothing about the names asked for: no answer (network, timeout) or an
   * answer that Storage as a whole is unavailable (429, 502, 503, 504).
   */
  unavailable: boolean;
}

/** Removes up to 1000 objects of one bucket; never throws. */
export type ObjectRemover = (
  bucket: string,
  names: string[],
  signal: AbortSignal,
) => Promise<RemoveResult>;

export interface RemoverConfig {
  supabaseUrl: string;
  serviceRoleKey: string;
  fetch?: typeof fetch;
}

const MAX_ERROR_LENGTH = 500;
const UNAVAILABLE_STATUSES = new Set([429, 502, 503, 504]);

function failure(err: unknown, signal: AbortSignal): RemoveResult {
  if (signal.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
    const error = `Storage remove aborted: ${reason}`.slice(0, MAX_ERROR_LENGTH);
    return { removed: [], error, unavailable: true };
  }
  const e = err as { status?: number; message?: string; name?: string };
  const status = typeof e?.status === "number" ? e.status : undefined;
  const text = `${e?.name ?? "Error"}${status ? ` ${status}` : ""}: ${e?.message ?? String(err)}`;
  return {
    removed: [],
    error: `Storage remove failed: ${text}`.slice(0, MAX_ERROR_LENGTH),
    unavailable: status === undefined || UNAVAILABLE_STATUSES.has(status),
  };
}

export function supabaseObjectRemover(config: RemoverConfig): ObjectRemover {
  const baseFetch = config.fetch ?? fetch;
  return async (bucket, names, signal) => {
    // storage-js's remove() takes no AbortSignal, so each call gets a client whose fetch carries
    // the call's signal (cheap: about 0.4 ms, and at most one call per 1000 names).
    const client = serviceClient(config.supabaseUrl, config.serviceRoleKey, {
      fetch: (input, init) =>
        baseFetch(input, {
          ...init,
          signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
        }),
    });
    try {
      const { data, error } = await client.storage.from(bucket).remove(names);
      if (error) return failure(error, signal);
      return { removed: (data ?? []).map((o) => o.name), error: null, unavailable: false };
    } catch (err) {
      return failure(err, signal);
    }
  };
}
