-- 02 Isolation matrix, survey group: surveys, questions, responses, and the survey RPCs
-- (delete_survey, restore_survey, survey_trash, audit_events). Every cell runs one statement as
-- one identity (anon; owner, admin, member, removed member of org A; owner of org B) and
-- asserts its exact outcome: 'SQLSTATE: message' for a refusal, 'N rows' read or affected.
begin;
select plan(126);
-- Fixtures: tests.isolation_fixture() (helpers.sql) creates them in this transaction: org A
-- (owner, admin, member, a removed member), org B (owner, member), org C (A's owner's second
-- org). tests.fx(key) gives their ids; tests.attempt(who, sql) runs one cell as one identity.
select tests.isolation_fixture();

-- surveys: members read live surveys; admins and owners write; deletion only through the RPC.
select is(tests.attempt('anon', $$select 1 from public.surveys where org_id = {org_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-001] surveys select (org A) as anon: refused');
select is(tests.attempt('member_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '2 rows',
  '[ISO-2-002] surveys select (org A) as member_a: 2 rows');
select is(tests.attempt('admin_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '2 rows',
  '[ISO-2-003] surveys select (org A) as admin_a: 2 rows');
select is(tests.attempt('owner_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '2 rows',
  '[ISO-2-004] surveys select (org A) as owner_a: 2 rows');
select is(tests.attempt('removed_a', $$select 1 from public.surveys where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-005] surveys select (org A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$select 1 from public.surveys where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-006] surveys select (org A) as owner_b: 0 rows');
select is(tests.attempt('owner_a', $$select 1 from public.surveys where id = {s_a_del}$$),
  '0 rows',
  '[ISO-2-007] surveys select: a soft-deleted survey is invisible even to the owner');
select is(tests.attempt('anon', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'pwned', 'pwned')$$),
  '42501: permission denied for table surveys',
  '[ISO-2-008] surveys insert (into A) as anon: refused');
select is(tests.attempt('member_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'pwned', 'pwned')$$),
  '42501: new row violates row-level security policy for table "surveys"',
  '[ISO-2-009] surveys insert (into A) as member_a: refused');
select is(tests.attempt('removed_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'pwned', 'pwned')$$),
  '42501: new row violates row-level security policy for table "surveys"',
  '[ISO-2-010] surveys insert (into A) as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'pwned', 'pwned')$$),
  '42501: new row violates row-level security policy for table "surveys"',
  '[ISO-2-011] surveys insert (into A) as owner_b: refused');
select is(tests.attempt('admin_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'By admin', 'by-admin')$$),
  '1 rows',
  '[ISO-2-012] surveys insert as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'By owner', 'by-owner')$$),
  '1 rows',
  '[ISO-2-013] surveys insert as owner_a: allowed (control)');
select is(tests.attempt('admin_a', $$insert into public.surveys (org_id, title, slug, deleted_at) values ({org_a}, 'pwned', 'pwned-deleted', now())$$),
  '42501: new row violates row-level security policy for table "surveys"',
  '[ISO-2-014] surveys insert: not even an admin may create an already-deleted survey');
select is(tests.attempt('anon', $$update public.surveys set title = 'pwned' where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-015] surveys update (survey A) as anon: refused');
select is(tests.attempt('member_a', $$update public.surveys set title = 'pwned' where id = {s_a}$$),
  '0 rows',
  '[ISO-2-016] surveys update (survey A) as member_a: 0 rows');
select is(tests.attempt('removed_a', $$update public.surveys set title = 'pwned' where id = {s_a}$$),
  '0 rows',
  '[ISO-2-017] surveys update (survey A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$update public.surveys set title = 'pwned' where id = {s_a}$$),
  '0 rows',
  '[ISO-2-018] surveys update (survey A) as owner_b: 0 rows');
select is(tests.attempt('admin_a', $$update public.surveys set title = 'Edited by admin' where id = {s_a}$$),
  '1 rows',
  '[ISO-2-019] surveys update as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$update public.surveys set title = 'Edited by owner' where id = {s_a}$$),
  '1 rows',
  '[ISO-2-020] surveys update as owner_a: allowed (control)');
-- Guard changed for the next three cells: deleted_at and org_id are outside the column-level
-- UPDATE grant (title, slug), so the grant refuses them before RLS or the org_id trigger.
select is(tests.attempt('admin_a', $$update public.surveys set deleted_at = now() where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-021] surveys update: soft delete through the table is refused (RPC only)');
select is(tests.attempt('owner_a', $$update public.surveys set title = 'pwned' where id = {s_a_del}$$),
  '0 rows',
  '[ISO-2-022] surveys update: a soft-deleted survey cannot be edited');
select is(tests.attempt('owner_a', $$update public.surveys set org_id = {org_c} where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-023] surveys update: an owner of A and C cannot move a survey to C (org_id immutable)');
select is(tests.attempt('owner_b', $$update public.surveys set org_id = {org_b} where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-024] surveys update: owner_b cannot pull A''s survey into B');
select is(tests.attempt('owner_a', $$update public.surveys set deleted_at = null, deleted_by = null where id = {s_a_del}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-123] surveys update: the owner cannot undelete through the table, bypassing restore_survey (column grant)');
select is(tests.attempt('owner_a', $$update public.surveys set deleted_at = deleted_at where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-124] surveys update: deleted_at is refused by the column grant even when unchanged');
select is(tests.attempt('admin_a', $$update public.surveys set org_id = {org_a} where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-125] surveys update: org_id is refused by the column grant even when unchanged');
select is(tests.attempt('anon', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-025] surveys delete (survey A) as anon: refused');
select is(tests.attempt('member_a', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-026] surveys delete (survey A) as member_a: refused');
select is(tests.attempt('admin_a', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-027] surveys delete (survey A) as admin_a: refused');
select is(tests.attempt('owner_a', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-028] surveys delete (survey A) as owner_a: refused');
select is(tests.attempt('removed_a', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-029] surveys delete (survey A) as removed_a: refused');
select is(tests.attempt('owner_b', $$delete from public.surveys where id = {s_a}$$),
  '42501: permission denied for table surveys',
  '[ISO-2-030] surveys delete (survey A) as owner_b: refused');

-- questions: same organisation and a live parent survey; admins and owners write; no delete.
select is(tests.attempt('anon', $$select 1 from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-031] questions select (org A) as anon: refused');
select is(tests.attempt('member_a', $$select 1 from public.questions where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-032] questions select (org A) as member_a: 1 rows');
select is(tests.attempt('admin_a', $$select 1 from public.questions where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-033] questions select (org A) as admin_a: 1 rows');
select is(tests.attempt('owner_a', $$select 1 from public.questions where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-034] questions select (org A) as owner_a: 1 rows');
select is(tests.attempt('removed_a', $$select 1 from public.questions where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-035] questions select (org A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$select 1 from public.questions where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-036] questions select (org A) as owner_b: 0 rows');
select is(tests.attempt('anon', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'pwned')$$),
  '42501: permission denied for table questions',
  '[ISO-2-037] questions insert (into A) as anon: refused');
select is(tests.attempt('member_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-038] questions insert (into A) as member_a: refused');
select is(tests.attempt('removed_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-039] questions insert (into A) as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-040] questions insert (into A) as owner_b: refused');
select is(tests.attempt('admin_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'by admin')$$),
  '1 rows',
  '[ISO-2-041] questions insert as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'by owner')$$),
  '1 rows',
  '[ISO-2-042] questions insert as owner_a: allowed (control)');
select is(tests.attempt('owner_b', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_b}, {s_a}, 9, 'pwned')$$),
  -- Refused by the composite foreign key: (org B, A's survey) is not a survey of org B.
  '23503: insert or update on table "questions" violates foreign key constraint "questions_org_id_survey_id_fkey"',
  '[ISO-2-043] questions insert: owner_b cannot hang a B row under A''s survey');
select is(tests.attempt('owner_b', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_b}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-044] questions insert: owner_b cannot forge org_id A on a row of B''s survey');
select is(tests.attempt('owner_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_c}, 9, 'pwned')$$),
  '23503: insert or update on table "questions" violates foreign key constraint "questions_org_id_survey_id_fkey"',
  '[ISO-2-045] questions insert: an owner of A and C cannot point an A row at C''s survey (composite FK)');
select is(tests.attempt('owner_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a_del}, 9, 'pwned')$$),
  '42501: new row violates row-level security policy for table "questions"',
  '[ISO-2-046] questions insert: not under a soft-deleted survey');
select is(tests.attempt('anon', $$update public.questions set prompt = 'pwned' where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-047] questions update (org A) as anon: refused');
select is(tests.attempt('member_a', $$update public.questions set prompt = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-048] questions update (org A) as member_a: 0 rows');
select is(tests.attempt('removed_a', $$update public.questions set prompt = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-049] questions update (org A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$update public.questions set prompt = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-050] questions update (org A) as owner_b: 0 rows');
select is(tests.attempt('admin_a', $$update public.questions set prompt = 'edited' where id = {q_a}$$),
  '1 rows',
  '[ISO-2-051] questions update as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$update public.questions set prompt = 'edited' where id = {q_a}$$),
  '1 rows',
  '[ISO-2-052] questions update as owner_a: allowed (control)');
-- Guard changed for the next three cells: org_id and survey_id are outside the column-level
-- UPDATE grant (position, prompt); the grant refuses them before the org_id trigger and the
-- composite foreign keys that used to be the guard.
select is(tests.attempt('owner_a', $$update public.questions set org_id = {org_c} where id = {q_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-053] questions update: cannot move a row to another organisation (org_id immutable)');
select is(tests.attempt('owner_a', $$update public.questions set survey_id = {s_c} where prompt = 'by admin'$$),
  '42501: permission denied for table questions',
  '[ISO-2-054] questions update: cannot re-point a row at another organisation''s survey (composite FK)');
select is(tests.attempt('owner_a', $$update public.questions set survey_id = {s_c} where id = {q_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-055] questions update: re-pointing a row with recordings is refused by the recordings'' composite FK too');
select is(tests.attempt('anon', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-056] questions delete (org A) as anon: refused');
select is(tests.attempt('member_a', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-057] questions delete (org A) as member_a: refused');
select is(tests.attempt('admin_a', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-058] questions delete (org A) as admin_a: refused');
select is(tests.attempt('owner_a', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-059] questions delete (org A) as owner_a: refused');
select is(tests.attempt('removed_a', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-060] questions delete (org A) as removed_a: refused');
select is(tests.attempt('owner_b', $$delete from public.questions where org_id = {org_a}$$),
  '42501: permission denied for table questions',
  '[ISO-2-061] questions delete (org A) as owner_b: refused');

-- responses: same organisation and a live parent survey; admins and owners write; no delete.
select is(tests.attempt('anon', $$select 1 from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-062] responses select (org A) as anon: refused');
select is(tests.attempt('member_a', $$select 1 from public.responses where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-063] responses select (org A) as member_a: 1 rows');
select is(tests.attempt('admin_a', $$select 1 from public.responses where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-064] responses select (org A) as admin_a: 1 rows');
select is(tests.attempt('owner_a', $$select 1 from public.responses where org_id = {org_a}$$),
  '1 rows',
  '[ISO-2-065] responses select (org A) as owner_a: 1 rows');
select is(tests.attempt('removed_a', $$select 1 from public.responses where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-066] responses select (org A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$select 1 from public.responses where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-067] responses select (org A) as owner_b: 0 rows');
select is(tests.attempt('anon', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'pwned')$$),
  '42501: permission denied for table responses',
  '[ISO-2-068] responses insert (into A) as anon: refused');
select is(tests.attempt('member_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-069] responses insert (into A) as member_a: refused');
select is(tests.attempt('removed_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-070] responses insert (into A) as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-071] responses insert (into A) as owner_b: refused');
select is(tests.attempt('admin_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'by admin')$$),
  '1 rows',
  '[ISO-2-072] responses insert as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'by owner')$$),
  '1 rows',
  '[ISO-2-073] responses insert as owner_a: allowed (control)');
select is(tests.attempt('owner_b', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_b}, {s_a}, 'pwned')$$),
  -- Refused by the composite foreign key: (org B, A's survey) is not a survey of org B.
  '23503: insert or update on table "responses" violates foreign key constraint "responses_org_id_survey_id_fkey"',
  '[ISO-2-074] responses insert: owner_b cannot hang a B row under A''s survey');
select is(tests.attempt('owner_b', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_b}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-075] responses insert: owner_b cannot forge org_id A on a row of B''s survey');
select is(tests.attempt('owner_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_c}, 'pwned')$$),
  '23503: insert or update on table "responses" violates foreign key constraint "responses_org_id_survey_id_fkey"',
  '[ISO-2-076] responses insert: an owner of A and C cannot point an A row at C''s survey (composite FK)');
select is(tests.attempt('owner_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a_del}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "responses"',
  '[ISO-2-077] responses insert: not under a soft-deleted survey');
select is(tests.attempt('anon', $$update public.responses set respondent_ref = 'pwned' where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-078] responses update (org A) as anon: refused');
select is(tests.attempt('member_a', $$update public.responses set respondent_ref = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-079] responses update (org A) as member_a: 0 rows');
select is(tests.attempt('removed_a', $$update public.responses set respondent_ref = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-080] responses update (org A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$update public.responses set respondent_ref = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-081] responses update (org A) as owner_b: 0 rows');
select is(tests.attempt('admin_a', $$update public.responses set respondent_ref = 'edited' where id = {r_a}$$),
  '1 rows',
  '[ISO-2-082] responses update as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$update public.responses set respondent_ref = 'edited' where id = {r_a}$$),
  '1 rows',
  '[ISO-2-083] responses update as owner_a: allowed (control)');
-- Guard changed for the next three cells: org_id and survey_id are outside the column-level
-- UPDATE grant (respondent_ref, completed_at); the grant refuses them before the org_id trigger
-- and the composite foreign keys that used to be the guard.
select is(tests.attempt('owner_a', $$update public.responses set org_id = {org_c} where id = {r_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-084] responses update: cannot move a row to another organisation (org_id immutable)');
select is(tests.attempt('owner_a', $$update public.responses set survey_id = {s_c} where respondent_ref = 'by admin'$$),
  '42501: permission denied for table responses',
  '[ISO-2-085] responses update: cannot re-point a row at another organisation''s survey (composite FK)');
select is(tests.attempt('owner_a', $$update public.responses set survey_id = {s_c} where id = {r_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-086] responses update: re-pointing a row with recordings is refused by the recordings'' composite FK too');
-- The composite foreign key still holds where no column grant stands in front of it.
select is(tests.attempt('service_role', $$update public.responses set survey_id = {s_c} where respondent_ref = 'by admin'$$),
  '23503: insert or update on table "responses" violates foreign key constraint "responses_org_id_survey_id_fkey"',
  '[ISO-2-126] responses update as service_role: re-pointing a row at another organisation''s survey is still refused by the composite FK');
select is(tests.attempt('anon', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-087] responses delete (org A) as anon: refused');
select is(tests.attempt('member_a', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-088] responses delete (org A) as member_a: refused');
select is(tests.attempt('admin_a', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-089] responses delete (org A) as admin_a: refused');
select is(tests.attempt('owner_a', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-090] responses delete (org A) as owner_a: refused');
select is(tests.attempt('removed_a', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-091] responses delete (org A) as removed_a: refused');
select is(tests.attempt('owner_b', $$delete from public.responses where org_id = {org_a}$$),
  '42501: permission denied for table responses',
  '[ISO-2-092] responses delete (org A) as owner_b: refused');

-- RPCs: delete_survey, restore_survey, survey_trash, audit_events.
create function pg_temp.nf(p_key text) returns text language sql as $$ select format('P0002: survey %s not found', tests.fx(p_key)) $$;
select is(tests.attempt('anon', $$select * from public.survey_trash({org_a})$$),
  '42501: permission denied for function survey_trash',
  '[ISO-2-093] survey_trash(A) as anon: refused');
select is(tests.attempt('member_a', $$select * from public.survey_trash({org_a})$$),
  '42501: only admins and owners of the organisation can see its trash',
  '[ISO-2-094] survey_trash(A) as member_a: refused');
select is(tests.attempt('removed_a', $$select * from public.survey_trash({org_a})$$),
  '42501: only admins and owners of the organisation can see its trash',
  '[ISO-2-095] survey_trash(A) as removed_a: refused');
select is(tests.attempt('owner_b', $$select * from public.survey_trash({org_a})$$),
  '42501: only admins and owners of the organisation can see its trash',
  '[ISO-2-096] survey_trash(A) as owner_b: refused');
select is(tests.attempt('admin_a', $$select * from public.survey_trash({org_a})$$),
  '1 rows',
  '[ISO-2-097] survey_trash(A) as admin_a: lists A''s one deleted survey');
select is(tests.attempt('anon', $$select * from public.delete_survey({s_a2})$$),
  '42501: permission denied for function delete_survey',
  '[ISO-2-098] delete_survey(A2) as anon: refused');
select is(tests.attempt('member_a', $$select * from public.delete_survey({s_a2})$$),
  '42501: only admins and owners of the organisation can delete or restore surveys',
  '[ISO-2-099] delete_survey(A2) as member_a: refused');
select is(tests.attempt('removed_a', $$select * from public.delete_survey({s_a2})$$),
  pg_temp.nf('s_a2'),
  '[ISO-2-100] delete_survey(A2) as removed_a: refused as not found (existence does not leak)');
select is(tests.attempt('owner_b', $$select * from public.delete_survey({s_a2})$$),
  pg_temp.nf('s_a2'),
  '[ISO-2-101] delete_survey(A2) as owner_b: refused as not found (existence does not leak)');
select is(tests.attempt('anon', $$select * from public.restore_survey({s_a_del})$$),
  '42501: permission denied for function restore_survey',
  '[ISO-2-102] restore_survey(A deleted) as anon: refused');
select is(tests.attempt('member_a', $$select * from public.restore_survey({s_a_del})$$),
  '42501: only admins and owners of the organisation can delete or restore surveys',
  '[ISO-2-103] restore_survey(A deleted) as member_a: refused');
select is(tests.attempt('removed_a', $$select * from public.restore_survey({s_a_del})$$),
  pg_temp.nf('s_a_del'),
  '[ISO-2-104] restore_survey(A deleted) as removed_a: refused as not found');
select is(tests.attempt('owner_b', $$select * from public.restore_survey({s_a_del})$$),
  pg_temp.nf('s_a_del'),
  '[ISO-2-105] restore_survey(A deleted) as owner_b: refused as not found');
select is(tests.attempt('admin_a', $$select * from public.delete_survey({s_a2})$$),
  '1 rows',
  '[ISO-2-106] delete_survey as admin_a: deletes A2 (control)');
select is(tests.attempt('owner_a', $$select * from public.restore_survey({s_a_del})$$),
  '1 rows',
  '[ISO-2-107] restore_survey as owner_a: restores A''s deleted survey (control)');
select is(tests.attempt('owner_b', $$select * from public.delete_survey({s_b})$$),
  '1 rows',
  '[ISO-2-108] delete_survey as owner_b on B''s own survey works (control)');
select is(tests.attempt('anon', $$select * from public.audit_events({org_a})$$),
  '42501: permission denied for function audit_events',
  '[ISO-2-109] audit_events(A) as anon: refused');
select is(tests.attempt('member_a', $$select * from public.audit_events({org_a})$$),
  '0 rows',
  '[ISO-2-110] audit_events(A) as member_a: sees nothing');
select is(tests.attempt('removed_a', $$select * from public.audit_events({org_a})$$),
  '0 rows',
  '[ISO-2-111] audit_events(A) as removed_a: sees nothing');
select is(tests.attempt('owner_b', $$select * from public.audit_events({org_a})$$),
  '0 rows',
  '[ISO-2-112] audit_events(A) as owner_b: sees nothing');
select is(tests.attempt('admin_a', $$select * from public.audit_events({org_a})$$),
  '3 rows',
  '[ISO-2-113] audit_events(A) as admin_a: sees As three events');
select is(tests.attempt('owner_a', $$select * from public.audit_events({org_a})$$),
  '3 rows',
  '[ISO-2-114] audit_events(A) as owner_a: sees As three events');
select is(tests.attempt('owner_b', $$select * from public.audit_events({org_b})$$),
  '2 rows',
  '[ISO-2-115] audit_events(B) as owner_b: sees B''s own events (control)');
select is(tests.attempt('owner_b', $$select 1 from audit.events where org_id = {org_a}$$),
  '0 rows',
  '[ISO-2-116] audit.events read directly by owner_b: nothing of A');
select is(tests.attempt('admin_a', $$select 1 from audit.events where org_id = {org_b}$$),
  '0 rows',
  '[ISO-2-117] audit.events read directly by admin_a: nothing of B');

-- As postgres: nothing forbidden got through, and B is untouched.
select is((select count(*)::int from public.surveys where title = 'pwned' or slug like 'pwned%'), 0,
  '[ISO-2-118] no forbidden survey write landed');
select is((select count(*)::int from public.questions where prompt = 'pwned'), 0,
  '[ISO-2-119] no forbidden question write landed');
select is((select count(*)::int from public.responses where respondent_ref = 'pwned'), 0,
  '[ISO-2-120] no forbidden response write landed');
select results_eq(
  $$select id, org_id, title, deleted_at is null from public.surveys where id in (tests.fx('s_a'), tests.fx('s_a2'), tests.fx('s_a_del')) order by title$$,
  $$values (tests.fx('s_a'), tests.fx('org_a'), 'Edited by owner'::text, true),
    (tests.fx('s_a_del'), tests.fx('org_a'), 'Survey A deleted'::text, true),
    (tests.fx('s_a2'), tests.fx('org_a'), 'Survey A2'::text, false)$$,
  '[ISO-2-121] A''s surveys: still in A, only the admins'' and owners'' changes applied');
select results_eq(
  $$select (select count(*) from public.questions where org_id = tests.fx('org_b'))::int,
           (select count(*) from public.responses where org_id = tests.fx('org_b'))::int,
           (select prompt from public.questions where id = tests.fx('q_b')),
           (select org_id from public.questions where id = tests.fx('q_a')),
           (select survey_id from public.responses where id = tests.fx('r_a'))$$,
  $$values (1, 1, 'Question B'::text, tests.fx('org_a'), tests.fx('s_a'))$$,
  '[ISO-2-122] B''s children untouched; A''s children still in A under their survey');

select * from finish();
rollback;
