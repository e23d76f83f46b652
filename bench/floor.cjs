// The floor under `tsdock run --rm --network none IMG true`, for `npm run bench`: the same containerd
// calls in the same order (image and lease, snapshot and container, task create/wait/start/delete,
// removal) over tsdock's HTTP/2 transport, with tsdock's generated protobuf code and the OCI spec
// tsdock made — and nothing else: no monitor, no log, no state, no names, no options, no stdio. What
// Node itself costs for this sequence; what tsdock measures above it is tsdock's own.
//
// bench/run.ts bundles it as tsdock is bundled and runs it as bin/tsdock runs tsdock (one script, V8
// code cache):  node floor.js ADDRESS NAMESPACE IMAGE CHAIN_ID SPEC_JSON_FILE
'use strict';
const fs = require('node:fs');
// tsdock's own transport (its HTTP/2 client) and id source: the floor is what Node costs beneath them.
const { Transport } = require('../src/runtime/containerd/transport.ts');
const { randomHex } = require('../src/runtime/state/ids.ts');
const g = require('../src/runtime/containerd/protos.gen.cjs').containerd.services;
const [address, namespace, image, chainId, specFile] = process.argv.slice(2);
const spec0 = JSON.parse(fs.readFileSync(specFile, 'utf8'));
const transport = new Transport(address);
transport.warm();
const CONVERT = { longs: Number, enums: String, bytes: Buffer, defaults: true };
async function call(path, Req, Res, obj, lease) {
  const metadata = { 'containerd-namespace': namespace };
  if (lease) metadata['containerd-lease'] = lease;
  try {
    const body = await transport.call('/containerd.services.' + path, Req.encode(Req.fromObject(obj)).finish(), {
      metadata,
      timeoutMs: 0,
      maxReceiveBytes: 64 << 20,
    });
    return Res.toObject(Res.decode(body), CONVERT);
  } catch (err) {
    throw new Error(path + ': ' + (err.details || err.message));
  }
}
(async () => {
  const id = randomHex(32);
  const [, leased] = await Promise.all([
    call('images.v1.Images/Get', g.images.v1.GetImageRequest, g.images.v1.GetImageResponse, { name: image }),
    call('leases.v1.Leases/Create', g.leases.v1.CreateRequest, g.leases.v1.CreateResponse, {
      id: 'floor-' + id.slice(0, 12),
      labels: {},
    }),
  ]);
  const lease = leased.lease.id;
  const spec = { ...spec0, linux: { ...spec0.linux, cgroupsPath: '/tsdock/' + id } };
  const [prepared] = await Promise.all([
    call(
      'snapshots.v1.Snapshots/Prepare',
      g.snapshots.v1.PrepareSnapshotRequest,
      g.snapshots.v1.PrepareSnapshotResponse,
      { snapshotter: 'overlayfs', key: id, parent: chainId },
      lease,
    ),
    call(
      'containers.v1.Containers/Create',
      g.containers.v1.CreateContainerRequest,
      g.containers.v1.CreateContainerResponse,
      {
        container: {
          id,
          labels: {},
          image,
          runtime: { name: 'io.containerd.runc.v2' },
          spec: {
            type_url: 'types.containerd.io/opencontainers/runtime-spec/1/Spec',
            value: Buffer.from(JSON.stringify(spec)),
          },
          snapshotter: 'overlayfs',
          snapshot_key: id,
        },
      },
    ),
  ]);
  await call('tasks.v1.Tasks/Create', g.tasks.v1.CreateTaskRequest, g.tasks.v1.CreateTaskResponse, {
    container_id: id,
    rootfs: prepared.mounts,
  });
  const waited = call('tasks.v1.Tasks/Wait', g.tasks.v1.WaitRequest, g.tasks.v1.WaitResponse, {
    container_id: id,
  });
  await call('tasks.v1.Tasks/Start', g.tasks.v1.StartRequest, g.tasks.v1.StartResponse, { container_id: id });
  const exit = (await waited).exit_status;
  await call('tasks.v1.Tasks/Delete', g.tasks.v1.DeleteTaskRequest, g.tasks.v1.DeleteResponse, {
    container_id: id,
  });
  await Promise.all([
    call(
      'containers.v1.Containers/Delete',
      g.containers.v1.DeleteContainerRequest,
      g.containers.v1.DeleteContainerRequest,
      { id },
    ),
    call(
      'snapshots.v1.Snapshots/Remove',
      g.snapshots.v1.RemoveSnapshotRequest,
      g.snapshots.v1.RemoveSnapshotRequest,
      { snapshotter: 'overlayfs', key: id },
    ),
    call('leases.v1.Leases/Delete', g.leases.v1.DeleteRequest, g.leases.v1.DeleteRequest, { id: lease }),
  ]);
  process.exit(exit);
})().catch((err) => {
  process.stderr.write(`floor: ${err.message}\n`);
  process.exit(125);
});
