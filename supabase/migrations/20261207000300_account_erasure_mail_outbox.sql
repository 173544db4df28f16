-- Account erasure removes the mail queued or sent to the account's address.
--
-- private.mail_outbox holds recipient addresses: the data export's notice, DSR receipts and
-- incident notices are mailed to an account's email, and a row stays until the purge removes
-- sent mail 30 days after sending (queued and failed mail, never). The erasure's last step
-- (erase_user) deletes every outbox row addressed to the account, matched as it matches
-- GoTrue's log: by the sha256 of the lower-cased address (from the user row, or as recorded when
-- the platform deleted the user), so it works in both origins and in any case.
--
-- Every state goes, leased ones included. The mail sender tolerates a row vanishing under its
-- lease: a message claimed but not yet marked `sending` is then never sent (mail_mark_sending
-- finds no row and the sender takes it for a lost lease); one already marked `sending` may be on
-- the wire, which nothing can recall, and its mail_settle finds no row and changes nothing.
-- Redacting a leased row instead would keep a row (and its parameters) for an erased account.
--
-- Kept: a security report's acknowledgement (`security_report_ack`). It goes to the contact the
-- reporter gave in the report, which the report itself keeps under its own retention; reporting
-- needs no account, and erasing one does not withdraw a security report.
--
-- An incident notice deleted before delivery leaves its recipient unreachable (as an account
-- without an address is at scoping), so it neither blocks the incident's closure nor counts as
-- late. After the erasure nothing is queued to the address again: the data export, the DSR
-- receipt (the erasure's own receipt included: the ledger forgets the requester) and the incident
-- notice all read the address from auth.users, where the user is gone; and, below, nothing is
-- queued while the erasure runs either.

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


-- ---------------------------------------------------------------------------------------------
-- Nothing is queued to an address the erasure is deleting. Each capability that mails an
-- account reads the address with a KEY SHARE lock on the user row, which the erasure's last step
-- locks FOR UPDATE before it deletes the mail (and a platform deletion locks by deleting it): a
-- message queued first is committed before the erasure reads the outbox, and one queued later
-- waits, then finds no user and is not queued. The address is read before the export's or the
-- ledger's row is locked, in the order the erasure takes them (the user, then through its
-- triggers the rows naming the user), so the two never wait on each other in a cycle. Restated
-- whole; only the lock, and that order, are new.
-- ---------------------------------------------------------------------------------------------

create or replace function private.data_export_finish(
  p_export_id uuid, p_lease_token uuid, p_object_name text, p_counts jsonb
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_export private.data_exports;
  v_now timestamptz := private.current_time();
  v_request private.dsr_requests;
  v_email text;
begin
  -- The account first, in the order the erasure locks: the user, then (through its triggers) the
  -- export and the ledger entries that name it.
  select u.email into v_email from private.data_exports e
  join auth.users u on u.id = e.user_id
  where e.id = p_export_id
  for key share of u;
  -- After any wait: an erased account's export is no longer leased (its user_id is cleared).
  v_export := private.data_export_leased(p_export_id, p_lease_token);
  update private.data_exports e
  set status = 'ready', object_name = p_object_name, ready_at = v_now,
      expires_at = v_now + private.data_export_lifetime(), lease_token = null,
      leased_until = null, last_error = null
  where e.id = v_export.id;
  v_request := private.dsr_complete(v_export.dsr_id, p_counts, 'data_export');
  if coalesce(v_email, '') <> '' then
    perform private.mail_enqueue(v_email, 'data_export_ready', jsonb_build_object(
      'reference', v_request.ref, 'expires_at', v_now + private.data_export_lifetime()));
  end if;
  return jsonb_build_object('ref', v_request.ref,
    'expires_at', v_now + private.data_export_lifetime(), 'mailed', coalesce(v_email, '') <> '');
end;
$$;

create or replace function private.dsr_receipt_store(
  p_id uuid, p_content jsonb, p_signature text, p_key_id text
)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_request private.dsr_requests;
  v_email text;
begin
  -- The requester's account first, in the order the erasure locks: the user, then (through its
  -- triggers) the ledger entries that name it.
  select u.email into v_email from private.dsr_requests r
  join auth.users u on u.id = r.requested_by
  where r.id = p_id
  for key share of u;
  select * into v_request from private.dsr_requests r
  where r.id = p_id and r.state = 'completed' and r.receipt is null
  for update;
  if v_request.id is null then
    raise exception 'no completed request without a receipt has this id' using errcode = 'P0002';
  end if;
  if p_content is distinct from private.dsr_receipt_content(v_request) then
    raise exception 'the receipt does not match the request' using errcode = '22023';
  end if;
  update private.dsr_requests r
  set receipt = p_content, receipt_signature = p_signature, receipt_key_id = p_key_id
  where r.id = p_id;
  if coalesce(v_email, '') = '' or v_request.requested_by is null then
    return false;
  end if;
  perform private.mail_enqueue(v_email, 'dsr_receipt', jsonb_build_object(
    'reference', v_request.ref, 'receipt', p_content, 'signature', p_signature,
    'key_id', p_key_id));
  return true;
end;
$$;

create or replace function private.incident_notify(p_reference text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_incident private.incidents := private.incident_for_update(p_reference);
  v_now timestamptz := private.current_time();
  v_queued integer;
  v_before integer;
  v_unreachable integer;
begin
  if v_incident.scoped_at is null then
    raise exception 'scope the incident before notifying' using errcode = '55000';
  end if;
  select count(*) into v_before from private.incident_recipients r
  where r.incident_id = v_incident.id and (r.queued_at is not null or r.delivered_at is not null);

  with due as (
    select r.user_id, r.params, u.email from private.incident_recipients r
    join auth.users u on u.id = r.user_id
    where r.incident_id = v_incident.id and r.queued_at is null and r.delivered_at is null
      and u.email is not null
    order by r.user_id
    for update of r
    for key share of u
  ),
  queued as (
    update private.incident_recipients r
    set mail_id = private.mail_enqueue(d.email, 'incident_notice', d.params), queued_at = v_now,
      unreachable_at = null
    from due d
    where r.incident_id = v_incident.id and r.user_id = d.user_id
    returning r.user_id
  )
  select count(*) into v_queued from queued;
  update private.incident_recipients r set unreachable_at = coalesce(r.unreachable_at, v_now)
  where r.incident_id = v_incident.id and r.queued_at is null and r.delivered_at is null;
  get diagnostics v_unreachable = row_count;

  update private.incidents i
  set state = 'notifying', notified_at = coalesce(i.notified_at, v_now)
  where i.id = v_incident.id;
  perform private.incident_audit('incident.notified', v_incident.id, 'ops_incident',
    jsonb_build_object('queued', v_queued, 'already_queued', v_before,
      'unreachable', v_unreachable));
  return jsonb_build_object('queued', v_queued, 'already_queued', v_before,
    'unreachable', v_unreachable);
end;
$$;

revoke all on function private.account_erasure_step(uuid, uuid, integer, interval)
from public, anon, authenticated, service_role;
