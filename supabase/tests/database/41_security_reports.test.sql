-- Security reports (20261202000200_security_reports): stored where no API client can read them,
-- acknowledged through the mail outbox, rate limited per source, overdue in job health at 12
-- hours (24 are promised), triaged by ops through service-role functions that audit every step
-- without the report's text, and purged 365 days after closing.
begin;
select plan(41);

select tests.set_now('2026-06-01 12:00:00+00');

-- ---------------------------------------------------------------------------------------------
-- Closed to the API
-- ---------------------------------------------------------------------------------------------
select is_empty(
  $$select t from unnest(array['private.security_reports', 'private.security_report_notes',
      'private.security_report_sources']) t
    where not (select relrowsecurity and relforcerowsecurity from pg_class where oid = t::regclass)$$,
  '[SEC-001] every security-report table has RLS enabled and forced');
select is_empty(
  $$select r || ' ' || t from unnest(array['anon', 'authenticated', 'service_role']) r,
      unnest(array['private.security_reports', 'private.security_report_notes',
        'private.security_report_sources']) t
    where has_table_privilege(r, t, 'SELECT, INSERT, UPDATE, DELETE')$$,
  '[SEC-002] no API role holds a privilege on them');
select tests.authenticate_as_service_role();
select throws_ok($$select * from private.security_reports$$, '42501', null,
  '[SEC-003] even the service role cannot read reports directly');
select throws_ok(
  $$select private.security_report_submit(repeat('a', 64), 'web', 'a@b.test', 's', 'd')$$,
  '42501', null, '[SEC-004] only the intake''s own connection can submit');
select tests.clear_authentication();

-- ---------------------------------------------------------------------------------------------
-- Intake
-- ---------------------------------------------------------------------------------------------
select tests.submit_security_report('rita', 'Steps: secret-details of rita');
select matches(tests.report_reference('rita'), '^SR-[0-9A-F]{12}$',
  '[SEC-010] a report gets a random tracking reference');
select results_eq(
  $$select channel, reporter_contact, summary, details, severity, status, received_at
    from private.security_reports where id = tests.report_id('rita')$$,
  $$values ('web'::text, 'rita@reporter.test'::text, 'Summary of rita'::text,
    'Steps: secret-details of rita'::text, 'high'::text, 'received'::text,
    '2026-06-01 12:00:00+00'::timestamptz)$$,
  '[SEC-011] the report is stored as submitted');
select results_eq(
  $$select recipient, template, params, status from private.mail_outbox
    where id = tests.report_ack_mail_id('rita')$$,
  $$select 'rita@reporter.test'::text, 'security_report_ack'::text,
    jsonb_build_object('reference', tests.report_reference('rita'), 'channel', 'web'), 'queued'::text$$,
  '[SEC-012] its acknowledgement is queued in the same transaction: recipient, template, reference');
select results_eq(
  $$select action, actor_job, reason, details from audit.events
    where target_id = tests.report_id('rita')::text$$,
  $$values ('security_report.received'::text, 'security_report_intake'::text, 'web'::text,
    '{"details_length": 29, "severity_given": true}'::jsonb)$$,
  '[SEC-013] its arrival is audited with lengths and flags only');

-- Rate limit: 5 per source and hour; refused attempts count and store nothing.
create temporary table before_flood on commit drop as
  select count(*) as reports, (select count(*) from private.mail_outbox) as mails
  from private.security_reports;
select is(
  (select array_agg((private.security_report_submit(repeat('b', 64), 'web', 'flood@reporter.test',
      's', 'd')) ->> 'accepted' order by i) from generate_series(1, 7) i),
  array['true', 'true', 'true', 'true', 'true', 'false', 'false'],
  '[SEC-014] a source may submit 5 reports an hour; the 6th and 7th are refused');
select results_eq(
  $$select (select count(*) from private.security_reports) - reports,
    (select count(*) from private.mail_outbox) - mails from before_flood$$,
  $$values (5::bigint, 5::bigint)$$,
  '[SEC-015] refused submissions store no report and queue no mail');
select tests.set_now('2026-06-01 13:00:00+00');
select is(private.security_report_submit(repeat('b', 64), 'web', 'flood@reporter.test', 's', 'd')
  ->> 'accepted', 'true', '[SEC-016] the next hour the source may submit again');
select throws_ok(
  $$select private.security_report_submit('10.0.0.1', 'web', 'a@b.test', 's', 'd')$$, '23514', null,
  '[SEC-017] a source that is not a keyed hash (e.g. a raw IP) is refused');

-- The contact counts too: sources that vary (a spoofed x-forwarded-for) naming one address are
-- refused after 5 an hour; inbound mail, whose source is its contact, counts once per message.
select is(
  (select array_agg((private.security_report_submit(
      encode(sha256(convert_to('spoofed-' || i, 'UTF8')), 'hex'), 'web', 'victim@reporter.test',
      's', 'd', null, 5, repeat('c', 64))) ->> 'accepted' order by i)
   from generate_series(1, 7) i),
  array['true', 'true', 'true', 'true', 'true', 'false', 'false'],
  '[SEC-058] one contact may be named 5 times an hour, whatever the source; the 6th and 7th are refused');
select is(
  (select submissions from private.security_report_sources
   where source_hash = repeat('c', 64) and window_start = date_trunc('hour', private.current_time())),
  7, '[SEC-059] every attempt counts against the contact, refused ones too');
select is(
  (select array_agg((private.security_report_submit(repeat('d', 64), 'email',
      'mailer@reporter.test', 's', 'd', null, 5, repeat('d', 64))) ->> 'accepted' order by i)
   from generate_series(1, 6) i),
  array['true', 'true', 'true', 'true', 'true', 'false'],
  '[SEC-060] a source that is its own contact (inbound mail) is counted once per message');

-- ---------------------------------------------------------------------------------------------
-- Health: overdue at 12 hours while the acknowledgement has not left
-- ---------------------------------------------------------------------------------------------
delete from private.security_reports where id <> tests.report_id('rita');
select tests.set_now('2026-06-01 23:59:59+00');
select is((select ok from private.job_health() where check_name = 'security_reports_acknowledged'),
  true, '[SEC-020] 11 h 59 min after arrival an unsent acknowledgement is not yet overdue');
select tests.set_now('2026-06-02 00:00:00+00');
select results_eq(
  $$select ok, detail -> 'overdue' -> 0 ->> 'reference', detail -> 'overdue' -> 0 ->> 'ack_mail_status'
    from private.job_health() where check_name = 'security_reports_acknowledged'$$,
  $$select false, tests.report_reference('rita'), 'queued'::text$$,
  '[SEC-021] at 12 h the report is overdue and named by its reference, with its mail''s state');
select throws_like($$select private.job_health_assert()$$, '%security_reports_acknowledged%',
  '[SEC-022] job_health_assert raises for it');
update private.mail_outbox set status = 'sent', sent_at = private.current_time()
where id = tests.report_ack_mail_id('rita');
select is((select ok from private.job_health() where check_name = 'security_reports_acknowledged'),
  true, '[SEC-023] once the acknowledgement is sent, it is no longer overdue');
update private.mail_outbox set status = 'queued', sent_at = null
where id = tests.report_ack_mail_id('rita');

-- ---------------------------------------------------------------------------------------------
-- Triage: service role only, every step audited without the text
-- ---------------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok($$select public.security_report_acknowledge(tests.report_reference('rita'))$$,
  '42501', null, '[SEC-030] anon cannot triage');
select tests.clear_authentication();
select tests.create_user('ursula');
select tests.authenticate_as('ursula');
select throws_ok($$select public.security_report_acknowledge(tests.report_reference('rita'))$$,
  '42501', null, '[SEC-031] a signed-in user cannot triage');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is(public.security_report_acknowledge(lower(tests.report_reference('rita'))),
  tests.report_reference('rita'), '[SEC-032] the service role acknowledges a report by its reference');
select tests.clear_authentication();
select is((select ok from private.job_health() where check_name = 'security_reports_acknowledged'),
  true, '[SEC-033] an acknowledgement by ops also clears the overdue report');
select tests.authenticate_as_service_role();
select lives_ok($$select public.security_report_set_status(tests.report_reference('rita'), 'investigating')$$,
  '[SEC-034] sets its status');
select lives_ok($$select public.security_report_add_note(tests.report_reference('rita'), 'Reproduced: secret-note')$$,
  '[SEC-035] adds a note');
select throws_ok($$select public.security_report_set_status(tests.report_reference('rita'), 'closed')$$,
  '22023', null, '[SEC-036] closing goes through security_report_close only');
select throws_ok($$select public.security_report_close(tests.report_reference('rita'), 'meh')$$,
  '22023', null, '[SEC-037] an unknown resolution is refused');
select lives_ok($$select public.security_report_close(tests.report_reference('rita'), 'fixed', 'Patched: secret-resolution')$$,
  '[SEC-038] closes it with a resolution');
select throws_ok($$select public.security_report_add_note(tests.report_reference('rita'), 'late')$$,
  '55000', 'this security report is closed', '[SEC-039] a closed report takes no more steps');
select throws_ok($$select public.security_report_acknowledge('SR-secret-guess')$$,
  'P0002', 'no security report has this reference',
  '[SEC-040] an unknown reference is refused without repeating it');
select tests.clear_authentication();

select results_eq(
  $$select status, resolution, closed_at is not null,
      (select count(*)::int from private.security_report_notes n where n.report_id = r.id)
    from private.security_reports r where id = tests.report_id('rita')$$,
  $$values ('closed'::text, 'fixed'::text, true, 2)$$,
  '[SEC-041] the report is closed as fixed, with both notes');
select results_eq(
  $$select action, actor_job, reason, details from audit.events
    where target_id = tests.report_id('rita')::text order by occurred_at, seq$$,
  $$values
    ('security_report.received'::text, 'security_report_intake'::text, 'web'::text,
      '{"details_length": 29, "severity_given": true}'::jsonb),
    ('security_report.acknowledged', 'security_triage', 'ops_triage', '{"ack_mail_sent": false}'),
    ('security_report.status_changed', 'security_triage', 'investigating', '{}'),
    ('security_report.note_added', 'security_triage', 'ops_triage', '{"note_length": 23}'),
    ('security_report.closed', 'security_triage', 'fixed', '{"days_open": 0, "note_length": 26}')$$,
  '[SEC-042] every triage step is audited, in order, with codes and lengths');
select is_empty(
  $$select e.seq from audit.events e
    where e.target_id = tests.report_id('rita')::text
      and (to_jsonb(e)::text ~ 'secret-|rita@|Summary of')$$,
  '[SEC-043] no audit event holds the report''s contact, summary, details or notes');

-- ---------------------------------------------------------------------------------------------
-- Retention: closed reports leave 365 days after closing, audited
-- ---------------------------------------------------------------------------------------------
select tests.remember_id('rita', tests.report_id('rita'));
select tests.remember_id('rita_ack', tests.report_ack_mail_id('rita'));
select tests.submit_security_report('open_olga');
select tests.set_now('2026-06-03 00:00:00+00');
select tests.submit_security_report('closed_later');
select private.security_report_close(tests.report_reference('closed_later'), 'duplicate');
select tests.set_now('2027-06-02 12:00:00+00');
select is(private.security_report_purge() ->> 'reports_purged', '1',
  '[SEC-050] 365 days after closing, the closed report is purged');
select is((select count(*)::int from private.security_reports where id = tests.remembered_id('rita')),
  0, '[SEC-051] ... it is gone');
select is((select count(*)::int from private.security_report_notes where report_id = tests.remembered_id('rita')),
  0, '[SEC-052] ... with its notes');
select results_eq(
  $$select tests.remembered_id('rita_ack') is not null,
    (select count(*)::int from private.mail_outbox where id = tests.remembered_id('rita_ack'))$$,
  $$values (true, 0)$$,
  '[SEC-057] ... and with its unsent acknowledgement, the reporter''s address');
select results_eq(
  $$select action, actor_job, reason from audit.events
    where target_id = tests.remembered_id('rita')::text and action = 'security_report.purged'$$,
  $$values ('security_report.purged'::text, 'security_report_purge'::text, 'retention_expired'::text)$$,
  '[SEC-053] the purge is audited');
select is((select count(*)::int from private.security_reports
           where reference in (tests.report_reference('open_olga'), tests.report_reference('closed_later'))),
  2, '[SEC-054] an open report, and one closed less than 365 days ago, stay');
select is((select count(*)::int from private.security_report_sources), 0,
  '[SEC-055] rate-limit counters older than a day are purged too');
select results_eq(
  $$select schedule, command from cron.job where jobname = 'cluso-security-report-purge'$$,
  $$values ('17 3 * * *'::text, 'select private.job_invoke(''security-report-purge'')'::text)$$,
  '[SEC-056] the purge runs daily, through the security-report-purge Edge Function');

select * from finish();
rollback;
