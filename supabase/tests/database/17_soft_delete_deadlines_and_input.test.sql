-- Soft delete: the trash's purge date is the instant the purge enforces, whatever the session's
-- time zone, and a refused deletion reason is never repeated back.
begin;
select plan(7);
select tests.create_user('ada');
select tests.create_org('ada', 'Acme');
select tests.create_survey('Acme', 'spring', 1, 1);

-- A Berlin client deletes the week before summer time starts (2026-03-29).
set local timezone = 'Europe/Berlin';
select tests.set_now('2026-03-24 12:00:00+01');
select tests.authenticate_as('ada');
select d.purge_after from public.delete_survey(tests.survey_id('Acme', 'spring')) d \gset
select t.purge_after as trash_purge_after from public.survey_trash(tests.org_id('Acme')) t \gset
select tests.clear_authentication();
select is(extract(epoch from :'purge_after'::timestamptz - '2026-03-24 12:00:00+01'::timestamptz),
  2592000::numeric, 'SD-TZ-001 purge_after is 720 hours after the deletion, in Europe/Berlin');
select is(:'trash_purge_after'::timestamptz, :'purge_after'::timestamptz,
  'SD-TZ-002 the trash shows the same instant');

-- The purge, in a UTC session, agrees to the second.
set local timezone = 'UTC';
select tests.set_now(:'purge_after'::timestamptz - interval '1 second');
select private.retention_purge_batch(1000);
select is((select count(*)::int from public.surveys where slug = 'spring'), 1,
  'SD-TZ-003 one second before purge_after the survey is kept');
select tests.set_now(:'purge_after');
select private.retention_purge_batch(1000);
select is((select count(*)::int from public.surveys where slug = 'spring'), 0,
  'SD-TZ-004 at purge_after the purge removes it');

-- A reason that is not one of the codes is refused without being repeated.
select tests.create_survey('Acme', 'summer', 1, 1);
select tests.authenticate_as('ada');
select throws_ok(format('select public.delete_survey(%L, %L)', tests.survey_id('Acme', 'summer'),
  'please erase bo@corp.io'), '22023', 'unknown deletion reason',
  'SD-IN-001 a free-text reason is refused without echoing it');
select throws_ok(format('select public.delete_survey(%L, %L)', tests.survey_id('Acme', 'summer'),
  repeat('x', 1048576)), '22023', 'unknown deletion reason',
  'SD-IN-002 so is a megabyte of text');
select tests.clear_authentication();
select is((select deleted_at from public.surveys where id = tests.survey_id('Acme', 'summer')), null,
  'SD-IN-003 and the survey stays live');

select * from finish();
rollback;
