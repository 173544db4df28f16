// Mail queued to an account while its erasure's last step runs must not outlive the erasure:
// the step deletes the account's mail, and a capability mailing the account at that moment
// waits for it, then finds no address.
import assert from "node:assert/strict";
import {
  adminSql,
  backendPid,
  createUser,
  errorOf,
  finish,
  openSession,
  waitsOnLock,
} from "./sessions.ts";

Deno.test("an incident notice racing an account's erasure waits, then queues nothing to the erased address", async () => {
  const sql = adminSql();
  try {
    const user = await createUser(sql, "notified");
    const [{ email }] = await sql<[{ email: string }]>`
      select email from auth.users where id = ${user}`;
    const asked = await openSession(sql, user);
    await asked`select public.request_account_erasure()`;
    await finish(asked, "commit");
    // The job has reached the last step (an account in no organisation has only GoTrue's log
    // before it; a request without that scan reads the whole log in the last step).
    const [request] = await sql<[{ id: string; lease_token: string }]>`
      update private.account_erasure_requests
      set status = 'in_progress', step = 'erase_user', started_at = now(),
        lease_token = gen_random_uuid(), leased_until = now() + interval '5 minutes'
      where user_id = ${user}
      returning id, lease_token`;
    const [{ reference }] = await sql<[{ reference: string }]>`
      select private.incident_open(now() - interval '1 hour', jsonb_build_object(
        'accounts', jsonb_build_array(${user}::uuid),
        'window', jsonb_build_object('from', now() - interval '1 day', 'to', now()))) as reference`;
    await sql`select private.incident_scope(${reference})`;

    const erasure = await openSession(sql);
    await erasure`select private.account_erasure_step(${request.id}, ${request.lease_token})`;
    const notify = await openSession(sql);
    const pid = await backendPid(notify);
    const notifying = errorOf(notify`select private.incident_notify(${reference})`);
    assert.equal(await waitsOnLock(sql, pid), true, "the notice waits for the erasure");
    await finish(erasure, "commit");
    assert.equal(await notifying, null);
    await finish(notify, "commit");

    const [{ mails }] = await sql<[{ mails: number }]>`
      select count(*)::int as mails from private.mail_outbox where lower(recipient) = lower(${email})`;
    assert.equal(mails, 0, "no mail to the erased address");
    const [recipient] = await sql<[{ unreachable: boolean }]>`
      select r.unreachable_at is not null as unreachable from private.incident_recipients r
      join private.incidents i on i.id = r.incident_id
      where i.reference = ${reference} and r.user_id = ${user}`;
    assert.equal(recipient.unreachable, true, "the erased account is unreachable");
    await sql`select private.incident_close(${reference})`;
  } finally {
    await sql.end({ timeout: 1 });
  }
});
