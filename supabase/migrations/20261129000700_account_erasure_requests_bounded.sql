-- Asking for an account's erasure: two concurrent requests for one user answer the documented
-- PT409 (not a raw unique violation), and one account can append to the shared audit chain
-- (events without an organisation) only a bounded number of times: at most 5 requests per
-- 24 hours, then PT429, so a request/cancel loop cannot grow the trail without limit.

create or replace function private.request_account_erasure(p_user_id uuid)
returns table (request_id uuid, requested_at timestamptz, due_at timestamptz)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := private.require_user('delete your account');
  v_now timestamptz := private.current_time();
  v_id uuid;
  v_open_due timestamptz;
begin
  if p_user_id is not null and p_user_id <> v_user then
    raise exception 'you can only request the deletion of your own account' using errcode = '42501';
  end if;
  if (select count(*) from audit.events e
      where e.target_table = 'auth.users' and e.target_id = v_user::text
        and e.action = 'account.erasure_requested'
        and e.occurred_at > clock_timestamp() - interval '24 hours') >= 5 then
    raise exception 'too many deletion requests for this account in 24 hours'
      using errcode = 'PT429', hint = 'Try again tomorrow, or keep the open request.';
  end if;
  insert into private.account_erasure_requests (user_id, requested_at, due_at)
  values (v_user, v_now, v_now + private.account_erasure_window())
  on conflict (user_id) do nothing
  returning id into v_id;
  if v_id is null then
    select r.due_at into v_open_due from private.account_erasure_requests r where r.user_id = v_user;
    raise exception 'a deletion request for this account is already open (due %)', v_open_due
      using errcode = 'PT409';
  end if;
  perform audit.record_event('account.erasure_requested', null, 'auth.users', v_user::text,
    'user_request', '{}', p_actor_id => v_user);
  return query select v_id, v_now, v_now + private.account_erasure_window();
end;
$$;
