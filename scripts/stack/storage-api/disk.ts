// Object bytes on the local filesystem.
//
// Each object is one file named by a hash of its bucket and name, so every valid key (a leading
// `/`, empty or `.` segments, 1024 bytes) maps to a file inside the root and never to a
// directory. Uploads are streamed to a temp file in the same filesystem and renamed into place
// (atomically) only after their database row has committed.

import { createHash } from "node:crypto";
import { join, resolve } from "node:path";

export interface TempFile {
  path: string;
  size: number;
  /** Quoted hex md5, the eTag format the real file backend stores. */
  eTag: string;
  /** True when the body was larger than the limit; the file was cut short. */
  truncated: boolean;
}

export class Disk {
  readonly root: string;
  readonly #objects: string;
  readonly #uploads: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.#objects = join(this.root, "objects");
    this.#uploads = join(this.root, "uploads");
  }

  #pathFor(bucket: string, name: string): string {
    const id = createHash("sha256").update(bucket).update("\0").update(name).digest("hex");
    return join(this.#objects, id);
  }

  /** Streams `body` to a temp file, keeping at most `limit` bytes. */
  async writeTemp(body: ReadableStream<Uint8Array> | null, limit: number): Promise<TempFile> {
    await Deno.mkdir(this.#uploads, { recursive: true });
    const path = join(this.#uploads, crypto.randomUUID());
    const file = await Deno.open(path, { write: true, createNew: true });
    const md5 = createHash("md5");
    let size = 0;
    let truncated = false;
    try {
      const reader = body?.getReader();
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        if (size + value.byteLength > limit) {
          truncated = true;
          await reader.cancel();
          break;
        }
        size += value.byteLength;
        md5.update(value);
        let written = 0;
        while (written < value.byteLength) written += await file.write(value.subarray(written));
      }
    } catch (err) {
      file.close();
      await this.discard(path);
      throw err;
    }
    file.close();
    return { path, size, eTag: `"${md5.digest("hex")}"`, truncated };
  }

  async commit(tempPath: string, bucket: string, name: string): Promise<void> {
    await Deno.mkdir(this.#objects, { recursive: true });
    await Deno.rename(tempPath, this.#pathFor(bucket, name));
  }

  async discard(tempPath: string): Promise<void> {
    await Deno.remove(tempPath).catch(() => {});
  }

  async open(bucket: string, name: string): Promise<Deno.FsFile | null> {
    try {
      return await Deno.open(this.#pathFor(bucket, name), { read: true });
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw err;
    }
  }

  /** Deletes an object's bytes; a file already gone is fine. */
  async remove(bucket: string, name: string): Promise<void> {
    await Deno.remove(this.#pathFor(bucket, name)).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  }
}
