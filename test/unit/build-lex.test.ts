import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { envLookup, processWord, processWords } from '../../src/runtime/build/shell-lex.js';
import { repoRoot } from '../harness/cli.js';

const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'build', name), 'utf8');

describe('build: variable substitution (BuildKit shell-lexer cases)', () => {
  it('envVarTest: every Unix and all-platform case', () => {
    const env = envLookup(['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']);
    let checked = 0;
    for (const raw of fixture('envVarTest').split('\n')) {
      if (raw.startsWith('#') || raw.trim() === '') continue;
      const [platform, source, expected] = raw.split('|').map((s) => s.trim()) as [string, string, string];
      if (platform === 'W') continue;
      if (expected === 'error') {
        expect(() => processWord(source, env), source).to.throw();
      } else {
        expect(processWord(source, env), source).to.equal(expected);
      }
      checked++;
    }
    expect(checked).to.be.greaterThan(150);
  });

  it('wordsTest: splitting after substitution', () => {
    const envs: string[] = [];
    let checked = 0;
    for (const line of fixture('wordsTest').split('\n')) {
      if (line.startsWith('#') || line === '') continue;
      if (line.startsWith('ENV ')) {
        envs.push(line.slice(3).replace(/^ +/, ''));
        continue;
      }
      const [test, want] = line.split('|') as [string, string];
      let got: string[];
      try {
        got = processWords(test.trim(), envLookup(envs));
      } catch {
        got = ['error'];
      }
      expect(got, test).to.deep.equal(want.replace(/^ +/, '').split(','));
      checked++;
    }
    expect(checked).to.be.greaterThan(20);
  });

  it('mandatory variables: ${VAR:?msg} and ${VAR?msg}', () => {
    const set = envLookup(['VAR=plain', 'ARG=x']);
    const empty = envLookup(['VAR=', 'ARG=x']);
    const unset = envLookup(['ARG=x']);
    expect(processWord('${VAR:?message here$ARG}', set)).to.equal('plain');
    expect(() => processWord('${VAR:?message here$ARG}', empty)).to.throw('message herex');
    expect(() => processWord('${VAR:?message here$ARG}', unset)).to.throw('message herex');
    expect(processWord('${VAR?message here$ARG}', set)).to.equal('plain');
    expect(processWord('${VAR?message here$ARG}', empty)).to.equal('');
    expect(() => processWord('${VAR?message here$ARG}', unset)).to.throw('message herex');
  });

  it('keeps unset variables and quotes for progress names (RUN)', () => {
    const env = envLookup(['A=1']);
    expect(processWord('echo "$A" $B ${C:-x}', env, { rawQuotes: true, skipUnsetEnv: true })).to.equal(
      'echo "1" $B ${C:-x}',
    );
  });

  it('uses the escape directive’s character', () => {
    const env = envLookup(['A=1']);
    expect(processWord('a`$A', env, { escape: '`' })).to.equal('a$A');
    expect(processWord('a\\$A', env, { escape: '`' })).to.equal('a\\1');
  });
});
