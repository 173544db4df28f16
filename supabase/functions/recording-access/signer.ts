// The Storage half of the broker: signed URLs made by the Storage API itself with the service
// role (supabase-js createSignedUrl(s) / createSignedUploadUrl), for names the database has
// just granted. The service-role key never leaves this function.
//
// An upload URL is asked for with a one-minute service-role JWT whose `sub` is the member: the
// Storage API puts the caller's `sub` into the upload token as the object's `owner`, so the
// object is the member's (erasure clears it) while its write is the Storage API's own.
import type { SupabaseClient } from "@supabase/supabase-js";
import { SignJWT } from "jose";
import { HttpError } from "../_shared/http.ts";
import { isObjectNotFound, serviceClient } from "../_shared/storage.ts";

export const BUCKET = "recordings";

export interface UrlSigner {
  download(names: string[], expiresIn: number): Promise<(string | null)[]>;
  upload(name: string, ownerId: string): Promise<{ signedUrl: string; token: string }>;
}

export function storageSigner(
  supabaseUrl: string,
  serviceRoleKey: string,
  jwtSecret: string,
): UrlSigner {
  const service = serviceClient(supabaseUrl, serviceRoleKey);
  const secret = new TextEncoder().encode(jwtSecret);

  async function serviceRoleFor(ownerId: string): Promise<SupabaseClient> {
    const jwt = await new SignJWT({ role: "service_role", sub: ownerId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime("60s")
      .sign(secret);
    return serviceClient(supabaseUrl, serviceRoleKey, {
      headers: { authorization: `Bearer ${jwt}` },
    });
  }

  return {
    async download(names, expiresIn) {
      if (names.length === 0) return [];
      if (names.length === 1) {
        const { data, error } = await service.storage.from(BUCKET).createSignedUrl(
          names[0],
          expiresIn,
        );
        if (error && !isObjectNotFound(error)) throw error;
        return [error ? null : data.signedUrl];
      }
      const { data, error } = await service.storage.from(BUCKET).createSignedUrls(
        names,
        expiresIn,
      );
      if (error) throw error;
      const byPath = new Map(data.map((d) => [d.path, d.signedUrl]));
      return names.map((n) => byPath.get(n) ?? null);
    },
    async upload(name, ownerId) {
      const client = await serviceRoleFor(ownerId);
      const { data, error } = await client.storage.from(BUCKET).createSignedUploadUrl(name);
      if ((error as { statusCode?: string } | null)?.statusCode === "409") {
        throw new HttpError(409, "the file already exists");
      }
      if (error) throw error;
      return { signedUrl: data.signedUrl, token: data.token };
    },
  };
}
