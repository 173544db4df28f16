-- Respondents' rights through their organisation (docs/DATA_SUBJECT_RIGHTS.md, "Respondents"):
-- only the organisation's admins find, export and erase one respondent by reference; anybody
-- else, and an unknown reference, get the same not-found; the ledger keeps a hash, not the
-- reference; the erasure removes exactly that respondent's rows and queues exactly their
-- objects, audited, and leaves every other respondent as it was (counts before and after).
begin;
select plan(20);

delete from private.dsr_requests;
delete from private.storage_removals;
select tests.create_user('ada');
select tests.create_user('max');
select tests.create_user('zed');
select tests.create_org('ada', 'Panel org');
select tests.add_member('Panel org', 'max', 'member');
select tests.create_org('zed', 'Other org');
select tests.create_survey(tests.org_id('Panel org'), 'p1', 0, 0);
select tests.create_survey(tests.org_id('Panel org'), 'p2', 0, 0);
select tests.create_survey(tests.org_id('Other org'), 'o1', 0, 0);

-- Three respondents in Panel org (R-1 answered both surveys), and an R-1 in Other org too.
insert into public.questions (org_id, survey_id, position, prompt)
select s.org_id, s.id, 1, 'How was it?' from public.surveys s
where s.org_id in (tests.org_id('Panel org'), tests.org_id('Other org'));
insert into public.responses (org_id, survey_id, respondent_ref)
select s.org_id, s.id, v.ref
from public.surveys s
cross join (values ('R-1'), ('R-2'), ('R-3')) v(ref)
where s.org_id in (tests.org_id('Panel org'), tests.org_id('Other org'))
  and (v.ref = 'R-1' or s.id = tests.survey_id('Panel org', 'p1'));
insert into public.recordings (org_id, survey_id, response_id, question_id, object_path,
  duration_ms, size_bytes, mime_type)
select r.org_id, r.survey_id, r.id, q.id,
  r.org_id || '/' || r.survey_id || '/' || r.id || '/' || gen_random_uuid() || '.webm',
  1000, 16, 'audio/webm'
from public.responses r join public.questions q on q.org_id = r.org_id and q.survey_id = r.survey_id
where r.org_id in (tests.org_id('Panel org'), tests.org_id('Other org'));
insert into public.transcripts (org_id, survey_id, recording_id, body)
select org_id, survey_id, id, 'I liked it' from public.recordings
where org_id in (tests.org_id('Panel org'), tests.org_id('Other org'));
select tests.create_object('recordings', object_path) from public.recordings
where org_id in (tests.org_id('Panel org'), tests.org_id('Other org'));

create temporary table before on commit drop as
  select r.org_id, r.respondent_ref, count(distinct r.id) as responses,
    count(distinct c.id) as recordings, count(distinct t.id) as transcripts
  from public.responses r
  left join public.recordings c on c.org_id = r.org_id and c.response_id = r.id
  left join public.transcripts t on t.org_id = c.org_id and t.recording_id = c.id
  group by 1, 2;

-- ---------------------------------------------------------------------------------------------
-- Who may look
-- ---------------------------------------------------------------------------------------------
select tests.authenticate_as('ada');
select is((select count(*)::int from public.respondent_lookup(tests.org_id('Panel org'), 'R-1')), 2,
  '[RSP-001] an owner finds the respondent''s two responses by reference');
select is((select sum(recordings + transcripts)::int
  from public.respondent_lookup(tests.org_id('Panel org'), 'R-1')), 4,
  '[RSP-002] with their recordings and transcripts counted');
select throws_ok(
  format('select * from public.respondent_lookup(%L, %L)', tests.org_id('Panel org'), 'R-404'),
  'P0002', 'no respondent has this reference in this organisation',
  '[RSP-003] an unknown reference is not found');
select throws_ok(
  format('select * from public.respondent_lookup(%L, %L)', tests.org_id('Other org'), 'R-1'),
  'P0002', 'no respondent has this reference in this organisation',
  '[RSP-004] in an organisation they do not administer: the same answer');
select tests.clear_authentication();
select tests.authenticate_as('max');
select throws_ok(
  format('select * from public.respondent_lookup(%L, %L)', tests.org_id('Panel org'), 'R-1'),
  'P0002', 'no respondent has this reference in this organisation',
  '[RSP-005] a plain member cannot look respondents up');
select throws_ok(
  format('select public.respondent_erase(%L, %L)', tests.org_id('Panel org'), 'R-1'),
  'P0002', null, '[RSP-006] nor erase one');
select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok(
  format('select public.respondent_export(%L, %L)', tests.org_id('Panel org'), 'R-1'),
  '42501', null, '[RSP-007] anon cannot call the functions');
select tests.clear_authentication();
select is((select count(*)::int from private.dsr_requests), 0, '[RSP-008] refusals wrote nothing');

-- ---------------------------------------------------------------------------------------------
-- Export
-- ---------------------------------------------------------------------------------------------
select tests.authenticate_as('ada');
create temporary table exported on commit drop as
  select public.respondent_export(tests.org_id('Panel org'), 'R-1') as m;
select tests.clear_authentication();
select is((select m -> 'counts' from exported),
  '{"responses": 2, "recordings": 2, "transcripts": 2}'::jsonb,
  '[RSP-009] the manifest holds the respondent''s responses, recordings and transcripts');
select is(
  (select count(*)::int from exported, jsonb_array_elements(m -> 'responses') x,
     jsonb_array_elements(x -> 'answers') a
   where a ->> 'audio_file' ~ '^audio/[0-9a-f-]{36}\.webm$' and a -> 'transcript' ->> 'body' = 'I liked it'
     and a ->> 'question' = 'How was it?'),
  2, '[RSP-010] each answer with its question, transcript and audio file name');
select results_eq(
  $$select request_type, subject_kind, state, subject_org_id, subject_respondent_hash
    from private.dsr_requests$$,
  $$values ('access'::text, 'respondent'::text, 'completed'::text, tests.org_id('Panel org'),
    private.respondent_hash(tests.org_id('Panel org'), 'R-1'))$$,
  '[RSP-011] the ledger records a completed access request of the respondent');
-- The receipt's signature is left out: 86 random base64url characters hold "R-1" about once in
-- 3,000 runs. So is the request's own reference wherever it appears (the row and its receipt):
-- `DSR-` and 12 random hex digits hold "R-1" once in 16 runs.
select ok(position('R-1' in (select replace((to_jsonb(r) - 'receipt_signature')::text, r.ref, '')
                             from private.dsr_requests r)) = 0,
  '[RSP-012] by hash: the reference itself is not in the ledger');

-- ---------------------------------------------------------------------------------------------
-- Erasure
-- ---------------------------------------------------------------------------------------------
create temporary table r1_objects on commit drop as
  select c.object_path from public.recordings c join public.responses r
    on r.org_id = c.org_id and r.id = c.response_id
  where r.org_id = tests.org_id('Panel org') and r.respondent_ref = 'R-1';
create temporary table r1_responses on commit drop as
  select r.id from public.responses r
  where r.org_id = tests.org_id('Panel org') and r.respondent_ref = 'R-1';
select tests.authenticate_as('ada');
select is(public.respondent_erase(tests.org_id('Panel org'), 'R-1') -> 'counts',
  '{"responses": 2, "recordings": 2, "transcripts": 2, "storage_objects_queued": 2}'::jsonb,
  '[RSP-013] the erasure answers what it removed');
select throws_ok(
  format('select public.respondent_erase(%L, %L)', tests.org_id('Panel org'), 'R-1'),
  'P0002', 'no respondent has this reference in this organisation',
  '[RSP-014] asked again: nothing is left to erase');
select tests.clear_authentication();
select is_empty(
  $$select 1 from public.responses where org_id = tests.org_id('Panel org') and respondent_ref = 'R-1'$$,
  '[RSP-015] the respondent''s responses are gone');
select set_eq(
  $$select org_id, respondent_ref, responses, recordings, transcripts from before
    where not (org_id = tests.org_id('Panel org') and respondent_ref = 'R-1')$$,
  $$select r.org_id, r.respondent_ref, count(distinct r.id) as responses,
      count(distinct c.id) as recordings, count(distinct t.id) as transcripts
    from public.responses r
    left join public.recordings c on c.org_id = r.org_id and c.response_id = r.id
    left join public.transcripts t on t.org_id = c.org_id and t.recording_id = c.id
    group by 1, 2$$,
  '[RSP-016] every other respondent (R-1 of the other organisation included) keeps every row');
select set_eq($$select object_name from private.storage_removals$$,
  $$select object_path from r1_objects$$,
  '[RSP-017] exactly the respondent''s objects are queued for removal from Storage');
select set_eq(
  $$select target_id from audit.events where action = 'respondent.erased'
      and org_id = tests.org_id('Panel org')$$,
  $$select id::text from r1_responses$$,
  '[RSP-018] each erased response is audited, by id');
select results_eq(
  $$select request_type, state, outcome ->> 'responses' from private.dsr_requests
    where request_type = 'erasure'$$,
  $$values ('erasure'::text, 'completed'::text, '2'::text)$$,
  '[RSP-019] the erasure is completed in the ledger with its counts');
select is(
  (select count(*)::int from audit.events e join private.dsr_requests r
     on (e.chain_id, e.seq) = (r.audit_chain_id, r.audit_seq)
   where r.request_type = 'erasure' and e.action = 'data_subject_request.completed'
     and e.org_id = tests.org_id('Panel org')),
  1, '[RSP-020] on the organisation''s own audit chain');

select * from finish();
rollback;
