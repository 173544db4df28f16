-- No answer reveals whether a row or a user exists outside the caller's organisations: row ids
-- are the server's, and inviting an unknown user id answers like inviting an existing one.
begin;
select plan(12);
select tests.create_user('ada');
select tests.create_user('eve');
select tests.create_user('target');
select tests.create_org('ada', 'Acme');
select tests.create_org('eve', 'Evil');
select tests.create_survey('Acme', 'secret', 1, 1);
select tests.remember_id('acme_survey', tests.survey_id('Acme', 'secret'));

-- eve knows an id of Acme's and tries to reuse it in her own organisation.
select is(tests.attempt('eve', format(
  'insert into public.surveys (id, org_id, title, slug) values (%L, %L, %L, %L)',
  tests.remembered_id('acme_survey'), tests.org_id('Evil'), 't', 't')),
  '42501: permission denied for table surveys',
  'ORC-001 a client cannot choose a survey id, so no duplicate key can reveal one');
select is(tests.attempt('eve', format(
  'insert into public.questions (id, org_id, survey_id, position, prompt) values (%L, %L, %L, 0, %L)',
  gen_random_uuid(), tests.org_id('Evil'), tests.remembered_id('acme_survey'), 'q')),
  '42501: permission denied for table questions', 'ORC-002 nor a question id');
select is(tests.attempt('eve', format(
  'insert into public.surveys (org_id, title, slug, created_by) values (%L, %L, %L, %L)',
  tests.org_id('Evil'), 't', 't', tests.user_id('ada'))),
  '42501: permission denied for table surveys', 'ORC-003 nor authorship');
select is(tests.attempt('eve', format(
  'insert into public.surveys (org_id, title, slug) values (%L, %L, %L)', tests.org_id('Evil'), 'Mine', 'mine')),
  '1 rows', 'ORC-004 inserting the columns that are the client''s works (control)');
select is((select created_by from public.surveys where slug = 'mine'), tests.user_id('eve'),
  'ORC-005 and records the caller as author');

-- Inviting an existing user and an unknown id answer alike.
select is(tests.attempt('eve', format(
  'insert into public.invitations (org_id, user_id, role) values (%L, %L, %L)',
  tests.org_id('Evil'), tests.user_id('target'), 'member')),
  '1 rows', 'ORC-006 inviting an existing user');
select is(tests.attempt('eve', format(
  'insert into public.invitations (org_id, user_id, role) values (%L, %L, %L)',
  tests.org_id('Evil'), gen_random_uuid(), 'member')),
  '1 rows', 'ORC-007 inviting an unknown id answers the same');
select is(tests.attempt('target', format('select public.accept_invitation(%L)', tests.org_id('Evil'))),
  '1 rows', 'ORC-008 the existing user can accept (control)');
select is(tests.attempt('eve', format(
  'insert into public.invitations (org_id, user_id, role) values (%L, %L, %L)',
  tests.org_id('Evil'), tests.user_id('target'), 'member')),
  'PT409: this user is already a member of the organisation',
  'ORC-009 inviting a member of one''s own organisation says so (the owner sees its members)');

-- Withdrawing both answers alike in the organisation's own audit trail too.
select tests.remember_id('unknown', gen_random_uuid());
select is(tests.attempt('eve', format(
  'insert into public.invitations (org_id, user_id, role) values (%L, %L, %L), (%L, %L, %L)',
  tests.org_id('Evil'), tests.user_id('ada'), 'member',
  tests.org_id('Evil'), tests.remembered_id('unknown'), 'member')),
  '2 rows', 'ORC-010 eve invites an existing user and an unknown id');
select is(tests.attempt('eve', format(
  'delete from public.invitations where org_id = %L and user_id in (%L, %L)',
  tests.org_id('Evil'), tests.user_id('ada'), tests.remembered_id('unknown'))),
  '2 rows', 'ORC-012 eve withdraws both invitations (so ORC-011 has two withdrawals to compare)');
select bag_eq(
  format($$select target_id, reason from audit.events where action = 'invitation.removed'
           and org_id = %L and target_id in (%L, %L)$$,
    tests.org_id('Evil'), tests.user_id('ada'), tests.remembered_id('unknown')),
  format($$values (%L, 'invitation_withdrawn'), (%L, 'invitation_withdrawn')$$,
    tests.user_id('ada'), tests.remembered_id('unknown')),
  'ORC-011 and withdrawing them is audited alike: the trail does not tell which account exists');

select * from finish();
rollback;
