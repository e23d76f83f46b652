// The floor under `tsdock run --rm --network none IMG true`, for `npm run bench`: the same containerd
// calls in the same order (image and lease, snapshot and container, task create/wait/start/delete,
// removal) over tsdock's transport (rpc.ts: grpc-js with nice-grpc's clients and the generated
// protobuf code), with the OCI spec tsdock made — and nothing else: no monitor, no log, no state, no
// names, no options, no stdio. What Node and the transport cost for this sequence; what tsdock
// measures above it is tsdock's own.
//
// bench/run.ts bundles it as tsdock is bundled and runs it as bin/tsdock runs tsdock (one script, V8
// code cache):  node floor.js ADDRESS NAMESPACE IMAGE CHAIN_ID SPEC_JSON_FILE
import { readFileSync } from 'node:fs';
import { Metadata } from 'nice-grpc';
import { ContainersDefinition } from '../src/runtime/containerd/gen/containers.js';
import { ImagesDefinition } from '../src/runtime/containerd/gen/images.js';
import { LeasesDefinition } from '../src/runtime/containerd/gen/leases.js';
import { SnapshotsDefinition } from '../src/runtime/containerd/gen/snapshots.js';
import { TasksDefinition } from '../src/runtime/containerd/gen/tasks.js';
import { Connection } from '../src/runtime/containerd/rpc.js';
import { randomHex } from '../src/runtime/state/ids.js';

const [address, namespace, image, chainId, specFile] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const spec0 = JSON.parse(readFileSync(specFile, 'utf8')) as { linux: Record<string, unknown> };
const conn = new Connection(address);
const opts = (lease?: string) => ({
  metadata: Metadata({ 'containerd-namespace': namespace, ...(lease ? { 'containerd-lease': lease } : {}) }),
});

(async () => {
  const id = randomHex(32);
  const [, leased] = await Promise.all([
    conn.client(ImagesDefinition).get({ name: image }, opts()),
    conn.client(LeasesDefinition).create({ id: `floor-${id.slice(0, 12)}` }, opts()),
  ]);
  const lease = leased.lease!.id;
  const spec = { ...spec0, linux: { ...spec0.linux, cgroupsPath: `/tsdock/${id}` } };
  const [prepared] = await Promise.all([
    conn
      .client(SnapshotsDefinition)
      .prepare({ snapshotter: 'overlayfs', key: id, parent: chainId }, opts(lease)),
    conn.client(ContainersDefinition).create(
      {
        container: {
          id,
          image,
          runtime: { name: 'io.containerd.runc.v2' },
          spec: {
            typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/Spec',
            value: Buffer.from(JSON.stringify(spec)),
          },
          snapshotter: 'overlayfs',
          snapshotKey: id,
        },
      },
      opts(),
    ),
  ]);
  const tasks = conn.client(TasksDefinition);
  await tasks.create({ containerId: id, rootfs: prepared.mounts }, opts());
  const waited = tasks.wait({ containerId: id }, opts());
  await tasks.start({ containerId: id }, opts());
  const exit = (await waited).exitStatus;
  await tasks.delete({ containerId: id }, opts());
  await Promise.all([
    conn.client(ContainersDefinition).delete({ id }, opts()),
    conn.client(SnapshotsDefinition).remove({ snapshotter: 'overlayfs', key: id }, opts()),
    conn.client(LeasesDefinition).delete({ id: lease }, opts()),
  ]);
  process.exit(exit);
})().catch((err: Error) => {
  process.stderr.write(`floor: ${err.message}\n`);
  process.exit(125);
});
