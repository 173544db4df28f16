// Minimal multipart/form-data parser.
//
// Needed because supabase-js sends the file part with an EMPTY field name
// (`form.append("", file)`), and Deno's Request.formData() silently drops such parts.
// Like busboy (used by the real service) a part is a file when it has a filename.

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Uint8Array<ArrayBuffer>;
}

export function boundaryOf(contentType: string): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = from; i <= last; i++) {
    if (haystack[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function dispositionParam(header: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${key}="([^"]*)"`, "i").exec(header);
  return m ? m[1] : undefined;
}

/** Parses a whole multipart body; throws on a malformed one. */
export function parseMultipart(body: Uint8Array<ArrayBuffer>, boundary: string): Part[] {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const delimiter = enc.encode(`--${boundary}`);
  const nextDelimiter = enc.encode(`\r\n--${boundary}`);
  const headerEnd = enc.encode("\r\n\r\n");
  const parts: Part[] = [];

  let pos = indexOf(body, delimiter, 0);
  if (pos < 0) throw new Error("multipart boundary not found");
  pos += delimiter.length;
  while (true) {
    // "--" right after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const hEnd = indexOf(body, headerEnd, pos);
    if (hEnd < 0) throw new Error("multipart part without headers");
    const headers = new Map<string, string>();
    for (const line of dec.decode(body.subarray(pos, hEnd)).split("\r\n")) {
      const i = line.indexOf(":");
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    const dataStart = hEnd + headerEnd.length;
    const dataEnd = indexOf(body, nextDelimiter, dataStart);
    if (dataEnd < 0) throw new Error("multipart body not terminated");
    const disposition = headers.get("content-disposition") ?? "";
    parts.push({
      name: dispositionParam(disposition, "name") ?? "",
      filename: dispositionParam(disposition, "filename"),
      contentType: headers.get("content-type"),
      data: body.subarray(dataStart, dataEnd),
    });
    pos = dataEnd + nextDelimiter.length;
  }
}
