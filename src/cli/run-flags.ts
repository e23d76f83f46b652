/**
 * The flags `run` and `create` share (docker/cli's addFlags in container/opts.go), declared once.
 * Names are Docker's; `runFlagsOf` hands them to the options parser under camelCase keys.
 */
import { Flags } from '@oclif/core';
import type { RunFlags } from '../runtime/opts/container.js';
import { camelFlags, int, type CamelFlags, type FlagValues } from './flags.js';

type Char = Parameters<typeof Flags.boolean>[0] extends infer O
  ? O extends { char?: infer C }
    ? C
    : never
  : never;
/** helpValue: Docker's name for the value's type, shown in help (bytes, decimal …); default string/list. */
const str = (description: string, char?: Char, helpValue?: string) =>
  Flags.string({ description, char, helpValue });
const many = (description: string, char?: Char, helpValue?: string) =>
  Flags.string({ description, multiple: true, char, helpValue });
const bool = (description: string, char?: Char) => Flags.boolean({ description, char });

export const createFlags = {
  name: str('Assign a name to the container'),
  env: many('Set environment variables', 'e'),
  'env-file': many('Read in a file of environment variables'),
  workdir: str('Working directory inside the container', 'w'),
  user: str('Username or UID (format: <name|uid>[:<group|gid>])', 'u'),
  entrypoint: str('Overwrite the default ENTRYPOINT of the image'),
  hostname: str('Container host name', 'h'),
  domainname: str('Container NIS domain name'),
  label: many('Set meta data on a container', 'l'),
  'label-file': many('Read in a line delimited file of labels'),
  interactive: bool('Keep STDIN open even if not attached', 'i'),
  tty: bool('Allocate a pseudo-TTY', 't'),
  'stop-signal': str('Signal to stop the container'),
  'stop-timeout': int(Flags.integer({ description: 'Timeout (in seconds) to stop a container' })),
  pull: Flags.option({ options: ['always', 'missing', 'never'] as const, default: 'missing' })({
    description: 'Pull image before creating ("always", "missing", "never")',
  }),
  cidfile: str('Write the container ID to the file'),
  rm: bool('Automatically remove the container and its associated anonymous volumes when it exits'),
  network: str('Connect a container to a network', undefined, 'network'),
  net: Flags.string({ description: 'Connect a container to a network', hidden: true }),
  'network-alias': many('Add network-scoped alias for the container'),
  publish: many("Publish a container's port(s) to the host", 'p'),
  'publish-all': bool('Publish all exposed ports to random ports', 'P'),
  expose: many('Expose a port or a range of ports'),
  dns: many('Set custom DNS servers'),
  'dns-search': many('Set custom DNS search domains'),
  'dns-option': many('Set DNS options'),
  'add-host': many('Add a custom host-to-IP mapping (host:ip)'),
  ip: str('IPv4 address (e.g., 172.30.100.104)'),
  'mac-address': str('Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  volume: many('Bind mount a volume', 'v'),
  mount: many('Attach a filesystem mount to the container', undefined, 'mount'),
  tmpfs: many('Mount a tmpfs directory'),
  'volumes-from': many('Mount volumes from the specified container(s)'),
  'group-add': many('Add additional groups to join'),
  'read-only': bool("Mount the container's root filesystem as read only"),
  restart: str('Restart policy to apply when a container exits'),
  init: bool('Run an init inside the container that forwards signals and reaps processes'),
  privileged: bool('Give extended privileges to this container'),
  'cap-add': many('Add Linux capabilities'),
  'cap-drop': many('Drop Linux capabilities'),
  'security-opt': many('Security Options'),
  'log-driver': str('Logging driver for the container'),
  'log-opt': many('Log driver options'),
  ulimit: many('Ulimit options', undefined, 'ulimit'),
  'shm-size': str('Size of /dev/shm', undefined, 'bytes'),
  cpus: str('Number of CPUs', undefined, 'decimal'),
  'cpu-period': int(Flags.integer({ description: 'Limit CPU CFS (Completely Fair Scheduler) period' })),
  'cpu-quota': int(Flags.integer({ description: 'Limit CPU CFS (Completely Fair Scheduler) quota' })),
  'cpu-shares': int(Flags.integer({ char: 'c', description: 'CPU shares (relative weight)' })),
  'cpuset-cpus': str('CPUs in which to allow execution (0-3, 0,1)'),
  'cpuset-mems': str('MEMs in which to allow execution (0-3, 0,1)'),
  memory: str('Memory limit', 'm', 'bytes'),
  'memory-swap': str(
    "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
    undefined,
    'bytes',
  ),
  'memory-reservation': str('Memory soft limit', undefined, 'bytes'),
  'memory-swappiness': int(
    Flags.integer({ description: 'Tune container memory swappiness (0 to 100)', default: -1 }),
  ),
  'oom-kill-disable': bool('Disable OOM Killer'),
  'oom-score-adj': int(Flags.integer({ description: "Tune host's OOM preferences (-1000 to 1000)" })),
  'pids-limit': int(Flags.integer({ description: 'Tune container pids limit (set -1 for unlimited)' })),
  'blkio-weight': int(
    Flags.integer({
      description: 'Block IO (relative weight), between 10 and 1000, or 0 to disable',
      helpValue: 'uint16',
    }),
  ),
  'device-read-bps': many('Limit read rate (bytes per second) from a device'),
  'device-write-bps': many('Limit write rate (bytes per second) to a device'),
  'device-read-iops': many('Limit read rate (IO per second) from a device'),
  'device-write-iops': many('Limit write rate (IO per second) to a device'),
  'cgroup-parent': str('Optional parent cgroup for the container'),
  cgroupns: Flags.option({ options: ['host', 'private'] as const })({
    description: 'Cgroup namespace to use (host|private)',
  }),
  platform: str('Set platform if server is multi-platform capable'),
  quiet: bool('Suppress the pull output', 'q'),
  link: many('Add link to another container'),
  'health-cmd': str('Command to run to check health'),
  'health-interval': str('Time between running the check (ms|s|m|h) (default 0s)', undefined, 'duration'),
  'health-retries': int(Flags.integer({ description: 'Consecutive failures needed to report unhealthy' })),
  'health-start-interval': str(
    'Time between running the check during the start period (ms|s|m|h) (default 0s)',
    undefined,
    'duration',
  ),
  'health-start-period': str(
    'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)',
    undefined,
    'duration',
  ),
  'health-timeout': str(
    'Maximum time to allow one check to run (ms|s|m|h) (default 0s)',
    undefined,
    'duration',
  ),
  'no-healthcheck': bool('Disable any container-specified HEALTHCHECK'),
  pid: str('PID namespace to use'),
  ipc: str('IPC mode to use'),
  uts: str('UTS namespace to use'),
  userns: str('User namespace to use'),
  device: many('Add a host device to the container'),
  'device-cgroup-rule': many('Add a rule to the cgroup allowed devices list'),
  sysctl: many('Sysctl options', undefined, 'map'),
};

export const runOnlyFlags = {
  detach: bool('Run container in background and print container ID', 'd'),
  'sig-proxy': Flags.boolean({ description: 'Proxy received signals to the process', default: true }),
  'detach-keys': str('Override the key sequence for detaching a container'),
  attach: many('Attach to STDIN, STDOUT or STDERR', 'a'),
};

/** tsdock's own (docs/kernel.md): the container's kernel plan instead of the container. */
export const planFlags = {
  'dry-run': bool(
    'Print the plan (namespaces, cgroup files, overlay dirs, mounts, network steps, iptables rules, OCI spec) and create nothing',
  ),
  format: str('With --dry-run: "json" for one JSON document, or a Go template'),
};

type CreateFlagValues = FlagValues<typeof createFlags>;
type RunOnlyFlagValues = FlagValues<typeof runOnlyFlags>;

/** The options parser's input: the flags under camelCase keys, the hidden `--net` as `--network`. */
export function runFlagsOf({ net, ...flags }: CreateFlagValues & Partial<RunOnlyFlagValues>): RunFlags {
  const named = camelFlags(flags);
  return { ...named, network: named.network ?? net };
}

// Every declared flag reaches the options parser and every RunFlags field has its flag: a flag
// renamed on either side fails to compile here (the error names it).
type Declared = keyof CamelFlags<Omit<CreateFlagValues, 'net'> & RunOnlyFlagValues>;
type Unread = Exclude<Declared, keyof RunFlags>;
type Undeclared = Exclude<keyof RunFlags, Declared | 'image' | 'args'>;
const _flagsMatchRunFlags: [Unread, Undeclared] extends [never, never]
  ? true
  : { unread: Unread; undeclared: Undeclared } = true;
