import { expect } from 'chai';
import { TemplateError } from '../../src/runtime/errors.js';
import { renderInspect, renderList } from '../../src/runtime/format/output.js';

const PS_TABLE =
  'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
const PS_HEADERS = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  RunningFor: 'CREATED',
  Status: 'STATUS',
  Ports: 'PORTS',
  Names: 'NAMES',
  CreatedAt: 'CREATED AT',
};

function row(id: string, names: string, labels: Record<string, string> = {}): Record<string, unknown> {
  const r: Record<string, unknown> = {
    Command: '"sleep 100"',
    CreatedAt: '2024-01-02 15:04:05 +0000 UTC',
    ID: id,
    Image: 'busybox',
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Names: names,
    Ports: '',
    RunningFor: '2 minutes ago',
    State: 'running',
    Status: 'Up 2 minutes',
  };
  Object.defineProperty(r, 'Label', { value: (k: string) => labels[k] ?? '', enumerable: false });
  return r;
}

const ps = (format: string | undefined, rows: Record<string, unknown>[], quiet = false): string =>
  renderList({ format, quiet, defaultTable: PS_TABLE, headers: PS_HEADERS, quietField: 'ID', rows });

describe('format/output: renderList', () => {
  it('--quiet: the IDs in place of the default table; a custom format wins where docker/cli lets it', () => {
    const rows = [row('a1', 'one')];
    const list = (format: string | undefined, customFormatOverQuiet: boolean) =>
      renderList({ format, quiet: true, defaultTable: PS_TABLE, headers: {}, rows, customFormatOverQuiet });
    expect(list(undefined, true)).to.equal('a1\n');
    expect(list('table', true)).to.equal('a1\n');
    expect(list('N {{.Names}}', true)).to.equal('N one\n');
    // ps (NewContainerFormat): quiet wins over any format.
    expect(list('N {{.Names}}', false)).to.equal('a1\n');
  });

  it('prints only the header for an empty default table', () => {
    expect(ps(undefined, [])).to.equal(
      'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n',
    );
    expect(ps('table', [])).to.equal(
      'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n',
    );
  });

  it('renders the default table aligned', () => {
    expect(
      ps(undefined, [row('0123456789ab', 'web'), row('ba9876543210', 'a_long_container_name')]),
    ).to.equal(
      'CONTAINER ID   IMAGE     COMMAND       CREATED         STATUS         PORTS     NAMES\n' +
        '0123456789ab   busybox   "sleep 100"   2 minutes ago   Up 2 minutes             web\n' +
        'ba9876543210   busybox   "sleep 100"   2 minutes ago   Up 2 minutes             a_long_container_name\n',
    );
  });

  it('builds headers from a custom table template (literal \\t converted)', () => {
    expect(ps('table {{.ID}}\\t{{.Names}}', [row('abc', 'web')])).to.equal(
      'CONTAINER ID   NAMES\nabc            web\n',
    );
    expect(ps('table {{.Names}}', [row('abc', 'web')])).to.equal('NAMES\nweb\n');
    // a field without an explicit header is upper-cased; functions keep the header intact
    expect(
      ps('table {{.State}}\t{{upper .Names}}\t{{.Label "com.example.my-key"}}', [
        row('a', 'web', { 'com.example.my-key': 'v' }),
      ]),
    ).to.equal('STATE     NAMES     my key\nrunning   WEB       v\n');
    expect(ps('table {{.ID}}: {{.Names}}', [row('abc', 'web')])).to.equal('CONTAINER ID: NAMES\nabc: web\n');
  });

  it('runs a plain template once per row', () => {
    const rows = [row('a1', 'one'), row('b2', 'two')];
    expect(ps('{{.ID}} {{.Names}}', rows)).to.equal('a1 one\nb2 two\n');
    expect(ps('{{.Names}}\\n', rows)).to.equal('one\n\ntwo\n\n');
    expect(ps('{{.Label "x"}}|', [row('a', 'n', { x: 'y' })])).to.equal('y|\n');
    expect(ps('{{.ID}}', [])).to.equal('');
  });

  it('prints one JSON object per row for --format json, without methods', () => {
    expect(ps('json', [row('a1', 'one', { k: 'v' })])).to.equal(
      '{"Command":"\\"sleep 100\\"","CreatedAt":"2024-01-02 15:04:05 +0000 UTC","ID":"a1","Image":"busybox",' +
        '"Labels":"k=v","Names":"one","Ports":"","RunningFor":"2 minutes ago","State":"running","Status":"Up 2 minutes"}\n',
    );
  });

  it('prints the quiet field only with --quiet, whatever the format', () => {
    const rows = [row('a1', 'one'), row('b2', 'two')];
    expect(ps(undefined, rows, true)).to.equal('a1\nb2\n');
    expect(ps('table {{.Names}}', rows, true)).to.equal('a1\nb2\n');
  });

  it('reports template errors with Docker prefixes and exit code 1', () => {
    const rows = [row('a1', 'one')];
    const err = (format: string): TemplateError => {
      try {
        ps(format, rows);
      } catch (e) {
        return e as TemplateError;
      }
      throw new Error('no error');
    };
    expect(err('{{.Foo}}').message).to.equal(
      'template parsing error: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.Context',
    );
    expect(err('{{.Foo}}').exitCode).to.equal(1);
    expect(err('{{nope}}').message).to.equal(
      'template parsing error: template: :1: function "nope" not defined',
    );
    expect(err('{{nope}}').exitCode).to.equal(1);
  });

  it('names the given struct type in field errors', () => {
    expect(() =>
      renderList({
        format: '{{.Nope}}',
        defaultTable: '',
        headers: {},
        rows: [{ ID: 'x' }],
        typeName: '*formatter.ContainerContext',
      }),
    ).to.throw(TemplateError, "can't evaluate field Nope in type *formatter.ContainerContext");
  });
});

describe('format/output: renderInspect', () => {
  const obj = {
    Id: 'abc',
    Created: '2024-01-02T15:04:05.123456789Z',
    State: { Status: 'running', Pid: 42 },
    Config: { Env: ['A=<b>&'], Labels: { k: 'v' }, Entrypoint: null },
    HostConfig: { LogConfig: { Type: 'json-file', Config: {} } },
  };

  it('prints a 4-space indented JSON array, without HTML escaping', () => {
    expect(renderInspect([obj])).to.equal(
      [
        '[',
        '    {',
        '        "Id": "abc",',
        '        "Created": "2024-01-02T15:04:05.123456789Z",',
        '        "State": {',
        '            "Status": "running",',
        '            "Pid": 42',
        '        },',
        '        "Config": {',
        '            "Env": [',
        '                "A=<b>&"',
        '            ],',
        '            "Labels": {',
        '                "k": "v"',
        '            },',
        '            "Entrypoint": null',
        '        },',
        '        "HostConfig": {',
        '            "LogConfig": {',
        '                "Type": "json-file",',
        '                "Config": {}',
        '            }',
        '        }',
        '    }',
        ']',
        '',
      ].join('\n'),
    );
  });

  it('prints [] for no objects', () => {
    expect(renderInspect([])).to.equal('[]\n');
  });

  it('compacts the array for --format json', () => {
    expect(renderInspect([{ Id: 'a' }, { Id: 'b' }], 'json')).to.equal('[{"Id":"a"},{"Id":"b"}]\n');
  });

  it('executes a template per object', () => {
    expect(renderInspect([obj, { ...obj, Id: 'def' }], '{{.Id}} {{.State.Pid}}')).to.equal(
      'abc 42\ndef 42\n',
    );
    expect(renderInspect([obj], '{{json .Config.Env}}')).to.equal('["A=<b>&"]\n');
    expect(renderInspect([obj], '{{json .State}}')).to.equal('{"Status":"running","Pid":42}\n');
    expect(renderInspect([obj], '{{range .Config.Env}}{{.}};{{end}}')).to.equal('A=<b>&;\n');
  });

  it('prints <no value> for a missing key of a map-typed field, errors on a missing struct field', () => {
    expect(renderInspect([obj], '{{.Config.Labels.nope}}')).to.equal('<no value>\n');
    expect(renderInspect([obj], '{{with .Config.Labels}}{{.nope}}{{end}}')).to.equal('<no value>\n');
    expect(renderInspect([obj], '{{index .Config.Labels "k"}}')).to.equal('v\n');
    expect(() => renderInspect([obj], '{{.Config.Nope}}')).to.throw(
      TemplateError,
      'template parsing error: template: :1:9: executing "" at <.Config.Nope>: map has no entry for key "Nope"',
    );
  });

  it('index of a missing key is the element zero value: "" in Labels, <nil> in Networks (docker 28)', () => {
    const c = {
      Config: { Labels: { a: 'b' } },
      NetworkSettings: { Networks: { bridge: { IPAddress: '' } } },
    };
    expect(renderInspect([c], '[{{index .Config.Labels "zz"}}]')).to.equal('[]\n');
    expect(renderInspect([c], '[{{index .NetworkSettings.Networks "nope"}}]')).to.equal('[<nil>]\n');
    expect(renderInspect([c], '{{if index .Config.Labels "zz"}}set{{else}}unset{{end}}')).to.equal('unset\n');
  });

  it('fails a syntax error with exit code 64', () => {
    try {
      renderInspect([obj], '{{.Id');
      expect.fail('no error');
    } catch (e) {
      expect((e as TemplateError).message).to.equal('template parsing error: template: :1: unclosed action');
      expect((e as TemplateError).exitCode).to.equal(64);
    }
  });
});
