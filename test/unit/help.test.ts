/**
 * Help in docker/cli 28's layout. test/fixtures/help/docker-*.txt is the docker 28.2.2 CLI's own
 * help text for the same commands (`docker run --help > docker-run--help.txt`, no terminal: 80
 * columns). First the layout code is fed Docker's own flag declarations and must print Docker's
 * bytes; then tsdock's help, rendered from its manifest, must have Docker's shape for each command.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagUsages, wrap, type HelpFlag } from '../../src/cli/help-layout.js';
import { loadHelpSource, renderHelp } from '../../src/cli/help.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'help');
const docker = (name: string) =>
  readFileSync(join(FIXTURES, name ? `docker-${name}--help.txt` : 'docker--help.txt'), 'utf8');
const COLS = 79;

/** The lines of a section ("Options:") up to the next blank line. */
function section(text: string, heading: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return '';
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

const headings = (text: string) => text.split('\n').filter((l) => /^[A-Z][A-Za-z ]+:$/.test(l));

// docker/cli's cli/flags/options.go FormatHelp.
const FORMAT_HELP = `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`;

const b = (name: string, description: string, char?: string): HelpFlag => ({
  name,
  type: 'boolean',
  description,
  ...(char ? { char } : {}),
});
const o = (name: string, description: string, extra: Partial<HelpFlag> = {}): HelpFlag => ({
  name,
  type: 'option',
  description,
  ...extra,
});

describe("help: pflag's layout, fed Docker's own flags, prints Docker's bytes", () => {
  it('docker ps: sorted, two columns, wrapped with the multi-line --format text, (default -1)', () => {
    const flags = [
      b('all', 'Show all containers (default shows just running)', 'a'),
      o('filter', 'Filter output based on conditions provided', { char: 'f', multiple: true }),
      o('format', FORMAT_HELP),
      o('last', 'Show n last created containers (includes all states)', {
        char: 'n',
        helpValue: 'int',
        default: -1,
      }),
      b('latest', 'Show the latest created container (includes all states)', 'l'),
      b('no-trunc', "Don't truncate output"),
      b('quiet', 'Only display container IDs', 'q'),
      b('size', 'Display total file sizes', 's'),
    ];
    expect(flagUsages(flags, COLS).trimEnd()).to.equal(section(docker('ps'), 'Options:'));
  });

  it('docker network ls, rm and image prune', () => {
    expect(
      flagUsages(
        [
          b('quiet', 'Only display network IDs', 'q'),
          b('no-trunc', 'Do not truncate the output'),
          o('format', FORMAT_HELP),
          o('filter', 'Provide filter values (e.g. "driver=bridge")', { char: 'f' }),
        ],
        COLS,
      ).trimEnd(),
    ).to.equal(section(docker('network-ls'), 'Options:'));
    expect(
      flagUsages(
        [
          b('force', 'Force the removal of a running container (uses SIGKILL)', 'f'),
          b('link', 'Remove the specified link', 'l'),
          b('volumes', 'Remove anonymous volumes associated with the container', 'v'),
        ],
        COLS,
      ).trimEnd(),
    ).to.equal(section(docker('rm'), 'Options:'));
    expect(
      flagUsages(
        [
          b('all', 'Remove all unused images, not just dangling ones', 'a'),
          o('filter', 'Provide filter values (e.g. "until=<timestamp>")'),
          b('force', 'Do not prompt for confirmation', 'f'),
        ],
        COLS,
      ).trimEnd(),
    ).to.equal(section(docker('image-prune'), 'Options:'));
  });

  it("docker's Global Options: string defaults quoted, long texts wrapped beside long names", () => {
    const flags = [
      o('config', 'Location of client config files', { default: '/root/.docker' }),
      o(
        'context',
        'Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with "docker context use")',
        { char: 'c' },
      ),
      b('debug', 'Enable debug mode', 'D'),
      o('host', 'Daemon socket to connect to', { char: 'H', multiple: true }),
      o('log-level', 'Set the logging level ("debug", "info", "warn", "error", "fatal")', {
        char: 'l',
        default: 'info',
      }),
      b('tls', 'Use TLS; implied by --tlsverify'),
      o('tlscacert', 'Trust certs signed only by this CA', { default: '/root/.docker/ca.pem' }),
      o('tlscert', 'Path to TLS certificate file', { default: '/root/.docker/cert.pem' }),
      o('tlskey', 'Path to TLS key file', { default: '/root/.docker/key.pem' }),
      b('tlsverify', 'Use TLS and verify the remote'),
      b('version', 'Print version information and quit', 'v'),
    ];
    expect(flagUsages(flags, COLS).trimEnd()).to.equal(section(docker(''), 'Global Options:'));
  });

  it('wrap: no room beside the names puts the text below them, indented 16', () => {
    expect(wrap(70, 79, 'a b c')).to.equal(`\n${' '.repeat(16)}a b c`);
  });
});

describe("help: tsdock's help has Docker's shape for the same commands", () => {
  const src = loadHelpSource();
  const ours = (words: string[]) => renderHelp(words, src, COLS);
  const asTsdock = (text: string) => text.replace(/\bdocker /g, 'tsdock ').replace(/'docker /g, "'tsdock ");

  /** Flag name → its left column ("-a, --all", "--memory bytes"), from an Options section. */
  function leftColumns(text: string, heading = 'Options:'): Map<string, string> {
    const out = new Map<string, string>();
    for (const line of section(text, heading).split('\n')) {
      const m = /^ {2}((?:-\S, )?\s*--(\S+)(?: \S+)?)(?: {2,}|$)/.exec(line);
      if (m) out.set(m[2]!, m[1]!.trim());
    }
    return out;
  }
  /**
   * Docker's `strings` (pflag's StringSlice) also splits a value at commas; tsdock takes one value
   * per flag for these and says `list`.
   */
  const ONE_VALUE_EACH = new Set([
    'network create --gateway',
    'network create --ip-range',
    'network create --subnet',
  ]);

  for (const [words, fixture] of [
    [['run'], 'run'],
    [['ps'], 'ps'],
    [['images'], 'images'],
    [['rm'], 'rm'],
    [['stop'], 'stop'],
    [['network', 'ls'], 'network-ls'],
  ] as const) {
    it(`tsdock ${words.join(' ')} --help: usage line, description, aliases, options as docker's`, () => {
      const d = docker(fixture);
      const t = ours([...words]);
      const [dUsage, , dDesc] = d.split('\n');
      const [tUsage, , tDesc] = t.split('\n');
      expect(tUsage).to.equal(asTsdock(dUsage!));
      expect(tDesc).to.equal(dDesc);
      expect(headings(t)).to.deep.equal(headings(d));
      expect(section(t, 'Aliases:')).to.equal(asTsdock(section(d, 'Aliases:')));
      // Every flag both have: the same names, shorthand and value type in the left column.
      const dl = leftColumns(d);
      const tl = leftColumns(t);
      const shared = [...tl.keys()].filter(
        (k) => dl.has(k) && !ONE_VALUE_EACH.has(`${words.join(' ')} --${k}`),
      );
      expect(shared.length, 'flags in common').to.be.greaterThan(0);
      for (const k of shared) expect(tl.get(k), `--${k}`).to.equal(dl.get(k));
      // The two columns: each description starts where pflag puts it (longest left column + 2).
      const lines = section(t, 'Options:')
        .split('\n')
        .filter((l) => /^ {2}-/.test(l) || /^ {6}--/.test(l));
      const width = Math.max(...lines.map((l) => /^(\s*\S.*?)(?: {2,}|$)/.exec(l)![1]!.length)) + 2;
      for (const l of lines) expect(l.length <= width || l[width - 1] === ' ', l).to.equal(true);
    });
  }

  it('tsdock --help: Usage, description, Common / Management Commands / Commands / Global Options, the hint', () => {
    const t = ours([]);
    expect(t.split('\n')[0]).to.equal('Usage:  tsdock [OPTIONS] COMMAND');
    expect(headings(t)).to.deep.equal(
      headings(docker('')).filter((h) => h !== 'Swarm Commands:'), // swarm has no place in tsdock
    );
    const names = (heading: string) =>
      section(t, heading)
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0]);
    const dockerNames = (heading: string) =>
      section(docker(''), heading)
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0]);
    // Docker's common commands, in Docker's order, less the ones tsdock lacks (search).
    expect(names('Common Commands:')).to.deep.equal(
      dockerNames('Common Commands:').filter((n) => n !== 'search'),
    );
    expect(names('Management Commands:')).to.include.members([
      'builder',
      'container',
      'image',
      'network',
      'system',
    ]);
    expect(names('Commands:')).to.deep.equal([...names('Commands:')].sort());
    expect(names('Commands:')).to.include.members(['attach', 'rmi', 'inspect', 'wait']);
    expect(names('Commands:')).to.not.include.members(['internal', 'run', 'ps']);
    // Every command line in Docker's padding: two spaces, the name padded to 11, a space, the text.
    for (const l of section(t, 'Commands:').split('\n')) expect(l).to.match(/^ {2}\S.{10} \S/);
    const globals = leftColumns(t, 'Global Options:');
    expect([...globals.values()]).to.include.members([
      '-a, --address string',
      '-n, --namespace string',
      '--data-root string',
      '-D, --debug',
      '-H, --host string',
      '-v, --version',
    ]);
    expect(t.trimEnd().split('\n').at(-1)).to.equal(
      "Run 'tsdock COMMAND --help' for more information on a command.",
    );
  });

  const TSDOCK_ONLY = new Set(['system restore', 'container explain']);
  for (const group of ['network', 'container', 'image', 'system']) {
    it(`tsdock ${group} --help: Docker's group layout, every command of the group once`, () => {
      const d = docker(group);
      const t = ours([group]);
      expect(t.split('\n')[0]).to.equal(asTsdock(d.split('\n')[0]!));
      expect(t.split('\n')[2]).to.equal(group === 'system' ? 'Manage tsdock' : d.split('\n')[2]);
      expect(headings(t)).to.deep.equal(headings(d));
      const names = section(t, 'Commands:')
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0]!);
      const dockerNames = section(d, 'Commands:')
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0]!);
      expect(names).to.deep.equal([...new Set(names)].sort());
      // No alias listed twice (ls, not list or ps); nothing Docker does not have in this group but
      // tsdock's own `system restore` (what dockerd does at start, docs/boot.md) and `container explain`
      // (docs/kernel.md).
      expect(dockerNames).to.include.members(names.filter((n) => !TSDOCK_ONLY.has(`${group} ${n}`)));
      expect(t.trimEnd().split('\n').at(-1)).to.equal(asTsdock(d.trimEnd().split('\n').at(-1)!));
    });
  }

  it('network --help lists what Docker lists, with the same descriptions', () => {
    expect(ours(['network'])).to.equal(asTsdock(docker('network')));
  });

  it('an unknown topic is an error', () => {
    expect(() => ours(['bogus'])).to.throw('unknown help topic: bogus');
    expect(() => ours(['internal', 'exited'])).to.throw('unknown help topic');
  });
});
