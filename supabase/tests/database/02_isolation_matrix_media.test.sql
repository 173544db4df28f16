-- 02 Isolation matrix, media group: recordings and transcripts. Every cell runs one statement
-- as one identity (anon; owner, admin, member, removed member of org A; owner of org B) and
-- asserts its exact outcome: 'SQLSTATE: message' for a refusal, 'N rows' read or affected.
begin;
select plan(78);
-- Fixtures: tests.isolation_fixture() (helpers.sql) creates them in this transaction: org A
-- (owner, admin, member, a removed member), org B (owner, member), org C (A's owner's second
-- org). tests.fx(key) gives their ids; tests.attempt(who, sql) runs one cell as one identity.
select tests.isolation_fixture();

-- recordings: same organisation and a live parent survey; admins and owners write; no delete.
-- Object paths are ids only: <org>/<survey>/<response>/<file uuid>.<audio ext> (the CHECK
-- recordings_check, via private.is_recording_object_name()). Attack cells use well-shaped paths
-- (file 0bad0bad-...) so that RLS, the foreign keys or the folder rule is the guard under test.
select is(tests.attempt('anon', $$select 1 from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-001] recordings select (org A) as anon: refused');
select is(tests.attempt('member_a', $$select 1 from public.recordings where org_id = {org_a}$$),
  '3 rows',
  '[ISO-3-002] recordings select (org A) as member_a: 3 rows');
select is(tests.attempt('admin_a', $$select 1 from public.recordings where org_id = {org_a}$$),
  '3 rows',
  '[ISO-3-003] recordings select (org A) as admin_a: 3 rows');
select is(tests.attempt('owner_a', $$select 1 from public.recordings where org_id = {org_a}$$),
  '3 rows',
  '[ISO-3-004] recordings select (org A) as owner_a: 3 rows');
select is(tests.attempt('removed_a', $$select 1 from public.recordings where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-005] recordings select (org A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$select 1 from public.recordings where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-006] recordings select (org A) as owner_b: 0 rows');
select is(tests.attempt('anon', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '42501: permission denied for table recordings',
  '[ISO-3-007] recordings insert (into A) as anon: refused');
select is(tests.attempt('member_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-008] recordings insert (into A) as member_a: refused');
select is(tests.attempt('removed_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-009] recordings insert (into A) as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-010] recordings insert (into A) as owner_b: refused');
select is(tests.attempt('admin_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/a0000000-0000-4000-8000-0000000000ad.webm', 1, 1, 'audio/webm')$$),
  '1 rows',
  '[ISO-3-011] recordings insert as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/a0000000-0000-4000-8000-0000000000a0.webm', 1, 1, 'audio/webm')$$),
  '1 rows',
  '[ISO-3-012] recordings insert as owner_a: allowed (control)');
select is(tests.attempt('owner_b', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_b}, {s_a}, {r_a}, {q_a}, '[org_b]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  -- Refused by the composite foreign key: (org B, A's survey) is not a survey of org B.
  '23503: insert or update on table "recordings" violates foreign key constraint "recordings_org_id_survey_id_response_id_fkey"',
  '[ISO-3-013] recordings insert: owner_b cannot hang a B row under A''s survey');
select is(tests.attempt('owner_b', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_b}, {r_b}, {q_b}, '[org_a]/[s_b]/[r_b]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-014] recordings insert: owner_b cannot forge org_id A');
select is(tests.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_c}, {q_a}, '[org_a]/[s_a]/[r_c]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '23503: insert or update on table "recordings" violates foreign key constraint "recordings_org_id_survey_id_response_id_fkey"',
  '[ISO-3-015] recordings insert: cannot point at another organisation''s response (composite FK)');
select is(tests.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_c}, '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '23503: insert or update on table "recordings" violates foreign key constraint "recordings_org_id_survey_id_question_id_fkey"',
  '[ISO-3-016] recordings insert: cannot point at another organisation''s question (composite FK)');
select is(tests.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_c]/[s_c]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '23514: new row for relation "recordings" violates check constraint "recordings_check"',
  '[ISO-3-017] recordings insert: the object path must lie in the row''s own organisation and survey folder');
-- The CHECK also pins the shape and the response folder (owner_a passes RLS and the foreign
-- keys in each of these, so the CHECK is the guard).
select is(tests.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/interview-1.webm', 1, 1, 'audio/webm')$$),
  '23514: new row for relation "recordings" violates check constraint "recordings_check"',
  '[ISO-3-072] recordings insert: a file name that is not a uuid is refused (CHECK)');
select is(tests.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_b]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '23514: new row for relation "recordings" violates check constraint "recordings_check"',
  '[ISO-3-073] recordings insert: a well-shaped path outside the row''s own response folder is refused (CHECK)');
select is(tests.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/jane.doe@example.com.webm', 1, 1, 'audio/webm')$$),
  '23514: new row for relation "recordings" violates check constraint "recordings_check"',
  '[ISO-3-074] recordings insert: a file name carrying an email is refused (CHECK)');
select is(tests.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.exe', 1, 1, 'audio/webm')$$),
  '23514: new row for relation "recordings" violates check constraint "recordings_check"',
  '[ISO-3-075] recordings insert: a uuid file name with a non-audio extension is refused (CHECK)');
select is(tests.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a_del}, {r_a}, {q_a}, '[org_a]/[s_a_del]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-018] recordings insert: not under a soft-deleted survey');
select is(tests.attempt('anon', $$update public.recordings set mime_type = 'audio/pwned' where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-019] recordings update (org A) as anon: refused');
select is(tests.attempt('member_a', $$update public.recordings set mime_type = 'audio/pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-020] recordings update (org A) as member_a: 0 rows');
select is(tests.attempt('removed_a', $$update public.recordings set mime_type = 'audio/pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-021] recordings update (org A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$update public.recordings set mime_type = 'audio/pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-022] recordings update (org A) as owner_b: 0 rows');
select is(tests.attempt('admin_a', $$update public.recordings set duration_ms = 2000 where id = {rec_a2}$$),
  '1 rows',
  '[ISO-3-023] recordings update as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$update public.recordings set duration_ms = 3000 where id = {rec_a2}$$),
  '1 rows',
  '[ISO-3-024] recordings update as owner_a: allowed (control)');
-- Keys, org_id and object_path are outside the column-level UPDATE grant (duration_ms,
-- size_bytes, mime_type): the grant refuses these before RLS, the org_id trigger, the foreign
-- keys or the CHECK that used to be the guard (those still hold for roles with full grants).
select is(tests.attempt('owner_a', $$update public.recordings set org_id = {org_c} where id = {rec_a2}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-025] recordings update: cannot move a row to another organisation (org_id immutable)');
select is(tests.attempt('owner_a', $$update public.recordings set response_id = {r_c} where id = {rec_a2}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-026] recordings update: cannot re-point at another organisation''s response (composite FK)');
select is(tests.attempt('owner_a', $$update public.recordings set object_path = '[org_c]/[s_c]/[r_c]/0bad0bad-0000-4000-8000-000000000000.webm' where id = {rec_a2}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-027] recordings update: cannot move the object path into another organisation''s folder');
select is(tests.attempt('owner_a', $$update public.recordings set object_path = '[org_a]/[s_a]/[r_a]/0bad0bad-0000-4000-8000-000000000000.webm' where id = {rec_a2}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-076] recordings update: even a well-shaped path in the row''s own folder cannot be swapped in (column grant; the old object would escape the purge)');
select is(tests.attempt('owner_a', $$update public.recordings set org_id = {org_a} where id = {rec_a2}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-077] recordings update: org_id is refused by the column grant even when unchanged');
select is(tests.attempt('anon', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-028] recordings delete (org A) as anon: refused');
select is(tests.attempt('member_a', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-029] recordings delete (org A) as member_a: refused');
select is(tests.attempt('admin_a', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-030] recordings delete (org A) as admin_a: refused');
select is(tests.attempt('owner_a', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-031] recordings delete (org A) as owner_a: refused');
select is(tests.attempt('removed_a', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-032] recordings delete (org A) as removed_a: refused');
select is(tests.attempt('owner_b', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-033] recordings delete (org A) as owner_b: refused');

-- transcripts: same organisation and a live parent survey; admins and owners write; no delete.
select is(tests.attempt('anon', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-034] transcripts select (org A) as anon: refused');
select is(tests.attempt('member_a', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '1 rows',
  '[ISO-3-035] transcripts select (org A) as member_a: 1 rows');
select is(tests.attempt('admin_a', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '1 rows',
  '[ISO-3-036] transcripts select (org A) as admin_a: 1 rows');
select is(tests.attempt('owner_a', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '1 rows',
  '[ISO-3-037] transcripts select (org A) as owner_a: 1 rows');
select is(tests.attempt('removed_a', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-038] transcripts select (org A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-039] transcripts select (org A) as owner_b: 0 rows');
select is(tests.attempt('anon', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-040] transcripts insert (into A) as anon: refused');
select is(tests.attempt('member_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "transcripts"',
  '[ISO-3-041] transcripts insert (into A) as member_a: refused');
select is(tests.attempt('removed_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "transcripts"',
  '[ISO-3-042] transcripts insert (into A) as removed_a: refused');
select is(tests.attempt('owner_b', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "transcripts"',
  '[ISO-3-043] transcripts insert (into A) as owner_b: refused');
select is(tests.attempt('owner_b', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_b}, {s_b}, {rec_a2}, 'pwned')$$),
  '23503: insert or update on table "transcripts" violates foreign key constraint "transcripts_org_id_survey_id_recording_id_fkey"',
  '[ISO-3-044] transcripts insert: owner_b cannot attach a B transcript to A''s recording (composite FK)');
select is(tests.attempt('admin_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'by admin')$$),
  '1 rows',
  '[ISO-3-045] transcripts insert as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a3}, 'by owner')$$),
  '1 rows',
  '[ISO-3-046] transcripts insert as owner_a: allowed (control)');
select is(tests.attempt('owner_b', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "transcripts"',
  '[ISO-3-047] transcripts insert: owner_b cannot forge org_id A');
select is(tests.attempt('owner_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_c}, 'pwned')$$),
  '23503: insert or update on table "transcripts" violates foreign key constraint "transcripts_org_id_survey_id_recording_id_fkey"',
  '[ISO-3-048] transcripts insert: cannot point at another organisation''s recording (composite FK)');
select is(tests.attempt('anon', $$update public.transcripts set body = 'pwned' where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-049] transcripts update (org A) as anon: refused');
select is(tests.attempt('member_a', $$update public.transcripts set body = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-050] transcripts update (org A) as member_a: 0 rows');
select is(tests.attempt('removed_a', $$update public.transcripts set body = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-051] transcripts update (org A) as removed_a: 0 rows');
select is(tests.attempt('owner_b', $$update public.transcripts set body = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-052] transcripts update (org A) as owner_b: 0 rows');
select is(tests.attempt('admin_a', $$update public.transcripts set body = 'edited' where id = {t_a}$$),
  '1 rows',
  '[ISO-3-053] transcripts update as admin_a: allowed (control)');
select is(tests.attempt('owner_a', $$update public.transcripts set body = 'edited' where id = {t_a}$$),
  '1 rows',
  '[ISO-3-054] transcripts update as owner_a: allowed (control)');
-- org_id and recording_id are outside the column-level UPDATE grant (language, body): the
-- grant refuses these before the org_id trigger and the composite FK that used to be the guard.
select is(tests.attempt('owner_a', $$update public.transcripts set org_id = {org_c} where id = {t_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-055] transcripts update: cannot move a row to another organisation (org_id immutable)');
select is(tests.attempt('owner_a', $$update public.transcripts set recording_id = {rec_c} where id = {t_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-056] transcripts update: cannot re-point at another organisation''s recording (composite FK)');
select is(tests.attempt('anon', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-057] transcripts delete (org A) as anon: refused');
select is(tests.attempt('member_a', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-058] transcripts delete (org A) as member_a: refused');
select is(tests.attempt('admin_a', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-059] transcripts delete (org A) as admin_a: refused');
select is(tests.attempt('owner_a', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-060] transcripts delete (org A) as owner_a: refused');
select is(tests.attempt('removed_a', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-061] transcripts delete (org A) as removed_a: refused');
select is(tests.attempt('owner_b', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-062] transcripts delete (org A) as owner_b: refused');

-- Children of a soft-deleted survey vanish for everyone.
do $$ begin
  update public.surveys set deleted_at = now(), deleted_by = tests.fx('owner_a') where id = tests.fx('s_a');
end $$;
select is(tests.attempt('member_a', $$select 1 from public.recordings where survey_id = {s_a} union all select 1 from public.transcripts where survey_id = {s_a}$$),
  '0 rows',
  '[ISO-3-063] soft-deleted survey: member_a reads none of its recordings or transcripts');
select is(tests.attempt('admin_a', $$select 1 from public.recordings where survey_id = {s_a} union all select 1 from public.transcripts where survey_id = {s_a}$$),
  '0 rows',
  '[ISO-3-064] soft-deleted survey: admin_a reads none of its recordings or transcripts');
select is(tests.attempt('owner_a', $$select 1 from public.recordings where survey_id = {s_a} union all select 1 from public.transcripts where survey_id = {s_a}$$),
  '0 rows',
  '[ISO-3-065] soft-deleted survey: owner_a reads none of its recordings or transcripts');
select is(tests.attempt('owner_a', $$update public.transcripts set body = 'pwned' where survey_id = {s_a}$$),
  '0 rows',
  '[ISO-3-066] soft-deleted survey: its transcripts cannot be edited');
do $$ begin
  update public.surveys set deleted_at = null, deleted_by = null where id = tests.fx('s_a');
end $$;

-- As postgres: nothing forbidden got through, and B is untouched.
select is((select count(*)::int from public.recordings
    where object_path like '%/0bad0bad-%' or object_path !~ '/[0-9a-f-]{36}\.webm$' or mime_type = 'audio/pwned'), 0,
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
  $$values (format('%s/%s/%s/a0000000-0000-4000-8000-0000000000a0.webm', tests.fx('org_a'), tests.fx('s_a'), tests.fx('r_a'))),
    (format('%s/%s/%s/a0000000-0000-4000-8000-0000000000ad.webm', tests.fx('org_a'), tests.fx('s_a'), tests.fx('r_a')))$$,
  '[ISO-3-078] the only recordings added to A are the admin''s and the owner''s well-shaped ones');

select * from finish();
rollback;
