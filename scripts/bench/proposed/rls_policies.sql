-- PROPOSAL (not a migration): cheaper RLS for member reads, to A/B with the bench:
--   psql "$DB_URL" -f scripts/bench/proposed/rls_policies.sql
--   deno run ... scripts/bench/main.ts --skip-build --only rls
-- 1. The caller's organisations as one array, so `org_id = any ((select ...))` is an InitPlan
--    parameter the planner can use as an index condition (a `setof` helper becomes a hashed
--    SubPlan filter, evaluated through the SQL-function executor on every statement).
-- 2. Children check their own parent survey (one index probe per row returned) instead of
--    `survey_id in (select private.user_live_survey_ids())`, which enumerates every live survey
--    of every organisation of the caller on every statement: O(surveys of the caller's orgs).
create or replace function private.user_org_id_array()
returns uuid[]
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.org_id), '{}') from public.memberships m
  where m.user_id = (select auth.uid());
$$;
revoke all on function private.user_org_id_array() from public;
grant execute on function private.user_org_id_array() to authenticated;

alter policy surveys_select on public.surveys
  using (org_id = any ((select private.user_org_id_array())::uuid[]) and deleted_at is null);

do $$
declare
  t text;
begin
  foreach t in array array['questions', 'responses', 'recordings', 'transcripts'] loop
    execute format($p$
      alter policy %1$s_select on public.%1$I using (
        org_id = any ((select private.user_org_id_array())::uuid[])
        and exists (select 1 from public.surveys s
                    where s.org_id = %1$I.org_id and s.id = %1$I.survey_id
                      and s.deleted_at is null))$p$, t);
  end loop;
end;
$$;
