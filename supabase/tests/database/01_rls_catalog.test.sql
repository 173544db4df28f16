-- 01 RLS catalog: catalog-driven, so a table, view or function added later cannot slip through.
-- Exposed schemas are those PostgREST serves (supabase/config.toml [api].schemas: public,
-- graphql_public) plus storage.objects (served by the Storage API).
begin;
select plan(25);

-- The catalog check: tests.rls_catalog_violations() (helpers/30_catalog.sql), shared with
-- 00_platform_standin, which proves it reports a table created without RLS.

-- Known holes that are the platform's and closed by RLS anyway. Each entry must still occur
-- ([CAT-003]), so a stale entry is noticed. None today: Storage grants ALL on storage.objects to
-- anon, and every command of it now meets a restrictive policy of the recordings bucket
-- (proven row by row in 03_storage_isolation).
create temp table catalog_allowlist (object text, api_role text, command text, problem text);

-- Schemas that hold this project's own objects: everything that is not the platform's.
create function pg_temp.project_schemas()
returns setof name
language sql
stable
as $$
  select n.nspname from pg_catalog.pg_namespace n
  where n.nspname !~ '^pg_' and n.nspname not in (
    'information_schema', 'auth', 'storage', 'extensions', 'cron', 'net', 'vault', 'graphql',
    'realtime', '_realtime', 'pgsodium', 'pgsodium_masks', 'supabase_functions',
    'supabase_migrations', 'pgbouncer', 'pgtle', 'tests')
$$;

-- Functions in exposed schemas that anon may execute, minus the allowlist (empty today).
create function pg_temp.anon_executable_exposed_functions(p_allow text[] default '{}')
returns setof text
language sql
stable
as $$
  select p.oid::regprocedure::text from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  left join pg_catalog.pg_depend d on d.objid = p.oid and d.deptype = 'e'
  where n.nspname in ('public', 'graphql_public') and d.objid is null
    and has_function_privilege('anon', p.oid, 'EXECUTE')
    and p.oid::regprocedure::text <> all (p_allow)
$$;

create function pg_temp.definer_functions_in_exposed_schemas()
returns setof text
language sql
stable
as $$
  select p.oid::regprocedure::text from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('public', 'graphql_public') and p.prosecdef
$$;

-- SECURITY DEFINER without search_path pinned to '' (empty: nothing a caller can shadow).
create function pg_temp.definer_functions_without_fixed_search_path()
returns setof text
language sql
stable
as $$
  select p.oid::regprocedure::text from pg_catalog.pg_proc p
  where p.pronamespace in (select oid from pg_catalog.pg_namespace
                           where nspname in (select pg_temp.project_schemas()))
    and p.prosecdef
    and not ('search_path=""' = any (coalesce(p.proconfig, '{}')))
$$;

-- Every privilege authenticated holds on a relation of public, as 'table COMMAND' when held on
-- the whole table and as 'table.column COMMAND' when held only on that column (a column
-- privilege the table-level grant already implies is not listed again). So a table-level UPDATE
-- coming back shows as 'table UPDATE' (and its column rows vanish), and an extra column shows.
create function pg_temp.authenticated_privileges()
returns setof text
language sql
stable
as $$
  select format('%s %s', c.relname, x.cmd)
  from pg_catalog.pg_class c
  cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES',
    'TRIGGER']) x(cmd)
  where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and has_table_privilege('authenticated', c.oid, x.cmd)
  union all
  select format('%s.%s %s', c.relname, a.attname, x.cmd)
  from pg_catalog.pg_class c
  join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) x(cmd)
  where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and has_column_privilege('authenticated', c.oid, a.attnum, x.cmd)
    and not has_table_privilege('authenticated', c.oid, x.cmd)
$$;

select ok(
  to_regprocedure('tests.rls_catalog_violations()') is not null
  and to_regprocedure('pg_temp.rls_catalog_violations()') is null,
  '[CAT-001] the catalog check is the shared tests.rls_catalog_violations() that 00_platform_standin proves on a table without RLS (no file-local copy)'
);

-- The real schema.
select is_empty(
  $$select * from tests.rls_catalog_violations() except select * from catalog_allowlist$$,
  '[CAT-002] no exposed table without RLS, no API-role command without a policy, no view without security_invoker, no TRUNCATE for API roles'
);
select set_eq(
  $$select * from catalog_allowlist$$,
  $$select * from tests.rls_catalog_violations()$$,
  '[CAT-003] the allowlist is exact: every entry still occurs (no stale exceptions)'
);
select is_empty(
  $$select c.oid::regclass::text from pg_catalog.pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
      and not (c.relrowsecurity and c.relforcerowsecurity)$$,
  '[CAT-004] every public table has RLS enabled and forced'
);
select ok(
  (select c.relrowsecurity from pg_catalog.pg_class c where c.oid = 'storage.objects'::regclass),
  '[CAT-005] storage.objects has RLS enabled'
);
select is_empty(
  $$select c.oid::regclass::text from pg_catalog.pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
      and (has_table_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
        or has_any_column_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))$$,
  '[CAT-006] anon holds no privilege at all on any public table or view'
);
-- INSERT and UPDATE on content tables are granted column by column: a client never chooses a
-- key, authorship or soft-delete column (a chosen id would tell whether that id exists
-- elsewhere), and keys, org_id, object paths, authorship and soft-delete columns never change
-- through the API.
select set_eq(
  $$select * from pg_temp.authenticated_privileges()$$,
  $$values ('profiles SELECT'), ('profiles INSERT'), ('profiles.display_name UPDATE'),
    ('organizations SELECT'), ('organizations.name UPDATE'),
    ('memberships SELECT'), ('memberships DELETE'), ('memberships.role UPDATE'),
    ('invitations SELECT'), ('invitations.org_id INSERT'), ('invitations.user_id INSERT'),
    ('invitations.role INSERT'), ('invitations.invited_by INSERT'), ('invitations DELETE'),
    ('invitations.role UPDATE'),
    ('surveys SELECT'), ('surveys.org_id INSERT'), ('surveys.title INSERT'),
    ('surveys.slug INSERT'), ('surveys.title UPDATE'), ('surveys.slug UPDATE'),
    ('questions SELECT'), ('questions.org_id INSERT'), ('questions.survey_id INSERT'),
    ('questions.position INSERT'), ('questions.prompt INSERT'), ('questions.position UPDATE'),
    ('questions.prompt UPDATE'),
    ('responses SELECT'), ('responses.org_id INSERT'), ('responses.survey_id INSERT'),
    ('responses.respondent_ref INSERT'), ('responses.started_at INSERT'),
    ('responses.completed_at INSERT'), ('responses.respondent_ref UPDATE'),
    ('responses.completed_at UPDATE'),
    ('recordings SELECT'), ('recordings.org_id INSERT'), ('recordings.survey_id INSERT'),
    ('recordings.response_id INSERT'), ('recordings.question_id INSERT'),
    ('recordings.object_path INSERT'), ('recordings.duration_ms INSERT'),
    ('recordings.size_bytes INSERT'), ('recordings.mime_type INSERT'),
    ('recordings.duration_ms UPDATE'), ('recordings.size_bytes UPDATE'),
    ('recordings.mime_type UPDATE'),
    ('transcripts SELECT'), ('transcripts.org_id INSERT'), ('transcripts.survey_id INSERT'),
    ('transcripts.recording_id INSERT'), ('transcripts.language INSERT'),
    ('transcripts.body INSERT'), ('transcripts.language UPDATE'), ('transcripts.body UPDATE')$$,
  '[CAT-007] authenticated holds exactly the documented privileges: table-level SELECT; table-level INSERT only on profiles and none on organizations or memberships (RPCs create organisations, invitations are accepted instead); INSERT on invitations and content tables only on the listed columns (never id, created_by, created_at, deleted_*); DELETE on memberships and invitations only; UPDATE only on the listed columns (deletes go through RPCs)'
);
-- The service key bypasses RLS; what it may delete is what audits itself (20261210000200).
select set_eq(
  $$select c.relname || ' ' || p from pg_catalog.pg_class c
      cross join unnest(array['DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES']) p
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
      and has_table_privilege('service_role', c.oid, p)$$,
  $$values ('memberships DELETE'), ('invitations DELETE')$$,
  '[CAT-024] service_role may DELETE only memberships and invitations (their triggers audit each removal), and TRUNCATE nothing'
);
select set_eq(
  $$select a.attname::text from pg_catalog.pg_attribute a
    where a.attrelid = 'public.surveys'::regclass and a.attnum > 0 and not a.attisdropped
      and has_column_privilege('service_role', a.attrelid, a.attnum, 'UPDATE')$$,
  array['title', 'slug'],
  '[CAT-025] on surveys service_role may UPDATE the title and slug only (never deleted_at: the trash is entered and left through the audited RPCs)'
);
select is_empty(
  $$select * from pg_temp.anon_executable_exposed_functions()$$,
  '[CAT-008] no function in an exposed schema is executable by anon (allowlist: empty)'
);
select set_eq(
  $$select p.oid::regprocedure::text from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace and has_function_privilege('authenticated', p.oid, 'EXECUTE')$$,
  array['audit_events(uuid,integer,timestamp with time zone)', 'create_organization(text)',
    'delete_survey(uuid,text)', 'restore_survey(uuid)', 'survey_trash(uuid)',
    'delete_organization(uuid)', 'request_account_erasure(uuid)', 'my_account_erasure()',
    'cancel_account_erasure()', 'accept_invitation(uuid)', 'recording_access(uuid)',
    'survey_playlist(uuid)', 'recording_upload_slot(uuid,text,uuid)',
    'request_data_export(uuid,text)', 'data_export_download()',
    'respondent_lookup(uuid,text)', 'respondent_export(uuid,text,text)',
    'respondent_erase(uuid,text,text)'],
  '[CAT-009] the RPC surface for authenticated is exactly the reviewed list (add new RPCs here on purpose)'
);
select is_empty(
  $$select * from pg_temp.definer_functions_in_exposed_schemas()$$,
  '[CAT-010] no SECURITY DEFINER function lives in an exposed schema'
);
select is_empty(
  $$select * from pg_temp.definer_functions_without_fixed_search_path()$$,
  '[CAT-011] every SECURITY DEFINER function of the project pins search_path to empty'
);
select is_empty(
  $$select p.oid::regprocedure::text from pg_catalog.pg_proc p
    where p.pronamespace = 'public'::regnamespace and not p.prosecdef
      and not ('search_path=""' = any (coalesce(p.proconfig, '{}')))$$,
  '[CAT-012] every public (invoker) function pins search_path too'
);

-- The checks can fail: deliberately broken objects are reported (rolled back with the test).
create table public.cat_probe (id int primary key);
alter table public.cat_probe enable row level security;
revoke all on public.cat_probe from anon, authenticated;
grant select, update on public.cat_probe to authenticated;
create policy cat_probe_anon_only on public.cat_probe for select to anon using (true);
select set_eq(
  $$select api_role || ' ' || command from tests.rls_catalog_violations() where object = 'public.cat_probe'$$,
  array['authenticated SELECT', 'authenticated UPDATE'],
  '[CAT-013] a command granted to authenticated with a policy only for anon is reported'
);
create policy cat_probe_all on public.cat_probe for all to public using (id > 0);
select is_empty(
  $$select * from tests.rls_catalog_violations() where object = 'public.cat_probe'$$,
  '[CAT-014] a FOR ALL TO public policy covers every command for both roles'
);
alter table public.cat_probe disable row level security;
select results_eq(
  $$select problem from tests.rls_catalog_violations() where object = 'public.cat_probe'$$,
  $$values ('rls_disabled'::text)$$,
  '[CAT-015] a policy on a table whose RLS is disabled does not hide it'
);
create view public.cat_probe_view as select id from public.cat_probe;
select results_eq(
  $$select problem from tests.rls_catalog_violations() where object = 'public.cat_probe_view'$$,
  $$values ('view_without_security_invoker'::text)$$,
  '[CAT-016] a view without security_invoker is reported'
);
alter view public.cat_probe_view set (security_invoker = true);
select is_empty(
  $$select * from tests.rls_catalog_violations() where object = 'public.cat_probe_view'$$,
  '[CAT-017] the same view with security_invoker = true is not'
);
create materialized view public.cat_probe_mv as select 1 as id;
select results_eq(
  $$select api_role from tests.rls_catalog_violations() where object = 'public.cat_probe_mv' order by 1$$,
  $$values ('anon'::text), ('authenticated'::text)$$,
  '[CAT-018] a materialized view readable by the API roles is reported (RLS cannot apply)'
);
create function public.cat_probe_fn() returns int language sql security definer as 'select 1';
grant execute on function public.cat_probe_fn() to anon;
select results_eq(
  $$select * from pg_temp.anon_executable_exposed_functions()$$,
  $$values ('cat_probe_fn()'::text)$$,
  '[CAT-019] a public function executable by anon and not allowlisted is reported'
);
select results_eq(
  $$select * from pg_temp.definer_functions_in_exposed_schemas()$$,
  $$values ('cat_probe_fn()'::text)$$,
  '[CAT-020] a SECURITY DEFINER function in public is reported'
);
create function private.cat_probe_definer() returns int language sql security definer
  set search_path = public as 'select 1';
select set_eq(
  $$select * from pg_temp.definer_functions_without_fixed_search_path()$$,
  array['cat_probe_fn()', 'private.cat_probe_definer()'],
  '[CAT-021] SECURITY DEFINER functions with no or a non-empty search_path are reported'
);

-- CAT-007's listing can fail: a table-level UPDATE and an extra UPDATE column are both seen.
grant update on public.organizations to authenticated;
grant update (id) on public.profiles to authenticated;
select set_eq(
  $$select * from pg_temp.authenticated_privileges()
    where (split_part(authenticated_privileges, ' ', 1) like 'organizations%'
        or split_part(authenticated_privileges, ' ', 1) like 'profiles%')
      and authenticated_privileges like '%UPDATE'$$,
  array['organizations UPDATE', 'profiles.display_name UPDATE', 'profiles.id UPDATE'],
  '[CAT-022] CAT-007''s listing reports a table-level UPDATE (organizations) and an extra UPDATE column (profiles.id)'
);
-- And for INSERT: a client-chosen id column (surveys.id) and a table-level INSERT coming back
-- (questions, whose column rows then vanish) are both seen.
grant insert (id) on public.surveys to authenticated;
grant insert on public.questions to authenticated;
select set_eq(
  $$select * from pg_temp.authenticated_privileges()
    where (split_part(authenticated_privileges, ' ', 1) like 'surveys%'
        or split_part(authenticated_privileges, ' ', 1) like 'questions%')
      and authenticated_privileges like '%INSERT'$$,
  array['surveys.id INSERT', 'surveys.org_id INSERT', 'surveys.title INSERT',
    'surveys.slug INSERT', 'questions INSERT'],
  '[CAT-023] CAT-007''s listing reports an extra INSERT column (surveys.id) and a table-level INSERT (questions)'
);

select * from finish();
rollback;
