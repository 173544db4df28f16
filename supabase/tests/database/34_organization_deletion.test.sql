-- Organisation deletion: owners only, permanent, audited. Its surveys go through the hard delete
-- (so every recording's object is queued for Storage removal), and every other object in its
-- Storage folder is queued too.
begin;
select plan(10);
set local timezone = 'UTC';

select tests.create_user(u) from unnest(array['quinn', 'dora', 'pat']) u;
select tests.remember_id('Deleted org', tests.create_org('quinn', 'Deleted org'));
select tests.add_member('Deleted org', 'dora', 'admin');
-- Pat owns another organisation.
select tests.create_org('pat', 'Pat org');
select tests.create_survey('Deleted org', 'q', 1, 1);
select tests.create_object('recordings', object_path) from public.recordings
where org_id = tests.remembered_id('Deleted org');
select tests.create_object('recordings', tests.remembered_id('Deleted org') || '/logo/upload.webm');
-- Objects outside its folder: another organisation's, and two in folders whose names start
-- with its id. ORG-005's unreferenced count and ORG-007's "nothing else" hold them out.
select tests.create_object('recordings', tests.org_id('Pat org') || '/logo/upload.webm');
select tests.create_object('recordings', tests.remembered_id('Deleted org') || '-old/logo/upload.webm');
select tests.create_object('recordings', tests.remembered_id('Deleted org') || 'x/upload.webm');
create temporary table q_paths on commit drop as
  select object_path from public.recordings where org_id = tests.remembered_id('Deleted org');
create temporary table outbox_before on commit drop as select id from private.storage_removals;

select tests.authenticate_as_anon();
select throws_ok($$select public.delete_organization(tests.remembered_id('Deleted org'))$$,
  '42501', 'permission denied for function delete_organization', '[ORG-001] anon cannot delete an organisation');
select tests.clear_authentication();
select tests.authenticate_as('dora');
select throws_ok($$select public.delete_organization(tests.remembered_id('Deleted org'))$$,
  '42501', 'only owners can delete an organisation', '[ORG-002] an admin cannot delete the organisation');
select tests.clear_authentication();
select tests.authenticate_as('pat');
select throws_ok($$select public.delete_organization(tests.remembered_id('Deleted org'))$$,
  'P0002', format('organisation %s not found', tests.remembered_id('Deleted org')),
  '[ORG-003] another organisation''s owner gets "not found" (no existence leak)');
select tests.clear_authentication();
select is((select count(*)::int from public.organizations where id = tests.remembered_id('Deleted org')), 1,
  '[ORG-004] the refused attempts deleted nothing');
select tests.authenticate_as('quinn');
select is(
  public.delete_organization(tests.remembered_id('Deleted org')),
  '{"surveys":1,"questions":1,"responses":1,"recordings":1,"transcripts":1,"memberships":2,"unreferenced_objects":1}'::jsonb,
  '[ORG-005] the owner deletes it and gets the counts');
select tests.clear_authentication();
select results_eq(
  $$select (select count(*)::int from public.organizations where id = tests.remembered_id('Deleted org')),
    (select count(*)::int from public.surveys where org_id = tests.remembered_id('Deleted org')),
    (select count(*)::int from public.recordings where org_id = tests.remembered_id('Deleted org')),
    (select count(*)::int from public.memberships where org_id = tests.remembered_id('Deleted org'))$$,
  $$values (0, 0, 0, 0)$$,
  '[ORG-006] the organisation, its surveys, recordings and memberships are gone');
select set_eq(
  $$select object_name, cause from private.storage_removals where id not in (select id from outbox_before)$$,
  $$select object_path, 'user_request'::text from q_paths
    union all select tests.remembered_id('Deleted org') || '/logo/upload.webm', 'user_request'$$,
  '[ORG-007] its recording objects and the other object in its folder are queued, nothing else');
select results_eq(
  $$select actor_kind, actor_id, reason, details from audit.events
    where action = 'organization.deleted' and org_id = tests.remembered_id('Deleted org')$$,
  $$values ('user'::text, tests.user_id('quinn'), 'user_request'::text,
    '{"surveys":1,"questions":1,"responses":1,"recordings":1,"transcripts":1,"memberships":2,"unreferenced_objects":1}'::jsonb)$$,
  '[ORG-008] organization.deleted is audited with the owner as actor and the counts');
select results_eq(
  $$select actor_kind, actor_id, reason from audit.events
    where action = 'survey.purged' and org_id = tests.remembered_id('Deleted org')$$,
  $$values ('user'::text, tests.user_id('quinn'), 'user_request'::text)$$,
  '[ORG-009] its survey''s purge is audited as the owner''s');
select is_empty(
  $$select r from unnest(array['anon', 'authenticated', 'service_role']) r
    where has_function_privilege(r, 'private.organization_deletion_perform(uuid, text, text, uuid)',
      'execute')$$,
  '[PRV-027] no API role can run the deletion itself, bypassing the owner check');

select * from finish();
rollback;
