/**
 * Loading projects from files on disk: discovery, names, environment files, profiles, extends,
 * anchors, validation errors (file, key path, line), and the compose-spec's own examples.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { loadProject, type LoadOptions } from '../../src/runtime/compose/load.js';
import { normalizeProjectName } from '../../src/runtime/compose/discover.js';
import { ComposeError } from '../../src/runtime/errors.js';
import { formatProject, renderProject } from '../../src/runtime/compose/serialize.js';

let root = '';
function files(tree: Record<string, string>, base = root): void {
  for (const [p, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(base, p)), { recursive: true });
    writeFileSync(join(base, p), text);
  }
}
function load(opts: Partial<LoadOptions> & { cwd: string }) {
  return loadProject({ files: [], envFiles: [], profiles: [], env: {}, ...opts });
}
function loadError(opts: Partial<LoadOptions> & { cwd: string }): ComposeError {
  try {
    load(opts);
  } catch (err) {
    expect(err).to.be.instanceOf(ComposeError);
    return err as ComposeError;
  }
  throw new Error('expected the project not to load');
}

describe('compose project loading', function () {
  beforeEach(function () {
    root = mkdtempSync(join(tmpdir(), 'tsdock-compose-'));
  });
  afterEach(function () {
    rmSync(root, { recursive: true, force: true });
  });

  describe('files and names', function () {
    it('finds compose.yaml in a parent directory with its override file', function () {
      files({
        'My_App.1/compose.yaml': 'services:\n  web:\n    image: busybox\n',
        'My_App.1/compose.override.yaml': 'services:\n  web:\n    command: ["true"]\n',
        'My_App.1/sub/dir/.keep': '',
      });
      const p = load({ cwd: join(root, 'My_App.1/sub/dir') });
      expect(p.configFiles).to.deep.equal([
        join(root, 'My_App.1/compose.yaml'),
        join(root, 'My_App.1/compose.override.yaml'),
      ]);
      expect(p.workingDir).to.equal(join(root, 'My_App.1'));
      expect(p.name).to.equal('my_app1');
      expect(p.services.web!.command).to.deep.equal(['true']);
    });

    it('prefers compose.yaml over docker-compose.yml and warns about both', function () {
      files({
        'p/compose.yaml': 'services: {a: {image: x}}\n',
        'p/docker-compose.yml': 'services: {b: {image: x}}\n',
      });
      const p = load({ cwd: join(root, 'p') });
      expect(Object.keys(p.services)).to.deep.equal(['a']);
      expect(p.warnings[0]).to.match(/^Found multiple config files with supported names: /);
    });

    it('no file: docker compose wording', function () {
      mkdirSync(join(root, 'empty'));
      expect(loadError({ cwd: join(root, 'empty') }).message).to.equal(
        'no configuration file provided: not found',
      );
      expect(loadError({ cwd: root, files: ['nope.yml'] }).message).to.equal(
        `open ${join(root, 'nope.yml')}: no such file or directory`,
      );
    });

    it('-f several files merge in order; -f - reads stdin', function () {
      files({
        'a.yml': 'services:\n  web:\n    image: busybox\n    environment: [A=1]\n',
        'b.yml': 'services:\n  web:\n    environment: [B=2]\n',
      });
      const p = load({
        cwd: root,
        files: ['a.yml', 'b.yml', '-'],
        readStdin: () => 'services:\n  web:\n    environment:\n      C: "3"\n',
      });
      expect(p.services.web!.environment).to.deep.equal({ A: '1', B: '2', C: '3' });
      expect(p.configFiles).to.deep.equal([join(root, 'a.yml'), join(root, 'b.yml'), '-']);
    });

    it('name: -p, then COMPOSE_PROJECT_NAME, then name:, then the directory', function () {
      files({ 'Dir/compose.yaml': 'name: "From File"\nservices: {a: {image: x}}\n', 'Dir/x': '' });
      const cwd = join(root, 'Dir');
      expect(load({ cwd }).name).to.equal('fromfile');
      expect(load({ cwd, env: { COMPOSE_PROJECT_NAME: 'envname' } }).name).to.equal('envname');
      expect(load({ cwd, projectName: 'flag', env: { COMPOSE_PROJECT_NAME: 'envname' } }).name).to.equal(
        'flag',
      );
      expect(loadError({ cwd, projectName: 'Bad Name' }).message).to.match(
        /^invalid project name "Bad Name": must consist only of lowercase/,
      );
      expect(normalizeProjectName('_-My Project.2')).to.equal('myproject2');
    });

    it('--project-directory sets the working directory, its .env and relative paths', function () {
      files({
        'conf/compose.yaml': 'services:\n  web:\n    image: busybox:${TAG}\n    env_file: app.env\n',
        'proj/.env': 'TAG=1.36\n',
        'proj/app.env': 'X=1\n',
      });
      const p = load({ cwd: root, files: ['conf/compose.yaml'], projectDirectory: 'proj' });
      expect(p.workingDir).to.equal(join(root, 'proj'));
      expect(p.name).to.equal('proj');
      expect(p.services.web!.image).to.equal('busybox:1.36');
      expect(p.services.web!.environment).to.deep.equal({ X: '1' });
    });
  });

  describe('environment', function () {
    it('.env feeds interpolation; the process environment wins; --env-file replaces .env', function () {
      files({
        'p/compose.yaml':
          'services:\n  web:\n    image: "${IMG}:${TAG:-latest}"\n    environment:\n      - GREETING=${HELLO?hello is required}\n',
        'p/.env': '# comment\nIMG=busybox\nexport TAG=1.0\nHELLO="hi ${IMG}"\n',
        'p/other.env': 'IMG=other\nHELLO=yo\n',
      });
      const cwd = join(root, 'p');
      let p = load({ cwd });
      expect(p.services.web!.image).to.equal('busybox:1.0');
      expect(p.services.web!.environment).to.deep.equal({ GREETING: 'hi busybox' });
      p = load({ cwd, env: { TAG: '2.0' } });
      expect(p.services.web!.image).to.equal('busybox:2.0');
      p = load({ cwd, envFiles: ['other.env'] });
      expect(p.services.web!.image).to.equal('other:latest');
      files({ 'p/.env': 'IMG=busybox\n' });
      expect(loadError({ cwd }).message).to.equal(
        'error while interpolating services.web.environment.[]: required variable HELLO is missing a value: hello is required',
      );
    });

    it('warns once about a variable that is not set', function () {
      files({
        'p/compose.yaml': 'services:\n  web:\n    image: "busybox${NOPE}"\n    command: "echo ${NOPE}"\n',
      });
      const p = load({ cwd: join(root, 'p') });
      expect(p.warnings).to.deep.equal(['The "NOPE" variable is not set. Defaulting to a blank string.']);
      expect(p.services.web!.command).to.deep.equal(['echo']);
    });

    it('env_file then environment; bare keys from the project environment; required: false', function () {
      files({
        'p/compose.yaml':
          'services:\n  web:\n    image: x\n    env_file:\n      - a.env\n      - path: missing.env\n        required: false\n    environment:\n      B: override\n      FROM_HOST:\n      NOT_SET:\n',
        'p/a.env': 'A=1\nB=2\nQ="line1\\nline2"\n',
      });
      const p = load({ cwd: join(root, 'p'), env: { FROM_HOST: 'h' } });
      expect(p.services.web!.environment).to.deep.equal({
        A: '1',
        B: 'override',
        Q: 'line1\nline2',
        FROM_HOST: 'h',
        NOT_SET: null,
      });
      files({ 'p/compose.yaml': 'services:\n  web:\n    image: x\n    env_file: [missing.env]\n' });
      expect(loadError({ cwd: join(root, 'p') }).message).to.match(/^env file .*missing\.env not found/);
    });
  });

  describe('profiles', function () {
    const yaml =
      'services:\n  web:\n    image: x\n  debug:\n    image: x\n    profiles: [debug]\n  tools:\n    image: x\n    profiles: [tools, debug]\n';
    it('services with profiles are off unless a profile or the service itself is asked for', function () {
      files({ 'p/compose.yaml': yaml });
      const cwd = join(root, 'p');
      expect(Object.keys(load({ cwd }).services)).to.deep.equal(['web']);
      expect(Object.keys(load({ cwd, profiles: ['debug'] }).services)).to.deep.equal([
        'web',
        'debug',
        'tools',
      ]);
      expect(Object.keys(load({ cwd, env: { COMPOSE_PROFILES: 'tools' } }).services)).to.deep.equal([
        'web',
        'tools',
      ]);
      // Naming a service enables all of its profiles (compose-go's WithServicesEnabled).
      expect(Object.keys(load({ cwd, services: ['tools'] }).services)).to.deep.equal([
        'web',
        'debug',
        'tools',
      ]);
      expect(Object.keys(load({ cwd, profiles: ['*'] }).services)).to.have.length(3);
    });
  });

  describe('extends', function () {
    it('same file and another file (paths relative to that file), chained', function () {
      files({
        'p/compose.yaml':
          'services:\n  base:\n    image: busybox\n    environment: [A=1]\n  web:\n    extends: base\n    environment: [B=2]\n  api:\n    extends:\n      file: common/common.yaml\n      service: app\n    command: ["serve"]\n',
        'p/common/common.yaml':
          'services:\n  root:\n    image: alpine\n    env_file: root.env\n  app:\n    extends: root\n    command: ["idle"]\n    labels: [tier=app]\n',
        'p/common/root.env': 'FROM_ROOT=yes\n',
      });
      const p = load({ cwd: join(root, 'p') });
      expect(p.services.web!.image).to.equal('busybox');
      expect(p.services.web!.environment).to.deep.equal({ A: '1', B: '2' });
      expect(p.services.api!.image).to.equal('alpine');
      expect(p.services.api!.command).to.deep.equal(['serve']);
      expect(p.services.api!.labels).to.deep.equal({ tier: 'app' });
      expect(p.services.api!.environment).to.deep.equal({ FROM_ROOT: 'yes' });
    });

    it('a cycle is reported', function () {
      files({ 'p/compose.yaml': 'services:\n  a:\n    extends: b\n  b:\n    extends: a\n' });
      expect(loadError({ cwd: join(root, 'p') }).message).to.match(
        /^Circular reference:\n {2}a in .*\n {2}extends b in .*\n {2}extends a in /,
      );
    });

    it('a missing base service is reported', function () {
      files({ 'p/compose.yaml': 'services:\n  a:\n    image: x\n    extends: nope\n' });
      expect(loadError({ cwd: join(root, 'p') }).message).to.match(
        /^cannot extend service "a" in .*: service "nope" not found$/,
      );
    });
  });

  describe('YAML features (compose-spec 10-fragments.md)', function () {
    it('anchors, aliases and merge keys', function () {
      files({
        'p/compose.yaml':
          'x-common: &common\n  image: busybox\n  restart: always\nservices:\n  first:\n    <<: *common\n    environment: &env\n      FOO: BAR\n      ZOT: QUIX\n  second:\n    <<: *common\n    image: another-image:latest\n    environment:\n      <<: *env\n      YET_ANOTHER: VARIABLE\n',
      });
      const p = load({ cwd: join(root, 'p') });
      expect(p.services.first!.image).to.equal('busybox');
      expect(p.services.first!.raw.restart).to.equal('always');
      expect(p.services.second!.image).to.equal('another-image:latest');
      expect(p.services.second!.environment).to.deep.equal({
        FOO: 'BAR',
        ZOT: 'QUIX',
        YET_ANOTHER: 'VARIABLE',
      });
    });

    it('sequence anchors (example 2) and the volume merge of example 3', function () {
      files({
        'p/compose.yaml':
          'services:\n  first:\n    image: my-image:latest\n    environment: &env\n      - CONFIG_KEY\n      - EXAMPLE_KEY\n  second:\n    image: another-image:latest\n    environment: *env\nvolumes:\n  db-data: &default-volume\n    driver: default\n    name: "data"\n  metrics:\n    <<: *default-volume\n    name: "metrics"\n',
      });
      const p = load({ cwd: join(root, 'p'), env: { CONFIG_KEY: 'c' } });
      expect(p.services.second!.environment).to.deep.equal({ CONFIG_KEY: 'c', EXAMPLE_KEY: null });
      expect(p.model.volumes).to.deep.equal({
        'db-data': { driver: 'default', name: 'data' },
        metrics: { driver: 'default', name: 'metrics' },
      });
    });
  });

  describe('validation', function () {
    it('a schema error names the file, the key path and its line', function () {
      files({
        'p/compose.yaml': 'services:\n  web:\n    image: busybox\n',
        'p/extra.yaml': '# comment\nservices:\n  web:\n    environment:\n      A: 1\n    restartt: always\n',
      });
      const err = loadError({ cwd: join(root, 'p'), files: ['compose.yaml', 'extra.yaml'] });
      expect(err.message).to.equal(
        `validating ${join(root, 'p/extra.yaml')}: services.web additional properties 'restartt' not allowed (line 6)`,
      );
      expect(err.exitCode).to.equal(1);
    });

    it('type errors in the validator docker compose uses words', function () {
      const cases: [string, string][] = [
        ['services:\n  foo: busybox\n', 'services.foo must be a mapping (line 2)'],
        [
          'services:\n  foo:\n    image: ["busybox", "latest"]\n',
          'services.foo.image must be a string (line 3)',
        ],
        [
          'services:\n  dict-env:\n    image: busybox\n    environment:\n      FOO: ["1"]\n',
          'services.dict-env.environment.FOO must be a boolean, null, number or string (line 5)',
        ],
        [
          'services:\n  foo:\n    image: x\n    ports:\n      - target: 80\n        published: 8080\n        foo: 1\n',
          "services.foo.ports.0 additional properties 'foo' not allowed (line 7)",
        ],
        ['volumes:\n  data: local\n', 'volumes.data must be a mapping or null (line 2)'],
      ];
      for (const [yaml, want] of cases) {
        files({ 'p/compose.yaml': yaml });
        expect(loadError({ cwd: join(root, 'p') }).message).to.equal(
          `validating ${join(root, 'p/compose.yaml')}: ${want}`,
        );
      }
    });

    it('YAML syntax errors carry the line', function () {
      files({ 'p/compose.yaml': 'services:\n  web:\n    image: busybox\n   bad: [\n' });
      expect(loadError({ cwd: join(root, 'p') }).message).to.match(
        /^failed to parse .*compose\.yaml: yaml: line \d+: /,
      );
      files({ 'p/compose.yaml': '["a"]\n' });
      expect(loadError({ cwd: join(root, 'p') }).message).to.equal('top-level object must be a mapping');
    });

    it('references to undefined services and networks, cycles', function () {
      files({ 'p/compose.yaml': 'services:\n  web:\n    image: x\n    depends_on: [db]\n' });
      expect(loadError({ cwd: join(root, 'p') }).message).to.equal(
        'service "web" depends on undefined service "db": invalid compose project',
      );
      files({ 'p/compose.yaml': 'services:\n  web:\n    image: x\n    networks: [front]\n' });
      expect(loadError({ cwd: join(root, 'p') }).message).to.equal(
        'service "web" refers to undefined network front: invalid compose project',
      );
      files({
        'p/compose.yaml':
          'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n',
      });
      // Found while loading, before anything is created for the project.
      expect(loadError({ cwd: join(root, 'p') }).message).to.equal('dependency cycle detected: a -> b -> a');
      files({
        'p/compose.yaml':
          'services:\n  web:\n    build: .\n    image: x\n    scale: 2\n    deploy: {replicas: 3}\n',
      });
      expect(loadError({ cwd: join(root, 'p') }).message).to.equal(
        "services.web: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project",
      );
    });

    it('version is obsolete: a warning, not an error', function () {
      files({ 'p/compose.yaml': 'version: "3.8"\nservices:\n  web:\n    image: x\n' });
      const p = load({ cwd: join(root, 'p') });
      expect(p.warnings[0]).to.equal(
        `${join(root, 'p/compose.yaml')}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
      );
    });
  });

  describe('normalisation', function () {
    it('ports and volumes in long form, the default network, names, implied depends_on, relative binds', function () {
      files({
        'p/compose.yaml':
          'services:\n  web:\n    image: x\n    ports: ["127.0.0.1:8080:80/tcp", "9000-9001:90-91", 53]\n    volumes: ["./data:/data:ro", "cache:/cache/", "/anon"]\n  side:\n    image: x\n    network_mode: "service:web"\nvolumes:\n  cache: {}\n',
      });
      const p = load({ cwd: join(root, 'p') });
      const web = p.services.web!;
      expect(web.ports).to.deep.equal([
        { target: 80, published: '8080', host_ip: '127.0.0.1', protocol: 'tcp', mode: 'ingress' },
        { target: 90, published: '9000', protocol: 'tcp', mode: 'ingress' },
        { target: 91, published: '9001', protocol: 'tcp', mode: 'ingress' },
        { target: 53, protocol: 'tcp', mode: 'ingress' },
      ]);
      expect(web.raw.volumes).to.deep.equal([
        {
          type: 'bind',
          source: join(root, 'p/data'),
          target: '/data',
          read_only: true,
          bind: { create_host_path: true },
        },
        { type: 'volume', source: 'cache', target: '/cache', volume: {} },
        { type: 'volume', target: '/anon', volume: {} },
      ]);
      expect(web.networks).to.deep.equal({ default: { aliases: [] } });
      expect(p.networks.default!.name).to.equal('p_default');
      expect((p.model.volumes as Record<string, { name: string }>).cache!.name).to.equal('p_cache');
      expect(p.services.side!.dependsOn).to.deep.equal({
        web: { condition: 'service_started', required: true, restart: true },
      });
      expect(p.services.side!.networks).to.deep.equal({});
    });

    it('compose config renders the canonical model, $ doubled', function () {
      files({
        'p/compose.yaml':
          'services:\n  web:\n    image: x\n    command: echo "$$HOME"\n    mem_limit: 256m\n',
      });
      const out = formatProject(renderProject(load({ cwd: join(root, 'p') })), 'yaml');
      expect(out).to.equal(
        'name: p\nservices:\n  web:\n    command:\n      - echo\n      - $$HOME\n    image: x\n    mem_limit: 268435456\n    networks:\n      default: null\nnetworks:\n  default:\n    name: p_default\n',
      );
    });
  });
});
