/**
 * The one renderer behind every listing and inspect: docker/cli's formatter.Context (table /
 * json / custom template, header row from the template) and its inspect package.
 */
import { TemplateError } from '../errors.js';
import { goJson, markStruct } from './gofmt.js';
import { tabwrite } from './table.js';
import { compileTemplate, GoTemplateError, HEADER_FUNCS, markMap, type Template } from './template.js';

export interface RenderListOptions<T> {
  /** The user's --format: undefined/'' / 'table' = default table, 'table …', 'json', or a template. */
  format?: string;
  quiet?: boolean;
  /** Docker's default, e.g. `table {{.ID}}\t{{.Image}}…` (literal `\t` or real tabs both work). */
  defaultTable: string;
  /** Column headers by field name; fields of the rows not listed here get their name upper-cased. */
  headers: Record<string, string>;
  /** Field printed by --quiet (default ID). */
  quietField?: string;
  /** Context objects whose keys are Docker's field names; function-valued keys are methods (`.Label "k"`). */
  rows: T[];
  /** Go type named by "can't evaluate field X in type …" errors. */
  typeName?: string;
  /**
   * docker/cli's New<Kind>Format for images, volumes, networks and history: --quiet selects the
   * IDs only in place of the default table; a custom --format is used as written.
   */
  customFormatOverQuiet?: boolean;
}

/** preFormat of docker/cli: strip `table`, map `json`, trim spaces, turn literal `\t` `\n` into characters. */
function finalFormat(format: string): { text: string; table: boolean } {
  const table = format.startsWith('table');
  let text = format;
  if (table) text = text.slice('table'.length);
  else if (format === 'json') text = '{{json .}}';
  text = text.replace(/^ +| +$/g, '');
  text = text.replace(/\\t|\\n/g, (m) => (m === '\\t' ? '\t' : '\n'));
  return { text, table };
}

function parse(text: string, exitCode: number): Template {
  try {
    return compileTemplate(text);
  } catch (e) {
    if (e instanceof GoTemplateError) throw new GoTemplateError(e.message, e.goMessage, exitCode);
    throw e;
  }
}

/** SubHeaderContext.Label: the header of `.Label "com.example.my-key"` is `my key`. */
function labelHeader(name: string): string {
  const last = name.split('.').at(-1) ?? '';
  return last.replace(/[-_]/g, ' ');
}

function headerContext<T>(headers: Record<string, string>, rows: T[]): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  const first = rows[0] as Record<string, unknown> | undefined;
  if (first && typeof first === 'object') {
    for (const k of Object.keys(first)) if (typeof first[k] !== 'function') ctx[k] = k.toUpperCase();
  }
  Object.assign(ctx, headers);
  Object.defineProperty(ctx, 'Label', { value: (name: string) => labelHeader(name), enumerable: false });
  return ctx;
}

/** Renders a listing as docker/cli's formatter does (`ps`, `images`, `volume ls`, `history`…). */
export function renderList<T>(opts: RenderListOptions<T>): string {
  const source = opts.format ?? '';
  let format: string;
  const custom = source !== '' && source !== 'table';
  if (opts.quiet && !(custom && opts.customFormatOverQuiet)) format = `{{.${opts.quietField ?? 'ID'}}}`;
  else if (source === '' || source === 'table') format = opts.defaultTable;
  else format = source;

  const { text, table } = finalFormat(format);
  const tmpl = parse(text, 1);
  const typeName = opts.typeName ?? '*formatter.Context';

  let body = '';
  for (const row of opts.rows) {
    const data = typeof row === 'object' && row !== null ? markStruct(row as object, typeName) : row;
    const r = tmpl.executePartial(data);
    if (r.error)
      throw new GoTemplateError(`template parsing error: ${r.error.goMessage}`, r.error.goMessage, 1);
    body += r.out + '\n';
  }
  if (!table) return body;
  // Docker ignores a failing header execution and keeps what it wrote before the failure.
  const header = tmpl.executePartial(headerContext(opts.headers, opts.rows), { funcs: HEADER_FUNCS }).out;
  return tabwrite(header + '\n' + body);
}

/** Map-typed fields of Docker's inspect structs: a missing key there is `<no value>`, not an error. */
const INSPECT_MAP_FIELDS: ReadonlySet<string> = new Set([
  'Labels',
  'Options',
  'Data',
  'Networks',
  'Ports',
  'ExposedPorts',
  'Volumes',
  'PortBindings',
  'Sysctls',
  'Tmpfs',
  'StorageOpt',
  'DriverOpts',
  'Annotations',
]);

/** The map[string]string fields among them: `index` of a missing key is `""` there, not nil. */
const STRING_MAP_FIELDS: ReadonlySet<string> = new Set([
  'Labels',
  'Options',
  'Sysctls',
  'Tmpfs',
  'StorageOpt',
  'DriverOpts',
  'Annotations',
]);

function markInspectMaps(v: unknown, key?: string): void {
  if (Array.isArray(v)) {
    for (const e of v) markInspectMaps(e);
    return;
  }
  if (typeof v !== 'object' || v === null || v instanceof Date) return;
  if (key !== undefined && INSPECT_MAP_FIELDS.has(key)) markMap(v, STRING_MAP_FIELDS.has(key) ? '' : null);
  for (const [k, child] of Object.entries(v)) markInspectMaps(child, k);
}

/**
 * `docker inspect`: no format = 4-space-indented JSON array (`[]` when empty); `json` = the
 * array compacted on one line; otherwise the template once per object, each followed by a
 * newline. Like Docker's typed-then-raw fallback, a missing struct field is an error (map has
 * no entry for key) while a missing key of a map-typed field prints `<no value>`.
 */
export function renderInspect(objects: unknown[], format?: string): string {
  if (!format) return objects.length === 0 ? '[]\n' : goJson(objects, '    ') + '\n';
  if (format === 'json') return goJson(objects) + '\n';
  const tmpl = parse(format, 64);
  let out = '';
  for (const obj of objects) {
    markInspectMaps(obj);
    const r = tmpl.executePartial(obj, { missingKey: 'error', mapFields: INSPECT_MAP_FIELDS });
    if (r.error) throw new TemplateError(`template parsing error: ${r.error.goMessage}`, 1);
    out += r.out + '\n';
  }
  return out === '' ? '\n' : out;
}
