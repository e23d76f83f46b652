/** What shell completion offers for the words typed, decided from the manifest (src/cli/completion.ts). */
import { expect } from 'chai';
import { argumentKinds, completionLines, completionsFor } from '../../src/cli/completion.js';
import { loadHelpSource } from '../../src/cli/help.js';

describe('completion: what to offer', () => {
  const src = loadHelpSource();
  const plan = (...words: string[]) => completionsFor(words, src);
  const names = (...words: string[]) => plan(...words).items.map(([n]) => n);

  it("reads argument kinds from Docker's usage lines", () => {
    expect(argumentKinds('[OPTIONS] CONTAINER [CONTAINER...]')).to.deep.equal({
      kinds: [['CONTAINER'], ['CONTAINER']],
      repeats: true,
    });
    expect(argumentKinds('[OPTIONS] IMAGE [COMMAND] [ARG...]').kinds).to.deep.equal([
      ['IMAGE'],
      ['COMMAND'],
      ['ARG'],
    ]);
    expect(argumentKinds('CONTAINER [ps OPTIONS]').kinds).to.deep.equal([['CONTAINER'], ['ps OPTIONS']]);
    expect(argumentKinds('[OPTIONS] PATH | URL | -').kinds).to.deep.equal([['PATH', 'URL', '-']]);
    expect(argumentKinds('SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]').kinds).to.deep.equal([
      ['SOURCE_IMAGE'],
      ['TARGET_IMAGE'],
    ]);
    expect(argumentKinds('[OPTIONS] NAME|ID [NAME|ID...]').kinds[0]).to.deep.equal(['NAME', 'ID']);
  });

  it('commands, groups and their commands, with descriptions; hidden ones never', () => {
    expect(names('r')).to.include.members(['run', 'rm', 'rmi', 'restart', 'rename']);
    expect(names('')).to.include.members(['network', 'container', 'image', 'completion']);
    expect(names('')).to.not.include('internal');
    expect(plan('').items.find(([n]) => n === 'network')![1]).to.equal('Manage networks');
    expect(names('network', '')).to.deep.equal([
      'connect',
      'create',
      'disconnect',
      'inspect',
      'ls',
      'prune',
      'rm',
    ]);
    expect(names('container', '')).to.include('ls').and.not.include('list');
  });

  it('flags of the command, global flags before it, values of the flag being given', () => {
    expect(names('run', '--')).to.include.members(['--memory', '--network', '--restart', '--rm']);
    expect(names('--')).to.include.members(['--address', '--namespace', '--data-root']);
    expect(names('--namespace', 'x', 'ps', '--')).to.include('--all');
    expect(names('run', '--restart', '')).to.deep.equal(['no', 'always', 'on-failure', 'unless-stopped']);
    expect(names('run', '--pull', '')).to.deep.equal(['always', 'missing', 'never']);
    const eq = plan('run', '--restart=');
    expect(eq.prefix).to.equal('--restart=');
    expect(completionLines(eq, '--restart=al', [])).to.equal('--restart=always\n:\n');
    expect(plan('run', '--network', '').live).to.deep.equal([{ kind: 'networks' }]);
    expect(plan('run', '--env-file', '').files).to.equal(true);
  });

  it("positional arguments by Docker's usage: containers (by state), images, networks, files", () => {
    expect(plan('rm', '').live).to.deep.equal([{ kind: 'containers' }]);
    expect(plan('rm', 'a', '-f', '').live).to.deep.equal([{ kind: 'containers' }]);
    expect(plan('stop', '').live).to.deep.equal([{ kind: 'containers', state: 'running' }]);
    expect(plan('start', '').live).to.deep.equal([{ kind: 'containers', state: 'stopped' }]);
    expect(plan('run', '-d', '-p', '80:80', '').live).to.deep.equal([{ kind: 'images' }]);
    expect(plan('rmi', '').live).to.deep.equal([{ kind: 'images' }]);
    expect(plan('network', 'connect', '').live).to.deep.equal([{ kind: 'networks' }]);
    expect(plan('network', 'connect', 'n', '').live).to.deep.equal([{ kind: 'containers' }]);
    expect(plan('network', 'create', '').live).to.deep.equal([]);
    expect(plan('cp', '').live).to.deep.equal([{ kind: 'containers', suffix: ':' }]);
    expect(plan('cp', '').files).to.equal(true);
    // After run's image: the container's command, left to the shell.
    const cmd = plan('run', 'img', '');
    expect(cmd.live).to.deep.equal([]);
    expect(cmd.files).to.equal(true);
    expect(plan('run', 'img', '--').items).to.deep.equal([]);
  });

  it('prints candidates that start with the word typed, live names after fixed ones, then the directive', () => {
    const c = plan('rm', 'w');
    expect(completionLines(c, 'w', ['web', 'db', 'web2'])).to.equal('web\nweb2\n:\n');
    expect(completionLines(plan('cp', 'w'), 'w', ['web:'])).to.equal('web:\n:files\n');
  });
});
