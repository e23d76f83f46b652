import { expect } from 'chai';
import { TemplateError } from '../../src/runtime/errors.js';
import { markStruct } from '../../src/runtime/format/gofmt.js';
import { compileTemplate, markMap } from '../../src/runtime/format/template.js';

const run = (text: string, data: unknown = DATA): string => compileTemplate(text).execute(data);
const execError = (text: string, data: unknown = DATA): string => {
  try {
    run(text, data);
  } catch (e) {
    expect(e).to.be.instanceOf(TemplateError);
    expect((e as TemplateError).exitCode).to.equal(1);
    return (e as Error).message;
  }
  throw new Error(`no error for ${text}`);
};
const parseError = (text: string): string => {
  try {
    compileTemplate(text);
  } catch (e) {
    expect(e).to.be.instanceOf(TemplateError);
    expect((e as TemplateError).exitCode).to.equal(64);
    return (e as Error).message;
  }
  throw new Error(`no parse error for ${text}`);
};

const DATA = {
  Id: 'abc123',
  Name: '/web',
  State: { Status: 'running', Running: true, Paused: false, Pid: 4242, ExitCode: 0 },
  Config: {
    Env: ['PATH=/usr/bin', 'A=<b>&c'],
    Cmd: ['sh', '-c', 'echo hi'],
    Labels: { 'com.example.b': '2', 'com.example.a': '1' },
    Entrypoint: null,
    Empty: {},
  },
  Mounts: [
    { Source: '/src', Destination: '/dst', RW: true },
    { Source: '/ro', Destination: '/r', RW: false },
  ],
  Zero: 0,
  Float: 1.5,
  EmptyList: [],
  EmptyStr: '',
  Nil: null,
  Greet: (who: string) => `hello ${who}`,
};

describe('format/template: fields and printing', () => {
  it('evaluates fields, nested fields and dot', () => {
    expect(run('{{.Id}}')).to.equal('abc123');
    expect(run('{{.State.Pid}}')).to.equal('4242');
    expect(run('{{ .State.Status }}')).to.equal('running');
    expect(run('{{.}}', 'x')).to.equal('x');
    expect(run('plain text')).to.equal('plain text');
    expect(run('')).to.equal('');
  });

  it('prints values as Go %v does', () => {
    expect(run('{{.Config.Env}}')).to.equal('[PATH=/usr/bin A=<b>&c]');
    expect(run('{{.Config.Labels}}')).to.equal('map[com.example.a:1 com.example.b:2]');
    expect(run('{{.Nil}}')).to.equal('<nil>');
    expect(run('{{.Config.Entrypoint}}')).to.equal('<nil>');
    expect(run('{{.EmptyList}}')).to.equal('[]');
    expect(run('{{.Config.Empty}}')).to.equal('map[]');
    expect(run('{{.State.Running}}')).to.equal('true');
    expect(run('{{.Float}}')).to.equal('1.5');
    expect(run('{{.Mounts}}')).to.equal(
      '[map[Destination:/dst RW:true Source:/src] map[Destination:/r RW:false Source:/ro]]',
    );
    expect(run('{{0.000001}} {{123456.5}} {{-2.5}}')).to.equal('1e-06 123456.5 -2.5');
    expect(run('{{printf "%v" 1234567.5}}')).to.equal('1.2345675e+06');
  });

  it('prints <no value> for a missing map key, and field access on it stays <no value>', () => {
    expect(run('{{.Missing}}')).to.equal('<no value>');
    expect(run('{{.Missing.Deeper}}')).to.equal('<no value>');
    expect(run('{{.Config.Labels.nope}}')).to.equal('<no value>');
  });

  it('calls function-valued fields with arguments (methods like .Label "k")', () => {
    expect(run('{{.Greet "bob"}}')).to.equal('hello bob');
    expect(run('{{"amy" | .Greet}}')).to.equal('hello amy');
    expect(execError('{{.Greet}}')).to.equal(
      'template: :1:2: executing "" at <.Greet>: wrong number of args for Greet: want 1 got 0',
    );
  });

  it('reports a missing field of a struct-like object like Go does', () => {
    const row = markStruct({ ID: 'x' }, '*formatter.ContainerContext');
    expect(run('{{.ID}}', row)).to.equal('x');
    expect(execError('{{.Foo}}', row)).to.equal(
      'template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.ContainerContext',
    );
    expect(execError('{{.State.Pid.X}}')).to.equal(
      'template: :1:8: executing "" at <.State.Pid.X>: can\'t evaluate field X in type int',
    );
    expect(execError('{{.Nil.X}}')).to.equal(
      'template: :1:6: executing "" at <.Nil.X>: nil pointer evaluating interface {}.X',
    );
    expect(execError('{{.Id "x"}}')).to.equal(
      'template: :1:2: executing "" at <.Id>: Id is not a method but has arguments',
    );
  });

  it('honours missingkey=error, except inside objects marked as maps', () => {
    const data = { Config: { Labels: markMap({ a: '1' }) } };
    expect(() => compileTemplate('{{.Config.Nope}}').execute(data, { missingKey: 'error' })).to.throw(
      'template: :1:9: executing "" at <.Config.Nope>: map has no entry for key "Nope"',
    );
    expect(compileTemplate('{{.Config.Labels.b}}').execute(data, { missingKey: 'error' })).to.equal(
      '<no value>',
    );
  });
});

describe('format/template: control structures', () => {
  it('ranges over slices, maps and integers', () => {
    expect(run('{{range .Mounts}}{{.Source}} {{end}}')).to.equal('/src /ro ');
    expect(run('{{range $i, $e := .Mounts}}{{$i}}:{{$e.Destination}};{{end}}')).to.equal('0:/dst;1:/r;');
    expect(run('{{range $e := .Config.Cmd}}[{{$e}}]{{end}}')).to.equal('[sh][-c][echo hi]');
    expect(run('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}')).to.equal(
      'com.example.a=1,com.example.b=2,',
    );
    expect(run('{{range 3}}{{.}}{{end}}')).to.equal('012');
    expect(run('{{range .EmptyList}}x{{else}}empty{{end}}')).to.equal('empty');
    expect(run('{{range .Missing}}x{{else}}none{{end}}')).to.equal('none');
    expect(run('{{range .Nil}}x{{end}}')).to.equal('');
  });

  it('supports break and continue inside range', () => {
    expect(run('{{range .Config.Cmd}}{{if eq . "-c"}}{{continue}}{{end}}{{.}},{{end}}')).to.equal(
      'sh,echo hi,',
    );
    expect(run('{{range .Config.Cmd}}{{if eq . "-c"}}{{break}}{{end}}{{.}},{{end}}')).to.equal('sh,');
  });

  it('evaluates if / else if / else with Go truthiness', () => {
    const t = compileTemplate('{{if .A}}a{{else if .B}}b{{else}}c{{end}}');
    expect(t.execute({ A: 1, B: 1 })).to.equal('a');
    expect(t.execute({ A: 0, B: 'x' })).to.equal('b');
    expect(t.execute({ A: '', B: [] })).to.equal('c');
    expect(t.execute({ A: {}, B: false })).to.equal('c');
    expect(t.execute({ A: null, B: { k: 1 } })).to.equal('b');
    expect(t.execute({})).to.equal('c');
    expect(t.execute({ A: markStruct({}, 'T') })).to.equal('a');
    expect(run('{{.}}', markStruct({ A: 1, B: 'x' }, 'T'))).to.equal('{1 x}');
  });

  it('rebinds dot with "with" and runs its else branch on empty values', () => {
    expect(run('{{with .State}}{{.Status}}/{{.Pid}}{{end}}')).to.equal('running/4242');
    expect(run('{{with .EmptyStr}}x{{else}}none{{end}}')).to.equal('none');
    expect(run('{{with $x := .Id}}{{$x}}{{end}}')).to.equal('abc123');
  });

  it('declares, assigns and scopes variables; $ is the data', () => {
    expect(run('{{$x := .Id}}{{$x}}')).to.equal('abc123');
    expect(run('{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}')).to.equal('2');
    expect(run('{{range .Mounts}}{{$.Id}}{{end}}')).to.equal('abc123abc123');
    expect(run('{{with .State}}{{$.Name}}{{end}}')).to.equal('/web');
    expect(parseError('{{if true}}{{$y := 1}}{{end}}{{$y}}')).to.equal(
      'template parsing error: template: :1: undefined variable "$y"',
    );
  });

  it('trims whitespace around {{- and -}} and skips comments', () => {
    expect(run('a  \n {{- .Id -}} \n  b')).to.equal('aabc123b');
    expect(run('a {{- /* comment */ -}} b')).to.equal('ab');
    expect(run('x{{/* a\ncomment */}}y')).to.equal('xy');
    expect(run('{{-3}}')).to.equal('-3');
    expect(run('{{ 3 -}} x')).to.equal('3x');
  });
});

describe('format/template: pipelines and functions', () => {
  it('feeds the previous result as the last argument', () => {
    expect(run('{{.Name | upper}}')).to.equal('/WEB');
    expect(run('{{.Id | printf "%s-%s" "x"}}')).to.equal('x-abc123');
    expect(run('{{len .Config.Env | printf "%03d"}}')).to.equal('002');
    expect(run('{{(index .Mounts 1).Source}}')).to.equal('/ro');
    expect(run('{{printf "%d" (len .Id)}}')).to.equal('6');
  });

  it('implements Docker functions', () => {
    expect(run('{{json .Config.Env}}')).to.equal('["PATH=/usr/bin","A=<b>&c"]');
    expect(run('{{json .State}}')).to.equal(
      '{"Status":"running","Running":true,"Paused":false,"Pid":4242,"ExitCode":0}',
    );
    expect(run('{{json .Nil}}')).to.equal('null');
    expect(run('{{json .Missing}}')).to.equal('null');
    expect(run('{{json .Mounts}}')).to.equal(
      '[{"Source":"/src","Destination":"/dst","RW":true},{"Source":"/ro","Destination":"/r","RW":false}]',
    );
    expect(run('{{json "a\u2028\\n"}}')).to.equal('"a\\u2028\\n"');
    expect(run('{{join .Config.Cmd " "}}')).to.equal('sh -c echo hi');
    expect(run('{{split "a:b:c" ":"}}')).to.equal('[a b c]');
    expect(run('{{index (split "a:b:c" ":") 1}}')).to.equal('b');
    expect(run('{{title "hello wide-world x_y"}}')).to.equal('Hello Wide-World X_y');
    expect(run('{{lower "ABC"}}{{upper "def"}}')).to.equal('abcDEF');
    expect(run('[{{pad "x" 2 1}}][{{pad "" 2 1}}]')).to.equal('[  x ][]');
    expect(run('{{truncate "abcdef" 3}} {{truncate "ab" 3}} {{truncate "abc" 3}}')).to.equal('abc ab abc');
  });

  it('implements Go builtins', () => {
    expect(
      run(
        '{{printf "%s|%d|%v|%q|%t|%x|%X|%5s|%-5s|%05d|%.2f|%c" "s" 42 .Config.Cmd "q\\"" true 255 "hi" "r" "l" 7 3.14159 65}}',
      ),
    ).to.equal('s|42|[sh -c echo hi]|"q\\""|true|ff|6869|    r|l    |00007|3.14|A');
    expect(run('{{printf "%d" "x"}}')).to.equal('%!d(string=x)');
    expect(run('{{printf "%s %s" "x"}}')).to.equal('x %!s(MISSING)');
    expect(run('{{printf "%s" "x" 3}}')).to.equal('x%!(EXTRA int=3)');
    expect(run('{{printf "%s" .Missing}}')).to.equal('%!s(<nil>)');
    expect(run('{{print "a" "b" 1 2 "c"}}')).to.equal('ab1 2c');
    expect(run('{{println "a" 1}}')).to.equal('a 1\n');
    expect(run('{{len .Config.Env}} {{len .Id}} {{len .Config.Labels}} {{len "é"}}')).to.equal('2 6 2 2');
    expect(
      run('{{index .Config.Env 0}} {{index .Config.Labels "com.example.a"}} {{index .Config.Labels "nope"}}'),
    ).to.equal('PATH=/usr/bin 1 <nil>');
    expect(run('{{index "abc" 1}}')).to.equal('98');
    expect(run('{{slice "abcdef" 1 3}} {{slice .Config.Cmd 1}}')).to.equal('bc [-c echo hi]');
    expect(run('{{eq 1 1}} {{eq "a" "b"}} {{eq .State.Status "exited" "running"}} {{ne 1 2}}')).to.equal(
      'true false true true',
    );
    expect(run('{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}')).to.equal('true true true false');
    expect(run('{{eq .Missing .Nil}} {{eq .Missing "x"}}')).to.equal('true false');
    expect(run('{{and 1 0 2}} {{and 1 2}} {{or 0 "" "x"}} {{or 0 ""}} {{not 0}} {{not .Id}}')).to.equal(
      '0 2 x  true false',
    );
    expect(run('{{if and .State.Running (not .State.Paused)}}up{{end}}')).to.equal('up');
    expect(run('{{html "<a href=\'x\'>&"}}')).to.equal('&lt;a href=&#39;x&#39;&gt;&amp;');
    expect(run('{{js "it\'s <b>"}}')).to.equal("it\\'s \\u003Cb\\u003E");
    expect(run('{{urlquery "a b&c=d/é"}}')).to.equal('a+b%26c%3Dd%2F%C3%A9');
    expect(run('{{"lit"}} {{`raw\\n`}} {{true}} {{0x1F}} {{\'a\'}}')).to.equal('lit raw\\n true 31 97');
  });

  it('reports execution errors with Go location and context', () => {
    expect(execError('{{index .Config.Env 5}}')).to.equal(
      'template: :1:2: executing "" at <index .Config.Env 5>: error calling index: index out of range: 5',
    );
    expect(execError('{{upper .State.Pid}}')).to.equal(
      'template: :1:14: executing "" at <.State.Pid>: wrong type for value; expected string; got int',
    );
    expect(execError('{{join .Id ","}}')).to.equal(
      'template: :1:7: executing "" at <.Id>: wrong type for value; expected []string; got string',
    );
    expect(execError('{{upper}}')).to.equal(
      'template: :1:2: executing "" at <upper>: wrong number of args for upper: want 1 got 0',
    );
    expect(execError('{{lt .Config.Env 1}}')).to.equal(
      'template: :1:2: executing "" at <lt .Config.Env 1>: error calling lt: invalid type for comparison',
    );
    expect(execError('{{eq 1 "a"}}')).to.equal(
      'template: :1:2: executing "" at <eq 1 "a">: error calling eq: incompatible types for comparison',
    );
    expect(execError('{{len 3}}')).to.equal(
      'template: :1:2: executing "" at <len 3>: error calling len: len of type int',
    );
    expect(execError('{{range .Id}}{{end}}')).to.equal(
      'template: :1:8: executing "" at <.Id>: range can\'t iterate over abc123',
    );
    expect(execError('line1\n  {{.Id.X}}')).to.equal(
      'template: :2:7: executing "" at <.Id.X>: can\'t evaluate field X in type string',
    );
    expect(execError('{{index .Config.Labels "com.example.a" "b" "c" "d"}}')).to.match(
      /^template: :1:2: executing "" at <index \.Config\.Labels\.\.\.>: error calling index: cannot index slice\/array with type string$/,
    );
  });

  it('returns the output written before an execution error', () => {
    const r = compileTemplate('a{{.Id}}b{{.Id.X}}c').executePartial(DATA);
    expect(r.out).to.equal('aabc123b');
    expect(r.error?.goMessage).to.match(/can't evaluate field X/);
  });
});

describe('format/template: parse errors', () => {
  const cases: [string, string][] = [
    ['{{foo}}', 'function "foo" not defined'],
    ['{{.Id', 'unclosed action'],
    ['{{end}}', 'unexpected {{end}}'],
    ['{{else}}', 'unexpected {{else}}'],
    ['{{if .X}}', 'unexpected EOF'],
    ['{{}}', 'missing value for command'],
    ['{{if}}{{end}}', 'missing value for if'],
    ['{{.Id | "x"}}', 'non executable command in pipeline stage 2'],
    ['{{"abc}}', 'unterminated quoted string'],
    ['{{.Id}', "bad character U+007D '}'"],
    ['{{break}}', '{{break}} outside {{range}}'],
    ['{{/* x }}', 'unclosed comment'],
    ['{{(.Id}}', 'unclosed left paren'],
    ['{{.Id)}}', 'unexpected right paren'],
    ['{{3x}}', 'bad number syntax: "3x"'],
    ['{{$x}}', 'undefined variable "$x"'],
    ['{{range $a, $b, $c := .X}}{{end}}', 'too many declarations in range'],
  ];
  for (const [text, msg] of cases) {
    it(`${text} -> ${msg}`, () => {
      expect(parseError(text)).to.equal(`template parsing error: template: :1: ${msg}`);
    });
  }
  it('reports the line of a parse error', () => {
    expect(parseError('a\nb\n{{nope}}')).to.equal(
      'template parsing error: template: :3: function "nope" not defined',
    );
  });
});

describe('template: a named template (docker version names its own "version")', () => {
  it('names itself in parse and execution errors, as Go does', () => {
    let parse = '';
    try {
      compileTemplate('{{', 'version');
    } catch (e) {
      parse = (e as Error).message;
    }
    expect(parse).to.equal('template parsing error: template: version:1: unclosed action');
    const data = markStruct({ Client: markStruct({}, 'system.clientVersion') }, 'system.versionInfo');
    const r = compileTemplate('a{{.Nope}}', 'version').executePartial(data);
    expect(r.out).to.equal('a');
    expect(r.error?.message).to.equal(
      'template: version:1:3: executing "version" at <.Nope>: can\'t evaluate field Nope in type system.versionInfo',
    );
    expect(r.error?.exitCode).to.equal(1);
  });
});
