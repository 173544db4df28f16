-- The audit trail's owner (cluso_audit_owner), for the suites that prove even the owner cannot
-- rewrite the trail (08, 09, 12) or that the trail detects a rewrite (13). Installed after
-- 60_incidents.sql (file order), so the blanket grants of 40_jobs.sql and 50_security_reports.sql
-- do not reach these functions; only postgres may call them (revoked from everyone else below).
--
-- The runners are SECURITY DEFINER and owned by cluso_audit_owner, so a statement runs as
-- `set role cluso_audit_owner` would (its privileges, RLS, triggers) while pgTAP keeps running as
-- postgres. postgres holds the owner role only while this file hands the functions over, so the
-- suites' postgres rows test postgres alone (it inherits the roles it belongs to).

-- Runs p_sql as the audit owner; returns the rows it touched.
create function tests.as_audit_owner(p_sql text)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rows bigint;
begin
  if current_user <> 'cluso_audit_owner' then
    raise exception 'tests.as_audit_owner: runner is not the owner';
  end if;
  execute p_sql;
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;

-- An attacker holding the owner role: runs p_sql as the audit owner with the user triggers of
-- p_tables (by default the trail and its chain heads) switched off, and back on afterwards, so
-- only the hash chain can tell. Returns the rows p_sql touched.
create function tests.as_audit_owner_without_triggers(
  p_sql text, p_tables text[] default array['audit.events', 'audit.chain_heads']
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_table text;
  v_rows bigint;
begin
  if current_user <> 'cluso_audit_owner' then
    raise exception 'tests.as_audit_owner_without_triggers: runner is not the owner';
  end if;
  foreach v_table in array p_tables loop
    execute format('alter table %s disable trigger user', v_table::regclass);
  end loop;
  execute p_sql;
  get diagnostics v_rows = row_count;
  foreach v_table in array p_tables loop
    execute format('alter table %s enable trigger user', v_table::regclass);
  end loop;
  return v_rows;
end;
$$;

-- The SQL an attacker with the owner role would write to forge event p_seq of chain p_chain:
-- the link after event p_seq - 1, copying its actor, organisation, target table and time, with
-- action p_action, and hashed exactly as audit.record_event() hashes (so only the chain's
-- position, the head or the action list can give it away). Run it through the functions above.
create function tests.forged_link_sql(
  p_chain uuid, p_seq bigint, p_action text default 'survey.restored'
)
returns text
language sql
stable
as $$
  select format($sql$
    insert into audit.events (chain_id, seq, occurred_at, action, actor_kind, actor_id, actor_job,
      org_id, target_table, target_id, reason, request_id, details, prev_hash, hash)
    select p.chain_id, %2$s, p.occurred_at, %3$L, p.actor_kind, p.actor_id, p.actor_job,
      p.org_id, p.target_table, 'forged', 'user_request', 'forged-req', '{}', p.hash,
      audit.event_hash(p.hash, p.chain_id, %2$s, p.occurred_at, %3$L, p.actor_kind, p.actor_id,
        p.actor_job, p.org_id, p.target_table, 'forged', 'user_request', 'forged-req', '{}')
    from audit.events p where p.chain_id = %1$L and p.seq = %2$s - 1$sql$,
    p_chain, p_seq, p_action);
$$;

-- Closed to everyone before the hand-over (while postgres still owns them and may revoke)...
revoke execute on function tests.as_audit_owner(text),
  tests.as_audit_owner_without_triggers(text, text[]), tests.forged_link_sql(uuid, bigint, text)
  from public, anon, authenticated, service_role;
-- ... then owned by the audit owner, and executable by postgres alone.
grant cluso_audit_owner to postgres;
grant create on schema tests to cluso_audit_owner;
alter function tests.as_audit_owner(text) owner to cluso_audit_owner;
alter function tests.as_audit_owner_without_triggers(text, text[]) owner to cluso_audit_owner;
grant execute on function tests.as_audit_owner(text),
  tests.as_audit_owner_without_triggers(text, text[]) to postgres;
revoke create on schema tests from cluso_audit_owner;
revoke cluso_audit_owner from postgres;
