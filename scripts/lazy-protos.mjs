// Makes the message types in pbjs's static code (src/runtime/containerd/protos.gen.cjs) lazy: each
// `ns.Type = (function() { … })();` becomes a getter that runs that function on first use. pbjs
// defines all ~130 types when the module loads; a command uses a dozen or two. Eagerly, every
// definition is compiled, run and then carried in the V8 code cache that each start deserialises
// (a third of `run`'s cache, ~4 ms of CPU per command measured side by side); lazily, only the
// types a command touches are. Access is unchanged (`root.containerd.services.tasks.v1.X`).
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';

const file = process.argv[2];
const lines = readFileSync(file, 'utf8').split('\n');
// Types are capitalised (messages, enums, nested types); namespaces (`containerd`, `v1`) are not.
const open = /^(\s+)(\w+)\.([A-Z]\w*) = \(function\(\) \{$/;
const stack = [];
let count = 0;
for (let i = 0; i < lines.length; i++) {
  const m = open.exec(lines[i]);
  if (m) {
    lines[i] = `${m[1]}$lazy(${m[2]}, "${m[3]}", function() {`;
    stack.push(m[1]);
    count++;
  } else if (stack.length > 0 && lines[i] === `${stack[stack.length - 1]}})();`) {
    lines[i] = `${stack.pop()}});`;
  }
}
const root = lines.findIndex((l) => l.startsWith('var $root'));
if (stack.length > 0 || count === 0 || root < 0) {
  throw new Error(`lazy-protos: ${file} is not shaped as pbjs's static-module output this expects`);
}
lines.splice(
  root + 1,
  0,
  'function $lazy(o, k, f) { Object.defineProperty(o, k, { configurable: true, enumerable: true, get: function () { ' +
    'var v = f(); Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true }); ' +
    'return v; } }); }',
);
writeFileSync(file, lines.join('\n'));
