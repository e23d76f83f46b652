/**
 * Validation against the compose-spec JSON schema (compose-spec.json, the copy docker compose
 * validates with, from compose-go's schema/), by ajv. Of all the errors a document has, the most
 * specific one is reported (the deepest key, an unknown key counting one deeper), in the words of
 * the validator docker compose uses: `services.web additional properties 'foo' not allowed`,
 * `services.web.image must be a string`.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';

export interface SchemaError {
  /** Key path of the offending value (`['services', 'web', 'foo']`). */
  path: string[];
  message: string;
}

let compiled: ValidateFunction | undefined;

/**
 * ajv's code for the schema, generated at build time (scripts/compose-schema.mjs): compiling the
 * schema on every run would cost ~0.4 s. A file of its own beside this module (or the bundle),
 * required on first use, so that no other command reads its 400 kB.
 */
function validator(): ValidateFunction {
  compiled ??= createRequire(import.meta.url)('./schema.gen.cjs') as ValidateFunction;
  return compiled;
}

function decodePointer(p: string): string[] {
  if (p === '') return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function humanType(want: string[]): string {
  const names = want.map((t) => (t === 'object' ? 'mapping' : t)).sort();
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

const quote = (v: unknown) => `'${String(v)}'`;

function describe(e: ErrorObject, path: string[]): SchemaError {
  const at = path.join('.');
  const p = e.params as Record<string, unknown>;
  const say = (m: string) => ({ path, message: at ? `${at} ${m}` : m });
  switch (e.keyword) {
    case 'type': {
      const want = Array.isArray(p.type) ? (p.type as string[]) : String(p.type).split(',');
      return say(`must be a ${humanType(want)}`);
    }
    case 'additionalProperties':
      return {
        path: [...path, String(p.additionalProperty)],
        message: `${at ? `${at} ` : ''}additional properties ${quote(p.additionalProperty)} not allowed`,
      };
    case 'required':
      return say(`missing property ${quote(p.missingProperty)}`);
    case 'minimum':
    case 'exclusiveMinimum':
      return say(`must be greater than or equal to ${String(p.limit)}`);
    case 'maximum':
    case 'exclusiveMaximum':
      return say(`must be less than or equal to ${String(p.limit)}`);
    case 'enum':
      return say(`value must be one of ${(p.allowedValues as unknown[]).map(quote).join(', ')}`);
    case 'const':
      return say(`value must be ${quote(p.allowedValue)}`);
    case 'pattern':
      return say(`does not match pattern ${quote(p.pattern)}`);
    case 'minItems':
      return say(`minItems: got fewer than ${String(p.limit)}`);
    case 'minLength':
      return say(`minLength: got fewer than ${String(p.limit)} characters`);
    case 'uniqueItems':
      return say(`items at ${String(p.j)} and ${String(p.i)} are equal`);
    case 'minProperties':
      return say(`minProperties: got fewer than ${String(p.limit)}`);
    case 'propertyNames':
      return say(`invalid property name ${quote(p.propertyName)}`);
    default:
      return say(e.message ?? `fails ${e.keyword}`);
  }
}

/** The most specific of ajv's errors, or undefined when the document is valid. */
export function validateSchema(doc: unknown): SchemaError | undefined {
  const validate = validator();
  if (validate(doc)) return undefined;
  const errors = (validate.errors ?? []).filter(
    (e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if',
  );
  const all = errors.length > 0 ? errors : (validate.errors ?? []);
  let best: { e: ErrorObject; path: string[]; score: number } | undefined;
  for (const e of all) {
    const path = decodePointer(e.instancePath);
    const score = path.length + (e.keyword === 'additionalProperties' ? 1 : 0);
    if (!best || score > best.score) best = { e, path, score };
  }
  return best ? describe(best.e, best.path) : { path: [], message: 'invalid compose file' };
}
