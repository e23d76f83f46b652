// Bundles tsdock for fast start-up into one script, dist/bundle/tsdock.cjs, that bin/tsdock runs
// with a V8 code cache. Our code and its dependencies (grpc-js, nice-grpc, the generated protobuf
// code, tar-stream …) are inlined as they are, so Node resolves no packages at run time; commands
// and what only some commands use are initialised on first use. `@oclif/core` in command files is
// our own src/cli/oclif-lite.ts (see there why); help is rendered from the manifest (src/cli/help.ts).
// Beside the bundle: commands.json, the commands bin/tsdock keeps a code cache for.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'));
const commands = Object.values(manifest.commands);

function entryFor(commands) {
  const loaders = commands
    .map((c) => {
      const rel = c.relativePath.slice(2).join('/').replace(/\.js$/, '.ts');
      return `  ${JSON.stringify(c.id)}: () => import('./src/commands/${rel}'),`;
    })
    .join('\n');
  // What dispatch needs of the manifest: ids and aliases (help still reads the whole manifest).
  const table = Object.fromEntries(commands.map((c) => [c.id, { id: c.id, aliases: c.aliases ?? [] }]));
  return `import { main, setCommandLoader } from './src/main.ts';
const loaders = {
${loaders}
};
setCommandLoader((id) => loaders[id]?.(), ${JSON.stringify(table)});
export { main };
`;
}

// The ink views (stats table, pull/push progress) are ES modules of their own, see below.
const inkViewsApart = {
  name: 'ink-views-apart',
  setup(b) {
    b.onResolve({ filter: /(stats|progress|build)-view\.js$/ }, (args) => ({
      path: `./${args.path.split('/').pop()}`,
      external: true,
    }));
  },
};

const oclifLite = {
  name: 'oclif-lite',
  setup(b) {
    b.onResolve({ filter: /^@oclif\/core$/ }, () => ({ path: join(root, 'src/cli/oclif-lite.ts') }));
  },
};

// One CommonJS file rather than ESM chunks: Node compiles an ES module eagerly and cannot use a V8
// code cache for it, while a script run through vm.Script can (see bin/tsdock). Commands stay lazy:
// esbuild turns each `import()` of a command into a function that initialises it on first call.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // BUNDLE_DEV=1 keeps names readable, for a CPU profile (node --cpu-prof bin/tsdock …).
  minify: !process.env.BUNDLE_DEV,
  logLevel: 'warning',
  legalComments: 'none',
  jsx: 'automatic',
  // bin/tsdock reads the bundle as latin1 (no UTF-8 decoding): it must stay pure ASCII.
  charset: 'ascii',
};
const result = await build({
  ...common,
  format: 'cjs',
  // The file is one function expression that bin/tsdock compiles as it is: wrapping it at run time
  // would copy the source on every start.
  banner: { js: '(function (exports, require, module, __filename, __dirname, __tsdockUrl) {' },
  footer: { js: '\n})' },
  // import.meta does not exist in a script; the launcher passes the bundle's URL in its place.
  define: { 'import.meta.url': '__tsdockUrl' },
  // A script from a code cache has no dynamic-import callback (Node 20), so every import() of a
  // builtin or of oclif (CommonJS) becomes require(); ES modules go through src/esm-import.ts.
  supported: { 'dynamic-import': false },
  // grpc-js requires proto-loader only to serve channelz and ORCA, which a client never does: left
  // in node_modules (a dependency of grpc-js) rather than carried in every start. kubernetes-models'
  // schema validators (two thirds of the bundle's size again) serve only the kube commands: they
  // are required from node_modules when one runs.
  external: ['@grpc/proto-loader', 'kubernetes-models'],
  stdin: { contents: entryFor(commands), resolveDir: root, sourcefile: 'entry.ts', loader: 'ts' },
  outfile: join(out, 'tsdock.cjs'),
  plugins: [oclifLite, inkViewsApart],
  metafile: !!process.env.BUNDLE_META,
});
// ink is ESM-only (a script cannot require it): the live views are ES modules of their own,
// imported at run time next to the bundle, and ink and React stay in node_modules for them alone.
for (const view of [
  'container/stats-view.tsx',
  'registry/progress-view.tsx',
  'build/build-view.tsx',
  'format/compose-progress-view.tsx',
]) {
  await build({
    ...common,
    entryPoints: [join(root, 'src/runtime', view)],
    format: 'esm',
    outfile: join(out, view.replace(/^.*\//, '').replace(/\.tsx$/, '.js')),
    external: ['ink', 'ink-spinner', 'react', 'react/jsx-runtime'],
  });
}
// The compose-spec validator (ajv's generated code, see scripts/compose-schema.mjs) stays a file of
// its own, required by compose commands alone.
copyFileSync(join(root, 'src/runtime/compose/schema.gen.cjs'), join(out, 'schema.gen.cjs'));

const bundle = readFileSync(join(out, 'tsdock.cjs'), 'latin1');
// (A BUNDLE_DEV build keeps comments, which may not be: read as latin1 they only change in comments.)
if (!process.env.BUNDLE_DEV && /[^\x00-\x7f]/.test(bundle)) {
  throw new Error('dist/bundle/tsdock.cjs is not ASCII: bin/tsdock reads it as latin1');
}
// bin/tsdock keeps one code cache per command (at most one per command of the manifest; mistyped
// words get none), named by the command's id whichever of its names was typed (`ps`, `container ls`)
// and tagged with the build: V8 checks a cache against the source's length only, and bytecode of
// another build of the same length would run as if it were this one's.
const names = {};
for (const c of commands) {
  for (const name of [c.id, ...(c.aliases ?? [])]) names[name.replace(/:/g, ' ')] = c.id.replace(/:/g, '-');
}
// Help has a cache of its own: `tsdock`, `tsdock help …` and a group alone (`tsdock network`).
names.help = 'help';
for (const c of commands) {
  const group = c.id.split(':')[0];
  if (c.id.includes(':') && !Object.hasOwn(names, group)) names[group] = 'help';
}
writeFileSync(
  join(out, 'commands.json'),
  JSON.stringify({
    build: createHash('sha256').update(bundle, 'latin1').digest('hex').slice(0, 16),
    commands: names,
  }) + '\n',
);
if (process.env.BUNDLE_META) writeFileSync(process.env.BUNDLE_META, JSON.stringify(result.metafile));
console.log('dist/bundle: built');
