-- Receipts of completed data-subject requests (docs/DATA_SUBJECT_RIGHTS.md, "Receipts"): what was
-- done, the counts per category, when, and the audit chain position that records it, signed
-- with Ed25519 by the project's key, which only the Edge Functions hold (DSR_RECEIPT_PRIVATE_KEY):
-- the database builds the receipt's content and stores the signed result, never the key. The
-- data-export job's `receipts` phase signs every completed request's receipt; a requester who
-- still has an account gets it by mail. A receipt names no person: the request's reference and
-- codes, counts and instants only.

alter table private.dsr_requests
  add column receipt jsonb,
  add column receipt_signature text check (receipt_signature ~ '^[A-Za-z0-9_-]{86}$'),
  add column receipt_key_id text check (receipt_key_id ~ '^[0-9a-f]{16}$'),
  add constraint dsr_requests_receipt_complete check (
    (receipt is null) = (receipt_signature is null)
    and (receipt is null) = (receipt_key_id is null)),
  add constraint dsr_requests_receipt_when_completed check (receipt is null or state = 'completed');
create index dsr_requests_receipt_pending_idx on private.dsr_requests (closed_at)
  where state = 'completed' and receipt is null;

-- The outbox's one list of templates (as 20261205000200 keeps it), plus the receipt.
alter table private.mail_outbox drop constraint mail_outbox_template_check;
alter table private.mail_outbox add constraint mail_outbox_template_check
  check (template in ('security_report_ack', 'incident_notice', 'data_export_ready', 'dsr_receipt'));

-- The content of a completed request's receipt: the fields the signature covers.
create function private.dsr_receipt_content(p_request private.dsr_requests)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'format', 'cluso.dsr-receipt.v1',
    'request', p_request.ref,
    'type', p_request.request_type,
    'subject', p_request.subject_kind,
    'regime', p_request.regime,
    'received_at', p_request.received_at,
    'due_at', p_request.due_at,
    'completed_at', p_request.closed_at,
    'counts', p_request.outcome,
    'audit', jsonb_build_object('chain_id', p_request.audit_chain_id, 'seq', p_request.audit_seq,
      'hash', (select encode(e.hash, 'hex') from audit.events e
               where e.chain_id = p_request.audit_chain_id and e.seq = p_request.audit_seq)));
$$;

-- Completed requests still without a receipt, oldest first, with the content to sign.
create function private.dsr_receipt_pending(p_limit integer default 100)
returns table (id uuid, content jsonb)
language sql
stable
security definer
set search_path = ''
as $$
  select r.id, private.dsr_receipt_content(r)
  from private.dsr_requests r
  where r.state = 'completed' and r.receipt is null
  order by r.closed_at
  limit p_limit;
$$;

-- Stores a signed receipt (only for exactly the content the database would sign now), and mails
-- it to a requester who still has an account. Answers whether it was mailed.
create function private.dsr_receipt_store(
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
  select u.email into v_email from auth.users u where u.id = v_request.requested_by;
  if coalesce(v_email, '') = '' then
    return false;
  end if;
  perform private.mail_enqueue(v_email, 'dsr_receipt', jsonb_build_object(
    'reference', v_request.ref, 'receipt', p_content, 'signature', p_signature,
    'key_id', p_key_id));
  return true;
end;
$$;

-- Ops look a receipt up by the reference the requester quotes (e.g. an erased account's, whose
-- requester can no longer be mailed): the signed document scripts/verify-receipt.ts checks.
create function private.dsr_receipt(p_ref text)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object('alg', 'Ed25519', 'key_id', r.receipt_key_id,
    'receipt', r.receipt, 'signature', r.receipt_signature)
  from private.dsr_requests r
  where r.ref = upper(trim(p_ref)) and r.receipt is not null;
$$;

revoke all on function
  private.dsr_receipt_content(private.dsr_requests),
  private.dsr_receipt_pending(integer),
  private.dsr_receipt_store(uuid, jsonb, text, text),
  private.dsr_receipt(text)
from public, anon, authenticated, service_role;
