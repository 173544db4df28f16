-- The short-code checks on the deletion paths (survey slugs, Storage outbox causes, audit reasons
-- and job names, membership removal reasons) accept exactly what they accepted when they were
-- bounded regular expressions, and none of them runs a bounded repetition any more
-- (20261206000100_cheap_code_checks.sql says why).
begin;
select plan(18);

select tests.create_user('cleo');
select tests.create_org('cleo', 'Checks org');

create function pg_temp.slug_ok(p_slug text) returns boolean language plpgsql as $$
begin
  insert into public.surveys (org_id, title, slug) values (tests.org_id('Checks org'), 'S', p_slug);
  return true;
exception when check_violation then
  return false;
end;
$$;
select ok(pg_temp.slug_ok(repeat('a', 100)), '[CHK-001] a slug of 100 characters is accepted');
select ok(not pg_temp.slug_ok(repeat('a', 101)), '[CHK-002] a slug of 101 characters is refused');
select ok(pg_temp.slug_ok('0-survey-9'), '[CHK-003] digits and hyphens, a digit first, are accepted');
select ok(not pg_temp.slug_ok('-survey'), '[CHK-004] a slug starting with a hyphen is refused');
select ok(not pg_temp.slug_ok('Survey'), '[CHK-005] an upper-case letter is refused');
select ok(not pg_temp.slug_ok(''), '[CHK-006] an empty slug is refused');

create function pg_temp.cause_ok(p_cause text) returns boolean language plpgsql as $$
begin
  insert into private.storage_removals (bucket_id, object_name, org_id, cause)
  values ('recordings', gen_random_uuid()::text, tests.org_id('Checks org'), p_cause);
  return true;
exception when check_violation then
  return false;
end;
$$;
select ok(pg_temp.cause_ok('a' || repeat('_9', 31) || 'z'),
  '[CHK-007] an outbox cause of 64 characters is accepted');
select ok(not pg_temp.cause_ok(repeat('a', 65)), '[CHK-008] an outbox cause of 65 is refused');
select ok(not pg_temp.cause_ok('9lives'), '[CHK-009] an outbox cause starting with a digit is refused');
select ok(not pg_temp.cause_ok('retention-expired'), '[CHK-010] a hyphen in an outbox cause is refused');

create function pg_temp.event_ok(p_reason text, p_job text) returns boolean language plpgsql as $$
begin
  perform audit.record_event('survey.purged', tests.org_id('Checks org'), 'public.surveys',
    gen_random_uuid()::text, p_reason, '{}', p_actor_job => p_job);
  return true;
exception when check_violation then
  return false;
end;
$$;
select ok(pg_temp.event_ok('r' || repeat('0', 63), 'j' || repeat('-', 63)),
  '[CHK-011] an audit reason and a job name of 64 characters are accepted');
select ok(not pg_temp.event_ok(repeat('r', 65), 'job'), '[CHK-012] an audit reason of 65 is refused');
select ok(not pg_temp.event_ok('reason', repeat('j', 65)), '[CHK-013] a job name of 65 is refused');
select ok(not pg_temp.event_ok('_reason', 'job'), '[CHK-014] an audit reason starting with _ is refused');
select ok(not pg_temp.event_ok('reason', 'Job'), '[CHK-015] an upper-case job name is refused');
select ok(not pg_temp.event_ok('reason', ''), '[CHK-016] an empty job name is refused');

select is_empty(
  $$select conrelid::regclass::text, conname from pg_constraint
    where conrelid in ('public.surveys'::regclass, 'private.storage_removals'::regclass,
                       'audit.events'::regclass, 'audit.membership_events'::regclass)
      and contype = 'c' and pg_get_constraintdef(oid) ~ '\{[0-9]+,[0-9]+\}'$$,
  '[CHK-017] no check on the deletion paths runs a bounded repetition');
select is_empty(
  $$select conrelid::regclass::text, conname from pg_constraint
    where conname in ('surveys_slug_check', 'storage_removals_cause_check', 'events_actor_job_check',
                      'events_reason_check', 'membership_events_reason_check')
      and not convalidated$$,
  '[CHK-018] and each was validated after it was added without a scan');

select * from finish();
rollback;
