// Mints the local stack's anon and service_role API keys from JWT_SECRET, as `supabase start`
// does, so no key is ever committed. Prints them as KEY=value lines for .local/stack.env.
import { SignJWT } from "jose";

const secret = new TextEncoder().encode(Deno.env.get("JWT_SECRET") ?? "");
if (secret.length < 32) throw new Error("JWT_SECRET must be at least 32 characters");

async function apiKey(role: "anon" | "service_role"): Promise<string> {
  const tenYears = 10 * 365 * 24 * 3600;
  return await new SignJWT({ role, iss: "supabase-demo" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + tenYears)
    .sign(secret);
}

console.log(`ANON_KEY=${await apiKey("anon")}`);
console.log(`SERVICE_ROLE_KEY=${await apiKey("service_role")}`);
