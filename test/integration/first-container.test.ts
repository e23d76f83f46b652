/**
 * The README's first container, as a newcomer types it: setup's image step (scripts/hello-image.sh,
 * which setup.sh runs) builds tsdock/hello with tsdock itself, then the README's main-job line and
 * its curl run as written — against the suite's private containerd, its own bridge, and a free
 * host port in place of 8080 (open-issues: not the system containerd, not the host's port 8080).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, repoRoot, target, testEnv, uniqueName } from '../harness/cli.js';
import { freePort } from '../harness/net.js';

/** The first line of a README code block that starts with `prefix`. */
function readmeLine(prefix: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const line = readme
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`README.md has no line starting with '${prefix}'`);
  return line.replace(/\s+#.*$/, '');
}

describe("the README's first container", function () {
  this.timeout(180_000);
  const image = 'tsdock/hello';
  let name = '';

  before(function () {
    if (target === 'docker') this.skip(); // the image is built by tsdock's own build
  });

  after(() => {
    if (name) cli(['rm', '-f', name]);
    cli(['rmi', image]);
  });

  it("setup's image step builds tsdock/hello offline, with tsdock build", () => {
    const e = testEnv();
    const out = execFileSync('bash', [join(repoRoot, 'scripts', 'hello-image.sh')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        CONTAINERD_ADDRESS: e.address,
        CONTAINERD_NAMESPACE: e.namespace,
        TSDOCK_DATA_ROOT: e.dataRoot,
      },
    });
    expect(out).to.include(`built ${image}`);
    // setup.sh runs exactly this script.
    expect(readFileSync(join(repoRoot, 'scripts', 'setup.sh'), 'utf8')).to.match(/scripts\/hello-image\.sh/);
    const config = JSON.parse(ok(['image', 'inspect', '--format', '{{json .Config}}', image])) as {
      Cmd: string[];
      WorkingDir: string;
      ExposedPorts: Record<string, unknown>;
    };
    expect(config.Cmd).to.deep.equal(['httpd', '-f', '-v', '-p', '80']);
    expect(config.WorkingDir).to.equal('/www');
    expect(Object.keys(config.ExposedPorts)).to.deep.equal(['80/tcp']);
  });

  it('the main-job line as written, then curl gets the page', async () => {
    const line = readmeLine('tsdock run -d -p 8080:80');
    expect(line).to.include(image);
    expect(line, 'the line is run word by word: no quoting in it').to.not.match(/['"\\$`]/);
    const port = await freePort();
    name = uniqueName('web');
    const args = line
      .split(/\s+/)
      .slice(1)
      .map((w) => (w === '8080:80' ? `${port}:80` : w));
    const at = args.indexOf('--name');
    expect(at, 'the line names its container').to.be.greaterThan(-1);
    args[at + 1] = name;
    const id = ok(args).trim();
    expect(id).to.match(/^[0-9a-f]{64}$/);
    expect(ok(['inspect', '--format', '{{.HostConfig.Memory}}', name]).trim()).to.equal('268435456');

    const curlLine = readmeLine('curl localhost:8080');
    const url = curlLine.split(/\s+/)[1]!.replace('8080', String(port));
    let page = '';
    for (let i = 0; i < 50 && !page.includes('Hello from tsdock'); i++) {
      try {
        page = execFileSync('curl', ['-sS', '-m', '3', url], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(page).to.include('<h1>Hello from tsdock</h1>');
    // httpd -v logs each request (client address and status): the container's log shows it.
    expect(ok(['logs', name]) + cli(['logs', name]).stderr).to.match(/response:200/);
  });
});
