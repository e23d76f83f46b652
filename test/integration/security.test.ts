/**
 * Security options end to end: the default seccomp filter as the kernel sees it, what a default
 * container may not do (new namespaces), and how --security-opt, --privileged and --cap-add change
 * that; no-new-privileges and systempaths as the process sees them; inspect and info.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, testEnv, uniqueName } from '../harness/cli.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
const run = (args: string[], cmd: string[]) => cli(['run', '--rm', ...NET, ...args, img(), ...cmd]);
/** The `Seccomp:` field of the process's status (0 none, 2 filter), as Docker's docs check it. */
const seccompMode = (args: string[]): string =>
  run(args, ['grep', '^Seccomp:', '/proc/self/status']).stdout.replace(/\s+/g, ' ').trim();

describe('security options', function () {
  this.timeout(60_000);
  let work = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tsdock-sec-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a default container runs under a seccomp filter and cannot make namespaces', () => {
    expect(seccompMode([])).to.equal('Seccomp: 2');
    const r = run([], ['unshare', '-U', '-r', 'id']);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/Operation not permitted/);
    // The filter answers clone3 with ENOSYS, so a libc falls back to clone whose flags it can check;
    // ordinary work goes on (fork, threads of a shell pipeline).
    expect(run([], ['sh', '-c', 'echo a | cat; (echo b) | cat']).stdout).to.equal('a\nb\n');
  });

  it('seccomp=unconfined lifts the filter: Seccomp 0, unshare works', () => {
    expect(seccompMode(['--security-opt', 'seccomp=unconfined'])).to.equal('Seccomp: 0');
    // A user namespace needs no capability; the filter was what stopped it.
    const r = run(['--security-opt', 'seccomp=unconfined'], ['unshare', '-U', '-r', 'id', '-u']);
    expect(r.stderr).to.equal('');
    expect(r.stdout.trim()).to.equal('0');
  });

  it('--privileged runs without a filter, as Docker', () => {
    expect(seccompMode(['--privileged'])).to.equal('Seccomp: 0');
  });

  it('--cap-add brings the calls its capability gates: SYS_ADMIN allows unshare', () => {
    expect(run([], ['unshare', '-u', 'true']).code).to.not.equal(0);
    const r = run(['--cap-add', 'SYS_ADMIN'], ['unshare', '-u', 'sh', '-c', 'hostname inner && hostname']);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.equal('inner\n');
    expect(seccompMode(['--cap-add', 'SYS_ADMIN'])).to.equal('Seccomp: 2');
  });

  it('a profile in Docker JSON format applies, even with --privileged (Docker 26+)', () => {
    const file = join(work, 'deny-chown.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['chown', 'chown32', 'fchownat'], action: 'SCMP_ACT_ERRNO' }],
        },
        null,
        2,
      ),
    );
    for (const extra of [[], ['--privileged']]) {
      const r = run(['--security-opt', `seccomp=${file}`, ...extra], ['chown', '42', '/bin']);
      expect(r.code, extra.join(' ')).to.equal(1);
      expect(r.stderr).to.match(/Operation not permitted/);
    }
    expect(run([], ['chown', '42', '/bin']).code).to.equal(0);
  });

  it('no-new-privileges sets the NoNewPrivs bit; systempaths=unconfined unmasks /proc', () => {
    const nnp = (args: string[]) =>
      run(args, ['grep', '^NoNewPrivs:', '/proc/self/status']).stdout.replace(/\s+/g, ' ').trim();
    expect(nnp([])).to.equal('NoNewPrivs: 0');
    expect(nnp(['--security-opt', 'no-new-privileges'])).to.equal('NoNewPrivs: 1');
    expect(nnp(['--security-opt', 'no-new-privileges=true'])).to.equal('NoNewPrivs: 1');
    expect(nnp(['--security-opt', 'no-new-privileges=false'])).to.equal('NoNewPrivs: 0');
    // /proc/timer_list is masked (a bind of /dev/null) by default.
    const timers = (args: string[]) => run(args, ['sh', '-c', 'wc -c < /proc/timer_list']).stdout.trim();
    expect(timers([])).to.equal('0');
    expect(Number(timers(['--security-opt', 'systempaths=unconfined']))).to.be.greaterThan(0);
    const ro = (args: string[]) => run(args, ['sh', '-c', 'grep " /proc/sys " /proc/mounts | grep -c ro,']);
    expect(ro([]).stdout.trim()).to.equal('1');
    expect(ro(['--security-opt', 'systempaths=unconfined']).stdout.trim()).to.equal('0');
  });

  it('writable-cgroups makes /sys/fs/cgroup writable', () => {
    const mode = (args: string[]) =>
      run(args, ['sh', '-c', "awk '$3 ~ /^cgroup/ {print $4; exit}' /proc/mounts | cut -d, -f1"]).stdout;
    expect(mode([]).trim()).to.equal('ro');
    expect(mode(['--security-opt', 'writable-cgroups=true']).trim()).to.equal('rw');
  });

  it('apparmor= and label= are accepted without effect (no AppArmor or SELinux here)', () => {
    const r = run(['--security-opt', 'apparmor=unconfined', '--security-opt', 'label=disable'], ['true']);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
  });

  it('inspect shows HostConfig.SecurityOpt as Docker stores it', () => {
    const name = uniqueName('tsdock-it-sec');
    const file = join(work, 'allow.json');
    writeFileSync(file, '{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}\n');
    ok([
      'create',
      ...NET,
      '--name',
      name,
      '--security-opt',
      'no-new-privileges',
      '--security-opt',
      `seccomp=${file}`,
      '--security-opt',
      'systempaths=unconfined',
      img(),
    ]);
    try {
      const hc = JSON.parse(ok(['inspect', '--format', '{{json .HostConfig}}', name])) as Record<
        string,
        unknown
      >;
      expect(hc.SecurityOpt).to.deep.equal([
        'no-new-privileges',
        'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}',
      ]);
      expect(hc.MaskedPaths).to.deep.equal([]);
      expect(hc.ReadonlyPaths).to.deep.equal([]);
    } finally {
      cli(['rm', '-f', name]);
    }
    const plain = uniqueName('tsdock-it-sec');
    ok(['create', ...NET, '--name', plain, img()]);
    try {
      expect(ok(['inspect', '--format', '{{json .HostConfig.SecurityOpt}}', plain]).trim()).to.equal('null');
    } finally {
      cli(['rm', '-f', plain]);
    }
  });

  it("bad security options: Docker's message, exit 125, nothing created", () => {
    const name = uniqueName('tsdock-it-sec');
    const bad: [string, RegExp][] = [
      ['seccomp', /^.*Invalid --security-opt: "seccomp"$/],
      ['foo=bar', /invalid --security-opt 2: "foo=bar"$/],
      ['no-new-privileges=maybe', /invalid --security-opt 2: "no-new-privileges=maybe"$/],
      [`seccomp=${join(work, 'missing.json')}`, /opening seccomp profile \(.*missing\.json\) failed: /],
    ];
    writeFileSync(join(work, 'broken.json'), '{"defaultAction": ');
    bad.push([`seccomp=${join(work, 'broken.json')}`, /compacting json for seccomp profile/]);
    writeFileSync(
      join(work, 'both.json'),
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ERRNO"}]}',
    );
    bad.push([`seccomp=${join(work, 'both.json')}`, /both 'name' and 'names' are specified/]);
    for (const [opt, msg] of bad) {
      const r = cli(['run', '--rm', ...NET, '--name', name, '--security-opt', opt, img(), 'true']);
      expect(r.code, opt).to.equal(125);
      expect(r.stderr.split('\n')[0], opt).to.match(msg);
    }
    expect(ok(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}']).trim()).to.equal('');
  });

  it('exec runs under the container filter', () => {
    const name = uniqueName('tsdock-it-sec');
    ok(['run', '-d', ...NET, '--name', name, img(), 'sleep', '60']);
    try {
      const r = cli(['exec', name, 'grep', '^Seccomp:', '/proc/self/status']);
      expect(r.stdout.replace(/\s+/g, ' ').trim()).to.equal('Seccomp: 2');
      expect(cli(['exec', name, 'unshare', '-U', '-r', 'id']).code).to.not.equal(0);
    } finally {
      cli(['rm', '-f', name]);
    }
  });

  it("names that reach other containers' files are checked first: exit 125, one line, nothing made", () => {
    const name = uniqueName('tsdock-it-sec');
    const net = uniqueName('tsdock-it-secnet');
    ok(['network', 'create', net]);
    try {
      const bad: [string[], RegExp][] = [
        [['--hostname', 'web\n10.9.9.9 bank'], /invalid hostname format: web\\n10\.9\.9\.9 bank$/],
        [['--domainname', 'a b'], /invalid domainname format/],
        [['--network', net, '--network-alias', 'db\n10.9.9.9 bank'], /for "--network-alias" flag/],
        [['--add-host', 'db\n10.9.9.9 bank:1.2.3.4'], /invalid hostname in add-host/],
        [['--add-host', 'db:1.2.3.4\n10.9.9.9 bank'], /invalid IP address in add-host/],
        [['--dns', '1.1.1.1\nsearch evil'], /for "--dns" flag: IP address is not correctly formatted/],
        [['--dns-search', 'corp\nnameserver 6.6.6.6'], /for "--dns-search" flag: .* is not a valid domain/],
        [['--dns-option', 'ndots:1\nnameserver 6.6.6.6'], /for "--dns-option" flag/],
        [['--name', `${name}\nx`], /Invalid container name/],
      ];
      for (const [args, msg] of bad) {
        const r = cli(['run', '--rm', '--name', name, ...args, img(), 'true']);
        expect(r.code, args.join(' ')).to.equal(125);
        const first = r.stderr.split('\n')[0]!;
        expect(first, args.join(' ')).to.match(msg);
        // The value is shown escaped: nothing of it spills onto further lines.
        expect(r.stderr, args.join(' ')).to.not.match(/^(10\.9\.9\.9|search|nameserver)/m);
      }
      expect(ok(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}']).trim()).to.equal('');
      const member = uniqueName('tsdock-it-sec');
      ok(['create', '--name', member, '--network', net, img()]);
      try {
        const r = cli(['network', 'connect', '--alias', 'x y', 'bridge', member]);
        expect(r.code).to.equal(125);
        expect(r.stderr).to.match(/for "--alias" flag/);
      } finally {
        cli(['rm', '-f', member]);
      }
    } finally {
      cli(['network', 'rm', net]);
    }
  });

  it('--add-host name=ip and [v6] forms land in /etc/hosts as Docker writes them', () => {
    const out = ok([
      'run',
      '--rm',
      ...NET,
      '--add-host',
      'db=10.1.2.3',
      '--add-host',
      'six=[::1]',
      img(),
      'cat',
      '/etc/hosts',
    ]);
    expect(out).to.include('10.1.2.3\tdb\n');
    expect(out).to.include('::1\tsix\n');
  });

  it('info lists the seccomp profile among the security options', () => {
    const out = ok(['info']);
    expect(out).to.include(' Security Options:\n  seccomp\n   Profile: builtin\n');
  });
});
