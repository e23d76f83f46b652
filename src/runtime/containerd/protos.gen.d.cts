// Types for the static protobuf code `npm run build` generates from protos/ (pbjs static-module).
// Every message class has the same static codec methods; names are looked up at run time.
declare const root: Record<string, unknown>;
export = root;
