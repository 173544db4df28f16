-- 02 Isolation matrix, media group: recordings and transcripts. Each cell runs one statement as
-- one identity (anon; owner, admin, member, removed member of org A; owner of org B) and
-- asserts its exact outcome: 'N rows' read or affected, or 'SQLSTATE: message'. Cells run in
-- the order written: later cells see earlier cells' writes.
-- The fixture, {key} templates and tests.check_cells(): supabase/tests/helpers/20_isolation.sql.
begin;
select plan(78);
select tests.isolation_fixture();

-- The SQL of a cell inserting one recording: organisation, survey, response and question by
-- fixture key, the object path as given.
create function pg_temp.insert_recording(
  p_org text, p_survey text, p_response text, p_question text, p_object_path text
)
returns text
language sql
as $$
  select format('insert into public.recordings (org_id, survey_id, response_id, question_id, '
    'object_path, duration_ms, size_bytes, mime_type) values ({%s}, {%s}, {%s}, {%s}, %L, 1, 1, '
    '''audio/webm'')', p_org, p_survey, p_response, p_question, p_object_path);
$$;

-- recordings · select: members, under live surveys
select tests.check_cells('recordings select (org A)',
  $$select 1 from public.recordings where org_id = {org_a}$$, array[
    ('ISO-3-001', 'anon',      '42501: permission denied for table recordings'),
    ('ISO-3-002', 'member_a',  '3 rows'),
    ('ISO-3-003', 'admin_a',   '3 rows'),
    ('ISO-3-004', 'owner_a',   '3 rows'),
    ('ISO-3-005', 'removed_a', '0 rows'),
    ('ISO-3-006', 'owner_b',   '0 rows')]::tests.outcome[]);

-- recordings · insert: admins and owners, under a live survey of the same organisation, with an
-- ids-only object path in the row's own folders, <org>/<survey>/<response>/<file uuid>.<audio
-- ext> (the CHECK recordings_check, via private.is_recording_object_name()). Attack cells use
-- well-shaped paths (file [file_x]) so that RLS, the foreign keys or the CHECK is the guard
-- under test; owner_a passes RLS and the foreign keys in the CHECK cells.
select tests.check_cells('recordings insert (into A)',
  pg_temp.insert_recording('org_a', 's_a', 'r_a', 'q_a', '[org_a]/[s_a]/[r_a]/[file_x].webm'), array[
    ('ISO-3-007', 'anon',      '42501: permission denied for table recordings'),
    ('ISO-3-008', 'member_a',  '42501: new row violates row-level security policy for table "recordings"'),
    ('ISO-3-009', 'removed_a', '42501: new row violates row-level security policy for table "recordings"'),
    ('ISO-3-010', 'owner_b',   '42501: new row violates row-level security policy for table "recordings"')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-3-011', 'admin_a', pg_temp.insert_recording('org_a', 's_a', 'r_a', 'q_a', '[org_a]/[s_a]/[r_a]/[file_admin].webm'),
    '1 rows', 'recordings insert as admin_a: allowed (control)'),
  ('ISO-3-012', 'owner_a', pg_temp.insert_recording('org_a', 's_a', 'r_a', 'q_a', '[org_a]/[s_a]/[r_a]/[file_owner].webm'),
    '1 rows', 'recordings insert as owner_a: allowed (control)'),
  ('ISO-3-013', 'owner_b', pg_temp.insert_recording('org_b', 's_a', 'r_a', 'q_a', '[org_b]/[s_a]/[r_a]/[file_x].webm'),
    '23503: insert or update on table "recordings" violates foreign key constraint "recordings_org_id_survey_id_response_id_fkey"',
    'recordings insert: owner_b cannot hang a B row under A''s survey'),
  ('ISO-3-014', 'owner_b', pg_temp.insert_recording('org_a', 's_b', 'r_b', 'q_b', '[org_a]/[s_b]/[r_b]/[file_x].webm'),
    '42501: new row violates row-level security policy for table "recordings"',
    'recordings insert: owner_b cannot forge org_id A'),
  ('ISO-3-015', 'owner_a', pg_temp.insert_recording('org_a', 's_a', 'r_c', 'q_a', '[org_a]/[s_a]/[r_c]/[file_x].webm'),
    '23503: insert or update on table "recordings" violates foreign key constraint "recordings_org_id_survey_id_response_id_fkey"',
    'recordings insert: cannot point at another organisation''s response (composite FK)'),
  ('ISO-3-016', 'owner_a', pg_temp.insert_recording('org_a', 's_a', 'r_a', 'q_c', '[org_a]/[s_a]/[r_a]/[file_x].webm'),
    '23503: insert or update on table "recordings" violates foreign key constraint "recordings_org_id_survey_id_question_id_fkey"',
    'recordings insert: cannot point at another organisation''s question (composite FK)'),
  ('ISO-3-017', 'owner_a', pg_temp.insert_recording('org_a', 's_a', 'r_a', 'q_a', '[org_c]/[s_c]/[r_a]/[file_x].webm'),
    '23514: new row for relation "recordings" violates check constraint "recordings_check"',
    'recordings insert: the object path must lie in the row''s own organisation and survey folder'),
  ('ISO-3-072', 'owner_a', pg_temp.insert_recording('org_a', 's_a', 'r_a', 'q_a', '[org_a]/[s_a]/[r_a]/interview-1.webm'),
    '23514: new row for relation "recordings" violates check constraint "recordings_check"',
    'recordings insert: a file name that is not a uuid is refused (CHECK)'),
  ('ISO-3-073', 'owner_a', pg_temp.insert_recording('org_a', 's_a', 'r_a', 'q_a', '[org_a]/[s_a]/[r_b]/[file_x].webm'),
    '23514: new row for relation "recordings" violates check constraint "recordings_check"',
    'recordings insert: a well-shaped path outside the row''s own response folder is refused (CHECK)'),
  ('ISO-3-074', 'owner_a', pg_temp.insert_recording('org_a', 's_a', 'r_a', 'q_a', '[org_a]/[s_a]/[r_a]/jane.doe@example.com.webm'),
    '23514: new row for relation "recordings" violates check constraint "recordings_check"',
    'recordings insert: a file name carrying an email is refused (CHECK)'),
  ('ISO-3-075', 'owner_a', pg_temp.insert_recording('org_a', 's_a', 'r_a', 'q_a', '[org_a]/[s_a]/[r_a]/[file_x].exe'),
    '23514: new row for relation "recordings" violates check constraint "recordings_check"',
    'recordings insert: a uuid file name with a non-audio extension is refused (CHECK)'),
  ('ISO-3-018', 'owner_a', pg_temp.insert_recording('org_a', 's_a_del', 'r_a', 'q_a', '[org_a]/[s_a_del]/[r_a]/[file_x].webm'),
    '42501: new row violates row-level security policy for table "recordings"',
    'recordings insert: not under a soft-deleted survey')]::tests.cell[]);

-- recordings · update: admins and owners edit duration_ms, size_bytes and mime_type; keys,
-- org_id and object_path are outside the column-level UPDATE grant (an object path swapped in
-- would let the old object escape the purge)
select tests.check_cells('recordings update (org A)',
  $$update public.recordings set mime_type = 'audio/pwned' where org_id = {org_a}$$, array[
    ('ISO-3-019', 'anon',      '42501: permission denied for table recordings'),
    ('ISO-3-020', 'member_a',  '0 rows'),
    ('ISO-3-021', 'removed_a', '0 rows'),
    ('ISO-3-022', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-3-023', 'admin_a', $$update public.recordings set duration_ms = 2000 where id = {rec_a2}$$,
    '1 rows', 'recordings update as admin_a: allowed (control)'),
  ('ISO-3-024', 'owner_a', $$update public.recordings set duration_ms = 3000 where id = {rec_a2}$$,
    '1 rows', 'recordings update as owner_a: allowed (control)'),
  ('ISO-3-025', 'owner_a', $$update public.recordings set org_id = {org_c} where id = {rec_a2}$$,
    '42501: permission denied for table recordings',
    'recordings update: cannot move a row to another organisation (org_id immutable)'),
  ('ISO-3-026', 'owner_a', $$update public.recordings set response_id = {r_c} where id = {rec_a2}$$,
    '42501: permission denied for table recordings',
    'recordings update: cannot re-point at another organisation''s response (composite FK)'),
  ('ISO-3-027', 'owner_a', $$update public.recordings set object_path = '[org_c]/[s_c]/[r_c]/[file_x].webm' where id = {rec_a2}$$,
    '42501: permission denied for table recordings',
    'recordings update: cannot move the object path into another organisation''s folder'),
  ('ISO-3-076', 'owner_a', $$update public.recordings set object_path = '[org_a]/[s_a]/[r_a]/[file_x].webm' where id = {rec_a2}$$,
    '42501: permission denied for table recordings',
    'recordings update: even a well-shaped path in the row''s own folder cannot be swapped in (column grant; the old object would escape the purge)'),
  ('ISO-3-077', 'owner_a', $$update public.recordings set org_id = {org_a} where id = {rec_a2}$$,
    '42501: permission denied for table recordings',
    'recordings update: org_id is refused by the column grant even when unchanged')]::tests.cell[]);

-- recordings · delete: nobody (recordings go with their survey, through the purge)
select tests.check_cells('recordings delete (org A)',
  $$delete from public.recordings where org_id = {org_a}$$, array[
    ('ISO-3-028', 'anon',      '42501: permission denied for table recordings'),
    ('ISO-3-029', 'member_a',  '42501: permission denied for table recordings'),
    ('ISO-3-030', 'admin_a',   '42501: permission denied for table recordings'),
    ('ISO-3-031', 'owner_a',   '42501: permission denied for table recordings'),
    ('ISO-3-032', 'removed_a', '42501: permission denied for table recordings'),
    ('ISO-3-033', 'owner_b',   '42501: permission denied for table recordings')]::tests.outcome[]);

-- transcripts · select: members, under live surveys
select tests.check_cells('transcripts select (org A)',
  $$select 1 from public.transcripts where org_id = {org_a}$$, array[
    ('ISO-3-034', 'anon',      '42501: permission denied for table transcripts'),
    ('ISO-3-035', 'member_a',  '1 rows'),
    ('ISO-3-036', 'admin_a',   '1 rows'),
    ('ISO-3-037', 'owner_a',   '1 rows'),
    ('ISO-3-038', 'removed_a', '0 rows'),
    ('ISO-3-039', 'owner_b',   '0 rows')]::tests.outcome[]);

-- transcripts · insert: admins and owners, for a recording of the same organisation and survey
select tests.check_cells('transcripts insert (into A)',
  $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$, array[
    ('ISO-3-040', 'anon',      '42501: permission denied for table transcripts'),
    ('ISO-3-041', 'member_a',  '42501: new row violates row-level security policy for table "transcripts"'),
    ('ISO-3-042', 'removed_a', '42501: new row violates row-level security policy for table "transcripts"'),
    ('ISO-3-043', 'owner_b',   '42501: new row violates row-level security policy for table "transcripts"')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-3-044', 'owner_b', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_b}, {s_b}, {rec_a2}, 'pwned')$$,
    '23503: insert or update on table "transcripts" violates foreign key constraint "transcripts_org_id_survey_id_recording_id_fkey"',
    'transcripts insert: owner_b cannot attach a B transcript to A''s recording (composite FK)'),
  ('ISO-3-045', 'admin_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'by admin')$$,
    '1 rows', 'transcripts insert as admin_a: allowed (control)'),
  ('ISO-3-046', 'owner_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a3}, 'by owner')$$,
    '1 rows', 'transcripts insert as owner_a: allowed (control)'),
  ('ISO-3-047', 'owner_b', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$,
    '42501: new row violates row-level security policy for table "transcripts"',
    'transcripts insert: owner_b cannot forge org_id A'),
  ('ISO-3-048', 'owner_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_c}, 'pwned')$$,
    '23503: insert or update on table "transcripts" violates foreign key constraint "transcripts_org_id_survey_id_recording_id_fkey"',
    'transcripts insert: cannot point at another organisation''s recording (composite FK)')]::tests.cell[]);

-- transcripts · update: admins and owners edit language and body; org_id and recording_id are
-- outside the column-level UPDATE grant
select tests.check_cells('transcripts update (org A)',
  $$update public.transcripts set body = 'pwned' where org_id = {org_a}$$, array[
    ('ISO-3-049', 'anon',      '42501: permission denied for table transcripts'),
    ('ISO-3-050', 'member_a',  '0 rows'),
    ('ISO-3-051', 'removed_a', '0 rows'),
    ('ISO-3-052', 'owner_b',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-3-053', 'admin_a', $$update public.transcripts set body = 'edited' where id = {t_a}$$,
    '1 rows', 'transcripts update as admin_a: allowed (control)'),
  ('ISO-3-054', 'owner_a', $$update public.transcripts set body = 'edited' where id = {t_a}$$,
    '1 rows', 'transcripts update as owner_a: allowed (control)'),
  ('ISO-3-055', 'owner_a', $$update public.transcripts set org_id = {org_c} where id = {t_a}$$,
    '42501: permission denied for table transcripts',
    'transcripts update: cannot move a row to another organisation (org_id immutable)'),
  ('ISO-3-056', 'owner_a', $$update public.transcripts set recording_id = {rec_c} where id = {t_a}$$,
    '42501: permission denied for table transcripts',
    'transcripts update: cannot re-point at another organisation''s recording (composite FK)')]::tests.cell[]);

-- transcripts · delete: nobody (transcripts go with their survey)
select tests.check_cells('transcripts delete (org A)',
  $$delete from public.transcripts where org_id = {org_a}$$, array[
    ('ISO-3-057', 'anon',      '42501: permission denied for table transcripts'),
    ('ISO-3-058', 'member_a',  '42501: permission denied for table transcripts'),
    ('ISO-3-059', 'admin_a',   '42501: permission denied for table transcripts'),
    ('ISO-3-060', 'owner_a',   '42501: permission denied for table transcripts'),
    ('ISO-3-061', 'removed_a', '42501: permission denied for table transcripts'),
    ('ISO-3-062', 'owner_b',   '42501: permission denied for table transcripts')]::tests.outcome[]);

-- soft-deleted survey: its recordings and transcripts vanish for everyone (survey A is in the
-- trash for these cells only)
do $$ begin
  update public.surveys set deleted_at = now(), deleted_by = tests.fx('owner_a') where id = tests.fx('s_a');
end $$;
select tests.check_cells('soft-deleted survey A: its recordings and transcripts',
  $$select 1 from public.recordings where survey_id = {s_a} union all select 1 from public.transcripts where survey_id = {s_a}$$, array[
    ('ISO-3-063', 'member_a',  '0 rows'),
    ('ISO-3-064', 'admin_a',   '0 rows'),
    ('ISO-3-065', 'owner_a',   '0 rows')]::tests.outcome[]);
select tests.check_cells(array[
  ('ISO-3-066', 'owner_a', $$update public.transcripts set body = 'pwned' where survey_id = {s_a}$$,
    '0 rows', 'soft-deleted survey: its transcripts cannot be edited')]::tests.cell[]);
do $$ begin
  update public.surveys set deleted_at = null, deleted_by = null where id = tests.fx('s_a');
end $$;

-- As postgres: nothing forbidden got through, and B is untouched.
select is((select count(*)::int from public.recordings
    where object_path like '%/' || tests.fx('file_x') || '.%' or object_path !~ '/[0-9a-f-]{36}\.webm$' or mime_type = 'audio/pwned'), 0,
  '[ISO-3-067] no forbidden recording write landed');
select is((select count(*)::int from public.transcripts where body = 'pwned'), 0,
  '[ISO-3-068] no forbidden transcript write landed');
select results_eq(
  $$select org_id, survey_id, response_id, duration_ms, object_path from public.recordings where id = tests.fx('rec_a2')$$,
  $$select tests.fx('org_a'), tests.fx('s_a'), tests.fx('r_a'), 3000,
      format('%s/%s/%s/%s.webm', tests.fx('org_a'), tests.fx('s_a'), tests.fx('r_a'), tests.fx('rec_a2'))$$,
  '[ISO-3-069] rec_a2 kept its organisation, parents and path; only the allowed edits applied');
select results_eq(
  $$select org_id, recording_id, body from public.transcripts where id = tests.fx('t_a')$$,
  $$select tests.fx('org_a'), tests.fx('rec_a1'), 'edited'::text$$,
  '[ISO-3-070] t_a kept its organisation and recording');
select results_eq(
  $$select (select count(*) from public.recordings where org_id = tests.fx('org_b'))::int,
           (select count(*) from public.transcripts where org_id = tests.fx('org_b'))::int,
           (select body from public.transcripts where id = tests.fx('t_b'))$$,
  $$values (1, 1, 'Transcript B'::text)$$,
  '[ISO-3-071] B''s recordings and transcripts are untouched');
select results_eq(
  $$select object_path from public.recordings where org_id = tests.fx('org_a') and id not in
      (tests.fx('rec_a1'), tests.fx('rec_a2'), tests.fx('rec_a3')) order by 1$$,
  $$values (tests.expand_fixtures('[org_a]/[s_a]/[r_a]/[file_owner].webm')),
    (tests.expand_fixtures('[org_a]/[s_a]/[r_a]/[file_admin].webm'))$$,
  '[ISO-3-078] the only recordings added to A are the admin''s and the owner''s well-shaped ones');

select * from finish();
rollback;
