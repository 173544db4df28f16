// Connection settings of the stack that scripts and tests target: the environment first (so
// they also run against `supabase start` or a hosted project), then .local/stack.env written
// by scripts/stack/up.sh. Names follow `supabase status -o env`.
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

function stackFile(): Record<string, string> {
  const root = new URL("../../", import.meta.url).pathname;
  const stackDir = Deno.env.get("STACK_DIR") ?? `${root}.local`;
  return readEnvFile(`${stackDir}/stack.env`);
}

/** One more setting of the stack (e.g. MAIL_SMTP_URL), from the environment or stack.env. */
export function stackSetting(name: string): string | undefined {
  return Deno.env.get(name) ?? stackFile()[name];
}

export function loadStackEnv(): StackEnv {
  const fromFile = stackFile();
  const pick = (name: keyof StackEnv) => Deno.env.get(name) ?? fromFile[name];
  const parsed = StackEnv.safeParse({
    API_URL: pick("API_URL"),
    DB_URL: pick("DB_URL"),
    ANON_KEY: pick("ANON_KEY"),
    SERVICE_ROLE_KEY: pick("SERVICE_ROLE_KEY"),
    JWT_SECRET: pick("JWT_SECRET"),
  });
  if (!parsed.success) {
    throw new Error(
      `stack settings missing or invalid (run \`npm run stack\` first): ${parsed.error.message}`,
    );
  }
  return parsed.data;
}
