import { expect } from 'chai';
import {
  parseDockerfile,
  parseGoDuration,
  parseInstruction,
  parseWords,
} from '../../src/runtime/build/dockerfile.js';

const parse = (text: string) => parseDockerfile(text);
const errorOf = (text: string): string => {
  try {
    parseDockerfile(text);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
};

describe('build: Dockerfile model over dockerfile-ast', () => {
  it('groups instructions into stages, keeps global ARGs and stage names', () => {
    const df = parse(
      'ARG BASE=busybox\nFROM ${BASE} AS Build\nRUN echo hi\nFROM scratch\nCOPY --from=build /a /b\n',
    );
    expect(df.metaArgs).to.deep.equal([{ key: 'BASE', value: 'busybox' }]);
    expect(df.stages.map((s) => [s.name, s.base, s.commands.length])).to.deep.equal([
      ['build', '${BASE}', 1],
      [undefined, 'scratch', 1],
    ]);
    const copy = df.stages[1]!.commands[0]!;
    expect(copy.kind).to.equal('COPY');
    if (copy.kind === 'COPY')
      expect([copy.from, copy.sources, copy.dest]).to.deep.equal(['build', ['/a'], '/b']);
  });

  it('shell and exec forms, continuations and comments inside them', () => {
    const df = parse(
      'FROM x\nRUN echo a \\\n# gone\n  b\nCMD ["sh", "-c", "echo hi"]\nENTRYPOINT echo "x y"\n',
    );
    const [run, cmd, ep] = df.stages[0]!.commands;
    expect(run).to.include({ kind: 'RUN', line: 2 });
    if (run!.kind === 'RUN') expect(run!.cmd).to.deep.equal({ args: ['echo a   b'], prependShell: true });
    if (cmd!.kind === 'CMD')
      expect(cmd!.cmd).to.deep.equal({ args: ['sh', '-c', 'echo hi'], prependShell: false });
    if (ep!.kind === 'ENTRYPOINT')
      expect(ep!.cmd).to.deep.equal({ args: ['echo "x y"'], prependShell: true });
  });

  it('the escape directive', () => {
    const df = parse('# escape=`\nFROM x\nRUN echo a `\n  b\n');
    expect(df.escape).to.equal('`');
    const run = df.stages[0]!.commands[0]!;
    if (run.kind === 'RUN') expect(run.cmd.args).to.deep.equal(['echo a   b']);
  });

  it('heredocs: RUN bodies, COPY contents, quoted delimiters and <<-', () => {
    const df = parse('FROM x\nRUN <<EOF\necho hi\necho $HOME\nEOF\nCOPY <<-"EOT" /f\n\tline $X\n\tEOT\n');
    const [run, copy] = df.stages[0]!.commands;
    if (run!.kind === 'RUN') {
      expect(run!.cmd.args).to.deep.equal(['<<EOF']);
      expect(run!.heredocs).to.deep.equal([
        { name: 'EOF', content: 'echo hi\necho $HOME\n', expand: true, chomp: false },
      ]);
    } else expect.fail('RUN expected');
    if (copy!.kind === 'COPY') {
      expect(copy!.sources).to.deep.equal([]);
      expect(copy!.contents).to.deep.equal([{ name: 'EOT', data: 'line $X\n', expand: false }]);
      expect(copy!.dest).to.equal('/f');
    } else expect.fail('COPY expected');
  });

  it('ENV and LABEL pairs keep quotes for the expansion step; the legacy form takes the rest', () => {
    const df = parse('FROM x\nENV A=1 B="2 3" C=a\\ b\nENV OLD value with spaces\nLABEL "a b"=c\n');
    const [env, old, label] = df.stages[0]!.commands;
    if (env!.kind === 'ENV')
      expect(env!.pairs).to.deep.equal([
        { key: 'A', value: '1' },
        { key: 'B', value: '"2 3"' },
        { key: 'C', value: 'a\\ b' },
      ]);
    if (old!.kind === 'ENV') expect(old!.pairs).to.deep.equal([{ key: 'OLD', value: 'value with spaces' }]);
    if (label!.kind === 'LABEL') expect(label!.pairs).to.deep.equal([{ key: '"a b"', value: 'c' }]);
    expect(parseWords('a "b c" d\\ e', '\\')).to.deep.equal(['a', '"b c"', 'd\\ e']);
  });

  it('HEALTHCHECK with its flags in nanoseconds, NONE, and the shell form as CMD-SHELL', () => {
    const df = parse('FROM x\nHEALTHCHECK --interval=5s --timeout=1m30s --retries=3 CMD wget -q localhost\n');
    const hc = df.stages[0]!.commands[0]!;
    if (hc.kind === 'HEALTHCHECK')
      expect(hc.health).to.deep.equal({
        Test: ['CMD-SHELL', 'wget -q localhost'],
        Interval: 5e9,
        Timeout: 90e9,
        Retries: 3,
      });
    expect(parseGoDuration('1h2m3.5s')).to.equal(3723.5e9);
    expect(errorOf('FROM x\nHEALTHCHECK NONE x\n')).to.equal(
      'dockerfile parse error on line 2: HEALTHCHECK NONE takes no arguments',
    );
  });

  it("bad input gets BuildKit's messages with the line", () => {
    expect(errorOf('FROM x\nFROB y\n')).to.equal(
      'dockerfile parse error on line 2: unknown instruction: FROB',
    );
    expect(errorOf('FROM x\nCOPY --frm=a b c\n')).to.equal(
      'dockerfile parse error on line 2: unknown flag: frm',
    );
    expect(errorOf('FROM x\nCOPY a\n')).to.equal(
      'dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined',
    );
    expect(errorOf('FROM x y\n')).to.equal(
      'dockerfile parse error on line 1: FROM requires either one or three arguments',
    );
    expect(errorOf('FROM x AS 1a\n')).to.equal(
      'dockerfile parse error on line 1: invalid name for build stage: "1a", name can\'t start with a number or contain symbols',
    );
    expect(errorOf('FROM x\nWORKDIR --foo /x\n')).to.equal(
      'dockerfile parse error on line 2: unknown flag: foo',
    );
    expect(errorOf('FROM x\nENV A B C=\nENV\n')).to.equal(
      'dockerfile parse error on line 3: ENV requires at least one argument',
    );
    expect(errorOf('FROM x\nSHELL sh -c\n')).to.match(
      /line 2: SHELL requires the arguments to be in JSON form/,
    );
    expect(errorOf('FROM x\nONBUILD ONBUILD RUN x\n')).to.match(/Chaining ONBUILD/);
    expect(errorOf('RUN x\n')).to.match(/no build stage in current context/);
    expect(errorOf('')).to.match(/cannot be empty/);
  });

  it('ONBUILD keeps its expression as written; triggers parse on their own', () => {
    const df = parse('FROM x\nONBUILD RUN echo "on build"\n');
    const ob = df.stages[0]!.commands[0]!;
    if (ob.kind === 'ONBUILD') expect(ob.expression).to.equal('RUN echo "on build"');
    const trig = parseInstruction('COPY --chown=1:2 a /b');
    expect(trig).to.include({ kind: 'COPY', chown: '1:2', dest: '/b' });
  });
});
