// Where finished archives live: the private bucket `data-exports`, written with the service role
// only (no client policy opens it). Names are `<export id>.json`: ids only. They leave through
// the Storage outbox (private.data_export_expire), like every other object.
import { serviceClient } from "../_shared/storage.ts";

export const EXPORT_BUCKET = "data-exports";

export interface ExportStore {
  put(name: string, body: Uint8Array): Promise<void>;
}

export function storageExportStore(supabaseUrl: string, serviceRoleKey: string): ExportStore {
  const client = serviceClient(supabaseUrl, serviceRoleKey);
  const bucket = () => client.storage.from(EXPORT_BUCKET);
  return {
    async put(name, body) {
      const { error } = await bucket().upload(name, body, {
        contentType: "application/json",
        upsert: true,
      });
      if (error) throw new Error(`storing the archive failed: ${error.message}`);
    },
  };
}
