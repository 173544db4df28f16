// Test support for the recordings broker: its handler, served in-process with the stack's
// settings (as `supabase functions serve` would run it), and calls to it as a signed-in user.
import { createSql } from "../../_shared/db.ts";
import { createBrokerHandler } from "../../recording-access/handler.ts";
import { storageSigner } from "../../recording-access/signer.ts";
import { mintJwt, stack } from "./stack.ts";

const handler = createBrokerHandler({
  sql: createSql(stack.DB_URL, { applicationName: "recording-access-test", max: 4 }),
  signer: storageSigner(stack.API_URL, stack.SERVICE_ROLE_KEY, stack.JWT_SECRET),
  jwtSecret: stack.JWT_SECRET,
});

export interface BrokerAnswer {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** POSTs `body` to the broker with `token` (a session JWT) and an optional x-request-id. */
export async function callBroker(
  token: string | null,
  body: unknown,
  requestId?: string,
): Promise<BrokerAnswer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (requestId) headers["x-request-id"] = requestId;
  const res = await handler(
    new Request("http://functions.local/recording-access", {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    }),
  );
  return { status: res.status, body: await res.json() };
}

/** The broker's raw answer to any request (a browser's preflight, another method). */
export async function brokerResponse(init: RequestInit): Promise<Response> {
  return await handler(new Request("http://functions.local/recording-access", init));
}

/** A session JWT for the user id, as GoTrue would issue it. */
export async function sessionJwt(userId: string): Promise<string> {
  return await mintJwt({ sub: userId, role: "authenticated", aud: "authenticated" });
}
