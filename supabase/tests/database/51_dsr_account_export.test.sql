-- An account holder's data export (docs/DATA_SUBJECT_RIGHTS.md, "Account data export"): asked
-- for only by the user about themselves, once at a time; built in bounded pages by whoever holds
-- the lease; finished into the ledger and the outbox; downloadable while it lives; forgotten
-- with an erased account. The bucket is closed to every client.
begin;
select plan(43);

select tests.clear_account_erasure_queue();
delete from private.dsr_requests;

select tests.create_user('eve');
select tests.create_user('finn');
select tests.create_org('eve', 'Eve org');
select tests.add_member('Eve org', 'finn', 'member');
select tests.create_survey('Eve org', 's1');
select tests.create_survey('Eve org', 's2');
select tests.create_survey('Eve org', 's3');
update public.surveys set created_by = tests.user_id('eve') where org_id = tests.org_id('Eve org');

-- ---------------------------------------------------------------------------------------------
-- Asking
-- ---------------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok($$select * from public.request_data_export()$$, '42501', null,
  '[EXP-001] anon cannot ask');
select tests.clear_authentication();
select tests.authenticate_as('eve');
select throws_ok(
  format('select * from public.request_data_export(%L)', tests.user_id('finn')),
  '42501', 'you can only export your own data', '[EXP-002] nobody asks for someone else''s data');
select tests.clear_authentication();
select is((select count(*)::int from private.dsr_requests), 0, '[EXP-003] the refusal wrote nothing');

select tests.set_now('2026-11-10 10:00+00');
select tests.authenticate_as('eve');
create temporary table asked on commit drop as select * from public.request_data_export();
select tests.clear_authentication();
select results_eq(
  $$select r.request_type, r.subject_kind, r.regime, r.source, r.state, r.due_at
    from private.dsr_requests r join asked a on a.ref = r.ref$$,
  $$values ('access'::text, 'account'::text, 'GDPR'::text, 'data_export'::text, 'open'::text,
    '2026-12-10 10:00+00'::timestamptz)$$,
  '[EXP-004] the request is an access request of the account in the ledger, due a month later');
select is((select count(*)::int from private.data_exports where user_id = tests.user_id('eve')), 1,
  '[EXP-005] and an export is queued');
select tests.authenticate_as('eve');
select throws_like($$select * from public.request_data_export()$$,
  'a access request for this subject is already open (DSR-%',
  '[EXP-006] a duplicate is refused, naming the open request');
select throws_ok($$select * from public.data_export_download()$$, '55000',
  'the export is being prepared', '[EXP-007] nothing to download while it is built');
select throws_ok($$select * from private.data_export_page(gen_random_uuid(), gen_random_uuid(), 'account', null, 10)$$,
  '42501', null, '[EXP-008] clients cannot read pages');
select tests.clear_authentication();
select is((select count(*)::int from private.data_exports where user_id = tests.user_id('eve')), 1,
  '[EXP-009] the duplicate did no work');
select tests.authenticate_as('finn');
select throws_ok($$select * from public.data_export_download()$$, 'P0002',
  'no data export for this account', '[EXP-010] another user has no export to download');
select tests.clear_authentication();

select is((select ok from private.data_export_health()), true,
  '[EXP-025] a fresh export is not late');
select tests.set_now('2026-11-10 11:01+00');
select is((select detail -> 'late_or_failing' -> 0 ->> 'ref' from private.data_export_health()),
  (select ref from asked), '[EXP-026] one still unbuilt an hour later turns job health red, by reference');
select tests.set_now('2026-11-10 10:00+00');

-- ---------------------------------------------------------------------------------------------
-- Building, in pages under a lease
-- ---------------------------------------------------------------------------------------------
create temporary table claimed on commit drop as select * from private.data_export_claim();
grant select on asked, claimed to authenticated;
select is((select user_id from claimed), tests.user_id('eve'), '[EXP-011] the job claims the export');
select throws_ok(
  $$select private.data_export_page((select id from claimed), gen_random_uuid(), 'account', null, 10)$$,
  'P0002', 'this export is not leased by the caller', '[EXP-012] pages need the lease');
select is(
  jsonb_array_length(private.data_export_page((select id from claimed), (select lease_token from claimed),
    'surveys_created', null, 2) -> 'items'), 2,
  '[EXP-013] a page holds at most the limit');
select is(
  jsonb_array_length(private.data_export_page((select id from claimed), (select lease_token from claimed),
    'surveys_created',
    private.data_export_page((select id from claimed), (select lease_token from claimed),
      'surveys_created', null, 2) ->> 'next', 2) -> 'items'), 1,
  '[EXP-014] the cursor continues where the page ended');
select is(
  private.data_export_page((select id from claimed), (select lease_token from claimed),
    'account', null, 10) -> 'items' -> 0 ->> 'email',
  (select email::text from auth.users where id = tests.user_id('eve')),
  '[EXP-015] the account section holds the user''s own email');
select throws_ok(
  $$select private.data_export_page((select id from claimed), (select lease_token from claimed), 'secrets', null, 10)$$,
  '22023', 'unknown export section', '[EXP-016] an unknown section is refused');

-- Eve created a survey, and (as its records say) the organisation, of Gus's Former org; she was
-- removed, then Gus renamed the survey and trashed it. Her export keeps what is hers (the ids,
-- when she created them) and shows nothing of what the organisation did after she left.
select tests.create_user('gus');
select tests.create_org('gus', 'Former org');
select tests.add_member('Former org', 'eve', 'admin');
select tests.remember_id('former survey', tests.create_survey('Former org', 'former'));
update public.surveys set created_by = tests.user_id('eve')
where id = tests.remembered_id('former survey');
update public.organizations set created_by = tests.user_id('eve')
where id = tests.org_id('Former org');
delete from public.memberships
where org_id = tests.org_id('Former org') and user_id = tests.user_id('eve');
update public.surveys set title = 'Renamed after she left', deleted_at = now()
where id = tests.remembered_id('former survey');
create temporary table former_page on commit drop as
  select s.section, i.item from unnest(array['surveys_created', 'organizations_created']) s(section)
  cross join lateral jsonb_array_elements(private.data_export_page((select id from claimed),
    (select lease_token from claimed), s.section, null, 10) -> 'items') i(item);
select results_eq(
  $$select item ->> 'title', item ->> 'slug', item ->> 'deleted_at', item ? 'created_at'
    from former_page where section = 'surveys_created'
      and (item ->> 'id')::uuid = tests.remembered_id('former survey')$$,
  $$values (null::text, null::text, null::text, true)$$,
  '[EXP-039] a survey the account created in an organisation it left: its id and creation, not the title, slug or trash state the organisation gave it since');
select is(
  (select count(*)::int from former_page where section = 'surveys_created'
     and item ->> 'title' is not null),
  3, '[EXP-040] the surveys of its own organisation keep their titles');
select results_eq(
  $$select item ->> 'name' from former_page where section = 'organizations_created'
    order by item ->> 'name' nulls last$$,
  $$values ('Eve org'::text), (null)$$,
  '[EXP-041] an organisation it created and left is listed without its current name');

-- Three grants to Eve across the end of daylight saving time in New York (01:30 EDT, then
-- 01:10 and 01:20 EST): read in pages of two in that time zone, each once.
select tests.as_audit_owner(format($$insert into audit.recording_access (accessed_at, user_id,
    org_id, survey_id, response_id, object_name, access_path, request_id)
  select t, %L, g, g, g, g || '/' || g || '/' || g || '/' || g || '.webm', 'single', 'tx:1'
  from unnest(array['2026-11-01 05:30Z', '2026-11-01 06:10Z', '2026-11-01 06:20Z']::timestamptz[]) t,
    gen_random_uuid() g$$, tests.user_id('eve')));
set local timezone = 'America/New_York';
select is(
  (select jsonb_array_length(private.data_export_page((select id from claimed),
     (select lease_token from claimed), 'recording_access_log',
     private.data_export_page((select id from claimed), (select lease_token from claimed),
       'recording_access_log', null, 2) ->> 'next', 2) -> 'items')),
  1, '[EXP-042] the access log''s pages follow on in a time zone whose offset changes within a page');
reset timezone;

select private.data_export_finish((select id from claimed), (select lease_token from claimed),
  (select id from claimed) || '.json', '{"surveys_created": 3}');
select results_eq(
  $$select r.state, r.outcome, e.action from private.dsr_requests r
    join asked a on a.ref = r.ref
    join audit.events e on (e.chain_id, e.seq) = (r.audit_chain_id, r.audit_seq)$$,
  $$values ('completed'::text, '{"surveys_created": 3}'::jsonb, 'data_subject_request.completed'::text)$$,
  '[EXP-017] finishing completes the ledger entry, audited');
select results_eq(
  $$select recipient, template, params ->> 'reference' from private.mail_outbox
    where template = 'data_export_ready'
      and recipient = (select email from auth.users where id = tests.user_id('eve'))$$,
  $$select (select email::text from auth.users where id = tests.user_id('eve')), 'data_export_ready'::text,
    (select ref from asked)$$,
  '[EXP-018] the notice is queued with the reference only');

-- ---------------------------------------------------------------------------------------------
-- Downloading while it lives
-- ---------------------------------------------------------------------------------------------
select tests.authenticate_as('eve');
select results_eq($$select ref, object_name, expires_at from public.data_export_download()$$,
  $$select (select ref from asked), (select id from claimed) || '.json',
    '2026-11-17 10:00+00'::timestamptz$$,
  '[EXP-019] the owner gets the object''s name until the export expires 7 days later');
select tests.set_now('2026-11-17 10:00+00');
select throws_ok($$select * from public.data_export_download()$$, 'PT410',
  'this export has expired: request a new one', '[EXP-020] after that it is refused');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- The bucket is private; an erased account's export goes with it
-- ---------------------------------------------------------------------------------------------
select is((select public from storage.buckets where id = 'data-exports'), false,
  '[EXP-022] the data-exports bucket is private');
select tests.create_object('data-exports', (select id from claimed) || '.json');
select tests.authenticate_as('eve');
select is((select count(*)::int from storage.objects where bucket_id = 'data-exports'), 0,
  '[EXP-023] no client sees an archive, not even its owner (only signed URLs reach it)');
select tests.clear_authentication();
select tests.clear_now();
select tests.request_account_erasure('eve');
select tests.run_account_erasure('eve');
select is((select count(*)::int from private.data_exports where user_id is null), 1,
  '[EXP-024] the erasure leaves the export without its user, for the job to remove');
select tests.set_now('2026-11-12 10:00+00');
select is(private.data_export_expire(), 1,
  '[EXP-028] an erased account''s export is taken before its 7 days are over');
select results_eq(
  $$select bucket_id, object_name, org_id, cause from private.storage_removals
    where bucket_id = 'data-exports'$$,
  $$values ('data-exports'::text, (select id from claimed) || '.json', null::uuid, 'account_erasure'::text)$$,
  '[EXP-021] its archive is queued in the Storage outbox, for no organisation, as an erasure');
select tests.clear_now();

-- An account erased while its export is being built: the archive is already in the bucket, the
-- finish is refused, and the archive is still removed.
select tests.set_now('2026-11-20 10:00+00');
select tests.authenticate_as('finn');
select public.request_data_export();
select tests.clear_authentication();
create temporary table finn_claimed on commit drop as select * from private.data_export_claim();
select tests.create_object('data-exports', (select id from finn_claimed) || '.json');
select tests.clear_now();
select tests.request_account_erasure('finn');
select tests.run_account_erasure('finn');
select throws_ok(
  $$select private.data_export_finish((select id from finn_claimed), (select lease_token from finn_claimed),
    (select id from finn_claimed) || '.json', '{}')$$,
  'P0002', null, '[EXP-029] (fixture) the finish of an erased account''s export is refused');
select tests.set_now('2026-11-20 10:01+00');
select is(private.data_export_expire(), 0,
  '[EXP-031] an erased account''s export is left alone while a build holds its lease');
select tests.clear_now();
select private.data_export_fail((select id from finn_claimed), (select lease_token from finn_claimed),
  'account erased');
select is(private.data_export_expire(), 1, '[EXP-030] once the build let go, it is taken');
select ok(exists (select 1 from private.storage_removals
                  where bucket_id = 'data-exports' and object_name = (select id from finn_claimed) || '.json'
                    and cause = 'account_erasure'),
  '[EXP-032] and its uploaded archive is queued for removal');

-- An export past its 7 days: its archive is queued, its row goes, once; the drain's removal is
-- audited on the chain without an organisation.
select tests.create_user('gil');
select tests.set_now('2026-11-21 10:00+00');
select tests.authenticate_as('gil');
select public.request_data_export();
select tests.clear_authentication();
create temporary table gil_claimed on commit drop as select * from private.data_export_claim();
select private.data_export_finish((select id from gil_claimed), (select lease_token from gil_claimed),
  (select id from gil_claimed) || '.json', '{}');
select tests.create_object('data-exports', (select id from gil_claimed) || '.json');
select tests.set_now('2026-11-28 10:00:01+00');
select is(private.data_export_expire(), 1, '[EXP-033] an export past its 7 days is taken');
select results_eq(
  $$select private.data_export_expire(),
      (select count(*)::int from private.data_exports where id = (select id from gil_claimed)),
      (select array_agg(cause) from private.storage_removals
       where bucket_id = 'data-exports' and object_name = (select id from gil_claimed) || '.json')$$,
  $$values (0, 0, array['export_expired'])$$,
  '[EXP-036] once: its archive queued as expired, its row gone, nothing left to take');
select tests.authenticate_as('gil');
select throws_ok($$select * from public.data_export_download()$$, 'PT410',
  'this export has expired: request a new one',
  '[EXP-043] once its row is gone, the download still answers that it expired, not that there was none');
select tests.clear_authentication();
select private.storage_removal_settle(
  array(select id from private.storage_removals where bucket_id = 'data-exports'
          and object_name = (select id from gil_claimed) || '.json'),
  array[(select id from gil_claimed) || '.json'], null, 'data_export');
select results_eq(
  $$select chain_id, org_id, reason, actor_job from audit.events
    where action = 'storage_object.removed'
      and target_id = private.audited_object_name('data-exports', (select id from gil_claimed) || '.json')$$,
  $$values ('00000000-0000-0000-0000-000000000000'::uuid, null::uuid, 'export_expired'::text,
    'data_export'::text)$$,
  '[EXP-034] the archive''s removal is audited, on the chain without an organisation');
-- An erased account's export never uploaded: taken, with nothing to queue (and so nothing
-- audited as removed).
insert into private.data_exports (id, dsr_id, requested_at)
select gen_random_uuid(), r.id, private.current_time() from private.dsr_requests r limit 1;
create temporary table queued_before on commit drop as
  select count(*)::int as n from private.storage_removals where bucket_id = 'data-exports';
select is(private.data_export_expire(), 1,
  '[EXP-037] an erased account''s export with no archive in Storage is taken');
select is(
  (select count(*)::int from private.storage_removals where bucket_id = 'data-exports'),
  (select n from queued_before), '[EXP-038] and queues nothing: no removal is audited for it');
select throws_ok($$select private.data_export_expire(0)$$, '22023',
  'data_export_expire takes 1 to 1000 exports at a time, got 0',
  '[EXP-035] a batch outside 1 to 1000 is refused');
select tests.clear_now();

-- A failed build backs off like every retry queue (private.retry_backoff): 30 s after the first
-- attempt, doubling, at most an hour, however many attempts failed.
insert into private.data_exports (id, dsr_id, requested_at, attempts, lease_token, leased_until)
select gen_random_uuid(), e.dsr_id, now(), n, gen_random_uuid(), now()
from (select id as dsr_id from private.dsr_requests limit 1) e, unnest(array[1, 60]) n;
select private.data_export_fail(e.id, e.lease_token, 'build_failed')
from private.data_exports e where e.lease_token is not null;
select results_eq(
  $$select attempts, leased_until - now(), lease_token is null from private.data_exports
    where last_error = 'build_failed' order by attempts$$,
  $$values (1, interval '30 seconds', true), (60, interval '1 hour', true)$$,
  '[EXP-027] a failed build waits 30 s after its first attempt, and at most an hour after its 60th');

select * from finish();
rollback;
