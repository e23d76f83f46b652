/**
 * Help as a user meets it: where it goes (stdout when asked for, stderr when the command line
 * stopped short, as docker/cli 28), its status, and docker/cli's "unknown command" answers. The
 * layout itself is checked against Docker's own text in test/unit/help.test.ts.
 */
import { expect } from 'chai';
import { cli, target } from '../harness/cli.js';

describe('help', function () {
  before(function () {
    if (target === 'docker') this.skip(); // the same checks hold for docker, but its text says docker
  });

  it('tsdock, tsdock --help, tsdock help: the root help (stderr when nothing was asked), status 0', () => {
    const bare = cli([]);
    expect(bare.code).to.equal(0);
    expect(bare.stdout).to.equal('');
    expect(bare.stderr).to.match(/^Usage: {2}tsdock \[OPTIONS\] COMMAND\n/);
    for (const args of [['--help'], ['help'], ['-h']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).to.equal(0);
      expect(r.stdout).to.equal(bare.stderr);
      expect(r.stdout).to.include('\nManagement Commands:\n');
      expect(r.stdout).to.include('\nGlobal Options:\n');
    }
  });

  it('a group alone or with --help shows its commands, status 0; help GROUP and GROUP --help agree', () => {
    const bare = cli(['network']);
    expect(bare.code).to.equal(0);
    expect(bare.stderr).to.match(/^Usage: {2}tsdock network COMMAND\n\nManage networks\n\nCommands:\n/);
    const asked = cli(['network', '--help']);
    expect(asked.code).to.equal(0);
    expect(asked.stdout).to.equal(bare.stderr);
    expect(cli(['help', 'network']).stdout).to.equal(asked.stdout);
    const container = cli(['container']);
    expect(container.code).to.equal(0);
    expect(container.stderr).to.include('\n  ls          List containers\n');
  });

  it("a command's --help (any of its names) starts with Docker's usage line, status 0", () => {
    const run = cli(['run', '--help']);
    expect(run.code).to.equal(0);
    expect(run.stdout.split('\n')[0]).to.equal('Usage:  tsdock run [OPTIONS] IMAGE [COMMAND] [ARG...]');
    expect(run.stdout).to.include('\nAliases:\n  tsdock container run, tsdock run\n\nOptions:\n');
    expect(run.stdout).to.match(/\n {2}-m, --memory bytes +Memory limit\n/);
    expect(cli(['container', 'ls', '--help']).stdout.split('\n')[0]).to.equal(
      'Usage:  tsdock container ls [OPTIONS]',
    );
    expect(cli(['help', 'ps']).stdout.split('\n')[0]).to.equal('Usage:  tsdock ps [OPTIONS]');
    // --help wins over missing arguments and other flags.
    expect(cli(['rm', '--help']).code).to.equal(0);
    expect(cli(['network', 'ls', '-q', '--help']).stdout).to.match(
      /^Usage: {2}tsdock network ls \[OPTIONS\]\n/,
    );
  });

  it("unknown commands: docker/cli 28's message and status 1", () => {
    const top = cli(['bogus']);
    expect(top.code).to.equal(1);
    expect(top.stderr).to.equal(
      "tsdock: unknown command: tsdock bogus\n\nRun 'tsdock --help' for more information\n",
    );
    const inGroup = cli(['network', 'bogus']);
    expect(inGroup.code).to.equal(1);
    expect(inGroup.stderr).to.equal(
      'tsdock: unknown command: tsdock network bogus\n\nUsage:  tsdock network COMMAND\n\n' +
        "Run 'tsdock network --help' for more information\n",
    );
    const topic = cli(['help', 'bogus']);
    expect(topic.code).to.equal(1);
    expect(topic.stderr).to.equal('unknown help topic: bogus\n');
    expect(cli(['network', '--bogus']).code).to.equal(125);
  });
});
