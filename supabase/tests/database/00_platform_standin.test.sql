-- 00 Platform stand-in: proves the local stack behaves as hosted Supabase where the tenant
-- isolation proof depends on it (default privileges, the storage delete guard, auth.uid()),
-- and that the catalog check of 01_rls_catalog catches a table created without RLS.
begin;
select plan(16);

-- The catalog check: tests.rls_catalog_violations() (helpers/30_catalog.sql), the one
-- 01_rls_catalog runs; shared rather than copied, so what this file proves about it holds for 01.

select ok(
  to_regprocedure('tests.rls_catalog_violations()') is not null
  and to_regprocedure('pg_temp.rls_catalog_violations()') is null,
  '[PLT-001] the catalog check proven here is the shared tests.rls_catalog_violations() that 01_rls_catalog runs (no file-local copy)'
);

-- Tests run as hosted Supabase's `postgres`: not a superuser, but BYPASSRLS.
select ok(
  (select not r.rolsuper and r.rolbypassrls from pg_catalog.pg_roles r where r.rolname = current_user),
  '[PLT-002] the tests run as a non-superuser role with BYPASSRLS (hosted `postgres`)'
);
select ok(
  (select not r.rolbypassrls from pg_catalog.pg_roles r where r.rolname = 'anon')
  and (select not r.rolbypassrls from pg_catalog.pg_roles r where r.rolname = 'authenticated'),
  '[PLT-003] anon and authenticated are subject to RLS (no BYPASSRLS)'
);

-- A table added by a careless migration: Supabase's default privileges expose it at once.
create table public.standin_probe (id int primary key, secret text);
insert into public.standin_probe values (1, 'leaked');

select tests.authenticate_as_anon();
select results_eq(
  $$select secret from public.standin_probe$$,
  $$values ('leaked'::text)$$,
  '[PLT-004] a new public table without RLS is readable by anon (default privileges, as on hosted)'
);
select lives_ok(
  $$insert into public.standin_probe values (2, 'planted')$$,
  '[PLT-005] ... and writable by anon'
);
select tests.clear_authentication();

select results_eq(
  $$select problem from tests.rls_catalog_violations()
    where object = 'public.standin_probe' and problem = 'rls_disabled'$$,
  $$values ('rls_disabled'::text)$$,
  '[PLT-006] the catalog check reports the new table as rls_disabled'
);
select results_eq(
  $$select api_role from tests.rls_catalog_violations()
    where object = 'public.standin_probe' and problem = 'truncate_bypasses_rls' order by 1$$,
  $$values ('anon'::text), ('authenticated'::text)$$,
  '[PLT-007] the catalog check reports the default TRUNCATE grant to anon and authenticated'
);

-- RLS switched on but no policy written: closed, and the check names every granted command.
alter table public.standin_probe enable row level security;
select tests.authenticate_as_anon();
select is_empty(
  $$select 1 from public.standin_probe$$,
  '[PLT-008] with RLS enabled and no policy, anon reads nothing'
);
select tests.clear_authentication();
select results_eq(
  $$select api_role || ' ' || command from tests.rls_catalog_violations()
    where object = 'public.standin_probe' and problem = 'privilege_without_policy' order by 1$$,
  $$values ('anon DELETE'), ('anon INSERT'), ('anon SELECT'), ('anon UPDATE'),
    ('authenticated DELETE'), ('authenticated INSERT'), ('authenticated SELECT'),
    ('authenticated UPDATE')$$,
  '[PLT-009] the catalog check names every command granted without a policy for that role'
);

-- The project's first migration closes the function default: new public functions are not
-- executable by anon or authenticated until granted.
create function public.standin_probe_fn() returns int language sql set search_path = '' as 'select 1';
select ok(
  not has_function_privilege('anon', 'public.standin_probe_fn()', 'EXECUTE')
  and not has_function_privilege('authenticated', 'public.standin_probe_fn()', 'EXECUTE'),
  '[PLT-010] a new public function is not executable by anon/authenticated by default'
);

-- Storage's delete guard (storage.protect_delete): a direct DELETE is refused, for any role.
select throws_ok(
  $$delete from storage.objects where bucket_id = 'recordings'$$,
  '42501',
  'Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[PLT-011] a direct delete from storage.objects is refused with 42501 (as postgres)'
);
select tests.authenticate_as_service_role();
select throws_ok(
  $$delete from storage.objects where false$$,
  '42501',
  'Direct deletion from storage tables is not allowed. Use the Storage API instead.',
  '[PLT-012] the guard is statement-level: it fires for service_role even when no row matches'
);
select tests.clear_authentication();

-- auth.uid() / auth.role() read the claims PostgREST sets.
select tests.create_user('plt_user'), tests.create_user('plt_other');
select tests.authenticate_as('plt_user');
select results_eq(
  $$select auth.uid(), auth.role(), current_user::text collate "default"$$,
  $$select tests.user_id('plt_user'), 'authenticated'::text, 'authenticated'::text$$,
  '[PLT-013] authenticate_as sets role and claims: auth.uid(), auth.role() and current_user follow'
);
select set_config('request.jwt.claims',
  json_build_object('sub', tests.user_id('plt_other'), 'role', 'authenticated')::text, true);
select is(
  auth.uid(), tests.user_id('plt_other'),
  '[PLT-014] auth.uid() reads the sub of request.jwt.claims as set (nothing cached)'
);
select tests.clear_authentication();
select ok(
  auth.uid() is null and current_user = 'postgres',
  '[PLT-015] clear_authentication: no claims, back to postgres'
);
select tests.authenticate_as_anon();
select is(auth.uid(), null::uuid, '[PLT-016] anon claims carry no user id');
select tests.clear_authentication();

select * from finish();
rollback;
