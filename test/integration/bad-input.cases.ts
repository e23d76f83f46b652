/**
 * The bad-input corpus (issue 16): invalid invocations, each with the one line tsdock must print
 * first on stderr and its exit code. Placeholders, replaced by bad-input.test.ts: IMG the test
 * image, RUNNING / STOPPED a running and a created container, NET a user network, VOL a volume,
 * NEW a name no object has (so a half-made one would show), DIR a scratch directory with the files
 * the cases name (see the test). `err` is the whole first line, or a RegExp for messages that carry
 * a measured or generated part (placeholders are replaced in it too).
 */
export interface BadInput {
  args: string[];
  code: number;
  err: string | RegExp;
  /** stdin */
  input?: string;
  /** extra environment (e.g. TSDOCK_CONFIG at a broken file) */
  env?: Record<string, string>;
  /** The lines Docker prints after the first one for this error (a message of its own in two lines). */
  more?: string[];
  /** build: BuildKit's progress comes first; `err` is the last line. */
  progress?: boolean;
}

const RUN = ['run', '--rm', '--network', 'none', '--name', 'NEW'];
const r = (flags: string[], err: string | RegExp, code = 125, cmd = ['true']): BadInput => ({
  args: [...RUN, ...flags, 'IMG', ...cmd],
  code,
  err,
});
const c = (args: string[], code: number, err: string | RegExp, more: Partial<BadInput> = {}): BadInput => ({
  args,
  code,
  err,
  ...more,
});

export const CASES: BadInput[] = [
  // ---- sizes
  r(['--memory', 'abc'], 'invalid argument "abc" for "-m, --memory" flag: invalid size: \'abc\''),
  r(['--memory', '10x'], 'invalid argument "10x" for "-m, --memory" flag: invalid suffix: \'x\''),
  r(
    ['--memory', '1.5.5m'],
    'invalid argument "1.5.5m" for "-m, --memory" flag: strconv.ParseFloat: parsing "1.5.5": invalid syntax',
  ),
  r(['--memory', '1k'], 'tsdock: Minimum memory limit allowed is 6MB'),
  r(
    ['--memory', '20m', '--memory-swap', '10m'],
    'tsdock: Minimum memoryswap limit should be larger than memory limit, see usage',
  ),
  r(['--memory-swap', 'abc'], 'invalid argument "abc" for "--memory-swap" flag: invalid size: \'abc\''),
  r(
    ['--memory-reservation', 'zz'],
    'invalid argument "zz" for "--memory-reservation" flag: invalid size: \'zz\'',
  ),
  r(['--shm-size', 'abc'], 'invalid argument "abc" for "--shm-size" flag: invalid size: \'abc\''),
  r(['--shm-size', '-1'], 'invalid argument "-1" for "--shm-size" flag: invalid size: \'-1\''),
  r(['--memory-swappiness', '101'], 'tsdock: invalid value: 101. Valid memory swappiness range is 0-100'),
  r(['--kernel-memory', 'abc'], 'unknown flag: --kernel-memory'),
  r(['--storage-opt', 'size=abc'], 'unknown flag: --storage-opt'),
  // ---- cpus, cgroup numbers
  r(['--cpus', 'abc'], 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number'),
  r(['--cpus', '-1'], 'tsdock: range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'),
  r(['--cpus', '10000'], 'tsdock: range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'),
  r(
    ['--cpu-shares', 'abc'],
    'invalid argument "abc" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "abc": invalid syntax',
  ),
  r(['--cpuset-cpus', 'abc'], 'tsdock: Invalid value abc for cpuset cpus: invalid format: abc'),
  r(['--cpuset-cpus', '999'], 'tsdock: Requested CPUs are not available - requested 999, available: 0-1'),
  r(['--cpuset-mems', 'x-y'], 'tsdock: Invalid value x-y for cpuset mems: invalid format: x-y'),
  r(
    ['--cpu-period', 'abc'],
    'invalid argument "abc" for "--cpu-period" flag: strconv.ParseInt: parsing "abc": invalid syntax',
  ),
  r(
    ['--cpu-quota', 'abc'],
    'invalid argument "abc" for "--cpu-quota" flag: strconv.ParseInt: parsing "abc": invalid syntax',
  ),
  r(
    ['--cpus', '0.5', '--cpu-quota', '1000'],
    'tsdock: Conflicting options: Nano CPUs and CPU Quota cannot both be set',
  ),
  r(
    ['--pids-limit', 'abc'],
    'invalid argument "abc" for "--pids-limit" flag: strconv.ParseInt: parsing "abc": invalid syntax',
  ),
  r(['--blkio-weight', '5'], 'tsdock: Range of blkio weight is from 10 to 1000'),
  r(['--oom-score-adj', '2000'], 'tsdock: Invalid value 2000, range for oom score adj is [-1000, 1000]'),
  r(
    ['--device-read-bps', '/dev/null:abc'],
    'invalid argument "/dev/null:abc" for "--device-read-bps" flag: invalid rate for device: /dev/null:abc. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb',
  ),
  r(
    ['--device-write-iops', 'nocolon'],
    'invalid argument "nocolon" for "--device-write-iops" flag: bad format: nocolon',
  ),
  // ---- durations and counts
  r(
    ['--stop-timeout', 'abc'],
    'invalid argument "abc" for "--stop-timeout" flag: strconv.ParseInt: parsing "abc": invalid syntax',
  ),
  r(
    ['--health-cmd', 'true', '--health-interval', 'abc'],
    'invalid argument "abc" for "--health-interval" flag: time: invalid duration "abc"',
  ),
  r(
    ['--health-cmd', 'true', '--health-interval', '100us'],
    'tsdock: Error response from daemon: Interval in Healthcheck cannot be less than 1ms',
  ),
  r(['--health-cmd', 'true', '--health-timeout', '-1s'], 'tsdock: --health-timeout cannot be negative'),
  r(['--health-cmd', 'true', '--health-retries', '-1'], 'tsdock: --health-retries cannot be negative'),
  r(
    ['--health-cmd', 'true', '--health-start-period', '5'],
    'invalid argument "5" for "--health-start-period" flag: time: missing unit in duration "5"',
  ),
  r(
    ['--health-cmd', 'true', '--health-start-interval', '10us'],
    'tsdock: Error response from daemon: StartInterval in Healthcheck cannot be less than 1ms',
  ),
  r(
    ['--no-healthcheck', '--health-cmd', 'true'],
    'tsdock: --no-healthcheck conflicts with --health-* options',
  ),
  // ---- ports
  r(['-p', 'abc'], 'tsdock: invalid containerPort: abc'),
  r(['-p', '70000:80'], 'tsdock: invalid hostPort: 70000'),
  r(['-p', '80:70000'], 'tsdock: invalid containerPort: 70000'),
  r(['-p', '1.2.3:80:80'], 'tsdock: invalid IP address: 1.2.3'),
  r(['-p', '80-82:90-91'], 'tsdock: invalid ranges specified for container and host Ports: 90-91 and 80-82'),
  r(['-p', '80/sctpx'], 'tsdock: invalid proto: sctpx'),
  r(['-p', '0.0.0.0:abc:80'], 'tsdock: invalid hostPort: abc'),
  r(['-p', '127.0.0.1:80:'], 'tsdock: no port specified: 127.0.0.1:80:<empty>'),
  r(
    ['--expose', 'abc'],
    'tsdock: invalid range format for --expose: abc, error: strconv.ParseUint: parsing "abc": invalid syntax',
  ),
  r(
    ['--expose', '90-80'],
    'tsdock: invalid range format for --expose: 90-80, error: invalid range specified for port: 90-80',
  ),
  // ---- names and addresses
  r(
    ['--name', 'bad name'],
    'tsdock: Error response from daemon: Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
  ),
  r(
    ['--name', '-x'],
    'tsdock: Error response from daemon: Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
  ),
  r(
    ['--name', 'a/b'],
    'tsdock: Error response from daemon: Invalid container name (a/b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
  ),
  r(['--hostname', 'a_b!'], 'tsdock: invalid hostname format: a_b!'),
  r(
    ['--hostname', `${'a'.repeat(70)}`],
    'tsdock: invalid hostname format: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ),
  r(['--domainname', 'a b'], 'tsdock: invalid domainname format: a b'),
  r(
    ['--add-host', 'nohost'],
    'invalid argument "nohost" for "--add-host" flag: bad format for add-host: "nohost"',
  ),
  r(
    ['--add-host', 'a:notip'],
    'invalid argument "a:notip" for "--add-host" flag: invalid IP address in add-host: "notip"',
  ),
  r(
    ['--add-host', 'bad host:1.2.3.4'],
    'invalid argument "bad host:1.2.3.4" for "--add-host" flag: invalid hostname in add-host: "bad host"',
  ),
  r(['--dns', 'abc'], 'invalid argument "abc" for "--dns" flag: IP address is not correctly formatted: abc'),
  r(['--dns-search', 'a b'], 'invalid argument "a b" for "--dns-search" flag: a b is not a valid domain'),
  r(
    ['--dns-option', 'a b'],
    'invalid argument "a b" for "--dns-option" flag: a b is not a valid resolver option',
  ),
  r(['--mac-address', 'zz'], 'tsdock: zz is not a valid mac address'),
  r(['--ip', '999.1.1.1'], 'tsdock: invalid IPv4 address: 999.1.1.1'),
  r(['--ip6', 'zz'], 'unknown flag: --ip6'),
  // ---- networks and namespaces (on the default bridge: nothing may be left on it)
  c(
    ['run', '--rm', '--name', 'NEW', '--network', 'no-such-net-xyz', 'IMG', 'true'],
    125,
    'tsdock: Error response from daemon: network no-such-net-xyz not found',
  ),
  c(
    ['run', '--rm', '--name', 'NEW', '--network', 'container:no-such-ctr-xyz', 'IMG', 'true'],
    125,
    'tsdock: Error response from daemon: No such container: no-such-ctr-xyz',
  ),
  c(
    ['run', '--rm', '--name', 'NEW', '--network', 'bridge', '--ip', '10.255.255.1', 'IMG', 'true'],
    125,
    'tsdock: Error response from daemon: user specified IP address is supported on user defined networks only',
  ),
  c(
    ['run', '--rm', '--name', 'NEW', '--network', 'bridge', '--network-alias', 'x', 'IMG', 'true'],
    125,
    'tsdock: Error response from daemon: network-scoped alias is supported only for containers in user defined networks',
  ),
  c(
    ['run', '--rm', '--name', 'NEW', '--network', 'NET', '--ip', '8.8.8.8', 'IMG', 'true'],
    125,
    'tsdock: Error response from daemon: invalid endpoint settings:',
    { more: ['no configured subnet or ip-range contain the IP address 8.8.8.8'] },
  ),
  c(
    [
      'run',
      '--rm',
      '--name',
      'NEW',
      '--network',
      'host',
      '--mac-address',
      '02:42:ac:11:00:02',
      'IMG',
      'true',
    ],
    125,
    'tsdock: conflicting options: mac-address and the network mode',
  ),
  r(['--ipc', 'bogus'], 'tsdock: Error response from daemon: invalid IPC mode: bogus'),
  r(['--pid', 'bogus'], 'tsdock: --pid: invalid PID mode'),
  r(['--uts', 'bogus'], 'tsdock: --uts: invalid UTS mode'),
  r(['--userns', 'bogus'], 'tsdock: --userns: invalid USER mode'),
  r(['--cgroupns', 'bogus'], 'invalid argument "bogus" for "--cgroupns" flag: must be one of host, private'),
  r(
    ['--pid', 'container:no-such-ctr-xyz'],
    'tsdock: Error response from daemon: No such container: no-such-ctr-xyz',
  ),
  // Legacy links are checked on the default bridge and on `none` (not on user networks).
  c(
    ['run', '--rm', '--name', 'NEW', '--link', ':x', 'IMG', 'true'],
    125,
    'tsdock: Error response from daemon: could not get container for : invalid name or ID supplied: ""',
  ),
  r(
    ['--link', 'no-such-ctr-xyz:x'],
    'tsdock: Error response from daemon: could not get container for no-such-ctr-xyz: No such container: no-such-ctr-xyz',
  ),
  c(
    ['create', '--name', 'NEW', '--link', ':x', 'IMG', 'true'],
    1,
    'Error response from daemon: could not get container for : invalid name or ID supplied: ""',
  ),
  // ---- restart, logging, limits, kernel
  r(
    ['--restart', 'bogus'],
    "tsdock: invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
  ),
  r(
    ['--restart', 'on-failure:x'],
    'tsdock: invalid restart policy format: maximum retry count must be an integer',
  ),
  r(
    ['--restart', 'always:3'],
    "tsdock: invalid restart policy: maximum retry count can only be used with 'on-failure'",
  ),
  c(
    ['run', '--rm', '--restart', 'always', '--name', 'NEW', '--network', 'none', 'IMG', 'true'],
    125,
    'tsdock: conflicting options: cannot specify both --restart and --rm',
  ),
  r(['--log-driver', 'syslog'], 'tsdock: log driver "syslog" is not supported by tsdock (json-file only)'),
  r(['--log-opt', 'max-size=abc'], "tsdock: failed to initialize logging driver: invalid size: 'abc'"),
  r(
    ['--log-opt', 'max-file=0'],
    'tsdock: failed to initialize logging driver: max-file cannot be less than 1',
  ),
  r(['--log-opt', 'bogus=1'], "tsdock: unknown log opt 'bogus' for json-file log driver"),
  r(['--log-opt', 'noequals'], "tsdock: unknown log opt 'noequals' for json-file log driver"),
  r(
    ['--ulimit', 'nofile=abc'],
    'invalid argument "nofile=abc" for "--ulimit" flag: strconv.ParseInt: parsing "abc": invalid syntax',
  ),
  r(['--ulimit', 'bogus=1'], 'invalid argument "bogus=1" for "--ulimit" flag: invalid ulimit type: bogus'),
  r(
    ['--ulimit', 'nofile=10:5'],
    'invalid argument "nofile=10:5" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 10 > 5',
  ),
  r(
    ['--sysctl', 'kernel.bogus=1'],
    'invalid argument "kernel.bogus=1" for "--sysctl" flag: sysctl \'kernel.bogus=1\' is not allowed',
  ),
  r(
    ['--sysctl', 'net.ipv4.ip_forward'],
    'invalid argument "net.ipv4.ip_forward" for "--sysctl" flag: sysctl \'net.ipv4.ip_forward\' is not allowed',
  ),
  r(
    ['--device', '/nonexistent-device'],
    'tsdock: Error response from daemon: error gathering device information while adding custom device "/nonexistent-device": no such file or directory',
    127,
  ),
  r(
    ['--device', '/dev/null:relative'],
    'invalid argument "/dev/null:relative" for "--device" flag: relative is not an absolute path',
  ),
  r(
    ['--device', '/dev/null:/dev/x:rwz'],
    'invalid argument "/dev/null:/dev/x:rwz" for "--device" flag: bad mode specified: rwz',
  ),
  r(
    ['--device-cgroup-rule', 'bad'],
    'invalid argument "bad" for "--device-cgroup-rule" flag: invalid device cgroup format \'bad\'',
  ),
  r(['--cap-add', 'BOGUS'], 'tsdock: unknown capability: "CAP_BOGUS"'),
  r(['--cap-drop', 'BOGUS'], 'tsdock: unknown capability: "CAP_BOGUS"'),
  r(['--gpus', 'all'], 'unknown flag: --gpus'),
  // ---- security options
  r(['--security-opt', 'bogus'], 'tsdock: Invalid --security-opt: "bogus"'),
  r(
    ['--security-opt', 'seccomp=DIR/missing.json'],
    'tsdock: opening seccomp profile (DIR/missing.json) failed: open DIR/missing.json: no such file or directory',
  ),
  r(
    ['--security-opt', 'seccomp=DIR/bad.json'],
    'tsdock: compacting json for seccomp profile (DIR/bad.json) failed: Unexpected end of JSON input',
  ),
  r(
    ['--security-opt', 'no-new-privileges=maybe'],
    'tsdock: Error response from daemon: invalid --security-opt 2: "no-new-privileges=maybe"',
  ),
  r(
    ['--security-opt', 'systempaths=bogus'],
    'tsdock: Error response from daemon: invalid --security-opt 2: "systempaths=bogus"',
  ),
  // ---- environment, labels, files
  r(['--env-file', 'DIR/missing.env'], 'tsdock: open DIR/missing.env: no such file or directory'),
  r(
    ['--env-file', 'DIR/bad.env'],
    "tsdock: invalid env file (DIR/bad.env): no variable name on line '=novalue'",
  ),
  r(['--label-file', 'DIR/missing.labels'], 'tsdock: open DIR/missing.labels: no such file or directory'),
  r(['-e', '=x'], 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x'),
  r(['--label', '=x'], 'invalid argument "=x" for "-l, --label" flag: invalid label \'=x\': empty name'),
  r(
    ['--cidfile', 'DIR/existing.cid'],
    "tsdock: container ID file found, make sure the other container isn't running or delete DIR/existing.cid",
  ),
  r(
    ['-w', 'relative/dir'],
    "tsdock: the working directory 'relative/dir' is invalid, it needs to be an absolute path",
  ),
  r(['--stop-signal', 'SIGBOGUS'], 'tsdock: Invalid signal: SIGBOGUS'),
  r(['--detach-keys', 'ctrl-'], 'Invalid detach keys (ctrl-) provided'),
  // ---- mounts and volumes
  r(['-v', ''], 'tsdock: invalid empty volume spec'),
  r(['-v', ':/x'], 'tsdock: invalid spec: :/x: empty section between colons'),
  r(
    ['-v', '/tmp:relative'],
    "tsdock: Error response from daemon: invalid volume specification: '/tmp:relative': invalid mount config for type \"bind\": invalid mount path: 'relative' mount path must be absolute",
  ),
  r(['-v', 'VOL:/x:zz'], 'tsdock: Error response from daemon: invalid mode: zz'),
  r(['-v', '/tmp:/x:ro,rw'], 'tsdock: Error response from daemon: invalid mode: ro,rw'),
  r(
    ['--mount', 'type=bogus,target=/x'],
    'tsdock: Error response from daemon: invalid mount config for type "bogus": mount type unknown',
  ),
  r(
    ['--mount', 'type=bind,target=/x'],
    'tsdock: Error response from daemon: invalid mount config for type "bind": field Source must not be empty',
  ),
  r(
    ['--mount', 'type=bind,src=/nonexistent-src,dst=/x'],
    'tsdock: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: /nonexistent-src',
  ),
  r(
    ['--mount', 'type=tmpfs,dst=/x,tmpfs-size=abc'],
    'invalid argument "type=tmpfs,dst=/x,tmpfs-size=abc" for "--mount" flag: invalid value for tmpfs-size: abc',
  ),
  r(
    ['--mount', 'type=volume,src=VOL'],
    'tsdock: Error response from daemon: invalid mount config for type "volume": field Target must not be empty',
  ),
  r(
    ['--mount', 'type=volume,target=/x,readonly=maybe'],
    'invalid argument "type=volume,target=/x,readonly=maybe" for "--mount" flag: invalid value for \'readonly\': invalid boolean value ("maybe"): must be one of "true", "1", "false", or "0" (default "true")',
  ),
  r(
    ['--mount', 'src=a b,target=/x'],
    'tsdock: Error response from daemon: create a b: "a b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
  ),
  r(
    ['--tmpfs', 'relative'],
    "tsdock: Error response from daemon: invalid mount path: 'relative' mount path must be absolute",
  ),
  r(
    ['--tmpfs', '/x:size=abc'],
    'tsdock: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "tmpfs" to rootfs at "/x": mount tmpfs:/x (via /proc/self/fd/6), flags: 0xe, data: size=abc: invalid argument: unknown',
  ),
  r(
    ['--volumes-from', 'no-such-ctr-xyz'],
    'tsdock: Error response from daemon: No such container: no-such-ctr-xyz',
  ),
  r(
    ['--read-only', '-v', '/tmp:/'],
    "tsdock: Error response from daemon: invalid volume specification: '/tmp:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'",
  ),
  // ---- images and references
  c(
    ['run', '--rm', '--name', 'NEW', 'UPPER/Case'],
    125,
    'tsdock: invalid reference format: repository name (Case) must be lowercase',
  ),
  c(['run', '--rm', '--name', 'NEW', 'a:b:c'], 125, 'tsdock: invalid reference format'),
  c(['run', '--rm', '--name', 'NEW', 'img@sha256:short'], 125, 'tsdock: invalid reference format'),
  c(
    ['run', '--rm', '--name', 'NEW', '127.0.0.1:1/nosuch'],
    125,
    "Unable to find image '127.0.0.1:1/nosuch:latest' locally",
    {
      more: [
        'tsdock: Error response from daemon: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
      ],
    },
  ),
  c(
    ['run', '--rm', '--name', 'NEW', '--network', 'none', '--pull', 'bogus', 'IMG', 'true'],
    125,
    'invalid argument "bogus" for "--pull" flag: must be one of always, missing, never',
  ),
  c(
    ['run', '--rm', '--name', 'NEW', '--network', 'none', '--entrypoint', 'no-such-cmd', 'IMG'],
    127,
    'tsdock: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "no-such-cmd": executable file not found in $PATH: unknown',
  ),
  c(
    ['run', '--rm', '--name', 'NEW', '--network', 'none', 'IMG', '/etc/passwd'],
    126,
    'tsdock: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/etc/passwd": permission denied: unknown',
  ),
  c(
    ['run', '--rm', '--name', 'NEW', '--network', 'none', '-u', 'no-such-user', 'IMG', 'true'],
    125,
    'tsdock: unable to find user no-such-user: no matching entries in passwd file',
  ),
  c(
    ['create', '--name', 'NEW', '--network', 'none', '--memory', 'abc', 'IMG'],
    125,
    'invalid argument "abc" for "-m, --memory" flag: invalid size: \'abc\'',
  ),
  c(
    ['create', '--name', 'RUNNING', '--network', 'none', 'IMG'],
    1,
    /^Error response from daemon: Conflict\. The container name "\/RUNNING" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.$/,
  ),
  c(['pull', 'Bad Ref'], 1, 'invalid reference format: repository name (library/Bad Ref) must be lowercase'),
  c(['pull', 'a//b'], 1, 'invalid reference format'),
  c(['pull', 'x:'], 1, 'invalid reference format'),
  c(
    ['pull', '127.0.0.1:1/nosuch:1'],
    1,
    'Error response from daemon: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
  ),
  c(
    ['tag', 'no-such-image-xyz', 'new:1'],
    1,
    'Error response from daemon: No such image: no-such-image-xyz:latest',
  ),
  c(
    ['tag', 'IMG', 'bad tag!'],
    1,
    'Error parsing reference: "bad tag!" is not a valid repository/tag: invalid reference format',
  ),
  c(['rmi', 'no-such-image-xyz'], 1, 'Error response from daemon: No such image: no-such-image-xyz:latest'),
  c(['image', 'inspect', 'no-such-image-xyz'], 1, 'Error: No such image: no-such-image-xyz'),
  c(['save', 'no-such-image-xyz'], 1, 'Error response from daemon: No such image: no-such-image-xyz:latest'),
  c(['load', '-i', 'DIR/missing.tar'], 1, 'open DIR/missing.tar: no such file or directory'),
  c(['load'], 1, 'Error processing tar file: Unexpected end of data', { input: 'not a tar' }),
  c(
    ['history', 'no-such-image-xyz'],
    1,
    'Error response from daemon: No such image: no-such-image-xyz:latest',
  ),
  // ---- exec
  c(['exec', 'no-such-ctr-xyz', 'true'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz'),
  c(['exec', 'STOPPED', 'true'], 1, /^Error response from daemon: container [0-9a-f]{64} is not running$/),
  c(
    ['exec', 'RUNNING', 'no-such-cmd'],
    127,
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "no-such-cmd": executable file not found in $PATH: unknown',
  ),
  c(
    ['exec', 'RUNNING', '/etc/passwd'],
    126,
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "/etc/passwd": permission denied: unknown',
  ),
  c(
    ['exec', '-u', 'no-such-user', 'RUNNING', 'true'],
    125,
    'unable to find user no-such-user: no matching entries in passwd file',
  ),
  c(
    ['exec', '-w', 'relative', 'RUNNING', 'true'],
    126,
    'OCI runtime exec failed: exec failed: Cwd must be an absolute path: unknown',
  ),
  c(
    ['exec', '--env-file', 'DIR/missing.env', 'RUNNING', 'true'],
    125,
    'open DIR/missing.env: no such file or directory',
  ),
  c(['exec', '-e', '=x', 'RUNNING', 'true'], 125, 'invalid environment variable: =x'),
  c(['exec', '--detach-keys', 'bogus', 'RUNNING', 'true'], 125, 'Invalid detach keys (bogus) provided'),
  c(['exec', 'RUNNING'], 1, "tsdock: 'tsdock exec' requires at least 2 arguments"),
  // ---- cp
  c(['cp', 'DIR/a', 'DIR/b'], 1, 'must specify at least one container source'),
  c(
    ['cp', 'no-such-ctr-xyz:/x', 'DIR/out'],
    1,
    'Error response from daemon: No such container: no-such-ctr-xyz',
  ),
  c(
    ['cp', 'RUNNING:/no-such-file', 'DIR/out'],
    1,
    'Error response from daemon: Could not find the file /no-such-file in container RUNNING',
  ),
  c(['cp', 'DIR/missing-src', 'RUNNING:/tmp'], 1, 'lstat DIR/missing-src: no such file or directory'),
  c(
    ['cp', 'RUNNING:/etc/passwd', 'DIR/no-such-dir/sub/'],
    1,
    'invalid output path: directory "DIR/no-such-dir" does not exist',
  ),
  c(['cp', 'RUNNING:/x', 'STOPPED:/y'], 1, 'copying between containers is not supported'),
  c(['cp', '', 'RUNNING:/tmp'], 1, 'source can not be empty'),
  c(
    ['cp', '-', 'RUNNING:/tmp'],
    1,
    'Error response from daemon: Error processing tar file(exit status 1): Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?',
    { input: 'this is not a tar archive, not at all'.repeat(20) },
  ),
  c(['cp', 'RUNNING:/etc', 'DIR/a'], 1, 'cannot copy directory'),
  // ---- networks
  c(
    ['network', 'create', '--subnet', 'abc', 'NEW'],
    1,
    'Error response from daemon: Invalid subnet abc : invalid CIDR address: abc',
  ),
  c(
    ['network', 'create', '--subnet', '10.77.0.0/33', 'NEW'],
    1,
    'Error response from daemon: Invalid subnet 10.77.0.0/33 : invalid CIDR address: 10.77.0.0/33',
  ),
  c(
    ['network', 'create', '--subnet', '10.77.0.0/24', '--gateway', '10.78.0.1', 'NEW'],
    1,
    'Error response from daemon: no matching subnet for gateway 10.78.0.1',
  ),
  c(
    ['network', 'create', '--gateway', '10.77.0.1', 'NEW'],
    1,
    'every ip-range or gateway must have a corresponding subnet',
  ),
  c(
    ['network', 'create', '--subnet', '10.77.0.0/24', '--ip-range', '10.78.0.0/25', 'NEW'],
    1,
    'Error response from daemon: no matching subnet for range 10.78.0.0/25',
  ),
  c(['network', 'create', '-d', 'bogus', 'NEW'], 1, 'Error response from daemon: plugin "bogus" not found'),
  c(
    ['network', 'create', 'bridge'],
    1,
    'Error response from daemon: operation is not permitted on predefined bridge network ',
  ),
  c(['network', 'create', 'NET'], 1, 'Error response from daemon: network with name NET already exists'),
  c(
    ['network', 'create', '--subnet', 'NETSUBNET', 'NEW'],
    1,
    'Error response from daemon: Pool overlaps with other one on this address space',
  ),
  c(['network', 'create'], 1, "tsdock: 'tsdock network create' requires 1 argument"),
  // Only a blank name is refused (moby's NewNetwork); `a b` is a valid network name.
  c(['network', 'create', ''], 1, 'Error response from daemon: invalid name: name is empty'),
  c(['network', 'create', '  '], 1, 'Error response from daemon: invalid name: name is empty'),
  c(
    ['network', 'create', '-o', 'com.docker.network.driver.mtu=abc', 'NEW'],
    1,
    'Error response from daemon: failed to parse com.docker.network.driver.mtu value: abc (strconv.Atoi: parsing "abc": invalid syntax)',
  ),
  c(
    ['network', 'create', '-o', 'com.docker.network.driver.mtu=99999999999999999999', 'NEW'],
    1,
    'Error response from daemon: failed to parse com.docker.network.driver.mtu value: 99999999999999999999 (strconv.Atoi: parsing "99999999999999999999": value out of range)',
  ),
  c(
    ['network', 'create', '-o', 'com.docker.network.driver.mtu=-1', 'NEW'],
    1,
    'Error response from daemon: invalid MTU number: -1',
  ),
  c(
    ['network', 'create', '-o', 'com.docker.network.driver.mtu=99999999', 'NEW'],
    1,
    'Error response from daemon: invalid MTU number: 99999999 (the kernel takes 68 to 65535)',
  ),
  c(
    ['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=abc', 'NEW'],
    1,
    'Error response from daemon: failed to parse com.docker.network.bridge.enable_icc value: abc (strconv.ParseBool: parsing "abc": invalid syntax)',
  ),
  c(
    ['network', 'create', '-o', 'com.docker.network.bridge.host_binding_ipv4=nope', 'NEW'],
    1,
    'Error response from daemon: failed to parse com.docker.network.bridge.host_binding_ipv4 value: nope (nil ip)',
  ),
  // Well-formed, but not what tsdock's bridges do: refused by name until implemented.
  c(
    ['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=false', 'NEW'],
    125,
    'tsdock: network option com.docker.network.bridge.enable_icc=false is not supported yet',
  ),
  c(['network', 'rm', 'no-such-net-xyz'], 1, 'Error response from daemon: network no-such-net-xyz not found'),
  c(
    ['network', 'inspect', 'no-such-net-xyz'],
    1,
    'Error response from daemon: network no-such-net-xyz not found',
  ),
  c(
    ['network', 'connect', 'no-such-net-xyz', 'RUNNING'],
    1,
    'Error response from daemon: network no-such-net-xyz not found',
  ),
  c(
    ['network', 'connect', 'NET', 'no-such-ctr-xyz'],
    1,
    'Error response from daemon: No such container: no-such-ctr-xyz',
  ),
  c(
    ['network', 'disconnect', 'NET', 'RUNNING'],
    1,
    /^Error response from daemon: container [0-9a-f]{64} is not connected to network NET$/,
  ),
  // ---- volumes
  c(
    ['volume', 'create', 'a b'],
    1,
    'Error response from daemon: create a b: "a b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
  ),
  c(['volume', 'create', '-x'], 125, "unknown shorthand flag: 'x' in -x"),
  c(
    ['volume', 'create', '--driver', 'bogus', 'NEW'],
    1,
    'Error response from daemon: create: plugin "bogus" not found',
  ),
  c(
    ['volume', 'create', '--opt', 'bogus=1', 'NEW'],
    1,
    'Error response from daemon: create NEW: invalid option: "bogus"',
  ),
  c(
    ['volume', 'create', '--opt', 'noequals', 'NEW'],
    1,
    'Error response from daemon: create NEW: invalid option: "noequals"',
  ),
  c(['volume', 'create', 'a', 'b'], 1, "tsdock: 'tsdock volume create' accepts at most 1 argument"),
  c(
    ['volume', 'rm', 'no-such-vol-xyz'],
    1,
    'Error response from daemon: get no-such-vol-xyz: no such volume',
  ),
  c(
    ['volume', 'inspect', 'no-such-vol-xyz'],
    1,
    'Error response from daemon: get no-such-vol-xyz: no such volume',
  ),
  c(['volume', 'ls', '--filter', 'bogus=1'], 1, "Error response from daemon: invalid filter 'bogus'"),
  // ---- build
  c(
    ['build', 'DIR/no-such-context'],
    1,
    'ERROR: unable to prepare context: path "DIR/no-such-context" not found',
  ),
  c(
    ['build', '-f', 'DIR/missing.Dockerfile', 'DIR/ctx'],
    1,
    'ERROR: failed to solve: failed to read dockerfile: open DIR/missing.Dockerfile: no such file or directory',
  ),
  c(
    ['build', '-t', 'NEW', '-f', 'DIR/ctx/Unknown.Dockerfile', 'DIR/ctx'],
    1,
    'ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: BOGUS',
    { progress: true },
  ),
  c(
    ['build', '-t', 'NEW', '-f', 'DIR/ctx/Empty.Dockerfile', 'DIR/ctx'],
    1,
    'ERROR: failed to solve: the Dockerfile cannot be empty',
    { progress: true },
  ),
  c(
    ['build', '-t', 'NEW', '-f', 'DIR/ctx/NoFrom.Dockerfile', 'DIR/ctx'],
    1,
    'ERROR: failed to solve: no build stage in current context',
    { progress: true },
  ),
  c(
    ['build', '-t', 'NEW', '-f', 'DIR/ctx/CopyMissing.Dockerfile', 'DIR/ctx'],
    1,
    /^ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref [0-9a-z]+::[0-9a-z]+: "\/no-such-file": not found$/,
    { progress: true },
  ),
  c(
    ['build', '-t', 'NEW', '--target', 'nosuch', '-f', 'DIR/ctx/Ok.Dockerfile', 'DIR/ctx'],
    1,
    'ERROR: failed to solve: target stage "nosuch" could not be found',
    { progress: true },
  ),
  c(
    ['build', '-t', 'Bad:Tag!', '-f', 'DIR/ctx/Ok.Dockerfile', 'DIR/ctx'],
    1,
    'ERROR: invalid tag "Bad:Tag!": repository name (library/Bad) must be lowercase',
  ),
  c(['build', '-t', 'NEW', 'DIR/badignore'], 1, 'Error: syntax error in pattern'),
  c(
    ['build', '-t', 'NEW', '--build-arg', '=x', '-f', 'DIR/ctx/Ok.Dockerfile', 'DIR/ctx'],
    1,
    'ERROR: invalid key-value pair "=x": empty key',
  ),
  c(
    ['build', '-t', 'NEW', '--label', '=x', '-f', 'DIR/ctx/Ok.Dockerfile', 'DIR/ctx'],
    1,
    'ERROR: invalid key-value pair "=x": empty key',
  ),
  // ---- login, registry
  c(
    ['login', '-p', 'x', '127.0.0.1:1'],
    125,
    'WARNING! Using --password via the CLI is insecure. Use --password-stdin.',
    { more: ['Error: Cannot perform an interactive login from a non TTY device'] },
  ),
  c(
    ['login', '--password-stdin', '-p', 'x', '-u', 'u', '127.0.0.1:1'],
    125,
    'conflicting options: cannot specify both --password and --password-stdin',
  ),
  c(['login', '--password-stdin', '127.0.0.1:1'], 125, 'Must provide --username with --password-stdin', {
    input: 'pw\n',
  }),
  c(
    ['login', '-u', 'u', '--password-stdin', '127.0.0.1:1'],
    1,
    'Error response from daemon: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
    { input: 'pw\n' },
  ),
  // ---- update
  c(
    ['update', '--memory', 'abc', 'RUNNING'],
    125,
    'invalid argument "abc" for "-m, --memory" flag: invalid size: \'abc\'',
  ),
  c(
    ['update', '--cpus', '-1', 'RUNNING'],
    1,
    'Error response from daemon: range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available',
  ),
  c(
    ['update', '--memory', '8m', 'no-such-ctr-xyz'],
    1,
    'Error response from daemon: No such container: no-such-ctr-xyz',
  ),
  c(
    ['update', '--restart', 'bogus', 'RUNNING'],
    1,
    "Error response from daemon: invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
  ),
  c(['update', 'RUNNING'], 1, 'you must provide one or more flags when using this command'),
  c(
    ['update', '--memory', '10m', '--memory-swap', '5m', 'RUNNING'],
    1,
    'Error response from daemon: Minimum memoryswap limit should be larger than memory limit, see usage',
  ),
  // ---- --format templates
  c(
    ['ps', '--format', '{{.Nope}}'],
    1,
    'failed to execute template: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
  ),
  c(['ps', '--format', '{{'], 1, 'failed to parse template: template: :1: unclosed action'),
  // docker/cli runs the format as typed (with `table `) over an empty context, rows or not.
  c(
    ['ps', '--format', 'table {{.Nope}}'],
    1,
    'failed to execute template: template: :1:8: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
  ),
  c(
    ['ps', '--filter', 'name=no-such-ctr-xyz', '--format', '{{.Names}}\\t{{.Nope}}'],
    1,
    'failed to execute template: template: :1:14: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
  ),
  // version and info run the template over Go structs: a missing field is an error (a map would print <no value>).
  c(
    ['version', '--format', '{{.Nope}}'],
    1,
    'template: version:1:2: executing "version" at <.Nope>: can\'t evaluate field Nope in type system.versionInfo',
  ),
  c(
    ['version', '--format', '{{.Client.Nope}}'],
    1,
    'template: version:1:9: executing "version" at <.Client.Nope>: can\'t evaluate field Nope in type system.clientVersion',
  ),
  c(['version', '--format', '{{'], 64, 'template parsing error: template: version:1: unclosed action'),
  c(
    ['info', '--format', '{{.Nope}}'],
    1,
    'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type system.dockerInfo',
  ),
  c(['info', '--format', '{{'], 64, 'template parsing error: template: :1: unclosed action'),
  c(
    ['inspect', '--format', '{{.Nope}}', 'IMG'],
    1,
    'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"',
  ),
  c(
    ['network', 'ls', '--format', '{{.Nope}}'],
    1,
    'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *network.networkContext',
  ),
  c(
    ['volume', 'ls', '--format', '{{.Nope}}'],
    1,
    'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.volumeContext',
  ),
  c(
    ['history', '--format', '{{.Nope}}', 'IMG'],
    1,
    'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *image.historyContext',
  ),
  c(['inspect', '--format', '{{.X', 'RUNNING'], 64, 'template parsing error: template: :1: unclosed action'),
  c(
    ['inspect', '--format', '{{index .Config 1}}', 'RUNNING'],
    1,
    'template parsing error: template: :1:2: executing "" at <index .Config 1>: error calling index: value has type int; should be string',
  ),
  c(
    ['inspect', '--format', '{{bogusfunc .}}', 'RUNNING'],
    64,
    'template parsing error: template: :1: function "bogusfunc" not defined',
  ),
  // The template is parsed before anything is looked up.
  c(
    ['inspect', '--format', '{{.X', 'no-such-object-xyz'],
    64,
    'template parsing error: template: :1: unclosed action',
  ),
  c(
    ['container', 'inspect', '--format', '{{.X', 'no-such-ctr-xyz'],
    64,
    'template parsing error: template: :1: unclosed action',
  ),
  // images -q keeps a custom --format (docker/cli's NewImageFormat): it runs, and fails.
  c(
    ['images', '-q', '--format', '{{.Nope}}'],
    1,
    'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext',
  ),
  c(
    ['images', '--format', '{{.Nope}}'],
    1,
    'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext',
  ),
  c(['network', 'ls', '--format', '{{end}}'], 1, 'template parsing error: template: :1: unexpected {{end}}'),
  c(
    ['volume', 'ls', '--format', '{{range}}'],
    1,
    'template parsing error: template: :1: missing value for range',
  ),
  c(
    ['stats', '--no-stream', '--format', '{{.Nope}}', 'RUNNING'],
    1,
    'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *container.statsContext',
  ),
  // ---- filters and time arguments
  c(['ps', '--filter', 'bogus=1'], 1, "Error response from daemon: invalid filter 'bogus'"),
  c(['ps', '--filter', 'status=bogus'], 1, "Error response from daemon: invalid filter 'status=bogus'"),
  c(
    ['ps', '--filter', 'noequals'],
    125,
    'invalid argument "noequals" for "-f, --filter" flag: bad format of filter (expected name=value)',
  ),
  c(
    ['ps', '--filter', 'health=bogus'],
    1,
    'Error response from daemon: Unrecognised filter value for health: bogus',
  ),
  c(
    ['ps', '-n', 'abc'],
    125,
    'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax',
  ),
  c(['images', '--filter', 'bogus=1'], 1, "Error response from daemon: invalid filter 'bogus'"),
  c(
    ['images', '--filter', 'dangling=maybe'],
    1,
    "Error response from daemon: invalid filter 'dangling=maybe'",
  ),
  c(['network', 'ls', '--filter', 'bogus=1'], 1, "Error response from daemon: invalid filter 'bogus'"),
  c(
    ['container', 'prune', '-f', '--filter', 'until=abc'],
    1,
    'Error response from daemon: failed to parse value as time or duration: "abc"',
  ),
  c(
    ['system', 'prune', '-f', '--filter', 'until=abc'],
    1,
    'Error response from daemon: failed to parse value as time or duration: "abc"',
  ),
  c(
    ['events', '--since', 'abc'],
    1,
    'invalid value for "since": failed to parse value as time or duration: "abc"',
  ),
  c(
    ['logs', '--since', 'abc', 'RUNNING'],
    1,
    'invalid value for "since": failed to parse value as time or duration: "abc"',
  ),
  c(['logs', '--tail', 'abc', 'RUNNING'], 1, 'invalid value for "tail": "abc"'),
  c(
    ['stop', '-t', 'abc', 'RUNNING'],
    125,
    'invalid argument "abc" for "-t, --timeout" flag: strconv.ParseInt: parsing "abc": invalid syntax',
  ),
  // ---- containers by name
  c(['kill', '-s', 'SIGBOGUS', 'RUNNING'], 1, 'Invalid signal: SIGBOGUS'),
  c(['kill', 'no-such-ctr-xyz'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz'),
  c(['rm', 'no-such-ctr-xyz'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz'),
  c(
    ['rm', 'RUNNING'],
    1,
    'Error response from daemon: cannot remove container "/RUNNING": container is running: stop the container before removing or force remove',
  ),
  c(
    ['rename', 'no-such-ctr-xyz', 'NEW'],
    1,
    'Error response from daemon: No such container: no-such-ctr-xyz',
    { more: ['Error: failed to rename container named no-such-ctr-xyz'] },
  ),
  c(
    ['rename', 'STOPPED', 'bad name'],
    1,
    'Error response from daemon: Error when allocating new name: Invalid container name (/bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
    { more: ['Error: failed to rename container named STOPPED'] },
  ),
  c(
    ['rename', 'STOPPED', 'RUNNING'],
    1,
    /^Error response from daemon: Error when allocating new name: Conflict\. The container name "\/RUNNING" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.$/,
    { more: ['Error: failed to rename container named STOPPED'] },
  ),
  c(
    ['rename', 'STOPPED', 'STOPPED'],
    1,
    'Error response from daemon: Renaming a container with the same name as its current name',
    { more: ['Error: failed to rename container named STOPPED'] },
  ),
  c(['rename', 'STOPPED', ' '], 1, 'Error: Neither old nor new names may be empty'),
  c(['pause', 'no-such-ctr-xyz'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz'),
  c(['unpause', 'RUNNING'], 1, /^Error response from daemon: Container [0-9a-f]{64} is not paused$/),
  c(['top', 'STOPPED'], 1, /^Error response from daemon: container [0-9a-f]{64} is not running$/),
  c(
    ['port', 'RUNNING', 'bogus/port'],
    1,
    'Error: invalid port (bogus): strconv.ParseUint: parsing "bogus": invalid syntax',
  ),
  c(['logs', 'no-such-ctr-xyz'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz'),
  c(['start', 'no-such-ctr-xyz'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz', {
    more: ['Error: failed to start containers: no-such-ctr-xyz'],
  }),
  c(['wait', 'no-such-ctr-xyz'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz'),
  c(['commit', 'no-such-ctr-xyz'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz'),
  c(
    ['commit', 'STOPPED', 'BAD REF'],
    1,
    'invalid reference format: repository name (library/BAD REF) must be lowercase',
  ),
  c(
    ['commit', '--change', 'BOGUS x', 'STOPPED', 'NEW'],
    1,
    'Error response from daemon: BOGUS is not a valid change command',
  ),
  c(['export', 'no-such-ctr-xyz'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz'),
  c(['diff', 'no-such-ctr-xyz'], 1, 'Error response from daemon: No such container: no-such-ctr-xyz'),
  c(
    ['inspect', '--type', 'bogus', 'RUNNING'],
    1,
    'unknown type: "bogus": must be one of "config", "container", "image", "network", "node", "plugin", "secret", "service", "task", "volume"',
  ),
  c(
    ['inspect', '--type', '', 'RUNNING'],
    1,
    'type is empty: must be one of "config", "container", "image", "network", "node", "plugin", "secret", "service", "task", "volume"',
  ),
  c(
    ['inspect', '--type', 'service', 'RUNNING'],
    1,
    'Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
  ),
  c(
    ['inspect', '--type', 'network', 'no-such-net-xyz'],
    1,
    'Error response from daemon: network no-such-net-xyz not found',
  ),
  c(
    ['inspect', '--type', 'volume', 'no-such-vol-xyz'],
    1,
    'Error response from daemon: get no-such-vol-xyz: no such volume',
  ),
  c(['inspect', 'no-such-object-xyz'], 1, 'Error: No such object: no-such-object-xyz'),
  // ---- the grammar
  c(['bogus-command'], 1, 'tsdock: unknown command: tsdock bogus-command'),
  c(['run', '--bogus-flag', 'IMG'], 125, 'unknown flag: --bogus-flag'),
  c(['--bogus-global'], 125, 'unknown flag: --bogus-global'),
  c(['run', '--memory'], 125, 'flag needs an argument: --memory'),
  c(['run'], 1, "tsdock: 'tsdock run' requires at least 1 argument"),
  c(['tag', 'IMG'], 1, "tsdock: 'tsdock tag' requires 2 arguments"),
  c(['network', 'rm'], 1, "tsdock: 'tsdock network rm' requires at least 1 argument"),
  c(
    ['ps', '--last', 'x'],
    125,
    'invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax',
  ),
  // ---- configuration
  c(
    ['run', '--rm', '--name', 'NEW', 'IMG', 'true'],
    125,
    'tsdock: invalid configuration file DIR/bad-bip-config.json: "bip" must be an address with a prefix, e.g. 10.4.0.1/24',
    { env: { TSDOCK_CONFIG: 'DIR/bad-bip-config.json' } },
  ),
  c(
    ['create', '--pull', 'never', '--name', 'NEW', 'no-such-image-xyz:never'],
    1,
    'Error response from daemon: No such image: no-such-image-xyz:never',
  ),
  // The local image is for the host; s390x is never this machine's (and nothing may be pulled).
  c(
    ['create', '--pull', 'never', '--platform', 'linux/s390x', '--name', 'NEW', 'IMG'],
    1,
    /^Error response from daemon: image with reference IMG was found but does not match the specified platform: wanted linux\/s390x, actual: linux\/[a-z0-9]+$/,
  ),
  c(
    ['run', '--rm', '--pull', 'never', '--platform', 'linux/s390x', '--name', 'NEW', 'IMG', 'true'],
    125,
    /^tsdock: Error response from daemon: image with reference IMG was found but does not match the specified platform: wanted linux\/s390x, actual: linux\/[a-z0-9]+$/,
  ),
  c(
    ['run', '--rm', '--name', 'NEW', 'IMG', 'true'],
    125,
    'tsdock: invalid configuration file DIR/bad-config.json: Unexpected end of JSON input',
    {
      env: { TSDOCK_CONFIG: 'DIR/bad-config.json' },
    },
  ),
  c(
    ['run', '--rm', '--name', 'NEW', 'IMG', 'true'],
    125,
    'tsdock: invalid configuration file DIR/wrong-type-config.json: "bridge" must be a non-empty string',
    {
      env: { TSDOCK_CONFIG: 'DIR/wrong-type-config.json' },
    },
  ),
];
