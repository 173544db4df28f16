-- Account erasure, driven step by step exactly as the account-erasure job drives it:
-- claim_account_deletion(), then erase_account_step() until it answers done = true.
--   (a) the owner of a solo organisation: the organisation and everything in it goes, every
--       recording's object and every other object in its folder is queued for Storage removal;
--   (b) a member of someone else's organisation: only the membership goes, the organisation's
--       data stays, and authorship columns that named the user become null;
--   (c) the sole owner of shared organisations: the longest-standing admin (else member)
--       becomes owner, audited; the organisation is never left without an owner;
--   (d) organisations the user creates or opens up while the erasure runs are not left behind.
-- The catalog-wide "no trace" scan is in 22_erasure_leaves_no_trace.test.sql.
begin;
select plan(47);
set local timezone = 'UTC';
-- The job claims the request with the earliest deadline, whoever's it is: start from an empty
-- queue (the seed's demo request included), so each claim here is the one the test expects.
delete from private.account_deletion_requests;

-- Claims the next request (which must be p_user's) and runs its steps to the end.
create function pg_temp.erase(p_user uuid, p_batch integer default 200)
returns setof jsonb
language plpgsql
as $$
declare
  v_request private.account_deletion_requests;
  v_step jsonb;
  v_n integer := 0;
begin
  v_request := private.claim_account_deletion();
  if v_request.user_id is distinct from p_user then
    raise exception 'claimed the request of % instead of %', v_request.user_id, p_user;
  end if;
  loop
    v_step := private.erase_account_step(v_request.id, v_request.lease_token, p_batch);
    return next v_step;
    exit when (v_step ->> 'done')::boolean;
    v_n := v_n + 1;
    if v_n > 100 then
      raise exception 'the erasure of % did not finish in 100 steps', p_user;
    end if;
  end loop;
end;
$$;

-- Runs the remaining steps of an already claimed request.
create function pg_temp.finish(p_request uuid, p_token uuid)
returns setof jsonb
language plpgsql
as $$
declare
  v_step jsonb;
  v_n integer := 0;
begin
  loop
    v_step := private.erase_account_step(p_request, p_token);
    return next v_step;
    exit when (v_step ->> 'done')::boolean;
    v_n := v_n + 1;
    if v_n > 100 then
      raise exception 'request % did not finish in 100 steps', p_request;
    end if;
  end loop;
end;
$$;

create function pg_temp.request_deletion(p_user uuid)
returns void
language plpgsql
as $$
begin
  perform tests.authenticate_as(p_user);
  perform public.request_account_deletion();
  perform tests.clear_authentication();
end;
$$;

select tests.set_now('2030-04-01 09:00:00+00');

-- ---------------------------------------------------------------------------------------------
-- (a) Ann owns a solo organisation
-- ---------------------------------------------------------------------------------------------
select tests.create_user('21000000-0000-4000-8000-00000000000a', 'ann@example.test');
insert into public.profiles (id, display_name) values ('21000000-0000-4000-8000-00000000000a', 'Ann');
insert into public.organizations (id, name, created_by)
values ('21a00000-0000-4000-8000-000000000001', 'Ann solo', '21000000-0000-4000-8000-00000000000a');
insert into public.memberships (org_id, user_id, role)
values ('21a00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-00000000000a', 'owner');
select tests.create_survey('21a00000-0000-4000-8000-000000000001', 'alpha', 2, 2);
select tests.create_survey('21a00000-0000-4000-8000-000000000001', 'beta', 1, 3);
update public.surveys set created_by = '21000000-0000-4000-8000-00000000000a'
where org_id = '21a00000-0000-4000-8000-000000000001';
update public.surveys set deleted_at = '2030-03-30 00:00+00', deleted_by = '21000000-0000-4000-8000-00000000000a'
where org_id = '21a00000-0000-4000-8000-000000000001' and slug = 'beta';
-- Every recording's object, plus one object in the folder that no recording row points at.
select tests.create_object('recordings', object_path) from public.recordings
where org_id = '21a00000-0000-4000-8000-000000000001';
select tests.create_object('recordings', '21a00000-0000-4000-8000-000000000001/uploads/draft.webm');
update storage.objects set owner = '21000000-0000-4000-8000-00000000000a',
  owner_id = '21000000-0000-4000-8000-00000000000a'
where name like '21a00000-0000-4000-8000-000000000001/%';
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
values ('00000000-0000-0000-0000-000000000000', '21aa0000-0000-4000-8000-000000000001',
  '{"action":"login","actor_id":"21000000-0000-4000-8000-00000000000a","actor_username":"ann@example.test","log_type":"account","traits":{"provider":"email"}}',
  now(), '203.0.113.7');

create temporary table ann_paths on commit drop as
  select object_path from public.recordings where org_id = '21a00000-0000-4000-8000-000000000001';
create temporary table ann_surveys on commit drop as
  select id, slug from public.surveys where org_id = '21a00000-0000-4000-8000-000000000001';

select pg_temp.request_deletion('21000000-0000-4000-8000-00000000000a');
create temporary table ann_steps on commit drop as
  select n, s from pg_temp.erase('21000000-0000-4000-8000-00000000000a', 1) with ordinality as t(s, n);

select results_eq(
  $$select s - 'progress' from ann_steps order by n$$,
  $$values
    ('{"step":"transfer_ownership","organizations":0,"done":false}'::jsonb),
    ('{"step":"delete_solo_organizations","organization":"21a00000-0000-4000-8000-000000000001","surveys":1,"done":false}'),
    ('{"step":"delete_solo_organizations","organization":"21a00000-0000-4000-8000-000000000001","surveys":1,"done":false}'),
    ('{"step":"delete_solo_organizations","organization":"21a00000-0000-4000-8000-000000000001","organization_deleted":true,"done":false}'),
    ('{"step":"delete_solo_organizations","finished":true,"done":false}'),
    ('{"step":"erase_user","done":true}')$$,
  '[ERA-001] batch size 1: ownership, one survey per step, then the organisation, then the user');
select is(
  (select count(*)::int from public.organizations where id = '21a00000-0000-4000-8000-000000000001'),
  0, '[ERA-002] the solo organisation is gone');
select results_eq(
  $$select (select count(*)::int from public.surveys where org_id = '21a00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.questions where org_id = '21a00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.responses where org_id = '21a00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.recordings where org_id = '21a00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.transcripts where org_id = '21a00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.memberships where org_id = '21a00000-0000-4000-8000-000000000001')$$,
  $$values (0, 0, 0, 0, 0, 0)$$,
  '[ERA-003] its surveys (the deleted one too), questions, responses, recordings, transcripts and memberships are gone');
select set_eq(
  $$select object_name from private.storage_removals
    where org_id = '21a00000-0000-4000-8000-000000000001' and bucket_id = 'recordings'
      and cause = 'account_erasure'$$,
  $$select object_path from ann_paths
    union all select '21a00000-0000-4000-8000-000000000001/uploads/draft.webm'$$,
  '[ERA-004] every recording object and the unreferenced object in the folder are queued for removal');
select is(
  (select count(*)::int from private.storage_removals where org_id = '21a00000-0000-4000-8000-000000000001'),
  8, '[ERA-005] each object is queued exactly once (7 recordings + 1 loose object)');
select results_eq(
  $$select count(*)::int, count(*) filter (where owner is null and owner_id is null)::int
    from storage.objects where name like '21a00000-0000-4000-8000-000000000001/%'$$,
  $$values (8, 8)$$,
  '[ERA-006] the objects await the Storage API, no longer naming Ann as owner');
select bag_eq(
  $$select e.details, e.reason, e.actor_job from audit.events e
    where e.action = 'survey.purged' and e.org_id = '21a00000-0000-4000-8000-000000000001'$$,
  $$values
    ('{"questions":2,"responses":2,"recordings":4,"transcripts":4}'::jsonb, 'account_erasure'::text, 'account_erasure'::text),
    ('{"questions":1,"responses":3,"recordings":3,"transcripts":3}'::jsonb, 'account_erasure', 'account_erasure')$$,
  '[ERA-007] each purged survey is audited with its counts');
select set_eq(
  $$select e.target_id::uuid from audit.events e
    where e.action = 'survey.purged' and e.org_id = '21a00000-0000-4000-8000-000000000001'$$,
  $$select id from ann_surveys$$,
  '[ERA-008] the purge events name exactly the organisation''s surveys');
select results_eq(
  $$select e.details, e.reason, e.actor_kind from audit.events e
    where e.action = 'organization.deleted' and e.org_id = '21a00000-0000-4000-8000-000000000001'$$,
  $$values ('{"surveys":0,"questions":0,"responses":0,"recordings":0,"transcripts":0,"memberships":1,"unreferenced_objects":1}'::jsonb,
    'account_erasure'::text, 'system'::text)$$,
  '[ERA-009] the organisation''s deletion is audited with its counts');
select is(
  (select count(*)::int from auth.users where id = '21000000-0000-4000-8000-00000000000a'),
  0, '[ERA-010] the Auth user is gone');
select is(
  (select count(*)::int from public.profiles where id = '21000000-0000-4000-8000-00000000000a'),
  0, '[ERA-011] the profile is gone');
select is(
  (select count(*)::int from private.account_deletion_requests where user_id = '21000000-0000-4000-8000-00000000000a'),
  0, '[ERA-012] the finished request is gone');
select is(
  (select count(*)::int from auth.audit_log_entries where id = '21aa0000-0000-4000-8000-000000000001'),
  0, '[ERA-013] the GoTrue audit log entry naming Ann is gone');
select results_eq(
  $$select e.target_table, e.target_id, e.org_id, e.actor_kind, e.actor_job, e.reason, e.details
    from audit.events e where e.action = 'account.erased'$$,
  $$values ('auth.users'::text, '21000000-0000-4000-8000-00000000000a'::text, null::uuid, 'system'::text,
    'account_erasure'::text, 'account_erasure'::text,
    '{"ownership_transferred":0,"surveys_deleted":2,"organizations_deleted":1,"storage_owner_cleared":8,"auth_log_entries_deleted":1,"memberships_removed":0,"auth_user_deleted":true}'::jsonb)$$,
  '[ERA-014] account.erased is audited by id, with the counts of everything removed');
select is(
  (select s -> 'progress' from ann_steps where (s ->> 'done')::boolean),
  (select details from audit.events where action = 'account.erased'),
  '[ERA-015] the last step reports the same progress the audit event records');

-- ---------------------------------------------------------------------------------------------
-- (b) Ben is a member of Olga's organisation
-- ---------------------------------------------------------------------------------------------
select tests.create_user('21000000-0000-4000-8000-000000000001', 'olga@example.test');
select tests.create_user('21000000-0000-4000-8000-00000000000b', 'ben@example.test');
insert into public.organizations (id, name, created_by)
values ('21b00000-0000-4000-8000-000000000001', 'Olga and co', '21000000-0000-4000-8000-00000000000b');
insert into public.memberships (org_id, user_id, role, created_at) values
  ('21b00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-000000000001', 'owner', '2028-01-01'),
  ('21b00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-00000000000b', 'member', '2029-01-01');
select tests.create_survey('21b00000-0000-4000-8000-000000000001', 'delta', 2, 2);
select tests.create_survey('21b00000-0000-4000-8000-000000000001', 'eps', 1, 1);
update public.surveys set created_by = '21000000-0000-4000-8000-00000000000b'
where org_id = '21b00000-0000-4000-8000-000000000001';
update public.surveys set deleted_at = '2030-03-31 00:00+00', deleted_by = '21000000-0000-4000-8000-00000000000b'
where org_id = '21b00000-0000-4000-8000-000000000001' and slug = 'eps';
update public.recordings set created_by = '21000000-0000-4000-8000-00000000000b'
where org_id = '21b00000-0000-4000-8000-000000000001';
select tests.create_object('recordings', object_path) from public.recordings
where org_id = '21b00000-0000-4000-8000-000000000001';
update storage.objects set owner = '21000000-0000-4000-8000-00000000000b',
  owner_id = '21000000-0000-4000-8000-00000000000b'
where name like '21b00000-0000-4000-8000-000000000001/%';

create temporary table olga_before on commit drop as
  select (select count(*) from public.surveys where org_id = '21b00000-0000-4000-8000-000000000001') as surveys,
    (select count(*) from public.questions where org_id = '21b00000-0000-4000-8000-000000000001') as questions,
    (select count(*) from public.responses where org_id = '21b00000-0000-4000-8000-000000000001') as responses,
    (select count(*) from public.recordings where org_id = '21b00000-0000-4000-8000-000000000001') as recordings,
    (select count(*) from public.transcripts where org_id = '21b00000-0000-4000-8000-000000000001') as transcripts,
    (select count(*) from storage.objects where name like '21b00000-0000-4000-8000-000000000001/%') as objects;

select pg_temp.request_deletion('21000000-0000-4000-8000-00000000000b');
create temporary table ben_steps on commit drop as
  select n, s from pg_temp.erase('21000000-0000-4000-8000-00000000000b') with ordinality as t(s, n);

select results_eq(
  $$select s - 'progress' from ben_steps order by n$$,
  $$values
    ('{"step":"transfer_ownership","organizations":0,"done":false}'::jsonb),
    ('{"step":"delete_solo_organizations","finished":true,"done":false}'),
    ('{"step":"erase_user","done":true}')$$,
  '[ERA-016] a plain member: no transfer, no solo organisation, then the user');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = '21b00000-0000-4000-8000-000000000001'$$,
  $$values ('21000000-0000-4000-8000-000000000001'::uuid, 'owner'::text)$$,
  '[ERA-017] Ben''s membership is gone; Olga''s stays');
select results_eq(
  $$select (select count(*) from public.surveys where org_id = '21b00000-0000-4000-8000-000000000001'),
    (select count(*) from public.questions where org_id = '21b00000-0000-4000-8000-000000000001'),
    (select count(*) from public.responses where org_id = '21b00000-0000-4000-8000-000000000001'),
    (select count(*) from public.recordings where org_id = '21b00000-0000-4000-8000-000000000001'),
    (select count(*) from public.transcripts where org_id = '21b00000-0000-4000-8000-000000000001'),
    (select count(*) from storage.objects where name like '21b00000-0000-4000-8000-000000000001/%')$$,
  $$select surveys, questions, responses, recordings, transcripts, objects from olga_before$$,
  '[ERA-018] the organisation''s surveys, children and objects are all intact');
select is(
  (select count(*)::int from private.storage_removals where org_id = '21b00000-0000-4000-8000-000000000001'),
  0, '[ERA-019] nothing of the organisation is queued for removal');
select results_eq(
  $$select (select created_by from public.organizations where id = '21b00000-0000-4000-8000-000000000001'),
    (select count(*)::int from public.surveys where org_id = '21b00000-0000-4000-8000-000000000001' and created_by is not null),
    (select count(*)::int from public.recordings where org_id = '21b00000-0000-4000-8000-000000000001' and created_by is not null)$$,
  $$values (null::uuid, 0, 0)$$,
  '[ERA-020] created_by that named Ben is null on the organisation, its surveys and recordings');
select results_eq(
  $$select deleted_at, deleted_by from public.surveys
    where org_id = '21b00000-0000-4000-8000-000000000001' and slug = 'eps'$$,
  $$values ('2030-03-31 00:00+00'::timestamptz, null::uuid)$$,
  '[ERA-021] the survey Ben deleted stays in the trash, deleted_by now null');
select is(
  (select count(*)::int from storage.objects
   where name like '21b00000-0000-4000-8000-000000000001/%' and (owner is not null or owner_id is not null)),
  0, '[ERA-022] objects Ben uploaded stay but no longer name him as owner');
select results_eq(
  $$select reason, actor_kind, actor_job, details from audit.events
    where action = 'membership.removed' and org_id = '21b00000-0000-4000-8000-000000000001'$$,
  $$values ('account_erasure'::text, 'system'::text, 'database'::text, '{"was_owner":false}'::jsonb)$$,
  '[ERA-023] the organisation''s audit trail records the membership removal');
select is(
  (select details from audit.events where action = 'account.erased'
   and target_id = '21000000-0000-4000-8000-00000000000b'),
  '{"ownership_transferred":0,"storage_owner_cleared":5,"auth_log_entries_deleted":0,"memberships_removed":1,"auth_user_deleted":true}'::jsonb,
  '[ERA-024] account.erased for Ben: one membership, five objects'' owner cleared');
select is(
  (select count(*)::int from auth.users where id = '21000000-0000-4000-8000-00000000000b'),
  0, '[ERA-025] Ben''s Auth user is gone');

-- ---------------------------------------------------------------------------------------------
-- (c) Cat is the only owner of organisations that have other members
-- ---------------------------------------------------------------------------------------------
select tests.create_user('21000000-0000-4000-8000-00000000000c', 'cat@example.test');
select tests.create_user('21000000-0000-4000-8000-0000000000d1', 'dan@example.test');
select tests.create_user('21000000-0000-4000-8000-0000000000d2', 'dora@example.test');
select tests.create_user('21000000-0000-4000-8000-0000000000e1', 'eli@example.test');
select tests.create_user('21000000-0000-4000-8000-0000000000e2', 'emma@example.test');
insert into public.organizations (id, name, created_by) values
  ('21c00000-0000-4000-8000-000000000001', 'Cat with admins', '21000000-0000-4000-8000-00000000000c'),
  ('21c00000-0000-4000-8000-000000000002', 'Cat with members', '21000000-0000-4000-8000-00000000000c'),
  ('21c00000-0000-4000-8000-000000000003', 'Cat and Olga', '21000000-0000-4000-8000-00000000000c');
insert into public.memberships (org_id, user_id, role, created_at) values
  -- Admins Dan (2029) and Dora (2028); Eli is a member since 2027, longer than both.
  ('21c00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-00000000000c', 'owner', '2026-01-01'),
  ('21c00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-0000000000d1', 'admin', '2029-01-01'),
  ('21c00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-0000000000d2', 'admin', '2028-06-01'),
  ('21c00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-0000000000e1', 'member', '2027-01-01'),
  -- No admin: members Eli (2029) and Emma (2028).
  ('21c00000-0000-4000-8000-000000000002', '21000000-0000-4000-8000-00000000000c', 'owner', '2026-01-01'),
  ('21c00000-0000-4000-8000-000000000002', '21000000-0000-4000-8000-0000000000e1', 'member', '2029-05-01'),
  ('21c00000-0000-4000-8000-000000000002', '21000000-0000-4000-8000-0000000000e2', 'member', '2028-02-01'),
  -- A co-owner already: nothing to transfer.
  ('21c00000-0000-4000-8000-000000000003', '21000000-0000-4000-8000-00000000000c', 'owner', '2026-01-01'),
  ('21c00000-0000-4000-8000-000000000003', '21000000-0000-4000-8000-000000000001', 'owner', '2027-01-01');
select tests.create_survey('21c00000-0000-4000-8000-000000000001', 'zeta', 1, 2);
select tests.create_survey('21c00000-0000-4000-8000-000000000002', 'eta', 1, 1);

select pg_temp.request_deletion('21000000-0000-4000-8000-00000000000c');
create temporary table cat_steps on commit drop as
  select n, s from pg_temp.erase('21000000-0000-4000-8000-00000000000c') with ordinality as t(s, n);

select results_eq(
  $$select s - 'progress' from cat_steps order by n$$,
  $$values
    ('{"step":"transfer_ownership","organizations":2,"done":false}'::jsonb),
    ('{"step":"delete_solo_organizations","finished":true,"done":false}'),
    ('{"step":"erase_user","done":true}')$$,
  '[ERA-026] two organisations change owner, none is deleted');
select results_eq(
  $$select user_id, role::text from public.memberships
    where org_id = '21c00000-0000-4000-8000-000000000001' order by user_id$$,
  $$values ('21000000-0000-4000-8000-0000000000d1'::uuid, 'admin'::text),
    ('21000000-0000-4000-8000-0000000000d2'::uuid, 'owner'::text),
    ('21000000-0000-4000-8000-0000000000e1'::uuid, 'member'::text)$$,
  '[ERA-027] the longest-standing admin (Dora) becomes owner, over a longer-standing member');
select results_eq(
  $$select user_id, role::text from public.memberships
    where org_id = '21c00000-0000-4000-8000-000000000002' order by user_id$$,
  $$values ('21000000-0000-4000-8000-0000000000e1'::uuid, 'member'::text),
    ('21000000-0000-4000-8000-0000000000e2'::uuid, 'owner'::text)$$,
  '[ERA-028] with no admin, the longest-standing member (Emma) becomes owner');
select results_eq(
  $$select user_id, role::text from public.memberships
    where org_id = '21c00000-0000-4000-8000-000000000003'$$,
  $$values ('21000000-0000-4000-8000-000000000001'::uuid, 'owner'::text)$$,
  '[ERA-029] where another owner exists, Cat''s membership just goes');
select bag_eq(
  $$select org_id, target_id, reason, actor_job from audit.events
    where action = 'organization.owner_transferred'$$,
  $$values ('21c00000-0000-4000-8000-000000000001'::uuid, '21c00000-0000-4000-8000-000000000001'::text,
      'account_erasure'::text, 'account_erasure'::text),
    ('21c00000-0000-4000-8000-000000000002'::uuid, '21c00000-0000-4000-8000-000000000002'::text,
      'account_erasure'::text, 'account_erasure'::text)$$,
  '[ERA-030] each ownership transfer is audited in the organisation''s trail');
select results_eq(
  $$select (select count(*)::int from public.surveys where org_id in ('21c00000-0000-4000-8000-000000000001', '21c00000-0000-4000-8000-000000000002')),
    (select count(*)::int from public.recordings where org_id in ('21c00000-0000-4000-8000-000000000001', '21c00000-0000-4000-8000-000000000002')),
    (select count(*)::int from public.organizations where id::text like '21c00000-%')$$,
  $$values (2, 3, 3)$$,
  '[ERA-031] the shared organisations and their data stay');
select is(
  (select details from audit.events where action = 'account.erased'
   and target_id = '21000000-0000-4000-8000-00000000000c'),
  '{"ownership_transferred":2,"storage_owner_cleared":0,"auth_log_entries_deleted":0,"memberships_removed":3,"auth_user_deleted":true}'::jsonb,
  '[ERA-032] account.erased for Cat: two transfers, three memberships');
select is_empty(
  $$select o.id from public.organizations o
    where not exists (select 1 from public.memberships m where m.org_id = o.id and m.role = 'owner')$$,
  '[ERA-033] after (a), (b) and (c) every remaining organisation has an owner');

-- Ties: the same joining time is broken by user id, so the choice is deterministic.
select tests.create_user('21000000-0000-4000-8000-0000000000f0', 'fay@example.test');
select tests.create_user('21000000-0000-4000-8000-0000000000f2', 'finn@example.test');
select tests.create_user('21000000-0000-4000-8000-0000000000f1', 'flo@example.test');
insert into public.organizations (id, name) values ('21f00000-0000-4000-8000-000000000001', 'Tie');
insert into public.memberships (org_id, user_id, role, created_at) values
  ('21f00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-0000000000f0', 'owner', '2026-01-01'),
  ('21f00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-0000000000f2', 'admin', '2028-01-01'),
  ('21f00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-0000000000f1', 'admin', '2028-01-01');
select pg_temp.request_deletion('21000000-0000-4000-8000-0000000000f0');
select count(*) from pg_temp.erase('21000000-0000-4000-8000-0000000000f0');
select results_eq(
  $$select user_id, role::text from public.memberships
    where org_id = '21f00000-0000-4000-8000-000000000001' order by user_id$$,
  $$values ('21000000-0000-4000-8000-0000000000f1'::uuid, 'owner'::text),
    ('21000000-0000-4000-8000-0000000000f2'::uuid, 'admin'::text)$$,
  '[ERA-034] admins who joined at the same moment: the lower user id becomes owner');

-- ---------------------------------------------------------------------------------------------
-- Exactly which requests a step acts on
-- ---------------------------------------------------------------------------------------------
select throws_ok(
  $$select private.erase_account_step('21000000-0000-4000-8000-999999999999', gen_random_uuid())$$,
  'P0002', 'account deletion request 21000000-0000-4000-8000-999999999999 not found',
  '[ERA-035] a step on an unknown request is P0002');
select tests.create_user('21000000-0000-4000-8000-0000000000a7', 'gus@example.test');
select pg_temp.request_deletion('21000000-0000-4000-8000-0000000000a7');
select throws_ok(
  $$select private.erase_account_step(r.id, null) from private.account_deletion_requests r
    where r.user_id = '21000000-0000-4000-8000-0000000000a7'$$,
  '55P03', null,
  '[ERA-036] a step on a request nobody has claimed is refused (no lease)');
select results_eq(
  $$select r.status, r.step, r.leased_until, r.lease_token,
      (select count(*)::int from auth.users u where u.id = r.user_id)
    from private.account_deletion_requests r where r.user_id = '21000000-0000-4000-8000-0000000000a7'$$,
  $$values ('pending'::text, 'transfer_ownership'::text, null::timestamptz, null::uuid, 1)$$,
  '[ERA-037] the unclaimed request is untouched: still pending, at its first step, not leased');
-- (Past any lease a refused-but-run step may have taken, so the rest of the file is independent.)
select tests.set_now('2030-04-01 09:10:00+00');
select count(*) from pg_temp.erase('21000000-0000-4000-8000-0000000000a7');
select is(
  (select count(*)::int from auth.users where id = '21000000-0000-4000-8000-0000000000a7'),
  0, '[ERA-038] a user with no organisation at all is erased too');
select is(
  (select details from audit.events where action = 'account.erased'
   and target_id = '21000000-0000-4000-8000-0000000000a7'),
  '{"ownership_transferred":0,"storage_owner_cleared":0,"auth_log_entries_deleted":0,"memberships_removed":0,"auth_user_deleted":true}'::jsonb,
  '[ERA-039] its account.erased event has zero counts');

-- ---------------------------------------------------------------------------------------------
-- (d) The user is still signed in while the erasure runs (tokens die only with the Auth user)
-- ---------------------------------------------------------------------------------------------
-- Hal creates an organisation after the solo-organisation step has finished.
select tests.create_user('21000000-0000-4000-8000-0000000000a8', 'hal@example.test');
select pg_temp.request_deletion('21000000-0000-4000-8000-0000000000a8');
create temporary table hal_claim on commit drop as select * from private.claim_account_deletion();
select private.erase_account_step(id, lease_token) from hal_claim;  -- transfer_ownership
select private.erase_account_step(id, lease_token) from hal_claim;  -- delete_solo: finished
select is(
  (select r.step from private.account_deletion_requests r join hal_claim h on h.id = r.id),
  'erase_user', '[ERA-040] Hal''s request is at its last step');
select tests.authenticate_as('21000000-0000-4000-8000-0000000000a8');
select lives_ok(
  $$select public.create_organization('Hal late')$$,
  '[ERA-041] (fixture) Hal, still signed in, creates an organisation meanwhile');
select tests.clear_authentication();
select tests.create_survey(o.id, 'late', 1, 1) from public.organizations o where o.name = 'Hal late';
create temporary table hal_rest on commit drop as
  select n, s from pg_temp.finish((select id from hal_claim), (select lease_token from hal_claim))
  with ordinality as t(s, n);
select is(
  (select count(*)::int from public.organizations where name = 'Hal late'),
  0, '[ERA-042] an organisation created during the erasure is erased too, not left behind without members');
select is(
  (select count(*)::int from public.surveys s where s.slug = 'late'),
  0, '[ERA-043] its survey is erased too');

-- Ivy's solo organisation gains a member after the ownership step has run.
select tests.create_user('21000000-0000-4000-8000-0000000000a9', 'ivy@example.test');
select tests.create_user('21000000-0000-4000-8000-0000000000aa', 'jo@example.test');
insert into public.organizations (id, name) values ('21d00000-0000-4000-8000-000000000001', 'Ivy solo');
insert into public.memberships (org_id, user_id, role)
values ('21d00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-0000000000a9', 'owner');
select tests.create_survey('21d00000-0000-4000-8000-000000000001', 'ivy', 1, 1);
select pg_temp.request_deletion('21000000-0000-4000-8000-0000000000a9');
create temporary table ivy_claim on commit drop as select * from private.claim_account_deletion();
select results_eq(
  $$select private.erase_account_step(id, lease_token) - 'progress' from ivy_claim$$,
  $$values ('{"step":"transfer_ownership","organizations":0,"done":false}'::jsonb)$$,
  '[ERA-044] (fixture) Ivy''s organisation is solo when the ownership step runs');
insert into public.memberships (org_id, user_id, role)
values ('21d00000-0000-4000-8000-000000000001', '21000000-0000-4000-8000-0000000000aa', 'member');
select count(*) from pg_temp.finish((select id from ivy_claim), (select lease_token from ivy_claim));
select is(
  (select count(*)::int from auth.users where id = '21000000-0000-4000-8000-0000000000a9'),
  0, '[ERA-045] Ivy is erased');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = '21d00000-0000-4000-8000-000000000001'$$,
  $$values ('21000000-0000-4000-8000-0000000000aa'::uuid, 'owner'::text)$$,
  '[ERA-046] the member who joined meanwhile becomes owner: the organisation is not left ownerless');
select is_empty(
  $$select o.id from public.organizations o
    where not exists (select 1 from public.memberships m where m.org_id = o.id and m.role = 'owner')$$,
  '[ERA-047] no organisation is left without an owner (or without members)');

select * from finish();
rollback;
