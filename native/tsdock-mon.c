/*
 * tsdock-mon: per-container I/O monitor (the role podman's conmon plays).
 *
 * tsdock has no daemon, so something small has to outlive the CLI for as long as the container
 * runs: this process holds the read ends of the stdout/stderr FIFOs that containerd's shim writes
 * to, turns each line into a Docker json-file entry, and when both streams end (the container's
 * process tree is gone and the shim closed its write ends) runs tsdock's exit hook in its place.
 *
 * Usage:
 *   tsdock-mon --stdout FIFO [--stderr FIFO] --log FILE [--stdin FIFO] [--max-size BYTES]
 *              [--max-file N] [--pidfile FILE] [--exit-marker FILE] [--attach-pidfile FILE]
 *              [--attach-socket PATH] [--netns PATH] [--shm DIR,SIZE]
 *              [--health INTERVAL,TIMEOUT,START_PERIOD,START_INTERVAL --health-cmd ARG...]
 *              [-- EXIT_CMD ARGS...]
 *
 * --netns: make a network namespace bound at PATH, as `ip netns add` does, before reporting ready.
 * `run` on a bridge network needs one before containerd creates the task, and the monitor starts
 * then anyway: one process fewer for tsdock to fork on that path. If the monitor is told to stop
 * (SIGTERM) or its container's directory vanishes before the container ever ran — tsdock gave up,
 * or died and the next command's repair removed what it had begun — it removes the namespace too,
 * so nothing is left of it. Once the container ran, the namespace is tsdock's to remove.
 *
 * --shm: a shareable IPC namespace's /dev/shm (`--ipc shareable`): a tmpfs of SIZE bytes mounted
 * on DIR before reporting ready and unmounted when the monitor ends, so it exists exactly while the
 * container runs, as Docker mounts it at start and unmounts it at stop. Containers joining that IPC
 * namespace bind DIR; their binds keep the tmpfs alive after it is unmounted here.
 *
 * Without --stderr only stdout is read: a container with a terminal has one stream, the pty.
 *
 * --attach-socket: a unix socket at PATH (a filesystem socket in the container's own 0700 io
 * directory under the state root: only root on the host reaches it, not a process in another
 * network namespace nor a container, even one with the host's network) from which clients of the
 * same uid (`run -t`, `attach`) receive the raw output as it is read, before any line splitting,
 * framed as Docker's stdcopy does (1 byte stream: 1 stdout, 2 stderr; 3 zero bytes; 4 bytes
 * big-endian length). A terminal's prompt has no newline, so the log alone could not serve an
 * interactive session. PATH may be longer than sun_path's 108 bytes: it is bound through
 * /proc/self/fd/N of its directory, as clients connect to it.
 * The monitor never waits for a client. The output goes into one ring of ATTACH_RING bytes that
 * every client reads from at its own pace (no copy per client); a client that falls more than the
 * ring behind — it stopped reading, or reads slower than the container writes — is disconnected,
 * so the container's output and log, and the other clients, never wait on it. There is no small
 * fixed number of places: up to MAX_CLIENTS clients, and when that many are connected a new one
 * takes the place of the one furthest behind (the oldest among equals). When the streams end, the
 * exit marker is written first, then the clients get what is left of the ring and their sockets
 * are closed: EOF with the marker there means all output was delivered, EOF without it that this
 * client was dropped.
 * --health: the container has a healthcheck, and this process is what runs it for as long as the
 * container runs (tsdock has no daemon; nothing else outlives the CLI). The four values are
 * milliseconds. It schedules the probes as moby's health monitor does — the first one INTERVAL
 * after the start (START_INTERVAL while the status is `starting` within START_PERIOD, and never past
 * the end of START_PERIOD), each next one INTERVAL after the previous one ended — and runs each as
 * a short-lived command, the argv given by the --health-cmd values (`tsdock internal health ID`),
 * which execs the probe through containerd, records its result under the container's lock and
 * exits with the status it left: 0 healthy, 1 starting, 2 unhealthy, 3 no result recorded. One
 * probe runs at a time; the command enforces TIMEOUT on the probe itself, and one that is still
 * there 30 s after that (a wedged containerd) is killed. When the container's output ends the
 * schedule ends with it; a probe still running finishes on its own and records nothing.
 *
 * Readiness protocol: the parent reads our stdout; "ready\n" means the FIFOs exist and are open
 * for reading, anything else is an error message. After that stdio is /dev/null.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Docker's copier buffers 16 KiB per stream; a line that fills it without a newline is logged as
 * a partial entry. Using the same size gives byte-identical splitting. */
#define LINE_BUF (16 * 1024)
/* Worst case escaping is 6 output bytes per input byte ("\u00XX", "\ufffd"). */
#define ENTRY_BUF (LINE_BUF * 6 + 128)

struct stream {
	const char *name;
	const char *path;
	int fd;
	int eof;
	size_t n;
	char buf[LINE_BUF];
};

static struct stream out_s = {.name = "stdout", .fd = -1};
static struct stream err_s = {.name = "stderr", .fd = -1};

static const char *log_path;
static int log_fd = -1;
static long long log_size;
static long long max_size = -1;
static long long max_file = 1;
static char entry[ENTRY_BUF];
static volatile sig_atomic_t terminating;
static volatile sig_atomic_t child_exited;

/* How far behind the output an attach client may fall before it is dropped (see the top). */
#define ATTACH_RING (4u << 20)
/* Attach clients served at once; one more takes the place of the one furthest behind. */
#define MAX_CLIENTS 256
/* After the streams end, how long the clients together may take the rest before they are closed:
 * a total, so that a client reading a byte at a time cannot hold back the exit command. */
#define CLIENT_DRAIN_MS 5000
struct client {
	int fd;
	unsigned long long off; /* how much of the output (counted like ring_head) it has been sent */
	unsigned long long seq; /* connection order */
};
static int listen_fd = -1;
static int attach_dir_fd = -1;
static char attach_name[256];
static struct client clients[MAX_CLIENTS];
static int nclients;
static unsigned long long client_seq;
/* Allocated when the first client connects; ring_head counts every byte ever put in. */
static char *ring;
static unsigned long long ring_head;
/* The namespace --netns made (removed again by a monitor whose container never ran). */
static const char *netns_made;
/* The tmpfs --shm mounted, unmounted whenever the monitor ends. */
static char shm_dir[4096];
/* Set once the shim has been seen on a FIFO (output, or its end): the container ran. */
static int ran;

static void remove_netns(void)
{
	if (!netns_made)
		return;
	umount2(netns_made, MNT_DETACH);
	unlink(netns_made);
}

static void unmount_shm(void)
{
	if (shm_dir[0])
		umount2(shm_dir, MNT_DETACH);
	shm_dir[0] = 0;
}

static void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Before readiness stdout is the parent's pipe: the message is what it reports. */
	dprintf(STDOUT_FILENO, "error: %s\n", msg);
	remove_netns();
	unmount_shm();
	exit(1);
}

static void on_term(int sig)
{
	(void)sig;
	terminating = 1;
}

static void on_child(int sig)
{
	(void)sig;
	child_exited = 1;
}

/* The healthcheck schedule (see the top of this file); all times in ms of CLOCK_MONOTONIC. */
#define MAX_HEALTH_ARGS 64
/* How long a probe command may outlive its own timeout before it is killed. */
#define PROBE_GRACE_MS 30000
static struct {
	int on;
	long long interval, timeout, start_period, start_interval;
	char *argv[MAX_HEALTH_ARGS + 1];
	int argc;
	long long started;   /* the monitor's start: the container starts a moment later */
	long long next;      /* when the next probe is due, while none runs */
	pid_t pid;           /* the running probe command, 0 when none */
	long long deadline;  /* when that one is killed */
	int starting;        /* the status is `starting` (no probe has succeeded since the start) */
} health;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* moby's getInterval: the start period is probed at START_INTERVAL until a probe succeeds, and
 * the first probe after it comes no later than its end. */
static long long health_delay(void)
{
	long long elapsed = now_ms() - health.started;
	if (elapsed >= health.start_period)
		return health.interval;
	long long remaining = health.start_period - elapsed;
	if (remaining < health.interval)
		return remaining;
	return health.starting ? health.start_interval : health.interval;
}

static void parse_health(const char *v)
{
	long long f[4];
	char *end;
	const char *p = v;
	for (int i = 0; i < 4; i++) {
		errno = 0;
		f[i] = strtoll(p, &end, 10);
		if (errno || end == p || f[i] < 0 || (i < 3 ? *end != ',' : *end != '\0'))
			fail("invalid value for --health: %s", v);
		p = end + 1;
	}
	if (f[0] < 1 || f[1] < 1 || f[3] < 1)
		fail("invalid value for --health: %s", v);
	health.on = 1;
	health.interval = f[0];
	health.timeout = f[1];
	health.start_period = f[2];
	health.start_interval = f[3];
}

static void start_probe(void)
{
	pid_t pid = fork();
	if (pid < 0) {
		health.next = now_ms() + health.interval; /* try again later */
		return;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		execvp(health.argv[0], health.argv);
		_exit(127);
	}
	health.pid = pid;
	health.deadline = now_ms() + health.timeout + PROBE_GRACE_MS;
}

/* Reaps the probe command if it ended, and schedules the next one from its status. */
static void reap_probe(void)
{
	int status;
	child_exited = 0;
	if (health.pid <= 0 || waitpid(health.pid, &status, WNOHANG) != health.pid)
		return;
	health.pid = 0;
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);
		if (code == 0 || code == 2)
			health.starting = 0;
		else if (code == 1)
			health.starting = 1;
	}
	health.next = now_ms() + health_delay();
}

/* Runs what is due; returns the ms until the schedule next needs attention (-1: nothing due). */
static long long health_tick(void)
{
	if (!health.on)
		return -1;
	reap_probe();
	long long t = now_ms();
	if (health.pid > 0) {
		if (t >= health.deadline) {
			kill(health.pid, SIGKILL);
			health.deadline = t + 1000; /* reaped on SIGCHLD; look again in a second */
		}
		return health.deadline - t;
	}
	if (t >= health.next) {
		start_probe();
		return health.pid > 0 ? health.deadline - now_ms() : health.next - now_ms();
	}
	return health.next - t;
}

static int open_log(int extra_flags)
{
	int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | extra_flags, 0640);
	if (fd < 0)
		return -1;
	struct stat st;
	log_size = fstat(fd, &st) == 0 ? (long long)st.st_size : 0;
	return fd;
}

/*
 * Docker's rotation: the current file is renamed away (never truncated in place, so a reader that
 * has it open keeps reading consistent data) and a fresh file takes its name; at most max_file
 * files are kept. Only the rotated files that exist are shifted (Docker's loop walks every index up
 * to max-file, which with a huge max-file never ends), so a rotation costs what there is on disk.
 */
static void rotate(void)
{
	char from[4096], to[4096];
	close(log_fd);
	log_fd = -1;
	if (max_file >= 2) {
		long long n = 0; /* log.1 … log.n exist */
		for (;;) {
			snprintf(from, sizeof from, "%s.%lld", log_path, n + 1);
			if (n + 1 > max_file - 1 || access(from, F_OK) != 0)
				break;
			n++;
		}
		if (n == max_file - 1) {
			snprintf(to, sizeof to, "%s.%lld", log_path, n);
			unlink(to);
			n--;
		}
		for (long long i = n; i >= 1; i--) {
			snprintf(from, sizeof from, "%s.%lld", log_path, i);
			snprintf(to, sizeof to, "%s.%lld", log_path, i + 1);
			rename(from, to);
		}
		snprintf(to, sizeof to, "%s.1", log_path);
		rename(log_path, to);
	} else {
		unlink(log_path);
	}
	log_fd = open_log(O_TRUNC);
}

/* Go's time.RFC3339Nano in UTC: fraction with trailing zeros trimmed, none at all when zero. */
static size_t format_time(char *p)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t len = strftime(p, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	long ns = ts.tv_nsec;
	if (ns > 0) {
		char frac[9];
		for (int i = 8; i >= 0; i--, ns /= 10)
			frac[i] = (char)('0' + ns % 10);
		int digits = 9;
		while (digits > 0 && frac[digits - 1] == '0')
			digits--;
		p[len++] = '.';
		memcpy(p + len, frac, (size_t)digits);
		len += (size_t)digits;
	}
	p[len++] = 'Z';
	return len;
}

/* Length of a valid UTF-8 sequence at s (as Go's utf8.DecodeRune accepts it), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		need = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (avail < need)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return need;
}

/* Docker's jsonlog escaping (ffjsonWriteJSONBytesAsString): HTML-safe, \ufffd for bad UTF-8. */
static size_t escape(char *o, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		unsigned char b = s[i];
		if (b < 0x80) {
			if (b >= 0x20 && b != '\\' && b != '"' && b != '<' && b != '>' && b != '&') {
				o[k++] = (char)b;
			} else if (b == '\\' || b == '"') {
				o[k++] = '\\';
				o[k++] = (char)b;
			} else if (b == '\n') {
				o[k++] = '\\';
				o[k++] = 'n';
			} else if (b == '\r') {
				o[k++] = '\\';
				o[k++] = 'r';
			} else {
				memcpy(o + k, "\\u00", 4);
				k += 4;
				o[k++] = hex[b >> 4];
				o[k++] = hex[b & 0xF];
			}
			i++;
			continue;
		}
		size_t len = utf8_len(s + i, n - i);
		if (len == 0) {
			memcpy(o + k, "\\ufffd", 6);
			k += 6;
			i++;
			continue;
		}
		/* U+2028 and U+2029 (E2 80 A8/A9) break JavaScript parsers. */
		if (len == 3 && b == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
			memcpy(o + k, "\\u202", 5);
			k += 5;
			o[k++] = s[i + 2] == 0xA8 ? '8' : '9';
			i += 3;
			continue;
		}
		memcpy(o + k, s + i, len);
		k += len;
		i += len;
	}
	return k;
}

static void write_entry(const struct stream *s, const char *line, size_t n)
{
	size_t k = 0;
	memcpy(entry, "{\"log\":\"", 8);
	k = 8;
	k += escape(entry + k, (const unsigned char *)line, n);
	k += (size_t)snprintf(entry + k, 32, "\",\"stream\":\"%s\",\"time\":\"", s->name);
	k += format_time(entry + k);
	memcpy(entry + k, "\"}\n", 3);
	k += 3;

	if (max_size > 0 && log_size >= max_size)
		rotate();
	if (log_fd < 0) {
		log_fd = open_log(0);
		if (log_fd < 0)
			return; /* nowhere to write; keep draining so the container never blocks */
	}
	size_t off = 0;
	while (off < k) {
		ssize_t w = write(log_fd, entry + off, k - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break; /* e.g. ENOSPC: drop the entry rather than block the container */
		}
		off += (size_t)w;
	}
	if (off > 0 && off < k) {
		/*
		 * Cut short (ENOSPC, EFBIG, EIO): take the part back, so the log holds whole JSON lines
		 * only and the next entry does not start in the middle of this one. O_APPEND put it at
		 * the end of the file, wherever log_size thinks that is.
		 */
		struct stat st;
		if (fstat(log_fd, &st) == 0 && st.st_size >= (off_t)off &&
		    ftruncate(log_fd, st.st_size - (off_t)off) == 0)
			off = 0;
	}
	log_size += (long long)off;
}

/* Log every complete line; a buffer full of one unterminated line goes out as a partial entry. */
static void split_lines(struct stream *s)
{
	size_t p = 0;
	for (;;) {
		char *nl = memchr(s->buf + p, '\n', s->n - p);
		if (!nl)
			break;
		size_t end = (size_t)(nl - s->buf) + 1;
		write_entry(s, s->buf + p, end - p);
		p = end;
	}
	if (p == 0 && s->n == LINE_BUF) {
		write_entry(s, s->buf, s->n);
		s->n = 0;
	} else if (p > 0) {
		memmove(s->buf, s->buf + p, s->n - p);
		s->n -= p;
	}
}

static void finish_stream(struct stream *s)
{
	if (s->n > 0)
		write_entry(s, s->buf, s->n);
	s->n = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->eof = 1;
}

static void drop_client(int i)
{
	close(clients[i].fd);
	clients[i] = clients[--nclients];
}

/* Sends what the client has not had yet, as much as its socket takes now. 0, or -1: dropped. */
static int flush_client(int i)
{
	struct client *c = &clients[i];
	while (c->off < ring_head) {
		size_t pos = (size_t)(c->off % ATTACH_RING);
		size_t len = ATTACH_RING - pos;
		if (len > ring_head - c->off)
			len = (size_t)(ring_head - c->off);
		ssize_t w = send(c->fd, ring + pos, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w > 0) {
			c->off += (unsigned long long)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		drop_client(i);
		return -1;
	}
	return 0;
}

static void ring_put(const char *p, size_t n)
{
	while (n > 0) {
		size_t pos = (size_t)(ring_head % ATTACH_RING);
		size_t len = ATTACH_RING - pos < n ? ATTACH_RING - pos : n;
		memcpy(ring + pos, p, len);
		ring_head += len;
		p += len;
		n -= len;
	}
}

static void broadcast(const struct stream *s, const char *data, size_t n)
{
	if (!ring)
		return;
	unsigned char hdr[8] = {s == &err_s ? 2 : 1, 0, 0, 0};
	hdr[4] = (unsigned char)(n >> 24);
	hdr[5] = (unsigned char)(n >> 16);
	hdr[6] = (unsigned char)(n >> 8);
	hdr[7] = (unsigned char)n;
	unsigned long long next = ring_head + sizeof hdr + n;
	/* A client the new frame would overrun (its unsent bytes overwritten) is dropped first. */
	for (int i = nclients; i-- > 0;)
		if (flush_client(i) == 0 && next - clients[i].off > ATTACH_RING)
			drop_client(i);
	ring_put((const char *)hdr, sizeof hdr);
	ring_put(data, n);
	for (int i = nclients; i-- > 0;)
		flush_client(i);
}

/* The client that has waited least for being furthest behind: the one to make room. */
static int furthest_behind(void)
{
	int v = 0;
	for (int i = 1; i < nclients; i++) {
		unsigned long long bi = ring_head - clients[i].off, bv = ring_head - clients[v].off;
		if (bi > bv || (bi == bv && clients[i].seq < clients[v].seq))
			v = i;
	}
	return v;
}

static void accept_clients(void)
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ucred cred;
		socklen_t len = sizeof cred;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != geteuid()) {
			close(fd);
			continue;
		}
		if (!ring && !(ring = malloc(ATTACH_RING))) {
			close(fd);
			continue;
		}
		if (nclients == MAX_CLIENTS)
			drop_client(furthest_behind());
		shutdown(fd, SHUT_RD);
		/* Output from now on: an attach has no history (the log has it). */
		clients[nclients++] = (struct client){.fd = fd, .off = ring_head, .seq = client_seq++};
	}
}

static void open_attach_socket(const char *path)
{
	char dir[4096], bound[128];
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	if (!slash || dlen >= sizeof dir || strlen(slash + 1) == 0 || strlen(slash + 1) >= sizeof attach_name)
		fail("invalid attach socket path: %s", path);
	memcpy(dir, path, dlen);
	dir[dlen] = 0;
	snprintf(attach_name, sizeof attach_name, "%s", slash + 1);
	attach_dir_fd = open(dlen ? dir : "/", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (attach_dir_fd < 0)
		fail("open %s: %s", dir, strerror(errno));
	struct stat st;
	/* Only root may reach the socket: its directory is root's and no one else's. */
	if (fstat(attach_dir_fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		fail("attach socket directory %s must be owned by uid %d and mode 0700", dir, (int)geteuid());
	struct sockaddr_un addr;
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	int n = snprintf(bound, sizeof bound, "/proc/self/fd/%d/%s", attach_dir_fd, attach_name);
	if (n < 0 || (size_t)n >= sizeof addr.sun_path)
		fail("attach socket name too long: %s", attach_name);
	memcpy(addr.sun_path, bound, (size_t)n);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
		fail("socket: %s", strerror(errno));
	unlinkat(attach_dir_fd, attach_name, 0); /* a previous run's, should its monitor have been killed */
	if (bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0)
		fail("bind attach socket %s: %s", path, strerror(errno));
	if (listen(listen_fd, 64) < 0)
		fail("listen: %s", strerror(errno));
}

/* The streams ended: every client gets the rest of the ring (unless it stops taking it), then EOF. */
static void close_attach(int drain)
{
	if (listen_fd >= 0)
		close(listen_fd);
	listen_fd = -1;
	if (attach_dir_fd >= 0) {
		unlinkat(attach_dir_fd, attach_name, 0);
		close(attach_dir_fd);
		attach_dir_fd = -1;
	}
	long long deadline = now_ms() + CLIENT_DRAIN_MS;
	while (drain && nclients > 0) {
		struct pollfd pfd[MAX_CLIENTS];
		nfds_t k = 0;
		for (int i = nclients; i-- > 0;)
			if (flush_client(i) == 0 && clients[i].off == ring_head)
				drop_client(i); /* all delivered: EOF */
		for (int i = 0; i < nclients; i++)
			pfd[k++] = (struct pollfd){.fd = clients[i].fd, .events = POLLOUT};
		long long left = deadline - now_ms();
		if (k == 0 || left <= 0 || poll(pfd, k, (int)left) <= 0)
			break; /* the clients left had CLIENT_DRAIN_MS in all */
	}
	while (nclients > 0)
		drop_client(0);
	free(ring);
	ring = NULL;
}

/* One read per wakeup keeps a chatty stream from starving the other. Returns 0 when drained. */
static int pump(struct stream *s)
{
	for (;;) {
		ssize_t r = read(s->fd, s->buf + s->n, LINE_BUF - s->n);
		if (r > 0) {
			if (nclients > 0)
				broadcast(s, s->buf + s->n, (size_t)r);
			s->n += (size_t)r;
			split_lines(s);
			return 1;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		finish_stream(s); /* EOF (no writer left) or a read error */
		return 0;
	}
}

static int open_fifo(const char *path)
{
	if (mkfifo(path, 0600) < 0 && errno != EEXIST)
		fail("mkfifo %s: %s", path, strerror(errno));
	/*
	 * Non-blocking so open does not wait for the shim. On Linux a FIFO whose writer never
	 * connected polls as idle (POLLHUP only appears once a writer came and went), so waiting in
	 * poll is safe; read(2) is only called after poll reports something.
	 */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	return fd;
}

/* iproute2's netns_add: /run/netns a shared mount point (so an unmount reaches every mount
 * namespace), an empty file, and a new network namespace bind-mounted on it. The monitor itself
 * stays in the host's namespace. */

static void make_netns(const char *path)
{
	char *copy = strdup(path);
	const char *dir = copy ? dirname(copy) : "/run/netns";
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		fail("mkdir %s: %s", dir, strerror(errno));
	int made_mount = 0;
	while (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || made_mount)
			fail("mount --make-shared %s: %s", dir, strerror(errno));
		if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
			fail("mount --bind %s: %s", dir, strerror(errno));
		made_mount = 1;
	}
	free(copy);
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		fail("cannot create namespace file \"%s\": %s", path, strerror(errno));
	close(fd);
	int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host < 0 || unshare(CLONE_NEWNET) < 0 || mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		int e = errno;
		if (host >= 0)
			setns(host, CLONE_NEWNET);
		unlink(path);
		fail("create network namespace %s: %s", path, strerror(e));
	}
	if (setns(host, CLONE_NEWNET) < 0)
		fail("setns: %s", strerror(errno));
	close(host);
	netns_made = path;
}

static void mount_shm(const char *v)
{
	const char *comma = strrchr(v, ',');
	char *end;
	if (!comma || (size_t)(comma - v) >= sizeof shm_dir)
		fail("invalid value for --shm: %s", v);
	errno = 0;
	long long size = strtoll(comma + 1, &end, 10);
	if (errno || *end != '\0' || size <= 0)
		fail("invalid value for --shm: %s", v);
	char dir[sizeof shm_dir];
	memcpy(dir, v, (size_t)(comma - v));
	dir[comma - v] = 0;
	char parent[sizeof shm_dir];
	snprintf(parent, sizeof parent, "%s", dir);
	mkdir(dirname(parent), 0700);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		fail("mkdir %s: %s", dir, strerror(errno));
	umount2(dir, MNT_DETACH); /* a previous run's, should its monitor have been killed */
	char data[64];
	snprintf(data, sizeof data, "mode=1777,size=%lld", size);
	if (mount("shm", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0)
		fail("mounting shm tmpfs: %s", strerror(errno));
	memcpy(shm_dir, dir, sizeof dir);
}

static void usage(void)
{
	fail("usage: tsdock-mon --stdout FIFO [--stderr FIFO] --log FILE [--stdin FIFO] [--max-size BYTES] "
	     "[--max-file N] [--pidfile FILE] [--exit-marker FILE] [--attach-pidfile FILE] "
	     "[--attach-socket PATH] [--netns PATH] [--shm DIR,SIZE] [--health I,T,SP,SI --health-cmd ARG...] "
	     "[-- EXIT_CMD ARGS...]");
}

static long long parse_num(const char *flag, const char *v)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *v == '\0' || *end != '\0' || n < 0)
		fail("invalid value for %s: %s", flag, v);
	return n;
}

/*
 * A foreground `tsdock run`/`start -a` records its pid here and records the exit itself; starting
 * a second Node process for the exit hook would only compete with it. If that client is gone
 * (killed), the hook runs as usual.
 */
static int attached_client_alive(const char *path)
{
	char buf[32];
	if (!path)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	long pid = strtol(buf, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) == 0;
}

int main(int argc, char **argv)
{
	const char *stdin_path = NULL, *pidfile = NULL, *exit_marker = NULL, *attach_pidfile = NULL;
	const char *attach_socket = NULL, *netns_path = NULL, *shm = NULL;
	char **exit_cmd = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			if (i + 1 < argc)
				exit_cmd = &argv[i + 1];
			break;
		}
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (strcmp(a, "--stdout") == 0)
			out_s.path = v;
		else if (strcmp(a, "--stderr") == 0)
			err_s.path = v;
		else if (strcmp(a, "--log") == 0)
			log_path = v;
		else if (strcmp(a, "--stdin") == 0)
			stdin_path = v;
		else if (strcmp(a, "--max-size") == 0)
			max_size = parse_num(a, v);
		else if (strcmp(a, "--max-file") == 0)
			max_file = parse_num(a, v);
		else if (strcmp(a, "--pidfile") == 0)
			pidfile = v;
		else if (strcmp(a, "--exit-marker") == 0)
			exit_marker = v;
		else if (strcmp(a, "--attach-pidfile") == 0)
			attach_pidfile = v;
		else if (strcmp(a, "--attach-socket") == 0)
			attach_socket = v;
		else if (strcmp(a, "--netns") == 0)
			netns_path = v;
		else if (strcmp(a, "--shm") == 0)
			shm = v;
		else if (strcmp(a, "--health") == 0)
			parse_health(v);
		else if (strcmp(a, "--health-cmd") == 0) {
			if (health.argc == MAX_HEALTH_ARGS)
				fail("too many --health-cmd values");
			health.argv[health.argc++] = argv[i];
		} else
			usage();
	}
	if (!out_s.path || !log_path)
		usage();
	if (health.on && health.argc == 0)
		fail("--health needs --health-cmd");
	if (max_file < 1)
		max_file = 1;

	/* Outlive the CLI that started us: no controlling terminal, no SIGHUP, no SIGPIPE. */
	if (getsid(0) != getpid())
		setsid();
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	/* SIGTERM is only delivered inside ppoll, so a flag check can never miss it. */
	sigset_t block, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGCHLD);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);

	if (stdin_path && mkfifo(stdin_path, 0600) < 0 && errno != EEXIST)
		fail("mkfifo %s: %s", stdin_path, strerror(errno));
	out_s.fd = open_fifo(out_s.path);
	if (err_s.path)
		err_s.fd = open_fifo(err_s.path);
	else
		err_s.eof = 1;
	if (attach_socket)
		open_attach_socket(attach_socket);
	log_fd = open_log(0);
	if (log_fd < 0)
		fail("open %s: %s", log_path, strerror(errno));

	if (netns_path)
		make_netns(netns_path);
	if (shm)
		mount_shm(shm);

	if (pidfile) {
		int fd = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			fail("open %s: %s", pidfile, strerror(errno));
		dprintf(fd, "%d\n", (int)getpid());
		close(fd);
	}

	if (write(STDOUT_FILENO, "ready\n", 6) != 6) {
		/* the parent is gone or gave up on us: nobody will create the task */
		remove_netns();
		unmount_shm();
		exit(1);
	}
	int devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}

	/*
	 * A monitor whose container never came to be (its tsdock was killed while creating it, and
	 * the next command's repair removed the directory) would wait on FIFOs nobody opens: every
	 * few seconds of silence it checks that the container's directory still exists.
	 */
	char *log_copy = strdup(log_path);
	const char *container_dir = log_copy ? dirname(log_copy) : NULL;
	const long long idle_ms = 5000;

	if (health.on) {
		health.started = now_ms();
		health.starting = 1;
		health.next = health.started + health_delay();
	}

	struct stream *streams[2] = {&out_s, &err_s};
	while (!(out_s.eof && err_s.eof) && !terminating) {
		struct pollfd pfd[3 + MAX_CLIENTS];
		struct stream *which[2];
		nfds_t k = 0;
		for (int i = 0; i < 2; i++) {
			if (streams[i]->eof)
				continue;
			pfd[k].fd = streams[i]->fd;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
			which[k++] = streams[i];
		}
		nfds_t nstreams = k;
		if (listen_fd >= 0) {
			pfd[k].fd = listen_fd;
			pfd[k].events = POLLIN;
			pfd[k++].revents = 0;
		}
		/* Clients only receive: polled for room when they have output to take, and for going away. */
		nfds_t first_client = k;
		for (int i = 0; i < nclients; i++) {
			pfd[k].fd = clients[i].fd;
			pfd[k].events = clients[i].off < ring_head ? POLLOUT : 0;
			pfd[k++].revents = 0;
		}
		long long wait_ms = container_dir ? idle_ms : -1;
		long long due = health_tick();
		if (due >= 0 && (wait_ms < 0 || due < wait_ms))
			wait_ms = due;
		struct timespec wait_ts = {.tv_sec = wait_ms / 1000, .tv_nsec = (wait_ms % 1000) * 1000000};
		int r = ppoll(pfd, k, wait_ms >= 0 ? &wait_ts : NULL, &waitmask);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0) {
			if (container_dir && access(container_dir, F_OK) < 0 && errno == ENOENT)
				terminating = 1;
			continue;
		}
		/* Downwards: dropping swaps the last client into this place, and that one was done. */
		for (nfds_t i = k; i-- > first_client;) {
			if (pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL))
				drop_client((int)(i - first_client));
			else if (pfd[i].revents & POLLOUT)
				flush_client((int)(i - first_client));
		}
		if (listen_fd >= 0 && (pfd[nstreams].revents & POLLIN))
			accept_clients();
		for (nfds_t i = 0; i < nstreams; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
				ran = 1;
				pump(which[i]);
			}
	}

	if (terminating) {
		/* Keep what is already in the pipes, but don't wait for writers. */
		for (int i = 0; i < 2; i++) {
			struct stream *s = streams[i];
			if (s->eof)
				continue;
			struct pollfd p = {.fd = s->fd, .events = POLLIN};
			while (poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP)) && !s->eof && pump(s))
				;
			finish_stream(s);
		}
	}

	if (log_fd >= 0)
		close(log_fd);
	/* The container's run is over: its shareable /dev/shm goes, as Docker's does at stop. */
	unmount_shm();
	/* The FIFOs were per start; nothing opens them again. */
	unlink(out_s.path);
	if (err_s.path)
		unlink(err_s.path);
	if (stdin_path)
		unlink(stdin_path);
	if (terminating) {
		close_attach(0);
		/* Stopped before the container ever wrote (or opened) its output: it never ran. */
		if (!ran)
			remove_netns();
		return 0;
	}

	if (exit_marker) {
		int fd = open(exit_marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	/* After the marker: a client's EOF then tells it whether it had everything (see the top). */
	close_attach(1);
	if (!exit_cmd || attached_client_alive(attach_pidfile))
		return 0;
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	execvp(exit_cmd[0], exit_cmd);
	return 127;
}
