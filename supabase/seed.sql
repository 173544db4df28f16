-- Demo data for the local stack (applied by `supabase db push --include-seed`; never on a
-- hosted project unless someone asks for it). Two organisations with owners, admins and
-- members; surveys with questions, responses, recordings and transcripts; one survey deleted
-- 5 days ago (in the trash, restorable), one deleted 35 days ago (due for the retention purge),
-- and one user who asked for their account to be deleted (due for the erasure job).
-- Recording objects are uploaded through the Storage API by scripts/seed-storage.ts.
-- Emails use the reserved example.com domain; every id is fixed (child ids are md5 of their
-- parent's), so runs are reproducible.

insert into auth.users (instance_id, id, aud, role, email, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
select '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
  now(), '{"provider":"email","providers":["email"]}', '{}', now() - interval '90 days', now()
from (values
  ('a0000000-0000-4000-8000-000000000001'::uuid, 'ada.owner@example.com'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, 'alan.admin@example.com'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, 'amy.member@example.com'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, 'bob.owner@example.com'),
  ('b0000000-0000-4000-8000-000000000002'::uuid, 'bea.member@example.com'),
  ('c0000000-0000-4000-8000-000000000001'::uuid, 'cy.leaving@example.com')
) as u(id, email);

insert into public.profiles (id, display_name) values
  ('a0000000-0000-4000-8000-000000000001', 'Ada (Acme owner)'),
  ('a0000000-0000-4000-8000-000000000002', 'Alan (Acme admin)'),
  ('a0000000-0000-4000-8000-000000000003', 'Amy (Acme member)'),
  ('b0000000-0000-4000-8000-000000000001', 'Bob (Globex owner)'),
  ('b0000000-0000-4000-8000-000000000002', 'Bea (Globex member)'),
  ('c0000000-0000-4000-8000-000000000001', 'Cy (leaving)');

insert into public.organizations (id, name, created_by) values
  ('0a000000-0000-4000-8000-000000000000', 'Acme Research', 'a0000000-0000-4000-8000-000000000001'),
  ('0b000000-0000-4000-8000-000000000000', 'Globex Insights', 'b0000000-0000-4000-8000-000000000001'),
  ('0c000000-0000-4000-8000-000000000000', 'Cy''s Sandbox', 'c0000000-0000-4000-8000-000000000001');

insert into public.memberships (org_id, user_id, role, created_at) values
  ('0a000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000001', 'owner', now() - interval '80 days'),
  ('0a000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000002', 'admin', now() - interval '70 days'),
  ('0a000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000003', 'member', now() - interval '60 days'),
  ('0a000000-0000-4000-8000-000000000000', 'c0000000-0000-4000-8000-000000000001', 'member', now() - interval '50 days'),
  ('0b000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000001', 'owner', now() - interval '80 days'),
  ('0b000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000002', 'member', now() - interval '40 days'),
  ('0c000000-0000-4000-8000-000000000000', 'c0000000-0000-4000-8000-000000000001', 'owner', now() - interval '50 days');

insert into public.surveys (id, org_id, title, slug, created_by, deleted_at, deleted_by) values
  ('5a000000-0000-4000-8000-000000000001', '0a000000-0000-4000-8000-000000000000',
   'Checkout experience', 'checkout', 'a0000000-0000-4000-8000-000000000002', null, null),
  ('5a000000-0000-4000-8000-000000000002', '0a000000-0000-4000-8000-000000000000',
   'Onboarding interviews', 'onboarding', 'a0000000-0000-4000-8000-000000000002',
   now() - interval '5 days', 'a0000000-0000-4000-8000-000000000002'),
  ('5a000000-0000-4000-8000-000000000003', '0a000000-0000-4000-8000-000000000000',
   'Pricing page 2025', 'pricing-2025', 'a0000000-0000-4000-8000-000000000001',
   now() - interval '35 days', 'a0000000-0000-4000-8000-000000000001'),
  ('5b000000-0000-4000-8000-000000000001', '0b000000-0000-4000-8000-000000000000',
   'Support satisfaction', 'support', 'b0000000-0000-4000-8000-000000000001', null, null),
  ('5c000000-0000-4000-8000-000000000001', '0c000000-0000-4000-8000-000000000000',
   'Voice diary', 'diary', 'c0000000-0000-4000-8000-000000000001', null, null);

-- Two questions and three responses per survey; one recording (and transcript) per answer.
insert into public.questions (id, org_id, survey_id, position, prompt)
select
  md5(s.id::text || '/question/' || q)::uuid,
  s.org_id, s.id, q,
  (array['What did you try to do?', 'What got in your way?'])[q]
from public.surveys s, generate_series(1, 2) q;

insert into public.responses (id, org_id, survey_id, respondent_ref, started_at, completed_at)
select
  md5(s.id::text || '/response/' || r)::uuid,
  s.org_id, s.id, 'panel-' || r, now() - interval '20 days', now() - interval '20 days'
from public.surveys s, generate_series(1, 3) r;

insert into public.recordings (id, org_id, survey_id, response_id, question_id, object_path,
  duration_ms, size_bytes, mime_type)
select
  md5(r.id::text || '/recording/' || q.id)::uuid,
  r.org_id, r.survey_id, r.id, q.id,
  r.org_id || '/' || r.survey_id || '/' || r.id || '/' || q.id || '.webm',
  4200 + 100 * q.position, 512, 'audio/webm'
from public.responses r
join public.questions q on q.org_id = r.org_id and q.survey_id = r.survey_id;

insert into public.transcripts (org_id, survey_id, recording_id, body)
select rec.org_id, rec.survey_id, rec.id, 'Demo transcript for answer ' || rec.id
from public.recordings rec;

-- Cy asked two days ago for their account to be deleted.
insert into private.account_erasure_requests (user_id, requested_at, due_at)
values ('c0000000-0000-4000-8000-000000000001', now() - interval '2 days',
  now() - interval '2 days' + interval '7 days');

-- Bob invited Amy to Globex; she has not answered yet (she sees the invitation, nothing else).
insert into public.invitations (org_id, user_id, role, invited_by)
values ('0b000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000003', 'member',
  'b0000000-0000-4000-8000-000000000001');
