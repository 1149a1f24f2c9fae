/*
 * shell.c - app=shell: a small command shell on the console, for a user at
 * `xl console`. It answers pings on vif 0 (when the domain has one) while
 * it waits for input. Commands: help, info, uptime, ip, ping, disk, read,
 * write, poweroff (see `help`). Each command's output ends with the prompt
 * "shell> " on a line of its own, which tests wait for.
 */
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/page_alloc.h"
#include "kernel/time.h"
#include "net/net.h"
#include "shell_disk.h"

#define LINE_MAX_LEN 160
#define POLL_NS (20ull * 1000 * 1000)
#define PING_TIMEOUT_NS 1000000000ull

static bool net_up;
static uint64_t started_ns;

/* Splits line into at most max words in place; returns how many. */
static unsigned split(char *line, char **words, unsigned max)
{
    unsigned n = 0;
    char *p = line;
    while (*p && n < max) {
        while (*p == ' ')
            *p++ = 0;
        if (!*p)
            break;
        words[n++] = p;
        while (*p && *p != ' ')
            p++;
    }
    return n;
}

static void cmd_help(void)
{
    printf("commands:\n"
           "  help                 this list\n"
           "  info                 domain, memory, devices\n"
           "  uptime               time since boot\n"
           "  ip                   vif 0's address and counters\n"
           "  ping A.B.C.D [N]     N echo requests (default 4), with round-trip times\n"
           "  disk                 the block devices\n"
           "  read SECTOR          a 512-byte sector of xvda, as hex\n"
           "  write SECTOR TEXT    TEXT into a sector of xvda (flushed)\n"
           "  poweroff             shut the domain down\n");
}

static void cmd_info(void)
{
    printf("domain %u, Xen %u.%u interface, %s\n", boot.domid, boot.xen_version >> 16,
           boot.xen_version & 0xffff, boot.kvm_pvm ? "PVM mode" : "hardware virtualization");
    printf("memory %llu KiB, %llu KiB free for drivers\n",
           (unsigned long long)boot.nr_pages * 4, (unsigned long long)page_alloc_free_pages() * 4);
    if (net_up) {
        char ip[16];
        ip_text(net0.ip, ip);
        printf("vif 0: %s\n", ip);
    } else {
        printf("vif 0: none\n");
    }
    shell_disk_info();
}

static void cmd_uptime(void)
{
    uint64_t ns = time_now_ns() - started_ns;
    printf("up %llu.%03llu s\n", (unsigned long long)(ns / 1000000000ull),
           (unsigned long long)(ns / 1000000ull % 1000));
}

static void cmd_ip(void)
{
    if (!net_up) {
        printf("ip: this domain has no vif\n");
        return;
    }
    char ip[16];
    ip_text(net0.ip, ip);
    const uint8_t *m = net0.mac;
    printf("vif 0: %s mac %02x:%02x:%02x:%02x:%02x:%02x\n", ip, m[0], m[1], m[2], m[3], m[4], m[5]);
    printf("rx %llu frames (%llu dropped), echo requests %llu answered %llu\n",
           (unsigned long long)net0.st.rx_frames, (unsigned long long)net0.st.rx_dropped,
           (unsigned long long)net0.st.echo_requests, (unsigned long long)net0.st.echo_replies_sent);
}

static volatile uint16_t ping_seq;
static volatile uint64_t ping_reply_at;
static uint32_t ping_peer;

static void on_echo_reply(uint32_t src, uint16_t id, uint16_t seq, unsigned len)
{
    (void)len;
    if (src == ping_peer && id == 0x5348 && seq == ping_seq)
        ping_reply_at = time_now_ns();
}

static void cmd_ping(char **w, unsigned n)
{
    uint64_t count = 4;
    if (!net_up) {
        printf("ping: this domain has no vif\n");
        return;
    }
    if (n < 2 || ip_parse(w[1], &ping_peer, 0) < 0 || (n > 2 && (parse_u64(w[2], &count) < 0 ||
                                                              count == 0 || count > 1000))) {
        printf("ping: usage: ping A.B.C.D [COUNT 1..1000]\n");
        return;
    }
    icmp_reply_hook = on_echo_reply;
    unsigned got = 0;
    for (uint64_t i = 1; i <= count; i++) {
        ping_seq = (uint16_t)i;
        ping_reply_at = 0;
        uint64_t t0 = time_now_ns();
        int rc = icmp_echo_send(ping_peer, 0x5348, (uint16_t)i, 56);
        while (rc == 0 && !ping_reply_at && time_now_ns() - t0 < PING_TIMEOUT_NS) {
            net_poll();
            if (!ping_reply_at)
                net_wait(t0 + PING_TIMEOUT_NS);
        }
        if (rc < 0)
            printf("ping: %s: %d\n", w[1], rc);
        else if (ping_reply_at)
            printf("reply from %s: seq %llu time %llu us\n", w[1], (unsigned long long)i,
                   (unsigned long long)((ping_reply_at - t0) / 1000)), got++;
        else
            printf("no reply from %s: seq %llu\n", w[1], (unsigned long long)i);
    }
    printf("ping: %u/%llu replies\n", got, (unsigned long long)count);
}

static void run(char *line)
{
    char *w[4];
    unsigned n = split(line, w, 4);
    if (n == 0)
        return;
    if (!strcmp(w[0], "help"))
        cmd_help();
    else if (!strcmp(w[0], "info"))
        cmd_info();
    else if (!strcmp(w[0], "uptime"))
        cmd_uptime();
    else if (!strcmp(w[0], "ip"))
        cmd_ip();
    else if (!strcmp(w[0], "ping"))
        cmd_ping(w, n);
    else if (!strcmp(w[0], "disk"))
        shell_disk_list();
    else if (!strcmp(w[0], "read"))
        shell_disk_read(w, n);
    else if (!strcmp(w[0], "write"))
        shell_disk_write(line, w, n);
    else
        printf("%s: unknown command (try help)\n", w[0]);
}

/* One line from the console; the network is served meanwhile. Returns the
 * length, or a negative error from the console. */
static int read_line(char *buf, unsigned cap)
{
    unsigned len = 0;
    for (;;) {
        if (net_up)
            net_poll();
        int c = console_getc(POLL_NS);
        if (c == -ETIME)
            continue;
        if (c < 0)
            return c;
        if (c == '\r' || c == '\n') {
            if (len == 0 && c == '\n')
                continue;                     /* the \n of a \r\n */
            buf[len] = 0;
            printf("\n");
            return (int)len;
        }
        if ((c == 8 || c == 127) && len) {
            len--;
            printf("\b \b");
        } else if (c >= ' ' && c < 127 && len + 1 < cap) {
            buf[len++] = (char)c;
            printf("%c", c);
        }
        console_flush();
    }
}

int app_shell(void)
{
    started_ns = time_now_ns();
    net_up = net_init() == 0;
    shell_disk_init();
    printf("Xenolith shell on domain %u; type help\n", boot.domid);
    for (;;) {
        printf("shell> ");
        console_flush();
        char line[LINE_MAX_LEN];
        int rc = read_line(line, sizeof(line));
        if (rc < 0) {
            printf("shell: console input failed: %d\n", rc);
            return 1;
        }
        if (!strcmp(line, "poweroff") || !strcmp(line, "exit"))
            break;
        run(line);
    }
    printf("shell: bye\n");
    return 0;
}
