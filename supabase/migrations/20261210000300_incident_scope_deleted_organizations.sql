-- A leaked key's incident (or a window naming nobody) also reaches organisations deleted since.
--
-- When the whole database was exposed, incident_scope listed the organisations of
-- public.organizations: one that existed during the window, readable by the leaked key, but was
-- deleted before ops scoped the incident was left out, and its former members were never
-- notified. An account's or a named organisation's scope already read the membership history
-- (audit.membership_events), which outlives the organisation. The "everything" scope now adds
-- every organisation that history shows with members during the window and that no longer
-- exists; its members are found as for any other (incident_org_members). Its data is gone, so
-- it is counted from the audit trail: every survey.purged event of it since the window began,
-- with the counts each carries (its deletion purges every survey it still had). That is what
-- existed while it was readable and was deleted since, or a little more, never less: no notice
-- says nothing was exposed when something was. The function is restated whole; the changes are
-- that branch and those counts.
-- 42_incident_response INC-082 checks them.

create or replace function private.incident_scope(p_reference text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents := private.incident_for_update(p_reference);
  v_accounts uuid[];
  v_orgs uuid[];
  v_everything boolean;
  v_summary jsonb;
begin
  -- Frozen: scoping again answers what was scoped (and notified) the first time.
  if v_incident.scoped_at is not null then
    return v_incident.summary;
  end if;
  v_accounts := array(select jsonb_array_elements_text(
    coalesce(v_incident.scope -> 'accounts', '[]'))::uuid);
  v_orgs := array(select jsonb_array_elements_text(
    coalesce(v_incident.scope -> 'organizations', '[]'))::uuid);
  -- A leaked key, or a window naming no identity, exposes everything in the window.
  v_everything := v_incident.scope ? 'leaked_key'
    or (cardinality(v_accounts) = 0 and cardinality(v_orgs) = 0);

  -- The exact recordings the compromised identities were granted (uploads are not reads). A
  -- leaked key bypasses the broker, so the log cannot say what it read: everything counts.
  insert into private.incident_recordings_accessed (incident_id, org_id, survey_id, response_id,
    recording_id, user_id, first_accessed_at, last_accessed_at, grants)
  select v_incident.id, l.org_id, l.survey_id, l.response_id, l.recording_id, l.user_id,
    min(l.accessed_at), max(l.accessed_at), count(*)
  from audit.recording_access l
  where l.accessed_at >= v_incident.window_from and l.accessed_at <= v_incident.window_to
    and l.recording_id is not null and l.access_path <> 'upload'
    and (l.user_id = any (v_accounts) or l.org_id = any (v_orgs))
  group by l.org_id, l.survey_id, l.response_id, l.recording_id, l.user_id;

  insert into private.incident_organizations (incident_id, org_id, sources, readable_from,
    readable_until, surveys, responses, transcripts, recordings, recordings_accessed)
  select v_incident.id, x.org_id, x.sources, x.readable_from, x.readable_until,
    c.surveys, c.responses, c.transcripts, c.recordings,
    (select count(distinct a.recording_id)::int from private.incident_recordings_accessed a
     where a.incident_id = v_incident.id and a.org_id = x.org_id)
  from (
    select e.org_id, array_agg(distinct e.source order by e.source) as sources,
      min(e.readable_from) as readable_from, max(e.readable_until) as readable_until
    from (
      select a.org_id, 'account' as source, a.readable_from, a.readable_until
      from unnest(v_accounts) u
      cross join lateral private.incident_account_orgs(u, v_incident.window_from,
        v_incident.window_to) a
      union all
      select o, 'organization', v_incident.window_from, v_incident.window_to
      from unnest(v_orgs) o
      union all
      select g.id, case when v_incident.scope ? 'leaked_key' then 'leaked_key' else 'window' end,
        v_incident.window_from, v_incident.window_to
      from public.organizations g
      where v_everything and g.created_at <= v_incident.window_to
      union all
      -- Organisations deleted since: their membership history says they had members during the
      -- window (deleting one removes every member, the last entry of its history).
      select h.org_id,
        case when v_incident.scope ? 'leaked_key' then 'leaked_key' else 'window' end,
        v_incident.window_from, v_incident.window_to
      from audit.membership_events h
      where v_everything
        and not exists (select 1 from public.organizations g where g.id = h.org_id)
      group by h.org_id
      having min(h.occurred_at) <= v_incident.window_to
        and max(h.occurred_at) >= v_incident.window_from
    ) e
    group by e.org_id
  ) x
  -- What existed while it was readable, and their children: through the API (an account, an
  -- organisation, a window), the surveys not already in the trash, whose children RLS hides; with
  -- a leaked key, which bypasses RLS, the trashed surveys too, until their purge.
  cross join lateral (
    -- An organisation deleted since: the surveys purged since the window began (its deletion
    -- purges every survey it still had), each event with its counts.
    select count(*)::int as surveys,
      coalesce(sum((e.details ->> 'responses')::int), 0)::int as responses,
      coalesce(sum((e.details ->> 'transcripts')::int), 0)::int as transcripts,
      coalesce(sum((e.details ->> 'recordings')::int), 0)::int as recordings
    from audit.events e
    where e.org_id = x.org_id and e.action = 'survey.purged'
      and e.occurred_at >= x.readable_from
    having not exists (select 1 from public.organizations g where g.id = x.org_id)
    union all
    -- One that exists:
    select count(*)::int as surveys,
      coalesce(sum((select count(*) from public.responses r where r.org_id = s.org_id
        and r.survey_id = s.id and r.started_at <= x.readable_until)), 0)::int as responses,
      coalesce(sum((select count(*) from public.transcripts t where t.org_id = s.org_id
        and t.survey_id = s.id and t.created_at <= x.readable_until)), 0)::int as transcripts,
      coalesce(sum((select count(*) from public.recordings r where r.org_id = s.org_id
        and r.survey_id = s.id and r.created_at <= x.readable_until)), 0)::int as recordings
    from public.surveys s
    where s.org_id = x.org_id and s.created_at <= x.readable_until
      and (s.deleted_at is null or s.deleted_at >= x.readable_from
        or 'leaked_key' = any (x.sources))
    having exists (select 1 from public.organizations g where g.id = x.org_id)
  ) c;

  -- Affected users: the compromised accounts, and every member of an affected organisation
  -- while its data was exposed. Erased accounts cannot be written to (marked unreachable below).
  insert into private.incident_recipients (incident_id, user_id, account_compromised, params)
  select v_incident.id, p.user_id, p.user_id = any (v_accounts),
    jsonb_build_object(
      'reference', v_incident.reference,
      'detected_at', v_incident.detected_at,
      'window_from', v_incident.window_from,
      'window_to', v_incident.window_to,
      'account_compromised', p.user_id = any (v_accounts),
      'organizations', coalesce((
        select jsonb_agg(jsonb_build_object('org_id', o.org_id, 'surveys', o.surveys,
          'responses', o.responses, 'transcripts', o.transcripts, 'recordings', o.recordings,
          'recordings_accessed', o.recordings_accessed) order by o.org_id)
        from private.incident_organizations o
        where o.incident_id = v_incident.id and o.org_id = any (p.orgs)), '[]'),
      'actions', private.incident_actions(p.user_id = any (v_accounts),
        v_incident.scope ? 'leaked_key',
        exists (select 1 from private.incident_organizations o
          where o.incident_id = v_incident.id and o.org_id = any (p.orgs)
            and o.recordings_accessed > 0),
        cardinality(p.orgs) > 0))
  from (
    select m.user_id, array_agg(distinct m.org_id) filter (where m.org_id is not null) as orgs
    from (
      select u.user_id, o.org_id
      from private.incident_organizations o
      cross join lateral private.incident_org_members(o.org_id, o.readable_from,
        o.readable_until) u
      where o.incident_id = v_incident.id
      union all
      select a, null::uuid from unnest(v_accounts) a
    ) m
    group by m.user_id
  ) p;
  update private.incident_recipients r set unreachable_at = private.current_time()
  where r.incident_id = v_incident.id
    and not exists (select 1 from auth.users au where au.id = r.user_id and au.email is not null);

  select jsonb_build_object(
    'organizations', (select count(*) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'users', (select count(*) from private.incident_recipients r
      where r.incident_id = v_incident.id),
    'unreachable', (select count(*) from private.incident_recipients r
      where r.incident_id = v_incident.id and r.unreachable_at is not null),
    'recordings_accessed', (select count(distinct a.recording_id)
      from private.incident_recordings_accessed a where a.incident_id = v_incident.id),
    'surveys', (select coalesce(sum(o.surveys), 0) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'responses', (select coalesce(sum(o.responses), 0) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'transcripts', (select coalesce(sum(o.transcripts), 0) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'recordings', (select coalesce(sum(o.recordings), 0) from private.incident_organizations o
      where o.incident_id = v_incident.id),
    'access_log_complete', not (v_incident.scope ? 'leaked_key'))
  into v_summary;

  update private.incidents i
  set state = 'scoped', scoped_at = private.current_time(), summary = v_summary
  where i.id = v_incident.id;
  perform private.incident_audit('incident.scoped', v_incident.id, 'ops_incident', v_summary);
  return v_summary;
end;
$$;
