-- One statement that removes rows of several organisations is audited (and owner-checked) as
-- one statement; overwriting content through the granted UPDATEs is audited as a deletion of
-- the old value, with lengths only.
begin;
select plan(13);
select tests.create_user('ada');
select tests.create_user('bob');
select tests.create_user('cy');
select tests.create_org('ada', 'Acme');
select tests.create_org('ada', 'Beta');
select tests.add_member('Acme', 'bob', 'member');
select tests.add_member('Beta', 'bob', 'admin');
select tests.add_member('Acme', 'cy', 'owner');
select tests.create_survey('Acme', 'one', 1, 1);

-- bob leaves both organisations in one statement.
select is(tests.attempt('bob', 'delete from public.memberships where user_id = auth.uid()'),
  '2 rows', 'AUD-ST-001 one statement leaves two organisations');
select is((select array_agg(e.org_id order by e.org_id) from audit.events e
           where e.action = 'membership.removed' and e.target_id = tests.user_id('bob')::text
             and e.reason = 'member_left'),
  (select array_agg(o.id order by o.id) from public.organizations o where o.name in ('Acme', 'Beta')),
  'AUD-ST-002 each organisation''s chain records its own removal');
select is((select count(distinct e.request_id)::int from audit.events e
           where e.action = 'membership.removed' and e.target_id = tests.user_id('bob')::text), 1,
  'AUD-ST-003 both events come from one append');

-- The last-owner rule holds per statement.
select is(tests.attempt('ada', format(
  'update public.memberships set role = %L where org_id = %L and user_id = auth.uid()',
  'admin', tests.org_id('Beta'))),
  'PT409: the last owner of an organisation cannot leave or be demoted',
  'AUD-ST-004 the only owner of Beta cannot demote themself');
select is(tests.attempt('ada', format(
  'update public.memberships set role = %L where org_id = %L and user_id = auth.uid()',
  'admin', tests.org_id('Acme'))),
  '1 rows', 'AUD-ST-005 an owner of Acme, which keeps another owner, can');
select is(tests.attempt('cy', format(
  'delete from public.memberships where org_id = %L and user_id = auth.uid()', tests.org_id('Acme'))),
  'PT409: the last owner of an organisation cannot leave or be demoted',
  'AUD-ST-006 and then the remaining owner cannot leave');

-- Content overwritten by an admin.
select is(tests.attempt('cy', format('update public.transcripts set body = %L where survey_id = %L',
  '', tests.survey_id('Acme', 'one'))), '1 rows', 'AUD-OW-001 an owner empties a transcript');
select is((select e.details from audit.events e where e.action = 'content.overwritten'
           and e.target_table = 'public.transcripts'),
  (select jsonb_build_object('column_body', true, 'chars_before',
     char_length('transcript of ' || r.id), 'chars_after', 0)
   from public.recordings r where r.survey_id = tests.survey_id('Acme', 'one')),
  'AUD-OW-002 the overwrite is audited with the old and new lengths only');
select is((select e.actor_id from audit.events e where e.action = 'content.overwritten'
           and e.target_table = 'public.transcripts'), tests.user_id('cy'),
  'AUD-OW-003 by its author');
select is(tests.attempt('cy', format('update public.questions set prompt = %L where survey_id = %L',
  'x', tests.survey_id('Acme', 'one'))), '1 rows', 'AUD-OW-004 an owner rewrites a prompt');
select is((select count(*)::int from audit.events e where e.action = 'content.overwritten'
           and e.target_table = 'public.questions'), 1, 'AUD-OW-005 which is audited too');
select is(tests.attempt('cy', format(
  'update public.responses set completed_at = now() where survey_id = %L',
  tests.survey_id('Acme', 'one'))), '1 rows', 'AUD-OW-006 an update that overwrites no content');
select is((select count(*)::int from audit.events e where e.action = 'content.overwritten'
           and e.target_table = 'public.responses'), 0, 'AUD-OW-007 is not audited');

select * from finish();
rollback;
