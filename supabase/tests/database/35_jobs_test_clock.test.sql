-- The clock every retention rule reads cannot be moved on a production database: cluso.now is
-- honoured only on a cluster started as a test cluster, which no role, database or session
-- setting can turn on.
begin;
select plan(8);
select tests.create_user('ada');
select tests.create_org('ada', 'Acme');
select tests.create_survey('Acme', 'recent', 1, 1);
update public.surveys set deleted_at = now() - interval '5 days'
where id = tests.survey_id('Acme', 'recent');

select is(private.test_clock_enabled(), true, 'CLK-001 this stack runs a test cluster (control)');
select throws_ok($$set cluster_name = 'cluso-test-clock'$$, '55P02', null,
  'CLK-002 a session cannot declare itself a test cluster');
select throws_ok($$alter role postgres set cluster_name = 'cluso-test-clock'$$, '55P02', null,
  'CLK-003 nor can a role setting');
select throws_ok($$alter database postgres set cluster_name = 'cluso-test-clock'$$, '55P02', null,
  'CLK-004 nor a database setting');

-- On a production cluster (simulated by answering as one does, within this transaction).
create or replace function private.test_clock_enabled() returns boolean language sql stable
  set search_path = '' as $$ select current_setting('cluster_name') = 'cluso-test-clock-no' $$;
set local cluso.now = '2100-01-01 00:00:00+00';
select ok(private.current_time() < '2100-01-01'::timestamptz,
  'CLK-005 set local cluso.now is ignored on a production cluster');
select lives_ok($$select private.retention_purge_batch(100)$$,
  'CLK-006 the purge runs under that override');
select is((select count(*)::int from public.surveys where id = tests.survey_id('Acme', 'recent')), 1,
  'CLK-007 and keeps the survey trashed 5 days ago');
set local cluso.now = '';
select ok(abs(extract(epoch from private.current_time() - now())) < 1,
  'CLK-008 the clock is the server''s');

select * from finish();
rollback;
