-- "All associated data is removed": after an account's erasure, a scan of EVERY ordinary table
-- in EVERY non-system schema (found from pg_catalog, not from a list in this file, so a table
-- added later is scanned too) finds no row whose text form contains the user's id, email or
-- phone. The designed exceptions keep the id, never the email or phone, each for its own record
-- (docs/ACCOUNT_ERASURE.md, "What stays"): in the append-only schema `audit`, audit.events (the
-- account.* and membership.* events, and the account.erased event with its counts),
-- audit.membership_events (who was a member of which organisation when) and
-- audit.recording_access (who was granted which recording, kept 13 months; the scan sees its
-- monthly partition); and a breach's
-- record, private.incidents (its scope) and private.incident_recipients (who was told).
-- Each user first gets a realistic GoTrue footprint: identities, sessions, refresh tokens (one
-- linked only by the user_id text column), MFA factor + challenge + AMR claim, one-time token,
-- PKCE flow state, and audit_log_entries with GoTrue's payload shape.
begin;
select plan(46);
set local timezone = 'UTC';
select tests.clear_account_erasure_queue();

-- Tables (schema.table) whose rows mention p_needle (case-insensitive), with the number of
-- rows. bytea columns are searched in their escaped form too (t::text shows them as hex).
create function pg_temp.trace(p_needle text)
returns table (tbl text, hits bigint)
language plpgsql
as $$
declare
  v_table record;
  v_n bigint;
begin
  for v_table in
    select n.nspname, c.relname,
      coalesce((select string_agg(format(' || coalesce(encode(t.%I, %L), %L)', a.attname, 'escape', ''), '')
                from pg_attribute a
                where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                  and a.atttypid = 'bytea'::regtype), '') as bytea_text
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r'
      and n.nspname not in ('pg_catalog', 'information_schema')
      and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
    order by 1, 2
  loop
    execute format('select count(*) from %I.%I t where strpos(lower(t::text%s), lower($1)) > 0',
      v_table.nspname, v_table.relname, v_table.bytea_text)
      into v_n using p_needle;
    if v_n > 0 then
      tbl := v_table.nspname || '.' || v_table.relname;
      hits := v_n;
      return next;
    end if;
  end loop;
end;
$$;

-- Every row GoTrue keeps for the named user, signed up and signed in with MFA.
create function pg_temp.auth_footprint(p_name text)
returns void
language plpgsql
as $$
declare
  v_user uuid := tests.user_id(p_name);
  v_email text := (select u.email from auth.users u where u.id = v_user);
  -- GoTrue stamps its rows with the instance id it stamped the user with.
  v_instance uuid := (select u.instance_id from auth.users u where u.id = v_user);
  k text := replace(v_user::text, '-', '');
  s1 uuid := md5(k || 'session1')::uuid;
  s2 uuid := md5(k || 'session2')::uuid;
  f1 uuid := md5(k || 'factor1')::uuid;
begin
  update auth.users set last_sign_in_at = now(), encrypted_password = '$2a$10$' || md5(k),
    raw_user_meta_data = raw_user_meta_data
      || jsonb_build_object('email', v_email, 'email_verified', true, 'sub', v_user)
  where id = v_user;
  insert into public.profiles (id, display_name) values (v_user, split_part(v_email, '@', 1));
  insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at,
    created_at, updated_at)
  values (v_user::text, v_user, jsonb_build_object('sub', v_user::text, 'email', v_email,
    'email_verified', true, 'phone_verified', false), 'email', now(), now(), now());
  insert into auth.sessions (id, user_id, created_at, updated_at, aal, refreshed_at, user_agent, ip)
  values (s1, v_user, now(), now(), 'aal2', now()::timestamp, 'Mozilla/5.0', '203.0.113.10'),
    (s2, v_user, now(), now(), 'aal1', now()::timestamp, 'curl/8.5', '203.0.113.11');
  insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at,
    parent, session_id)
  values (v_instance, 'rt1' || k, v_user::text, false, now(), now(), null, s1),
    (v_instance, 'rt2' || k, v_user::text, false, now(), now(), 'rt1' || k, s2),
    -- A legacy token linked to the user only through the user_id text column.
    (v_instance, 'rt3' || k, v_user::text, true, now(), now(), null, null);
  insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at,
    updated_at, secret)
  values (f1, v_user, 'authenticator', 'totp', 'verified', now(), now(), 'JBSWY3DPEHPK3PXP');
  insert into auth.mfa_challenges (id, factor_id, created_at, verified_at, ip_address)
  values (md5(k || 'challenge1')::uuid, f1, now(), now(), '203.0.113.10');
  insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
  values (s1, now(), now(), 'totp', md5(k || 'amr1')::uuid);
  insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to)
  values (md5(k || 'ott1')::uuid, v_user, 'recovery_token', md5(k || 'recovery'), v_email);
  insert into auth.flow_state (id, user_id, auth_code, code_challenge_method, code_challenge,
    provider_type, created_at, updated_at, authentication_method)
  values (md5(k || 'flow1')::uuid, v_user, md5(k || 'code'), 's256', md5(k || 'challenge'),
    'email', now(), now(), 'magiclink');
  insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
  values
    (v_instance, md5(k || 'log1')::uuid, json_build_object(
      'action', 'user_signedup', 'actor_id', v_user, 'actor_username', v_email,
      'log_type', 'team', 'traits', json_build_object('provider', 'email')), now(), '203.0.113.10'),
    (v_instance, md5(k || 'log2')::uuid, json_build_object(
      'action', 'login', 'actor_id', v_user, 'actor_username', v_email,
      'log_type', 'account', 'traits', json_build_object('provider', 'email')), now(), '203.0.113.10'),
    (v_instance, md5(k || 'log3')::uuid, json_build_object(
      'action', 'token_refreshed', 'actor_id', v_user, 'actor_username', v_email,
      'log_type', 'token'), now(), '203.0.113.11'),
    -- A recovery request GoTrue logs before it knows the id: email only, differently cased.
    (v_instance, md5(k || 'log4')::uuid, json_build_object(
      'action', 'user_recovery_requested', 'actor_username', upper(v_email),
      'log_type', 'user'), now(), '203.0.113.12');
end;
$$;

-- Rows linked to the user only through other rows (no user column of their own).
create function pg_temp.linked_rows(p_user uuid)
returns bigint
language sql
as $$
  select (select count(*) from auth.mfa_challenges
          where id = md5(replace(p_user::text, '-', '') || 'challenge1')::uuid)
       + (select count(*) from auth.mfa_amr_claims
          where id = md5(replace(p_user::text, '-', '') || 'amr1')::uuid)
       + (select count(*) from auth.refresh_tokens
          where token like 'rt_' || replace(p_user::text, '-', ''));
$$;

select tests.set_now('2030-05-01 12:00:00+00');

-- ---------------------------------------------------------------------------------------------
-- Fixtures
-- ---------------------------------------------------------------------------------------------
-- Ann's email has capitals (Ann@example.test): it must be found and erased in any case.
select tests.create_user('Ann', '15550100001');
select tests.create_user('ben', '15550100002');
select tests.create_user('cat', '15550100003');
select tests.create_user('olga', '15550100004');
select tests.create_user('dan', '15550100005');
select pg_temp.auth_footprint(u) from unnest(array['Ann', 'ben', 'cat', 'olga', 'dan']) u;

-- (a) Ann: a solo organisation with surveys, recordings and objects she uploaded.
select tests.remember_id('Ann solo', tests.create_org('Ann', 'Ann solo'));
select tests.create_survey('Ann solo', 'ann-one', 2, 2);
select tests.create_survey('Ann solo', 'ann-two', 1, 1);
update public.surveys set created_by = tests.user_id('Ann')
where org_id = tests.org_id('Ann solo');
update public.recordings set created_by = tests.user_id('Ann')
where org_id = tests.org_id('Ann solo');
select tests.create_object('recordings', object_path) from public.recordings
where org_id = tests.org_id('Ann solo');
select tests.create_object('recordings', tests.org_id('Ann solo') || '/uploads/ann-notes.webm');
-- Ann played one of her recordings, and an incident named her account.
select audit.log_recording_access('single', tests.user_id('Ann'), array[r.org_id],
  array[r.survey_id], array[r.response_id], array[r.id], array[r.object_path])
from public.recordings r where r.org_id = tests.org_id('Ann solo') order by r.id limit 1;
select tests.open_incident('Ann account', private.current_time(),
  jsonb_build_object('accounts', jsonb_build_array(tests.user_id('Ann'))));
select private.incident_scope(tests.incident_ref('Ann account'));

-- (b) Ben: a member of Olga's organisation, author of a survey and recordings there, and the
--     one who deleted a survey now in its trash.
select tests.create_org('olga', 'Olga team');
select tests.add_member_since('Olga team', 'ben', 'member', '2029-02-01');
select tests.create_survey('Olga team', 'olga-one', 2, 2);
select tests.create_survey('Olga team', 'olga-two', 1, 1);
update public.surveys set created_by = tests.user_id('ben')
where org_id = tests.org_id('Olga team') and slug = 'olga-one';
update public.surveys set deleted_at = '2030-04-30 00:00+00', deleted_by = tests.user_id('ben')
where org_id = tests.org_id('Olga team') and slug = 'olga-two';
update public.recordings set created_by = tests.user_id('ben')
where org_id = tests.org_id('Olga team');
select tests.create_object('recordings', object_path) from public.recordings
where org_id = tests.org_id('Olga team');

-- (c) Cat: the only owner of an organisation with an admin (Dan); Cat created it.
select tests.create_org('cat', 'Cat team');
select tests.add_member_since('Cat team', 'dan', 'admin', '2029-01-01');
select tests.create_survey('Cat team', 'cat-one', 1, 2);
update public.surveys set created_by = tests.user_id('cat')
where org_id = tests.org_id('Cat team');
select tests.create_object('recordings', object_path) from public.recordings
where org_id = tests.org_id('Cat team');

-- Each user owns the objects they uploaded (Storage sets owner and owner_id).
update storage.objects o
set owner = tests.user_id(v.uploader), owner_id = tests.user_id(v.uploader)::text
from (values ('Ann solo', 'Ann'), ('Olga team', 'ben'), ('Cat team', 'cat')) v(org, uploader)
where split_part(o.name, '/', 1) = tests.org_id(v.org)::text;

-- Mail to each user's address in the outbox, in every state, cased as the user typed it or not:
-- Ann's export notice queued and a receipt given up, Ben's notice sent (kept 30 days), Cat's
-- incident notice queued; Olga's, who is not erased, queued too.
select private.mail_enqueue(v.recipient, v.template, jsonb_build_object('reference', 'DSR-TRACE'))
from (values ('Ann@example.test', 'data_export_ready'), ('ANN@EXAMPLE.TEST', 'dsr_receipt'),
  ('ben@example.test', 'data_export_ready'), ('cat@example.test', 'incident_notice'),
  ('olga@example.test', 'data_export_ready')) v(recipient, template);
update private.mail_outbox set status = 'failed', attempts = 12, last_error = '550 mailbox full'
where recipient = 'ANN@EXAMPLE.TEST';
update private.mail_outbox set status = 'sent', sent_at = now(), attempts = 1
where recipient = 'ben@example.test';

-- ---------------------------------------------------------------------------------------------
-- The scan itself, before any erasure: it must see every kind of row that names a user.
-- ---------------------------------------------------------------------------------------------
select ok(
  (select array_agg(distinct n.nspname::text) from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema')
     and n.nspname !~ '^pg_(toast|temp_|toast_temp_)')
  @> array['audit', 'auth', 'cron', 'net', 'private', 'public', 'storage', 'supabase_migrations', 'vault'],
  '[TRC-001] the scan covers every schema with tables: audit, auth, cron, net, private, public, storage, supabase_migrations, vault');
select lives_ok(
  $$select count(*) from pg_temp.trace('no such value anywhere')$$,
  '[TRC-002] the connection running the erasure can read every table the scan visits');
select tests.request_account_erasure('Ann');
select set_eq(
  $$select tbl from pg_temp.trace(tests.user_id('Ann')::text)$$,
  $$values ('audit.events'), ('auth.audit_log_entries'), ('auth.flow_state'), ('auth.identities'),
    ('auth.mfa_factors'), ('auth.one_time_tokens'), ('auth.refresh_tokens'), ('auth.sessions'),
    ('auth.users'), ('private.account_erasure_requests'), ('private.dsr_requests'),
    ('public.memberships'), ('public.organizations'), ('public.profiles'), ('public.recordings'),
    ('public.surveys'), ('storage.objects'), ('audit.membership_events'),
    ((select a.tableoid::regclass::text from audit.recording_access a
      where a.user_id = tests.user_id('Ann') limit 1)),
    ('private.incidents'), ('private.incident_recipients'), ('private.account_identifier_windows')$$,
  '[TRC-003] positive control: before erasure the scan finds Ann''s id in all 22 tables that hold it');
select set_eq(
  $$select tbl from pg_temp.trace('ann@example.test')$$,
  $$values ('auth.audit_log_entries'), ('auth.identities'), ('auth.one_time_tokens'), ('auth.users'),
    ('private.mail_outbox')$$,
  '[TRC-004] positive control: before erasure the scan finds Ann''s email (any case) in GoTrue''s tables and the mail outbox');
select is(
  (select hits from pg_temp.trace('ann@example.test') where tbl = 'auth.audit_log_entries'),
  4::bigint, '[TRC-005] positive control: all four GoTrue log entries name Ann''s email');
select is(pg_temp.linked_rows(tests.user_id('Ann')), 5::bigint,
  '[TRC-006] positive control: challenge, AMR claim and three refresh tokens exist');
select tests.authenticate_as('Ann');
select public.cancel_account_erasure();
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- (a) Ann
-- ---------------------------------------------------------------------------------------------
select tests.request_account_erasure('Ann');
select lives_ok($$select tests.run_account_erasure('Ann')$$, '[TRC-010] Ann''s erasure finishes');
select set_eq(
  $$select tbl from pg_temp.trace(tests.remembered_id('Ann')::text)$$,
  $$values ('audit.events'), ('audit.membership_events'),
    ((select a.tableoid::regclass::text from audit.recording_access a
      where a.user_id = tests.remembered_id('Ann') limit 1)),
    ('private.incidents'), ('private.incident_recipients')$$,
  '[TRC-011] Ann''s id is left only in the designed records: the audit trail, the membership history, the recording access log, and the incident that named her');
select is_empty(
  $$select tbl, hits from pg_temp.trace('Ann@example.test')$$,
  '[TRC-012] no row in any table, audit.events included, contains Ann''s email');
select is_empty(
  $$select tbl, hits from pg_temp.trace('15550100001')$$,
  '[TRC-013] no row in any table contains Ann''s phone number');
select is(pg_temp.linked_rows(tests.remembered_id('Ann')), 0::bigint,
  '[TRC-014] her MFA challenge, AMR claim and refresh tokens (incl. the one linked by user_id text only) are gone');
select results_eq(
  $$select (select count(*)::int from auth.users where id = tests.remembered_id('Ann')),
    (select count(*)::int from auth.identities where user_id = tests.remembered_id('Ann')),
    (select count(*)::int from auth.sessions where user_id = tests.remembered_id('Ann')),
    (select count(*)::int from auth.refresh_tokens
     where user_id = tests.remembered_id('Ann')::text),
    (select count(*)::int from auth.mfa_factors where user_id = tests.remembered_id('Ann')),
    (select count(*)::int from auth.one_time_tokens where user_id = tests.remembered_id('Ann')),
    (select count(*)::int from auth.flow_state where user_id = tests.remembered_id('Ann'))$$,
  $$values (0, 0, 0, 0, 0, 0, 0)$$,
  '[TRC-015] Auth user, identities, sessions, refresh tokens, MFA factors, one-time tokens and flow state are gone');
select is(
  (select count(*)::int from public.surveys where org_id = tests.remembered_id('Ann solo'))
  + (select count(*)::int from public.organizations where id = tests.remembered_id('Ann solo')),
  0, '[TRC-016] her solo organisation and its surveys are gone');
select set_eq(
  $$select action from audit.events where target_id = tests.remembered_id('Ann')::text
      or actor_id = tests.remembered_id('Ann')$$,
  $$values ('account.erasure_requested'), ('account.erasure_cancelled'), ('membership.removed'),
    ('account.erased')$$,
  '[TRC-017] audit.events keeps Ann''s id, by design, only in her account.* events and the membership removal');
select results_eq(
  $$select details ->> 'auth_log_entries_deleted', (details ->> 'auth_user_deleted')::boolean,
      (details ->> 'organizations_deleted')::int, (details ->> 'surveys_deleted')::int
    from audit.events
    where action = 'account.erased' and target_id = tests.remembered_id('Ann')::text$$,
  $$values ('4'::text, true, 1, 2)$$,
  '[TRC-018] the account.erased event carries her id and the counts');

-- ---------------------------------------------------------------------------------------------
-- (b) Ben
-- ---------------------------------------------------------------------------------------------
select tests.request_account_erasure('ben');
select lives_ok($$select tests.run_account_erasure('ben')$$, '[TRC-020] Ben''s erasure finishes');
select is_empty(
  $$select tbl, hits from pg_temp.trace(tests.remembered_id('ben')::text)
    where tbl not in ('audit.events', 'audit.membership_events')$$,
  '[TRC-021] no row outside audit.events and audit.membership_events contains Ben''s id (authorship columns, objects'' owners included)');
select is_empty(
  $$select tbl, hits from pg_temp.trace('ben@example.test')$$,
  '[TRC-022] no row anywhere contains Ben''s email');
select is_empty(
  $$select tbl, hits from pg_temp.trace('15550100002')$$,
  '[TRC-023] no row anywhere contains Ben''s phone number');
select is(pg_temp.linked_rows(tests.remembered_id('ben')), 0::bigint,
  '[TRC-024] Ben''s linked auth rows are gone');
select results_eq(
  $$select (select count(*)::int from public.surveys where org_id = tests.org_id('Olga team')),
    (select count(*)::int from public.recordings where org_id = tests.org_id('Olga team')),
    (select count(*)::int from storage.objects where name like tests.org_id('Olga team') || '/%')$$,
  $$values (2, 5, 5)$$,
  '[TRC-025] Olga''s organisation keeps its surveys, recordings and objects');
select set_eq(
  $$select action from audit.events where target_id = tests.remembered_id('ben')::text
      or actor_id = tests.remembered_id('ben')$$,
  $$values ('account.erasure_requested'), ('membership.removed'), ('account.erased')$$,
  '[TRC-026] audit.events keeps Ben''s id only in his account.* events and the membership removal');

-- ---------------------------------------------------------------------------------------------
-- (c) Cat
-- ---------------------------------------------------------------------------------------------
select tests.request_account_erasure('cat');
select lives_ok($$select tests.run_account_erasure('cat')$$, '[TRC-030] Cat''s erasure finishes');
select is_empty(
  $$select tbl, hits from pg_temp.trace(tests.remembered_id('cat')::text)
    where tbl not in ('audit.events', 'audit.membership_events')$$,
  '[TRC-031] no row outside audit.events and audit.membership_events contains Cat''s id (the organisation she created included)');
select is_empty(
  $$select tbl, hits from pg_temp.trace('cat@example.test')$$,
  '[TRC-032] no row anywhere contains Cat''s email');
select is(pg_temp.linked_rows(tests.remembered_id('cat')), 0::bigint,
  '[TRC-033] Cat''s linked auth rows are gone');
select results_eq(
  $$select user_id, role::text from public.memberships where org_id = tests.org_id('Cat team')$$,
  $$values (tests.user_id('dan'), 'owner'::text)$$,
  '[TRC-034] Dan, the admin, now owns Cat''s former organisation');
select set_eq(
  $$select action from audit.events where target_id = tests.remembered_id('cat')::text
      or actor_id = tests.remembered_id('cat')$$,
  $$values ('account.erasure_requested'), ('membership.removed'), ('account.erased')$$,
  '[TRC-035] audit.events keeps Cat''s id only in her account.* events and the membership removal');
select is(
  (select count(*)::int from audit.events where action = 'organization.owner_transferred'
   and org_id = tests.org_id('Cat team')),
  1, '[TRC-036] the ownership transfer is audited');

-- ---------------------------------------------------------------------------------------------
-- The audit trail never held an email, and the erasures touched nobody else
-- ---------------------------------------------------------------------------------------------
select is_empty(
  $$select e.action from audit.events e where e::text ~* '[a-z0-9._%+-]+@[a-z0-9.-]+'$$,
  '[TRC-040] no audit event contains anything shaped like an email address');
select ok(
  (select count(*) from pg_temp.trace(tests.user_id('olga')::text)) >= 9
  and (select count(*) from pg_temp.trace('olga@example.test')) = 5
  and pg_temp.linked_rows(tests.user_id('olga')) = 5,
  '[TRC-041] Olga, who was not erased, keeps her whole footprint (her queued mail included)');
select results_eq(
  $$select recipient, template, status from private.mail_outbox order by recipient$$,
  $$values ('olga@example.test'::text, 'data_export_ready'::text, 'queued'::text)$$,
  '[TRC-044] the outbox keeps only Olga''s mail: the erased users'' queued, sent and given-up mail is gone');
select is(
  (select count(*)::int from auth.audit_log_entries
   where payload ->> 'actor_id' in (tests.user_id('olga')::text, tests.user_id('dan')::text)
      or lower(payload ->> 'actor_username') in ('olga@example.test', 'dan@example.test')),
  8, '[TRC-042] the other users'' GoTrue log entries are all still there');
select results_eq(
  $$select count(*)::int, count(*) filter (where owner is null and owner_id is null)::int
    from storage.objects
    where split_part(name, '/', 1) in (tests.remembered_id('Ann solo')::text,
      tests.org_id('Olga team')::text, tests.org_id('Cat team')::text)$$,
  $$values (13, 13)$$,
  '[TRC-043] all 13 objects are still listed (queued or kept), none naming an erased uploader');

-- ---------------------------------------------------------------------------------------------
-- Erasing a user must not erase other users' GoTrue entries whose email merely resembles theirs
-- ---------------------------------------------------------------------------------------------
select tests.create_user(u) from unnest(array['wil_low', 'wilxlow', 'pct%x', 'pct-any-x']) u;
select pg_temp.auth_footprint(u) from unnest(array['wil_low', 'wilxlow', 'pct%x', 'pct-any-x']) u;
select tests.request_account_erasure('wil_low');
select lives_ok($$select tests.run_account_erasure('wil_low')$$,
  '[TRC-050] wil_low''s erasure finishes');
select is(
  (select count(*)::int from auth.audit_log_entries where lower(payload::text) like '%wilxlow@example.test%'),
  4, '[TRC-051] wilxlow''s log entries survive the erasure of wil_low ("_" is not a wildcard)');
select tests.request_account_erasure('pct%x');
select lives_ok($$select tests.run_account_erasure('pct%x')$$,
  '[TRC-052] pct%x''s erasure finishes');
select is(
  (select count(*)::int from auth.audit_log_entries where lower(payload::text) like '%pct-any-x@example.test%'),
  4, '[TRC-053] pct-any-x''s log entries survive the erasure of pct%x ("%" is not a wildcard)');
select is_empty(
  $$select tbl from pg_temp.trace('wil_low@example.test')
    union all select tbl from pg_temp.trace('pct%x@example.test')$$,
  '[TRC-054] and the erased users'' own entries are gone');

-- ---------------------------------------------------------------------------------------------
-- GoTrue entries are removed for the user's email or phone only as a WHOLE value of a field
-- (email case-insensitively), never as a substring of another user's address or number
-- ---------------------------------------------------------------------------------------------
select tests.create_user('bo', '+4477009001');
select tests.create_user('jimbo', '+447700900123');
select tests.create_user('ann.other');
create temporary table gotrue_log on commit drop as
  select gen_random_uuid() as id, v.owner, v.payload
  from (values
    -- Bo's: by id; by email only, differently cased; by phone only; Bo's email nested in
    -- another user's entry (an invitation names the invitee in traits).
    ('bo', json_build_object('action', 'login', 'actor_id', tests.user_id('bo'),
      'actor_username', 'bo@example.test', 'log_type', 'account')),
    ('bo', '{"action":"user_recovery_requested","actor_username":"BO@example.test","log_type":"user"}'),
    ('bo', '{"action":"user_confirmation_requested","actor_username":"+4477009001","log_type":"user"}'),
    ('bo', json_build_object('action', 'user_invited', 'actor_id', tests.user_id('ann.other'),
      'actor_username', 'ann.other@example.test', 'log_type', 'team',
      'traits', json_build_object('user_email', 'Bo@Example.TEST'))),
    -- Not Bo's: Jimbo's (his email ends with Bo's), in any case; another user's, whose fields
    -- merely contain Bo's email or phone inside a longer value; Jimbo's phone, which starts
    -- with Bo's.
    ('jimbo', json_build_object('action', 'login', 'actor_id', tests.user_id('jimbo'),
      'actor_username', 'jimbo@example.test', 'log_type', 'account')),
    ('jimbo', '{"action":"user_recovery_requested","actor_username":"JIMBO@EXAMPLE.TEST","log_type":"user"}'),
    ('jimbo', '{"action":"user_confirmation_requested","actor_username":"+447700900123","log_type":"user"}'),
    ('ann.other', json_build_object('action', 'user_invited',
      'actor_id', tests.user_id('ann.other'), 'actor_username', 'ann.other@example.test',
      'log_type', 'team',
      'traits', json_build_object('user_email', 'bo@example.test.example',
        'note', 'xbo@example.test'))),
    ('ann.other', json_build_object('action', 'login', 'actor_id', tests.user_id('ann.other'),
      'actor_username', 'ANN.OTHER@EXAMPLE.TEST', 'log_type', 'account',
      'traits', json_build_object('phone', '+44770090012')))
  ) v(owner, payload);
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
select u.instance_id, l.id, l.payload, now(), '203.0.113.20'
from gotrue_log l join auth.users u on u.id = tests.user_id('bo');

select tests.request_account_erasure('bo');
select lives_ok($$select tests.run_account_erasure('bo')$$,
  '[TRC-060] bo@example.test''s erasure finishes');
select is_empty(
  $$select id from auth.audit_log_entries
    where id in (select id from gotrue_log where owner = 'bo')$$,
  '[TRC-061] Bo''s entries are gone: by id, by email in another case (BO@example.test), by phone, and nested in another user''s invitation');
select set_eq(
  $$select id from auth.audit_log_entries
    where id in (select id from gotrue_log where owner = 'jimbo')$$,
  $$select id from gotrue_log where owner = 'jimbo'$$,
  '[TRC-062] jimbo@example.test''s entries (also upper-case JIMBO@EXAMPLE.TEST) and +447700900123''s stay');
select set_eq(
  $$select id from auth.audit_log_entries
    where id in (select id from gotrue_log where owner = 'ann.other')$$,
  $$select id from gotrue_log where owner = 'ann.other'$$,
  '[TRC-063] another user''s entries stay where Bo''s email or phone is only part of a longer value');
select is(
  (select (details ->> 'auth_log_entries_deleted')::int from audit.events
   where action = 'account.erased' and target_id = tests.remembered_id('bo')::text),
  4, '[TRC-064] account.erased counts exactly Bo''s four log entries');
-- Then Jimbo: his own entries go (by id, by upper-case email, by phone); the other user's stay,
-- including the one whose phone +44770090012 is a prefix of his.
select tests.request_account_erasure('jimbo');
select lives_ok($$select tests.run_account_erasure('jimbo')$$,
  '[TRC-065] jimbo@example.test''s erasure finishes');
select set_eq(
  $$select id from auth.audit_log_entries where id in (select id from gotrue_log)$$,
  $$select id from gotrue_log where owner = 'ann.other'$$,
  '[TRC-066] Jimbo''s own entries are gone, the other user''s entries still stay');

select * from finish();
rollback;
