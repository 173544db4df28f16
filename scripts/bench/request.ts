// A request's settings as PostgREST makes them (role, claims, headers, method and path), in one
// statement, so every benchmark that acts as a user pays what a real request pays.
import type postgres from "postgres";

type Sql = ReturnType<typeof postgres>;

export function requestSettings(
  tx: Sql,
  role: string,
  claims: object,
  path: string,
  method = "GET",
) {
  return tx`select set_config('role', ${role}, true),
    set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
    set_config('request.headers', ${
    JSON.stringify({
      "x-request-id": crypto.randomUUID(),
      "accept": "application/json",
      "user-agent": "cluso-bench",
    })
  }, true),
    set_config('request.method', ${method}, true),
    set_config('request.path', ${path}, true)`;
}
