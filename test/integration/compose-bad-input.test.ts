/**
 * Compose's bad inputs through the command line: each gets docker compose's message on stderr and
 * its exit status (1 for a project that cannot be loaded or a service that does not exist; 125
 * for a key tsdock refuses), never a stack trace, and nothing is created (no container, network
 * or volume of the project).
 */
import { expect } from 'chai';
import { ok, target } from '../harness/cli.js';
import { img, Project } from '../harness/compose.js';

interface BadInput {
  what: string;
  files: Record<string, string>;
  args?: string[];
  env?: string;
  code: number;
  /** The whole of stderr, `$DIR` standing for the project directory. */
  stderr: string;
}

/** `@IMG@` stands for the suite's image. */
const corpus: BadInput[] = [
  {
    what: 'YAML that does not parse',
    files: { 'compose.yaml': `services:\n  web:\n    image: [unclosed\n` },
    code: 1,
    stderr:
      'failed to parse $DIR/compose.yaml: yaml: line 4: unexpected end of the stream within a flow collection',
  },
  {
    what: 'a tab in the indentation',
    files: { 'compose.yaml': `services:\n\tweb:\n    image: x\n` },
    code: 1,
    stderr: 'failed to parse $DIR/compose.yaml: yaml: line 2: tab characters must not be used in indentation',
  },
  {
    what: 'a top level that is not a mapping',
    files: { 'compose.yaml': `- services\n` },
    code: 1,
    stderr: 'top-level object must be a mapping',
  },
  {
    what: 'a required variable unset',
    files: { 'compose.yaml': `services:\n  web:\n    image: \${TSDOCK_UNSET_IMAGE:?set the image}\n` },
    code: 1,
    stderr:
      'error while interpolating services.web.image: required variable TSDOCK_UNSET_IMAGE is missing a value: set the image',
  },
  {
    what: 'an unclosed interpolation',
    files: { 'compose.yaml': `services:\n  web:\n    image: \${TSDOCK_X\n` },
    code: 1,
    stderr:
      'invalid interpolation format for services.web.image.\nYou may need to escape any $ with another $.\n${TSDOCK_X',
  },
  {
    what: 'a key the schema does not know',
    files: { 'compose.yaml': `services:\n  web:\n    image: @IMG@\n    restartt: always\n` },
    code: 1,
    stderr:
      "validating $DIR/compose.yaml: services.web additional properties 'restartt' not allowed (line 4)",
  },
  {
    what: 'a value of the wrong type',
    files: { 'compose.yaml': `services:\n  web:\n    image: @IMG@\n    ports: 80\n` },
    code: 1,
    stderr: 'validating $DIR/compose.yaml: services.web.ports must be a array (line 4)',
  },
  {
    what: 'a service without image or build',
    files: { 'compose.yaml': `services:\n  web:\n    command: "true"\n` },
    code: 1,
    stderr: 'service "web" has neither an image nor a build context specified: invalid compose project',
  },
  {
    what: 'a dependency on an undefined service',
    files: { 'compose.yaml': `services:\n  web:\n    image: @IMG@\n    depends_on: [db]\n` },
    code: 1,
    stderr: 'service "web" depends on undefined service "db": invalid compose project',
  },
  {
    what: 'a dependency cycle',
    files: {
      'compose.yaml': `services:\n  a:\n    image: @IMG@\n    depends_on: [b]\n  b:\n    image: @IMG@\n    depends_on: [a]\n`,
    },
    code: 1,
    stderr: 'dependency cycle detected: a -> b -> a',
  },
  {
    what: 'an unknown service on the command line',
    files: { 'compose.yaml': `services:\n  web:\n    image: @IMG@\n` },
    args: ['up', '-d', 'nosuch'],
    code: 1,
    stderr: 'no such service: nosuch',
  },
  {
    what: 'an undefined volume',
    files: { 'compose.yaml': `services:\n  web:\n    image: @IMG@\n    volumes: ["data:/data"]\n` },
    code: 1,
    stderr: 'service "web" refers to undefined volume data: invalid compose project',
  },
  {
    what: 'a key tsdock refuses',
    files: { 'compose.yaml': `services:\n  web:\n    image: @IMG@\n    gpus: all\n` },
    code: 125,
    stderr: 'tsdock compose does not support services.web.gpus yet',
  },
];

describe('compose: bad input', function () {
  this.timeout(60_000);
  if (target !== 'tsdock') return;
  for (const bad of corpus) {
    it(`${bad.what}: its message, exit ${bad.code}, nothing created`, function () {
      const p = new Project();
      try {
        // The suite's image is known once its setup has run, after the corpus is listed.
        p.write(
          Object.fromEntries(Object.entries(bad.files).map(([f, t]) => [f, t.replace(/@IMG@/g, img())])),
        );
        const r = p.run(bad.args ?? ['up', '-d']);
        expect(r.code, r.stderr).to.equal(bad.code);
        expect(r.stderr.trimEnd()).to.equal(bad.stderr.replace('$DIR', p.dir));
        expect(r.stderr).to.not.match(/^\s+at /m);
        expect(r.stdout).to.equal('');
        expect(p.containers().size).to.equal(0);
        const label = `label=com.docker.compose.project=${p.name}`;
        expect(ok(['network', 'ls', '-q', '--filter', label])).to.equal('');
        expect(ok(['volume', 'ls', '-q', '--filter', label])).to.equal('');
      } finally {
        p.cleanup();
      }
    });
  }
});
