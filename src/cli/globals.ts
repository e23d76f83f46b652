/**
 * The global flags, given before the command as with docker and nerdctl. One table serves the
 * parser below and the root help's "Global Options" (help.ts).
 */
import { defaultGlobals, type GlobalOptions } from '../runtime/context.js';
import { UsageError } from '../runtime/errors.js';
import type { HelpFlag } from './help-layout.js';

type Setter = (g: GlobalOptions, value: string) => void;

interface GlobalFlag extends HelpFlag {
  /** Options only: where the value goes. */
  set?: Setter;
}

const address: Setter = (g, v) => {
  g.address = v.replace(/^unix:\/\//, '');
};

export const GLOBAL_FLAGS: GlobalFlag[] = [
  {
    name: 'address',
    char: 'a',
    type: 'option',
    description: 'Address of the containerd socket ($CONTAINERD_ADDRESS)',
    default: '/run/containerd/containerd.sock',
    set: address,
  },
  {
    name: 'data-root',
    type: 'option',
    description: "Root directory of tsdock's own state ($TSDOCK_DATA_ROOT)",
    default: '/var/lib/tsdock',
    set: (g, v) => {
      g.dataRoot = v;
    },
  },
  { name: 'debug', char: 'D', type: 'boolean', description: 'Enable debug mode ($TSDOCK_DEBUG=1)' },
  {
    name: 'host',
    char: 'H',
    type: 'option',
    description: 'Same as --address (unix://PATH or PATH)',
    set: address,
  },
  {
    name: 'namespace',
    char: 'n',
    type: 'option',
    description: 'containerd namespace to work in ($CONTAINERD_NAMESPACE)',
    default: 'default',
    set: (g, v) => {
      g.namespace = v;
    },
  },
  { name: 'version', char: 'v', type: 'boolean', description: 'Print version information and quit' },
];

/** Global flags come before the command; `rest` starts at the command (or at --help/--version). */
export function parseGlobals(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { globals: GlobalOptions; rest: string[] } {
  const globals = defaultGlobals(env);
  const byName = new Map<string, GlobalFlag>();
  for (const f of GLOBAL_FLAGS) {
    byName.set(`--${f.name}`, f);
    if (f.char) byName.set(`-${f.char}`, f);
  }
  const fail = (msg: string) => new UsageError(msg, { hint: "See 'tsdock --help'." });
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('-') || word === '-') break;
    if (['--help', '-h', '--version', '-v'].includes(word)) break;
    const eq = word.indexOf('=');
    const key = eq >= 0 ? word.slice(0, eq) : word;
    const flag = byName.get(key);
    if (!flag) throw fail(`unknown flag: ${key}`);
    if (flag.set) {
      const value = eq >= 0 ? word.slice(eq + 1) : argv[++i];
      if (value === undefined) throw fail(`flag needs an argument: ${key}`);
      flag.set(globals, value);
    } else if (flag.name === 'debug') {
      globals.debug = true;
    }
  }
  return { globals, rest: argv.slice(i) };
}
