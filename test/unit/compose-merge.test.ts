/**
 * The merge rules, on compose-go's own cases (override/*_test.go, extracted verbatim into
 * fixtures/compose-go-merge.json), and !reset / !override as the compose-spec describes them.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { applyResets, enforceUnicity, mergeTrees, takeResetPaths } from '../../src/runtime/compose/merge.js';
import { parseYaml } from '../../src/runtime/compose/yaml.js';

interface Case {
  file: string;
  name: string;
  base: string;
  override: string;
  want: string;
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/compose-go-merge.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const load = (s: string) => yaml.load(s, { schema: yaml.CORE_SCHEMA }) as Record<string, unknown>;

describe('compose merge (compose-go override tests)', function () {
  for (const c of fixture.cases) {
    it(`${c.file.replace('override/', '')}: ${c.name}`, function () {
      const got = enforceUnicity(mergeTrees(load(c.base), load(c.override)));
      expect(got).to.deep.equal(load(c.want));
    });
  }
});

describe('compose merge: !reset and !override (compose-spec 13-merge.md)', function () {
  const merge = (base: string, over: string) => {
    const b = parseYaml(base, 'base.yaml')[0]!.value as Record<string, unknown>;
    const o = parseYaml(over, 'override.yaml')[0]!.value as Record<string, unknown>;
    const resets = takeResetPaths(o);
    applyResets(b, resets);
    return enforceUnicity(mergeTrees(b, o));
  };

  it('!reset removes what the earlier file set', function () {
    const got = merge(
      'services:\n  app:\n    image: myapp\n    ports:\n      - "8080:80"\n    environment:\n      FOO: BAR\n',
      'services:\n  app:\n    image: myapp\n    ports: !reset []\n    environment:\n      FOO: !reset null\n',
    );
    expect(got).to.deep.equal({ services: { app: { image: 'myapp', environment: [] } } });
  });

  it('!override replaces instead of appending', function () {
    const got = merge(
      'services:\n  app:\n    image: myapp\n    ports:\n      - "8080:80"\n',
      'services:\n  app:\n    ports: !override\n      - "8443:443"\n',
    );
    expect(got).to.deep.equal({ services: { app: { image: 'myapp', ports: ['8443:443'] } } });
  });

  it('sequences append, mappings merge, command is replaced, volumes are unique by target', function () {
    const got = merge(
      'services:\n  foo:\n    key1: value1\n    key2: value2\n    dns: [1.1.1.1]\n    command: ["echo", "foo"]\n    volumes: ["foo:/work"]\n',
      'services:\n  foo:\n    key2: VALUE\n    key3: value3\n    dns: [8.8.8.8]\n    command: ["echo", "bar"]\n    volumes: ["bar:/work"]\n',
    );
    expect(got).to.deep.equal({
      services: {
        foo: {
          key1: 'value1',
          key2: 'VALUE',
          key3: 'value3',
          dns: ['1.1.1.1', '8.8.8.8'],
          command: ['echo', 'bar'],
          volumes: ['bar:/work'],
        },
      },
    });
  });
});
