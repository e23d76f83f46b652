/** Flag helpers shared by commands, on top of oclif's Flags, and the types argv.ts gives flags. */
import type { Interfaces } from '@oclif/core';

/**
 * An integer flag (`Flags.integer(…)`), marked for argv.ts, which checks and converts it as pflag
 * does (oclif's own parser never runs: argv is parsed by argv.ts). Help names its value `int`.
 */
export function int<F extends Interfaces.OptionFlag<number | undefined>>(flag: F): F {
  return Object.assign(flag, { tsdockKind: 'int' as const, helpValue: flag.helpValue ?? 'int' });
}

/** argv.ts always gives a repeatable flag an array (empty when it was not given). */
type Given<T> = [NonNullable<T>] extends [readonly unknown[]] ? NonNullable<T> : T;

/**
 * The values argv.ts gives a command for its declared flags, typed from the declarations (oclif's
 * inferred types): `this.dockerParse(Run.flags).flags.memory` is a `string | undefined`, and a
 * renamed flag no longer compiles where it is read.
 */
export type FlagValues<F extends Interfaces.FlagInput> = {
  [K in keyof F]: K extends keyof Interfaces.InferredFlags<F> ? Given<Interfaces.InferredFlags<F>[K]> : never;
};

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S;

/** Flag values under camelCase keys (`memory-swap` → `memorySwap`). */
export type CamelFlags<V> = { [K in keyof V as Camel<K & string>]: V[K] };

export function camelFlags<V extends object>(flags: V): CamelFlags<V> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags))
    out[k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out as CamelFlags<V>;
}
