/**
 * RUN: the command as a real containerd task on the step's prepared snapshot, in a container
 * built by the same spec builder `run` uses (namespaces, capabilities, masked paths, default
 * security profile), with the stage's env, user, working directory and the build's network. Its
 * output comes back through FIFOs this process reads; nothing of it outlives the step: the task,
 * the container, the network endpoint and the step's directory are removed whatever happens, and
 * if this process is killed the build reaper (see leftovers.ts) removes them instead.
 */
import { cpus, totalmem } from 'node:os';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ContainerdClient } from '../containerd/client.js';
import type { Mount } from '../containerd/types.js';
import type { RuntimeContext } from '../context.js';
import { detectCgroupVersion } from '../cgroups/files.js';
import { parseContainerOptions } from '../opts/container.js';
import { buildSpec } from '../spec/build.js';
import { randomHex } from '../state/ids.js';
import { resolveUser } from '../container/rootfs.js';
import { makeFifos, OutputFifos } from '../container/stdio.js';
import { hostsFile, resolvConf } from '../network/hosts.js';

/** Labels a build's containers with its process, so leftovers of a killed build can be found. */
export const BUILD_PID_LABEL = 'tsdock.build/pid';
/** BuildKit's hostname inside RUN steps. */
const HOSTNAME = 'buildkitsandbox';

export type BuildNetwork = 'bridge' | 'none' | 'host';

export interface RunStepInput {
  client: ContainerdClient;
  snapshotKey: string;
  mounts: Mount[];
  argv: string[];
  env: string[];
  user: string;
  workdir: string;
  network: BuildNetwork;
  extraHosts: string[];
  onOutput: (stream: 1 | 2, data: Buffer) => void;
  signal?: AbortSignal;
}

export class RunStepError extends Error {}

/** Runs the step's command; resolves with its exit status. */
export async function runStep(ctx: RuntimeContext, input: RunStepInput): Promise<number> {
  // Random from the first character: veth and namespace names are cut from the front of the id.
  const id = randomHex(32);
  const dir = join(ctx.globals.dataRoot, 'tmp', 'build', id);
  const { client } = input;
  let user;
  try {
    user = await resolveUser(input.mounts, input.user);
  } catch (err) {
    throw new RunStepError((err as Error).message);
  }
  await mkdir(join(dir, 'io'), { recursive: true, mode: 0o700 });
  let endpoint = false;
  let created = false;
  try {
    const opts = parseContainerOptions(
      { network: input.network, addHost: input.extraHosts },
      {},
      { cpus: cpus().length, memTotal: totalmem() },
    );
    const netns = input.network === 'bridge' ? `${ctx.config.bridge}-${id.slice(0, 12)}` : undefined;
    await Promise.all([
      writeFile(join(dir, 'hostname'), `${HOSTNAME}\n`),
      writeFile(join(dir, 'hosts'), hostsFile({ hostname: HOSTNAME, extraHosts: input.extraHosts })),
      resolvConf(opts).then((text) => writeFile(join(dir, 'resolv.conf'), text)),
    ]);
    let netnsPath: string | undefined;
    if (netns) {
      const [{ NetworkStore }, { setupEndpoint }, { netnsPath: pathOf }] = await Promise.all([
        import('../network/networks.js'),
        import('../network/endpoint.js'),
        import('../network/links.js'),
      ]);
      const net = await new NetworkStore(ctx).find('bridge');
      endpoint = true;
      await setupEndpoint(ctx, {
        id,
        name: id,
        containerDir: dir,
        net,
        netns,
        hostname: HOSTNAME,
        aliases: [],
        bindings: {},
        extraHosts: input.extraHosts,
        hostsPath: join(dir, 'hosts'),
      });
      netnsPath = pathOf(netns);
    }
    const spec = buildSpec({
      id,
      opts,
      image: { config: { Env: input.env, WorkingDir: input.workdir } },
      command: input.argv,
      user,
      hostname: HOSTNAME,
      etcFiles: {
        hosts: join(dir, 'hosts'),
        resolvConf: join(dir, 'resolv.conf'),
        hostname: join(dir, 'hostname'),
      },
      ...(netnsPath ? { netnsPath } : {}),
      cgroupsPath: posix.join('/tsdock', id),
      cgroupVersion: detectCgroupVersion(),
    });
    // A step's environment is exactly the stage's (BuildKit adds no HOSTNAME).
    spec.process.env = input.env.some((e) => e.startsWith('PATH='))
      ? [...input.env]
      : [`PATH=${spec.process.env.find((e) => e.startsWith('PATH='))!.slice(5)}`, ...input.env];
    await client.containers.create({
      id,
      labels: { [BUILD_PID_LABEL]: String(process.pid) },
      image: '',
      runtime: { name: 'io.containerd.runc.v2' },
      spec,
      snapshotter: 'overlayfs',
      snapshotKey: input.snapshotKey,
    });
    created = true;
    const stdoutPath = join(dir, 'io', 'stdout');
    const stderrPath = join(dir, 'io', 'stderr');
    await makeFifos([stdoutPath, stderrPath]);
    const fifos = new OutputFifos([stdoutPath, stderrPath]);
    const drained = Promise.all(
      fifos.streams.map(
        (sock, i) =>
          new Promise<void>((resolve) => {
            sock.on('data', (d: Buffer) => input.onOutput(i === 0 ? 1 : 2, d));
            sock.on('end', () => resolve());
            sock.on('close', () => resolve());
            sock.on('error', () => resolve());
          }),
      ),
    );
    try {
      try {
        // The init process's shim opens its write ends while the task is created.
        await fifos.opening(() =>
          client.tasks.create({
            containerId: id,
            rootfs: input.mounts,
            stdout: stdoutPath,
            stderr: stderrPath,
          }),
        );
      } catch (e) {
        throw new RunStepError((e as Error).message.replace(/^Error response from daemon: /, ''));
      }
      const waiting = client.tasks.wait(id);
      waiting.catch(() => undefined);
      const abort = () => void client.tasks.kill(id, 9).catch(() => undefined);
      input.signal?.addEventListener('abort', abort, { once: true });
      try {
        await client.tasks.start(id);
        const exited = await waiting;
        await drained;
        return exited.exitStatus;
      } finally {
        input.signal?.removeEventListener('abort', abort);
      }
    } finally {
      fifos.close();
    }
  } finally {
    if (created) {
      await client.tasks.kill(id, 9).catch(() => undefined);
      await client.tasks.delete(id).catch(() => undefined);
      await client.containers.delete(id).catch(() => undefined);
    }
    if (endpoint)
      await import('../network/endpoint.js').then((m) => m.teardownEndpoint(ctx, id)).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
