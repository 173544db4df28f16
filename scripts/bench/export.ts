// Benchmark of the account data export (docs/DATA_SUBJECT_RIGHTS.md), for scripts/bench/main.ts:
//   export_s  a member of 3 organisations who created 1,000 surveys asks for their data
//             (public.request_data_export as the user), and the data-export job's own code
//             builds the archive in pages (supabase/functions/data-export/archive.ts), serialises
//             it and finishes it (ledger, outbox). The Storage upload of the document is not
//             included (the bench runs without the Storage API); its size is reported.
import type postgres from "postgres";
import type { Sql as JobSql } from "../../supabase/functions/_shared/db.ts";
import { buildArchive } from "../../supabase/functions/data-export/archive.ts";
import { requestSettings } from "./request.ts";
import { type Metric, r3 } from "./stats.ts";

type Sql = ReturnType<typeof postgres>;

const SURVEYS = 1_000;

export async function exportBench(sql: Sql, pageSize: number): Promise<Metric> {
  // Bench user orgs+1 is a member of 3 organisations (scripts/bench/build.sql).
  const [{ user_id: userId, orgs }] = await sql<{ user_id: string; orgs: string[] }[]>`
    select md5('u' || (p.orgs + 1))::uuid::text as user_id,
      array(select m.org_id::text from public.memberships m
            where m.user_id = md5('u' || (p.orgs + 1))::uuid order by m.org_id) as orgs
    from bench.params p`;
  if (orgs.length !== 3) throw new Error(`export: the user is in ${orgs.length} organisations`);
  await sql`
    insert into public.surveys (org_id, title, slug, created_by)
    select (${orgs}::uuid[])[1 + i % 3], 'Export bench survey ' || i, 'export-bench-' || i,
      ${userId}::uuid
    from generate_series(1, ${SURVEYS}) i`;

  const t0 = performance.now();
  const [asked] = await sql.begin(async (tx) => {
    await requestSettings(
      tx as unknown as Sql,
      "authenticated",
      { sub: userId, role: "authenticated" },
      "/rest/v1/rpc/request_data_export",
      "POST",
    );
    return await tx`select ref from public.request_data_export()`;
  });
  const [claimed] = await sql`select id::text, lease_token::text from private.data_export_claim()`;
  if (!claimed?.id) throw new Error("export: nothing to claim");
  const archive = await buildArchive(
    sql as unknown as JobSql,
    claimed.id,
    claimed.lease_token,
    pageSize,
    () => true,
  );
  if (!archive) throw new Error("export: the archive did not finish");
  const bytes = new TextEncoder().encode(JSON.stringify(archive)).length;
  await sql`select private.data_export_finish(${claimed.id}::uuid, ${claimed.lease_token}::uuid,
    ${claimed.id + ".json"}, ${sql.json(archive.counts)})`;
  const seconds = (performance.now() - t0) / 1000;
  if (archive.counts.surveys_created < SURVEYS) {
    throw new Error(`export: ${archive.counts.surveys_created} surveys in the archive`);
  }
  return {
    name: "export_s",
    value: r3(seconds),
    unit: "s",
    goal: "<= 10",
    met: seconds <= 10,
    ref: asked.ref,
    organisations: orgs.length,
    counts: archive.counts,
    archive_bytes: bytes,
    page_size: pageSize,
    how:
      "request as the user, claim, every section in pages, JSON serialisation and finish (ledger + outbox); Storage upload excluded",
  };
}
