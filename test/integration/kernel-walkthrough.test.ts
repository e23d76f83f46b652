/**
 * docs/kernel-walkthrough.md, run: every `$` line of its console blocks, in order, in one shell in
 * which `tsdock` is the CLI under test (this suite's containerd, namespace and data root) and
 * `busybox` names the test image. Each line must succeed, and what it prints must show what the
 * text says it shows (isolation, the CPU cap as measured, the OOM kill, copy-up and whiteouts, the
 * bundle and the process chain, the dry run's plan made real).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { argvFor, cli, ok, repoRoot, target, testEnv } from '../harness/cli.js';
import { freePort } from '../harness/net.js';
import { detectCgroupVersion } from '../../src/runtime/cgroups/files.js';

const DOC = join(repoRoot, 'docs', 'kernel-walkthrough.md');
const NAMES = ['demo', 'burn', 'hog', 'cow', 'web'];

/** The `$` lines of the document's console blocks. */
export function walkthroughCommands(markdown: string): string[] {
  const out: string[] = [];
  let inConsole = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inConsole = !inConsole && line.trim() === '```console';
    else if (inConsole && line.startsWith('$ ')) out.push(line.slice(2));
  }
  return out;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface Step {
  cmd: string;
  out: string;
  code: number;
}

function runAll(commands: string[]): Step[] {
  const [node, args] = argvFor([]);
  const script = [
    `tsdock() { ${[node, ...args].map(quote).join(' ')} "$@"; }`,
    `export CONTAINERD_NAMESPACE=${quote(testEnv().namespace)}`,
    ...commands.flatMap((c, i) => [`echo "@@step ${i}@@"`, `${c} 2>&1`, `echo "@@rc $?@@"`]),
  ].join('\n');
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 240_000, maxBuffer: 1 << 26 });
  const steps: Step[] = [];
  for (const part of r.stdout.split('@@step ').slice(1)) {
    const i = Number(part.slice(0, part.indexOf('@@')));
    const body = part.slice(part.indexOf('@@\n') + 3);
    const rc = /@@rc (\d+)@@\n?$/.exec(body);
    steps.push({
      cmd: commands[i]!,
      out: rc ? body.slice(0, rc.index) : body,
      code: rc ? Number(rc[1]) : -1,
    });
  }
  return steps;
}

describe('docs/kernel-walkthrough.md, run as written', function () {
  this.timeout(300_000);
  let steps: Step[] = [];
  let port = 0;
  const out = (fragment: string): string => {
    const s = steps.find((x) => x.cmd.includes(fragment));
    expect(s, `a command with ${fragment}`).to.not.equal(undefined);
    return s!.out;
  };

  before(async function () {
    // tsdock's own commands (explain, --dry-run, TsdockKernel), and cgroup v1 paths as on the machine it shows.
    if (target === 'docker' || detectCgroupVersion() !== 1) this.skip();
    cli(['rm', '-f', ...NAMES]);
    ok(['tag', testEnv().image, 'busybox']);
    // The document publishes 8080; this run takes a port that is free now.
    port = await freePort();
    const commands = walkthroughCommands(readFileSync(DOC, 'utf8')).map((c) =>
      c.replaceAll('8080', String(port)),
    );
    expect(commands.length).to.be.greaterThan(30);
    steps = runAll(commands);
    expect(steps.map((s) => s.cmd)).to.deep.equal(commands);
  });

  after(function () {
    if (target === 'docker' || detectCgroupVersion() !== 1) return;
    cli(['rm', '-f', ...NAMES]);
    cli(['rmi', 'busybox']);
  });

  it('every command succeeds', function () {
    const failed = steps.filter((s) => s.code !== 0).map((s) => `$ ${s.cmd}\n${s.out}`);
    expect(failed).to.deep.equal([]);
  });

  it('PID, UTS and NET namespaces', function () {
    expect(out('tsdock run --rm busybox ps')).to.match(/^\s+1 root\s+ps$/m);
    expect(out('tsdock exec demo ps')).to.match(/^\s+1 root\s+sleep 3600$/m);
    const [pid, hostPid] = out('ns/pid /proc/self/ns/pid').trim().split('\n');
    expect(pid).to.match(/^pid:\[\d+\]$/);
    expect(pid).to.not.equal(hostPid);
    const kernel = JSON.parse(out("'{{json .TsdockKernel}}' demo")) as { Namespaces: Record<string, string> };
    expect(kernel.Namespaces.pid).to.equal(pid);
    expect(out('tsdock exec demo hostname').trim()).to.equal('demo-box');
    const [uts, hostUts] = out('ns/uts /proc/self/ns/uts').trim().split('\n');
    expect(uts).to.not.equal(hostUts);
    expect(out('tsdock exec demo ip addr')).to.include(' eth0');
    const none = out('--network none busybox ip addr');
    expect(none).to.include('lo:').and.not.include('eth0');
    expect(out('ip -n $NETNS route')).to.match(/^default via \S+ dev eth0/m);
    const page = out('tsdock explain demo');
    for (const s of ['Namespaces', 'Cgroups', 'Union filesystem', 'Network (bridge)', 'Runtime chain']) {
      expect(page).to.include(`\n${s}\n`);
    }
    expect(page).to.match(/runc\s+exited/);
  });

  it('CPU capped at 25 %, as measured', function () {
    expect(out('cpu.cfs_period_us /sys/fs/cgroup/cpu$CG/cpu.cfs_quota_us').trim().split('\n')).to.deep.equal([
      '100000',
      '25000',
    ]);
    // The quota caps it; a loaded machine may give less, never more.
    const measured = Number(/^(\d+)% of one CPU/.exec(out('cpuacct.usage); sleep 5'))?.[1]);
    expect(measured).to.be.within(3, 30);
    const stats = Number(/burn ([\d.]+)%/.exec(out('tsdock stats --no-stream'))?.[1]);
    expect(stats).to.be.within(0, 35);
  });

  it('a 200 MB limit ends in OOMKilled', function () {
    expect(out('--memory 200m --format')).to.include('memory/memory.limit_in_bytes = 209715200');
    expect(out('tsdock run --name hog').trim()).to.equal('exit status 137');
    expect(out('OOMKilled={{.State.OOMKilled}}').trim()).to.equal('OOMKilled=true ExitCode=137');
  });

  it('copy-up and whiteouts in the upper dir, through diff and inspect', function () {
    expect(out('tsdock diff cow').trim().split('\n')).to.deep.equal([
      'C /etc',
      'D /etc/group',
      'C /etc/passwd',
      'A /new.txt',
    ]);
    expect(out("stat -c '%n: %F, device %t:%T' $UPPER/etc/group")).to.match(
      /etc\/group: character special file, device 0:0$/m,
    );
    expect(out('ls $LOWER/etc').split('\n')).to.include('group');
    expect(out('wc -l $LOWER/etc/passwd $UPPER/etc/passwd')).to.match(/^\s+3 .*\n\s+4 /);
    expect(out('find $UPPER | sort')).to.match(/\/fs\/new\.txt$/m);
    expect(out('MergedDir}}\' cow)" /proc/mounts')).to.match(/^overlay \S+\/rootfs overlay \S*upperdir=/);
  });

  it('the runc bundle and the process chain', function () {
    expect(out('ls $BUNDLE').split('\n')).to.include.members(['config.json', 'rootfs']);
    expect(out('"cgroupsPath"')).to.match(/^"cgroupsPath":"\/tsdock\/[0-9a-f]{64}"$/m);
    const ps = out('ps -o pid,ppid,args -p $(tsdock explain').trim().split('\n');
    expect(ps).to.have.length(3);
    const [shim, init] = ps.slice(1).map((l) => l.trim().split(/\s+/));
    expect(shim!.slice(2).join(' ')).to.include('containerd-shim-runc-v2');
    expect(init![1]).to.equal(shim![0]);
    expect(out('runc --root')).to.match(/\srunning\s/);
  });

  it('the dry run plans what the real run makes', function () {
    const plan = out('tsdock run --dry-run --name web');
    expect(plan).to.match(/^Dry run: nothing was created\./);
    expect(plan).to.include('memory/memory.limit_in_bytes        =  268435456');
    expect(plan).to.include(`--dport ${port} `);
    const real = out("CG=$(tsdock explain -f '{{.Cgroup.Path}}' web)");
    expect(real.trim().split('\n')).to.deep.equal(['268435456', '50000']);
    expect(out('iptables-save -t nat')).to.include(`--dport ${port} `);
    const id = out('tsdock run -d --name web').trim();
    expect(out('wget -qO-').trim()).to.equal(id.slice(0, 12));
  });
});
