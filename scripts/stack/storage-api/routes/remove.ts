// DELETE /object/{bucket} with {"prefixes": [...]}: supabase-js remove().
//
// Rows are deleted as the caller (RLS decides what goes), then the bytes of exactly those rows,
// before the commit as the real service does; the answer lists only the rows deleted. Armed
// faults (faults.ts, stand-in only) apply here and nowhere else.

import { type Ctx, isRecord, readJson } from "../context.ts";
import { withScope } from "../db.ts";
import { ERRORS } from "../errors.ts";
import { objectJson } from "../serialize.ts";

/** The real route's body schema, then the real enforceDeleteObjectsLimit. */
export async function readRemoveBody(req: Request): Promise<string[]> {
  const body = await readJson(req);
  const invalid = (message: string) => ERRORS.RequestSchema(message);
  if (!isRecord(body)) throw invalid("body must be object");
  if (!("prefixes" in body)) throw invalid("body must have required property 'prefixes'");
  const { prefixes } = body;
  if (!Array.isArray(prefixes)) throw invalid("body/prefixes must be array");
  if (prefixes.length < 1) throw invalid("body/prefixes must NOT have fewer than 1 items");
  const bad = prefixes.findIndex((p) => typeof p !== "string");
  if (bad >= 0) throw invalid(`body/prefixes/${bad} must be string`);
  return prefixes;
}

export async function removeObjects(ctx: Ctx, bucket: string, names: string[]): Promise<Response> {
  const limit = ctx.deps.config.deleteObjectsLimit;
  if (names.length > limit) {
    throw ERRORS.InvalidRequest(
      `Bulk object requests are limited to ${limit} objects per request.`,
    );
  }

  const fault = ctx.deps.faults.takeForRemove(bucket, names);
  if (fault) {
    console.log(`[standin] fault ${fault.mode} applied to remove on ${bucket}`);
    const injected = (status: number, message?: string) =>
      ERRORS.InternalError(message ?? "Internal server error (injected by stand-in)", status);
    if (fault.mode === "error") throw injected(fault.status, fault.message);
    if (fault.mode === "hang") {
      await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.then === "error") throw injected(503);
    }
    if (fault.mode === "partial") names = names.slice(0, fault.k);
  }
  if (names.length === 0) return Response.json([]);

  const rows = await withScope(
    ctx.deps.sql,
    ctx.scope("storage.object.delete_many"),
    async (tx) => {
      const deleted = await tx`
        delete from storage.objects
        where bucket_id = ${bucket} and name = any(${tx.array(names)}::text[])
        returning *`;
      for (const row of deleted) await ctx.deps.disk.remove(bucket, row.name);
      return deleted;
    },
  );
  return Response.json(rows.map((r) => objectJson(r)));
}
