import { expect } from 'chai';
import { DetachMatcher, parseDetachKeys } from '../../src/runtime/container/tty.js';
import { FrameDecoder } from '../../src/runtime/container/stdio.js';
import { execProcessSpec } from '../../src/runtime/verbs/container/exec.js';
import type { OciProcess } from '../../src/runtime/spec/types.js';

describe('detach keys', () => {
  it("parses Docker's syntax: ctrl-X names (any case), single characters, commas", () => {
    expect([...parseDetachKeys('ctrl-p,ctrl-q')]).to.deep.equal([16, 17]);
    expect([...parseDetachKeys('CTRL-A,x')]).to.deep.equal([1, 120]);
    expect([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')]).to.deep.equal([
      0, 27, 28, 29, 30, 31,
    ]);
  });

  it('refuses what Docker refuses', () => {
    expect(() => parseDetachKeys('foo')).to.throw('Invalid detach keys (foo) provided');
    expect(() => parseDetachKeys('ctrl-1')).to.throw(/Invalid detach keys/);
    expect(() => parseDetachKeys('a,,b')).to.throw(/Invalid detach keys/);
  });

  it('detaches on the sequence, in one chunk or split across chunks', () => {
    const keys = parseDetachKeys('ctrl-p,ctrl-q');
    expect(new DetachMatcher(keys).feed(Buffer.from('ab\x10\x11cd'))).to.deep.equal({
      forward: Buffer.from('ab'),
      detach: true,
    });
    const m = new DetachMatcher(keys);
    expect(m.feed(Buffer.from('x\x10'))).to.deep.equal({ forward: Buffer.from('x'), detach: false });
    expect(m.feed(Buffer.from('\x11'))).to.deep.equal({ forward: Buffer.alloc(0), detach: true });
  });

  it('passes held-back bytes on when the sequence does not complete', () => {
    const m = new DetachMatcher(parseDetachKeys('ctrl-p,ctrl-q'));
    expect(m.feed(Buffer.from('\x10'))).to.deep.equal({ forward: Buffer.alloc(0), detach: false });
    expect(m.feed(Buffer.from('a'))).to.deep.equal({ forward: Buffer.from('\x10a'), detach: false });
    // A repeated first key restarts the match: ^P ^P ^Q detaches after forwarding one ^P.
    expect(m.feed(Buffer.from('\x10\x10\x11'))).to.deep.equal({ forward: Buffer.from('\x10'), detach: true });
    expect(new DetachMatcher(Buffer.alloc(0)).feed(Buffer.from('\x10\x11'))).to.deep.equal({
      forward: Buffer.from('\x10\x11'),
      detach: false,
    });
  });
});

describe('attach framing', () => {
  it("splits Docker's stdcopy frames across arbitrary chunk boundaries", () => {
    const frame = (s: number, text: string) => {
      const p = Buffer.from(text);
      const h = Buffer.from([s, 0, 0, 0, 0, 0, 0, 0]);
      h.writeUInt32BE(p.length, 4);
      return Buffer.concat([h, p]);
    };
    const all = Buffer.concat([frame(1, 'out'), frame(2, 'err\n'), frame(1, '')]);
    const got: [number, string][] = [];
    const d = new FrameDecoder((s, b) => got.push([s, b.toString()]));
    for (let i = 0; i < all.length; i += 3) d.push(all.subarray(i, i + 3));
    expect(got).to.deep.equal([
      [1, 'out'],
      [2, 'err\n'],
      [1, ''],
    ]);
  });
});

describe('exec process spec', () => {
  const base: OciProcess = {
    terminal: false,
    user: { uid: 0, gid: 0 },
    args: ['sleep', '100'],
    env: ['PATH=/bin', 'HOSTNAME=h', 'A=1'],
    cwd: '/srv',
    capabilities: { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] },
  };
  const defaults = {
    args: ['ls'],
    containerEnv: ['A=1', 'B=2'],
    extraEnv: [] as string[],
    hostname: 'h',
    tty: false,
    privileged: false,
  };

  it("keeps the container's process, replaces args, env (exec's -e wins), cwd, terminal", () => {
    const p = execProcessSpec(base, { ...defaults, extraEnv: ['B=3', 'C=4'], tty: true, cwd: '/tmp' });
    expect(p.args).to.deep.equal(['ls']);
    expect(p.env).to.deep.equal([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=h',
      'TERM=xterm',
      'A=1',
      'B=3',
      'C=4',
    ]);
    expect(p.cwd).to.equal('/tmp');
    expect(p.terminal).to.equal(true);
    expect(execProcessSpec(base, defaults).cwd).to.equal('/srv');
    expect(base.args).to.deep.equal(['sleep', '100']);
  });

  it('a non-root -u keeps only the bounding set; --privileged grants what it is given', () => {
    const u = execProcessSpec(base, { ...defaults, user: { uid: 5, gid: 6, additionalGids: [] } });
    expect(u.user).to.deep.equal({ uid: 5, gid: 6 });
    expect(u.capabilities).to.deep.equal({ bounding: ['CAP_CHOWN'] });
    const p = execProcessSpec(base, {
      ...defaults,
      privileged: true,
      hostCaps: ['CAP_CHOWN', 'CAP_SYS_ADMIN'],
    });
    expect(p.capabilities!.effective).to.deep.equal(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  });

  it('sizes the console only for a terminal', () => {
    const size = { width: 100, height: 30 };
    expect(execProcessSpec(base, { ...defaults, tty: true, consoleSize: size }).consoleSize).to.deep.equal({
      height: 30,
      width: 100,
    });
    expect(execProcessSpec(base, { ...defaults, consoleSize: size }).consoleSize).to.equal(undefined);
  });
});
