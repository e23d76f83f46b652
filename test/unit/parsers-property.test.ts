/**
 * Property tests (fast-check) for the parsers bad input reaches: whatever the string, each one
 * returns or throws its own typed error (exit code and one message), never a TypeError, a
 * RangeError or anything else that would end as a stack trace; and on well-formed input the
 * value is the one Docker computes.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { TsdockError } from '../../src/runtime/errors.js';
import { BadPatternError, PatternMatcher, readIgnoreFile } from '../../src/runtime/build/ignore.js';
import { compileTemplate } from '../../src/runtime/format/template.js';
import { fromHumanSize, goDurationNanos, ramInBytes } from '../../src/runtime/format/units.js';
import { parseAnyReference, parseNormalizedNamed } from '../../src/runtime/images/reference.js';
import { parseTimeArg } from '../../src/runtime/logs/timearg.js';
import { parsePortRange, parsePortSpec } from '../../src/runtime/network/ports.js';
import { parseRestartPolicy } from '../../src/runtime/opts/container.js';
import { parseDevice } from '../../src/runtime/opts/devices.js';
import { parseFilterArgs } from '../../src/runtime/opts/filters.js';
import { parseKeyValueContent, validateEnv, validateLabel } from '../../src/runtime/opts/kvfile.js';
import { parseLink } from '../../src/runtime/opts/links.js';
import { checkBridgeOptions, parseMtu } from '../../src/runtime/network/networks.js';
import { parseBuildArgs } from '../../src/runtime/verbs/image/build.js';
import { parseBind, parseMountFlag, splitVolumeSpec } from '../../src/runtime/opts/mounts.js';
import { validateExtraHost, validateHostname } from '../../src/runtime/opts/names.js';
import { parseCpus } from '../../src/runtime/opts/resources.js';
import { parseSecurityOpts } from '../../src/runtime/opts/security.js';
import { parseSignal } from '../../src/runtime/opts/signals.js';
import { parseSysctl } from '../../src/runtime/opts/sysctl.js';
import { parseUlimit } from '../../src/runtime/opts/units.js';

const RUNS = { numRuns: 400 };

/**
 * Errors a parser may throw: tsdock's own (with an exit code), a parser's declared one, or a plain
 * Error with a message — what flag-value parsers throw for the flag layer to word as pflag does
 * (`invalid argument "…" for "--ulimit" flag: …`, checked end to end by the bad-input corpus).
 * A TypeError, RangeError, SyntaxError… is a bug: it would surface as a stack trace.
 */
function typed(err: unknown, also: (new (...a: never[]) => Error)[] = []): void {
  const ok =
    err instanceof TsdockError ||
    also.some((c) => err instanceof c) ||
    (err instanceof Error && Object.getPrototypeOf(err) === Error.prototype);
  if (!ok) throw new Error(`untyped error ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  expect((err as Error).message, 'a message')
    .to.be.a('string')
    .and.not.equal('');
}

function never(parse: (s: string) => unknown, also: (new (...a: never[]) => Error)[] = []) {
  return (s: string): void => {
    try {
      parse(s);
    } catch (err) {
      typed(err, also);
    }
  };
}

/** Arbitrary text, and text made of the characters a parser cares about. */
const text = (chars: string, max = 24) =>
  fc.oneof(
    fc.string({ maxLength: max }),
    fc.string({ unit: fc.constantFrom(...chars.split('')), maxLength: max }),
    fc.string({ unit: 'binary', maxLength: max }),
  );

const DIGITS = '0123456789';

describe('parsers never crash (fast-check)', function () {
  // A loaded machine (several suites at once) slows 400 runs per parser well past mocha's default.
  this.timeout(120_000);
  it('ports: -p specs and ranges', () => {
    fc.assert(fc.property(text(`${DIGITS}.:-/[]abcdptu`), never(parsePortSpec)), RUNS);
    fc.assert(fc.property(text(`${DIGITS}-`), never(parsePortRange)), RUNS);
  });

  it('ports: HOST:CONTAINER maps as written', () => {
    const port = fc.integer({ min: 1, max: 65535 });
    fc.assert(
      fc.property(port, port, fc.constantFrom('tcp', 'udp', 'sctp'), (h, c, proto) => {
        const [m] = parsePortSpec(`${h}:${c}/${proto}`);
        expect(m).to.deep.equal({ port: `${c}/${proto}`, hostIp: '', hostPort: `${h}` });
      }),
      RUNS,
    );
  });

  it('mounts: -v, --mount and binds', () => {
    const chars = 'abc/:.,=-_ zrwoZ';
    fc.assert(fc.property(text(chars, 40), never(splitVolumeSpec)), RUNS);
    fc.assert(fc.property(text(chars, 40), never(parseBind)), RUNS);
    const key = fc.constantFrom(
      'type',
      'src',
      'source',
      'dst',
      'target',
      'readonly',
      'ro',
      'bind-propagation',
      'volume-nocopy',
      'volume-opt',
      'volume-subpath',
      'tmpfs-size',
      'tmpfs-mode',
      'consistency',
      'bogus',
    );
    const value = fc.oneof(
      fc.constantFrom('bind', 'volume', 'tmpfs', '/x', 'v', 'true', '1', 'rshared', '10m'),
      fc.string({ maxLength: 8 }),
    );
    const field = fc.oneof(
      fc.tuple(key, value).map(([k, v]) => `${k}=${v}`),
      fc.string({ maxLength: 8 }),
    );
    const mount = fc.array(field, { maxLength: 6 }).map((f) => f.join(','));
    fc.assert(
      fc.property(
        fc.oneof(mount, text(chars, 40)),
        never((s) => parseMountFlag(s, '/')),
      ),
      RUNS,
    );
  });

  it('sizes: memory and human sizes; whole numbers with a unit are exact', () => {
    fc.assert(fc.property(text(`${DIGITS}.-+eEkKmMgGtTpPbBiI `), never(ramInBytes)), RUNS);
    fc.assert(fc.property(text(`${DIGITS}.-+eEkKmMgGtTpPbBiI `), never(fromHumanSize)), RUNS);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 << 20 }), (n) => {
        expect(ramInBytes(`${n}`)).to.equal(n);
        expect(ramInBytes(`${n}k`)).to.equal(n * 1024);
        expect(ramInBytes(`${n}m`)).to.equal(n * 1024 * 1024);
      }),
      RUNS,
    );
  });

  it('durations: Go durations and time arguments', () => {
    fc.assert(fc.property(text(`${DIGITS}.-+hmsuµn`), never(goDurationNanos)), RUNS);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => {
        expect(goDurationNanos(`${n}ms`)).to.equal(BigInt(n) * 1_000_000n);
        expect(goDurationNanos(`${n}h${n}s`)).to.equal(
          BigInt(n) * 3_600_000_000_000n + BigInt(n) * 1_000_000_000n,
        );
      }),
      RUNS,
    );
    const now = new Date('2026-01-02T03:04:05Z');
    fc.assert(
      fc.property(
        text(`${DIGITS}-:TZ.+hms `, 30),
        never((s) => parseTimeArg(s, 'since', now)),
      ),
      RUNS,
    );
  });

  it('references: image names, tags, digests, ids', () => {
    const chars = 'abcAB09/:@._-sha256';
    fc.assert(fc.property(text(chars, 40), never(parseNormalizedNamed)), RUNS);
    fc.assert(fc.property(text(chars, 40), never(parseAnyReference)), RUNS);
    const comp = fc
      .stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*$/)
      .filter((s) => s.length > 0 && s.length < 30);
    fc.assert(
      fc.property(comp, comp, (repo, tag) => {
        const r = parseNormalizedNamed(`${repo}:${tag.replace(/^[._-]+/, 'x')}`);
        expect(r.path).to.equal(`library/${repo}`);
      }),
      RUNS,
    );
  });

  it('env files, -e and -l', () => {
    fc.assert(
      fc.property(
        text('A=b\n# \t\r\u0000', 60),
        never((s) => parseKeyValueContent(s, () => undefined)),
      ),
      RUNS,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (b) =>
        never(() => parseKeyValueContent(Buffer.from(b)))(''),
      ),
      RUNS,
    );
    fc.assert(
      fc.property(
        text('A=b '),
        never((s) => validateEnv(s, () => undefined)),
      ),
      RUNS,
    );
    fc.assert(fc.property(text('A=b '), never(validateLabel)), RUNS);
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/);
    const value = fc.string({ unit: fc.constantFrom(...'abc 123=:/'.split('')), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 5 }), (pairs) => {
        const lines = pairs.map(([k, v]) => `${k}=${v}`);
        expect(parseKeyValueContent(lines.join('\n'))).to.deep.equal(lines);
      }),
      RUNS,
    );
  });

  it('.dockerignore patterns: a bad pattern is BadPatternError, matching never throws', () => {
    fc.assert(
      fc.property(text('*?[]!\\/a.-^', 20), fc.string({ maxLength: 20 }), (pattern, file) => {
        let m: PatternMatcher;
        try {
          m = new PatternMatcher(readIgnoreFile(pattern));
        } catch (err) {
          typed(err, [BadPatternError]);
          return;
        }
        try {
          expect(m.matches(file)).to.be.a('boolean');
        } catch (err) {
          typed(err, [BadPatternError]);
        }
      }),
      RUNS,
    );
  });

  it('Go templates: parsing and executing throw template errors only', () => {
    const piece = fc.constantFrom(
      '{{',
      '}}',
      '.',
      'Names',
      '.ID',
      'json',
      'index',
      'range',
      'end',
      'if',
      'else',
      ' ',
      '|',
      '"',
      '(',
      ')',
      'printf',
      '$x',
      ':=',
      'table',
      '\\t',
      '1',
      'len',
      'upper',
      '-',
    );
    const tpl = fc.oneof(
      fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
      fc.string({ maxLength: 30 }),
    );
    const data = { ID: 'abc', Names: ['/x'], Config: { Env: ['A=1'] }, Count: 3 };
    fc.assert(
      fc.property(tpl, (t) => {
        try {
          compileTemplate(t).execute(data);
        } catch (err) {
          typed(err);
        }
      }),
      RUNS,
    );
  });

  it('filters, ulimits, cpus, restart, signals, devices, sysctls, links, names, security options', () => {
    fc.assert(
      fc.property(fc.array(text('a=b,:!', 16), { maxLength: 4 }), (raw) =>
        never(() => parseFilterArgs(raw, ['name', 'label', 'status']))(''),
      ),
      RUNS,
    );
    fc.assert(fc.property(text(`nofile=core:${DIGITS}-`), never(parseUlimit)), RUNS);
    fc.assert(fc.property(text(`${DIGITS}.-e/`), never(parseCpus)), RUNS);
    // A huge exponent is refused at once, as Go's big.Rat does, not computed digit by digit.
    const t0 = Date.now();
    expect(() => parseCpus('1e99999999')).to.throw('failed to parse 1e99999999 as a rational number');
    expect(Date.now() - t0).to.be.below(1000);
    fc.assert(fc.property(text(`always:on-failure${DIGITS}no`), never(parseRestartPolicy)), RUNS);
    fc.assert(fc.property(text(`SIGKILTERMHUP${DIGITS}+-`), never(parseSignal)), RUNS);
    fc.assert(fc.property(text('/dev/null:rwm'), never(parseDevice)), RUNS);
    fc.assert(fc.property(text('net.ipv4=kernel.shm1'), never(parseSysctl)), RUNS);
    fc.assert(fc.property(text('ab:/-_'), never(parseLink)), RUNS);
    fc.assert(fc.property(text(`${DIGITS}+-e x`), never(parseMtu)), RUNS);
    const bridgeKeys = [
      'com.docker.network.driver.mtu',
      'com.docker.network.bridge.enable_icc',
      'com.docker.network.bridge.host_binding_ipv4',
      'com.docker.network.container_iface_prefix',
      'com.example.other',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...bridgeKeys), text(`${DIGITS}.:tTrueFalse`), (k, v) =>
        never(() => checkBridgeOptions({ [k]: v }))(''),
      ),
      RUNS,
    );
    // Docker's defaults, written as Go reads them, are what tsdock's bridges do.
    checkBridgeOptions({
      'com.docker.network.bridge.enable_icc': 'True',
      'com.docker.network.bridge.enable_ip_masquerade': '1',
      'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
      'com.docker.network.driver.mtu': '0',
    });
    // What the kernel takes is kept; anything else is one of moby's refusals, never a bridge.
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 1e6 }), (n) => {
        try {
          expect(parseMtu(String(n))).to.equal(n);
          expect(n === 0 || (n >= 68 && n <= 65535)).to.equal(true);
        } catch (err) {
          expect((err as Error).message).to.match(/^Error response from daemon: invalid MTU number: -?\d+/);
        }
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.array(text('ab=_ ', 8), { maxLength: 4 }), (v) =>
        never(() => parseBuildArgs(v, {}))(''),
      ),
      RUNS,
    );
    fc.assert(fc.property(text('ab.-_\n '), never(validateHostname)), RUNS);
    fc.assert(fc.property(text(`ab:.[]${DIGITS}\n=`), never(validateExtraHost)), RUNS);
    fc.assert(
      fc.property(fc.array(text('seccomp=unconfined:label,no-new-privileges', 30), { maxLength: 3 }), (v) =>
        never(() => parseSecurityOpts(v, () => '{}'))(''),
      ),
      RUNS,
    );
  });
});
