/**
 * The set-up mistakes a newcomer makes first, each said in one clear line: not root, containerd
 * not running, runc or a networking tool missing. Non-root runs use setpriv as `nobody`; the
 * missing runc is a private containerd of this test whose mount namespace hides /usr/sbin.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, repoRoot, target, testEnv } from '../harness/cli.js';
import { buildBusyboxArchive } from '../harness/image.js';
import { unmountUnder } from '../harness/containerd.js';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
const SYSTEM_SOCKET = '/run/containerd/containerd.sock';

/** bin/tsdock as `nobody`, with these global flags and arguments. */
function asNobody(args: string[]): { stdout: string; stderr: string; code: number } {
  const r = spawnSync(
    'setpriv',
    [...NOBODY, process.execPath, '--', join(repoRoot, 'bin', 'tsdock'), ...args],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HOME: '/nonexistent', XDG_CACHE_HOME: '/nonexistent' },
    },
  );
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? 128 };
}

describe('clear failures for set-up mistakes', function () {
  this.timeout(120_000);

  before(function () {
    if (target === 'docker') this.skip();
  });

  it("non-root: Docker's 'permission denied' line, status 1, never an empty list", () => {
    const e = testEnv();
    const globals = ['--address', e.address, '--namespace', e.namespace, '--data-root', e.dataRoot];
    // A container exists, so an empty table would be a lie.
    const id = cli(['create', '--network', 'none', e.image, 'true']).stdout.trim();
    try {
      for (const args of [['ps', '-a'], ['ps'], ['images'], ['network', 'ls'], ['inspect', id]]) {
        const r = asNobody([...globals, ...args]);
        expect(r.code, args.join(' ')).to.equal(1);
        expect(r.stdout, args.join(' ')).to.equal('');
        expect(r.stderr.split('\n')[0]).to.equal(
          `permission denied while trying to connect to the containerd socket at unix://${e.address}`,
        );
      }
      // run reports it as its own failure (125), as docker run does.
      const run = asNobody([...globals, 'run', '--rm', e.image, 'true']);
      expect(run.code).to.equal(125);
      expect(run.stderr).to.match(
        /^tsdock: permission denied while trying to connect to the containerd socket/,
      );
      // Help and version's client part need no socket.
      expect(asNobody(['ps', '--help']).code).to.equal(0);
      const version = asNobody([...globals, 'version']);
      expect(version.code).to.equal(1);
      expect(version.stdout).to.match(/^Client:\n Version: /);
      expect(version.stderr).to.match(/^permission denied while trying to connect to the containerd socket/);
    } finally {
      cli(['rm', '-f', id]);
    }
  });

  it('non-root, default socket: the exact line a Docker user knows, with the path', function () {
    // access(2) only: nothing is sent to the machine's containerd.
    if (!existsSync(SYSTEM_SOCKET)) this.skip();
    const r = asNobody(['ps', '-a']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(
      'permission denied while trying to connect to the containerd socket at unix:///run/containerd/containerd.sock\n' +
        "containerd's socket is root's: run tsdock as root (e.g. 'sudo tsdock …').\n",
    );
  });

  it('containerd not running: says so and how to start it (status 1; run: 125)', () => {
    const gone = join(mkdtempSync('/tmp/tsdock-gone-'), 'containerd.sock');
    try {
      const r = cli(['--address', gone, 'ps', '-a']);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.equal(
        `Cannot connect to containerd at unix://${gone}: is containerd running? ` +
          "Start it with 'containerd &' or 'systemctl start containerd'.\n",
      );
      const run = cli(['--address', gone, 'run', '--rm', testEnv().image, 'true']);
      expect(run.code).to.equal(125);
      expect(run.stderr).to.include('is containerd running?');
    } finally {
      rmSync(join(gone, '..'), { recursive: true, force: true });
    }
  });

  it('a networking tool missing: names it and its package', () => {
    const e = testEnv();
    // PATH without the sbin directories: no iptables (nor ip where it is in sbin only). A published
    // port needs iptables even when the bridge was set up by an earlier container.
    const r = cli(['run', '--rm', '-p', '127.0.0.1::80', e.image, 'true'], {
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(r.code, r.stderr).to.equal(125);
    expect(r.stderr).to.match(
      /\b(ip|iptables\S*) is not installed: tsdock needs it for container networking \('apt-get install (iproute2|iptables)'\)/,
    );
    expect(cli(['ps', '-aq']).stdout).to.equal('');
  });

  describe('runc missing', () => {
    let dir = '';
    let daemon: ChildProcess | undefined;
    let address = '';

    before(async function () {
      this.timeout(60_000);
      if (!existsSync('/usr/sbin/runc')) this.skip();
      dir = mkdtempSync('/tmp/tsdock-norunc-');
      address = join(dir, 'containerd.sock');
      mkdirSync(join(dir, 'empty'));
      writeFileSync(
        join(dir, 'config.toml'),
        [
          'version = 2',
          `root = "${dir}/root"`,
          `state = "${dir}/state"`,
          'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
          '[grpc]',
          `  address = "${address}"`,
          '[ttrpc]',
          `  address = "${address}.ttrpc"`,
          '[debug]',
          '  address = ""',
          '[metrics]',
          '  address = ""',
          '[plugins."io.containerd.internal.v1.opt"]',
          `  path = "${dir}/opt"`,
          '',
        ].join('\n'),
      );
      // This containerd (and the shims it starts) sees an empty /usr/sbin: runc is not there.
      daemon = spawn(
        'unshare',
        [
          '-m',
          '--propagation',
          'slave',
          'sh',
          '-c',
          `mount --bind ${dir}/empty /usr/sbin && exec containerd --config ${dir}/config.toml`,
        ],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 200 && !existsSync(address); i++) await new Promise((r) => setTimeout(r, 100));
      const archive = join(dir, 'busybox.tar');
      await buildBusyboxArchive(archive, { name: 'norunc/busybox:latest' });
      const load = cli(['--address', address, '--data-root', join(dir, 'data'), 'load', '-i', archive]);
      expect(load.code, load.stderr).to.equal(0);
    });

    after(async () => {
      if (daemon?.pid) {
        for (const pid of shimsOf(address)) process.kill(pid, 'SIGKILL');
        daemon.kill('SIGTERM');
        await new Promise((r) => daemon!.once('exit', r));
      }
      if (dir) {
        unmountUnder(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('run names runc and what to install, exits 125, leaves no container', () => {
      const g = ['--address', address, '--data-root', join(dir, 'data')];
      const r = cli([...g, 'run', '--rm', '--network', 'none', 'norunc/busybox', 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr.split('\n')[0]).to.match(
        /^tsdock: runc is not installed where containerd looks for it: containerd starts containers with runc \('apt-get install runc', then check containerd's PATH\) \(exec: "runc": executable file not found/,
      );
      const created = cli([
        ...g,
        'create',
        '--name',
        'norunc',
        '--network',
        'none',
        'norunc/busybox',
        'true',
      ]);
      expect(created.code).to.equal(0);
      const start = cli([...g, 'start', 'norunc']);
      expect(start.code).to.not.equal(0);
      expect(start.stderr).to.include('runc is not installed');
      cli([...g, 'rm', '-f', 'norunc']);
      expect(cli([...g, 'ps', '-aq']).stdout).to.equal('');
    });
  });
});

/** Shims started by the containerd at this socket (found by the socket on their command line). */
function shimsOf(address: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.includes('containerd-shim') && cmd.includes(address)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
