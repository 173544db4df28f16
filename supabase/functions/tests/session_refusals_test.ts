// The functions a signed-in user calls (the recordings broker, the data export download, the
// respondent export) refuse, before anything reaches the database or Storage: any method but
// POST (405; OPTIONS is the broker's CORS preflight); a request without a user's session token,
// or with one the project did not sign, that has expired, that is not a user's (the anon key,
// the service-role key) or whose subject is not a user id (401); and, signed in, a body that is
// not the JSON object the function takes (400; the download takes none). Each refusal is a JSON
// `{error}` that echoes nothing the caller sent, given before the database or Storage is used:
// the handlers get a database and a Storage that fail the test when touched.
import assert from "node:assert/strict";
import type { Sql } from "../_shared/db.ts";
import { createDownloadHandler } from "../data-export-download/handler.ts";
import { createBrokerHandler } from "../recording-access/handler.ts";
import { createRespondentExportHandler } from "../respondent-export/handler.ts";
import { mintJwt, stack } from "./support/stack.ts";

type Handler = (req: Request) => Promise<Response>;

/** Text a caller sends that must never come back in an answer. */
const CANARY = "CANARY-5e1d-never-echo";

const touched: string[] = [];

/** Storage must never be reached by a refused request. */
function untouchable(what: string) {
  return () => {
    touched.push(what);
    return Promise.reject(new Error(`${what} was called for a refused request`));
  };
}

/** Nor the database: any use of this "connection" (a query, a transaction) is recorded. */
const untouchableSql = new Proxy(() => {}, {
  apply: untouchable("sql`…`"),
  get: (_target, property) => untouchable(`sql.${String(property)}`),
}) as unknown as Sql;

const HANDLERS: Record<string, { handler: Handler; body: unknown; badBodies: unknown[] }> = {
  "recording-access": {
    handler: createBrokerHandler({
      sql: untouchableSql,
      signer: { download: untouchable("download"), upload: untouchable("upload") },
      jwtSecret: stack.JWT_SECRET,
    }),
    body: { recording_id: crypto.randomUUID() },
    badBodies: [CANARY, [CANARY], { recording_id: CANARY }, { survey_id: CANARY }],
  },
  "data-export-download": {
    handler: createDownloadHandler({
      sql: untouchableSql,
      signer: { sign: untouchable("sign") },
      jwtSecret: stack.JWT_SECRET,
    }),
    body: {},
    badBodies: [],
  },
  "respondent-export": {
    handler: createRespondentExportHandler({
      sql: untouchableSql,
      audio: { read: untouchable("read") },
      jwtSecret: stack.JWT_SECRET,
    }),
    body: { org_id: crypto.randomUUID(), respondent_ref: "resp-1" },
    badBodies: [CANARY, [CANARY], { org_id: CANARY, respondent_ref: "resp-1" }, {
      org_id: crypto.randomUUID(),
      respondent_ref: "resp-1",
      [CANARY]: true,
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

Deno.test({
  name: "the signed-in users' functions refuse every other method, caller and body before any work",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
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
          assert.ok(!answer.error.includes(CANARY), `${name}: echoes the input`);
        }
      }
      assert.deepEqual(touched, [], "a refused request reached the database or Storage");
    } finally {
      touched.length = 0;
    }
  },
});
