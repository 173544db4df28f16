// The rate limit's notion of a source, as a keyed hash: HMAC-SHA256 with a secret only the
// Edge Functions hold, so the database never sees an IP or address and whoever reads it cannot
// test guesses against it.

const encoder = new TextEncoder();

export async function sourceHash(secret: string, source: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(source));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The client's IP as the Supabase gateway reports it: the first address of x-forwarded-for
 * (later ones are proxies). Without the header every caller shares one source.
 */
export function clientIp(req: Request): string {
  const forwarded = req.headers.get("x-forwarded-for");
  const first = forwarded?.split(",")[0].trim();
  return first ? `ip:${first}` : "ip:unknown";
}

/**
 * The rate limit's key for a contact address: inbound mail's source, and the web form's second
 * count, so one address is acknowledged at most the limit's times an hour across both channels.
 */
export function contactKey(contact: string): string {
  return `mail:${contact.trim().toLowerCase()}`;
}
