/*
 * xs_client_test.c - a program written against Xen's libxenstore API and
 * linked with ours, for the integration tests: the same operations the
 * Debian xenstore-* tools perform, plus what they cannot show
 * (transaction conflicts, watches with several handles).
 *
 * Usage: xs_client_test COMMAND [ARGS]   (the daemon from $XENSTORED_PATH)
 *   read PATH | write PATH VALUE | mkdir PATH | rm PATH | ls PATH
 *   exists PATH | perms PATH | chmod PATH PERM...
 *   conflict PATH      two handles: a transaction that read PATH loses to
 *                      a plain write (prints "EAGAIN"), then succeeds on
 *                      retry (prints "committed <value>")
 *   disjoint P1 P2     two transactions on two existing, different nodes
 *                      both commit (creating nodes would change their
 *                      common parent, which conflicts, as in Xen)
 *   watch PATH N       prints the paths of the first N events
 *   introduce DOMID GFN PORT | release DOMID | introduced DOMID
 *   domain-path DOMID | control CMD [ARG]
 * Exit 0 on success; on failure the error goes to stderr and exit is 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

static int fail(const char *what, const char *arg)
{
    fprintf(stderr, "xs_client_test: %s %s: %s\n", what, arg, strerror(errno));
    return 1;
}

/* Every handle opened is closed at exit, whichever way the command ends
 * (the sanitizer builds check for leaks). */
static struct xs_handle *handles[4];
static unsigned int nhandles;

static void close_handles(void)
{
    while (nhandles)
        xs_close(handles[--nhandles]);
}

static struct xs_handle *open_or_die(void)
{
    struct xs_handle *h = xs_open(0);
    if (!h) {
        fprintf(stderr, "xs_client_test: xs_open: %s\n", strerror(errno));
        exit(1);
    }
    if (nhandles == 0)
        atexit(close_handles);
    handles[nhandles++] = h;
    return h;
}

static int cmd_conflict(const char *path)
{
    struct xs_handle *a = open_or_die(), *b = open_or_die();
    unsigned int len;
    xs_transaction_t t = xs_transaction_start(a);
    if (t == XBT_NULL)
        return fail("transaction_start", path);
    free(xs_read(a, t, path, &len)); /* the read that makes it conflict */
    if (!xs_write(a, t, path, "from-transaction", 16))
        return fail("write in transaction", path);
    if (!xs_write(b, XBT_NULL, path, "from-other", 10))
        return fail("write", path);
    if (xs_transaction_end(a, t, false)) {
        fprintf(stderr, "xs_client_test: conflicting commit succeeded\n");
        return 1;
    }
    printf("%s\n", errno == EAGAIN ? "EAGAIN" : strerror(errno));
    /* Retry, as every client must on EAGAIN. */
    for (int tries = 0; tries < 10; tries++) {
        t = xs_transaction_start(a);
        char *v = xs_read(a, t, path, &len);
        free(v);
        if (!xs_write(a, t, path, "retried", 7))
            return fail("write in transaction", path);
        if (xs_transaction_end(a, t, false)) {
            char *now = xs_read(b, XBT_NULL, path, &len);
            printf("committed %s\n", now ? now : "?");
            free(now);
            return 0;
        }
        if (errno != EAGAIN)
            return fail("transaction_end", path);
    }
    fprintf(stderr, "xs_client_test: no commit after 10 tries\n");
    return 1;
}

static int cmd_disjoint(const char *p1, const char *p2)
{
    struct xs_handle *a = open_or_die(), *b = open_or_die();
    unsigned int len;
    xs_transaction_t ta = xs_transaction_start(a), tb = xs_transaction_start(b);
    free(xs_read(a, ta, p1, &len));
    free(xs_read(b, tb, p2, &len));
    if (!xs_write(a, ta, p1, "a", 1) || !xs_write(b, tb, p2, "b", 1))
        return fail("write", p1);
    if (!xs_transaction_end(a, ta, false))
        return fail("commit", p1);
    if (!xs_transaction_end(b, tb, false))
        return fail("commit", p2);
    printf("both committed\n");
    return 0;
}

static int cmd_watch(const char *path, int n)
{
    struct xs_handle *h = open_or_die();
    if (!xs_watch(h, path, "xs_client_test"))
        return fail("watch", path);
    for (int i = 0; i < n; i++) {
        unsigned int num;
        char **e = xs_read_watch(h, &num);
        if (!e)
            return fail("read_watch", path);
        printf("%s %s\n", e[XS_WATCH_PATH], e[XS_WATCH_TOKEN]);
        fflush(stdout);
        free(e);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: xs_client_test COMMAND [ARGS] (see the source)\n");
        return 2;
    }
    const char *cmd = argv[1];
    const char *arg = argc > 2 ? argv[2] : "";
    if (strcmp(cmd, "conflict") == 0 && argc == 3)
        return cmd_conflict(arg);
    if (strcmp(cmd, "disjoint") == 0 && argc == 4)
        return cmd_disjoint(argv[2], argv[3]);
    if (strcmp(cmd, "watch") == 0 && argc == 4)
        return cmd_watch(arg, atoi(argv[3]));

    struct xs_handle *h = open_or_die();
    unsigned int len, num;
    int rc = 0;
    if (strcmp(cmd, "read") == 0 && argc == 3) {
        char *v = xs_read(h, XBT_NULL, arg, &len);
        if (!v)
            return fail("read", arg);
        printf("%s\n", v);
        free(v);
    } else if (strcmp(cmd, "write") == 0 && argc == 4) {
        if (!xs_write(h, XBT_NULL, arg, argv[3], (unsigned int)strlen(argv[3])))
            return fail("write", arg);
    } else if (strcmp(cmd, "mkdir") == 0 && argc == 3) {
        if (!xs_mkdir(h, XBT_NULL, arg))
            return fail("mkdir", arg);
    } else if (strcmp(cmd, "rm") == 0 && argc == 3) {
        if (!xs_rm(h, XBT_NULL, arg))
            return fail("rm", arg);
    } else if (strcmp(cmd, "ls") == 0 && argc == 3) {
        char **d = xs_directory(h, XBT_NULL, arg, &num);
        if (!d)
            return fail("directory", arg);
        for (unsigned int i = 0; i < num; i++)
            printf("%s\n", d[i]);
        free(d);
    } else if (strcmp(cmd, "exists") == 0 && argc == 3) {
        char *v = xs_read(h, XBT_NULL, arg, &len);
        rc = v ? 0 : 1;
        free(v);
    } else if (strcmp(cmd, "perms") == 0 && argc == 3) {
        struct xs_permissions *p = xs_get_permissions(h, XBT_NULL, arg, &num);
        if (!p)
            return fail("get_permissions", arg);
        for (unsigned int i = 0; i < num; i++)
            printf("%s%c%u", i ? " " : "", "nrwb"[p[i].perms & 3], p[i].id);
        printf("\n");
        free(p);
    } else if (strcmp(cmd, "chmod") == 0 && argc >= 4) {
        unsigned int n = (unsigned int)(argc - 3);
        struct xs_permissions p[16];
        char strings[256];
        size_t off = 0;
        if (n > 16)
            return 2;
        for (unsigned int i = 0; i < n; i++) {
            size_t l = strlen(argv[3 + i]) + 1;
            if (off + l > sizeof(strings))
                return 2;
            memcpy(strings + off, argv[3 + i], l);
            off += l;
        }
        if (!xs_strings_to_perms(p, n, strings))
            return fail("permission", argv[3]);
        if (!xs_set_permissions(h, XBT_NULL, arg, p, n))
            return fail("set_permissions", arg);
    } else if (strcmp(cmd, "introduce") == 0 && argc == 5) {
        if (!xs_introduce_domain(h, (unsigned int)atoi(arg), strtoul(argv[3], NULL, 0),
                                 (unsigned int)atoi(argv[4])))
            return fail("introduce", arg);
    } else if (strcmp(cmd, "release") == 0 && argc == 3) {
        if (!xs_release_domain(h, (unsigned int)atoi(arg)))
            return fail("release", arg);
    } else if (strcmp(cmd, "introduced") == 0 && argc == 3) {
        printf("%s\n", xs_is_domain_introduced(h, (unsigned int)atoi(arg)) ? "yes" : "no");
    } else if (strcmp(cmd, "domain-path") == 0 && argc == 3) {
        char *p = xs_get_domain_path(h, (unsigned int)atoi(arg));
        if (!p)
            return fail("get_domain_path", arg);
        printf("%s\n", p);
        free(p);
    } else if (strcmp(cmd, "control") == 0 && (argc == 3 || argc == 4)) {
        char *r = xs_control_command(h, arg, argc == 4 ? argv[3] : NULL,
                                     argc == 4 ? (unsigned int)strlen(argv[3]) + 1 : 0);
        if (!r)
            return fail("control", arg);
        printf("%s\n", r);
        free(r);
    } else {
        fprintf(stderr, "xs_client_test: bad command or arguments: %s\n", cmd);
        rc = 2;
    }
    return rc;
}
