-- 02 Isolation matrix, survey group: surveys, questions, responses, and the survey RPCs
-- (delete_survey, restore_survey, survey_trash, audit_events). Each cell runs one statement as
-- one identity (anon; owner, admin, member, removed member of org A; owner of org B) and
-- asserts its exact outcome: 'N rows' read or affected, or 'SQLSTATE: message'. Cells run in
-- the order written: later cells see earlier cells' writes.
-- The fixture, {key} templates and tests.check_cells(): supabase/tests/helpers/20_isolation.sql.
begin;
select plan(128);
select tests.isolation_fixture();

-- surveys · select: members read live surveys (A has two, and one in the trash)
select tests.check_cells('surveys select (org A)',
  $$select 1 from public.surveys where org_id = {org_a}$$, array[
    ('ISO-2-001', 'anon',      '42501: permission denied for table surveys'),
    ('ISO-2-002', 'member_a',  '2 rows'),
    ('ISO-2-003', 'admin_a',   '2 rows'),
    ('ISO-2-004', 'owner_a',   '2 rows'),
    ('ISO-2-005', 'removed_a', '0 rows'),
    ('ISO-2-006', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-2-007', 'owner_a', $$select 1 from public.surveys where id = {s_a_del}$$,
    '0 rows', 'surveys select: a soft-deleted survey is invisible even to the owner')]::tests.cell[]);

-- surveys · insert: admins and owners, live surveys only
select tests.check_cells('surveys insert (into A)',
  $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'pwned', 'pwned')$$, array[
    ('ISO-2-008', 'anon',      '42501: permission denied for table surveys'),
    ('ISO-2-009', 'member_a',  '42501: new row violates row-level security policy for table "surveys"'),
    ('ISO-2-010', 'removed_a', '42501: new row violates row-level security policy for table "surveys"'),
    ('ISO-2-011', 'owner_b',   '42501: new row violates row-level security policy for table "surveys"')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-2-012', 'admin_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'By admin', 'by-admin')$$,
    '1 rows', 'surveys insert as admin_a: allowed (control)'),
  ('ISO-2-013', 'owner_a', $$insert into public.surveys (org_id, title, slug) values ({org_a}, 'By owner', 'by-owner')$$,
    '1 rows', 'surveys insert as owner_a: allowed (control)'),
  ('ISO-2-014', 'admin_a', $$insert into public.surveys (org_id, title, slug, deleted_at) values ({org_a}, 'pwned', 'pwned-deleted', now())$$,
    '42501: permission denied for table surveys',
    'surveys insert: not even an admin may create an already-deleted survey (deleted_at is outside the column-level INSERT grant)')]::tests.cell[]);
-- Behind the grant, the insert policy refuses a deleted survey too: with deleted_at granted
-- for this one cell (rolled back with the test), RLS is what refuses.
grant insert (deleted_at) on public.surveys to authenticated;
select tests.check_cells(array[
  ('ISO-2-127', 'admin_a', $$insert into public.surveys (org_id, title, slug, deleted_at) values ({org_a}, 'pwned', 'pwned-deleted', now())$$,
    '42501: new row violates row-level security policy for table "surveys"',
    'surveys insert: were deleted_at granted, the insert policy would still refuse an already-deleted survey')]::tests.cell[]);
revoke insert (deleted_at) on public.surveys from authenticated;

-- surveys · update: admins and owners edit title and slug of live surveys; deleted_at and
-- org_id are outside the column-level UPDATE grant (soft delete and restore go through the RPCs)
select tests.check_cells('surveys update (survey A)',
  $$update public.surveys set title = 'pwned' where id = {s_a}$$, array[
    ('ISO-2-015', 'anon',      '42501: permission denied for table surveys'),
    ('ISO-2-016', 'member_a',  '0 rows'),
    ('ISO-2-017', 'removed_a', '0 rows'),
    ('ISO-2-018', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-2-019', 'admin_a', $$update public.surveys set title = 'Edited by admin' where id = {s_a}$$,
    '1 rows', 'surveys update as admin_a: allowed (control)'),
  ('ISO-2-020', 'owner_a', $$update public.surveys set title = 'Edited by owner' where id = {s_a}$$,
    '1 rows', 'surveys update as owner_a: allowed (control)'),
  ('ISO-2-021', 'admin_a', $$update public.surveys set deleted_at = now() where id = {s_a}$$,
    '42501: permission denied for table surveys',
    'surveys update: soft delete through the table is refused (RPC only)'),
  ('ISO-2-022', 'owner_a', $$update public.surveys set title = 'pwned' where id = {s_a_del}$$,
    '0 rows', 'surveys update: a soft-deleted survey cannot be edited'),
  ('ISO-2-023', 'owner_a', $$update public.surveys set org_id = {org_c} where id = {s_a}$$,
    '42501: permission denied for table surveys',
    'surveys update: an owner of A and C cannot move a survey to C (org_id immutable)'),
  ('ISO-2-024', 'owner_b', $$update public.surveys set org_id = {org_b} where id = {s_a}$$,
    '42501: permission denied for table surveys', 'surveys update: owner_b cannot pull A''s survey into B'),
  ('ISO-2-123', 'owner_a', $$update public.surveys set deleted_at = null, deleted_by = null where id = {s_a_del}$$,
    '42501: permission denied for table surveys',
    'surveys update: the owner cannot undelete through the table, bypassing restore_survey (column grant)'),
  ('ISO-2-124', 'owner_a', $$update public.surveys set deleted_at = deleted_at where id = {s_a}$$,
    '42501: permission denied for table surveys',
    'surveys update: deleted_at is refused by the column grant even when unchanged'),
  ('ISO-2-125', 'admin_a', $$update public.surveys set org_id = {org_a} where id = {s_a}$$,
    '42501: permission denied for table surveys',
    'surveys update: org_id is refused by the column grant even when unchanged')]::tests.cell[]);

-- surveys · delete: nobody (delete_survey moves a survey to the trash)
select tests.check_cells('surveys delete (survey A)',
  $$delete from public.surveys where id = {s_a}$$, array[
    ('ISO-2-025', 'anon',      '42501: permission denied for table surveys'),
    ('ISO-2-026', 'member_a',  '42501: permission denied for table surveys'),
    ('ISO-2-027', 'admin_a',   '42501: permission denied for table surveys'),
    ('ISO-2-028', 'owner_a',   '42501: permission denied for table surveys'),
    ('ISO-2-029', 'removed_a', '42501: permission denied for table surveys'),
    ('ISO-2-030', 'owner_b',   '42501: permission denied for table surveys')]::tests.outcome[]);

-- questions · select: members, under live surveys
select tests.check_cells('questions select (org A)',
  $$select 1 from public.questions where org_id = {org_a}$$, array[
    ('ISO-2-031', 'anon',      '42501: permission denied for table questions'),
    ('ISO-2-032', 'member_a',  '1 rows'),
    ('ISO-2-033', 'admin_a',   '1 rows'),
    ('ISO-2-034', 'owner_a',   '1 rows'),
    ('ISO-2-035', 'removed_a', '0 rows'),
    ('ISO-2-036', 'owner_b',   '0 rows')]::tests.outcome[]);

-- questions · insert: admins and owners, under a live survey of the same organisation (RLS
-- checks org_id; the composite foreign key (org_id, survey_id) pairs the row with its survey)
select tests.check_cells('questions insert (into A)',
  $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'pwned')$$, array[
    ('ISO-2-037', 'anon',      '42501: permission denied for table questions'),
    ('ISO-2-038', 'member_a',  '42501: new row violates row-level security policy for table "questions"'),
    ('ISO-2-039', 'removed_a', '42501: new row violates row-level security policy for table "questions"'),
    ('ISO-2-040', 'owner_b',   '42501: new row violates row-level security policy for table "questions"')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-2-041', 'admin_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'by admin')$$,
    '1 rows', 'questions insert as admin_a: allowed (control)'),
  ('ISO-2-042', 'owner_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a}, 9, 'by owner')$$,
    '1 rows', 'questions insert as owner_a: allowed (control)'),
  ('ISO-2-043', 'owner_b', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_b}, {s_a}, 9, 'pwned')$$,
    '23503: insert or update on table "questions" violates foreign key constraint "questions_org_id_survey_id_fkey"',
    'questions insert: owner_b cannot hang a B row under A''s survey'),
  ('ISO-2-044', 'owner_b', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_b}, 9, 'pwned')$$,
    '42501: new row violates row-level security policy for table "questions"',
    'questions insert: owner_b cannot forge org_id A on a row of B''s survey'),
  ('ISO-2-045', 'owner_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_c}, 9, 'pwned')$$,
    '23503: insert or update on table "questions" violates foreign key constraint "questions_org_id_survey_id_fkey"',
    'questions insert: an owner of A and C cannot point an A row at C''s survey (composite FK)'),
  ('ISO-2-046', 'owner_a', $$insert into public.questions (org_id, survey_id, position, prompt) values ({org_a}, {s_a_del}, 9, 'pwned')$$,
    '42501: new row violates row-level security policy for table "questions"',
    'questions insert: not under a soft-deleted survey')]::tests.cell[]);

-- questions · update: admins and owners edit position and prompt; org_id and survey_id are
-- outside the column-level UPDATE grant
select tests.check_cells('questions update (org A)',
  $$update public.questions set prompt = 'pwned' where org_id = {org_a}$$, array[
    ('ISO-2-047', 'anon',      '42501: permission denied for table questions'),
    ('ISO-2-048', 'member_a',  '0 rows'),
    ('ISO-2-049', 'removed_a', '0 rows'),
    ('ISO-2-050', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-2-051', 'admin_a', $$update public.questions set prompt = 'edited' where id = {q_a}$$,
    '1 rows', 'questions update as admin_a: allowed (control)'),
  ('ISO-2-052', 'owner_a', $$update public.questions set prompt = 'edited' where id = {q_a}$$,
    '1 rows', 'questions update as owner_a: allowed (control)'),
  ('ISO-2-053', 'owner_a', $$update public.questions set org_id = {org_c} where id = {q_a}$$,
    '42501: permission denied for table questions',
    'questions update: cannot move a row to another organisation (org_id immutable)'),
  ('ISO-2-054', 'owner_a', $$update public.questions set survey_id = {s_c} where prompt = 'by admin'$$,
    '42501: permission denied for table questions',
    'questions update: cannot re-point a row at another organisation''s survey (composite FK)'),
  ('ISO-2-055', 'owner_a', $$update public.questions set survey_id = {s_c} where id = {q_a}$$,
    '42501: permission denied for table questions',
    'questions update: re-pointing a row with recordings is refused by the recordings'' composite FK too')]::tests.cell[]);

-- questions · delete: nobody (questions go with their survey)
select tests.check_cells('questions delete (org A)',
  $$delete from public.questions where org_id = {org_a}$$, array[
    ('ISO-2-056', 'anon',      '42501: permission denied for table questions'),
    ('ISO-2-057', 'member_a',  '42501: permission denied for table questions'),
    ('ISO-2-058', 'admin_a',   '42501: permission denied for table questions'),
    ('ISO-2-059', 'owner_a',   '42501: permission denied for table questions'),
    ('ISO-2-060', 'removed_a', '42501: permission denied for table questions'),
    ('ISO-2-061', 'owner_b',   '42501: permission denied for table questions')]::tests.outcome[]);

-- responses · select: members, under live surveys
select tests.check_cells('responses select (org A)',
  $$select 1 from public.responses where org_id = {org_a}$$, array[
    ('ISO-2-062', 'anon',      '42501: permission denied for table responses'),
    ('ISO-2-063', 'member_a',  '1 rows'),
    ('ISO-2-064', 'admin_a',   '1 rows'),
    ('ISO-2-065', 'owner_a',   '1 rows'),
    ('ISO-2-066', 'removed_a', '0 rows'),
    ('ISO-2-067', 'owner_b',   '0 rows')]::tests.outcome[]);

-- responses · insert: admins and owners, under a live survey of the same organisation
select tests.check_cells('responses insert (into A)',
  $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'pwned')$$, array[
    ('ISO-2-068', 'anon',      '42501: permission denied for table responses'),
    ('ISO-2-069', 'member_a',  '42501: new row violates row-level security policy for table "responses"'),
    ('ISO-2-070', 'removed_a', '42501: new row violates row-level security policy for table "responses"'),
    ('ISO-2-071', 'owner_b',   '42501: new row violates row-level security policy for table "responses"')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-2-072', 'admin_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'by admin')$$,
    '1 rows', 'responses insert as admin_a: allowed (control)'),
  ('ISO-2-073', 'owner_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a}, 'by owner')$$,
    '1 rows', 'responses insert as owner_a: allowed (control)'),
  ('ISO-2-074', 'owner_b', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_b}, {s_a}, 'pwned')$$,
    '23503: insert or update on table "responses" violates foreign key constraint "responses_org_id_survey_id_fkey"',
    'responses insert: owner_b cannot hang a B row under A''s survey'),
  ('ISO-2-075', 'owner_b', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_b}, 'pwned')$$,
    '42501: new row violates row-level security policy for table "responses"',
    'responses insert: owner_b cannot forge org_id A on a row of B''s survey'),
  ('ISO-2-076', 'owner_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_c}, 'pwned')$$,
    '23503: insert or update on table "responses" violates foreign key constraint "responses_org_id_survey_id_fkey"',
    'responses insert: an owner of A and C cannot point an A row at C''s survey (composite FK)'),
  ('ISO-2-077', 'owner_a', $$insert into public.responses (org_id, survey_id, respondent_ref) values ({org_a}, {s_a_del}, 'pwned')$$,
    '42501: new row violates row-level security policy for table "responses"',
    'responses insert: not under a soft-deleted survey')]::tests.cell[]);

-- responses · update: admins and owners edit respondent_ref and completed_at; org_id and
-- survey_id are outside the column-level UPDATE grant, and for service_role, which holds every
-- column, the composite foreign key refuses a move to another organisation's survey
select tests.check_cells('responses update (org A)',
  $$update public.responses set respondent_ref = 'pwned' where org_id = {org_a}$$, array[
    ('ISO-2-078', 'anon',      '42501: permission denied for table responses'),
    ('ISO-2-079', 'member_a',  '0 rows'),
    ('ISO-2-080', 'removed_a', '0 rows'),
    ('ISO-2-081', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-2-082', 'admin_a', $$update public.responses set respondent_ref = 'edited' where id = {r_a}$$,
    '1 rows', 'responses update as admin_a: allowed (control)'),
  ('ISO-2-083', 'owner_a', $$update public.responses set respondent_ref = 'edited' where id = {r_a}$$,
    '1 rows', 'responses update as owner_a: allowed (control)'),
  ('ISO-2-084', 'owner_a', $$update public.responses set org_id = {org_c} where id = {r_a}$$,
    '42501: permission denied for table responses',
    'responses update: cannot move a row to another organisation (org_id immutable)'),
  ('ISO-2-085', 'owner_a', $$update public.responses set survey_id = {s_c} where respondent_ref = 'by admin'$$,
    '42501: permission denied for table responses',
    'responses update: cannot re-point a row at another organisation''s survey (composite FK)'),
  ('ISO-2-086', 'owner_a', $$update public.responses set survey_id = {s_c} where id = {r_a}$$,
    '42501: permission denied for table responses',
    'responses update: re-pointing a row with recordings is refused by the recordings'' composite FK too'),
  ('ISO-2-126', 'service_role', $$update public.responses set survey_id = {s_c} where respondent_ref = 'by admin'$$,
    '23503: insert or update on table "responses" violates foreign key constraint "responses_org_id_survey_id_fkey"',
    'responses update as service_role: re-pointing a row at another organisation''s survey is still refused by the composite FK')]::tests.cell[]);

-- responses · delete: nobody (responses go with their survey)
select tests.check_cells('responses delete (org A)',
  $$delete from public.responses where org_id = {org_a}$$, array[
    ('ISO-2-087', 'anon',      '42501: permission denied for table responses'),
    ('ISO-2-088', 'member_a',  '42501: permission denied for table responses'),
    ('ISO-2-089', 'admin_a',   '42501: permission denied for table responses'),
    ('ISO-2-090', 'owner_a',   '42501: permission denied for table responses'),
    ('ISO-2-091', 'removed_a', '42501: permission denied for table responses'),
    ('ISO-2-092', 'owner_b',   '42501: permission denied for table responses')]::tests.outcome[]);

-- survey_trash: admins and owners of the organisation (A's trash holds one survey)
select tests.check_cells('survey_trash(A)',
  $$select * from public.survey_trash({org_a})$$, array[
    ('ISO-2-093', 'anon',      '42501: permission denied for function survey_trash'),
    ('ISO-2-094', 'member_a',  '42501: only admins and owners of the organisation can see its trash'),
    ('ISO-2-095', 'removed_a', '42501: only admins and owners of the organisation can see its trash'),
    ('ISO-2-096', 'owner_b',   '42501: only admins and owners of the organisation can see its trash'),
    ('ISO-2-097', 'admin_a',   '1 rows')]::tests.outcome[]);

-- delete_survey, restore_survey: admins and owners; to a non-member the survey is 'not found'
-- (its existence does not leak)
select tests.check_cells('delete_survey(A2)',
  $$select * from public.delete_survey({s_a2})$$, array[
    ('ISO-2-098', 'anon',      '42501: permission denied for function delete_survey'),
    ('ISO-2-099', 'member_a',  '42501: only admins and owners of the organisation can delete or restore surveys'),
    ('ISO-2-100', 'removed_a', 'P0002: survey [s_a2] not found'),
    ('ISO-2-101', 'owner_b',   'P0002: survey [s_a2] not found')]::tests.outcome[]);
select tests.check_cells('restore_survey(A deleted)',
  $$select * from public.restore_survey({s_a_del})$$, array[
    ('ISO-2-102', 'anon',      '42501: permission denied for function restore_survey'),
    ('ISO-2-103', 'member_a',  '42501: only admins and owners of the organisation can delete or restore surveys'),
    ('ISO-2-104', 'removed_a', 'P0002: survey [s_a_del] not found'),
    ('ISO-2-105', 'owner_b',   'P0002: survey [s_a_del] not found')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-2-106', 'admin_a', $$select * from public.delete_survey({s_a2})$$,
    '1 rows', 'delete_survey as admin_a: deletes A2 (control)'),
  ('ISO-2-107', 'owner_a', $$select * from public.restore_survey({s_a_del})$$,
    '1 rows', 'restore_survey as owner_a: restores A''s deleted survey (control)'),
  ('ISO-2-108', 'owner_b', $$select * from public.delete_survey({s_b})$$,
    '1 rows', 'delete_survey as owner_b on B''s own survey works (control)')]::tests.cell[]);

-- audit_events: admins and owners read their organisation's events (A's five: removed_a's
-- removal, admin_a's overwrites of a question's prompt and of a response's respondent_ref
-- (owner_a's second edit to the same prompt changed nothing and is not an overwrite), the
-- deletion and the restore above); everyone else reads nothing, directly or not
select tests.check_cells('audit_events(A)',
  $$select * from public.audit_events({org_a})$$, array[
    ('ISO-2-109', 'anon',      '42501: permission denied for function audit_events'),
    ('ISO-2-110', 'member_a',  '0 rows'),
    ('ISO-2-111', 'removed_a', '0 rows'),
    ('ISO-2-112', 'owner_b',   '0 rows'),
    ('ISO-2-113', 'admin_a',   '5 rows'),
    ('ISO-2-114', 'owner_a',   '5 rows')]::tests.outcome[]);
select tests.authenticate_as(tests.fx('admin_a'));
select set_eq(
  $$select action, target_table, target_id, reason, actor_id, details
    from public.audit_events(tests.fx('org_a'))$$,
  $$values
    ('membership.removed'::text, 'public.memberships'::text, tests.fx('removed_a')::text,
     'cascade'::text, null::uuid, '{"was_owner": false}'::jsonb),
    ('content.overwritten', 'public.questions', tests.fx('q_a')::text, 'content_edited',
     tests.fx('admin_a'), '{"column_prompt": true, "chars_before": 10, "chars_after": 6}'),
    ('content.overwritten', 'public.responses', tests.fx('r_a')::text, 'content_edited',
     tests.fx('admin_a'), '{"column_respondent_ref": true, "chars_before": 5, "chars_after": 6}'),
    ('survey.soft_deleted', 'public.surveys', tests.fx('s_a2')::text, 'user_request',
     tests.fx('admin_a'), '{"questions": 0, "responses": 0, "recordings": 0, "transcripts": 0}'),
    ('survey.restored', 'public.surveys', tests.fx('s_a_del')::text, 'user_request',
     tests.fx('owner_a'), '{"questions": 0, "responses": 0, "recordings": 0, "transcripts": 0}')$$,
  '[ISO-2-128] audit_events(A) as admin_a: exactly removed_a''s removal, the two content overwrites (lengths only, never the text), the deletion and the restore');
select tests.clear_authentication();
select tests.check_cells(array[
  ('ISO-2-115', 'owner_b', $$select * from public.audit_events({org_b})$$,
    '2 rows', 'audit_events(B) as owner_b: sees B''s own events (control)'),
  ('ISO-2-116', 'owner_b', $$select 1 from audit.events where org_id = {org_a}$$,
    '0 rows', 'audit.events read directly by owner_b: nothing of A'),
  ('ISO-2-117', 'admin_a', $$select 1 from audit.events where org_id = {org_b}$$,
    '0 rows', 'audit.events read directly by admin_a: nothing of B')]::tests.cell[]);

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
