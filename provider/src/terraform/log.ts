// Logging for a terraform plugin: stdout belongs to the go-plugin handshake,
// so everything goes to stderr as hclog JSON lines, which go-plugin parses
// and re-emits at the right level in terraform's log. The level follows
// TF_LOG_PROVIDER, then TF_LOG (TRACE, DEBUG, INFO, WARN, ERROR, OFF; JSON or
// any other value means TRACE, as in terraform). Callers never pass secret
// values: only resource types, ids and runtime messages.

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env.TF_LOG_PROVIDER || env.TF_LOG || '').trim().toLowerCase();
  if (!raw) return LEVELS.indexOf('warn');
  if (raw === 'off') return LEVELS.length;
  const i = LEVELS.indexOf(raw as Level);
  return i >= 0 ? i : 0;
}

let threshold = levelFromEnv();
let sink: (line: string) => void = (line) => process.stderr.write(line);

/** For tests: capture lines and set the level. */
export function configureLog(options: { level?: Level; sink?: (line: string) => void }): void {
  if (options.level) threshold = LEVELS.indexOf(options.level);
  if (options.sink) sink = options.sink;
}

export function log(level: Level, message: string, fields: Record<string, string | number | boolean> = {}): void {
  if (LEVELS.indexOf(level) < threshold) return;
  sink(JSON.stringify({ '@level': level, '@message': message, '@module': 'provider.lttle', '@timestamp': new Date().toISOString(), ...fields }) + '\n');
}
