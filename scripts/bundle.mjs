// Bundles tsdock for fast start-up into one script, dist/bundle/tsdock.cjs, that bin/tsdock runs
// with a V8 code cache. Everything (grpc-js, protobufjs, tar-stream …) is inlined, so Node resolves no
// packages at run time; `@oclif/core` in command files is swapped for src/cli/oclif-lite.ts (see
// there why), while help keeps using the real oclif from node_modules.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'));
/**
 * `ps` (container ls) has a bundle of its own, dist/bundle/ps.cjs, ~60 kB instead of ~1 MB: it
 * answers from tsdock's files, and reading, deserialising and evaluating the whole bundle was a third
 * of its run time. What it lacks (the containerd client, for `-s` or a container whose cgroup
 * cannot tell its state) is a stub that asks bin/tsdock to run the command again with the full
 * bundle (see NeedsFullBundle in src/runtime/errors.ts): ps prints nothing before it knows.
 */
const PS_COMMANDS = new Set(['container:ls']);

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
const allCommands = Object.values(manifest.commands);
// The ink views (stats table, pull/push progress) are ES modules of their own, see below.
const statsViewApart = {
  name: 'stats-view-apart',
  setup(b) {
    b.onResolve({ filter: /(stats|progress)-view\.js$/ }, (args) => ({
      path: `./${args.path.split('/').pop()}`,
      external: true,
    }));
  },
};

const noContainerd = {
  name: 'no-containerd',
  setup(b) {
    b.onResolve({ filter: /containerd\/client\.js$/ }, () => ({ path: 'client', namespace: 'tsdock-full' }));
    b.onLoad({ filter: /.*/, namespace: 'tsdock-full' }, () => ({
      contents:
        "import { NeedsFullBundle } from './src/runtime/errors.ts';\n" +
        'export class ContainerdClient { constructor() { throw new NeedsFullBundle(); } }',
      resolveDir: root,
      loader: 'ts',
    }));
  },
};

const oclifLite = {
  name: 'oclif-lite',
  setup(b) {
    b.onResolve({ filter: /^@oclif\/core$/ }, (args) =>
      args.importer.includes('/src/main.ts') || args.importer.includes('/src/help.ts')
        ? { path: '@oclif/core', external: true }
        : { path: join(root, 'src/cli/oclif-lite.ts') },
    );
    // grpc-js requires proto-loader only to serve channelz/ORCA, which a client never does: without
    // this, ~200 kB (proto-loader + full protobufjs) would be parsed on every invocation.
    b.onResolve({ filter: /^@grpc\/proto-loader$/ }, () => ({
      path: 'proto-loader',
      namespace: 'tsdock-stub',
    }));
    // zlib (message compression, which tsdock never asks for) and dns (host names; containerd is a
    // unix socket) are required by grpc-js at load time: loaded on first use instead, so a command
    // that writes content (load, pull, commit: grpc-js's only use) does not load them either.
    b.onLoad({ filter: /@grpc[\\/]grpc-js[\\/]build[\\/]src[\\/][a-z-_]+\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return {
        contents: source.replace(
          /^const (\w+) = require\("(zlib|dns)"\);$/gm,
          (_, name, mod) =>
            `let ${name}$m; const ${name} = new Proxy({}, { get: (_, k) => (${name}$m ??= require("${mod}"))[k] });`,
        ),
        loader: 'js',
      };
    });
    // graceful-fs (proper-lockfile's fs) patches and clones node:fs when it loads, to queue opens
    // past EMFILE; a CLI that takes a lock or two never gets there, and the patching cost ~2 ms of
    // every run. proper-lockfile gets node:fs itself.
    b.onResolve({ filter: /^graceful-fs$/ }, () => ({ path: 'graceful-fs', namespace: 'tsdock-stub' }));
    b.onLoad({ filter: /^graceful-fs$/, namespace: 'tsdock-stub' }, () => ({
      contents: "module.exports = require('node:fs');",
      loader: 'js',
    }));
    // proper-lockfile's signal-exit (v3) loads node:assert and listens to every signal, ~2.3 ms of
    // every command that takes a lock: the stub keeps what proper-lockfile relies on (see its header).
    b.onResolve({ filter: /^signal-exit$/ }, (args) =>
      /[\\/]proper-lockfile[\\/]/.test(args.importer)
        ? { path: join(root, 'scripts/stubs/lockfile-signal-exit.cjs') }
        : undefined,
    );
    b.onLoad({ filter: /^proto-loader$/, namespace: 'tsdock-stub' }, () => ({
      contents:
        "module.exports = { loadSync() { throw new Error('channelz is not available in tsdock'); } };",
      loader: 'js',
    }));
  },
};

// Every tsdock module counts itself when it is initialised (esbuild initialises a lazily imported
// module on first import): bin/tsdock compares the count with the one its code cache was made at
// and writes the cache again when a run initialised more, i.e. took a path whose code the cache
// lacks.
const countModules = {
  name: 'count-modules',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.tsx?$/ }, async (args) => ({
      contents:
        (await readFile(args.path, 'utf8')) +
        '\n;globalThis.__tsdockModules = (globalThis.__tsdockModules ?? 0) + 1;\n',
      loader: args.path.endsWith('x') ? 'tsx' : 'ts',
    }));
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
const script = {
  ...common,
  format: 'cjs',
  // The file is one function expression that bin/tsdock compiles as it is: wrapping it at run time
  // would copy two megabytes of source on every start.
  banner: { js: '(function (exports, require, module, __filename, __dirname, __tsdockUrl) {' },
  footer: { js: '\n})' },
  // import.meta does not exist in a script; the launcher passes the bundle's URL in its place.
  define: { 'import.meta.url': '__tsdockUrl' },
  // A script from a code cache has no dynamic-import callback (Node 20), so every import() of a
  // builtin or of oclif (CommonJS) becomes require(); ES modules go through src/esm-import.ts.
  supported: { 'dynamic-import': false },
};
const result = await build({
  ...script,
  stdin: { contents: entryFor(allCommands), resolveDir: root, sourcefile: 'entry.ts', loader: 'ts' },
  outfile: join(root, 'dist', 'bundle', 'tsdock.cjs'),
  plugins: [oclifLite, statsViewApart, countModules],
  metafile: !!process.env.BUNDLE_META,
});
await build({
  ...script,
  stdin: {
    contents: entryFor(allCommands.filter((c) => PS_COMMANDS.has(c.id))),
    resolveDir: root,
    sourcefile: 'entry-ps.ts',
    loader: 'ts',
  },
  outfile: join(root, 'dist', 'bundle', 'ps.cjs'),
  plugins: [oclifLite, statsViewApart, noContainerd, countModules],
});
// ink is ESM-only (a script cannot require it): the live stats view is its own ES module, imported
// at run time next to the bundle, and ink and React stay in node_modules for that path alone.
await build({
  ...common,
  entryPoints: [join(root, 'src/runtime/container/stats-view.tsx')],
  format: 'esm',
  outfile: join(root, 'dist', 'bundle', 'stats-view.js'),
  external: ['ink', 'react', 'react/jsx-runtime'],
});
await build({
  ...common,
  entryPoints: [join(root, 'src/runtime/registry/progress-view.tsx')],
  format: 'esm',
  outfile: join(root, 'dist', 'bundle', 'progress-view.js'),
  external: ['ink', 'ink-spinner', 'react', 'react/jsx-runtime'],
});
// Code caches of earlier builds are of no use (bin/tsdock names them after the build): gone.
for (const name of readdirSync(join(root, 'dist', 'bundle'))) {
  if (name.endsWith('.cache')) rmSync(join(root, 'dist', 'bundle', name), { force: true });
}
// (A BUNDLE_DEV build keeps comments, which may not be: read as latin1 they only change in comments.)
for (const name of ['tsdock.cjs', 'ps.cjs']) {
  if (
    !process.env.BUNDLE_DEV &&
    /[^\x00-\x7f]/.test(readFileSync(join(root, 'dist', 'bundle', name), 'latin1'))
  ) {
    throw new Error(`dist/bundle/${name} is not ASCII: bin/tsdock reads it as latin1`);
  }
}
if (process.env.BUNDLE_META) writeFileSync(process.env.BUNDLE_META, JSON.stringify(result.metafile));
console.log('dist/bundle: built');
