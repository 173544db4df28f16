-- Incident response (20261204000100_incident_ledger, 20261204000200_incident_containment): the
-- ledger is closed to the API and to clients; a scope is validated when the incident opens;
-- scoping finds the affected organisations (with counts) and users from the membership history
-- and the exact recordings from the access log, and freezes them; notifying queues one notice
-- per affected user, once; delivery, lateness and the status report; every step audited; and
-- the containment helpers.
begin;
select plan(73);

-- ---------------------------------------------------------------------------------------------
-- Closed to the API
-- ---------------------------------------------------------------------------------------------
select is_empty(
  $$select t from unnest(array['private.incidents', 'private.incident_organizations',
      'private.incident_recordings_accessed', 'private.incident_recipients',
      'private.incident_entries', 'private.organization_suspensions']) t
    where not (select relrowsecurity and relforcerowsecurity from pg_class where oid = t::regclass)$$,
  '[INC-001] every incident table has RLS enabled and forced');
select is_empty(
  $$select r || ' ' || t from unnest(array['anon', 'authenticated', 'service_role']) r,
      unnest(array['private.incidents', 'private.incident_organizations',
        'private.incident_recordings_accessed', 'private.incident_recipients',
        'private.incident_entries', 'private.organization_suspensions']) t
    where has_table_privilege(r, t, 'SELECT, INSERT, UPDATE, DELETE')$$,
  '[INC-002] no API role holds a privilege on them');
select set_eq(
  $$select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'public'::regnamespace and p.proname like 'incident%'
      and has_function_privilege('service_role', p.oid, 'EXECUTE')
      and not has_function_privilege('authenticated', p.oid, 'EXECUTE')
      and not has_function_privilege('anon', p.oid, 'EXECUTE') and not p.prosecdef$$,
  array['incident_open(timestamp with time zone,jsonb)', 'incident_scope(text)',
    'incident_notify(text)', 'incident_add_note(text,text)',
    'incident_add_preventive_measure(text,text)', 'incident_close(text,text)',
    'incident_show(text)', 'incident_export(text)', 'incident_revoke_sessions(text,uuid)',
    'incident_suspend_organization(text,uuid)', 'incident_reinstate_organization(text,uuid)'],
  '[INC-003] the public incident functions are SECURITY INVOKER wrappers executable by service_role only');
select is_empty(
  $$select p.oid::regprocedure::text from pg_proc p
    where p.pronamespace = 'private'::regnamespace and p.proname ~ '^incident_(audit|for_update|account_orgs|org_members|actions|track_delivery|add_entry|containment|status|health)$'
      and (has_function_privilege('service_role', p.oid, 'EXECUTE')
        or has_function_privilege('authenticated', p.oid, 'EXECUTE'))$$,
  '[INC-004] the inner steps, the status and the health check are not executable by API roles');
select tests.authenticate_as_service_role();
select throws_ok($$select * from private.incidents$$, '42501', null,
  '[INC-005] even the service role cannot read the ledger directly');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- The timeline (membership events and access grants carry their real clock time):
--   before the window: olga owns Acme, mallory and dora join Acme, dora leaves; erin owns Side;
--   zed owns Other, which mallory never joins;
--   in the window: bob joins Acme, mallory joins Side, plays an Acme recording twice, leaves Side;
--   after the window: carl joins Acme, mallory plays another Acme recording.
-- ---------------------------------------------------------------------------------------------
select tests.create_user(u) from unnest(array['olga', 'mallory', 'dora', 'bob', 'carl', 'erin',
  'zed']) u;
select tests.create_org('olga', 'Acme');
select tests.create_org('erin', 'Side');
select tests.create_org('zed', 'Other');
select tests.create_survey('Acme', 'alpha', 2, 2);
select tests.create_survey('Side', 'gamma', 1, 3);
select tests.create_survey('Other', 'omega', 1, 1);
select tests.add_member('Acme', 'mallory', 'member');
select tests.add_member('Acme', 'dora', 'member');
delete from public.memberships where user_id = tests.user_id('dora');
-- gwen owns Gone, hal is a member; Gone is deleted after the window, before the incident is
-- scoped.
select tests.create_user(u) from unnest(array['gwen', 'hal']) u;
select tests.create_org('gwen', 'Gone');
select tests.add_member('Gone', 'hal', 'member');
select tests.create_survey('Gone', 'gone-one', 1, 2);
select tests.remember_id('gone', tests.org_id('Gone'));
select tests.mark_time('window_from');
select tests.add_member('Acme', 'bob', 'admin');
select tests.add_member('Side', 'mallory', 'member');
select tests.remember_id('played', (select r.id from public.recordings r
  where r.org_id = tests.org_id('Acme') order by r.id limit 1));
select tests.authenticate_as('mallory');
select public.recording_access(tests.remembered_id('played'));
select public.recording_access(tests.remembered_id('played'));
select tests.clear_authentication();
delete from public.memberships where user_id = tests.user_id('mallory')
  and org_id = tests.org_id('Side');
select tests.mark_time('window_to');
select tests.add_member('Acme', 'carl', 'member');
select tests.authenticate_as('mallory');
select public.recording_access((select r.id from public.recordings r
  where r.org_id = tests.org_id('Acme') and r.id <> tests.remembered_id('played')
  order by r.id limit 1));
select tests.clear_authentication();
select tests.mark_time('detected');
select tests.set_now(tests.marked_time('detected') + interval '1 hour');

-- ---------------------------------------------------------------------------------------------
-- Refusals
-- ---------------------------------------------------------------------------------------------
select throws_ok($$select private.incident_open(tests.marked_time('detected'), '{}')$$,
  '22023', 'an incident needs a scope: compromised accounts, organizations, a leaked key or a time window',
  '[INC-010] an empty scope is refused');
select throws_ok($$select private.incident_open(tests.marked_time('detected'),
    '{"accounts": [], "organizations": []}')$$,
  '22023', 'an incident needs a scope: compromised accounts, organizations, a leaked key or a time window',
  '[INC-011] empty lists are an empty scope');
select throws_ok($$select private.incident_open(tests.marked_time('detected'),
    jsonb_build_object('leaked_key', 'service_role', 'window', jsonb_build_object(
      'from', tests.marked_time('window_to'), 'to', tests.marked_time('window_from'))))$$,
  '22023', 'the window ends before it starts', '[INC-012] a window ending before it starts is refused');
select throws_ok($$select private.incident_open(tests.marked_time('detected'),
    jsonb_build_object('leaked_key', 'service_role', 'window', jsonb_build_object(
      'from', tests.marked_time('window_from'), 'to', private.current_time() + interval '1 day')))$$,
  '22023', 'the window lies in the future', '[INC-013] a window in the future is refused');
select throws_ok($$select private.incident_open(private.current_time() + interval '1 minute',
    '{"leaked_key": "service_role"}')$$,
  '22023', 'the detection time is in the future', '[INC-014] a detection in the future is refused');
select throws_ok($$select private.incident_open(tests.marked_time('window_from'),
    jsonb_build_object('leaked_key', 'service_role', 'window', jsonb_build_object(
      'from', tests.marked_time('window_to'), 'to', tests.marked_time('detected'))))$$,
  '22023', 'the window starts after the detection time',
  '[INC-015] a window starting after the detection is contradictory');
select throws_ok($$select private.incident_open(tests.marked_time('detected'),
    jsonb_build_object('accounts', jsonb_build_array(gen_random_uuid())))$$,
  '22023', 'a compromised account is not a known user', '[INC-016] an unknown account is refused');
select throws_ok($$select private.incident_open(tests.marked_time('detected'),
    '{"leaked_key": "service_role", "severity": "high"}')$$,
  '22023', 'the scope has a field other than accounts, organizations, leaked_key, window',
  '[INC-017] an unknown scope field is refused');
select throws_ok($$select private.incident_open(tests.marked_time('detected'),
    '{"accounts": ["not-an-id secret-text"]}')$$,
  '22023', 'accounts and organizations are arrays of ids',
  '[INC-019] a malformed id is refused without repeating it');
select throws_ok($$select private.incident_open(tests.marked_time('detected'),
    '{"leaked_key": "service_role", "window": {"from": "yesterday-ish", "to": "now-ish"}}')$$,
  '22023', 'the window''s from and to are timestamps',
  '[INC-009] a malformed window is refused without repeating it');
select is((select count(*)::int from private.incidents), 0, '[INC-018] nothing refused was stored');

-- ---------------------------------------------------------------------------------------------
-- Opening and scoping one compromised account
-- ---------------------------------------------------------------------------------------------
select tests.open_incident('breach', tests.marked_time('detected'),
  jsonb_build_object('accounts', jsonb_build_array(tests.user_id('mallory')),
    'window', jsonb_build_object('from', tests.marked_time('window_from'),
      'to', tests.marked_time('window_to'))));
select matches(tests.incident_ref('breach'), '^IN-[0-9A-F]{12}$',
  '[INC-020] an incident gets a random reference');
select results_eq(
  $$select state, deadline from private.incidents where id = tests.remembered_id('breach')$$,
  $$values ('open'::text, tests.marked_time('detected') + interval '48 hours')$$,
  '[INC-021] it opens unscoped, its deadline 48 hours after detection');

select is(private.incident_scope(tests.incident_ref('breach')) - 'access_log_complete',
  jsonb_build_object('organizations', 2, 'users', 4, 'unreachable', 0, 'recordings_accessed', 1,
    'surveys', 2,
    'responses', 5, 'transcripts', 7, 'recordings', 7),
  '[INC-022] scoping sums the affected organisations, users and data');
select set_eq(
  $$select org_id, surveys, responses, transcripts, recordings, recordings_accessed
    from private.incident_organizations where incident_id = tests.remembered_id('breach')$$,
  $$values (tests.org_id('Acme'), 1, 2, 4, 4, 1), (tests.org_id('Side'), 1, 3, 3, 3, 0)$$,
  '[INC-023] the organisations mallory could read in the window, with counts per category (not Other)');
select results_eq(
  $$select readable_from > tests.marked_time('window_from'), readable_until < tests.marked_time('window_to')
    from private.incident_organizations
    where incident_id = tests.remembered_id('breach') and org_id = tests.org_id('Side')$$,
  $$values (true, true)$$,
  '[INC-024] an organisation joined and left inside the window is readable only between the two');
select results_eq(
  $$select recording_id, user_id, grants from private.incident_recordings_accessed
    where incident_id = tests.remembered_id('breach')$$,
  $$values (tests.remembered_id('played'), tests.user_id('mallory'), 2)$$,
  '[INC-025] exactly the recording played in the window, from the access log (not the one after)');
select set_eq(
  $$select user_id, account_compromised from private.incident_recipients
    where incident_id = tests.remembered_id('breach')$$,
  $$values (tests.user_id('mallory'), true), (tests.user_id('olga'), false),
    (tests.user_id('bob'), false), (tests.user_id('erin'), false)$$,
  '[INC-026] affected: mallory and the members while exposed (not dora who left before, carl who joined after, zed)');
select is(
  (select params -> 'actions' from private.incident_recipients
   where incident_id = tests.remembered_id('breach') and user_id = tests.user_id('mallory')),
  '["change_password", "review_sessions", "review_organization_members", "review_recent_activity", "inform_respondents"]'::jsonb,
  '[INC-027] the compromised account is told to change its password and review sessions');
select is(
  (select params -> 'actions' from private.incident_recipients
   where incident_id = tests.remembered_id('breach') and user_id = tests.user_id('erin')),
  '["review_organization_members", "review_recent_activity"]'::jsonb,
  '[INC-028] a member of an organisation with no recording played gets no respondent advice');
select is(
  (select jsonb_agg(o ->> 'org_id') from private.incident_recipients r,
     jsonb_array_elements(r.params -> 'organizations') o
   where r.incident_id = tests.remembered_id('breach') and r.user_id = tests.user_id('olga')),
  jsonb_build_array(tests.org_id('Acme')),
  '[INC-029] each notice lists only the recipient''s own affected organisations');
select is_empty(
  $$select r.user_id from private.incident_recipients r
    where r.incident_id = tests.remembered_id('breach') and not r.account_compromised
      and r.params::text like '%' || tests.user_id('mallory') || '%'$$,
  '[INC-030] no notice to another user names the compromised account');

-- Frozen: more data and more plays later change nothing.
select tests.create_survey('Acme', 'later', 3, 3);
select tests.authenticate_as('mallory');
select public.recording_access(tests.remembered_id('played'));
select tests.clear_authentication();
select is(private.incident_scope(tests.incident_ref('breach')) ->> 'surveys', '2',
  '[INC-031] scoping again answers the frozen result');
select results_eq(
  $$select surveys, recordings from private.incident_organizations
    where incident_id = tests.remembered_id('breach') and org_id = tests.org_id('Acme')$$,
  $$values (1, 4)$$, '[INC-032] the frozen counts stay');

-- ---------------------------------------------------------------------------------------------
-- Notifying, once
-- ---------------------------------------------------------------------------------------------
select is(private.incident_notify(tests.incident_ref('breach')),
  '{"queued": 4, "already_queued": 0, "unreachable": 0}'::jsonb,
  '[INC-040] notifying queues one notice per affected user');
select set_eq(
  $$select m.recipient, m.template from private.mail_outbox m
    join private.incident_recipients r on r.mail_id = m.id
    where r.incident_id = tests.remembered_id('breach')$$,
  $$values ('mallory@example.test', 'incident_notice'), ('olga@example.test', 'incident_notice'),
    ('bob@example.test', 'incident_notice'), ('erin@example.test', 'incident_notice')$$,
  '[INC-041] to each affected user''s own address, through the outbox');
select is(private.incident_notify(tests.incident_ref('breach')),
  '{"queued": 0, "already_queued": 4, "unreachable": 0}'::jsonb,
  '[INC-042] notifying twice queues nothing more');
select is((select count(*)::int from private.mail_outbox where template = 'incident_notice'), 4,
  '[INC-043] the outbox holds four notices, not eight');

-- Late: at 36 hours after detection job health is red, naming the incident but no one; the
-- incident itself shows who is late.
select tests.set_now(tests.marked_time('detected') + interval '35 hours');
select is((select ok from private.job_health() where check_name = 'incident_users_notified'), true,
  '[INC-044] unnotified recipients before 36 hours are not yet late');
select tests.set_now(tests.marked_time('detected') + interval '36 hours 1 minute');
select is((select ok from private.job_health() where check_name = 'incident_users_notified'), false,
  '[INC-045] 36 hours after detection with recipients unnotified, job health is red');
select is(
  (select detail -> 'late' from private.incident_health()),
  jsonb_build_array(jsonb_build_object('ref', tests.incident_ref('breach'), 'state', 'notifying',
    'deadline', tests.marked_time('detected') + interval '48 hours', 'unnotified', 4)),
  '[INC-046] the health detail names the incident and the count, no person');
select set_eq(
  $$select jsonb_array_elements_text(private.incident_show(tests.incident_ref('breach')) -> 'late')::uuid$$,
  $$select tests.user_id(u) from unnest(array['mallory', 'olga', 'bob', 'erin']) u$$,
  '[INC-047] the incident shows who is late');
select is(private.incident_status() -> 'items' -> 0 ->> 'unnotified', '4',
  '[INC-048] the status report counts the unnotified');
select is_empty(
  $$select u.id from auth.users u where private.incident_status()::text like '%' || u.id || '%'
      or private.incident_status()::text like '%' || u.email || '%'$$,
  '[INC-049] the status report holds no personal data');
select tests.set_now(tests.marked_time('detected') + interval '49 hours');
select is(private.incident_status() ->> 'overdue', '1',
  '[INC-050] past the deadline with recipients unnotified, the incident is overdue');

-- Delivered: tracked per recipient, and health turns green.
select throws_ok($$select private.incident_close(tests.incident_ref('breach'))$$, '55000',
  'this incident still has 4 recipients not notified', '[INC-051] an incident with unnotified users cannot close');
select is(tests.send_incident_mail(), 4, 'mail-sender delivers the four notices');
select is((select count(*)::int from private.incident_recipients
  where incident_id = tests.remembered_id('breach') and delivered_at is not null), 4,
  '[INC-052] each delivery is tracked on its recipient');
select is((select ok from private.job_health() where check_name = 'incident_users_notified'), true,
  '[INC-053] every recipient notified: job health is green');
select is(private.incident_status(), jsonb_build_object('open', 1, 'overdue', 0, 'items',
    jsonb_build_array(jsonb_build_object('ref', tests.incident_ref('breach'),
      'detected_at', tests.marked_time('detected'),
      'deadline', tests.marked_time('detected') + interval '48 hours', 'state', 'notifying',
      'unnotified', 0))),
  '[INC-054] the status report in full');

-- ---------------------------------------------------------------------------------------------
-- Investigation, containment, closing: every step audited, without the text
-- ---------------------------------------------------------------------------------------------
select private.incident_add_note(tests.incident_ref('breach'), 'secret-note: phished via fake login page');
select private.incident_add_preventive_measure(tests.incident_ref('breach'), 'secret-measure: enforce MFA');
insert into auth.sessions (id, user_id, created_at) values (gen_random_uuid(), tests.user_id('mallory'), now()),
  (gen_random_uuid(), tests.user_id('mallory'), now()), (gen_random_uuid(), tests.user_id('olga'), now());
insert into auth.refresh_tokens (token, user_id, revoked, created_at)
values ('tok-m1', tests.user_id('mallory')::text, false, now()),
  ('tok-o1', tests.user_id('olga')::text, false, now());
select is(private.incident_revoke_sessions(tests.incident_ref('breach'), tests.user_id('mallory')),
  '{"sessions": 2, "refresh_tokens": 1}'::jsonb, '[INC-060] revoking counts the sessions and tokens removed');
select results_eq(
  $$select (select count(*)::int from auth.sessions where user_id = tests.user_id('mallory')),
      (select count(*)::int from auth.refresh_tokens where user_id = tests.user_id('mallory')::text),
      (select count(*)::int from auth.sessions where user_id = tests.user_id('olga'))$$,
  $$values (0, 0, 1)$$, '[INC-061] the user''s sessions and refresh tokens are gone, no one else''s');

select tests.remember_id('a response', (select r.id from public.responses r
  where r.survey_id = tests.survey_id('Acme', 'alpha') order by r.id limit 1));
insert into public.profiles (id, display_name) values (tests.user_id('olga'), 'Olga');
select tests.authenticate_as('bob');
select isnt_empty($$select id from public.surveys where org_id = tests.org_id('Acme')$$,
  'bob reads Acme''s surveys before the suspension');
select lives_ok($$select public.recording_upload_slot(tests.remembered_id('a response'), 'webm')$$,
  'bob may upload before the suspension');
select isnt_empty($$select id from public.profiles where id = tests.user_id('olga')$$,
  'bob reads the profile of Acme''s owner before the suspension');
select tests.clear_authentication();
select is(private.incident_suspend_organization(tests.incident_ref('breach'), tests.org_id('Acme')),
  true, '[INC-062] suspending an organisation');
select tests.authenticate_as('bob');
select is_empty($$select id from public.surveys where org_id = tests.org_id('Acme')$$,
  '[INC-063] its members lose access at once');
select ok(not (tests.org_id('Acme') = any (private.user_org_ids())),
  'the role helper omits the suspended organisation');
select is_empty($$select id from public.profiles where id = tests.user_id('olga')$$,
  '[INC-080] nor do they see its other members'' profiles');
select throws_ok($$select public.recording_access(tests.remembered_id('played'))$$, 'P0002',
  'recording not found', '[INC-067] the recordings broker refuses its members too');
select throws_ok($$select * from public.survey_playlist(tests.survey_id('Acme', 'alpha'))$$,
  'P0002', 'survey not found', '[INC-068] playlists as well');
select throws_ok($$select public.recording_upload_slot(tests.remembered_id('a response'), 'webm')$$,
  'P0002', 'response not found', '[INC-069] and upload slots');
select tests.clear_authentication();
select tests.authenticate_as('erin');
select isnt_empty($$select id from public.surveys where org_id = tests.org_id('Side')$$,
  '[INC-064] other organisations are untouched');
select tests.clear_authentication();
select is(private.incident_reinstate_organization(tests.incident_ref('breach'), tests.org_id('Acme')),
  true, '[INC-065] reinstating');
select tests.authenticate_as('bob');
select isnt_empty($$select id from public.surveys where org_id = tests.org_id('Acme')$$,
  '[INC-066] access is back');
select lives_ok($$select public.recording_access(tests.remembered_id('played'))$$,
  'the broker grants again');
select tests.clear_authentication();

select private.incident_close(tests.incident_ref('breach'), 'secret-close: contained');
select throws_ok($$select private.incident_add_note(tests.incident_ref('breach'), 'more')$$, '55000',
  'this incident is closed', '[INC-070] a closed incident takes no more notes');
select results_eq(
  $$select action, org_id from audit.events
    where target_table = 'private.incidents' and target_id = tests.remembered_id('breach')::text
    order by occurred_at, seq$$,
  $$values ('incident.opened'::text, null::uuid), ('incident.scoped', null), ('incident.notified', null),
    ('incident.notified', null), ('incident.note_added', null),
    ('incident.preventive_measure_added', null), ('incident.sessions_revoked', null),
    ('incident.organization_suspended', tests.org_id('Acme')),
    ('incident.organization_reinstated', tests.org_id('Acme')), ('incident.closed', null)$$,
  '[INC-071] every step is audited, in order');
select is_empty(
  $$select 1 from audit.events where target_table = 'private.incidents'
    and details::text like '%secret-%'$$,
  '[INC-072] the audit trail never holds a note''s text');
select is(
  (select jsonb_agg(e ->> 'kind') from jsonb_array_elements(
    private.incident_export(tests.incident_ref('breach')) -> 'entries') e),
  '["note", "preventive_measure", "containment", "containment", "containment", "note"]'::jsonb,
  '[INC-073] the export holds the investigation, the measures and the containment');
select is(private.incident_export(tests.incident_ref('breach')) -> 'recordings_accessed' -> 0 ->> 'recording_id',
  tests.remembered_id('played')::text, '[INC-074] the export lists the exact recordings accessed');

-- A leaked service key: everything in the window, and no one's access log can bound it. zed's
-- account has lost its address (as an erased account has none): unreachable, not late.
update auth.users set email = null where id = tests.user_id('zed');
-- A survey of Other's moved to the trash the day before the window: a leaked key read it and its
-- children; Other's own exposure, through the API, could not.
select tests.remember_id('old trash', tests.create_survey('Other', 'old-trash', 1, 2));
update public.surveys set deleted_at = tests.marked_time('window_from') - interval '1 day'
where id = tests.remembered_id('old trash');
select tests.authenticate_as('gwen');
select public.delete_organization(tests.remembered_id('gone'));
select tests.clear_authentication();
select tests.open_incident('key', tests.marked_time('detected'), jsonb_build_object(
  'leaked_key', 'service_role', 'window', jsonb_build_object(
    'from', tests.marked_time('window_from'), 'to', tests.marked_time('window_to'))));
select is(
  (select (s ->> 'organizations')::int >= 3 and not (s ->> 'access_log_complete')::boolean
   from private.incident_scope(tests.incident_ref('key')) s),
  true, '[INC-075] a leaked key exposes every organisation in the window');
select tests.open_incident('other org', tests.marked_time('detected'), jsonb_build_object(
  'organizations', jsonb_build_array(tests.org_id('Other')), 'window', jsonb_build_object(
    'from', tests.marked_time('window_from'), 'to', tests.marked_time('window_to'))));
select count(*) from private.incident_scope(tests.incident_ref('other org'));
select results_eq(
  $$select k.surveys - o.surveys, k.responses - o.responses, k.recordings - o.recordings,
      k.transcripts - o.transcripts
    from private.incident_organizations k, private.incident_organizations o
    where k.incident_id = tests.remembered_id('key') and o.incident_id = tests.remembered_id('other org')
      and k.org_id = tests.org_id('Other') and o.org_id = tests.org_id('Other')$$,
  $$values (1, 2, 2, 2)$$,
  '[INC-081] a leaked key counts a survey trashed before the window, with its children; an organisation''s own exposure does not');
select results_eq(
  $$select o.sources, o.surveys, o.responses, o.recordings, (select array_agg(r.user_id order by r.user_id)
      from private.incident_recipients r where r.incident_id = o.incident_id
        and r.user_id in (tests.user_id('gwen'), tests.user_id('hal')))
    from private.incident_organizations o
    where o.incident_id = tests.remembered_id('key') and o.org_id = tests.remembered_id('gone')$$,
  $$select array['leaked_key'], 1, 2, 2, (select array_agg(u order by u)
      from unnest(array[tests.user_id('gwen'), tests.user_id('hal')]) u)$$,
  '[INC-082] a leaked key reaches an organisation deleted since the window, counted from the audit events of its purge, and its former members are told');
select ok(
  (select bool_and(r.params -> 'actions' ? 'watch_for_phishing') from private.incident_recipients r
   where r.incident_id = tests.remembered_id('key'))
  and exists (select 1 from private.incident_recipients r
    where r.incident_id = tests.remembered_id('key') and r.user_id = tests.user_id('zed')),
  '[INC-076] every member is told, with the advice a leaked key calls for');
select is((private.incident_notify(tests.incident_ref('key')) ->> 'unreachable')::int, 1,
  '[INC-078] a user without an address is counted unreachable');
select results_eq(
  $$select tests.user_id('zed') in (select jsonb_array_elements_text(s -> 'unreachable')::uuid),
      tests.user_id('zed') in (select (jsonb_array_elements(s -> 'unnotified') ->> 'user_id')::uuid)
    from private.incident_show(tests.incident_ref('key')) s$$,
  $$values (true, false)$$,
  '[INC-079] the incident lists them as unreachable, not as waiting for mail');

-- An incident never scoped is late at 36 hours too.
select tests.set_now(tests.marked_time('detected') + interval '37 hours');
select tests.open_incident('unscoped', tests.marked_time('detected'), jsonb_build_object('organizations', jsonb_build_array(tests.org_id('Other'))));
select ok(
  (select detail -> 'late' @> jsonb_build_array(jsonb_build_object('ref', tests.incident_ref('unscoped'),
     'state', 'open')) from private.incident_health()),
  '[INC-077] an incident still unscoped 36 hours after detection is late');

select * from finish();
rollback;
