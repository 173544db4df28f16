// Connection settings of the stack that scripts and tests target: the environment first (so
// they also run against `supabase start` or a hosted project), then .local/stack.env written
// by scripts/stack/up.sh. Names follow `supabase status -o env`; the anchor sink's follow the
// jobs' secrets (AUDIT_ANCHOR_URL, AUDIT_ANCHOR_TOKEN).
import { z } from "zod";

const StackEnv = z.object({
  API_URL: z.string().url(),
  DB_URL: z.string().startsWith("postgres"),
  ANON_KEY: z.string().min(20),
  SERVICE_ROLE_KEY: z.string().min(20),
  JWT_SECRET: z.string().min(32),
});
export type StackEnv = z.infer<typeof StackEnv>;

function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return {};
  }
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2];
  }
  return values;
}

/** One setting: the environment's, else the stack's stack.env; empty counts as unset. */
export function stackSetting(name: string): string | undefined {
  const root = new URL("../../", import.meta.url).pathname;
  const stackDir = Deno.env.get("STACK_DIR") ?? `${root}.local`;
  const value = Deno.env.get(name) ?? readEnvFile(`${stackDir}/stack.env`)[name];
  return value === "" ? undefined : value;
}

/** One setting from the environment only; empty counts as unset. */
export function environmentSetting(name: string): string | undefined {
  return Deno.env.get(name) || undefined;
}

export function loadStackEnv(): StackEnv {
  const parsed = StackEnv.safeParse({
    API_URL: stackSetting("API_URL"),
    DB_URL: stackSetting("DB_URL"),
    ANON_KEY: stackSetting("ANON_KEY"),
    SERVICE_ROLE_KEY: stackSetting("SERVICE_ROLE_KEY"),
    JWT_SECRET: stackSetting("JWT_SECRET"),
  });
  if (!parsed.success) {
    throw new Error(
      `stack settings missing or invalid (run \`npm run stack\` first): ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

export interface AnchorSinkSettings {
  /** Where the jobs POST anchors (AUDIT_ANCHOR_URL). */
  url: string;
  /** The jobs' write token (AUDIT_ANCHOR_TOKEN), if the sink wants one. */
  token: string | undefined;
  /**
   * Where the verifier reads the anchored heads: AUDIT_ANCHOR_HEADS_URL, else `heads` beside
   * the anchors route (https://sink.example/audit/anchors -> https://sink.example/audit/heads).
   */
  headsUrl: string;
  /** The verifier's read token (AUDIT_ANCHOR_READ_TOKEN), if the sink wants one. */
  readToken: string | undefined;
}

/**
 * The audit anchor sink, or null when none is configured (AUDIT_ANCHOR_URL unset, e.g. against
 * a Supabase project whose ops have not provided one): then what needs it says so and skips.
 * Settings are read with `setting`: the environment then the stack's (the default), or e.g.
 * environmentSetting where the local stack's sink must not count.
 */
export function loadAnchorSinkSettings(
  setting: (name: string) => string | undefined = stackSetting,
): AnchorSinkSettings | null {
  const url = setting("AUDIT_ANCHOR_URL");
  if (url === undefined) return null;
  if (!URL.canParse(url)) throw new Error("AUDIT_ANCHOR_URL is not a URL");
  return {
    url,
    token: setting("AUDIT_ANCHOR_TOKEN"),
    headsUrl: setting("AUDIT_ANCHOR_HEADS_URL") ?? new URL("heads", url).href,
    readToken: setting("AUDIT_ANCHOR_READ_TOKEN"),
  };
}
