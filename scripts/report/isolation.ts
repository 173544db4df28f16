// Isolation posture, read from the catalog: every table the API exposes has RLS enabled and
// forced, and no SECURITY DEFINER function an API role may run lies outside the reviewed list.
import { PROMISES } from "./promises.ts";
import type { ReportContext, Section } from "./model.ts";

/** The schemas PostgREST serves (supabase/config.toml [api].schemas). */
export const EXPOSED_SCHEMAS = ["public", "graphql_public"];

/**
 * SECURITY DEFINER functions `authenticated` may run: the RLS helpers policies call as the caller
 * and the RPC twins behind the SECURITY INVOKER public wrappers. The same reviewed list as
 * 05_advisors [ADV-011]; anon may run none.
 */
export const ALLOWED_DEFINER_FUNCTIONS = [
  "private.user_org_ids(org_role)",
  "private.user_co_member_ids()",
  "private.create_organization(text)",
  "private.delete_survey(uuid,text)",
  "private.restore_survey(uuid)",
  "private.survey_trash(uuid)",
  "private.accept_invitation(uuid)",
  "private.delete_organization(uuid)",
  "private.request_account_erasure(uuid)",
  "private.my_account_erasure()",
  "private.cancel_account_erasure()",
  "private.recording_access(uuid)",
  "private.survey_playlist(uuid)",
  "private.recording_upload_slot(uuid,text,uuid)",
  "private.request_data_export(uuid,text)",
  "private.data_export_download()",
  "private.respondent_lookup(uuid,text)",
  "private.respondent_export(uuid,text,text)",
  "private.respondent_erase(uuid,text,text)",
];

/** The platform's schemas: their definer functions are Supabase's, not this project's. */
const PLATFORM_SCHEMAS = [
  "information_schema",
  "auth",
  "storage",
  "extensions",
  "cron",
  "net",
  "vault",
  "graphql",
  "realtime",
  "_realtime",
  "pgsodium",
  "pgsodium_masks",
  "supabase_functions",
  "supabase_migrations",
  "pgbouncer",
  "pgtle",
  "tests",
];

export async function isolationSection(ctx: ReportContext): Promise<Section> {
  const tables = await ctx.sql<{ name: string; rls: boolean; forced: boolean }[]>`
    select format('%I.%I', n.nspname, c.relname) as name, c.relrowsecurity as rls,
      c.relforcerowsecurity as forced
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any(${EXPOSED_SCHEMAS}) and c.relkind in ('r', 'p')
    order by 1`;
  const definers = await ctx.sql<{ fn: string; anon: boolean }[]>`
    select p.oid::regprocedure::text as fn, has_function_privilege('anon', p.oid, 'EXECUTE') as anon
    from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where p.prosecdef and n.nspname !~ '^pg_' and n.nspname <> all(${PLATFORM_SCHEMAS})
      and (has_function_privilege('anon', p.oid, 'EXECUTE')
        or has_function_privilege('authenticated', p.oid, 'EXECUTE'))
    order by 1`;
  const unprotected = tables.filter((t) => !t.rls || !t.forced);
  const unexpected = definers.filter((d) => d.anon || !ALLOWED_DEFINER_FUNCTIONS.includes(d.fn));
  const ok = unprotected.length === 0 && unexpected.length === 0;
  return {
    id: "isolation",
    ...PROMISES.isolation,
    status: ok ? "green" : "red",
    summary: ok
      ? `All ${tables.length} tables in ${EXPOSED_SCHEMAS.join(", ")} have RLS enabled and ` +
        "forced; every client-reachable SECURITY DEFINER function is on the reviewed list."
      : `${unprotected.length} exposed table(s) without RLS enabled and forced, ` +
        `${unexpected.length} client-reachable SECURITY DEFINER function(s) off the reviewed list.`,
    evidence: [
      { label: "tables in exposed schemas", value: tables.length },
      { label: "with RLS enabled and forced", value: tables.length - unprotected.length },
      ...unprotected.map((t) => ({
        label: `table ${t.name}`,
        value: t.rls ? "RLS not forced" : "RLS disabled",
      })),
      { label: "client-reachable SECURITY DEFINER functions", value: definers.length },
      { label: "on the reviewed list", value: definers.length - unexpected.length },
      ...unexpected.map((d) => ({
        label: `function ${d.fn}`,
        value: d.anon ? "executable by anon" : "not on the reviewed list",
      })),
    ],
    charts: [],
  };
}
