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
-- private.account_erasure_step uses them from 20261210001000 on, which restates it with its new
-- step (both land together). 26_account_erasure_mail_outbox ERM-020..ERM-038 check it.

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
-- every window. Every window opens 5 minutes early: mail and log entries carry their
-- transaction's start, and a transaction that began before a change may read the new address
-- after it. So the 5 minutes around a handover count for both holders, and neither erasure takes
-- what falls in them by the address alone. Hashes a platform deletion recorded before windows
-- were kept (20261129000300) count at any time.
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
  select w.identifier_hash, w.held_from - interval '5 minutes', w.left_at, false
  from private.account_identifier_windows w
  where w.user_id <> p_user_id
    and w.identifier_hash in (select o.identifier_hash from own o);
$$;

revoke all on function private.account_erasure_identifiers(uuid, text[])
from public, anon, authenticated, service_role;
