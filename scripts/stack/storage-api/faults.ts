// Fault injection for tests: STAND-IN ONLY, the real storage-api has nothing like it.
//
// A test arms rules through POST /__standin/faults; each `remove` call (DELETE
// /object/{bucket} with prefixes) consumes the first armed rule that matches its bucket and
// names. Rules let tests exercise retry/idempotency code against a 5xx, a hang past the
// client's timeout, a partial delete, or one object Storage keeps refusing.

import { z } from "zod";

const common = {
  /** How many upcoming remove calls the rule applies to. */
  times: z.number().int().min(1).max(10_000).default(1),
  /** Only remove calls on this bucket; all buckets when omitted. */
  bucket: z.string().min(1).optional(),
  /** Only remove calls whose names include this one; all calls when omitted. */
  name: z.string().min(1).optional(),
};

export const FaultSpec = z.discriminatedUnion("mode", [
  // Answer with a 5xx and touch nothing.
  z.object({
    mode: z.literal("error"),
    status: z.number().int().min(500).max(599).default(500),
    message: z.string().min(1).optional(),
    ...common,
  }).strict(),
  // Sleep before answering. With then="proceed" (default) the delete still happens
  // after the delay, like a slow server whose client already gave up; with "error"
  // it answers 5xx after the delay and deletes nothing.
  z.object({
    mode: z.literal("hang"),
    delayMs: z.number().int().min(1).max(600_000),
    then: z.enum(["proceed", "error"]).default("proceed"),
    ...common,
  }).strict(),
  // Delete only the first k requested names and report only those.
  z.object({
    mode: z.literal("partial"),
    k: z.number().int().min(0),
    ...common,
  }).strict(),
]);

export type FaultSpec = z.infer<typeof FaultSpec>;

export interface FaultRule {
  id: string;
  spec: FaultSpec;
  remaining: number;
}

export class FaultStore {
  #rules: FaultRule[] = [];

  add(spec: FaultSpec): FaultRule {
    const rule = { id: crypto.randomUUID(), spec, remaining: spec.times };
    this.#rules.push(rule);
    return rule;
  }

  clear(): number {
    const n = this.#rules.length;
    this.#rules = [];
    return n;
  }

  /** Consumes one use of the first rule that applies to a remove of `names` on `bucket`. */
  takeForRemove(bucket: string, names: string[]): FaultSpec | null {
    const rule = this.#rules.find((r) =>
      r.remaining > 0 && (!r.spec.bucket || r.spec.bucket === bucket) &&
      (!r.spec.name || names.includes(r.spec.name))
    );
    if (!rule) return null;
    rule.remaining -= 1;
    if (rule.remaining === 0) {
      this.#rules = this.#rules.filter((r) => r !== rule);
    }
    return rule.spec;
  }
}
