// The layering of src/ (docs/architecture.md), checked by `npm test` (scripts/test.sh):
//   src/commands, src/sdk → src/runtime/verbs → domain folders of src/runtime → the shared base (errors.ts, context.ts …)
// Imports run downwards only, and nothing imports in a circle.

/**
 * The domain folders of src/runtime from the bottom up: a folder may import the folders before it,
 * never one after it, so the folders cannot depend on each other in a circle. A new domain folder
 * gets its place here (the `domain-folder-unplaced` rule below insists).
 */
const DOMAINS = [
  'format', // output: tables, Go templates, units, Go's time and duration formats
  'state', // tsdock's files: records, names, locks, ids, clocks
  'opts', // Docker's flags and their vocabulary (signals, capabilities, sizes) → typed options
  'spec', // the OCI runtime spec built from the options
  'cgroups', // the kernel's cgroup files: where limits land, stats readers
  'containerd', // the containerd client
  'logs', // json-file logs and the per-container monitor
  'events', // the event journal
  'http', // tsdock's HTTP client: the environment's proxies, the system's CAs (registry requests, ADD <url>)
  'images', // the image store over containerd: content, archives, lookup
  'registry', // registry client: pull, push, auth
  'network', // namespaces, veths, bridges, IPAM, iptables
  'volumes', // the local volume driver's store, mounts of binds and volumes
  'container', // containers: records, lifecycle (start, stop, exit, remove), rootfs, stdio, tty
  'build', // Dockerfile builds, which run steps as containers
  'compose', // compose files: loading, validation, the project model
  'kube', // Kubernetes objects: from containers and compose projects, and the pods kube play runs
];

const domainOrder = DOMAINS.slice(0, -1).map((name, i) => ({
  name: `domain-order-${name}`,
  severity: 'error',
  comment: `${name}/ sits below ${DOMAINS.slice(i + 1).join(', ')}: it may not import them (.dependency-cruiser.cjs, DOMAINS).`,
  from: { path: `^src/runtime/${name}/` },
  to: { path: `^src/runtime/(${DOMAINS.slice(i + 1).join('|')})/` },
}));

const unplaced = `^src/runtime/(?!(verbs|${DOMAINS.join('|')})/)[^/]+/`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules never import each other in a circle (type-only imports count too).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'Folders never depend on each other in a circle.',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'runtime-not-up',
      severity: 'error',
      comment:
        'Below the verbs (domain folders and the shared base) nothing imports a verb, a command or the CLI.',
      from: { path: '^src/runtime/', pathNot: '^src/runtime/verbs/' },
      to: { path: '^src/(runtime/verbs|commands|cli)/' },
    },
    {
      name: 'verbs-not-up',
      severity: 'error',
      comment: 'Verbs never import a command or the CLI: they get typed options, not flags.',
      from: { path: '^src/runtime/verbs/' },
      to: { path: '^src/(commands|cli)/' },
    },
    {
      name: 'commands-call-verbs',
      severity: 'error',
      comment:
        'A command parses flags (src/cli) into typed options and calls one verb: of the rest of src/ it imports types only.',
      from: { path: '^src/commands/' },
      to: {
        path: '^src/',
        pathNot: '^src/(cli|commands|runtime/verbs)/',
        dependencyTypesNot: ['type-only', 'type-import'],
      },
    },
    {
      name: 'sdk-calls-verbs',
      comment:
        'The SDK (src/sdk) is a thin layer over the verbs, as the commands are: of the rest of src/ it imports verbs, the shared base and types only.',
      severity: 'error',
      from: { path: '^src/sdk/' },
      to: {
        path: '^src/',
        pathNot: '^src/(sdk|runtime/verbs)/|^src/runtime/[^/]+$',
        dependencyTypesNot: ['type-only', 'type-import'],
      },
    },
    {
      name: 'nothing-uses-sdk',
      severity: 'error',
      comment: 'The SDK sits on top, beside the commands: nothing else in src/ imports it.',
      from: { path: '^src/', pathNot: '^src/sdk/' },
      to: { path: '^src/sdk/' },
    },
    {
      name: 'base-below-domains',
      severity: 'error',
      comment:
        'The shared base (src/runtime/*.ts: errors, context, config …) sits below the domain folders; context.ts alone makes the containerd client.',
      from: { path: '^src/runtime/[^/]+$', pathNot: '^src/runtime/context\\.ts$' },
      to: { path: '^src/runtime/[^/]+/' },
    },
    {
      name: 'runtime-not-main',
      severity: 'error',
      comment: 'Only the launcher loads main.ts.',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/main\\.ts$' },
    },
    ...domainOrder,
    {
      name: 'domain-folder-unplaced',
      severity: 'error',
      comment:
        'A domain folder of src/runtime that is not in DOMAINS (.dependency-cruiser.cjs): give it its place.',
      from: { path: unplaced },
      to: {},
    },
    {
      name: 'domain-folder-unplaced-used',
      severity: 'error',
      comment:
        'A domain folder of src/runtime that is not in DOMAINS (.dependency-cruiser.cjs): give it its place.',
      from: {},
      to: { path: unplaced },
    },
  ],
  options: {
    includeOnly: '^src/',
    // `import type` and type positions are dependencies too: a type-only circle is still a circle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
