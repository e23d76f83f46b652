import { expect } from 'chai';
import { parseArgv, type FlagDefs } from '../../src/cli/argv.js';
import { UsageError } from '../../src/runtime/errors.js';
import { findCommand } from '../../src/main.js';
import { parseGlobals } from '../../src/cli/globals.js';

const runDefs: FlagDefs = {
  detach: { type: 'boolean', char: 'd' },
  interactive: { type: 'boolean', char: 'i' },
  tty: { type: 'boolean', char: 't' },
  rm: { type: 'boolean' },
  env: { type: 'option', char: 'e', multiple: true },
  publish: { type: 'option', char: 'p', multiple: true },
  name: { type: 'option' },
  time: { type: 'option', char: 'T', tsdockKind: 'int' },
  pull: { type: 'option', options: ['missing', 'never', 'always'], default: 'missing' },
};
const run = (argv: string[]) => parseArgv(argv, runDefs, { interspersed: false, commandPath: 'run' });

describe('argv: Docker grammar', () => {
  it('stops at the first positional for run (flags after the image go to the container)', () => {
    const p = run(['-d', 'busybox', 'ls', '-la', '--rm']);
    expect(p.flags.detach).to.equal(true);
    expect(p.flags.rm).to.equal(false);
    expect(p.args).to.deep.equal(['busybox', 'ls', '-la', '--rm']);
  });

  it('keeps parsing after positionals for interspersed commands (rm a -f)', () => {
    const p = parseArgv(
      ['a', '-f', 'b'],
      { force: { type: 'boolean', char: 'f' } },
      {
        interspersed: true,
        commandPath: 'rm',
      },
    );
    expect(p.flags.force).to.equal(true);
    expect(p.args).to.deep.equal(['a', 'b']);
  });

  it('repeatable flags take one value each and never swallow the image', () => {
    const p = run(['-e', 'A=1', '-e', 'B=2', '-p', '80:80', 'img']);
    expect(p.flags.env).to.deep.equal(['A=1', 'B=2']);
    expect(p.flags.publish).to.deep.equal(['80:80']);
    expect(p.args).to.deep.equal(['img']);
  });

  it('combined short flags: -it, -itd, -dp VALUE, -eA=1, -e=A=1', () => {
    expect(run(['-itd', 'img']).flags).to.include({ interactive: true, tty: true, detach: true });
    const p = run(['-dp', '8080:80', 'img']);
    expect(p.flags.detach).to.equal(true);
    expect(p.flags.publish).to.deep.equal(['8080:80']);
    expect(run(['-eA=1', 'img']).flags.env).to.deep.equal(['A=1']);
    expect(run(['-e=A=1', 'img']).flags.env).to.deep.equal(['A=1']);
  });

  it('--flag=value and --flag value; --bool=false', () => {
    expect(run(['--name=x', 'img']).flags.name).to.equal('x');
    expect(run(['--name', 'x', 'img']).flags.name).to.equal('x');
    expect(run(['--rm=false', 'img']).flags.rm).to.equal(false);
    expect(run(['--rm=true', 'img']).flags.rm).to.equal(true);
  });

  it('-- ends flags; a lone - is a positional', () => {
    expect(run(['--', '-d']).args).to.deep.equal(['-d']);
    expect(parseArgv(['-', 'x'], {}, { interspersed: true, commandPath: 'load' }).args).to.deep.equal([
      '-',
      'x',
    ]);
  });

  it('unknown flags get pflag messages, exit 125 with a hint', () => {
    const cases: [string[], string][] = [
      [['--nope', 'img'], 'unknown flag: --nope'],
      [['-x', 'img'], "unknown shorthand flag: 'x' in -x"],
      [['-dx', 'img'], "unknown shorthand flag: 'x' in -dx"],
      [['--name'], 'flag needs an argument: --name'],
      [['-e'], "flag needs an argument: 'e' in -e"],
    ];
    for (const [argv, msg] of cases) {
      try {
        run(argv);
        expect.fail(`no error for ${argv.join(' ')}`);
      } catch (err) {
        expect(err).to.be.instanceOf(UsageError);
        expect((err as UsageError).message).to.equal(msg);
        expect((err as UsageError).exitCode).to.equal(125);
        expect((err as UsageError).hint).to.equal("\nRun 'tsdock run --help' for more information");
      }
    }
  });

  it('integer flags are checked like strconv.ParseInt', () => {
    expect(run(['-T', '5', 'img']).flags.time).to.equal(5);
    expect(() => run(['-T', 'abc', 'img'])).to.throw(
      'invalid argument "abc" for "-T, --time" flag: strconv.ParseInt: parsing "abc": invalid syntax',
    );
  });

  it('enumerated options and defaults', () => {
    expect(run(['img']).flags.pull).to.equal('missing');
    expect(run(['img']).given.has('pull')).to.equal(false);
    expect(() => run(['--pull', 'sometimes', 'img'])).to.throw(/invalid argument "sometimes"/);
  });
});

describe('main: globals and command lookup', () => {
  const commands = {
    run: { id: 'run', aliases: ['container:run'] },
    'container:ls': { id: 'container:ls', aliases: ['ps', 'container:list', 'container:ps'] },
    'image:ls': { id: 'image:ls', aliases: ['images'] },
  };

  it('global flags before the command, env defaults', () => {
    const { globals, rest } = parseGlobals(['--namespace', 'x', '--address=/s.sock', 'ps', '-a'], {
      CONTAINERD_NAMESPACE: 'envns',
    });
    expect(globals.namespace).to.equal('x');
    expect(globals.address).to.equal('/s.sock');
    expect(rest).to.deep.equal(['ps', '-a']);
    expect(parseGlobals(['ps'], { CONTAINERD_NAMESPACE: 'envns' }).globals.namespace).to.equal('envns');
    expect(parseGlobals(['ps'], {}).globals.address).to.equal('/run/containerd/containerd.sock');
  });

  it('unknown global flag is a usage error', () => {
    expect(() => parseGlobals(['--bogus', 'ps'], {})).to.throw('unknown flag: --bogus');
  });

  it('finds commands by id, topic words and Docker aliases', () => {
    expect(findCommand(['ps', '-a'], commands)).to.deep.include({ used: 1 });
    expect(findCommand(['ps'], commands)!.cmd.id).to.equal('container:ls');
    expect(findCommand(['container', 'ls', '-q'], commands)!.cmd.id).to.equal('container:ls');
    expect(findCommand(['container', 'run', 'img'], commands)!.cmd.id).to.equal('run');
    expect(findCommand(['images'], commands)!.cmd.id).to.equal('image:ls');
    expect(findCommand(['nope'], commands)).to.equal(undefined);
  });
});
