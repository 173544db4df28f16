// The anchor sink stand-in's storage: one JSON line per anchor, appended and synced to disk
// before a write is acknowledged, never rewritten. An index in memory (rebuilt from the file at
// start) answers duplicates and the heads.

export interface Head {
  chain_id: string;
  seq: number;
  hash: string;
}

export interface Anchor {
  id: number;
  created_at: string;
  heads: Head[];
}

export interface StoredAnchor extends Anchor {
  received_at: string;
}

export type AppendOutcome =
  | { ok: true; accepted: number; duplicates: number }
  /** Ids already held with other heads: nothing of the batch was stored. */
  | { ok: false; conflicts: number[] };

export interface Digest {
  /** When the newest anchor was received (null: none yet). */
  anchored_at: string | null;
  anchors: number;
  /** Sorted by chain, then seq; the shape audit.verify_chains(p_digest) reads. */
  chains: Head[];
}

const sameHeads = (a: Head[], b: Head[]) => JSON.stringify(a) === JSON.stringify(b);

export class AnchorStore {
  private readonly byId = new Map<number, StoredAnchor>();
  /** Every (chain, seq, hash) ever anchored, by `${chain}/${seq}/${hash}`. */
  private readonly allHeads = new Map<string, Head>();
  /** Per chain, the head with the highest seq (the first received, at equal seq). */
  private readonly latest = new Map<string, Head>();
  private lastReceivedAt: string | null = null;
  /** Appends run one at a time, so a duplicate check and its write are never interleaved. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string) {}

  /**
   * Opens (or creates) the store at `path`. A torn last line (a crash mid-write, never
   * acknowledged) is cut off, so the next append starts on a line of its own.
   */
  static async open(path: string): Promise<AnchorStore> {
    const store = new AnchorStore(path);
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const complete = text.slice(0, text.lastIndexOf("\n") + 1);
    if (complete.length < text.length) {
      await Deno.truncate(path, new TextEncoder().encode(complete).length);
    }
    for (const [i, line] of complete.split("\n").entries()) {
      if (line.trim() === "") continue;
      try {
        store.index(JSON.parse(line) as StoredAnchor);
      } catch {
        throw new Error(`${path}: line ${i + 1} is not a stored anchor`);
      }
    }
    return store;
  }

  get size(): number {
    return this.byId.size;
  }

  append(anchors: Anchor[]): Promise<AppendOutcome> {
    const run = this.queue.then(() => this.appendNow(anchors));
    this.queue = run.catch(() => {});
    return run;
  }

  private async appendNow(anchors: Anchor[]): Promise<AppendOutcome> {
    const conflicts: number[] = [];
    const fresh: Anchor[] = [];
    const seen = new Map<number, Anchor>();
    for (const anchor of anchors) {
      const held = this.byId.get(anchor.id) ?? seen.get(anchor.id);
      if (held === undefined) {
        seen.set(anchor.id, anchor);
        fresh.push(anchor);
      } else if (!sameHeads(held.heads, anchor.heads)) {
        conflicts.push(anchor.id);
      }
    }
    if (conflicts.length > 0) return { ok: false, conflicts };
    if (fresh.length > 0) {
      const receivedAt = new Date().toISOString();
      const stored = fresh.map((a): StoredAnchor => ({ ...a, received_at: receivedAt }));
      const file = await Deno.open(this.path, { append: true, create: true });
      try {
        await file.write(
          new TextEncoder().encode(stored.map((s) => JSON.stringify(s) + "\n").join("")),
        );
        // Acknowledged only once on disk: an answered anchor must survive a crash.
        await file.syncData();
      } finally {
        file.close();
      }
      for (const s of stored) this.index(s);
    }
    return { ok: true, accepted: fresh.length, duplicates: anchors.length - fresh.length };
  }

  private index(anchor: StoredAnchor): void {
    this.byId.set(anchor.id, anchor);
    for (const head of anchor.heads) {
      this.allHeads.set(`${head.chain_id}/${head.seq}/${head.hash}`, head);
      const current = this.latest.get(head.chain_id);
      if (current === undefined || head.seq > current.seq) this.latest.set(head.chain_id, head);
    }
    if (this.lastReceivedAt === null || anchor.received_at > this.lastReceivedAt) {
      this.lastReceivedAt = anchor.received_at;
    }
  }

  /** The latest head of every chain, or with `all` every head ever anchored. */
  digest(all = false): Digest {
    const heads = [...(all ? this.allHeads : this.latest).values()].sort((a, b) =>
      a.chain_id < b.chain_id ? -1 : a.chain_id > b.chain_id ? 1 : a.seq - b.seq
    );
    return { anchored_at: this.lastReceivedAt, anchors: this.byId.size, chains: heads };
  }

  /** Stored anchors with id >= `fromId`, in id order, at most `limit`. */
  list(fromId: number, limit: number): StoredAnchor[] {
    return [...this.byId.values()]
      .filter((a) => a.id >= fromId)
      .sort((a, b) => a.id - b.id)
      .slice(0, limit);
  }
}
