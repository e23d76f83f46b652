// Bundles tsdock for fast start-up: one small entry plus a chunk per command and per runtime area,
// loaded on demand. Everything (grpc-js, protobufjs, tar-stream …) is inlined, so Node resolves no
// packages at run time; `@oclif/core` in command files is swapped for src/cli/oclif-lite.ts (see
// there why), while help keeps using the real oclif from node_modules.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'));
const loaders = Object.values(manifest.commands)
  .map((c) => {
    const rel = c.relativePath.slice(2).join('/').replace(/\.js$/, '.ts');
    return `  ${JSON.stringify(c.id)}: () => import('./src/commands/${rel}'),`;
  })
  .join('\n');
const entry = `import { main, setCommandLoader } from './src/main.ts';
const loaders = {
${loaders}
};
setCommandLoader((id) => loaders[id]?.());
export { main };
`;

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
    b.onLoad({ filter: /.*/, namespace: 'tsdock-stub' }, () => ({
      contents:
        "module.exports = { loadSync() { throw new Error('channelz is not available in tsdock'); } };",
      loader: 'js',
    }));
  },
};

await build({
  stdin: { contents: entry, resolveDir: root, sourcefile: 'entry.ts', loader: 'ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  outdir: join(root, 'dist', 'bundle'),
  entryNames: 'tsdock',
  chunkNames: 'c-[hash]',
  plugins: [oclifLite],
  // ink and React draw only the live `stats` table; they stay in node_modules, loaded on that path alone.
  external: ['ink', 'react', 'react/jsx-runtime'],
  jsx: 'automatic',
  banner: {
    js: "import{createRequire as __tsdockRequire}from'node:module';const require=__tsdockRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});
console.log('dist/bundle: built');
