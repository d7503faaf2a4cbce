/*
 * vtcode sandbox launcher: confine this process with a plan the agent compiled, then exec the command.
 *
 * Why C: the agent starts this with posix_spawn (vfork semantics: its size does not matter), and no
 * Python runs between fork and exec. The launcher decides nothing: it makes the calls the plan lists, in
 * the plan's order (the order of Confinement.steps, the same as the fork server and the direct path), and
 * execs only if every one succeeded. Any failure writes ONE line "label<TAB>errno<TAB>what\n" to fd 4 and
 * exits 127: the command never runs with a step skipped.
 *
 * Why no libc: static glibc's start-up (CPU feature probing, relocations, TLS) costs ~0.15 ms per spawn
 * here, more than all the confinement steps together. Every call below is a raw system call made through
 * sys() and nothing runs before launcher_main but the two-line _start; kernel uapi headers only.
 *
 * Inherited fds: 0-2 the command's stdio, 3 the plan (read, then closed), 4 the error pipe (close-on-exec,
 * so EOF there means the exec succeeded), 5.. what steps name (the Landlock ruleset, cgroup.procs).
 * Everything but 0-2 is closed before exec.
 *
 * Plan (native byte order), version PLAN_VERSION:
 *   header: "VTLP" u32 version, u32 total length in bytes (header included), u32 record count
 *   record: u16 op, u16 label length, u32 data length, label bytes, data bytes
 * ARGV, ENV and EXEC hold NUL-terminated strings back to back (EXEC: the paths to try, in order). Step
 * ops and their data are listed at run_step. A plan must hold ARGV, EXEC, a LANDLOCK and a SECCOMP step.
 *
 * SUPERVISE forks: the launcher process (the agent's child, the command's Popen) stays behind as the
 * command's subreaper and the rest of the plan runs in the new child. See supervise().
 */
#include <asm/unistd.h>
#include <linux/capability.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/filter.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <linux/types.h>

#ifndef VTCODE_LAUNCHER_SOURCE_SHA256
#error "build with -DVTCODE_LAUNCHER_SOURCE_SHA256=\"<sha-256 of this file>\""
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

#define PLAN_VERSION 3u
#define PLAN_FD 3
#define ERR_FD 4
#define FIRST_STEP_FD 5
#define MAX_PLAN (16u << 20)
#define MAX_STRINGS 65536u
#define TIOCSCTTY 0x540E
#define SEEK_END 2
#define SIGHUP 1
#define SIGINT 2
#define SIGKILL 9
#define SIGPIPE 13
#define SIGTERM 15
#define SIGCHLD 17
#define SIGSTOP 19
#define SIGXFSZ 25
/* PR_SET_PDEATHSIG of the supervisor: a real-time signal nothing else sends (see supervise()) */
#define SIG_PARENT_GONE 40
#define WNOHANG 1
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif

enum op {
    OP_ARGV = 1, OP_ENV = 2, OP_EXEC = 3,
    OP_PRCTL = 16, OP_SETSID, OP_SETPGID, OP_TTY, OP_WRITE_FD, OP_UMASK, OP_UNSHARE, OP_WRITE_PROC,
    OP_MOUNT, OP_SETRLIMIT, OP_CHDIR, OP_CAPBSET_DROP, OP_CAP_TRIM, OP_LANDLOCK, OP_SECCOMP,
    OP_MOUNT_SETATTR, OP_SUPERVISE, OP_EGRESS_LISTENER,
};

/* The parent checks that the binary it runs was built from the launcher.c it ships (or cached). */
__attribute__((used)) static const char source_tag[] =
    "vtcode-launcher-source-sha256:" VTCODE_LAUNCHER_SOURCE_SHA256;

/* -- system calls, and the three memory functions the compiler may call on its own ------------------ */

#define sys(n, a, b, c, d, e) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
#if defined(__x86_64__)
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
#else
#error "the launcher supports x86_64 and aarch64"
#endif
}

void *memcpy(void *dst, const void *src, unsigned long n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, unsigned long n) {
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, unsigned long n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

static unsigned long length(const char *s, unsigned long max) {
    unsigned long n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

static int same(const char *a, const char *b) {
    unsigned long n = length(b, 64);
    return length(a, 65) == n && memcmp(a, b, n) == 0;
}

/* -- failing closed ---------------------------------------------------------------------------------- */

struct record {
    __u16 op;
    __u16 label_len;
    __u32 len;
    const char *label;
    const unsigned char *data;
};

static const char *current = "plan";  /* the step being made, for the error line */
static unsigned long current_len = 4;

static void put(char *line, unsigned long *at, unsigned long cap, const char *text, unsigned long len) {
    for (unsigned long i = 0; i < len && *at < cap; i++) {
        char c = text[i];
        line[(*at)++] = (c == '\n' || c == '\t' || c == '\r') ? ' ' : c;
    }
}

/* One line to the error pipe, then exit: nothing after a failed step may run. The parent turns the
 * errno into words (there is no strerror here). */
__attribute__((noreturn)) static void fail(long err, const char *what) {
    char line[400], digits[24];
    unsigned long at = 0, n = 0;
    unsigned long value = (unsigned long)(err < 0 ? -err : err);
    do
        digits[n++] = (char)('0' + value % 10);
    while ((value /= 10) && n < sizeof digits);
    put(line, &at, sizeof line - 3, current, current_len);
    line[at++] = '\t';
    while (n && at < sizeof line - 1)
        line[at++] = digits[--n];
    if (at < sizeof line - 1)
        line[at++] = '\t';
    put(line, &at, sizeof line - 1, what, length(what, 300));
    line[at++] = '\n';
    sys(__NR_write, ERR_FD, (long)line, (long)at, 0, 0);
    for (;;)
        sys(__NR_exit_group, 127, 0, 0, 0, 0);
}

static long check(long result, const char *what) {
    if (result < 0 && result > -4096)
        fail(result, what);
    return result;
}

static __u32 u32_at(const unsigned char *p) {
    __u32 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static __u64 u64_at(const unsigned char *p) {
    __u64 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void need(const struct record *r, __u32 len, int exact) {
    if (exact ? r->len != len : r->len < len)
        fail(EINVAL, "malformed plan record");
}

static void *allocate(unsigned long size) {
    long p = sys6(__NR_mmap, 0, (long)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return (void *)check(p, "mmap");
}

/* Split NUL-terminated strings back to back into a NULL-terminated array (pointers into the plan). */
static char **strings(const struct record *r) {
    __u32 count = 0;
    if (r->len > 0 && r->data[r->len - 1] != '\0')
        fail(EINVAL, "malformed plan: unterminated string");
    for (__u32 i = 0; i < r->len; i++)
        count += r->data[i] == '\0';
    if (count > MAX_STRINGS)
        fail(E2BIG, "malformed plan: too many strings");
    char **out = allocate((count + 1) * sizeof *out);
    const char *s = (const char *)r->data;
    for (__u32 i = 0; i < count; i++) {
        out[i] = (char *)s;
        s += length(s, r->len) + 1;
    }
    out[count] = 0;
    return out;
}

/* -- the steps --------------------------------------------------------------------------------------- */

static int step_fd(__u32 fd) {
    if (fd < FIRST_STEP_FD || fd > 1024)
        fail(EBADF, "a step names an fd outside the inherited range");
    return (int)fd;
}

static void write_all(int fd, const unsigned char *data, unsigned long len, const char *what) {
    if (check(sys(__NR_write, fd, (long)data, (long)len, 0, 0), what) != (long)len)
        fail(EIO, what);
}

static void write_proc(const struct record *r) {
    const char *name = (const char *)r->data;
    unsigned long name_len = length(name, r->len);
    if (name_len == r->len)
        fail(EINVAL, "malformed write_proc step");
    const char *path = same(name, "setgroups") ? "/proc/self/setgroups"
                       : same(name, "uid_map") ? "/proc/self/uid_map"
                       : same(name, "gid_map") ? "/proc/self/gid_map" : 0;
    if (path == 0)
        fail(EINVAL, "write_proc may only write setgroups, uid_map or gid_map");
    int fd = (int)check(sys(__NR_openat, AT_FDCWD, (long)path, O_WRONLY | O_CLOEXEC, 0, 0), path);
    write_all(fd, r->data + name_len + 1, r->len - name_len - 1, path);
    sys(__NR_close, fd, 0, 0, 0, 0);
}

static void mount_step(const struct record *r) {
    need(r, 8, 0);
    __u64 flags = u64_at(r->data);
    const char *source = (const char *)r->data + 8;
    unsigned long rest = r->len - 8;
    unsigned long source_len = length(source, rest);
    if (source_len == rest)
        fail(EINVAL, "malformed mount step");
    const char *target = source + source_len + 1;
    unsigned long target_room = rest - source_len - 1;
    if (target_room < 2 || length(target, target_room) != target_room - 1)
        fail(EINVAL, "malformed mount step");
    check(sys(__NR_mount, source_len ? (long)source : 0, (long)target, 0, (long)flags, 0), "mount");
}

static void capbset_drop(const struct record *r) {
    if (r->len % 4)
        fail(EINVAL, "malformed capbset_drop step");
    for (__u32 i = 0; i < r->len; i += 4) {
        long res = sys(__NR_prctl, PR_CAPBSET_DROP, (long)u32_at(r->data + i), 0, 0, 0);
        if (res < 0 && res != -EINVAL)  /* EINVAL: a capability this kernel does not know */
            fail(res, "prctl(PR_CAPBSET_DROP)");
    }
}

/* Keep only the given capabilities in the effective and permitted sets; clear inheritable. */
static void cap_trim(const struct record *r) {
    need(r, 8, 1);
    __u32 keep[2] = {u32_at(r->data), u32_at(r->data + 4)};
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    check(sys(__NR_capget, (long)&header, (long)data, 0, 0, 0), "capget");
    for (int i = 0; i < 2; i++) {
        data[i].effective &= keep[i];
        data[i].permitted &= keep[i];
        data[i].inheritable = 0;
    }
    check(sys(__NR_capset, (long)&header, (long)data, 0, 0, 0), "capset");
}

static void seccomp_step(const struct record *r) {
    if (r->len == 0 || r->len % sizeof(struct sock_filter) || r->len / sizeof(struct sock_filter) > 4096)
        fail(EINVAL, "seccomp BPF must be 1-4096 8-byte instructions");
    struct sock_filter *filter = allocate(r->len);  /* aligned, unlike the plan bytes */
    memcpy(filter, r->data, r->len);
    struct sock_fprog prog = {(unsigned short)(r->len / sizeof(struct sock_filter)), filter};
    check(sys(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0), "seccomp(SET_MODE_FILTER)");
}

/* u32 flags (AT_RECURSIVE), u64 attr_set, u64 attr_clr, path NUL: read-only for a whole mount tree. */
static void mount_setattr_step(const struct record *r) {
    need(r, 22, 0);
    const char *path = (const char *)r->data + 20;
    if (r->data[r->len - 1] != '\0' || length(path, r->len - 20) != r->len - 21)
        fail(EINVAL, "malformed mount_setattr step");
    __u64 attr[4] = {u64_at(r->data + 4), u64_at(r->data + 12), 0, 0};
    check(sys(__NR_mount_setattr, AT_FDCWD, (long)path, (long)u32_at(r->data), (long)attr, sizeof attr),
          "mount_setattr");
}

/* -- the supervisor ---------------------------------------------------------------------------------- */

static unsigned long format_number(char *out, unsigned long value) {
    char digits[24];
    unsigned long n = 0, at = 0;
    do
        digits[n++] = (char)('0' + value % 10);
    while ((value /= 10) && n < sizeof digits);
    while (n)
        out[at++] = digits[--n];
    return at;
}

/* SIGKILL every child this process has (its own and the orphans it adopted as subreaper), and reap them,
 * until none is left. A child that forks between the read and the kill leaves an orphan that is adopted
 * here and found on the next pass; RLIMIT_NPROC and the cgroup bound the race. */
static void kill_children(long self) {
    char path[64] = "/proc/self/task/";
    unsigned long at = 16;
    at += format_number(path + at, (unsigned long)self);
    memcpy(path + at, "/children", 10);
    for (;;) {
        long fd = sys(__NR_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0);
        if (fd < 0)
            return;  /* no /proc/PID/task/TID/children: the agent's cgroup or process-group kill remains */
        {
            char buf[4096];
            long n;
            unsigned long pid = 0;
            int digits = 0;
            while ((n = sys(__NR_read, fd, (long)buf, sizeof buf, 0, 0)) > 0) {
                for (long i = 0; i < n; i++) {
                    if (buf[i] >= '0' && buf[i] <= '9') {
                        pid = pid * 10 + (unsigned long)(buf[i] - '0');
                        digits = 1;
                    } else if (digits) {
                        sys(__NR_kill, (long)pid, SIGKILL, 0, 0, 0);
                        pid = 0;
                        digits = 0;
                    }
                }
            }
            if (digits)
                sys(__NR_kill, (long)pid, SIGKILL, 0, 0, 0);
            sys(__NR_close, fd, 0, 0, 0, 0);
        }
        int status;
        long reaped = sys(__NR_wait4, -1, (long)&status, 0, 0, 0);
        if (reaped < 0 && reaped != -EINTR)
            return;  /* ECHILD: nothing is left */
    }
}

/* Fork. The child returns and runs the rest of the plan; this process becomes the command's supervisor:
 * a subreaper (every orphaned descendant, a setsid() daemon included, is re-parented here, not to init),
 * outside the command's Landlock domain (SUPERVISE comes before LANDLOCK, and Landlock's signal scope
 * keeps the command from signalling out of its domain), holding no fd. When the command exits, every
 * descendant left is killed before this process exits with the command's status; SIGTERM or SIGHUP
 * (the agent stopping the command) kill them all at once. Other signals reach the command through its
 * process group and are ignored here.
 * When the agent dies by any means (SIGKILL included), PR_SET_PDEATHSIG sends SIG_PARENT_GONE and this
 * process kills everything as for SIGTERM. PDEATHSIG also fires when only the agent's *thread* that
 * spawned the launcher exits; the agent is gone only when getppid() is no longer `parent` (a child of a
 * dead thread is re-parented to another thread of the same process, whose pid getppid() still returns).
 * `parent` comes from the plan, not from getppid() here: an agent that died before the prctl would
 * otherwise go unnoticed. */
static void supervise(long parent) {
    __u64 all = ~0ull & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1))), old = 0;
    check(sys(__NR_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)");
    check(sys(__NR_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&all, (long)&old, sizeof all, 0), "sigprocmask");
    check(sys(__NR_prctl, PR_SET_PDEATHSIG, SIG_PARENT_GONE, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)");
    if (sys(__NR_getppid, 0, 0, 0, 0, 0) != parent)
        fail(ESRCH, "the agent is gone");
    long self = sys(__NR_getpid, 0, 0, 0, 0, 0);
    long pid = check(sys(__NR_clone, SIGCHLD, 0, 0, 0, 0), "fork");
    if (pid == 0) {
        check(sys(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)&old, 0, sizeof old, 0), "sigprocmask");
        check(sys(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)");
        if (sys(__NR_getppid, 0, 0, 0, 0, 0) != self)
            fail(ESRCH, "the supervisor is gone");
        return;
    }
    sys(__NR_close_range, 0, ~0u, 0, 0, 0);  /* the error pipe too: EOF there must mean the exec */
    int status = 0, stop = 0;
    for (;;) {
        unsigned char info[128];
        long sig = sys(__NR_rt_sigtimedwait, (long)&all, (long)info, 0, sizeof all, 0);
        if (sig == SIGCHLD) {
            int st;
            long reaped;
            while ((reaped = sys(__NR_wait4, -1, (long)&st, WNOHANG, 0, 0)) > 0)
                if (reaped == pid) {
                    status = st;
                    pid = 0;
                }
            if (pid == 0 || reaped == -ECHILD)
                break;
        } else if (sig == SIGTERM || sig == SIGHUP) {
            stop = (int)sig;
            break;
        } else if (sig == SIG_PARENT_GONE && sys(__NR_getppid, 0, 0, 0, 0, 0) != parent) {
            stop = SIGTERM;
            break;
        }
    }
    kill_children(self);
    int by = stop ? stop : (status & 0x7f);  /* the signal the command died of, if it did */
    if (by == 0)
        for (;;)
            sys(__NR_exit_group, (status >> 8) & 0xff, 0, 0, 0, 0);
    long action[4] = {0, 0, 0, 0};
    __u64 unblock = 1ull << (by - 1);
    sys(__NR_rt_sigaction, by, (long)action, 0, sizeof unblock, 0);
    sys(__NR_kill, self, by, 0, 0, 0);
    sys(__NR_rt_sigprocmask, 1 /* SIG_UNBLOCK */, (long)&unblock, 0, sizeof unblock, 0);
    for (;;)
        sys(__NR_exit_group, 128 + by, 0, 0, 0, 0);
}

/* Egress mode, inside the new network namespace: bring lo up, listen on 127.0.0.1:port and send the
 * listener to the agent's proxy over the socketpair fd (SCM_RIGHTS); the agent accepts the sandbox's
 * connections on it. See netns.py. */
#define AF_INET_ 2
#define SOCK_STREAM_ 1
#define SOCK_DGRAM_ 2
#define SOCK_CLOEXEC_ 02000000
#define SOL_SOCKET_ 1
#define SCM_RIGHTS_ 1
#define SIOCSIFFLAGS_ 0x8914

struct sockaddr_in_ { __u16 family; __u16 port; __u32 addr; unsigned char zero[8]; };
struct iovec_ { void *base; unsigned long len; };
struct msghdr_ { void *name; int namelen; struct iovec_ *iov; unsigned long iovlen; void *control;
                 unsigned long controllen; int flags; };
struct cmsg_fd_ { unsigned long len; int level; int type; int fd; int pad; };

static void egress_listener(const struct record *r) {
    need(r, 8, 1);
    int channel = step_fd(u32_at(r->data));
    __u32 port = u32_at(r->data + 4);
    if (port == 0 || port > 65535)
        fail(EINVAL, "egress port out of range");
    unsigned char ifr[40];
    memset(ifr, 0, sizeof ifr);
    memcpy(ifr, "lo", 3);
    __u16 flags = 0x1 | 0x40;  /* IFF_UP | IFF_RUNNING */
    memcpy(ifr + 16, &flags, 2);
    long probe = check(sys(__NR_socket, AF_INET_, SOCK_DGRAM_ | SOCK_CLOEXEC_, 0, 0, 0), "socket");
    check(sys(__NR_ioctl, probe, SIOCSIFFLAGS_, (long)ifr, 0, 0), "ioctl(SIOCSIFFLAGS lo up)");
    sys(__NR_close, probe, 0, 0, 0, 0);
    long listener = check(sys(__NR_socket, AF_INET_, SOCK_STREAM_ | SOCK_CLOEXEC_, 0, 0, 0), "socket");
    struct sockaddr_in_ addr;
    memset(&addr, 0, sizeof addr);
    addr.family = AF_INET_;
    addr.port = (__u16)(((port & 0xff) << 8) | (port >> 8));
    addr.addr = 0x0100007f;  /* 127.0.0.1 in network order, read as a little-endian u32 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    addr.port = (__u16)port;
    addr.addr = 0x7f000001;
#endif
    check(sys(__NR_bind, listener, (long)&addr, sizeof addr, 0, 0), "bind(127.0.0.1)");
    check(sys(__NR_listen, listener, 512, 0, 0, 0), "listen");
    char byte = 'L';
    struct iovec_ iov = {&byte, 1};
    struct cmsg_fd_ cmsg = {sizeof(unsigned long) + 2 * sizeof(int) + sizeof(int), SOL_SOCKET_, SCM_RIGHTS_,
                            (int)listener, 0};
    struct msghdr_ msg = {0, 0, &iov, 1, &cmsg, sizeof cmsg, 0};
    if (check(sys(__NR_sendmsg, channel, (long)&msg, 0, 0, 0), "sendmsg(listener)") != 1)
        fail(EIO, "sendmsg(listener)");
    sys(__NR_close, listener, 0, 0, 0, 0);
}

static void run_step(const struct record *r) {
    current = r->label;
    current_len = r->label_len;
    switch (r->op) {
    case OP_PRCTL:  /* u64 option, arg2, arg3 */
        need(r, 24, 1);
        check(sys(__NR_prctl, (long)u64_at(r->data), (long)u64_at(r->data + 8), (long)u64_at(r->data + 16),
                  0, 0), "prctl");
        break;
    case OP_SETSID:
        check(sys(__NR_setsid, 0, 0, 0, 0, 0), "setsid");
        break;
    case OP_SETPGID:
        check(sys(__NR_setpgid, 0, 0, 0, 0, 0), "setpgid");
        break;
    case OP_TTY:  /* fd 0 (a PTY's slave) becomes the controlling terminal; after setsid */
        check(sys(__NR_ioctl, 0, TIOCSCTTY, 0, 0, 0), "ioctl(TIOCSCTTY)");
        break;
    case OP_WRITE_FD:  /* u32 fd, bytes: e.g. "0" to cgroup.procs */
        need(r, 4, 0);
        write_all(step_fd(u32_at(r->data)), r->data + 4, r->len - 4, "write");
        break;
    case OP_UMASK:  /* u32 mask */
        need(r, 4, 1);
        sys(__NR_umask, (long)(u32_at(r->data) & 0777), 0, 0, 0, 0);
        break;
    case OP_UNSHARE:  /* u64 flags */
        need(r, 8, 1);
        check(sys(__NR_unshare, (long)u64_at(r->data), 0, 0, 0, 0), "unshare");
        break;
    case OP_WRITE_PROC:  /* name NUL data: /proc/self/<name> */
        write_proc(r);
        break;
    case OP_MOUNT:  /* u64 flags, source NUL (empty: none), target NUL */
        mount_step(r);
        break;
    case OP_SETRLIMIT: {  /* u32 resource, u64 soft, u64 hard */
        need(r, 20, 1);
        __u64 limit[2] = {u64_at(r->data + 4), u64_at(r->data + 12)};
        check(sys(__NR_prlimit64, 0, (long)u32_at(r->data), (long)limit, 0, 0), "setrlimit");
        break;
    }
    case OP_CHDIR:  /* path NUL */
        if (r->len < 2 || r->data[r->len - 1] != '\0' || length((const char *)r->data, r->len) != r->len - 1)
            fail(EINVAL, "malformed chdir step");
        check(sys(__NR_chdir, (long)r->data, 0, 0, 0, 0), "chdir");
        break;
    case OP_CAPBSET_DROP:  /* u32 capabilities */
        capbset_drop(r);
        break;
    case OP_CAP_TRIM:  /* u32 keep low word, u32 keep high word */
        cap_trim(r);
        break;
    case OP_LANDLOCK:  /* u32 ruleset fd, u32 flags */
        need(r, 8, 1);
        check(sys(__NR_landlock_restrict_self, step_fd(u32_at(r->data)), (long)u32_at(r->data + 4), 0, 0, 0),
              "landlock_restrict_self");
        break;
    case OP_SECCOMP:  /* struct sock_filter[] */
        seccomp_step(r);
        break;
    case OP_MOUNT_SETATTR:  /* u32 flags, u64 attr_set, u64 attr_clr, path NUL */
        mount_setattr_step(r);
        break;
    case OP_SUPERVISE:  /* u32 pid of the process that started the launcher (the agent) */
        need(r, 4, 1);
        supervise((long)u32_at(r->data));
        break;
    case OP_EGRESS_LISTENER:  /* u32 channel fd, u32 port */
        egress_listener(r);
        break;
    default:
        fail(EINVAL, "unknown step in the plan");
    }
}

/* -- the plan ---------------------------------------------------------------------------------------- */

static unsigned char *read_plan(__u32 *size) {
    long end = check(sys(__NR_lseek, PLAN_FD, 0, SEEK_END, 0, 0), "lseek(plan)");
    if (end < 16 || (unsigned long)end > MAX_PLAN)
        fail(EINVAL, "plan size out of range (truncated?)");
    unsigned char *plan = allocate((unsigned long)end);
    long got = 0;
    while (got < end) {
        long n = sys(__NR_pread64, PLAN_FD, (long)(plan + got), end - got, got, 0);
        if (n == -EINTR)
            continue;
        if (n <= 0)
            fail(n < 0 ? n : EIO, "cannot read the plan");
        got += n;
    }
    sys(__NR_close, PLAN_FD, 0, 0, 0, 0);
    *size = (__u32)got;
    return plan;
}

__attribute__((noreturn, used)) void launcher_main(void) {
    /* The error pipe must close at exec: EOF there is how the parent learns the exec happened. */
    if (sys(__NR_fcntl, ERR_FD, F_SETFD, FD_CLOEXEC, 0, 0) < 0)
        for (;;)
            sys(__NR_exit_group, 127, 0, 0, 0, 0);  /* no error pipe: nobody to tell, and nothing runs */
    __u64 none = 0;
    check(sys(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)&none, 0, sizeof none, 0), "sigprocmask");
    /* Python ignores these; ignored signals would stay ignored across exec. All zero: SIG_DFL. */
    long action[4] = {0, 0, 0, 0};
    static const int defaults[] = {SIGPIPE, SIGXFSZ, SIGINT};
    for (unsigned i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        check(sys(__NR_rt_sigaction, defaults[i], (long)action, 0, sizeof none, 0), "sigaction");

    __u32 size;
    unsigned char *plan = read_plan(&size);
    if (memcmp(plan, "VTLP", 4) != 0)
        fail(EINVAL, "not a launcher plan");
    if (u32_at(plan + 4) != PLAN_VERSION)
        fail(EPROTO, "plan version mismatch: this launcher reads version 2");
    if (u32_at(plan + 8) != size)
        fail(EINVAL, "plan length mismatch (truncated?)");
    __u32 count = u32_at(plan + 12);
    if (count > MAX_STRINGS)
        fail(EINVAL, "malformed plan: too many records");
    struct record *records = allocate((count + 1) * sizeof *records);

    /* Validate the whole plan before the first step: a bad record must not leave a half-made child. */
    char **argv = 0, **envp = 0, **paths = 0;
    int landlock = 0, seccomp = 0;
    __u32 at = 16, steps = 0;
    for (__u32 i = 0; i < count; i++) {
        if (size - at < 8)
            fail(EINVAL, "plan truncated in a record header");
        struct record r;
        memcpy(&r.op, plan + at, 2);
        memcpy(&r.label_len, plan + at + 2, 2);
        r.len = u32_at(plan + at + 4);
        at += 8;
        if (size - at < r.label_len || size - at - r.label_len < r.len)
            fail(EINVAL, "plan truncated in a record");
        r.label = (const char *)plan + at;
        r.data = plan + at + r.label_len;
        at += r.label_len + r.len;
        if (r.op == OP_ARGV)
            argv = strings(&r);
        else if (r.op == OP_ENV)
            envp = strings(&r);
        else if (r.op == OP_EXEC)
            paths = strings(&r);
        else if (r.op >= OP_PRCTL && r.op <= OP_EGRESS_LISTENER)
            records[steps++] = r;
        else
            fail(EINVAL, "unknown op in the plan");
        landlock |= r.op == OP_LANDLOCK;
        seccomp |= r.op == OP_SECCOMP;
    }
    if (at != size)
        fail(EINVAL, "trailing bytes after the plan");
    if (argv == 0 || argv[0] == 0 || paths == 0 || paths[0] == 0)
        fail(EINVAL, "the plan names no program");
    if (!landlock || !seccomp)
        fail(EINVAL, "the plan has no landlock or no seccomp step; refusing to run unconfined");
    if (envp == 0)
        envp = allocate(sizeof *envp);  /* zeroed: an empty environment */

    for (__u32 i = 0; i < steps; i++)
        run_step(&records[i]);

    current = "exec";
    current_len = 4;
    /* Every fd but the std ones and the (close-on-exec) error pipe: no ruleset or cgroup fd leaks. */
    check(sys(__NR_close_range, 3, ERR_FD - 1, 0, 0, 0), "close_range");
    check(sys(__NR_close_range, ERR_FD + 1, ~0u, 0, 0, 0), "close_range");
    long err = -ENOENT;
    for (char **path = paths; *path != 0; path++) {
        long res = sys(__NR_execve, (long)*path, (long)argv, (long)envp, 0, 0);
        if (res != -ENOENT && res != -ENOTDIR)
            err = res;  /* EACCES and the like: remember it, try the next directory */
    }
    fail(err, argv[0]);
}

/* The entry point: no libc, so no crt; align the stack the way the C ABI expects a call to find it. */
#if defined(__x86_64__)
__asm__(".text\n.global _start\n_start:\n\txor %rbp, %rbp\n\tand $-16, %rsp\n\tcall launcher_main\n\thlt\n");
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n_start:\n\tmov x29, #0\n\tmov x30, #0\n\tbl launcher_main\n\tbrk #0\n");
#endif
