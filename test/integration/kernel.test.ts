/**
 * The kernel view (docs/kernel.md): a dry run creates nothing and plans what the real run then
 * makes — the cgroup files and values read on the host, the overlay mount in /proc/mounts, the
 * DNAT rules in iptables-save (apart from the generated id, the address and the veth name) —;
 * inspect's namespace ids are the container process's /proc/PID/ns links; writes and deletes in
 * the container land in UpperDir as a file and a whiteout; explain reports the live objects and
 * the process chain down to the container's init.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { freePort } from '../harness/net.js';
import { containerdDaemon } from './_setup.test.js';
import { world } from './world.js';
import type { KernelView } from '../../src/runtime/format/kernel.js';

const img = (): string => testEnv().image;

function plan(args: string[], verb: 'run' | 'create' = 'run'): KernelView {
  return JSON.parse(ok([verb, '--dry-run', '--format', 'json', ...args])) as KernelView;
}

interface Inspected {
  Id: string;
  State: { Pid: number; Status: string };
  GraphDriver: { Data: { LowerDir: string; UpperDir: string; WorkDir: string; MergedDir?: string } };
  TsdockKernel: { Namespaces: Record<string, string> | null; CgroupPath: string; HostVeth: string };
  NetworkSettings: { IPAddress: string; SandboxKey: string };
  Config: { Hostname: string };
}
const inspect = (ref: string): Inspected => (JSON.parse(ok(['inspect', ref])) as Inspected[])[0]!;

function overlayOptions(id: string): Record<string, string> {
  const line = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('overlay ') && l.split(' ')[1]!.endsWith(`/${id}/rootfs`));
  expect(line, `overlay mount of ${id}`).to.be.a('string');
  return Object.fromEntries(
    line!
      .split(' ')[3]!
      .split(',')
      .map((o) => [o.split('=')[0]!, o.slice(o.indexOf('=') + 1)]),
  );
}

function nsLinks(pid: number | 'self'): Record<string, string> {
  const dir = `/proc/${pid}/ns`;
  return Object.fromEntries(readdirSync(dir).map((n) => [n, readlinkSync(join(dir, n))]));
}

describe('kernel view', function () {
  this.timeout(60_000);
  let names: string[] = [];
  const name = (prefix = 'kv'): string => {
    const n = uniqueName(`tsdock-it-${prefix}`);
    names.push(n);
    return n;
  };
  before(function () {
    if (target === 'docker') this.skip(); // tsdock's own: Docker has no dry run or explain
  });
  afterEach(() => {
    if (names.length) cli(['rm', '-f', ...names]);
    names = [];
  });

  describe('run --dry-run', function () {
    it('creates nothing: containerd, the data root, namespaces, links and rules are as they were', async function () {
      const port = await freePort();
      const before = await world();
      const n = name();
      const args = [
        '-p',
        `${port}:80`,
        '--memory',
        '256m',
        '--cpus',
        '0.5',
        '--name',
        n,
        img(),
        'sleep',
        '30',
      ];
      const p = plan(args);
      const text = ok(['run', '--dry-run', ...args]);
      plan(args, 'create');
      ok(['create', '--dry-run', ...args]);
      expect(await world()).to.deep.equal(before);
      expect(text).to.match(/^Dry run: nothing was created\./);
      for (const f of p.Cgroup.Files) expect(existsSync(f.Path), f.Path).to.equal(false);
      expect(cli(['inspect', n]).code).to.equal(1);
    });

    it('plans the cgroup files, the overlay dirs and the DNAT rule the real run then makes', async function () {
      const port = await freePort();
      const args = [
        '-p',
        `${port}:80`,
        '--memory',
        '256m',
        '--cpus',
        '0.5',
        '--pids-limit',
        '64',
        img(),
        'sleep',
        '30',
      ];
      const p = plan(args);
      const n = name();
      const id = ok(['run', '-d', '--name', n, ...args]).trim();
      const real = inspect(id);
      const ours = (s: string) =>
        s.split(p.Container.Id).join(id).split(p.Container.Id.slice(0, 12)).join(id.slice(0, 12));

      // cgroups: every planned file exists where planned (for the real id) and reads the value.
      expect(p.Cgroup.Path).to.equal(`/tsdock/${p.Container.Id}`);
      expect(real.TsdockKernel.CgroupPath).to.equal(ours(p.Cgroup.Path));
      const keys = p.Cgroup.Files.map((f) => f.Key);
      expect(keys.some((k) => /memory\.(limit_in_bytes|max)$/.test(k))).to.equal(true);
      for (const f of p.Cgroup.Files) {
        const path = ours(f.Path);
        // Swap accounting is a boot option (swapaccount=1); without it the file does not exist.
        if (/memsw|swap/.test(f.Key) && !existsSync(path)) continue;
        expect(readFileSync(path, 'utf8').trimEnd(), f.Key).to.equal(f.Value);
      }

      // The overlay: the same layers, and the upper and work dirs of the snapshot made then.
      const mounted = overlayOptions(id);
      const rootfs = p.Rootfs!;
      expect(mounted.lowerdir).to.equal(rootfs.LowerDir.join(':'));
      const made = (planned: string) =>
        new RegExp(`^${planned.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('<new>', '\\d+')}$`);
      expect(mounted.upperdir).to.match(made(rootfs.UpperDir));
      expect(mounted.workdir).to.match(made(rootfs.WorkDir));
      expect(real.GraphDriver.Data.UpperDir).to.equal(mounted.upperdir);
      expect(rootfs.Chain.map((c) => c.Dir)).to.deep.equal(rootfs.LowerDir);

      // iptables: the planned DNAT rule, as iptables-save prints it, for the real id and address.
      const planIp = p.Network.IPAddress!.split('/')[0]!;
      const want = p.Network.Iptables.map((r) =>
        r
          .replace(/^-t nat /, '')
          .replace(`tsdock:${p.Container.Id.slice(0, 12)}`, `tsdock:${id.slice(0, 12)}`)
          .replace(`${planIp}:`, `${real.NetworkSettings.IPAddress}:`),
      );
      expect(want).to.have.length(1);
      const saved = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(`tsdock:${id.slice(0, 12)}`));
      expect(saved).to.deep.equal(want);

      // The names of the kernel objects, and the namespaces the plan said would be new or shared.
      expect(real.TsdockKernel.HostVeth).to.equal(`veth${id.slice(0, 11)}`);
      expect(p.Network.HostVeth).to.equal(`veth${p.Container.Id.slice(0, 11)}`);
      expect(real.NetworkSettings.SandboxKey).to.equal(ours(p.Network.Netns));
      const live = nsLinks(real.State.Pid);
      const host = nsLinks('self');
      for (const ns of p.Namespaces) {
        if (!live[ns.Type]) continue;
        expect(live[ns.Type] === host[ns.Type], `${ns.Type} shared with the host`).to.equal(
          ns.Mode === 'host',
        );
      }
      expect(p.Namespaces.filter((ns) => ns.Mode === 'new').map((ns) => ns.Type)).to.have.members([
        'mnt',
        'uts',
        'ipc',
        'pid',
        'net',
      ]);
    });

    it('prints the spec create would give containerd', async function () {
      const p = plan(['--memory', '64m', '-e', 'A=1', '-w', '/tmp', img(), 'sleep', '30']);
      const n = name();
      const id = ok([
        'create',
        '--name',
        n,
        '--memory',
        '64m',
        '-e',
        'A=1',
        '-w',
        '/tmp',
        img(),
        'sleep',
        '30',
      ]).trim();
      const { ContainerdClient } = await import('../../src/runtime/containerd/client.js');
      const client = new ContainerdClient(testEnv().address, testEnv().namespace);
      try {
        const stored = JSON.stringify((await client.containers.get(id)).spec);
        expect(
          JSON.stringify(p.Spec)
            .split(p.Container.Id)
            .join(id)
            .split(p.Container.Id.slice(0, 12))
            .join(id.slice(0, 12)),
        ).to.equal(stored);
      } finally {
        client.close();
      }
    });

    it('plans the volumes, binds and tmpfs create mounts, and makes no volume or bind source', async function () {
      const vol = uniqueName('tsdock-it-kv-vol');
      const dir = mkdtempSync(join(tmpdir(), 'tsdock-it-kv-'));
      const missing = join(dir, 'made-at-start');
      const args = [
        '-v',
        `${vol}:/data`,
        '-v',
        '/anon',
        '-v',
        `${dir}:/host:ro`,
        '-v',
        `${missing}:/made`,
        '--mount',
        'type=tmpfs,dst=/scratch',
        '--tmpfs',
        '/t',
        img(),
        'sleep',
        '30',
      ];
      const n = name();
      try {
        const before = await world();
        const p = plan(args);
        expect(ok(['run', '--dry-run', ...args])).to.include(`volume ${vol} (made by create`);
        expect(await world()).to.deep.equal(before);
        expect(cli(['volume', 'inspect', vol]).code).to.equal(1);
        expect(existsSync(missing)).to.equal(false);

        const at = (d: string) => p.Mounts.find((m) => m.Destination === d)!;
        expect(at('/data')).to.deep.include({ Origin: 'volume', Volume: vol, NewVolume: true, CopyUp: true });
        const anon = at('/anon').Volume!;
        expect(anon).to.match(/^[0-9a-f]{64}$/);
        expect(at('/anon')).to.deep.include({ Origin: 'volume', NewVolume: true });
        expect(at('/host')).to.deep.include({ Origin: 'bind', Type: 'bind', Source: dir });
        expect(at('/host').Options).to.include('ro');
        expect(at('/made')).to.deep.include({ Origin: 'bind', Source: missing });
        expect(at('/scratch')).to.deep.include({ Origin: 'tmpfs', Type: 'tmpfs' });
        expect(at('/t')).to.deep.include({ Origin: 'tmpfs', Type: 'tmpfs' });
        expect(p.Notes.join('\n')).to.include(`bind source ${missing} does not exist: start makes it`);

        // The real create: the spec it stores is the plan's, apart from the ids and the anonymous
        // volume's generated name; the named volume's directory is the one planned.
        const id = ok(['create', '--name', n, ...args]).trim();
        const real = (
          JSON.parse(ok(['inspect', id])) as { Mounts: { Name?: string; Destination: string }[] }[]
        )[0]!;
        const realAnon = real.Mounts.find((m) => m.Destination === '/anon')!.Name!;
        const mountpoint = (JSON.parse(ok(['volume', 'inspect', vol])) as { Mountpoint: string }[])[0]!
          .Mountpoint;
        expect(at('/data').Source).to.equal(mountpoint);
        const { ContainerdClient } = await import('../../src/runtime/containerd/client.js');
        const client = new ContainerdClient(testEnv().address, testEnv().namespace);
        try {
          const stored = JSON.stringify((await client.containers.get(id)).spec);
          const planned = JSON.stringify(p.Spec)
            .split(p.Container.Id)
            .join(id)
            .split(p.Container.Id.slice(0, 12))
            .join(id.slice(0, 12))
            .split(anon)
            .join(realAnon);
          expect(planned).to.equal(stored);
        } finally {
          client.close();
        }

        // explain shows the container's own mounts, by origin, with their sources.
        ok(['start', n]);
        const v = JSON.parse(ok(['explain', '--format', 'json', n])) as KernelView;
        const own = v.Mounts.filter((m) => m.Origin).map(
          (m) => `${m.Destination} ${m.Origin} ${m.Volume ?? ''} ${m.Source}`,
        );
        expect(own).to.include.members([
          `/data volume ${vol} ${mountpoint}`,
          `/host bind  ${dir}`,
          `/made bind  ${missing}`,
        ]);
        const text = ok(['explain', n]);
        expect(text).to.match(
          new RegExp(`\\nVolumes, binds and tmpfs\\n(.*\\n)*  /data +volume ${vol} +rbind +${mountpoint}`),
        );
        expect(text).to.include(`volume ${realAnon}`);
      } finally {
        cli(['rm', '-f', '-v', n]);
        cli(['volume', 'rm', vol]);
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('never pulls: a missing image is what would be pulled; with --pull never it fails as run does', function () {
      const absent = 'tsdock-test/absent:latest';
      const p = plan([absent, 'true']);
      expect(p.Container.Pull).to.equal(absent);
      expect(p.Rootfs).to.equal(null);
      expect(cli(['image', 'inspect', absent]).code).to.equal(1);
      const dry = cli(['run', '--dry-run', '--pull', 'never', absent, 'true']);
      const real = cli(['run', '--rm', '--pull', 'never', absent, 'true']);
      expect(dry.code).to.equal(125);
      expect(dry).to.deep.include({ code: real.code, stderr: real.stderr });
    });

    it('fails as the real run does: a bad flag or mount, a taken name, a taken port', async function () {
      const same = (args: string[], tweak = (s: string) => s) => {
        const dry = cli(['run', '--dry-run', ...args]);
        const real = cli(['run', '-d', ...args]);
        expect(dry.code, dry.stderr).to.not.equal(0);
        expect(dry.code).to.equal(real.code);
        expect(tweak(dry.stderr)).to.equal(tweak(real.stderr));
      };
      same(['--memory', 'lots', img(), 'true']);
      // run's own checks before creating: no terminal for -t, -a with -d.
      for (const args of [
        ['-it', img(), 'sh'],
        ['-d', '-a', 'stdout', img(), 'true'],
      ]) {
        const dry = cli(['run', '--dry-run', ...args]);
        const real = cli(['run', ...args]);
        expect(dry.code, dry.stderr).to.not.equal(0);
        expect(dry).to.deep.include({ code: real.code, stderr: real.stderr });
      }
      same(['--cpus', 'x', img(), 'true']);
      // Volumes and binds are checked as create checks them, and a dry run makes none of them.
      same(['-v', 'data:relative', img(), 'true']);
      same(['--mount', 'type=bind,src=/tsdock-it-no-such-dir,dst=/x', img(), 'true']);
      same(['-v', '/tmp:/x', '-v', '/srv:/x', img(), 'true']);
      const held = name();
      ok(['create', '--name', held, img(), 'true']);
      same(['--name', held, img(), 'true']);

      const port = await freePort();
      ok(['run', '-d', '--name', name(), '-p', `${port}:80`, img(), 'sleep', '30']);
      const n = name();
      // The endpoint's id in Docker's message is generated.
      same(['--name', n, '-p', `${port}:80`, img(), 'true'], (s) => s.replace(/\([0-9a-f]{64}\)/, '(ID)'));
      // create itself succeeds there (its start would not): its dry run says so and plans on.
      const c = plan(['-p', `${port}:80`, img(), 'true'], 'create');
      expect(c.Notes.join('\n')).to.include(`Bind for 0.0.0.0:${port} failed: port is already allocated`);
    });
  });

  describe('inspect and explain', function () {
    it("inspect's namespace ids are the /proc/PID/ns links of the container's process", function () {
      const id = ok(['run', '-d', '--name', name(), img(), 'sleep', '30']).trim();
      const r = inspect(id);
      expect(r.TsdockKernel.Namespaces).to.deep.equal(nsLinks(r.State.Pid));
      expect(r.TsdockKernel.Namespaces!.pid).to.match(/^pid:\[\d+\]$/);
      expect(r.TsdockKernel.Namespaces!.pid).to.not.equal(nsLinks('self').pid);
      ok(['stop', '-t', '0', id]);
      expect(inspect(id).TsdockKernel.Namespaces).to.equal(null);
    });

    it('a file written and one deleted show up in UpperDir as a file and a whiteout (0/0)', function () {
      const id = ok(['run', '-d', '--name', name(), img(), 'sleep', '30']).trim();
      ok(['exec', id, 'sh', '-c', 'echo hello > /tmp/new.txt && rm /etc/group']);
      const { UpperDir, LowerDir } = inspect(id).GraphDriver.Data;
      expect(readFileSync(join(UpperDir, 'tmp/new.txt'), 'utf8')).to.equal('hello\n');
      const whiteout = statSync(join(UpperDir, 'etc/group'));
      expect(whiteout.isCharacterDevice()).to.equal(true);
      expect(whiteout.rdev).to.equal(0);
      expect(existsSync(join(LowerDir.split(':')[0]!, 'etc/group'))).to.equal(true);
      expect(ok(['diff', id]).split('\n')).to.include.members(['A /tmp/new.txt', 'D /etc/group']);
    });

    it('explain: live namespaces, cgroup readings, overlay, endpoint, and tsdock → containerd → shim → init', function () {
      const n = name();
      const id = ok([
        'run',
        '-d',
        '--name',
        n,
        '--memory',
        '64m',
        '--cpus',
        '0.25',
        img(),
        'sleep',
        '30',
      ]).trim();
      const v = JSON.parse(ok(['explain', '--format', 'json', n])) as KernelView;
      const r = inspect(id);
      const live = nsLinks(r.State.Pid);
      for (const ns of v.Namespaces) expect(ns.Id, ns.Type).to.equal(live[ns.Type]);
      const quota = v.Cgroup.Files.find((f) => /cpu\.(cfs_quota_us|max)$/.test(f.Key))!;
      expect(quota.Read).to.equal(quota.Value);
      expect(quota.Value).to.match(/^25000( 100000)?$/);
      expect(v.Rootfs!.UpperDir).to.equal(r.GraphDriver.Data.UpperDir);
      expect(v.Rootfs!.MergedDir).to.equal(r.GraphDriver.Data.MergedDir);
      expect(v.Network.HostVeth).to.equal(r.TsdockKernel.HostVeth);
      expect(v.Network.Routes.join('\n')).to.include('default via');

      const chain = v.Runtime!;
      expect(chain.Init.Pid).to.equal(r.State.Pid);
      expect(chain.Containerd.Pid).to.equal(containerdDaemon()!.pid);
      const stat = readFileSync(`/proc/${r.State.Pid}/stat`, 'utf8');
      expect(chain.Shim.Pid).to.equal(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      expect(chain.Shim.Command).to.include('containerd-shim-runc-v2').and.include(id);
      expect(chain.Runc).to.match(/^exited/);
      // The bundle runc was given: its config.json is the spec explain shows.
      const config = JSON.parse(readFileSync(join(chain.Shim.Bundle, 'config.json'), 'utf8')) as {
        linux: { cgroupsPath: string };
      };
      expect(config.linux.cgroupsPath).to.equal(v.Cgroup.Path);

      const text = ok(['explain', n]);
      const sections = ['Namespaces', 'Cgroups', 'Union filesystem', 'Network (bridge)', 'Runtime chain'];
      const at = sections.map((s) => text.indexOf(`\n${s}\n`));
      expect(at.every((i) => i > 0)).to.equal(true);
      expect([...at].sort((a, b) => a - b)).to.deep.equal(at);
      expect(text).to.include('runc').and.include('exited');
    });

    it('explain of an unknown container fails as inspect does', function () {
      const r = cli(['explain', 'tsdock-it-no-such-container']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('No such container: tsdock-it-no-such-container');
    });
  });
});
