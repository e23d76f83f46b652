/**
 * `tsdock compose [PROJECT OPTIONS] COMMAND [OPTIONS]`: docker compose reads -f, -p and the other
 * project options before the subcommand. They are moved after it, in their long `--name=value`
 * form, so that `compose up` is found as a command of its own and parses them with its other
 * flags (a `-p` of `compose run` stays its own `--publish`).
 */
import { UsageError } from '../runtime/errors.js';

/** Project options taking a value: long name and short letter. */
const VALUED: Record<string, string> = {
  file: 'f',
  'project-name': 'p',
  'project-directory': '',
  workdir: '',
  'env-file': '',
  profile: '',
  ansi: '',
  progress: '',
};
const BOOLEAN = ['no-ansi'];
/** Options docker compose takes before any command, which tsdock implements for some commands only. */
const FOR_COMMANDS: Record<string, string[]> = { 'dry-run': ['up'] };
/** docker compose options tsdock does not implement yet: refused by name, never ignored. */
const REFUSED = ['compatibility', 'all-resources', 'verbose', 'parallel'];

export function hoistComposeFlags(rest: string[]): string[] {
  if (rest[0] !== 'compose') return rest;
  const hoisted: string[] = [];
  let i = 1;
  const byShort = new Map(
    Object.entries(VALUED)
      .filter(([, s]) => s)
      .map(([l, s]) => [s, l]),
  );
  const need = (flag: string) => {
    const v = rest[++i];
    if (v === undefined)
      throw new UsageError(`flag needs an argument: ${flag}`, { hint: "See 'tsdock compose --help'." });
    return v;
  };
  for (; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (!w.startsWith('-') || w === '-') break;
    if (w === '-h' || w === '--help') return ['compose', '--help'];
    if (w === '-v' || w === '--version') return ['compose', 'version', ...hoisted];
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const name = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      if (REFUSED.includes(name)) throw new UsageError(`tsdock compose does not support --${name} yet`);
      if (name in VALUED) {
        hoisted.push(
          `--${name === 'workdir' ? 'project-directory' : name}=${eq >= 0 ? w.slice(eq + 1) : need(w)}`,
        );
        continue;
      }
      if (BOOLEAN.includes(name) || name in FOR_COMMANDS) {
        hoisted.push(w);
        continue;
      }
      throw new UsageError(`unknown flag: --${name}`, { hint: "See 'tsdock compose --help'." });
    }
    const long = byShort.get(w[1]!);
    if (!long)
      throw new UsageError(`unknown shorthand flag: '${w[1]}' in ${w}`, {
        hint: "See 'tsdock compose --help'.",
      });
    const inline = w.slice(2).replace(/^=/, '');
    hoisted.push(`--${long}=${inline !== '' ? inline : need(`-${w[1]}`)}`);
  }
  if (i >= rest.length) return ['compose', '--help'];
  for (const [name, commands] of Object.entries(FOR_COMMANDS)) {
    if (hoisted.includes(`--${name}`) && !commands.includes(rest[i]!))
      throw new UsageError(`tsdock compose does not support --${name} for ${rest[i]} yet`);
  }
  return ['compose', rest[i]!, ...hoisted, ...rest.slice(i + 1)];
}
