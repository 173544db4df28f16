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
 * The rate limit's key for the contact address a web report names: one mailbox however it is
 * spelt (case, a "+tag" sub-address, dots in a Gmail local part). Apart from inbound mail's
 * sender key, so someone naming a reporter's address can hold up the web form for that address
 * for an hour, never the reporter's mail.
 */
export function contactKey(contact: string): string {
  const address = contact.trim().toLowerCase();
  const at = address.lastIndexOf("@");
  const domain = address.slice(at + 1);
  let mailbox = address.slice(0, at).split("+")[0];
  if (domain === "gmail.com" || domain === "googlemail.com") mailbox = mailbox.replaceAll(".", "");
  return `contact:${mailbox}@${domain}`;
}
