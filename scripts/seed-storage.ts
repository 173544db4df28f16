// Uploads, through the Storage API, an audio object for every seeded recording row that has
// none yet, so the demo data is consistent across Postgres and Storage. Idempotent. Reports
// progress on stderr: stdout belongs to the caller's output (npm start's summary).
import { createClient } from "@supabase/supabase-js";
import postgres from "postgres";
import { loadStackEnv } from "./lib/stack-env.ts";

const env = loadStackEnv();
const sql = postgres(env.DB_URL, { max: 1, onnotice: () => {} });
const supabase = createClient(env.API_URL, env.SERVICE_ROLE_KEY, {
  auth: { persistSession: false },
});

// A tiny placeholder payload (the EBML magic number of a WebM file, then padding): the demo
// needs objects that exist, not playable audio.
const placeholder = new Uint8Array(512);
placeholder.set([0x1a, 0x45, 0xdf, 0xa3]);

try {
  const missing = await sql<{ object_path: string; mime_type: string }[]>`
    select r.object_path, r.mime_type
    from public.recordings r
    where not exists (
      select 1 from storage.objects o
      where o.bucket_id = 'recordings' and o.name = r.object_path
    )
    order by r.object_path`;
  for (const row of missing) {
    const { error } = await supabase.storage.from("recordings").upload(
      row.object_path,
      new Blob([placeholder], { type: row.mime_type }),
      { contentType: row.mime_type, upsert: true },
    );
    if (error) throw new Error(`upload of ${row.object_path} failed: ${error.message}`);
  }
  console.error(`[seed] ${missing.length} recording object(s) uploaded to Storage`);
} finally {
  await sql.end();
}
