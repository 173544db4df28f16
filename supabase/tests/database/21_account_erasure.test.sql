-- Account erasure, driven step by step as the account-erasure job drives it
-- (tests.run_account_erasure: claim, then steps until one answers done = true).
--   (a) the owner of a solo organisation: the organisation and everything in it goes, every
--       recording's object and every other object in its folder is queued for Storage removal;
--   (b) a member of someone else's organisation: only the membership goes, the organisation's
--       data stays, and authorship columns that named the user become null;
--   (c) the sole owner of shared organisations: the longest-standing admin (else member)
--       becomes owner, audited; the organisation is never left without an owner;
--   (d) organisations the user creates or opens up while the erasure runs are not left behind;
--   (e) GoTrue's log is read in chunks of blocks, and what is written after the scan passed goes
--       in the last step.
-- The catalog-wide "no trace" scan is in 22_account_erasure_leaves_no_trace.test.sql.
begin;
select plan(55);
set local timezone = 'UTC';
select tests.clear_account_erasure_queue();
select tests.set_now('2030-04-01 09:00:00+00');

-- ---------------------------------------------------------------------------------------------
-- (a) Ann owns a solo organisation
-- ---------------------------------------------------------------------------------------------
select tests.create_user('ann');
insert into public.profiles (id, display_name) values (tests.user_id('ann'), 'Ann');
select tests.remember_id('Ann solo', tests.create_org('ann', 'Ann solo'));
select tests.create_survey('Ann solo', 'alpha', 2, 2);
select tests.create_survey('Ann solo', 'beta', 1, 3);
update public.surveys set created_by = tests.user_id('ann') where org_id = tests.org_id('Ann solo');
update public.surveys set deleted_at = '2030-03-30 00:00+00', deleted_by = tests.user_id('ann')
where org_id = tests.org_id('Ann solo') and slug = 'beta';
-- Every recording's object, plus one object in the folder that no recording row points at.
select tests.create_object('recordings', object_path) from public.recordings
where org_id = tests.org_id('Ann solo');
select tests.create_object('recordings', tests.org_id('Ann solo') || '/uploads/draft.webm');
update storage.objects set owner = tests.user_id('ann'), owner_id = tests.user_id('ann')::text
where name like tests.org_id('Ann solo') || '/%';
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
select u.instance_id, tests.remember_id('ann login', gen_random_uuid()),
  json_build_object('action', 'login', 'actor_id', tests.user_id('ann'),
    'actor_username', 'ann@example.test', 'log_type', 'account',
    'traits', json_build_object('provider', 'email')),
  now(), '203.0.113.7'
from auth.users u where u.id = tests.user_id('ann');

create temporary table ann_paths on commit drop as
  select object_path from public.recordings where org_id = tests.org_id('Ann solo');
create temporary table ann_surveys on commit drop as
  select id, slug from public.surveys where org_id = tests.org_id('Ann solo');

select tests.request_account_erasure('ann');
create temporary table ann_steps on commit drop as
  select n, s from tests.run_account_erasure('ann', 1) with ordinality as t(s, n);

select results_eq(
  $$select s - 'progress' from ann_steps order by n$$,
  $$values
    ('{"step":"transfer_ownership","organizations":0,"done":false}'::jsonb),
    (jsonb_build_object('step', 'delete_solo_organizations',
      'organization', tests.remembered_id('Ann solo'), 'surveys', 1, 'done', false)),
    (jsonb_build_object('step', 'delete_solo_organizations',
      'organization', tests.remembered_id('Ann solo'), 'surveys', 1, 'done', false)),
    (jsonb_build_object('step', 'delete_solo_organizations',
      'organization', tests.remembered_id('Ann solo'), 'organization_deleted', true, 'done', false)),
    ('{"step":"delete_solo_organizations","finished":true,"done":false}'),
    ('{"step":"erase_auth_log","auth_log_entries":1,"finished":true,"done":false}'),
    ('{"step":"erase_user","done":true}')$$,
  '[ERA-001] batch size 1: ownership, one survey per step, then the organisation, GoTrue''s log (one chunk), then the user');
select is(
  (select count(*)::int from public.organizations where id = tests.remembered_id('Ann solo')),
  0, '[ERA-002] the solo organisation is gone');
select results_eq(
  $$select (select count(*)::int from public.surveys where org_id = tests.remembered_id('Ann solo')),
    (select count(*)::int from public.questions where org_id = tests.remembered_id('Ann solo')),
    (select count(*)::int from public.responses where org_id = tests.remembered_id('Ann solo')),
    (select count(*)::int from public.recordings where org_id = tests.remembered_id('Ann solo')),
    (select count(*)::int from public.transcripts where org_id = tests.remembered_id('Ann solo')),
    (select count(*)::int from public.memberships where org_id = tests.remembered_id('Ann solo'))$$,
  $$values (0, 0, 0, 0, 0, 0)$$,
  '[ERA-003] its surveys (the deleted one too), questions, responses, recordings, transcripts and memberships are gone');
select set_eq(
  $$select object_name from private.storage_removals
    where org_id = tests.remembered_id('Ann solo') and bucket_id = 'recordings'
      and cause = 'account_erasure'$$,
  $$select object_path from ann_paths
    union all select tests.remembered_id('Ann solo') || '/uploads/draft.webm'$$,
  '[ERA-004] every recording object and the unreferenced object in the folder are queued for removal');
select is(
  (select count(*)::int from private.storage_removals
   where org_id = tests.remembered_id('Ann solo')),
  8, '[ERA-005] each object is queued exactly once (7 recordings + 1 loose object)');
select results_eq(
  $$select count(*)::int, count(*) filter (where owner is null and owner_id is null)::int
    from storage.objects where name like tests.remembered_id('Ann solo') || '/%'$$,
  $$values (8, 8)$$,
  '[ERA-006] the objects await the Storage API, no longer naming Ann as owner');
select bag_eq(
  $$select e.details, e.reason, e.actor_job from audit.events e
    where e.action = 'survey.purged' and e.org_id = tests.remembered_id('Ann solo')$$,
  $$values
    ('{"questions":2,"responses":2,"recordings":4,"transcripts":4}'::jsonb, 'account_erasure'::text, 'account_erasure'::text),
    ('{"questions":1,"responses":3,"recordings":3,"transcripts":3}'::jsonb, 'account_erasure', 'account_erasure')$$,
  '[ERA-007] each purged survey is audited with its counts');
select set_eq(
  $$select e.target_id::uuid from audit.events e
    where e.action = 'survey.purged' and e.org_id = tests.remembered_id('Ann solo')$$,
  $$select id from ann_surveys$$,
  '[ERA-008] the purge events name exactly the organisation''s surveys');
select results_eq(
  $$select e.details, e.reason, e.actor_kind from audit.events e
    where e.action = 'organization.deleted' and e.org_id = tests.remembered_id('Ann solo')$$,
  $$values ('{"surveys":0,"questions":0,"responses":0,"recordings":0,"transcripts":0,"memberships":1,"unreferenced_objects":1}'::jsonb,
    'account_erasure'::text, 'system'::text)$$,
  '[ERA-009] the organisation''s deletion is audited with its counts');
select is(
  (select count(*)::int from auth.users where id = tests.remembered_id('ann')),
  0, '[ERA-010] the Auth user is gone');
select is(
  (select count(*)::int from public.profiles where id = tests.remembered_id('ann')),
  0, '[ERA-011] the profile is gone');
select is(
  (select count(*)::int from private.account_erasure_requests
   where user_id = tests.remembered_id('ann')),
  0, '[ERA-012] the finished request is gone');
select is(
  (select count(*)::int from auth.audit_log_entries where id = tests.remembered_id('ann login')),
  0, '[ERA-013] the GoTrue audit log entry naming Ann is gone');
select results_eq(
  $$select e.target_table, e.target_id, e.org_id, e.actor_kind, e.actor_job, e.reason, e.details
    from audit.events e where e.action = 'account.erased'$$,
  $$values ('auth.users'::text, tests.remembered_id('ann')::text, null::uuid, 'system'::text,
    'account_erasure'::text, 'account_erasure'::text,
    '{"ownership_transferred":0,"surveys_deleted":2,"organizations_deleted":1,"storage_owner_cleared":8,"auth_log_entries_deleted":1,"mail_messages_deleted":0,"memberships_removed":0,"auth_user_deleted":true}'::jsonb)$$,
  '[ERA-014] account.erased is audited by id, with the counts of everything removed');
select is(
  (select s -> 'progress' from ann_steps where (s ->> 'done')::boolean),
  (select details from audit.events where action = 'account.erased'),
  '[ERA-015] the last step reports the same progress the audit event records');

-- ---------------------------------------------------------------------------------------------
-- (b) Ben is a member of Olga's organisation
-- ---------------------------------------------------------------------------------------------
select tests.create_user('olga');
select tests.create_user('ben');
select tests.create_org('olga', 'Olga and co');
select tests.add_member('Olga and co', 'ben', 'member');
update public.organizations set created_by = tests.user_id('ben')
where id = tests.org_id('Olga and co');
select tests.create_survey('Olga and co', 'delta', 2, 2);
select tests.create_survey('Olga and co', 'eps', 1, 1);
update public.surveys set created_by = tests.user_id('ben')
where org_id = tests.org_id('Olga and co');
update public.surveys set deleted_at = '2030-03-31 00:00+00', deleted_by = tests.user_id('ben')
where org_id = tests.org_id('Olga and co') and slug = 'eps';
update public.recordings set created_by = tests.user_id('ben')
where org_id = tests.org_id('Olga and co');
select tests.create_object('recordings', object_path) from public.recordings
where org_id = tests.org_id('Olga and co');
update storage.objects set owner = tests.user_id('ben'), owner_id = tests.user_id('ben')::text
where name like tests.org_id('Olga and co') || '/%';

create temporary table olga_before on commit drop as
  select (select count(*) from public.surveys where org_id = o.id) as surveys,
    (select count(*) from public.questions where org_id = o.id) as questions,
    (select count(*) from public.responses where org_id = o.id) as responses,
    (select count(*) from public.recordings where org_id = o.id) as recordings,
    (select count(*) from public.transcripts where org_id = o.id) as transcripts,
    (select count(*) from storage.objects where name like o.id || '/%') as objects
  from (select tests.org_id('Olga and co') as id) o;

select tests.request_account_erasure('ben');
create temporary table ben_steps on commit drop as
  select n, s from tests.run_account_erasure('ben') with ordinality as t(s, n);

select results_eq(
  $$select s - 'progress' from ben_steps order by n$$,
  $$values
    ('{"step":"transfer_ownership","organizations":0,"done":false}'::jsonb),
    ('{"step":"delete_solo_organizations","finished":true,"done":false}'),
    ('{"step":"erase_auth_log","auth_log_entries":0,"finished":true,"done":false}'),
    ('{"step":"erase_user","done":true}')$$,
  '[ERA-016] a plain member: no transfer, no solo organisation, then the user');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = tests.org_id('Olga and co')$$,
  $$values (tests.user_id('olga'), 'owner'::text)$$,
  '[ERA-017] Ben''s membership is gone; Olga''s stays');
select results_eq(
  $$select (select count(*) from public.surveys where org_id = tests.org_id('Olga and co')),
    (select count(*) from public.questions where org_id = tests.org_id('Olga and co')),
    (select count(*) from public.responses where org_id = tests.org_id('Olga and co')),
    (select count(*) from public.recordings where org_id = tests.org_id('Olga and co')),
    (select count(*) from public.transcripts where org_id = tests.org_id('Olga and co')),
    (select count(*) from storage.objects where name like tests.org_id('Olga and co') || '/%')$$,
  $$select surveys, questions, responses, recordings, transcripts, objects from olga_before$$,
  '[ERA-018] the organisation''s surveys, children and objects are all intact');
select is(
  (select count(*)::int from private.storage_removals where org_id = tests.org_id('Olga and co')),
  0, '[ERA-019] nothing of the organisation is queued for removal');
select results_eq(
  $$select (select created_by from public.organizations where id = tests.org_id('Olga and co')),
    (select count(*)::int from public.surveys
     where org_id = tests.org_id('Olga and co') and created_by is not null),
    (select count(*)::int from public.recordings
     where org_id = tests.org_id('Olga and co') and created_by is not null)$$,
  $$values (null::uuid, 0, 0)$$,
  '[ERA-020] created_by that named Ben is null on the organisation, its surveys and recordings');
select results_eq(
  $$select deleted_at, deleted_by from public.surveys
    where org_id = tests.org_id('Olga and co') and slug = 'eps'$$,
  $$values ('2030-03-31 00:00+00'::timestamptz, null::uuid)$$,
  '[ERA-021] the survey Ben deleted stays in the trash, deleted_by now null');
select is(
  (select count(*)::int from storage.objects
   where name like tests.org_id('Olga and co') || '/%'
     and (owner is not null or owner_id is not null)),
  0, '[ERA-022] objects Ben uploaded stay but no longer name him as owner');
select results_eq(
  $$select reason, actor_kind, actor_job, details from audit.events
    where action = 'membership.removed' and org_id = tests.org_id('Olga and co')$$,
  $$values ('account_erasure'::text, 'system'::text, 'database'::text, '{"was_owner":false}'::jsonb)$$,
  '[ERA-023] the organisation''s audit trail records the membership removal');
select is(
  (select details from audit.events where action = 'account.erased'
   and target_id = tests.remembered_id('ben')::text),
  '{"ownership_transferred":0,"storage_owner_cleared":5,"auth_log_entries_deleted":0,"mail_messages_deleted":0,"memberships_removed":1,"auth_user_deleted":true}'::jsonb,
  '[ERA-024] account.erased for Ben: one membership, five objects'' owner cleared');
select is(
  (select count(*)::int from auth.users where id = tests.remembered_id('ben')),
  0, '[ERA-025] Ben''s Auth user is gone');

-- ---------------------------------------------------------------------------------------------
-- (c) Cat is the only owner of organisations that have other members
-- ---------------------------------------------------------------------------------------------
select tests.create_user(u) from unnest(array['cat', 'dan', 'dora', 'eli', 'emma']) u;
-- Admins Dan (2029) and Dora (2028); Eli is a member since 2027, longer than both.
select tests.create_org('cat', 'Cat with admins');
select tests.add_member_since('Cat with admins', 'dan', 'admin', '2029-01-01');
select tests.add_member_since('Cat with admins', 'dora', 'admin', '2028-06-01');
select tests.add_member_since('Cat with admins', 'eli', 'member', '2027-01-01');
-- No admin: members Eli (2029) and Emma (2028).
select tests.create_org('cat', 'Cat with members');
select tests.add_member_since('Cat with members', 'eli', 'member', '2029-05-01');
select tests.add_member_since('Cat with members', 'emma', 'member', '2028-02-01');
-- A co-owner already: nothing to transfer.
select tests.create_org('cat', 'Cat and Olga');
select tests.add_member('Cat and Olga', 'olga', 'owner');
select tests.create_survey('Cat with admins', 'zeta', 1, 2);
select tests.create_survey('Cat with members', 'eta', 1, 1);

select tests.request_account_erasure('cat');
create temporary table cat_steps on commit drop as
  select n, s from tests.run_account_erasure('cat') with ordinality as t(s, n);

select results_eq(
  $$select s - 'progress' from cat_steps order by n$$,
  $$values
    ('{"step":"transfer_ownership","organizations":2,"done":false}'::jsonb),
    ('{"step":"delete_solo_organizations","finished":true,"done":false}'),
    ('{"step":"erase_auth_log","auth_log_entries":0,"finished":true,"done":false}'),
    ('{"step":"erase_user","done":true}')$$,
  '[ERA-026] two organisations change owner, none is deleted');
select set_eq(
  $$select user_id, role::text from public.memberships
    where org_id = tests.org_id('Cat with admins')$$,
  $$values (tests.user_id('dan'), 'admin'::text), (tests.user_id('dora'), 'owner'),
    (tests.user_id('eli'), 'member')$$,
  '[ERA-027] the longest-standing admin (Dora) becomes owner, over a longer-standing member');
select set_eq(
  $$select user_id, role::text from public.memberships
    where org_id = tests.org_id('Cat with members')$$,
  $$values (tests.user_id('eli'), 'member'::text), (tests.user_id('emma'), 'owner')$$,
  '[ERA-028] with no admin, the longest-standing member (Emma) becomes owner');
select results_eq(
  $$select user_id, role::text from public.memberships
    where org_id = tests.org_id('Cat and Olga')$$,
  $$values (tests.user_id('olga'), 'owner'::text)$$,
  '[ERA-029] where another owner exists, Cat''s membership just goes');
select bag_eq(
  $$select org_id, target_id, reason, actor_job from audit.events
    where action = 'organization.owner_transferred'$$,
  $$select tests.org_id(o) as org_id, tests.org_id(o)::text as target_id,
      'account_erasure'::text as reason, 'account_erasure'::text as actor_job
    from unnest(array['Cat with admins', 'Cat with members']) o$$,
  '[ERA-030] each ownership transfer is audited in the organisation''s trail');
select results_eq(
  $$select (select count(*)::int from public.surveys
            where org_id in (tests.org_id('Cat with admins'), tests.org_id('Cat with members'))),
    (select count(*)::int from public.recordings
     where org_id in (tests.org_id('Cat with admins'), tests.org_id('Cat with members'))),
    (select count(*)::int from public.organizations
     where name in ('Cat with admins', 'Cat with members', 'Cat and Olga'))$$,
  $$values (2, 3, 3)$$,
  '[ERA-031] the shared organisations and their data stay');
select is(
  (select details from audit.events where action = 'account.erased'
   and target_id = tests.remembered_id('cat')::text),
  '{"ownership_transferred":2,"storage_owner_cleared":0,"auth_log_entries_deleted":0,"mail_messages_deleted":0,"memberships_removed":3,"auth_user_deleted":true}'::jsonb,
  '[ERA-032] account.erased for Cat: two transfers, three memberships');
select is_empty(
  $$select o.id from public.organizations o
    where not exists (select 1 from public.memberships m
                      where m.org_id = o.id and m.role = 'owner')$$,
  '[ERA-033] after (a), (b) and (c) every remaining organisation has an owner');

-- Ties: the same joining time is broken by user id, so the choice is deterministic.
select tests.create_user(u) from unnest(array['fay', 'finn', 'flo']) u;
select tests.create_org('fay', 'Tie');
select tests.add_member_since('Tie', 'finn', 'admin', '2028-01-01');
select tests.add_member_since('Tie', 'flo', 'admin', '2028-01-01');
select tests.request_account_erasure('fay');
select count(*) from tests.run_account_erasure('fay');
select results_eq(
  $$select role::text from public.memberships where org_id = tests.org_id('Tie') order by user_id$$,
  $$values ('owner'::text), ('admin')$$,
  '[ERA-034] admins who joined at the same moment: the lower user id becomes owner');

-- ---------------------------------------------------------------------------------------------
-- Exactly which requests a step acts on
-- ---------------------------------------------------------------------------------------------
select throws_ok(
  format('select private.account_erasure_step(%L, gen_random_uuid())', unknown.id),
  'P0002', format('account erasure request %s not found', unknown.id),
  '[ERA-035] a step on an unknown request is P0002')
from (select gen_random_uuid() as id) unknown;
select tests.create_user('gus');
select tests.request_account_erasure('gus');
select throws_ok(
  $$select private.account_erasure_step(r.id, null) from private.account_erasure_requests r
    where r.user_id = tests.user_id('gus')$$,
  '55P03', null,
  '[ERA-036] a step on a request nobody has claimed is refused (no lease)');
select results_eq(
  $$select r.status, r.step, r.leased_until, r.lease_token,
      (select count(*)::int from auth.users u where u.id = r.user_id)
    from private.account_erasure_requests r where r.user_id = tests.user_id('gus')$$,
  $$values ('pending'::text, 'transfer_ownership'::text, null::timestamptz, null::uuid, 1)$$,
  '[ERA-037] the unclaimed request is untouched: still pending, at its first step, not leased');
-- Past any lease a refused-but-run step may have taken, so the rest of the file is independent.
select tests.set_now('2030-04-01 09:10:00+00');
select count(*) from tests.run_account_erasure('gus');
select is(
  (select count(*)::int from auth.users where id = tests.remembered_id('gus')),
  0, '[ERA-038] a user with no organisation at all is erased too');
select is(
  (select details from audit.events where action = 'account.erased'
   and target_id = tests.remembered_id('gus')::text),
  '{"ownership_transferred":0,"storage_owner_cleared":0,"auth_log_entries_deleted":0,"mail_messages_deleted":0,"memberships_removed":0,"auth_user_deleted":true}'::jsonb,
  '[ERA-039] its account.erased event has zero counts');

-- ---------------------------------------------------------------------------------------------
-- (d) The user is still signed in while the erasure runs (tokens die only with the Auth user)
-- ---------------------------------------------------------------------------------------------
-- Hal creates an organisation after the solo-organisation step has finished.
select tests.create_user('hal');
select tests.request_account_erasure('hal');
create temporary table hal_claim on commit drop as select * from private.account_erasure_claim();
select private.account_erasure_step(id, lease_token) from hal_claim;  -- transfer_ownership
select private.account_erasure_step(id, lease_token) from hal_claim;  -- delete_solo: finished
select private.account_erasure_step(id, lease_token) from hal_claim;  -- erase_auth_log: finished
select is(
  (select r.step from private.account_erasure_requests r join hal_claim h on h.id = r.id),
  'erase_user', '[ERA-040] Hal''s request is at its last step');
select tests.authenticate_as('hal');
select lives_ok(
  $$select public.create_organization('Hal late')$$,
  '[ERA-041] (fixture) Hal, still signed in, creates an organisation meanwhile');
select tests.clear_authentication();
select tests.create_survey('Hal late', 'late', 1, 1);
select count(*) from hal_claim h, tests.finish_account_erasure(h.id, h.lease_token);
select is(
  (select count(*)::int from public.organizations where name = 'Hal late'),
  0, '[ERA-042] an organisation created during the erasure is erased too, not left behind without members');
select is(
  (select count(*)::int from public.surveys s where s.slug = 'late'),
  0, '[ERA-043] its survey is erased too');

-- Ivy's solo organisation gains a member after the ownership step has run.
select tests.create_user('ivy');
select tests.create_user('jo');
select tests.create_org('ivy', 'Ivy solo');
select tests.create_survey('Ivy solo', 'ivy', 1, 1);
select tests.request_account_erasure('ivy');
create temporary table ivy_claim on commit drop as select * from private.account_erasure_claim();
select results_eq(
  $$select private.account_erasure_step(id, lease_token) - 'progress' from ivy_claim$$,
  $$values ('{"step":"transfer_ownership","organizations":0,"done":false}'::jsonb)$$,
  '[ERA-044] (fixture) Ivy''s organisation is solo when the ownership step runs');
select tests.add_member('Ivy solo', 'jo', 'member');
select count(*) from ivy_claim i, tests.finish_account_erasure(i.id, i.lease_token);
select is(
  (select count(*)::int from auth.users where id = tests.remembered_id('ivy')),
  0, '[ERA-045] Ivy is erased');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = tests.org_id('Ivy solo')$$,
  $$values (tests.user_id('jo'), 'owner'::text)$$,
  '[ERA-046] the member who joined meanwhile becomes owner: the organisation is not left ownerless');
select is_empty(
  $$select o.id from public.organizations o
    where not exists (select 1 from public.memberships m
                      where m.org_id = o.id and m.role = 'owner')$$,
  '[ERA-047] no organisation is left without an owner (or without members)');

-- ---------------------------------------------------------------------------------------------
-- (e) GoTrue's log is read a bounded number of blocks at a time (erase_auth_log), then what may
--     have been written since the scan began is read in the last step
-- ---------------------------------------------------------------------------------------------
-- Kim signed up as kim@example.test, then changed to kim.new@example.test. Entries are stamped
-- with the project's clock, as GoTrue stamps them with the time they are written, so the two
-- addresses' windows (which follow the clock) hold them.
select tests.create_user('kim');
update auth.users set email = 'kim.new@example.test' where id = tests.user_id('kim');
create temporary table kim_log (id uuid primary key, owner text, phase text) on commit drop;
create function pg_temp.log_entries(p_owner text, p_phase text, p_payloads json[])
returns void
language sql
as $$
  with added as (
    insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
    select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), p, private.current_time(),
      '203.0.113.30'
    from unnest(p_payloads) p
    returning id)
  insert into kim_log select id, p_owner, p_phase from added;
$$;
-- Kim's entries: by id, by the current email in another case, by the former email.
create function pg_temp.kim_payloads()
returns json[]
language sql
as $$
  select array[
    json_build_object('action', 'token_refreshed', 'actor_id', tests.user_id('kim'),
      'log_type', 'token'),
    json_build_object('action', 'user_recovery_requested', 'actor_username',
      'KIM.NEW@example.test', 'log_type', 'user'),
    json_build_object('action', 'login', 'actor_username', 'kim@example.test',
      'log_type', 'account')];
$$;
select pg_temp.log_entries('kim', 'early', pg_temp.kim_payloads());
-- 400 entries of other users, about 30 to a block as GoTrue's are.
select pg_temp.log_entries('others', 'filler', array_agg(json_build_object(
  'action', 'token_refreshed', 'actor_id', gen_random_uuid(),
  'actor_username', 'filler' || n || '@example.test', 'log_type', 'token',
  'traits', json_build_object('session_id', gen_random_uuid(), 'note', repeat('x', 120)))))
from generate_series(1, 400) n;
select pg_temp.log_entries('kim', 'late', pg_temp.kim_payloads());
-- How far apart Kim's early and late entries lie in the log, in blocks.
create temporary table kim_spread on commit drop as
  select (select min((a.ctid::text::point)[0]) from auth.audit_log_entries a
          join kim_log l using (id) where l.phase = 'late')
    - (select max((a.ctid::text::point)[0]) from auth.audit_log_entries a
       join kim_log l using (id) where l.phase = 'early') as blocks;

select tests.request_account_erasure('kim');
create temporary table kim_claim on commit drop as select * from private.account_erasure_claim();
-- One block a call.
create or replace function private.account_erasure_auth_log_blocks()
returns integer
language sql
stable
set search_path = ''
as $$
  select 1;
$$;
create temporary table kim_steps (n serial, s jsonb) on commit drop;
do $$
declare
  v_claim record;
begin
  select * into v_claim from kim_claim;
  for i in 1..1000 loop
    insert into kim_steps (s)
    values (private.account_erasure_step(v_claim.id, v_claim.lease_token));
    exit when (select r.step from private.account_erasure_requests r
               where r.id = v_claim.id) = 'erase_user';
  end loop;
end;
$$;
create temporary table kim_before on commit drop as
  select r.progress from private.account_erasure_requests r join kim_claim c using (id);
select results_eq(
  $$select count(*)::int, count(*) filter (where s ? 'finished')::int,
      sum((s ->> 'auth_log_entries')::int)::int, (select blocks > 5 from kim_spread)
    from kim_steps where s ->> 'step' = 'erase_auth_log'$$,
  $$select (progress #>> '{auth_log_scan,until_block}')::int, 1, 6, true from kim_before$$,
  '[ERA-048] erase_auth_log reads one block a call, as many calls as the log had blocks when it began, and finds Kim''s six entries, more than five blocks apart');
select set_eq(
  $$select id from auth.audit_log_entries where id in (select id from kim_log)$$,
  $$select id from kim_log where owner = 'others'$$,
  '[ERA-049] before the last step every entry naming Kim, early and late in the log, is gone, and every one of the other users'' 400 stays');
select results_eq(
  $$select (progress ->> 'auth_log_entries_deleted')::int,
      (progress #>> '{auth_log_scan,next_block}')::int
        = (progress #>> '{auth_log_scan,until_block}')::int
    from kim_before$$,
  $$values (6, true)$$,
  '[ERA-050] the request records the six entries and the scan''s end');

-- After the scan passed: a new entry naming Kim, and an organisation Kim opens, still signed in.
select pg_temp.log_entries('kim', 'after scan', array[json_build_object(
  'action', 'token_refreshed', 'actor_id', tests.user_id('kim'), 'log_type', 'token')]);
select tests.authenticate_as('kim');
select tests.remember_id('Kim late', (public.create_organization('Kim late')).id);
select tests.clear_authentication();
create temporary table kim_rest on commit drop as
  select n, s from kim_claim c, tests.finish_account_erasure(c.id, c.lease_token)
    with ordinality as t(s, n);
select results_eq(
  $$select s - 'progress' from kim_rest order by n$$,
  $$values
    ('{"step":"erase_user","restarted":true,"done":false}'::jsonb),
    ('{"step":"transfer_ownership","organizations":0,"done":false}'),
    (jsonb_build_object('step', 'delete_solo_organizations',
      'organization', tests.remembered_id('Kim late'), 'organization_deleted', true, 'done', false)),
    ('{"step":"delete_solo_organizations","finished":true,"done":false}'),
    ('{"step":"erase_auth_log","auth_log_entries":0,"finished":true,"done":false}'),
    ('{"step":"erase_user","done":true}')$$,
  '[ERA-051] sent back to Kim for the new organisation, the erasure does not read the log again: one erase_auth_log call moves on');
select results_eq(
  $$select (select count(*)::int from auth.audit_log_entries
            where id in (select id from kim_log where owner = 'kim')),
      (select count(*)::int from auth.audit_log_entries
       where id in (select id from kim_log where owner = 'others')),
      (select (s #>> '{progress,auth_log_entries_deleted}')::int from kim_rest
       where (s ->> 'done')::boolean)
        - (select (progress ->> 'auth_log_entries_deleted')::int from kim_before)$$,
  $$values (0, 400, 1)$$,
  '[ERA-052] the entry naming Kim written after the scan passed goes in the last step''s final pass; the other users'' 400 entries stay');
select results_eq(
  $$select (select progress ? 'auth_log_scan' from kim_before),
      (select s -> 'progress' from kim_rest where (s ->> 'done')::boolean),
      (select details from audit.events where action = 'account.erased'
       and target_id = tests.remembered_id('kim')::text)$$,
  $$values (true,
    '{"ownership_transferred":0,"organizations_deleted":1,"storage_owner_cleared":0,"auth_log_entries_deleted":7,"mail_messages_deleted":0,"memberships_removed":0,"auth_user_deleted":true}'::jsonb,
    '{"ownership_transferred":0,"organizations_deleted":1,"storage_owner_cleared":0,"auth_log_entries_deleted":7,"mail_messages_deleted":0,"memberships_removed":0,"auth_user_deleted":true}'::jsonb)$$,
  '[ERA-053] the scan''s place, kept in the request meanwhile, is neither in the last step''s answer nor in account.erased, which counts Kim''s seven entries');

-- A request whose scan began over a day ago (it kept failing since) scans afresh rather than
-- read that day of the log under the last step's locks.
select tests.clear_account_erasure_queue();
select tests.create_user('lev');
select tests.request_account_erasure('lev');
create temporary table lev_claim on commit drop as select * from private.account_erasure_claim();
do $$
declare
  v_claim record;
begin
  select * into v_claim from lev_claim;
  for i in 1..1000 loop
    perform private.account_erasure_step(v_claim.id, v_claim.lease_token);
    exit when (select r.step from private.account_erasure_requests r
               where r.id = v_claim.id) = 'erase_user';
  end loop;
end;
$$;
update private.account_erasure_requests r
set progress = jsonb_set(r.progress, '{auth_log_scan,written_since}',
  to_jsonb(clock_timestamp() - interval '2 days'))
from lev_claim c where r.id = c.id;
create temporary table lev_step on commit drop as
  select private.account_erasure_step(c.id, c.lease_token) as answer from lev_claim c;
select results_eq(
  $$select (select answer from lev_step), r.step, r.progress -> 'auth_log_scan'
    from private.account_erasure_requests r join lev_claim c on c.id = r.id$$,
  $$values ('{"step": "erase_user", "rescan": true, "done": false}'::jsonb,
    'erase_auth_log'::text, '{"rescanned": true}'::jsonb)$$,
  '[ERA-054] a scan begun over a day ago is started afresh: the request goes back to erase_auth_log without its old place');
-- Once: a fresh scan that is a day old again by the last step is not thrown away a second time.
do $$
declare
  v_claim record;
begin
  select * into v_claim from lev_claim;
  for i in 1..1000 loop
    perform private.account_erasure_step(v_claim.id, v_claim.lease_token);
    exit when (select r.step from private.account_erasure_requests r
               where r.id = v_claim.id) = 'erase_user';
  end loop;
end;
$$;
update private.account_erasure_requests r
set progress = jsonb_set(r.progress, '{auth_log_scan,written_since}',
  to_jsonb(clock_timestamp() - interval '2 days'))
from lev_claim c where r.id = c.id;
select is(
  (select private.account_erasure_step(c.id, c.lease_token) ->> 'done' from lev_claim c),
  'true', '[ERA-055] a scan is started afresh once: the second time the last step goes ahead');

select * from finish();
rollback;
