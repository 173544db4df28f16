// Two or more database sessions racing each other, as two API requests would: each is a
// dedicated connection in its own transaction, acting as a user exactly as PostgREST does
// (role and JWT claims set for the transaction).
import postgres from "postgres";
import { loadStackEnv } from "../../../scripts/lib/stack-env.ts";

export const stack = loadStackEnv();

export type Sql = postgres.Sql;
export type Session = postgres.ReservedSql;

/** A pool as `postgres`, the role the scheduled jobs and these fixtures use. */
export function adminSql(): Sql {
  return postgres(stack.DB_URL, { max: 6, prepare: false, onnotice: () => {} });
}

/** A named, confirmed auth user, as GoTrue stores one; returns its id. */
export async function createUser(sql: Sql, name: string): Promise<string> {
  const id = crypto.randomUUID();
  await sql`
    insert into auth.users (instance_id, id, aud, role, email, email_confirmed_at,
      raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated',
      ${`${name}-${
    id.slice(0, 8)
  }@example.test`}, now(), '{"provider":"email"}', '{}', now(), now())`;
  return id;
}

/** An organisation owned by `ownerId`; returns its id. */
export async function createOrg(sql: Sql, ownerId: string): Promise<string> {
  const [{ id }] = await sql<[{ id: string }]>`
    insert into public.organizations (name, created_by) values ('Race org', ${ownerId})
    returning id`;
  await sql`insert into public.memberships (org_id, user_id, role) values (${id}, ${ownerId}, 'owner')`;
  return id;
}

/** A dedicated connection with an open transaction, acting as `userId` (or as postgres). */
export async function openSession(sql: Sql, userId?: string): Promise<Session> {
  const session = await sql.reserve();
  await session`begin`;
  if (userId) {
    const claims = JSON.stringify({ sub: userId, role: "authenticated", aud: "authenticated" });
    await session`select set_config('request.jwt.claims', ${claims}, true),
      set_config('role', 'authenticated', true)`;
  }
  return session;
}

/**
 * A dedicated connection with an open transaction, scoped as the Storage API writes a member's
 * upload through a signed upload URL: as service_role, operation storage.object.upload_signed.
 */
export async function openSignedUploadSession(sql: Sql): Promise<Session> {
  const session = await sql.reserve();
  await session`begin`;
  await session`select set_config('role', 'service_role', true),
    set_config('request.jwt.claims', '{"role":"service_role"}', true),
    set_config('storage.operation', 'storage.object.upload_signed', true)`;
  return session;
}

export async function finish(session: Session, outcome: "commit" | "rollback") {
  try {
    await session.unsafe(outcome);
  } finally {
    session.release();
  }
}

/** Settles to the query's error, or null when it succeeded. */
export async function errorOf(query: Promise<unknown>): Promise<postgres.PostgresError | null> {
  try {
    await query;
    return null;
  } catch (err) {
    if (err instanceof postgres.PostgresError) return err;
    throw err;
  }
}

/** True once `pid`'s backend waits on a lock (polled for up to 5 s). */
export async function waitsOnLock(sql: Sql, pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const [{ waiting }] = await sql<[{ waiting: boolean }]>`
      select coalesce(bool_or(wait_event_type = 'Lock'), false) as waiting
      from pg_stat_activity where pid = ${pid}`;
    if (waiting) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

export async function backendPid(session: Session): Promise<number> {
  const [{ pid }] = await session<[{ pid: number }]>`select pg_backend_pid() as pid`;
  return pid;
}
