-- The account.erased audit event counts the mail the erasure deleted.
--
-- Since 20261207000300 the erasure's last step deletes every message queued or sent to the
-- account's address (a security report's acknowledgement excepted), but it recorded no count of
-- them: the one deletion of that step the account.erased event, whose details carry every count
-- of the erasure's progress, did not show. The step now records `mail_messages_deleted` in its
-- progress, so the event carries it like `auth_log_entries_deleted`. The function is restated
-- whole (PL/pgSQL has no partial replacement); the one change is the count after the delete.

create or replace function private.account_erasure_step(
  p_request_id uuid, p_lease_token uuid, p_batch_size integer default 200,
  p_lease interval default interval '5 minutes'
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
  v_request private.account_erasure_requests;
  v_user uuid;
  v_org uuid;
  v_surveys uuid[];
  v_counts jsonb;
  v_hashes text[];
  v_mail_ids uuid[];
  v_user_exists boolean;
  -- The reason every deletion of this request is audited with.
  v_cause text;
  v_n bigint;
  v_result jsonb;
begin
  select * into v_request from private.account_erasure_requests r
  where r.id = p_request_id for update;
  if not found then
    raise exception 'account erasure request % not found', p_request_id using errcode = 'P0002';
  end if;
  -- Fails closed: a request nobody holds (null token or lease) is never worked on.
  if p_lease_token is null or v_request.lease_token is distinct from p_lease_token
    or v_request.leased_until is null or v_request.leased_until <= v_now then
    raise exception 'the lease on account erasure request % was lost', p_request_id
      using errcode = '55P03';
  end if;
  v_user := v_request.user_id;
  v_cause := case v_request.origin when 'auth_user_deleted' then 'auth_user_deleted'
    else 'account_erasure' end;

  if v_request.step = 'transfer_ownership' then
    v_n := private.account_erasure_transfer_ownership(v_user);
    v_request.progress := v_request.progress || jsonb_build_object('ownership_transferred', v_n);
    v_request.step := 'delete_solo_organizations';
    v_result := jsonb_build_object('step', 'transfer_ownership', 'organizations', v_n);

  elsif v_request.step = 'delete_solo_organizations' then
    -- One organisation at a time, at most p_batch_size surveys per call.
    -- The user's own solo organisations, and those a platform deletion of the user left without
    -- members (recorded by private.follow_auth_user_deletion()).
    select x.org_id into v_org from (
      select o.org_id from private.user_org_standing(v_user) o where o.only_member
      union
      select g.id from public.organizations g
      where g.id = any (v_request.orphaned_org_ids)
        and not exists (select 1 from public.memberships m where m.org_id = g.id)
    ) x
    order by x.org_id
    limit 1;
    if v_org is null then
      v_request.step := 'erase_user';
      v_result := jsonb_build_object('step', 'delete_solo_organizations', 'finished', true);
    else
      select array_agg(id) into v_surveys from (
        select s.id from public.surveys s where s.org_id = v_org
        order by s.id limit p_batch_size for update
      ) batch;
      if v_surveys is not null then
        v_counts := private.hard_delete_surveys(v_surveys, v_cause, 'account_erasure');
        v_request.progress := v_request.progress || jsonb_build_object(
          'surveys_deleted', coalesce((v_request.progress ->> 'surveys_deleted')::bigint, 0)
            + (v_counts ->> 'surveys')::bigint);
        v_result := jsonb_build_object('step', 'delete_solo_organizations', 'organization', v_org,
          'surveys', v_counts -> 'surveys');
      else
        perform private.organization_deletion_perform(v_org, v_cause, 'account_erasure', null);
        v_request.progress := v_request.progress || jsonb_build_object(
          'organizations_deleted',
          coalesce((v_request.progress ->> 'organizations_deleted')::bigint, 0) + 1);
        v_result := jsonb_build_object('step', 'delete_solo_organizations', 'organization', v_org,
          'organization_deleted', true);
      end if;
    end if;

  else
    -- erase_user: everything left, in one transaction. Lock the user first: from here on no
    -- membership can be added for them (the foreign key check takes KEY SHARE on this row).
    -- The user is still signed in until this step, so an organisation they created or opened
    -- up since the earlier steps sends the request back to them instead of being left behind
    -- without members (its data kept forever) or without an owner.
    -- The user is already gone when the platform deleted it (origin auth_user_deleted).
    perform 1 from auth.users u where u.id = v_user for update;
    v_user_exists := found;
    -- And the organisations they are in (in id order): a co-member's erasure running at the
    -- same moment waits here, then sees this one's result instead of both leaving the
    -- organisation without members.
    perform 1 from public.organizations o
    where o.id in (select m.org_id from public.memberships m where m.user_id = v_user)
    order by o.id
    for update;
    if v_user_exists and exists (
      select 1 from private.user_org_standing(v_user) o where o.only_member or o.only_owner
    ) then
      update private.account_erasure_requests r
      set step = 'transfer_ownership', leased_until = v_now + p_lease, last_error = null
      where r.id = p_request_id;
      return jsonb_build_object('step', 'erase_user', 'restarted', true, 'done', false);
    end if;
    -- The identifiers to find in GoTrue's log: sha256 of the lower-cased email and phone, from
    -- the user row, or as recorded when the platform deleted the user. An empty email or
    -- phone names nobody (it would match every empty field).
    v_hashes := v_request.identifier_hashes || array(
      select encode(sha256(convert_to(lower(x), 'UTF8')), 'hex')
      from auth.users u, unnest(array[nullif(u.email, ''), nullif(u.phone, '')]) x
      where u.id = v_user and x is not null);
    -- Client-supplied object metadata may carry personal data (an uploader's email): it goes
    -- with the owner.
    update storage.objects o set owner = null, owner_id = null, user_metadata = '{}'
    where o.owner = v_user or o.owner_id = v_user::text;
    get diagnostics v_n = row_count;
    v_request.progress := v_request.progress || jsonb_build_object('storage_owner_cleared', v_n);
    -- refresh_tokens.user_id is text with no foreign key, so it is not cascaded.
    delete from auth.refresh_tokens t where t.user_id = v_user::text;
    delete from auth.flow_state f where f.user_id = v_user;
    -- GoTrue writes the user's id and email into its own audit log.
    delete from auth.audit_log_entries a
    -- The id anywhere (a uuid cannot be part of another uuid); the email or phone only as a
    -- whole value of some field (case-insensitively), never as a substring: erasing bo@corp.io
    -- must not remove jimbo@corp.io's entries, and "_" or "%" in an email are not wildcards.
    where strpos(a.payload::text, v_user::text) > 0
       or exists (
         select 1
         from jsonb_path_query(a.payload::jsonb, 'strict $.**') as v(value)
         where jsonb_typeof(v.value) = 'string'
           and encode(sha256(convert_to(lower(v.value #>> '{}'), 'UTF8')), 'hex') = any (v_hashes)
       );
    get diagnostics v_n = row_count;
    v_request.progress := v_request.progress || jsonb_build_object('auth_log_entries_deleted', v_n);
    -- Mail to the account's address, in any state (see the header), except a security report's
    -- acknowledgement. An incident notice not yet delivered leaves its recipient unreachable
    -- first: the outbox row's foreign key would only clear mail_id, leaving a recipient that
    -- waits for mail forever.
    v_mail_ids := array(
      select m.id from private.mail_outbox m
      where m.template <> 'security_report_ack'
        and encode(sha256(convert_to(lower(m.recipient), 'UTF8')), 'hex') = any (v_hashes));
    update private.incident_recipients r set unreachable_at = v_now
    where r.mail_id = any (v_mail_ids) and r.delivered_at is null and r.unreachable_at is null;
    delete from private.mail_outbox m where m.id = any (v_mail_ids);
    get diagnostics v_n = row_count;
    v_request.progress := v_request.progress || jsonb_build_object('mail_messages_deleted', v_n);
    select count(*) into v_n from public.memberships m where m.user_id = v_user;
    v_request.progress := v_request.progress || jsonb_build_object('memberships_removed', v_n);
    -- Cascades to the profile, memberships, identities, sessions (and their refresh tokens),
    -- MFA factors and one-time tokens; authorship columns become null.
    -- Marks this deletion as the erasure's own: private.follow_auth_user_deletion() leaves it
    -- alone, and the audit of what goes with the user says why (private.org_user_removal_reason).
    perform set_config('cluso.erasing_user', v_user::text, true);
    delete from auth.users u where u.id = v_user;
    get diagnostics v_n = row_count;
    -- Invitations name users without a foreign key (20261129000800).
    delete from public.invitations i where i.user_id = v_user;
    perform set_config('cluso.erasing_user', '', true);
    v_request.progress := v_request.progress || jsonb_build_object('auth_user_deleted', v_n = 1 or not v_user_exists);
    perform audit.record_event('account.erased', null, 'auth.users', v_user::text, v_cause,
      (select jsonb_object_agg(k, v) from jsonb_each(v_request.progress) as p(k, v)
       where jsonb_typeof(v) in ('number', 'boolean')),
      p_actor_job => 'account_erasure');
    delete from private.account_erasure_requests r where r.id = p_request_id;
    return jsonb_build_object('step', 'erase_user', 'done', true, 'progress', v_request.progress);
  end if;

  update private.account_erasure_requests r
  set step = v_request.step, progress = v_request.progress, leased_until = v_now + p_lease,
    last_error = null
  where r.id = p_request_id;
  return v_result || jsonb_build_object('done', false);
end;
$$;
