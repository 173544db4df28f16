// One JSON object per line, so the platform's log explorer can filter on fields.
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

type Level = "info" | "warn" | "error";
export type LineWriter = (level: Level, line: string) => void;

/** The Edge Runtime files console.log/warn/error under the matching log level. */
const consoleByLevel: LineWriter = (level, line) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

/** Everything on stderr: a local run's stdout stays for its own output. */
export const stderrLines: LineWriter = (_level, line) => console.error(line);

export function jsonLogger(
  base: Record<string, unknown> = {},
  write: LineWriter = consoleByLevel,
): Logger {
  const line = (level: Level) => (message: string, fields?: Record<string, unknown>) =>
    write(level, JSON.stringify({ level, message, ...base, ...fields }));
  return { info: line("info"), warn: line("warn"), error: line("error") };
}

/** The same logger, adding `fields` to every line. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    info: (m, f) => logger.info(m, { ...fields, ...f }),
    warn: (m, f) => logger.warn(m, { ...fields, ...f }),
    error: (m, f) => logger.error(m, { ...fields, ...f }),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
