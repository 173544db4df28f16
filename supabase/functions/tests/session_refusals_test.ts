// The functions a signed-in user calls (the recordings broker, the data export download, the
// respondent export) refuse, before anything reaches the database or Storage: any method but
// POST (405; OPTIONS is the broker's CORS preflight); a request without a user's session token,
// or with one the project did not sign, that has expired, that is not a user's (the anon key,
// the service-role key) or whose subject is not a user id (401); and, signed in, a body that is
// not the JSON object the function takes (400). Each refusal is a JSON `{error}` that echoes
// nothing the caller sent, and leaves no row behind.
import assert from "node:assert/strict";
import { createSql } from "../_shared/db.ts";
import { createDownloadHandler } from "../data-export-download/handler.ts";
import { createBrokerHandler } from "../recording-access/handler.ts";
import { createRespondentExportHandler } from "../respondent-export/handler.ts";
import { adminSql, mintJwt, stack } from "./support/stack.ts";

type Handler = (req: Request) => Promise<Response>;

/** Storage must never be reached by a refused request: every call fails the test. */
function untouchable(what: string) {
  return () => Promise.reject(new Error(`${what} was called for a refused request`));
}

const pool = createSql(stack.DB_URL, { applicationName: "session-refusals-test", max: 2 });

const HANDLERS: Record<string, { handler: Handler; body: unknown; badBodies: unknown[] }> = {
  "recording-access": {
    handler: createBrokerHandler({
      sql: pool,
      signer: { download: untouchable("download"), upload: untouchable("upload") },
      jwtSecret: stack.JWT_SECRET,
    }),
    body: { recording_id: crypto.randomUUID() },
    badBodies: ["not json", [], { recording_id: "not-a-uuid" }],
  },
  "data-export-download": {
    handler: createDownloadHandler({
      sql: pool,
      signer: { sign: untouchable("sign") },
      jwtSecret: stack.JWT_SECRET,
    }),
    body: {},
    badBodies: [],
  },
  "respondent-export": {
    handler: createRespondentExportHandler({
      sql: pool,
      audio: { read: untouchable("read") },
      jwtSecret: stack.JWT_SECRET,
    }),
    body: { org_id: crypto.randomUUID(), respondent_ref: "resp-1" },
    badBodies: ["not json", [], { org_id: "x", respondent_ref: "resp-1" }, {
      org_id: crypto.randomUUID(),
      respondent_ref: "resp-1",
      extra: true,
    }],
  },
};

const USER = crypto.randomUUID();
const userClaims = { sub: USER, role: "authenticated", aud: "authenticated" };

/** Bearer tokens that are not a usable session of a user of this project. */
async function unusableTokens(): Promise<Record<string, string | null>> {
  const unsigned = [{ alg: "none", typ: "JWT" }, userClaims]
    .map((part) => btoa(JSON.stringify(part)).replace(/=+$/, "")).join(".") + ".";
  return {
    "no token": null,
    "the anon key": stack.ANON_KEY,
    "the service-role key": stack.SERVICE_ROLE_KEY,
    "a token another project signed": await mintJwt(
      userClaims,
      "another-projects-secret-0123456789abcd",
    ),
    "an expired token": await mintJwt({ ...userClaims, exp: Math.floor(Date.now() / 1000) - 60 }),
    "a token whose subject is not a user id": await mintJwt({ ...userClaims, sub: "admin" }),
    "an unsigned token (alg none)": unsigned,
    "not a JWT": "definitely-not-a-jwt",
  };
}

function post(token: string | null, body: unknown, method = "POST"): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return new Request("http://localhost/functions/v1/any", {
    method,
    headers,
    body: method === "GET" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function refusal(res: Response): Promise<{ status: number; error: string }> {
  const text = await res.text();
  const parsed = JSON.parse(text);
  assert.equal(typeof parsed.error, "string", text);
  return { status: res.status, error: parsed.error };
}

/** Rows a request as USER could leave: access-log grants and audit events in their name. */
async function footprint(): Promise<number[]> {
  const sql = adminSql();
  try {
    const [row] = await sql`select
      (select count(*)::int from audit.recording_access where user_id = ${USER}) as grants,
      (select count(*)::int from audit.events where actor_id = ${USER}) as events`;
    return [row.grants, row.events];
  } finally {
    await sql.end({ timeout: 5 });
  }
}

Deno.test({
  name:
    "the signed-in users' functions refuse every other method, caller and body, and keep nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const before = await footprint();
    const tokens = await unusableTokens();
    const session = await mintJwt(userClaims);
    try {
      for (const [name, { handler, body, badBodies }] of Object.entries(HANDLERS)) {
        const wrongMethod = await refusal(await handler(post(session, body, "GET")));
        assert.equal(wrongMethod.status, 405, `${name}: GET`);

        for (const [label, token] of Object.entries(tokens)) {
          const answer = await refusal(await handler(post(token, body)));
          assert.equal(answer.status, 401, `${name}: ${label} -> ${JSON.stringify(answer)}`);
          if (token !== null) assert.ok(!answer.error.includes(token), `${name}: echoes the token`);
        }

        for (const bad of badBodies) {
          const answer = await refusal(await handler(post(session, bad)));
          assert.equal(answer.status, 400, `${name}: body ${JSON.stringify(bad)}`);
          assert.ok(!answer.error.includes("not-a-uuid"), `${name}: echoes the input`);
        }
      }
      assert.deepEqual(await footprint(), before, "a refused request leaves no row");
    } finally {
      await pool.end({ timeout: 5 });
    }
  },
});
