// Object bytes on the local filesystem, at <root>/<bucket>/<name>.
//
// Uploads are first streamed to a temp file (same filesystem, so the final rename is
// atomic) and only moved into place after their database row has committed.

import { createHash } from "node:crypto";
import { dirname, join, relative, resolve, sep } from "node:path";

/** '#' is not allowed in bucket names, so this can never collide with a bucket. */
const TEMP_DIR = "#uploads";

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

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Absolute path of an object; refuses anything that would land outside its bucket. */
  pathFor(bucket: string, name: string): string {
    const bucketDir = resolve(this.root, bucket);
    const full = resolve(bucketDir, name);
    const rel = relative(bucketDir, full);
    if (
      bucket.includes("/") || bucket === TEMP_DIR || rel === "" ||
      rel.startsWith("..") || rel.startsWith(sep)
    ) {
      throw new Error(`refusing path outside bucket: ${bucket}/${name}`);
    }
    return full;
  }

  /** Streams `body` to a temp file, keeping at most `limit` bytes. */
  async writeTemp(
    body: ReadableStream<Uint8Array> | null,
    limit: number,
  ): Promise<TempFile> {
    const dir = join(this.root, TEMP_DIR);
    await Deno.mkdir(dir, { recursive: true });
    const path = join(dir, crypto.randomUUID());
    const file = await Deno.open(path, { write: true, createNew: true });
    const md5 = createHash("md5");
    let size = 0;
    let truncated = false;
    try {
      if (body) {
        const reader = body.getReader();
        while (true) {
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
          while (written < value.byteLength) {
            written += await file.write(value.subarray(written));
          }
        }
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
    const target = this.pathFor(bucket, name);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.rename(tempPath, target);
  }

  async discard(tempPath: string): Promise<void> {
    await Deno.remove(tempPath).catch(() => {});
  }

  async open(bucket: string, name: string): Promise<Deno.FsFile | null> {
    try {
      return await Deno.open(this.pathFor(bucket, name), { read: true });
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw err;
    }
  }

  /** Deletes an object's bytes and prunes folders left empty; missing files are fine. */
  async remove(bucket: string, name: string): Promise<void> {
    const target = this.pathFor(bucket, name);
    try {
      await Deno.remove(target);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const bucketDir = resolve(this.root, bucket);
    let dir = dirname(target);
    while (dir !== bucketDir && dir.startsWith(bucketDir + sep)) {
      try {
        await Deno.remove(dir); // only succeeds when empty
      } catch {
        break;
      }
      dir = dirname(dir);
    }
  }

  /** Removes a bucket's directory, used after the bucket row is gone. */
  async removeBucketDir(bucket: string): Promise<void> {
    await Deno.remove(resolve(this.root, bucket), { recursive: true }).catch(
      () => {},
    );
  }
}
