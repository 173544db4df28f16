// /__standin/* control endpoints: STAND-IN ONLY, not part of the Storage API. They exist so
// that scripts can wait for readiness and tests can inject faults into `remove`.

import { bearerToken, verifyToken } from "../auth.ts";
import type { Deps } from "../context.ts";
import { ERRORS } from "../errors.ts";
import { FaultSpec } from "../faults.ts";

export async function health(deps: Deps): Promise<Response> {
  try {
    await deps.sql`select 1 from storage.objects limit 1`;
    return Response.json({ status: "ok" });
  } catch (err) {
    return Response.json(
      { status: "unavailable", error: (err as Error).message },
      { status: 503 },
    );
  }
}

/** Only a valid service_role JWT may change faults. */
async function requireServiceRole(req: Request, deps: Deps): Promise<void> {
  const payload = await verifyToken(bearerToken(req.headers), deps.secret);
  if (payload.role !== "service_role") {
    throw ERRORS.AccessDenied("fault injection requires the service_role key");
  }
}

/** POST /__standin/faults: arms a rule for upcoming remove calls (see faults.ts). */
export async function armFault(req: Request, deps: Deps): Promise<Response> {
  await requireServiceRole(req, deps);
  const parsed = FaultSpec.safeParse(await req.json().catch(() => undefined));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
    throw ERRORS.InvalidRequest(`invalid fault: ${issues.join("; ")}`);
  }
  return Response.json(deps.faults.add(parsed.data), { status: 201 });
}

/** DELETE /__standin/faults: disarms every rule. */
export async function clearFaults(req: Request, deps: Deps): Promise<Response> {
  await requireServiceRole(req, deps);
  return Response.json({ cleared: deps.faults.clear() });
}
