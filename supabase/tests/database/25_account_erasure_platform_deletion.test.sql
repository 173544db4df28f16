-- Account erasure follows an auth user deleted the platform's way (Dashboard "Delete user",
-- auth.admin.deleteUser(): a plain DELETE on auth.users), and leaves no personal data behind in
-- Storage objects' client-supplied metadata.
begin;
select plan(18);
select tests.clear_account_erasure_queue();
select tests.create_user('solo');
select tests.create_user('boss');
select tests.create_user('mate');
select tests.create_user('keeper');
select tests.create_org('solo', 'Solo org');
select tests.create_survey('Solo org', 'alone', 1, 1);
select tests.create_object('recordings', r.object_path) from public.recordings r
where r.org_id = tests.org_id('Solo org');
select tests.create_org('boss', 'Team');
select tests.add_member('Team', 'mate', 'admin');
select tests.remember_id('solo', tests.user_id('solo'));
select tests.remember_id('boss', tests.user_id('boss'));
select tests.remember_id('solo_org', tests.org_id('Solo org'));
-- GoTrue's log: one entry names solo by id, one by email only.
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
values
  ('00000000-0000-0000-0000-000000000000', gen_random_uuid(),
   jsonb_build_object('action', 'login', 'actor_id', tests.user_id('solo'))::json, now(), ''),
  ('00000000-0000-0000-0000-000000000000', gen_random_uuid(),
   '{"action": "user_recovery_requested", "traits": {"email": "Solo@Example.test"}}'::json, now(), '');

-- The platform deletes both users directly.
delete from auth.users where id = tests.remembered_id('boss');
select is((select role::text from public.memberships
           where org_id = tests.org_id('Team') and user_id = tests.user_id('mate')), 'owner',
  'ERA-PD-001 the only owner deleted by the platform hands the organisation to its admin');
select is((select count(*)::int from audit.events where action = 'organization.owner_transferred'
           and org_id = tests.org_id('Team') and reason = 'account_erasure'), 1,
  'ERA-PD-002 the handover is audited');

delete from auth.users where id = tests.remembered_id('solo');
select is((select origin from private.account_erasure_requests
           where user_id = tests.remembered_id('solo')), 'auth_user_deleted',
  'ERA-PD-003 an erasure request follows the platform deletion');
select is((select orphaned_org_ids from private.account_erasure_requests
           where user_id = tests.remembered_id('solo')), array[tests.org_id('Solo org')],
  'ERA-PD-004 it records the organisation left without members');
select is((select reason from audit.events where action = 'account.erasure_requested'
           and target_id = tests.remembered_id('solo')::text), 'auth_user_deleted',
  'ERA-PD-005 and is audited as what it was');
select is((select count(*)::int from private.account_erasure_requests
           where user_id = tests.remembered_id('boss')), 1,
  'ERA-PD-006 the other platform deletion is followed too');

-- GoTrue writes its own entry about the deletion after it, by id and email.
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(),
  jsonb_build_object('action', 'user_deleted', 'traits', jsonb_build_object(
    'user_id', tests.remembered_id('solo'), 'user_email', 'solo@example.test'))::json, now(), '');

-- The erasure job completes both within the week.
select tests.set_now(now() + interval '1 hour');
select (select count(*) from tests.finish_account_erasure(c.id, c.lease_token))
from private.account_erasure_claim() c;
select (select count(*) from tests.finish_account_erasure(c.id, c.lease_token))
from private.account_erasure_claim() c;
select is((select count(*)::int from private.account_erasure_requests), 0,
  'ERA-PD-007 both requests complete');
select is((select count(*)::int from public.organizations where name = 'Solo org'), 0,
  'ERA-PD-008 the organisation left without members is deleted with its surveys');
select is((select count(*)::int from private.storage_removals
           where org_id = tests.remembered_id('solo_org') and cause = 'auth_user_deleted'), 1,
  'ERA-PD-009 its recording is queued for removal from Storage, as following a platform deletion');
select is((select reason from audit.events where action = 'account.erased'
           and target_id = tests.remembered_id('solo')::text), 'auth_user_deleted',
  'ERA-PD-010 the erasure is audited as following a platform deletion');
select is((select count(*)::int from auth.audit_log_entries a
           where a.payload::text ilike '%solo@example.test%'
              or strpos(a.payload::text, tests.remembered_id('solo')::text) > 0), 0,
  'ERA-PD-011 GoTrue''s entries naming the user by id or email are gone');
select is((select count(*)::int from public.organizations where name = 'Team'), 1,
  'ERA-PD-012 the organisation with other members stays');

-- Client-supplied object metadata (an uploader's email) goes with the account.
select tests.create_survey('Team', 'kept', 1, 1);
select tests.create_object('recordings', r.object_path) from public.recordings r
where r.survey_id = tests.survey_id('Team', 'kept');
update storage.objects o set owner_id = tests.user_id('mate')::text,
  user_metadata = '{"uploaded_by": "mate@example.test"}'
where o.name like tests.org_id('Team')::text || '/%';
select tests.request_account_erasure('mate');
select tests.add_member('Team', 'keeper', 'owner');
select count(*) from tests.run_account_erasure('mate');
select is((select count(*)::int from storage.objects o
           where o.name like tests.org_id('Team')::text || '/%'
             and (o.user_metadata::text like '%mate@%' or o.owner_id is not null)), 0,
  'ERA-PD-013 no object keeps the erased user''s id or client-supplied metadata');
select is((select count(*)::int from storage.objects o
           where o.name like tests.org_id('Team')::text || '/%'), 1,
  'ERA-PD-014 the organisation''s recording itself stays');

-- A pending invitation into an organisation the platform deletion leaves without members goes
-- with it: nobody can join an organisation that is about to be deleted.
select tests.create_user('lone');
select tests.create_user('guest');
select tests.create_org('lone', 'Lone org');
insert into public.invitations (org_id, user_id, role, invited_by)
values (tests.org_id('Lone org'), tests.user_id('guest'), 'admin', tests.user_id('lone'));
select tests.remember_id('lone_org', tests.org_id('Lone org'));
delete from auth.users where id = tests.user_id('lone');
select is((select count(*)::int from public.invitations where org_id = tests.remembered_id('lone_org')), 0,
  'ERA-PD-015 the orphaned organisation''s pending invitations are removed');
-- Should the organisation gain a member all the same, the erasure leaves it alone.
select tests.add_member(tests.remembered_id('lone_org'), tests.user_id('guest'), 'owner');
select (select count(*) from tests.finish_account_erasure(c.id, c.lease_token))
from private.account_erasure_claim() c;
select is((select count(*)::int from public.organizations where id = tests.remembered_id('lone_org')), 1,
  'ERA-PD-016 an orphaned organisation that has members again is not deleted');

-- The erasure's marker alone does not make a platform deletion the erasure's own.
select tests.create_user('sly');
select tests.create_org('sly', 'Sly org');
select tests.remember_id('sly', tests.user_id('sly'));
select set_config('cluso.erasing_user', tests.user_id('sly')::text, true);
delete from auth.users where id = tests.remembered_id('sly');
select set_config('cluso.erasing_user', '', true);
select is((select origin from private.account_erasure_requests
           where user_id = tests.remembered_id('sly')), 'auth_user_deleted',
  'ERA-PD-017 a forged erasure marker still opens the follow-up request');
select is((select reason from audit.events where action = 'membership.removed'
           and target_id = tests.remembered_id('sly')::text), 'auth_user_deleted',
  'ERA-PD-018 and the membership removal is audited as a platform deletion');

select * from finish();
rollback;
