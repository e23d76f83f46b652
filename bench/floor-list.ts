// The floor under `tsdock ps -a`, for `npm run bench`: one Containers.List from a bare Node program
// over tsdock's transport (rpc.ts: grpc-js with nice-grpc's clients and the generated protobuf code),
// bundled and code-cached as tsdock is — what Node and the transport cost for a listing, without
// tsdock's records, options or table.
//
//   node floor-list.js ADDRESS NAMESPACE
import { Metadata } from 'nice-grpc';
import { ContainersDefinition } from '../src/runtime/containerd/gen/containers.js';
import { Connection } from '../src/runtime/containerd/rpc.js';

const [address, namespace] = process.argv.slice(2) as [string, string];
const conn = new Connection(address);

(async () => {
  const { containers } = await conn
    .client(ContainersDefinition)
    .list({ filters: [] }, { metadata: Metadata({ 'containerd-namespace': namespace }) });
  process.stdout.write(`${containers.length}\n`);
  process.exit(0);
})().catch((err: Error) => {
  process.stderr.write(`floor-list: ${err.message}\n`);
  process.exit(125);
});
