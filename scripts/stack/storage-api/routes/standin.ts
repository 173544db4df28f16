// /__standin/* control endpoints. Not part of the Storage API: they exist so tests
// can check readiness and inject faults into `remove`.

import { extractToken, verifyToken } from "../auth.ts";
import { type Deps, readJson } from "../context.ts";
import { ERRORS, ValidationError } from "../errors.ts";
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
  const payload = await verifyToken(extractToken(req.headers), deps.secret);
  if (payload.role !== "service_role") {
    throw ERRORS.AccessDenied("fault injection requires the service_role key");
  }
}

export async function faults(req: Request, deps: Deps): Promise<Response> {
  await requireServiceRole(req, deps);
  switch (req.method) {
    case "GET":
      return Response.json(deps.faults.list());
    case "DELETE":
      return Response.json({ cleared: deps.faults.clear() });
    case "POST": {
      const parsed = FaultSpec.safeParse(await readJson(req));
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) =>
          `${i.path.join(".") || "body"}: ${i.message}`
        );
        throw new ValidationError(`invalid fault: ${issues.join("; ")}`);
      }
      return Response.json(deps.faults.add(parsed.data), { status: 201 });
    }
    default:
      return Response.json(
        { statusCode: "405", error: "Method Not Allowed", message: req.method },
        { status: 405 },
      );
  }
}
