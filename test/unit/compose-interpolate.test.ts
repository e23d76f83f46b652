/**
 * Interpolation, with compose-go's own template test cases (template/template_test.go) and its
 * typed-path casts (loader/interpolate.go).
 */
import { expect } from 'chai';
import {
  interpolateTree,
  InvalidTemplateError,
  MissingRequiredError,
  substitute,
} from '../../src/runtime/compose/interpolate.js';

const defaults: Record<string, string> = { FOO: 'first', BAR: '', JSON: '{"json":2}' };
const lookup = (k: string) => defaults[k];
const sub = (t: string) => substitute(t, lookup);

describe('compose interpolation (compose-go template tests)', function () {
  it('escaped $$', function () {
    expect(sub('$${foo}')).to.equal('${foo}');
  });

  it('no match and lone dollars are kept', function () {
    expect(sub('foo')).to.equal('foo');
    for (const t of ['a $ string', '^REGEX$', '$}', '$']) expect(sub(t)).to.equal(t);
  });

  it('invalid templates', function () {
    for (const t of ['${', '${}', '${ }', '${ foo}', '${foo }', '${foo!}']) {
      expect(() => sub(t), t).to.throw(InvalidTemplateError);
    }
  });

  it('non-braced name ends at the first non-name character', function () {
    expect(sub('$FOO-bar')).to.equal('first-bar');
  });

  it('unset or empty without default is blank', function () {
    expect(sub('This ${missing} var')).to.equal('This  var');
    expect(sub('This ${BAR} var')).to.equal('This  var');
    expect(sub('This $FOO var')).to.equal('This first var');
    expect(sub('This ${FOO} var')).to.equal('This first var');
  });

  it('defaults: `:-` for unset or empty, `-` for unset', function () {
    expect(sub('ok ${missing:-def}')).to.equal('ok def');
    expect(sub('ok ${missing-def}')).to.equal('ok def');
    expect(sub('ok ${BAR:-def}')).to.equal('ok def');
    expect(sub('ok ${FOO:-def}')).to.equal('ok first');
    expect(sub('ok ${BAR-def}')).to.equal('ok ');
    expect(sub('ok ${BAR:-/non:-alphanumeric}')).to.equal('ok /non:-alphanumeric');
  });

  it('alternatives: `:+` when set and non-empty, `+` when set', function () {
    expect(sub('ok ${UNSET_VAR:+presence_value}')).to.equal('ok ');
    expect(sub('ok ${UNSET_VAR+presence_value}')).to.equal('ok ');
    expect(sub('ok ${FOO:+presence_value}')).to.equal('ok presence_value');
    expect(sub('ok ${FOO+presence_value}')).to.equal('ok presence_value');
    expect(sub('ok ${BAR+presence_value}')).to.equal('ok presence_value');
    expect(sub('ok ${BAR:+presence_value}')).to.equal('ok ');
  });

  it('text around the expression does not change its operator', function () {
    const cases: [string, string][] = [
      ['-ok ${BAR:-defaultValue}', '-ok defaultValue'],
      ['+ok ${UNSET:-${BAR-defaultValue}}', '+ok '],
      ['-ok ${FOO:-defaultValue}', '-ok first'],
      [':-ok ${UNSET-defaultValue}', ':-ok defaultValue'],
      [':-ok ${BAR-defaultValue}', ':-ok '],
      [':?ok ${BAR-defaultValue}', ':?ok '],
      [':?ok ${BAR:-defaultValue}', ':?ok defaultValue'],
      [':+ok ${BAR:-defaultValue}', ':+ok defaultValue'],
      ['+ok ${BAR-defaultValue}', '+ok '],
      ['?ok ${BAR:-defaultValue}', '?ok defaultValue'],
    ];
    for (const [t, want] of cases) expect(sub(t), t).to.equal(want);
  });

  it('nested expansion in defaults', function () {
    const cases: [string, string][] = [
      ['ok ${UNSET_VAR-$FOO}', 'ok first'],
      ['ok ${UNSET_VAR-${FOO}}', 'ok first'],
      ['ok ${UNSET_VAR-${FOO} ${FOO}}', 'ok first first'],
      ['ok ${BAR:-$FOO}', 'ok first'],
      ['ok ${BAR:-${FOO}}', 'ok first'],
      ['ok ${BAR:-${FOO} ${FOO}}', 'ok first first'],
      ['ok ${BAR+$FOO}', 'ok first'],
      ['ok ${BAR+$FOO ${FOO:+second}}', 'ok first second'],
    ];
    for (const [t, want] of cases) expect(sub(t), t).to.equal(want);
  });

  it('required variables: `:?` and `?`, with nested messages', function () {
    const cases: [string, string][] = [
      [
        'not ok ${UNSET_VAR:?Mandatory Variable Unset}',
        'required variable UNSET_VAR is missing a value: Mandatory Variable Unset',
      ],
      [
        'not ok ${BAR:?Mandatory Variable Empty}',
        'required variable BAR is missing a value: Mandatory Variable Empty',
      ],
      ['not ok ${UNSET_VAR:?}', 'required variable UNSET_VAR is missing a value'],
      [
        'not ok ${UNSET_VAR?Mandatory Variable Unset}',
        'required variable UNSET_VAR is missing a value: Mandatory Variable Unset',
      ],
      ['not ok ${UNSET_VAR?}', 'required variable UNSET_VAR is missing a value'],
      [
        'not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}',
        'required variable UNSET_VAR is missing a value: Mandatory Variable first',
      ],
      [
        'not ok ${UNSET_VAR?Mandatory Variable ${FOO}}',
        'required variable UNSET_VAR is missing a value: Mandatory Variable first',
      ],
    ];
    for (const [t, msg] of cases) {
      expect(() => sub(t), t).to.throw(MissingRequiredError, msg);
    }
    expect(sub('ok ${FOO:?err}')).to.equal('ok first');
    expect(sub('ok ${FOO?err}')).to.equal('ok first');
    expect(sub('ok ${BAR?err}')).to.equal('ok ');
  });

  it('precedence: the first operator in the text wins', function () {
    expect(() => sub('${UNSET_VAR?bar-baz}')).to.throw(
      'required variable UNSET_VAR is missing a value: bar-baz',
    );
    expect(sub('${UNSET_VAR-myerror?msg}')).to.equal('myerror?msg');
    expect(sub('${FOO?bar-baz}')).to.equal('first');
    expect(sub('${BAR:-default_value_for_empty_var}')).to.equal('default_value_for_empty_var');
    expect(sub('${UNSET_VAR-default_value_for_unset_var}')).to.equal('default_value_for_unset_var');
    expect(sub('ok ${SUBDOMAIN:-redis}.${FOO:?}')).to.equal('ok redis.first');
  });

  it('curly braces inside defaults', function () {
    for (const t of ['ok ${missing:-{"json":1}}', 'ok ${missing-{"json":1}}'])
      expect(sub(t)).to.equal('ok {"json":1}');
    for (const t of ['ok ${JSON:-{"json":1}}', 'ok ${JSON-{"json":1}}'])
      expect(sub(t)).to.equal('ok {"json":2}');
  });

  it('warns once per unset variable, not for a default that is not used', function () {
    const unset: string[] = [];
    substitute('${A:+${A},}B', lookup, { onUnset: (n) => unset.push(n) });
    expect(unset).to.deep.equal([]);
    substitute('${A:-${B}}', lookup, { onUnset: (n) => unset.push(n) });
    expect(unset).to.deep.equal(['B']);
  });
});

describe('compose interpolation of a file', function () {
  const env: Record<string, string> = { PORT: '8080', RO: 'yes', N: '3', CPUS: '0.5' };
  const look = (k: string) => env[k];

  it('casts typed paths and leaves keys alone', function () {
    const out = interpolateTree(
      {
        services: {
          web: {
            image: 'img:${N}',
            ports: [{ target: '${PORT}' }],
            read_only: '${RO}',
            deploy: { replicas: '${N}' },
            cpus: '${CPUS}',
            environment: { '${N}': '$${N}' },
          },
        },
      },
      look,
    );
    expect(out).to.deep.equal({
      services: {
        web: {
          image: 'img:3',
          ports: [{ target: 8080 }],
          read_only: true,
          deploy: { replicas: 3 },
          cpus: 0.5,
          environment: { '${N}': '${N}' },
        },
      },
    });
  });

  it('names the key path in errors, as compose-go does', function () {
    expect(() => interpolateTree({ services: { web: { image: '${' } } }, look)).to.throw(
      'invalid interpolation format for services.web.image.\nYou may need to escape any $ with another $.\n${',
    );
    expect(() => interpolateTree({ services: { web: { image: '${X:?need X}' } } }, look)).to.throw(
      'error while interpolating services.web.image: required variable X is missing a value: need X',
    );
    expect(() => interpolateTree({ services: { web: { scale: '${RO}' } } }, look)).to.throw(
      'error while interpolating services.web.scale: failed to cast to expected type',
    );
  });
});
