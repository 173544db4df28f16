-- Incident containment (docs/INCIDENT_RESPONSE.md): what ops run from an open incident to stop
-- a breach spreading, each step audited and written into the incident's entries.
--   * revoke a compromised user's sessions and refresh tokens: their refresh tokens stop working
--     at once, and access tokens already issued expire within the JWT lifetime;
--   * suspend an organisation's API access: a flag the role helper private.user_org_ids()
--     reads, so every policy and every function that asks it stops seeing the organisation for
--     all its members from the next statement on; reinstating lifts it.

create table private.organization_suspensions (
  org_id uuid primary key references public.organizations (id) on delete cascade,
  incident_id uuid not null references private.incidents (id),
  suspended_at timestamptz not null
);
create index organization_suspensions_incident_idx on private.organization_suspensions (incident_id);
alter table private.organization_suspensions enable row level security;
alter table private.organization_suspensions force row level security;
revoke all on private.organization_suspensions from public, anon, authenticated, service_role;

-- The role helper (20261128000200_tenancy), unchanged but for suspended organisations, which
-- it no longer returns. Same signature, plpgsql and SECURITY DEFINER (its cached plan and its
-- grants stay); the suspension table is tiny and looked up by primary key.
create or replace function private.user_org_ids(p_min_role public.org_role default 'member')
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return array(
    select m.org_id from public.memberships m
    where m.user_id = auth.uid() and m.role <= p_min_role
      and not exists (select 1 from private.organization_suspensions s where s.org_id = m.org_id)
  );
end;
$$;

-- The entry names the user or organisation; the audit event carries counts only (the trail
-- takes no ids in its details) and the organisation as its org_id.
create function private.incident_containment(
  p_incident private.incidents, p_action text, p_subject jsonb, p_counts jsonb,
  p_org_id uuid default null
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.incident_entries (incident_id, kind, details, added_at)
  values (p_incident.id, 'containment',
    jsonb_build_object('action', p_action) || p_subject || p_counts, private.current_time());
  perform private.incident_audit('incident.' || p_action, p_incident.id, 'ops_containment',
    p_counts, p_org_id);
end;
$$;

-- Deletes every session and refresh token of the user (GoTrue's own tables).
create function private.incident_revoke_sessions(p_reference text, p_user_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents := private.incident_for_update(p_reference);
  v_tokens integer;
  v_sessions integer;
begin
  if p_user_id is null or not exists (select 1 from auth.users u where u.id = p_user_id) then
    raise exception 'no such user' using errcode = 'P0002';
  end if;
  delete from auth.refresh_tokens t where t.user_id = p_user_id::text;
  get diagnostics v_tokens = row_count;
  delete from auth.sessions s where s.user_id = p_user_id;
  get diagnostics v_sessions = row_count;
  perform private.incident_containment(v_incident, 'sessions_revoked',
    jsonb_build_object('user_id', p_user_id),
    jsonb_build_object('sessions', v_sessions, 'refresh_tokens', v_tokens));
  return jsonb_build_object('sessions', v_sessions, 'refresh_tokens', v_tokens);
end;
$$;

create function private.incident_suspend_organization(p_reference text, p_org_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents := private.incident_for_update(p_reference);
begin
  if p_org_id is null or not exists (select 1 from public.organizations o where o.id = p_org_id)
  then
    raise exception 'no such organization' using errcode = 'P0002';
  end if;
  insert into private.organization_suspensions (org_id, incident_id, suspended_at)
  values (p_org_id, v_incident.id, private.current_time())
  on conflict (org_id) do nothing;
  if not found then
    return false;
  end if;
  perform private.incident_containment(v_incident, 'organization_suspended',
    jsonb_build_object('org_id', p_org_id), '{}', p_org_id);
  return true;
end;
$$;

-- Lifting a suspension is allowed on a closed incident too (it usually comes last).
create function private.incident_reinstate_organization(p_reference text, p_org_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents := private.incident_for_update(p_reference, false);
begin
  delete from private.organization_suspensions s where s.org_id = p_org_id;
  if not found then
    return false;
  end if;
  perform private.incident_containment(v_incident, 'organization_reinstated',
    jsonb_build_object('org_id', p_org_id), '{}', p_org_id);
  return true;
end;
$$;

create function public.incident_revoke_sessions(p_reference text, p_user_id uuid)
returns jsonb language sql security invoker set search_path = ''
as $$ select private.incident_revoke_sessions(p_reference, p_user_id) $$;
create function public.incident_suspend_organization(p_reference text, p_org_id uuid)
returns boolean language sql security invoker set search_path = ''
as $$ select private.incident_suspend_organization(p_reference, p_org_id) $$;
create function public.incident_reinstate_organization(p_reference text, p_org_id uuid)
returns boolean language sql security invoker set search_path = ''
as $$ select private.incident_reinstate_organization(p_reference, p_org_id) $$;

revoke all on function
  private.incident_containment(private.incidents, text, jsonb, jsonb, uuid),
  private.incident_revoke_sessions(text, uuid),
  private.incident_suspend_organization(text, uuid),
  private.incident_reinstate_organization(text, uuid),
  public.incident_revoke_sessions(text, uuid),
  public.incident_suspend_organization(text, uuid),
  public.incident_reinstate_organization(text, uuid)
from public, anon, authenticated, service_role;
grant execute on function
  private.incident_revoke_sessions(text, uuid),
  private.incident_suspend_organization(text, uuid),
  private.incident_reinstate_organization(text, uuid),
  public.incident_revoke_sessions(text, uuid),
  public.incident_suspend_organization(text, uuid),
  public.incident_reinstate_organization(text, uuid)
to service_role;
