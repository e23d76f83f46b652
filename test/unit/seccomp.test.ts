import { expect } from 'chai';
import { UsageError } from '../../src/runtime/errors.js';
import { parseContainerOptions } from '../../src/runtime/opts/container.js';
import { compactJson, parseSecurityOpts } from '../../src/runtime/opts/security.js';
import { allCapabilities, defaultCapabilities } from '../../src/runtime/opts/caps.js';
import { buildSpec } from '../../src/runtime/spec/build.js';
import {
  defaultSeccomp,
  parseKernelRelease,
  profileSeccomp,
  seccompFor,
  type SeccompHost,
} from '../../src/runtime/spec/seccomp.js';
import type { OciSeccomp, OciSyscall } from '../../src/runtime/spec/types.js';

const amd64: SeccompHost = { arch: 'amd64', kernel: [6, 1] };

/** The rules that name a syscall. */
const rulesFor = (s: OciSeccomp, name: string): OciSyscall[] =>
  (s.syscalls ?? []).filter((r) => r.names.includes(name));
const allowedPlain = (s: OciSeccomp, name: string): boolean =>
  rulesFor(s, name).some((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args);

describe('seccomp: the default policy', () => {
  const def = defaultSeccomp(defaultCapabilities, amd64);

  it('denies with EPERM what it does not allow, for the native arch and its 32-bit ones', () => {
    expect(def.defaultAction).to.equal('SCMP_ACT_ERRNO');
    expect(def.defaultErrnoRet).to.equal(1);
    expect(def.architectures).to.deep.equal(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(defaultSeccomp([], { arch: 'arm64', kernel: [6, 1] }).architectures).to.deep.equal([
      'SCMP_ARCH_AARCH64',
      'SCMP_ARCH_ARM',
    ]);
    // No map entry (Docker has none for ppc64le): the runtime uses the native arch alone.
    expect(defaultSeccomp([], { arch: 'ppc64le', kernel: [6, 1] })).to.not.have.property('architectures');
  });

  it('allows ordinary calls and none that make namespaces, mount, or load modules', () => {
    for (const name of ['read', 'openat', 'execve', 'fork', 'socketpair', 'arch_prctl', 'modify_ldt']) {
      expect(allowedPlain(def, name), name).to.equal(true);
    }
    for (const name of ['unshare', 'setns', 'mount', 'umount2', 'init_module', 'bpf', 'reboot', 'acct']) {
      expect(rulesFor(def, name), name).to.deep.equal([]);
    }
    // x86-only calls stay out on other architectures.
    const arm = defaultSeccomp(defaultCapabilities, { arch: 'arm64', kernel: [6, 1] });
    expect(rulesFor(arm, 'arch_prctl')).to.deep.equal([]);
    expect(allowedPlain(arm, 'set_tls')).to.equal(true);
  });

  it('clone only without namespace flags, clone3 answered ENOSYS (unless CAP_SYS_ADMIN)', () => {
    expect(rulesFor(def, 'clone')).to.deep.equal([
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
    ]);
    expect(rulesFor(def, 'clone3')).to.deep.equal([
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ]);
    // s390 passes clone's flags second.
    const s390 = defaultSeccomp(defaultCapabilities, { arch: 's390x', kernel: [6, 1] });
    expect(rulesFor(s390, 'clone')[0]!.args![0]!.index).to.equal(1);
  });

  it('granted capabilities bring their calls: --cap-add SYS_ADMIN, SYS_PTRACE, SYS_TIME', () => {
    const admin = defaultSeccomp([...defaultCapabilities, 'CAP_SYS_ADMIN'], amd64);
    for (const name of ['unshare', 'setns', 'mount', 'clone', 'clone3']) {
      expect(allowedPlain(admin, name), name).to.equal(true);
    }
    expect(rulesFor(admin, 'clone3').some((r) => r.action === 'SCMP_ACT_ERRNO')).to.equal(false);
    expect(
      allowedPlain(defaultSeccomp([...defaultCapabilities, 'CAP_SYS_PTRACE'], amd64), 'ptrace'),
    ).to.equal(true);
    expect(allowedPlain(defaultSeccomp(['CAP_SYS_TIME'], amd64), 'settimeofday')).to.equal(true);
    // Dropping CAP_SYS_CHROOT (a default one) takes chroot away too.
    expect(allowedPlain(def, 'chroot')).to.equal(true);
    const noChroot = defaultCapabilities.filter((c) => c !== 'CAP_SYS_CHROOT');
    expect(rulesFor(defaultSeccomp(noChroot, amd64), 'chroot')).to.deep.equal([]);
  });

  it('ptrace and process_vm_* only from kernel 4.8 on without CAP_SYS_PTRACE', () => {
    expect(
      allowedPlain(defaultSeccomp(defaultCapabilities, { arch: 'amd64', kernel: [4, 8] }), 'ptrace'),
    ).to.equal(true);
    expect(
      rulesFor(defaultSeccomp(defaultCapabilities, { arch: 'amd64', kernel: [4, 7] }), 'ptrace'),
    ).to.deep.equal([]);
    expect(parseKernelRelease('6.1.0-18-amd64')).to.deep.equal([6, 1]);
    expect(parseKernelRelease('3.12-1-amd64')).to.deep.equal([3, 12]);
  });

  it('socket: anything but AF_VSOCK; personality: only the values programs use', () => {
    expect(rulesFor(def, 'socket')).to.deep.equal([
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] },
    ]);
    const personas = rulesFor(def, 'personality').map((r) => r.args![0]!.value);
    expect(personas).to.deep.equal([0, 8, 0x20000, 0x20008, 0xffffffff]);
  });

  it('with every capability everything gated is allowed and nothing is answered ENOSYS', () => {
    const all = defaultSeccomp(allCapabilities, amd64);
    expect((all.syscalls ?? []).filter((r) => r.action !== 'SCMP_ACT_ALLOW')).to.deep.equal([]);
    expect(allowedPlain(all, 'open_by_handle_at')).to.equal(true);
  });
});

describe('seccomp: profiles in Docker JSON format', () => {
  it('names, includes and excludes, archMap resolved for the host', () => {
    const profile = JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
      syscalls: [
        { name: 'chmod', action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['mount'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['kexec_load'], action: 'SCMP_ACT_KILL', includes: { minKernel: '99.0' } },
        { names: ['x'], action: 'SCMP_ACT_LOG', includes: { arches: ['arm64'] } },
      ],
    });
    const s = profileSeccomp(profile, defaultCapabilities, amd64)!;
    expect(s.architectures).to.deep.equal(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    expect(s.syscalls).to.deep.equal([
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['mount'], action: 'SCMP_ACT_ERRNO' },
    ]);
    expect(profileSeccomp(profile, ['CAP_SYS_ADMIN'], amd64)!.syscalls).to.have.length(1);
  });

  it('no default action and no syscalls: seccomp disabled', () => {
    expect(profileSeccomp('{}', defaultCapabilities, amd64)).to.equal(undefined);
  });

  it("refuses what Docker's daemon or runc would, with the daemon's wording", () => {
    const bad: [object | string, RegExp][] = [
      ['{', /Decoding seccomp profile failed: /],
      [
        {
          defaultAction: 'SCMP_ACT_ALLOW',
          architectures: ['SCMP_ARCH_X86'],
          archMap: [{ architecture: 'a' }],
        },
        /both 'architectures' and 'archMap'/,
      ],
      [
        {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ERRNO' }],
        },
        /both 'name' and 'names'/,
      ],
      [{ defaultAction: 'SCMP_ACT_NOPE' }, /unknown action "SCMP_ACT_NOPE"/],
      [
        {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'EQ' }] }],
        },
        /unknown comparison operator "EQ"/,
      ],
      [
        {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4' } }],
        },
        /invalid kernel version: "4"/,
      ],
    ];
    for (const [p, msg] of bad) {
      const text = typeof p === 'string' ? p : JSON.stringify(p);
      expect(() => profileSeccomp(text, [], amd64), text).to.throw(UsageError, msg);
    }
  });
});

describe('security options (--security-opt)', () => {
  const files: Record<string, string> = {
    '/p.json': '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [ ]\n}\n',
    '/bad.json': '{ "defaultAction": ',
  };
  const read = (p: string) => {
    if (p in files) return files[p]!;
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  const parse = (v: string[]) => parseSecurityOpts(v, read);

  it('defaults: the built-in filter, privileges as usual, system paths masked', () => {
    expect(parse([])).to.deep.equal({
      securityOpt: [],
      seccomp: 'default',
      noNewPrivileges: false,
      unmaskSystemPaths: false,
    });
  });

  it('keeps what Docker stores: a profile file becomes its compacted JSON, systempaths is dropped', () => {
    const s = parse([
      'seccomp=/p.json',
      'no-new-privileges',
      'systempaths=unconfined',
      'apparmor=x',
      'label=disable',
    ]);
    expect(s.securityOpt).to.deep.equal([
      'seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}',
      'no-new-privileges',
      'apparmor=x',
      'label=disable',
    ]);
    expect(s.seccomp).to.deep.equal({ profile: '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}' });
    expect(s.noNewPrivileges).to.equal(true);
    expect(s.unmaskSystemPaths).to.equal(true);
  });

  it('no-new-privileges takes a Go boolean; the old `key:value` form is read', () => {
    expect(parse(['no-new-privileges=false']).noNewPrivileges).to.equal(false);
    expect(parse(['no-new-privileges=1']).noNewPrivileges).to.equal(true);
    expect(parse(['no-new-privileges:true']).noNewPrivileges).to.equal(true);
    expect(parse(['seccomp:unconfined']).seccomp).to.equal('unconfined');
    expect(parse(['writable-cgroups=true']).writableCgroups).to.equal(true);
  });

  it("refuses with docker/cli's and the daemon's messages", () => {
    const cases: [string, string][] = [
      ['seccomp', 'Invalid --security-opt: "seccomp"'],
      ['apparmor=', 'Invalid --security-opt: "apparmor="'],
      ['bogus=1', 'Error response from daemon: invalid --security-opt 2: "bogus=1"'],
      [
        'no-new-privileges=yes',
        'Error response from daemon: invalid --security-opt 2: "no-new-privileges=yes"',
      ],
      [
        'seccomp=/missing.json',
        'opening seccomp profile (/missing.json) failed: open /missing.json: no such file or directory',
      ],
    ];
    for (const [opt, msg] of cases) expect(() => parse([opt]), opt).to.throw(UsageError, msg);
    expect(() => parse(['seccomp=/bad.json'])).to.throw(
      UsageError,
      /^compacting json for seccomp profile \(\/bad.json\) failed/,
    );
  });

  it('compactJson keeps strings, drops whitespace', () => {
    expect(compactJson('{ "a b": [1, 2],\n "c": "x\\" y" }')).to.equal('{"a b":[1,2],"c":"x\\" y"}');
  });
});

describe('seccomp in the spec', () => {
  const host = { cpus: 8, memTotal: 8 * 1024 ** 3 };
  const spec = (securityOpt: string[], extra: object = {}) =>
    buildSpec({
      id: 'c1',
      opts: parseContainerOptions({ image: 'busybox', args: ['sh'], securityOpt, ...extra }, {}, host),
      image: { config: {} },
      user: { uid: 0, gid: 0 },
      hostname: 'h',
      cgroupsPath: '/tsdock/c1',
      cgroupVersion: 2,
      hostCaps: allCapabilities,
    });

  it('every container gets the default filter for its own capabilities', () => {
    const s = spec([]);
    expect(s.linux.seccomp).to.deep.equal(seccompFor('default', false, defaultCapabilities));
    const admin = spec([], { capAdd: ['SYS_ADMIN'] });
    expect(admin.linux.seccomp!.syscalls!.some((r) => r.names.includes('unshare'))).to.equal(true);
  });

  it('none with seccomp=unconfined or --privileged; a named profile even with --privileged', () => {
    expect(spec(['seccomp=unconfined']).linux).to.not.have.property('seccomp');
    expect(spec([], { privileged: true }).linux).to.not.have.property('seccomp');
    const s = spec(['seccomp=builtin'], { privileged: true });
    expect(s.linux.seccomp!.defaultAction).to.equal('SCMP_ACT_ERRNO');
  });

  it('no-new-privileges, systempaths and writable-cgroups reach the spec', () => {
    expect(spec([]).process.noNewPrivileges).to.equal(false);
    expect(spec(['no-new-privileges']).process.noNewPrivileges).to.equal(true);
    expect(spec([]).linux.maskedPaths).to.include('/proc/kcore');
    const open = spec(['systempaths=unconfined']).linux;
    expect(open).to.not.have.property('maskedPaths');
    expect(open).to.not.have.property('readonlyPaths');
    const cg = (s: ReturnType<typeof spec>) => s.mounts.find((m) => m.type === 'cgroup')!.options;
    expect(cg(spec([]))).to.include('ro');
    expect(cg(spec(['writable-cgroups=true']))).to.not.include('ro');
    expect(cg(spec(['writable-cgroups=false'], { privileged: true }))).to.include('ro');
  });
});
