-- Account erasure finds what was sent to, or logged under, each address the account held, for
-- as long as it held it, and nothing of anyone else's.
--
-- The erasure's last step found the mail outbox rows and GoTrue's log entries to delete by the
-- hash of the account's current email and phone, at any time. That missed and overreached:
-- * a user who changed their address left behind everything that named the old one: a given-up
--   message (the outbox purge removes only sent mail) was kept forever, a queued one was still
--   delivered after the erasure, and GoTrue's entries naming only the old email (recovery and
--   magic-link requests, with the caller's IP) stayed; docs/ACCOUNT_ERASURE.md promises every
--   log row and every message naming the account's email goes;
-- * an address is someone else's before the account took it and after it gave it up: erasing
--   the account that holds an address now also deleted the mail and log entries of whoever held
--   it before.
--
-- So each address counts for the time the account held it. private.account_identifier_windows
-- keeps, per account, the sha256 hash of every email and phone it holds or held (never the
-- value), with when it took it (held_from) and when it gave it up (left_at, 'infinity' while it
-- holds it). Triggers on auth.users keep them: a new user holds its addresses from its creation;
-- setting, changing or clearing an email or phone closes the window of the old one and opens one
-- for the new one (a case-only change keeps the address); deleting the user closes them, so a
-- platform deletion leaves the erasure bounded windows (the request's identifier_hashes, from
-- 20261129000300, count at any time only for a request opened before this migration). The users
-- that exist when it runs hold theirs since they were created. The erasure's last step, for both
-- origins, deletes the mail queued and the entries written within those windows (an entry
-- without a time counts as within), then the windows, which are personal data.
--
-- An identity's email (auth.identities, a linked Google or GitHub account's) is not used: it is
-- the provider's word, not unique across accounts, and we never mail it; every entry GoTrue
-- writes about a signed-in identity carries the user's id, which is matched anywhere.
--
-- private.account_erasure_step is restated whole (PL/pgSQL has no partial replacement); the
-- changes are in its erase_user step: the identifier windows in the two deletions, and the
-- deletion of the remembered hashes. 26_account_erasure_mail_outbox ERM-020..ERM-030 check it.

create table private.account_identifier_windows (
  -- No foreign key: the windows outlive a platform deletion of the user until its erasure ends.
  user_id uuid not null,
  kind text not null check (kind in ('email', 'phone')),
  -- sha256 (hex) of the lower-cased email or phone; never the plain value.
  identifier_hash text not null check (identifier_hash ~ '^[0-9a-f]{64}$'),
  -- When the account took the address, and when it gave it up ('infinity' while it holds it):
  -- before and after, mail and log entries naming it are not the account's.
  held_from timestamptz not null,
  left_at timestamptz not null,
  check (held_from <= left_at),
  primary key (user_id, identifier_hash, left_at)
);
-- Who else held an address, and when (account_erasure_identifiers).
create index account_identifier_windows_hash_idx
  on private.account_identifier_windows (identifier_hash);
-- The window of each kind the account holds now.
create unique index account_identifier_windows_open_idx
  on private.account_identifier_windows (user_id, kind) where left_at = 'infinity';
alter table private.account_identifier_windows enable row level security;
alter table private.account_identifier_windows force row level security;
revoke all on private.account_identifier_windows from public, anon, authenticated, service_role;

-- One kind of address of one account moving from p_old to p_new now (either may be null): the
-- open window closes, and a new one opens. The project clock is never earlier than a window's
-- start for its end, nor later than the account's creation for its first start (a test clock
-- may stand before or after the real time GoTrue stamps created_at with).
create function private.track_account_identifier(
  p_user_id uuid, p_kind text, p_created_at timestamptz, p_old text, p_new text
)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := private.current_time();
begin
  -- An empty email or phone names nobody; an email is the same address in any case.
  p_old := nullif(p_old, '');
  p_new := nullif(p_new, '');
  if (p_kind = 'email' and lower(p_old) is not distinct from lower(p_new))
    or (p_kind = 'phone' and p_old is not distinct from p_new) then
    return;
  end if;
  if p_old is not null then
    -- Closed now; an address left twice in one transaction (c, b, c again) is one window.
    with closed as (
      delete from private.account_identifier_windows w
      where w.user_id = p_user_id and w.kind = p_kind and w.left_at = 'infinity'
      returning w.identifier_hash, w.held_from
    )
    insert into private.account_identifier_windows as w (user_id, kind, identifier_hash,
      held_from, left_at)
    select p_user_id, p_kind, c.identifier_hash, c.held_from, greatest(c.held_from, v_now)
    from closed c
    on conflict (user_id, identifier_hash, left_at)
    do update set held_from = least(w.held_from, excluded.held_from);
    if not found then
      -- Held since the account was created (it was, before windows were kept).
      insert into private.account_identifier_windows (user_id, kind, identifier_hash, held_from,
        left_at)
      values (p_user_id, p_kind, encode(sha256(convert_to(lower(p_old), 'UTF8')), 'hex'),
        least(coalesce(p_created_at, v_now), v_now), v_now)
      on conflict do nothing;
    end if;
  end if;
  if p_new is not null then
    insert into private.account_identifier_windows (user_id, kind, identifier_hash, held_from,
      left_at)
    values (p_user_id, p_kind, encode(sha256(convert_to(lower(p_new), 'UTF8')), 'hex'),
      v_now, 'infinity')
    on conflict do nothing;
  end if;
end;
$$;

-- GoTrue (or anyone) creating a user, changing its email or phone, or deleting it: the account's
-- address windows follow. A new account holds its addresses from its creation.
create function private.track_account_identifiers()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_start timestamptz;
begin
  if tg_op = 'INSERT' then
    v_start := least(coalesce(new.created_at, private.current_time()), private.current_time());
    insert into private.account_identifier_windows (user_id, kind, identifier_hash, held_from,
      left_at)
    select new.id, x.kind, encode(sha256(convert_to(lower(x.value), 'UTF8')), 'hex'), v_start,
      'infinity'
    from (values ('email', new.email), ('phone', new.phone)) x(kind, value)
    where nullif(x.value, '') is not null
    on conflict do nothing;
  elsif tg_op = 'UPDATE' then
    if old.email is not distinct from new.email and old.phone is not distinct from new.phone then
      return null;
    end if;
    perform private.track_account_identifier(new.id, 'email', old.created_at, old.email,
      new.email);
    perform private.track_account_identifier(new.id, 'phone', old.created_at, old.phone,
      new.phone);
  else
    perform private.track_account_identifier(old.id, 'email', old.created_at, old.email, null);
    perform private.track_account_identifier(old.id, 'phone', old.created_at, old.phone, null);
  end if;
  return null;
end;
$$;

create trigger users_track_identifiers_on_insert after insert on auth.users
  for each row execute function private.track_account_identifiers();

-- No column list and no WHEN clause: either would make auth.users' email and phone columns
-- depend on the trigger, and GoTrue's own migrations alter their types (one already had to work
-- around such a trigger). Every update calls the function, which returns at once unless the
-- email or phone changed.
create trigger users_track_identifiers_on_change after update on auth.users
  for each row execute function private.track_account_identifiers();

create trigger users_track_identifiers_on_delete after delete on auth.users
  for each row execute function private.track_account_identifiers();

revoke all on function
  private.track_account_identifier(uuid, text, timestamptz, text, text),
  private.track_account_identifiers()
from public, anon, authenticated, service_role;

-- The accounts that exist now hold their addresses since they were created (or, without a
-- creation time, from now: an earlier holder's entries are not theirs to erase).
insert into private.account_identifier_windows (user_id, kind, identifier_hash, held_from,
  left_at)
select u.id, x.kind, encode(sha256(convert_to(lower(x.value), 'UTF8')), 'hex'),
  least(coalesce(u.created_at, now()), now()), 'infinity'
from auth.users u
cross join lateral (values ('email', u.email), ('phone', u.phone)) as x(kind, value)
where nullif(x.value, '') is not null
on conflict do nothing;

-- The addresses the erasure looks for, each with the window the account held it in (own), and
-- the windows in which other accounts held the same addresses (not own): an entry or a message
-- naming an address goes when it falls in one of the account's windows and in none of another
-- account's, since by the address alone it may be theirs (GoTrue lets an SSO account share a
-- password account's email; an address changes hands). An entry without a time counts as in
-- every window. The account's windows open 5 minutes early: mail and log entries carry their
-- transaction's start, and a transaction that began before a change may read the new address
-- after it (the last 5 minutes of an earlier holder's window stay theirs). Hashes a platform
-- deletion recorded before windows were kept (20261129000300) count at any time.
create function private.account_erasure_identifiers(p_user_id uuid, p_recorded_hashes text[])
returns table (identifier_hash text, held_from timestamptz, left_at timestamptz, own boolean)
language sql
stable
set search_path = ''
as $$
  with own as (
    select w.identifier_hash, w.held_from - interval '5 minutes' as held_from, w.left_at
    from private.account_identifier_windows w
    where w.user_id = p_user_id
    union all
    select h, '-infinity'::timestamptz, 'infinity'::timestamptz
    from unnest(p_recorded_hashes) h
    where not exists (select 1 from private.account_identifier_windows w
                      where w.user_id = p_user_id and w.identifier_hash = h)
  )
  select o.identifier_hash, o.held_from, o.left_at, true from own o
  union all
  select w.identifier_hash, w.held_from, w.left_at, false
  from private.account_identifier_windows w
  where w.user_id <> p_user_id
    and w.identifier_hash in (select o.identifier_hash from own o);
$$;

revoke all on function private.account_erasure_identifiers(uuid, text[])
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
  v_window_hashes text[];
  v_window_from timestamptz[];
  v_window_until timestamptz[];
  v_other_hashes text[];
  v_other_from timestamptz[];
  v_other_until timestamptz[];
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
    -- The identifiers to find in GoTrue's log and the outbox: sha256 of each lower-cased email
    -- and phone the account held, with when it held it (private.account_erasure_identifiers).
    -- An empty email or phone names nobody (it would match every empty field).
    select coalesce(array_agg(i.identifier_hash) filter (where i.own), '{}'),
      coalesce(array_agg(i.held_from) filter (where i.own), '{}'),
      coalesce(array_agg(i.left_at) filter (where i.own), '{}'),
      coalesce(array_agg(i.identifier_hash) filter (where not i.own), '{}'),
      coalesce(array_agg(i.held_from) filter (where not i.own), '{}'),
      coalesce(array_agg(i.left_at) filter (where not i.own), '{}')
    into v_window_hashes, v_window_from, v_window_until, v_other_hashes, v_other_from,
      v_other_until
    from private.account_erasure_identifiers(v_user, v_request.identifier_hashes) i;
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
    -- An entry naming an address goes if it was written while the account held it (an entry
    -- without a time counts as written then).
    where strpos(a.payload::text, v_user::text) > 0
       or exists (
         select 1
         from jsonb_path_query(a.payload::jsonb, 'strict $.**') as v(value)
         cross join lateral (
           select encode(sha256(convert_to(lower(v.value #>> '{}'), 'UTF8')), 'hex')) as x(hash)
         join unnest(v_window_hashes, v_window_from, v_window_until) as w(hash, held_from, left_at)
           on w.hash = x.hash
         where jsonb_typeof(v.value) = 'string'
           and (a.created_at is null or a.created_at between w.held_from and w.left_at)
           and not exists (
             select 1 from unnest(v_other_hashes, v_other_from, v_other_until)
               as o(hash, held_from, left_at)
             where o.hash = x.hash
               and (a.created_at is null or a.created_at between o.held_from and o.left_at))
       );
    get diagnostics v_n = row_count;
    v_request.progress := v_request.progress || jsonb_build_object('auth_log_entries_deleted', v_n);
    -- Mail to the account's addresses, queued while it held them, in any state
    -- (docs/ACCOUNT_ERASURE.md), except a security report's acknowledgement.
    -- An incident notice not yet delivered leaves its recipient unreachable first: the outbox
    -- row's foreign key would only clear mail_id, leaving a recipient that waits for mail
    -- forever.
    v_mail_ids := array(
      select m.id from private.mail_outbox m
      cross join lateral (
        select encode(sha256(convert_to(lower(m.recipient), 'UTF8')), 'hex')) as x(hash)
      join unnest(v_window_hashes, v_window_from, v_window_until) as w(hash, held_from, left_at)
        on w.hash = x.hash
      where m.template <> 'security_report_ack'
        and m.enqueued_at between w.held_from and w.left_at
        and not exists (
          select 1 from unnest(v_other_hashes, v_other_from, v_other_until)
            as o(hash, held_from, left_at)
          where o.hash = x.hash and m.enqueued_at between o.held_from and o.left_at));
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
