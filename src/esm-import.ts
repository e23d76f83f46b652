/**
 * import() of an ES module by URL. The bundled build runs as a script from a V8 code cache, where
 * Node 20 has no dynamic-import callback; bin/tsdock lends its own import() through
 * a global instead.
 */
type Importer = (specifier: string) => Promise<unknown>;

export function importEsm<T>(specifier: string): Promise<T> {
  const lent = (globalThis as { __tsdockImport?: Importer }).__tsdockImport;
  return (lent ? lent(specifier) : import(specifier)) as Promise<T>;
}
