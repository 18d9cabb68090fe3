/*
 * dindctl's probe relay: connects to the IPv4 address and port given as its two arguments,
 * then copies its stdin to the connection and the connection to its stdout until the
 * connection ends. dindctl runs it in a container on an inner network (copied into a
 * container of the MCP server's own image, so no registry is needed) and speaks HTTP through
 * the container's attached stdin and stdout: an MCP server that only inner networks reach is
 * verified from where its peers reach it.
 *
 * No libc: raw Linux system calls, so the executable is a few kilobytes and runs in any
 * image, with or without a C library. Exit 0 when the connection ends, 1 with a message on
 * stderr when it cannot be made.
 */

typedef unsigned long u64;
typedef long i64;

#if defined(__x86_64__)
#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_socket 41
#define SYS_connect 42
#define SYS_shutdown 48
#define SYS_exit_group 231
#define SYS_ppoll 271
static i64 sys(i64 n, i64 a, i64 b, i64 c, i64 d, i64 e) {
    i64 ret;
    register i64 r10 __asm__("r10") = d;
    register i64 r8 __asm__("r8") = e;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}
__asm__(".global _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call start\n hlt\n");
#elif defined(__aarch64__)
#define SYS_read 63
#define SYS_write 64
#define SYS_close 57
#define SYS_socket 198
#define SYS_connect 203
#define SYS_shutdown 210
#define SYS_exit_group 94
#define SYS_ppoll 73
static i64 sys(i64 n, i64 a, i64 b, i64 c, i64 d, i64 e) {
    register i64 x8 __asm__("x8") = n;
    register i64 x0 __asm__("x0") = a;
    register i64 x1 __asm__("x1") = b;
    register i64 x2 __asm__("x2") = c;
    register i64 x3 __asm__("x3") = d;
    register i64 x4 __asm__("x4") = e;
    __asm__ volatile("svc #0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
                     : "memory");
    return x0;
}
__asm__(".global _start\n_start:\n mov x0, sp\n bl start\n");
#else
#error "the probe relay supports x86_64 and aarch64"
#endif

struct pollfd {
    int fd;
    short events;
    short revents;
};

static void out(int fd, const char *s) {
    u64 n = 0;
    while (s[n])
        n++;
    sys(SYS_write, fd, (i64)s, (i64)n, 0, 0);
}

static void die(const char *what, i64 err) {
    char num[24];
    int i = 23;
    u64 e = (u64)(-err);
    num[i] = 0;
    do {
        num[--i] = (char)('0' + e % 10);
        e /= 10;
    } while (e && i > 0);
    out(2, "dindctl-relay: ");
    out(2, what);
    out(2, ": errno ");
    out(2, num + i);
    out(2, "\n");
    sys(SYS_exit_group, 1, 0, 0, 0, 0);
}

static int write_all(int fd, const char *p, i64 n) {
    while (n > 0) {
        i64 w = sys(SYS_write, fd, (i64)p, n, 0, 0);
        if (w <= 0)
            return -1;
        p += w;
        n -= w;
    }
    return 0;
}

/* "a.b.c.d" to a network-order address; 0 when it is not one. */
static int parse_ipv4(const char *s, unsigned char out4[4]) {
    for (int part = 0; part < 4; part++) {
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (!digits || v > 255)
            return 0;
        out4[part] = (unsigned char)v;
        if (part < 3 && *s++ != '.')
            return 0;
    }
    return *s == 0;
}

static char buf[65536];

void start(long *sp) {
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    if (argc != 3) {
        out(2, "usage: dindctl-relay IPV4 PORT\n");
        sys(SYS_exit_group, 2, 0, 0, 0, 0);
    }
    struct {
        unsigned short family;
        unsigned char port[2];
        unsigned char addr[4];
        unsigned char zero[8];
    } sa;
    sa.family = 2; /* AF_INET */
    for (int i = 0; i < 8; i++)
        sa.zero[i] = 0;
    unsigned port = 0;
    for (const char *p = argv[2]; *p; p++) {
        if (*p < '0' || *p > '9' || port > 65535)
            die("bad port", -22);
        port = port * 10 + (unsigned)(*p - '0');
    }
    if (!port || port > 65535 || !parse_ipv4(argv[1], sa.addr))
        die("bad address", -22);
    sa.port[0] = (unsigned char)(port >> 8);
    sa.port[1] = (unsigned char)port;
    i64 s = sys(SYS_socket, 2, 1 /* SOCK_STREAM */, 0, 0, 0);
    if (s < 0)
        die("socket", s);
    i64 c = sys(SYS_connect, s, (i64)&sa, sizeof sa, 0, 0);
    if (c < 0)
        die("connect", c);
    struct pollfd fds[2] = {{0, 1 /* POLLIN */, 0}, {(int)s, 1, 0}};
    for (;;) {
        i64 r = sys(SYS_ppoll, (i64)fds, 2, 0, 0, 8);
        if (r < 0 && r != -4 /* EINTR */)
            die("poll", r);
        if (fds[0].revents) {
            i64 n = sys(SYS_read, 0, (i64)buf, sizeof buf, 0, 0);
            if (n <= 0) {
                sys(SYS_shutdown, s, 1 /* SHUT_WR */, 0, 0, 0);
                fds[0].fd = -1;
            } else if (write_all((int)s, buf, n) < 0) {
                sys(SYS_exit_group, 0, 0, 0, 0, 0);
            }
        }
        if (fds[1].revents) {
            i64 n = sys(SYS_read, s, (i64)buf, sizeof buf, 0, 0);
            if (n <= 0 || write_all(1, buf, n) < 0)
                sys(SYS_exit_group, 0, 0, 0, 0, 0);
        }
    }
}
