// The validation function ajv generates from compose-spec.json at build time (scripts/compose-schema.mjs).
import type { ValidateFunction } from 'ajv';
declare const validate: ValidateFunction;
export = validate;
