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
 * One mailbox however its address is spelt: case, a "+tag" sub-address, and for Gmail the dots
 * of the local part and the googlemail.com domain, which all deliver to the same inbox.
 */
function mailbox(address: string): string {
  const normal = address.trim().toLowerCase();
  const at = normal.lastIndexOf("@");
  let domain = normal.slice(at + 1);
  let local = normal.slice(0, at).split("+")[0];
  if (domain === "googlemail.com") domain = "gmail.com";
  if (domain === "gmail.com") local = local.replaceAll(".", "");
  return `${local}@${domain}`;
}

/**
 * The rate limit's key for the contact address a web report names. Apart from inbound mail's
 * sender key, so someone naming a reporter's address can hold up the web form for that address
 * for an hour, never the reporter's mail.
 */
export function contactKey(contact: string): string {
  return `contact:${mailbox(contact)}`;
}

/**
 * The rate limit's key for an inbound mail's sender, who is acknowledged by mail: one mailbox
 * however it is spelt, so a forged sender varying "+tag" cannot mail one inbox without bound.
 */
export function senderKey(sender: string): string {
  return `mail:${mailbox(sender)}`;
}
