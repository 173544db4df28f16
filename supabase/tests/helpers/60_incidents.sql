-- Fixtures and drivers for the incident ledger (20261204000100_incident_ledger). Installed after
-- 50_security_reports.sql (file order).

-- Moments of a suite's timeline, by name (transaction-local, like tests.remember_id).
create function tests.mark_time(p_name text)
returns timestamptz
language plpgsql
as $$
declare
  v_at timestamptz := clock_timestamp();
begin
  -- Events on either side of a mark must not share its microsecond.
  perform pg_sleep(0.002);
  perform set_config('tests.marked_times',
    (coalesce(nullif(current_setting('tests.marked_times', true), ''), '{}')::jsonb
      || jsonb_build_object(p_name, v_at))::text, true);
  perform pg_sleep(0.002);
  return v_at;
end;
$$;

create function tests.marked_time(p_name text)
returns timestamptz
language plpgsql
stable
as $$
declare
  v_at timestamptz := (nullif(current_setting('tests.marked_times', true), '')::jsonb
    ->> p_name)::timestamptz;
begin
  if v_at is null then
    raise exception 'tests.marked_time: nothing marked as %', p_name;
  end if;
  return v_at;
end;
$$;

-- Opens an incident and remembers it under p_name; returns its reference.
create function tests.open_incident(p_name text, p_detected_at timestamptz, p_scope jsonb)
returns text
language plpgsql
as $$
declare
  v_reference text := private.incident_open(p_detected_at, p_scope);
begin
  perform tests.remember_id(p_name,
    (select i.id from private.incidents i where i.reference = v_reference));
  return v_reference;
end;
$$;

create function tests.incident_ref(p_name text)
returns text
language sql
stable
as $$
  select i.reference from private.incidents i where i.id = tests.remembered_id(p_name);
$$;

-- What mail-sender does with every due incident notice: claim, mark sending, settle as sent
-- (p_error null) or failed with p_error. Returns how many were attempted. Messages of other
-- templates that this claim took are given back (only those: another sender's leases stay).
create function tests.send_incident_mail(p_error text default null)
returns integer
language plpgsql
as $$
declare
  v_mail record;
  v_n integer := 0;
begin
  for v_mail in select c.id, c.lease_token, c.template from private.mail_claim(100) c loop
    if v_mail.template <> 'incident_notice' then
      perform private.mail_release(array[v_mail.id], v_mail.lease_token);
    elsif private.mail_mark_sending(v_mail.id, v_mail.lease_token) then
      perform private.mail_settle(v_mail.id, v_mail.lease_token, p_error);
      v_n := v_n + 1;
    end if;
  end loop;
  return v_n;
end;
$$;

grant execute on function tests.mark_time(text), tests.marked_time(text),
  tests.incident_ref(text) to anon, authenticated, service_role;
