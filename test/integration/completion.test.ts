/**
 * The completion scripts loaded into real shells complete live names from the suite's containerd:
 * bash always; zsh where it is installed (scripts/setup.sh installs Debian's zsh for this test; the
 * zsh part skips on a machine without it); fish's script is checked as text only (no fish here).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, repoRoot, target, testEnv, uniqueName } from '../harness/cli.js';

const hasZsh = spawnSync('zsh', ['--version']).status === 0;

describe('shell completion', function () {
  this.timeout(60_000);
  let bin = '';
  let name = '';
  let env: NodeJS.ProcessEnv = {};

  before(function () {
    if (target === 'docker') this.skip();
    // `tsdock` on PATH is this build, pointed at the suite's containerd by its environment.
    bin = mkdtempSync(join(tmpdir(), 'tsdock-compl-'));
    symlinkSync(join(repoRoot, 'bin', 'tsdock'), join(bin, 'tsdock'));
    const e = testEnv();
    env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      CONTAINERD_ADDRESS: e.address,
      CONTAINERD_NAMESPACE: e.namespace,
      TSDOCK_DATA_ROOT: e.dataRoot,
    };
    name = uniqueName('compl');
    ok(['create', '--name', name, '--network', 'none', e.image, 'true']);
  });

  after(() => {
    if (name) cli(['rm', '-f', name]);
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  it('completion bash|zsh|fish prints the script; other shells are refused', () => {
    expect(ok(['completion', 'bash']))
      .to.match(/^# bash completion for tsdock/)
      .and.include('complete -o default -F _tsdock tsdock');
    expect(ok(['completion', 'zsh'])).to.match(/^#compdef tsdock\n/);
    expect(ok(['completion', 'fish'])).to.include("complete -c tsdock -f -a '(__tsdock_complete)'");
    const bad = cli(['completion', 'tcsh']);
    expect(bad.code).to.equal(125);
    expect(bad.stderr).to.equal('tsdock completion: unsupported shell "tcsh" (bash, zsh or fish)\n');
    expect(cli(['completion']).code).to.equal(1);
  });

  /** COMPREPLY of the bash script for this command line (the cursor at its end). */
  function bashComplete(line: string): string[] {
    const script = [
      'source <(tsdock completion bash)',
      `COMP_LINE=${JSON.stringify(line)}`,
      'COMP_POINT=${#COMP_LINE}',
      'read -ra COMP_WORDS <<<"$COMP_LINE"',
      '[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")',
      'COMP_CWORD=$((${#COMP_WORDS[@]} - 1))',
      '_tsdock',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    return execFileSync('bash', ['-c', script], { env, encoding: 'utf8' }).split('\n').filter(Boolean);
  }

  it('bash: loads, completes commands, flags, flag values, and a container, an image and a network by name', () => {
    expect(bashComplete('tsdock netw')).to.deep.equal(['network']);
    expect(bashComplete('tsdock run --rest')).to.deep.equal(['--restart']);
    expect(bashComplete('tsdock run --restart un')).to.deep.equal(['unless-stopped']);
    expect(bashComplete(`tsdock rm ${name.slice(0, -3)}`)).to.deep.equal([name]);
    expect(bashComplete('tsdock start ')).to.include(name); // created, not running: start offers it
    expect(bashComplete('tsdock stop ')).to.not.include(name); // stop offers running ones only
    expect(bashComplete('tsdock rmi tsdock-te')).to.deep.equal([testEnv().image]);
    expect(bashComplete('tsdock run --network no')).to.deep.equal(['none']);
  });

  it('zsh: the script loads with compinit and completes a container name', function () {
    if (!hasZsh) this.skip(); // not installed on this machine (setup.sh installs it)
    const script = [
      'autoload -U compinit && compinit -u -D',
      'source <(tsdock completion zsh)',
      'print -r -- "registered: ${_comps[tsdock]}"',
      // _describe is zsh's; here it prints what it was given (zsh locals are visible to callees).
      '_describe() { print -rl -- "${described[@]}" }',
      '_files() { print -r -- FILES }',
      `words=(tsdock rm ${name.slice(0, -3)}); CURRENT=3`,
      '_tsdock',
      'words=(tsdock run --restart ""); CURRENT=4',
      '_tsdock',
    ].join('\n');
    const out = execFileSync('zsh', ['-f', '-c', script], { env, encoding: 'utf8' });
    const lines = out.split('\n');
    expect(lines[0]).to.equal('registered: _tsdock');
    expect(lines).to.include(`${name}:`);
    expect(lines).to.include.members(['no:', 'always:', 'on-failure:', 'unless-stopped:']);
  });
});
