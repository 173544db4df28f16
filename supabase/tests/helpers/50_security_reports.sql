-- Fixtures of the mail and security-report suites (4x): named reports and messages, so a suite
-- never writes a reference or an id. Installed after 40_jobs.sql (file order).

-- A report submitted as the public endpoint submits it, from its own source (a keyed hash made
-- of the name), by '<p_name>@reporter.test'. Its reference is kept under its name.
create function tests.submit_security_report(
  p_name text,
  p_details text default 'Steps to reproduce: secret-details',
  p_channel text default 'web'
)
returns text
language plpgsql
as $$
declare
  v_answer jsonb := private.security_report_submit(
    encode(sha256(convert_to('source:' || p_name, 'UTF8')), 'hex'), p_channel,
    p_name || '@reporter.test', 'Summary of ' || p_name, p_details, 'high');
begin
  if not (v_answer ->> 'accepted')::boolean then
    raise exception 'tests.submit_security_report: % was refused: %', p_name, v_answer;
  end if;
  perform set_config('tests.report.' || p_name, v_answer ->> 'reference', true);
  return v_answer ->> 'reference';
end;
$$;

-- The reference of the named report.
create function tests.report_reference(p_name text)
returns text
language plpgsql
stable
as $$
declare
  v_reference text := nullif(current_setting('tests.report.' || p_name, true), '');
begin
  if v_reference is null then
    raise exception 'tests.report_reference: no report named %', p_name;
  end if;
  return v_reference;
end;
$$;

create function tests.report_id(p_name text)
returns uuid
language sql
stable
as $$
  select r.id from private.security_reports r where r.reference = tests.report_reference(p_name);
$$;

-- The outbox message acknowledging the named report.
create function tests.report_ack_mail_id(p_name text)
returns uuid
language sql
stable
as $$
  select r.ack_mail_id from private.security_reports r
  where r.reference = tests.report_reference(p_name);
$$;

-- A message queued for '<p_name>@mail.test'; its id is remembered under its name.
create function tests.enqueue_mail(p_name text)
returns uuid
language sql
as $$
  select tests.remember_id(p_name, private.mail_enqueue(p_name || '@mail.test',
    'security_report_ack', '{"reference": "SR-0123456789AB", "channel": "web"}'));
$$;

-- What a sender does with the named message: claim everything due (a lease of p_lease) and
-- return this message's lease token; the others are given back.
create function tests.claim_mail(p_name text, p_lease interval default interval '5 minutes')
returns uuid
language plpgsql
as $$
declare
  v_token uuid;
begin
  select c.lease_token into v_token from private.mail_claim(100, p_lease) c
  where c.id = tests.remembered_id(p_name);
  if v_token is null then
    raise exception 'tests.claim_mail: % was not claimed', p_name;
  end if;
  perform private.mail_release(array(select m.id from private.mail_outbox m
    where m.lease_token = v_token and m.id <> tests.remembered_id(p_name)), v_token);
  return v_token;
end;
$$;

-- One full attempt at the named message: claim, mark sending, settle with p_error (null: sent).
create function tests.attempt_mail(p_name text, p_error text default null)
returns text
language plpgsql
as $$
declare
  v_token uuid := tests.claim_mail(p_name);
begin
  if not private.mail_mark_sending(tests.remembered_id(p_name), v_token) then
    raise exception 'tests.attempt_mail: % could not be marked sending', p_name;
  end if;
  return private.mail_settle(tests.remembered_id(p_name), v_token, p_error);
end;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;
