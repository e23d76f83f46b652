/** What a dry run must leave as it was, read from containerd, the data root and the kernel. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from '../harness/cli.js';
import { containerdDaemon, RUN_BRIDGE } from './_setup.test.js';

/** Everything a dry run must leave as it was, read from containerd, the data root and the kernel. */
export async function world(): Promise<Record<string, unknown>> {
  const env = testEnv();
  const { ContainerdClient } = await import('../../src/runtime/containerd/client.js');
  const client = new ContainerdClient(env.address, env.namespace);
  try {
    // Whatever an earlier test removed is collected now (a lease deleted with sync runs the GC),
    // not between the two readings.
    await client.leases.delete((await client.leases.create()).id, true);
    const walk = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => {
            const p = join(e.parentPath, e.name);
            const st = statSync(p, { throwIfNoEntry: false });
            return `${p} ${st?.size ?? '-'} ${st?.mtimeMs ?? '-'}`;
          })
        : [];
    const snapshotDirs = join(
      containerdDaemon()!.root,
      'io.containerd.snapshotter.v1.overlayfs',
      'snapshots',
    );
    return {
      containers: (await client.containers.list()).map((c) => c.id).sort(),
      snapshots: (await client.snapshots.list()).map((s) => `${s.name} ${s.kind} ${s.parent}`).sort(),
      leases: (await client.leases.list()).map((l) => l.id).sort(),
      snapshotDirs: readdirSync(snapshotDirs).sort(),
      dataRoot: walk(env.dataRoot).sort(),
      netns: existsSync('/run/netns')
        ? readdirSync('/run/netns').filter((n) => n.startsWith(RUN_BRIDGE))
        : [],
      // Names and masters only: a bridge's carrier flags follow veths coming and going.
      links: execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(RUN_BRIDGE))
        .map((l) => `${/^\d+: (\S+):/.exec(l)?.[1]} ${/ master (\S+)/.exec(l)?.[1] ?? ''}`),
      iptables: execFileSync('iptables-save', [], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(RUN_BRIDGE))
        .map((l) => l.replace(/\[\d+:\d+\]/, '')),
    };
  } finally {
    client.close();
  }
}

/** The options of the overlay mounted at a container's rootfs, as /proc/mounts has them. */
