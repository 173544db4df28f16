-- 02 Isolation matrix, media group: recordings and transcripts. Every cell runs one statement
-- as one identity (anon; owner, admin, member, removed member of org A; owner of org B) and
-- asserts its exact outcome: 'SQLSTATE: message' for a refusal, 'N rows' read or affected.
begin;
select plan(71);
-- ---------------------------------------------------------------------------------------------
-- Fixtures (fixed ids, written as postgres). Org A: owner, admin, member, a removed member;
-- org B: owner and member (the attackers next door); org C: a second org of A's owner, so
-- that RLS passes and the trigger / composite foreign keys are the guard being tested.
-- Identical in every 02_isolation_matrix_* file and 03/04.
-- ---------------------------------------------------------------------------------------------
create temp table fx (key text primary key, id uuid not null unique);
insert into fx values
  ('owner_a',   '10000000-0000-4000-8000-00000000a001'),
  ('admin_a',   '10000000-0000-4000-8000-00000000a002'),
  ('member_a',  '10000000-0000-4000-8000-00000000a003'),
  ('removed_a', '10000000-0000-4000-8000-00000000a004'),
  ('owner_b',   '10000000-0000-4000-8000-00000000b001'),
  ('member_b',  '10000000-0000-4000-8000-00000000b003'),
  ('fresh',     '10000000-0000-4000-8000-00000000f001'),
  ('org_a',     '20000000-0000-4000-8000-00000000000a'),
  ('org_b',     '20000000-0000-4000-8000-00000000000b'),
  ('org_c',     '20000000-0000-4000-8000-00000000000c'),
  ('s_a',       '30000000-0000-4000-8000-00000000a001'),
  ('s_a2',      '30000000-0000-4000-8000-00000000a002'),
  ('s_a_del',   '30000000-0000-4000-8000-00000000a0de'),
  ('s_b',       '30000000-0000-4000-8000-00000000b001'),
  ('s_c',       '30000000-0000-4000-8000-00000000c001'),
  ('q_a',       '40000000-0000-4000-8000-00000000a001'),
  ('q_b',       '40000000-0000-4000-8000-00000000b001'),
  ('q_c',       '40000000-0000-4000-8000-00000000c001'),
  ('r_a',       '50000000-0000-4000-8000-00000000a001'),
  ('r_b',       '50000000-0000-4000-8000-00000000b001'),
  ('r_c',       '50000000-0000-4000-8000-00000000c001'),
  ('rec_a1',    '60000000-0000-4000-8000-00000000a001'),
  ('rec_a2',    '60000000-0000-4000-8000-00000000a002'),
  ('rec_a3',    '60000000-0000-4000-8000-00000000a003'),
  ('rec_b',     '60000000-0000-4000-8000-00000000b001'),
  ('rec_c',     '60000000-0000-4000-8000-00000000c001'),
  ('t_a',       '70000000-0000-4000-8000-00000000a001'),
  ('t_b',       '70000000-0000-4000-8000-00000000b001');
grant select on fx to public;

create function pg_temp.fx(p_key text) returns uuid language sql stable
as $$ select id from fx where key = p_key $$;

do $$
declare
  u text;
begin
  foreach u in array array['owner_a', 'admin_a', 'member_a', 'removed_a', 'owner_b', 'member_b', 'fresh']
  loop
    perform tests.create_user(pg_temp.fx(u), u || '@example.test');
    if u <> 'fresh' then
      insert into public.profiles (id, display_name) values (pg_temp.fx(u), 'Profile ' || u);
    end if;
  end loop;

  insert into public.organizations (id, name, created_by) values
    (pg_temp.fx('org_a'), 'Org A', pg_temp.fx('owner_a')),
    (pg_temp.fx('org_b'), 'Org B', pg_temp.fx('owner_b')),
    (pg_temp.fx('org_c'), 'Org C', pg_temp.fx('owner_a'));
  insert into public.memberships (org_id, user_id, role) values
    (pg_temp.fx('org_a'), pg_temp.fx('owner_a'), 'owner'),
    (pg_temp.fx('org_a'), pg_temp.fx('admin_a'), 'admin'),
    (pg_temp.fx('org_a'), pg_temp.fx('member_a'), 'member'),
    (pg_temp.fx('org_a'), pg_temp.fx('removed_a'), 'member'),
    (pg_temp.fx('org_b'), pg_temp.fx('owner_b'), 'owner'),
    (pg_temp.fx('org_b'), pg_temp.fx('member_b'), 'member'),
    (pg_temp.fx('org_c'), pg_temp.fx('owner_a'), 'owner');
  -- removed_a was a member of A until just now.
  delete from public.memberships
  where org_id = pg_temp.fx('org_a') and user_id = pg_temp.fx('removed_a');

  insert into public.surveys (id, org_id, title, slug, created_by) values
    (pg_temp.fx('s_a'), pg_temp.fx('org_a'), 'Survey A', 'survey-a', pg_temp.fx('owner_a')),
    (pg_temp.fx('s_a2'), pg_temp.fx('org_a'), 'Survey A2', 'survey-a2', pg_temp.fx('owner_a')),
    (pg_temp.fx('s_b'), pg_temp.fx('org_b'), 'Survey B', 'survey-b', pg_temp.fx('owner_b')),
    (pg_temp.fx('s_c'), pg_temp.fx('org_c'), 'Survey C', 'survey-c', pg_temp.fx('owner_a'));
  insert into public.surveys (id, org_id, title, slug, created_by, deleted_at, deleted_by) values
    (pg_temp.fx('s_a_del'), pg_temp.fx('org_a'), 'Survey A deleted', 'survey-a-deleted',
     pg_temp.fx('owner_a'), now() - interval '1 day', pg_temp.fx('owner_a'));

  insert into public.questions (id, org_id, survey_id, position, prompt) values
    (pg_temp.fx('q_a'), pg_temp.fx('org_a'), pg_temp.fx('s_a'), 1, 'Question A'),
    (pg_temp.fx('q_b'), pg_temp.fx('org_b'), pg_temp.fx('s_b'), 1, 'Question B'),
    (pg_temp.fx('q_c'), pg_temp.fx('org_c'), pg_temp.fx('s_c'), 1, 'Question C');
  insert into public.responses (id, org_id, survey_id, respondent_ref) values
    (pg_temp.fx('r_a'), pg_temp.fx('org_a'), pg_temp.fx('s_a'), 'ref-a'),
    (pg_temp.fx('r_b'), pg_temp.fx('org_b'), pg_temp.fx('s_b'), 'ref-b'),
    (pg_temp.fx('r_c'), pg_temp.fx('org_c'), pg_temp.fx('s_c'), 'ref-c');
  insert into public.recordings (id, org_id, survey_id, response_id, question_id, object_path,
    duration_ms, size_bytes, mime_type)
  select pg_temp.fx(v.rec), pg_temp.fx(v.org), pg_temp.fx(v.s), pg_temp.fx(v.r), pg_temp.fx(v.q),
    format('%s/%s/%s/%s.webm', pg_temp.fx(v.org), pg_temp.fx(v.s), pg_temp.fx(v.r), v.rec),
    1000, 2048, 'audio/webm'
  from (values ('rec_a1', 'org_a', 's_a', 'r_a', 'q_a'), ('rec_a2', 'org_a', 's_a', 'r_a', 'q_a'),
    ('rec_a3', 'org_a', 's_a', 'r_a', 'q_a'), ('rec_b', 'org_b', 's_b', 'r_b', 'q_b'),
    ('rec_c', 'org_c', 's_c', 'r_c', 'q_c')) v(rec, org, s, r, q);
  insert into public.transcripts (id, org_id, survey_id, recording_id, body) values
    (pg_temp.fx('t_a'), pg_temp.fx('org_a'), pg_temp.fx('s_a'), pg_temp.fx('rec_a1'), 'Transcript A'),
    (pg_temp.fx('t_b'), pg_temp.fx('org_b'), pg_temp.fx('s_b'), pg_temp.fx('rec_b'), 'Transcript B');

  -- One audit event in B's chain (A already has one: removed_a's membership removal).
  perform audit.record_event('survey.soft_deleted', pg_temp.fx('org_b'), 'public.surveys',
    pg_temp.fx('s_b')::text, 'user_request', '{}', p_actor_id => pg_temp.fx('owner_b'));
end;
$$;

-- The SQL of a cell, with {key} replaced by the fixture's uuid literal and [key] by its bare
-- text (for use inside string literals such as object paths).
create function pg_temp.cell_sql(p_sql text) returns text language plpgsql stable
as $$
declare
  r record;
  v text := p_sql;
begin
  for r in select key, id from fx order by length(key) desc loop
    v := replace(v, '{' || r.key || '}', format('%L::uuid', r.id));
    v := replace(v, '[' || r.key || ']', r.id::text);
  end loop;
  if v ~ '[{\[][a-z_0-9]+[}\]]' then
    raise exception 'unknown fixture in %', v;
  end if;
  return v;
end;
$$;

-- Runs one cell of the matrix as `p_who` (anon, service_role, or a fixture user) exactly as PostgREST would,
-- and reports what happened: 'N rows' (rows read, or rows affected by a write) or
-- 'SQLSTATE: message'. Back to postgres afterwards. A write that succeeds stays written.
create function pg_temp.attempt(p_who text, p_sql text) returns text language plpgsql
as $$
declare
  v_sql text := pg_temp.cell_sql(p_sql);
  v_user uuid := pg_temp.fx(p_who);
  v_n bigint;
  v_out text;
begin
  if p_who = 'anon' then
    perform tests.authenticate_as_anon();
  elsif p_who = 'service_role' then
    perform tests.authenticate_as_service_role();
  elsif v_user is null then
    raise exception 'unknown identity %', p_who;
  else
    perform tests.authenticate_as(v_user);
  end if;
  begin
    if v_sql ~* '^\s*(select|with|table)\s' then
      execute 'select count(*) from (' || v_sql || ') as cell' into v_n;
    else
      execute v_sql;
      get diagnostics v_n = row_count;
    end if;
    v_out := v_n || ' rows';
  exception when others then
    v_out := sqlstate || ': ' || sqlerrm;
  end;
  perform tests.clear_authentication();
  return v_out;
end;
$$;

-- recordings: same organisation and a live parent survey; admins and owners write; no delete.
select is(pg_temp.attempt('anon', $$select 1 from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-001] recordings select (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select 1 from public.recordings where org_id = {org_a}$$),
  '3 rows',
  '[ISO-3-002] recordings select (org A) as member_a: 3 rows');
select is(pg_temp.attempt('admin_a', $$select 1 from public.recordings where org_id = {org_a}$$),
  '3 rows',
  '[ISO-3-003] recordings select (org A) as admin_a: 3 rows');
select is(pg_temp.attempt('owner_a', $$select 1 from public.recordings where org_id = {org_a}$$),
  '3 rows',
  '[ISO-3-004] recordings select (org A) as owner_a: 3 rows');
select is(pg_temp.attempt('removed_a', $$select 1 from public.recordings where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-005] recordings select (org A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from public.recordings where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-006] recordings select (org A) as owner_b: 0 rows');
select is(pg_temp.attempt('anon', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/pwned.webm', 1, 1, 'audio/webm')$$),
  '42501: permission denied for table recordings',
  '[ISO-3-007] recordings insert (into A) as anon: refused');
select is(pg_temp.attempt('member_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/pwned.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-008] recordings insert (into A) as member_a: refused');
select is(pg_temp.attempt('removed_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/pwned.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-009] recordings insert (into A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/pwned.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-010] recordings insert (into A) as owner_b: refused');
select is(pg_temp.attempt('admin_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/by-admin.webm', 1, 1, 'audio/webm')$$),
  '1 rows',
  '[ISO-3-011] recordings insert as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_a]/[s_a]/[r_a]/by-owner.webm', 1, 1, 'audio/webm')$$),
  '1 rows',
  '[ISO-3-012] recordings insert as owner_a: allowed (control)');
select is(pg_temp.attempt('owner_b', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_b}, {s_a}, {r_a}, {q_a}, '[org_b]/[s_a]/[r_a]/pwned.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-013] recordings insert: owner_b cannot hang a B row under A''s survey');
select is(pg_temp.attempt('owner_b', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_b}, {r_b}, {q_b}, '[org_a]/[s_b]/[r_b]/pwned.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-014] recordings insert: owner_b cannot forge org_id A');
select is(pg_temp.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_c}, {q_a}, '[org_a]/[s_a]/[r_c]/pwned.webm', 1, 1, 'audio/webm')$$),
  '23503: insert or update on table "recordings" violates foreign key constraint "recordings_org_id_survey_id_response_id_fkey"',
  '[ISO-3-015] recordings insert: cannot point at another organisation''s response (composite FK)');
select is(pg_temp.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_c}, '[org_a]/[s_a]/[r_a]/pwned.webm', 1, 1, 'audio/webm')$$),
  '23503: insert or update on table "recordings" violates foreign key constraint "recordings_org_id_survey_id_question_id_fkey"',
  '[ISO-3-016] recordings insert: cannot point at another organisation''s question (composite FK)');
select is(pg_temp.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a}, {r_a}, {q_a}, '[org_c]/[s_c]/[r_a]/pwned.webm', 1, 1, 'audio/webm')$$),
  '23514: new row for relation "recordings" violates check constraint "recordings_check"',
  '[ISO-3-017] recordings insert: the object path must lie in the row''s own organisation and survey folder');
select is(pg_temp.attempt('owner_a', $$insert into public.recordings (org_id, survey_id, response_id, question_id, object_path, duration_ms, size_bytes, mime_type) values ({org_a}, {s_a_del}, {r_a}, {q_a}, '[org_a]/[s_a_del]/[r_a]/pwned.webm', 1, 1, 'audio/webm')$$),
  '42501: new row violates row-level security policy for table "recordings"',
  '[ISO-3-018] recordings insert: not under a soft-deleted survey');
select is(pg_temp.attempt('anon', $$update public.recordings set mime_type = 'audio/pwned' where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-019] recordings update (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$update public.recordings set mime_type = 'audio/pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-020] recordings update (org A) as member_a: 0 rows');
select is(pg_temp.attempt('removed_a', $$update public.recordings set mime_type = 'audio/pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-021] recordings update (org A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$update public.recordings set mime_type = 'audio/pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-022] recordings update (org A) as owner_b: 0 rows');
select is(pg_temp.attempt('admin_a', $$update public.recordings set duration_ms = 2000 where id = {rec_a2}$$),
  '1 rows',
  '[ISO-3-023] recordings update as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$update public.recordings set duration_ms = 3000 where id = {rec_a2}$$),
  '1 rows',
  '[ISO-3-024] recordings update as owner_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$update public.recordings set org_id = {org_c} where id = {rec_a2}$$),
  '42501: org_id cannot change after insert (table recordings)',
  '[ISO-3-025] recordings update: cannot move a row to another organisation (org_id immutable)');
select is(pg_temp.attempt('owner_a', $$update public.recordings set response_id = {r_c} where id = {rec_a2}$$),
  '23503: insert or update on table "recordings" violates foreign key constraint "recordings_org_id_survey_id_response_id_fkey"',
  '[ISO-3-026] recordings update: cannot re-point at another organisation''s response (composite FK)');
select is(pg_temp.attempt('owner_a', $$update public.recordings set object_path = '[org_c]/[s_c]/[r_c]/moved.webm' where id = {rec_a2}$$),
  '23514: new row for relation "recordings" violates check constraint "recordings_check"',
  '[ISO-3-027] recordings update: cannot move the object path into another organisation''s folder');
select is(pg_temp.attempt('anon', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-028] recordings delete (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-029] recordings delete (org A) as member_a: refused');
select is(pg_temp.attempt('admin_a', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-030] recordings delete (org A) as admin_a: refused');
select is(pg_temp.attempt('owner_a', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-031] recordings delete (org A) as owner_a: refused');
select is(pg_temp.attempt('removed_a', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-032] recordings delete (org A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$delete from public.recordings where org_id = {org_a}$$),
  '42501: permission denied for table recordings',
  '[ISO-3-033] recordings delete (org A) as owner_b: refused');

-- transcripts: same organisation and a live parent survey; admins and owners write; no delete.
select is(pg_temp.attempt('anon', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-034] transcripts select (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '1 rows',
  '[ISO-3-035] transcripts select (org A) as member_a: 1 rows');
select is(pg_temp.attempt('admin_a', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '1 rows',
  '[ISO-3-036] transcripts select (org A) as admin_a: 1 rows');
select is(pg_temp.attempt('owner_a', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '1 rows',
  '[ISO-3-037] transcripts select (org A) as owner_a: 1 rows');
select is(pg_temp.attempt('removed_a', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-038] transcripts select (org A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$select 1 from public.transcripts where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-039] transcripts select (org A) as owner_b: 0 rows');
select is(pg_temp.attempt('anon', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-040] transcripts insert (into A) as anon: refused');
select is(pg_temp.attempt('member_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "transcripts"',
  '[ISO-3-041] transcripts insert (into A) as member_a: refused');
select is(pg_temp.attempt('removed_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "transcripts"',
  '[ISO-3-042] transcripts insert (into A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "transcripts"',
  '[ISO-3-043] transcripts insert (into A) as owner_b: refused');
select is(pg_temp.attempt('owner_b', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_b}, {s_b}, {rec_a2}, 'pwned')$$),
  '23503: insert or update on table "transcripts" violates foreign key constraint "transcripts_org_id_survey_id_recording_id_fkey"',
  '[ISO-3-044] transcripts insert: owner_b cannot attach a B transcript to A''s recording (composite FK)');
select is(pg_temp.attempt('admin_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'by admin')$$),
  '1 rows',
  '[ISO-3-045] transcripts insert as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a3}, 'by owner')$$),
  '1 rows',
  '[ISO-3-046] transcripts insert as owner_a: allowed (control)');
select is(pg_temp.attempt('owner_b', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_a2}, 'pwned')$$),
  '42501: new row violates row-level security policy for table "transcripts"',
  '[ISO-3-047] transcripts insert: owner_b cannot forge org_id A');
select is(pg_temp.attempt('owner_a', $$insert into public.transcripts (org_id, survey_id, recording_id, body) values ({org_a}, {s_a}, {rec_c}, 'pwned')$$),
  '23503: insert or update on table "transcripts" violates foreign key constraint "transcripts_org_id_survey_id_recording_id_fkey"',
  '[ISO-3-048] transcripts insert: cannot point at another organisation''s recording (composite FK)');
select is(pg_temp.attempt('anon', $$update public.transcripts set body = 'pwned' where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-049] transcripts update (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$update public.transcripts set body = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-050] transcripts update (org A) as member_a: 0 rows');
select is(pg_temp.attempt('removed_a', $$update public.transcripts set body = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-051] transcripts update (org A) as removed_a: 0 rows');
select is(pg_temp.attempt('owner_b', $$update public.transcripts set body = 'pwned' where org_id = {org_a}$$),
  '0 rows',
  '[ISO-3-052] transcripts update (org A) as owner_b: 0 rows');
select is(pg_temp.attempt('admin_a', $$update public.transcripts set body = 'edited' where id = {t_a}$$),
  '1 rows',
  '[ISO-3-053] transcripts update as admin_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$update public.transcripts set body = 'edited' where id = {t_a}$$),
  '1 rows',
  '[ISO-3-054] transcripts update as owner_a: allowed (control)');
select is(pg_temp.attempt('owner_a', $$update public.transcripts set org_id = {org_c} where id = {t_a}$$),
  '42501: org_id cannot change after insert (table transcripts)',
  '[ISO-3-055] transcripts update: cannot move a row to another organisation (org_id immutable)');
select is(pg_temp.attempt('owner_a', $$update public.transcripts set recording_id = {rec_c} where id = {t_a}$$),
  '23503: insert or update on table "transcripts" violates foreign key constraint "transcripts_org_id_survey_id_recording_id_fkey"',
  '[ISO-3-056] transcripts update: cannot re-point at another organisation''s recording (composite FK)');
select is(pg_temp.attempt('anon', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-057] transcripts delete (org A) as anon: refused');
select is(pg_temp.attempt('member_a', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-058] transcripts delete (org A) as member_a: refused');
select is(pg_temp.attempt('admin_a', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-059] transcripts delete (org A) as admin_a: refused');
select is(pg_temp.attempt('owner_a', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-060] transcripts delete (org A) as owner_a: refused');
select is(pg_temp.attempt('removed_a', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-061] transcripts delete (org A) as removed_a: refused');
select is(pg_temp.attempt('owner_b', $$delete from public.transcripts where org_id = {org_a}$$),
  '42501: permission denied for table transcripts',
  '[ISO-3-062] transcripts delete (org A) as owner_b: refused');

-- Children of a soft-deleted survey vanish for everyone.
do $$ begin
  update public.surveys set deleted_at = now(), deleted_by = pg_temp.fx('owner_a') where id = pg_temp.fx('s_a');
end $$;
select is(pg_temp.attempt('member_a', $$select 1 from public.recordings where survey_id = {s_a} union all select 1 from public.transcripts where survey_id = {s_a}$$),
  '0 rows',
  '[ISO-3-063] soft-deleted survey: member_a reads none of its recordings or transcripts');
select is(pg_temp.attempt('admin_a', $$select 1 from public.recordings where survey_id = {s_a} union all select 1 from public.transcripts where survey_id = {s_a}$$),
  '0 rows',
  '[ISO-3-064] soft-deleted survey: admin_a reads none of its recordings or transcripts');
select is(pg_temp.attempt('owner_a', $$select 1 from public.recordings where survey_id = {s_a} union all select 1 from public.transcripts where survey_id = {s_a}$$),
  '0 rows',
  '[ISO-3-065] soft-deleted survey: owner_a reads none of its recordings or transcripts');
select is(pg_temp.attempt('owner_a', $$update public.transcripts set body = 'pwned' where survey_id = {s_a}$$),
  '0 rows',
  '[ISO-3-066] soft-deleted survey: its transcripts cannot be edited');
do $$ begin
  update public.surveys set deleted_at = null, deleted_by = null where id = pg_temp.fx('s_a');
end $$;

-- As postgres: nothing forbidden got through, and B is untouched.
select is((select count(*)::int from public.recordings where object_path like '%pwned%' or mime_type = 'audio/pwned'), 0,
  '[ISO-3-067] no forbidden recording write landed');
select is((select count(*)::int from public.transcripts where body = 'pwned'), 0,
  '[ISO-3-068] no forbidden transcript write landed');
select results_eq(
  $$select org_id, survey_id, response_id, duration_ms, object_path from public.recordings where id = pg_temp.fx('rec_a2')$$,
  $$select pg_temp.fx('org_a'), pg_temp.fx('s_a'), pg_temp.fx('r_a'), 3000,
      format('%s/%s/%s/rec_a2.webm', pg_temp.fx('org_a'), pg_temp.fx('s_a'), pg_temp.fx('r_a'))$$,
  '[ISO-3-069] rec_a2 kept its organisation, parents and path; only the allowed edits applied');
select results_eq(
  $$select org_id, recording_id, body from public.transcripts where id = pg_temp.fx('t_a')$$,
  $$select pg_temp.fx('org_a'), pg_temp.fx('rec_a1'), 'edited'::text$$,
  '[ISO-3-070] t_a kept its organisation and recording');
select results_eq(
  $$select (select count(*) from public.recordings where org_id = pg_temp.fx('org_b'))::int,
           (select count(*) from public.transcripts where org_id = pg_temp.fx('org_b'))::int,
           (select body from public.transcripts where id = pg_temp.fx('t_b'))$$,
  $$values (1, 1, 'Transcript B'::text)$$,
  '[ISO-3-071] B''s recordings and transcripts are untouched');

select * from finish();
rollback;
