// Command-line parsing for `lttle`. Hand-written because `machine exec NAME -i
// -t psql -d db -U user -W` must stop reading lttle's options at the first word
// after NAME, which general-purpose parsers do not express.

export interface OptionSpec {
  /** Long name without dashes, e.g. "ns". */
  name: string;
  short?: string;
  /** Takes a value (`--ns samples`); otherwise a flag. */
  value?: string;
  /** May repeat (values collected in order). */
  repeat?: boolean;
  help: string;
}

export interface CommandSpec {
  /** e.g. "volume rm". */
  path: string;
  aliases?: string[];
  usage: string;
  summary: string;
  options: OptionSpec[];
  /** Positional arguments: min..max (max Infinity for lists). */
  positionals: { min: number; max: number };
  /** After the minimum positionals, everything else is passed through verbatim (exec's command). */
  passThroughAfter?: number;
}

export interface ParsedArgs {
  flags: Record<string, boolean>;
  values: Record<string, string[]>;
  positionals: string[];
  rest: string[];
}

export class UsageError extends Error {}

export const COMMON_OPTIONS: OptionSpec[] = [{ name: 'help', short: 'h', help: 'show this help' }];

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options = [...spec.options, ...COMMON_OPTIONS];
  const parsed: ParsedArgs = { flags: {}, values: {}, positionals: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      parsed.rest.push(...argv.slice(i + 1));
      break;
    }
    if (spec.passThroughAfter !== undefined && parsed.positionals.length >= spec.passThroughAfter && !arg.startsWith('-')) {
      parsed.rest.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const [flag, inline] = arg.startsWith('--') ? splitInline(arg.slice(2)) : [arg.slice(1), undefined];
      // Bundled short flags: -it
      if (!arg.startsWith('--') && flag.length > 1 && !inline) {
        const letters = [...flag];
        if (letters.every((l) => options.find((o) => o.short === l && !o.value))) {
          for (const l of letters) parsed.flags[options.find((o) => o.short === l)!.name] = true;
          continue;
        }
      }
      const option = arg.startsWith('--')
        ? options.find((o) => o.name === flag || (flag.startsWith('no-') && o.name === flag.slice(3) && !o.value))
        : options.find((o) => o.short === flag);
      if (!option) throw new UsageError(`unknown option ${arg} for \`lttle ${spec.path}\` (see \`lttle ${spec.path} --help\`)`);
      if (option.value) {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new UsageError(`option --${option.name} needs a value: ${option.value}`);
        (parsed.values[option.name] ??= []).push(value);
        if (!option.repeat && parsed.values[option.name].length > 1) throw new UsageError(`option --${option.name} given twice`);
      } else {
        parsed.flags[option.name] = !flag.startsWith('no-') || option.name === flag;
      }
      continue;
    }
    parsed.positionals.push(arg);
  }
  if (parsed.flags.help) return parsed;
  const { min, max } = spec.positionals;
  if (parsed.positionals.length < min) throw new UsageError(`missing argument for \`lttle ${spec.path}\`\nusage: ${spec.usage}`);
  if (parsed.positionals.length > max)
    throw new UsageError(`unexpected argument "${parsed.positionals[max]}" for \`lttle ${spec.path}\`\nusage: ${spec.usage}`);
  return parsed;
}

function splitInline(s: string): [string, string | undefined] {
  const eq = s.indexOf('=');
  return eq < 0 ? [s, undefined] : [s.slice(0, eq), s.slice(eq + 1)];
}

/** The usage line, then the same line under each alias: `rm` and `delete` both work, so both are shown. */
export function usageLines(spec: CommandSpec): string[] {
  return [spec.usage, ...(spec.aliases ?? []).map((alias) => spec.usage.replace(`lttle ${spec.path}`, `lttle ${alias}`))];
}

export function helpText(spec: CommandSpec): string {
  const [first, ...others] = usageLines(spec);
  const lines = [`usage: ${first}`, ...others.map((line) => `       ${line}`), '', spec.summary, '', 'options:'];
  for (const o of [...spec.options, ...COMMON_OPTIONS]) {
    const names = [o.short ? `-${o.short}` : '', `--${o.name}${o.value ? ` ${o.value}` : ''}`].filter(Boolean).join(', ');
    lines.push(`  ${names.padEnd(28)} ${o.help}`);
  }
  return lines.join('\n');
}

export function value(parsed: ParsedArgs, name: string): string | undefined {
  return parsed.values[name]?.[0];
}
