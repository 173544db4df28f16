-- Account erasure deletes GoTrue's log entries naming the account in bounded chunks, in a step
-- of its own, instead of in one statement inside its last step.
--
-- GoTrue's log (auth.audit_log_entries) has no index but its uuid primary key, and on hosted
-- Supabase it belongs to supabase_auth_admin, so no index of ours can find an account's
-- entries: the id may be anywhere in the payload, and an email or phone is matched by the
-- sha256 of every string value in it. So the erasure reads every row: the json payload cast to
-- jsonb, every string walked and hashed, measured at 8.6 us a row (4.3 s for 500,000 rows,
-- ~86 s for 10 M). GoTrue logs every token refresh, so 10-20 M rows is a normal log for a live
-- service. That one statement ran inside the erase_user step, in the transaction holding the
-- user's and organisations' locks; past ~15 M rows it outlived the Edge Function's 150 s
-- request idle timeout (the free plan's wall clock; 400 s on paid plans), failed every time,
-- and every erasure missed its 7-day promise.
--
-- Now a step erase_auth_log runs between delete_solo_organizations and erase_user. Its first
-- call records in the request's progress where the log ends (until_block, in physical blocks)
-- and a lower bound of the times entries may have been written since (written_since: the
-- clock less 5 minutes, for GoTrue's own clock and its transactions still open); each call
-- deletes the matching entries of the next private.account_erasure_auth_log_blocks() blocks
-- (a TID range scan: no index needed) and moves on, until the recorded end. erase_user keeps a
-- final pass, under its locks, over the entries that may have been written since the scan
-- began (a created_at at or after written_since, or none): new rows may land past the recorded
-- end or in free space of blocks already scanned. The bookkeeping is a nested object
-- (auth_log_scan), so the account.erased event, which takes only the progress's counts, never
-- records it. When erase_user sends the request back to the user (they opened an organisation
-- meanwhile), the scan is kept: erase_auth_log moves straight on and the final pass covers what
-- was written since. A request already at erase_user without a scan reads the whole log in its
-- final pass, as before; one whose scan began over a day ago (it kept failing since) goes back
-- to erase_auth_log for a fresh scan, once, rather than read that day under its locks.
--
-- The matching is 20261210000600's: the account's id anywhere in the payload text; each email
-- and phone the account held (private.account_erasure_identifiers) as the hash of a whole string
-- value, case-insensitively, for entries written while it held it (an entry without a time
-- counts as within). It is written once, in private.account_erasure_delete_auth_log.
--
-- Blocks are a place in the table's file: should the log be rewritten while a scan runs
-- (VACUUM FULL, CLUSTER, pg_repack), rows not read yet could move into blocks already read. The
-- scan records the file it reads (pg_relation_filenode) and starts again from the first block
-- of the new one, keeping its first written_since.
--
-- private.account_erasure_step is restated whole (PL/pgSQL has no partial replacement), from
-- 20261209000400's: the step erase_auth_log, delete_solo_organizations ending in it, erase_user's
-- final pass, and both deletions (GoTrue's log, the mail outbox) matching each address only
-- within the windows 20261210000600 keeps (private.account_erasure_identifiers), after which the
-- windows go.

alter table private.account_erasure_requests
  drop constraint account_erasure_requests_step_check,
  add constraint account_erasure_requests_step_check check (step in (
    'transfer_ownership', 'delete_solo_organizations', 'erase_auth_log', 'erase_user'));

-- How many of the log's blocks one erase_auth_log call reads: at GoTrue's ~30 entries a block,
-- about 0.4 s (measured on 500,000 entries, docs/BENCHMARKS.md), far below the Edge Function's
-- limits and short enough for the job to fit another step before its deadline. A test may
-- replace it to read one block a call.
create function private.account_erasure_auth_log_blocks()
returns integer
language sql
stable
set search_path = ''
as $$
  select 2048;
$$;

-- Deletes GoTrue's log entries naming the account and returns how many: those in the physical
-- blocks [p_from_block, p_to_block), or those written at or after p_written_since (or without a
-- time), or, given neither, every entry. The range is planned with its values (a TID range
-- scan); the time bound is a cheap filter tried before the payload is read. Without JIT: the
-- planner's guess for jsonb_path_query (1,000 rows a payload) prices every call high enough to
-- compile it, about 100 ms a call for nothing (measured: a 2,048-block chunk 525 ms with JIT,
-- 420 ms without; the final pass over 500,000 older rows 141 ms against 47 ms).
create function private.account_erasure_delete_auth_log(
  p_user_id uuid, p_recorded_hashes text[], p_from_block bigint default null,
  p_to_block bigint default null, p_written_since timestamptz default null
)
returns bigint
language plpgsql
set search_path = ''
set jit = off
as $$
declare
  v_window_hashes text[];
  v_window_from timestamptz[];
  v_window_until timestamptz[];
  v_other_hashes text[];
  v_other_from timestamptz[];
  v_other_until timestamptz[];
  v_n bigint;
begin
  if (p_from_block is null) <> (p_to_block is null)
    or (p_from_block is not null and p_written_since is not null) then
    raise exception 'a block range or a time bound, not both' using errcode = '22023';
  end if;
  select coalesce(array_agg(i.identifier_hash) filter (where i.own), '{}'),
    coalesce(array_agg(i.held_from) filter (where i.own), '{}'),
    coalesce(array_agg(i.left_at) filter (where i.own), '{}'),
    coalesce(array_agg(i.identifier_hash) filter (where not i.own), '{}'),
    coalesce(array_agg(i.held_from) filter (where not i.own), '{}'),
    coalesce(array_agg(i.left_at) filter (where not i.own), '{}')
  into v_window_hashes, v_window_from, v_window_until, v_other_hashes, v_other_from,
    v_other_until
  from private.account_erasure_identifiers(p_user_id, p_recorded_hashes) i;
  -- The id anywhere (a uuid cannot be part of another uuid); the email or phone only as a whole
  -- value of some field (case-insensitively), never as a substring: erasing bo@corp.io must not
  -- remove jimbo@corp.io's entries, and "_" or "%" in an email are not wildcards. An entry
  -- naming an address goes if it was written while the account held it and no other account
  -- did (an entry without a time counts as written in every window).
  execute format($sql$
    delete from auth.audit_log_entries a
    where %s
      and (strpos(a.payload::text, $1::text) > 0
        or exists (
          select 1
          from jsonb_path_query(a.payload::jsonb, 'strict $.**') as v(value)
          cross join lateral (
            select encode(sha256(convert_to(lower(v.value #>> '{}'), 'UTF8')), 'hex')) as x(hash)
          join unnest($2, $3, $4) as w(hash, held_from, left_at) on w.hash = x.hash
          where jsonb_typeof(v.value) = 'string'
            and (a.created_at is null or a.created_at between w.held_from and w.left_at)
            and not exists (
              select 1 from unnest($8, $9, $10) as o(hash, held_from, left_at)
              where o.hash = x.hash
                and (a.created_at is null or a.created_at between o.held_from and o.left_at))))
    $sql$,
    case
      when p_from_block is not null then 'a.ctid >= $5 and a.ctid < $6'
      when p_written_since is not null then '(a.created_at is null or a.created_at >= $7)'
      else 'true'
    end)
  using p_user_id, v_window_hashes, v_window_from, v_window_until,
    case when p_from_block is not null then format('(%s,0)', p_from_block)::tid end,
    case when p_to_block is not null then format('(%s,0)', p_to_block)::tid end,
    p_written_since, v_other_hashes, v_other_from, v_other_until;
  get diagnostics v_n = row_count;
  return v_n;
end;
$$;

revoke all on function
  private.account_erasure_auth_log_blocks(),
  private.account_erasure_delete_auth_log(uuid, text[], bigint, bigint, timestamptz)
from public, anon, authenticated, service_role;

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
  v_mail_ids uuid[];
  v_user_exists boolean;
  -- erase_auth_log's place in GoTrue's log (progress -> auth_log_scan).
  v_scan jsonb;
  v_next_block bigint;
  v_to_block bigint;
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
      v_request.step := 'erase_auth_log';
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

  elsif v_request.step = 'erase_auth_log' then
    -- GoTrue's log, a bounded number of its physical blocks per call, up to where it ended when
    -- the scan began; erase_user's final pass covers what is written since. A scan already
    -- finished (erase_user sent the request back to the user) moves straight on.
    v_scan := v_request.progress -> 'auth_log_scan';
    if v_scan is null
      or (v_scan ->> 'filenode')::bigint
        is distinct from pg_relation_filenode('auth.audit_log_entries')::bigint then
      v_scan := jsonb_build_object(
        'rescanned', coalesce(v_scan -> 'rescanned', 'false'::jsonb),
        'next_block', 0,
        'until_block', pg_relation_size('auth.audit_log_entries')
          / current_setting('block_size')::bigint,
        'filenode', pg_relation_filenode('auth.audit_log_entries')::bigint,
        -- GoTrue stamps entries with its own clock, and its transaction may commit later; a
        -- scan started again over a rewritten file keeps its first bound.
        'written_since', coalesce(v_scan -> 'written_since',
          to_jsonb(clock_timestamp() - interval '5 minutes')));
    end if;
    v_next_block := (v_scan ->> 'next_block')::bigint;
    v_n := 0;
    if v_next_block < (v_scan ->> 'until_block')::bigint then
      v_to_block := least(v_next_block + private.account_erasure_auth_log_blocks(),
        (v_scan ->> 'until_block')::bigint);
      v_n := private.account_erasure_delete_auth_log(v_user, v_request.identifier_hashes,
        v_next_block, v_to_block);
      v_next_block := v_to_block;
      v_scan := v_scan || jsonb_build_object('next_block', v_next_block);
    end if;
    v_request.progress := v_request.progress || jsonb_build_object('auth_log_scan', v_scan,
      'auth_log_entries_deleted',
      coalesce((v_request.progress ->> 'auth_log_entries_deleted')::bigint, 0) + v_n);
    v_result := jsonb_build_object('step', 'erase_auth_log', 'auth_log_entries', v_n);
    if v_next_block >= (v_scan ->> 'until_block')::bigint then
      v_request.step := 'erase_user';
      v_result := v_result || jsonb_build_object('finished', true);
    end if;

  else
    -- A scan that began over a day ago (the request kept failing after it, say) would leave the
    -- final pass a day of the log or more to read under the locks: the log is scanned afresh,
    -- once (a log whose scan takes over a day would otherwise never get past this).
    if (v_request.progress #>> '{auth_log_scan,written_since}')::timestamptz
        < clock_timestamp() - interval '1 day'
      and not coalesce((v_request.progress #>> '{auth_log_scan,rescanned}')::boolean, false) then
      update private.account_erasure_requests r
      set step = 'erase_auth_log',
        progress = jsonb_set(r.progress, '{auth_log_scan}', '{"rescanned": true}'),
        leased_until = v_now + p_lease, last_error = null
      where r.id = p_request_id;
      return jsonb_build_object('step', 'erase_user', 'rescan', true, 'done', false);
    end if;
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
    -- Client-supplied object metadata may carry personal data (an uploader's email): it goes
    -- with the owner.
    update storage.objects o set owner = null, owner_id = null, user_metadata = '{}'
    where o.owner = v_user or o.owner_id = v_user::text;
    get diagnostics v_n = row_count;
    v_request.progress := v_request.progress || jsonb_build_object('storage_owner_cleared', v_n);
    -- refresh_tokens.user_id is text with no foreign key, so it is not cascaded.
    delete from auth.refresh_tokens t where t.user_id = v_user::text;
    delete from auth.flow_state f where f.user_id = v_user;
    -- GoTrue writes the user's id and email into its own audit log. erase_auth_log has read
    -- it up to where it ended when the scan began; what may have been written since is read
    -- here, under the locks. Without a scan (a request at this step from before it existed),
    -- the whole log.
    v_n := private.account_erasure_delete_auth_log(v_user, v_request.identifier_hashes,
      p_written_since => (v_request.progress #>> '{auth_log_scan,written_since}')::timestamptz);
    v_request.progress := (v_request.progress - 'auth_log_scan') || jsonb_build_object(
      'auth_log_entries_deleted',
      coalesce((v_request.progress ->> 'auth_log_entries_deleted')::bigint, 0) + v_n);
    -- Mail to the account's addresses, queued while it held them, in any state
    -- (docs/ACCOUNT_ERASURE.md), except a security report's acknowledgement.
    -- An incident notice not yet delivered leaves its recipient unreachable first: the outbox
    -- row's foreign key would only clear mail_id, leaving a recipient that waits for mail
    -- forever.
    v_mail_ids := array(
      with w as (
        select * from private.account_erasure_identifiers(v_user, v_request.identifier_hashes)
      )
      select m.id from private.mail_outbox m
      cross join lateral (
        select encode(sha256(convert_to(lower(m.recipient), 'UTF8')), 'hex')) as x(hash)
      where m.template <> 'security_report_ack'
        -- Queued while the account held the address, and while no other account did.
        and exists (select 1 from w where w.own and w.identifier_hash = x.hash
                      and m.enqueued_at between w.held_from and w.left_at)
        and not exists (select 1 from w where not w.own and w.identifier_hash = x.hash
                          and m.enqueued_at between w.held_from and w.left_at));
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
    -- The remembered addresses, after the user row, whose deletion has just remembered its last
    -- email and phone.
    delete from private.account_identifier_windows f where f.user_id = v_user;
    perform set_config('cluso.erasing_user', '', true);
    v_request.progress := v_request.progress
      || jsonb_build_object('auth_user_deleted', v_n = 1 or not v_user_exists);
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
