/**
 * A private containerd for tests: own socket, root, state and opt dirs under one temp dir, so the
 * suite never touches the machine's containerd. stop() ends what this daemon started (its shims,
 * found by our socket path on their command line), unmounts what is left and removes the dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, openSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ContainerdClient } from '../../src/runtime/containerd/client.js';

export interface PrivateContainerd {
  address: string;
  root: string;
  state: string;
  dir: string;
  pid: number;
  stop(): Promise<void>;
  /**
   * Restarts the daemon on the same socket and directories. killShims: a crash that takes the
   * shims and their containers with it (as a host or cgroup OOM would); otherwise the shims and
   * their tasks outlive containerd, as on `systemctl restart containerd`.
   */
  restart(opts: { killShims: boolean }): Promise<void>;
}

function shimPids(address: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.includes('containerd-shim') && cmd.includes(address)) pids.push(Number(d));
    } catch {
      /* process gone */
    }
  }
  return pids;
}

/** Processes whose parent is one of pids (a shim's children are the containers' init processes). */
function childrenOf(pids: number[]): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // the command name may hold spaces or parentheses: the ppid follows the last ')'
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (pids.includes(ppid)) out.push(Number(d));
    } catch {
      /* process gone */
    }
  }
  return out;
}

/**
 * Kills and deletes every task through containerd, so runc removes its cgroups and the shims
 * unmount the rootfs; what a test left half-broken is killed by PID afterwards.
 */
async function deleteTasks(address: string): Promise<void> {
  const admin = new ContainerdClient(address, 'default');
  try {
    for (const ns of await admin.namespaces.list()) {
      const c = new ContainerdClient(address, ns.name);
      try {
        for (const t of await c.tasks.list()) {
          await c.tasks.kill(t.id, 9, { all: true }).catch(() => undefined);
          await Promise.race([c.tasks.wait(t.id), new Promise((r) => setTimeout(r, 5_000))]).catch(
            () => undefined,
          );
          await c.tasks.delete(t.id).catch(() => undefined);
        }
      } finally {
        c.close();
      }
    }
  } catch {
    /* the daemon is gone: the PID-based clean-up below still runs */
  } finally {
    admin.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

export function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .map((m) => m.replace(/\\040/g, ' '))
    .filter((m) => m.startsWith(dir))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
}

/** Starts containerd with this config and waits until it answers; returns its pid. */
async function launch(config: string, address: string, log: string): Promise<number> {
  const child: ChildProcess = spawn('containerd', ['--config', config], {
    stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
    detached: false,
  });
  const client = new ContainerdClient(address, 'default');
  const deadline = Date.now() + 20_000;
  try {
    for (;;) {
      try {
        if (existsSync(address)) {
          await client.version();
          return child.pid!;
        }
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline || child.exitCode !== null) {
        const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
        child.kill('SIGKILL');
        throw new Error(`private containerd did not start:\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    client.close();
  }
}

export interface ContainerdOptions {
  /**
   * Config lines that enable containerd's CRI plugin (see cri.ts), given the daemon's temp dir;
   * without them the plugin is disabled, as tsdock's own tests need nothing of it.
   */
  cri?: (dir: string) => string[];
}

export async function startContainerd(opts: ContainerdOptions = {}): Promise<PrivateContainerd> {
  const dir = mkdtempSync('/tmp/tsdock-test-');
  const address = join(dir, 'containerd.sock');
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${root}"`,
      `state = "${state}"`,
      opts.cri ? 'disabled_plugins = []' : 'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(dir, 'opt')}"`,
      ...(opts.cri?.(dir) ?? []),
      '',
    ].join('\n'),
  );
  const log = join(dir, 'containerd.log');
  let pid = await launch(config, address, log);
  return {
    address,
    root,
    state,
    dir,
    get pid() {
      return pid;
    },
    async restart(opts: { killShims: boolean }) {
      if (opts.killShims) {
        const shims = shimPids(address);
        for (const p of [...childrenOf(shims), ...shims]) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      process.kill(pid, opts.killShims ? 'SIGKILL' : 'SIGTERM');
      if (!(await waitGone(pid, 10_000))) process.kill(pid, 'SIGKILL');
      pid = await launch(config, address, log);
    },
    async stop() {
      if (alive(pid)) await deleteTasks(address);
      const shims = shimPids(address);
      for (const p of [...childrenOf(shims), ...shims]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      if (alive(pid)) {
        process.kill(pid, 'SIGTERM');
        if (!(await waitGone(pid, 10_000))) process.kill(pid, 'SIGKILL');
      }
      unmountUnder(dir);
      if (process.env.TSDOCK_TEST_CONTAINERD_LOG === '1') {
        process.stderr.write(readFileSync(log, 'utf8'));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
