-- Organisation deletion: owners only, permanent, audited. Its surveys go through the same
-- hard delete as the retention purge (so every recording's object is queued for removal), and
-- every other object in the organisation's Storage folder is queued too: it is the
-- organisation's data, whether or not a recording row still points at it.

create function private.organization_deletion_perform(
  p_org_id uuid, p_cause text, p_actor_job text, p_actor_id uuid
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_counts jsonb;
  v_members bigint;
  v_objects bigint;
begin
  perform 1 from public.organizations o where o.id = p_org_id for update;
  if not found then
    raise exception 'organisation % not found', p_org_id using errcode = 'P0002';
  end if;
  perform 1 from public.surveys s where s.org_id = p_org_id for update;
  v_counts := private.hard_delete_surveys(
    array(select s.id from public.surveys s where s.org_id = p_org_id), p_cause, p_actor_job,
    p_actor_id);

  insert into private.storage_removals (bucket_id, object_name, org_id, cause)
  select o.bucket_id, o.name, p_org_id, p_cause
  from private.storage_folder_objects('recordings', p_org_id::text) o
  on conflict (bucket_id, object_name) do nothing;
  get diagnostics v_objects = row_count;

  select count(*) into v_members from public.memberships m where m.org_id = p_org_id;
  delete from public.organizations o where o.id = p_org_id;

  v_counts := v_counts || jsonb_build_object('memberships', v_members,
    'unreferenced_objects', v_objects);
  perform audit.record_event('organization.deleted', p_org_id, 'public.organizations',
    p_org_id::text, p_cause, v_counts, p_actor_job => p_actor_job, p_actor_id => p_actor_id);
  return v_counts;
end;
$$;
revoke all on function private.organization_deletion_perform(uuid, text, text, uuid)
  from public, anon, authenticated, service_role;

create function private.delete_organization(p_org_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('delete an organisation');
begin
  if not private.has_org_role(p_org_id, 'member') then
    raise exception 'organisation % not found', p_org_id using errcode = 'P0002';
  end if;
  if not private.has_org_role(p_org_id, 'owner') then
    raise exception 'only owners can delete an organisation' using errcode = '42501';
  end if;
  return private.organization_deletion_perform(p_org_id, 'user_request', null, v_user);
end;
$$;
grant execute on function private.delete_organization(uuid) to authenticated;

create function public.delete_organization(p_org_id uuid)
returns jsonb
language sql
security invoker
set search_path = ''
as $$
  select private.delete_organization(p_org_id);
$$;
comment on function public.delete_organization(uuid) is
  'Permanently deletes an organisation and all its data (owners only); recordings are removed from Storage by the scheduled job.';
grant execute on function public.delete_organization(uuid) to authenticated;
