/*
 * persist.c - the state file (see persist.h).
 *
 * Format, version 1, host byte order, every length before its bytes:
 *
 *   header   "XSSTATE\n", u32 version, u32 ndomains, u32 nnodes,
 *            u32 nwatches, u64 generation (the store's counter)
 *   domain   u32 domid, u32 flags (1 introduced, 2 shutdown seen),
 *            u64 generation, u64 gfn, u32 port, u32 target   x ndomains
 *   node     u32 namelen, u32 nperms, u32 datalen, u32 childlen,
 *            u64 generation, name (no NUL), nperms x {u32 domid,
 *            u32 access}, value, children ("a\0b\0")          x nnodes
 *   watch    u32 domid, u32 pathlen, u32 tokenlen, u32 prefix_len
 *            (relative watch: bytes cut from event paths), path,
 *            token (no NULs)                               x nwatches
 *   trailer  u64 FNV-1a of everything before it
 *
 * Nodes come in tree order: "/" first, every node after its parent, then
 * the special "@" nodes. Loading checks every length against what is
 * left, every field against its limit, and the tree itself (each node's
 * parent came before it and lists it; every listed child comes), before
 * it touches the store: a file failing a check changes nothing.
 *
 * Guests' watches are saved with their domain and registered again on
 * its new connection (firing once, as at registration); socket clients'
 * watches and everyone's transactions are not saved.
 */
#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "hash.h"
#include "log.h"
#include "store.h"
#include "watch.h"

#define MAGIC "XSSTATE\n"
#define VERSION 1u
#define HEADER_SIZE 32
#define DOMAIN_SIZE 32
#define NODE_HEAD_SIZE 24
#define WATCH_HEAD_SIZE 16
#define FLAG_INTRODUCED 1u
#define FLAG_SHUTDOWN 2u
#define MAX_FILE (256u << 20)
#define MAX_PERMS 1024u
#define MAX_CHILDREN (16u << 20)

/* Watches read from the file, waiting for their guests' rings. */
struct saved_watch {
    uint32_t domid, prefix_len;
    char *path, *token;
};

static char *state_path, *tmp_path;
static struct saved_watch *restored_watches;
static uint32_t nrestored_watches;
static bool dirty;

/* ---- a growable buffer --------------------------------------------------------- */

struct buf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void put(struct buf *b, const void *data, size_t len)
{
    if (b->failed || !len)
        return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + len)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

static void put32(struct buf *b, uint32_t v)
{
    put(b, &v, 4);
}

static void put64(struct buf *b, uint64_t v)
{
    put(b, &v, 8);
}

static uint64_t fnv1a(const char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
    return h;
}

/* ---- saving ------------------------------------------------------------------- */

static void put_node(struct buf *b, const struct node *n)
{
    put32(b, (uint32_t)strlen(n->name));
    put32(b, n->nperms);
    put32(b, n->datalen);
    put32(b, n->childlen);
    put64(b, n->generation);
    put(b, n->name, strlen(n->name));
    for (unsigned int i = 0; i < n->nperms; i++) {
        put32(b, n->perms[i].domid);
        put32(b, n->perms[i].access);
    }
    put(b, n->data, n->datalen);
    put(b, n->children, n->childlen);
}

/* Depth first from path (in a PATH_BUF buffer, extended in place). */
static uint32_t put_tree(struct buf *b, char *path)
{
    const struct node *n = store_get(path);
    if (!n)
        return 0;
    put_node(b, n);
    uint32_t count = 1;
    size_t len = strlen(path);
    for (size_t off = 0; off < n->childlen;) {
        const char *base = n->children + off;
        size_t blen = strnlen(base, n->childlen - off);
        off += blen + 1;
        size_t at = strcmp(path, "/") == 0 ? 0 : len;
        if (at + 1 + blen >= PATH_BUF)
            continue;
        path[at] = '/';
        memcpy(path + at + 1, base, blen);
        path[at + 1 + blen] = '\0';
        count += put_tree(b, path);
        path[len] = '\0';
    }
    return count;
}

struct watch_sink {
    struct buf *b;
    unsigned int domid;
    uint32_t count;
};

static void put_watch(void *arg, const char *path, const char *token, size_t prefix_len)
{
    struct watch_sink *w = arg;
    put32(w->b, w->domid);
    put32(w->b, (uint32_t)strlen(path));
    put32(w->b, (uint32_t)strlen(token));
    put32(w->b, (uint32_t)prefix_len);
    put(w->b, path, strlen(path));
    put(w->b, token, strlen(token));
    w->count++;
}

static int serialize(struct buf *b)
{
    char header[HEADER_SIZE] = MAGIC;
    put(b, header, HEADER_SIZE);
    uint32_t ndomains = 0;
    for (unsigned int id = 0; id < XS_DOMID_FIRST_RESERVED; id++) {
        const struct domain *d = domain_find(id);
        if (!d)
            continue;
        put32(b, d->domid);
        put32(b, (d->introduced ? FLAG_INTRODUCED : 0) | (d->shutdown ? FLAG_SHUTDOWN : 0));
        put64(b, d->generation);
        put64(b, d->gfn);
        put32(b, d->port);
        put32(b, d->target);
        ndomains++;
    }
    static char path[PATH_BUF];
    snprintf(path, sizeof(path), "/");
    uint32_t nnodes = put_tree(b, path);
    static const char *const specials[] = {"@introduceDomain", "@releaseDomain"};
    for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
        const struct node *n = store_get(specials[i]);
        if (n) {
            put_node(b, n);
            nnodes++;
        }
    }
    struct watch_sink sink = {.b = b};
    for (unsigned int id = 1; id < XS_DOMID_FIRST_RESERVED; id++) {
        const struct domain *d = domain_find(id);
        if (d && d->conn && !d->conn->closed) {
            sink.domid = id;
            watch_conn_foreach(d->conn, put_watch, &sink);
        }
    }
    if (b->failed)
        return -ENOMEM;
    if (nnodes != store_count())
        log_info("state file: %u of %zu nodes reachable from / (the others are not saved)",
                 nnodes, store_count());
    uint32_t version = VERSION;
    uint64_t gen = store_generation();
    memcpy(b->p + 8, &version, 4);
    memcpy(b->p + 12, &ndomains, 4);
    memcpy(b->p + 16, &nnodes, 4);
    memcpy(b->p + 20, &sink.count, 4);
    memcpy(b->p + 24, &gen, 8);
    put64(b, fnv1a(b->p, b->len));
    return b->failed ? -ENOMEM : 0;
}

static int write_file(const struct buf *b)
{
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    for (size_t off = 0; off < b->len;) {
        ssize_t n = write(fd, b->p + off, b->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? -errno : -EIO;
            close(fd);
            unlink(tmp_path);
            return err;
        }
        off += (size_t)n;
    }
    /*
     * No fsync: what we guard against is xenstored dying (a crash, a
     * kill -9, a restart), and the kernel keeps a written file across
     * that. A host crash loses the page cache, but it takes every guest
     * and the hypervisor with it; an fsync per batch cost 30x in write
     * throughput (0.6 ms each on this disk) for that case alone.
     */
    close(fd);
    if (rename(tmp_path, state_path) < 0) {
        int err = -errno;
        unlink(tmp_path);
        return err;
    }
    return 0;
}

void persist_mark_dirty(void)
{
    if (state_path)
        dirty = true;
}

bool persist_pending(void)
{
    return dirty;
}

void persist_flush(void)
{
    if (!dirty)
        return;
    dirty = false;
    struct buf b = {0};
    int err = serialize(&b);
    if (err == 0)
        err = write_file(&b);
    if (err < 0)
        log_info("state file %s: cannot write: %s (replies go out anyway)", state_path,
                 strerror(-err));
    free(b.p);
}

/* ---- loading ------------------------------------------------------------------- */

struct reader {
    const char *p;
    size_t len, off;
};

static bool take(struct reader *r, void *out, size_t len)
{
    if (r->len - r->off < len)
        return false;
    memcpy(out, r->p + r->off, len);
    r->off += len;
    return true;
}

static const char *take_bytes(struct reader *r, size_t len)
{
    if (r->len - r->off < len)
        return NULL;
    const char *p = r->p + r->off;
    r->off += len;
    return p;
}

struct saved_node {
    char *name;
    uint32_t nperms, datalen, childlen;
    uint64_t generation;
    const char *perms, *data, *children;
    uint32_t children_seen; /* of its listed children, how many came */
};

struct saved {
    uint64_t generation;
    uint32_t ndomains, nnodes, nwatches;
    struct saved_watch *watches;
    struct domain *domains;
    struct saved_node *nodes;
    struct hash *by_name;
};

static void free_watches(struct saved_watch *w, uint32_t n)
{
    for (uint32_t i = 0; w && i < n; i++) {
        free(w[i].path);
        free(w[i].token);
    }
    free(w);
}

static void saved_free(struct saved *s)
{
    free_watches(s->watches, s->nwatches);
    if (s->nodes)
        for (uint32_t i = 0; i < s->nnodes; i++)
            free(s->nodes[i].name);
    free(s->nodes);
    free(s->domains);
    if (s->by_name)
        hash_free(s->by_name, NULL);
}

static uint32_t count_children(const struct saved_node *n)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < n->childlen; i++)
        count += n->children[i] == '\0';
    return count;
}

static bool has_child(const struct saved_node *n, const char *base)
{
    size_t blen = strlen(base) + 1;
    for (uint32_t off = 0; off < n->childlen;) {
        size_t len = strlen(n->children + off) + 1;
        if (len == blen && memcmp(n->children + off, base, blen) == 0)
            return true;
        off += (uint32_t)len;
    }
    return false;
}

/* Where the tree breaks, or NULL: node i's name, parent and children. */
static const char *check_node(struct saved *s, uint32_t i)
{
    struct saved_node *n = &s->nodes[i];
    if (n->name[0] == '@')
        return strchr(n->name, '/') ? "a special node with '/'" : NULL;
    if (n->name[0] != '/')
        return "a node name not starting with '/' or '@'";
    if (i == 0)
        return strcmp(n->name, "/") == 0 ? NULL : "first node is not /";
    if (strcmp(n->name, "/") == 0 || n->name[strlen(n->name) - 1] == '/')
        return "a node name ending in '/'";
    char parent[PATH_BUF];
    path_parent(n->name, parent, sizeof(parent));
    struct saved_node *p = hash_get(s->by_name, parent);
    if (!p || p->name[0] != '/')
        return "a node before its parent";
    if (!has_child(p, path_basename(n->name)))
        return "a node its parent does not list";
    p->children_seen++;
    return NULL;
}

static const char *parse_nodes(struct reader *r, struct saved *s)
{
    s->nodes = calloc(s->nnodes ? s->nnodes : 1, sizeof(*s->nodes));
    s->by_name = hash_new();
    if (!s->nodes || !s->by_name)
        return "out of memory";
    for (uint32_t i = 0; i < s->nnodes; i++) {
        struct saved_node *n = &s->nodes[i];
        uint32_t namelen;
        if (!take(r, &namelen, 4) || !take(r, &n->nperms, 4) || !take(r, &n->datalen, 4) ||
            !take(r, &n->childlen, 4) || !take(r, &n->generation, 8))
            return "truncated node";
        if (namelen == 0 || namelen >= PATH_BUF)
            return "node name length out of range";
        if (n->nperms == 0 || n->nperms > MAX_PERMS)
            return "permission count out of range";
        if (n->datalen > XENSTORE_PAYLOAD_MAX)
            return "value longer than a message";
        if (n->childlen > MAX_CHILDREN)
            return "children list too long";
        if (n->generation > s->generation)
            return "node generation past the store's";
        const char *name = take_bytes(r, namelen);
        if (!name || !(n->perms = take_bytes(r, (size_t)n->nperms * 8)) ||
            !(n->data = take_bytes(r, n->datalen)) ||
            !(n->children = take_bytes(r, n->childlen)))
            return "truncated node";
        if (memchr(name, '\0', namelen))
            return "NUL in a node name";
        if (n->childlen && n->children[n->childlen - 1] != '\0')
            return "children list without its final NUL";
        for (uint32_t off = 0; off < n->childlen; off += (uint32_t)strlen(n->children + off) + 1)
            if (n->children[off] == '\0' || memchr(n->children + off, '/', strlen(n->children + off)))
                return "an empty or nested child name";
        if (!(n->name = strndup(name, namelen)))
            return "out of memory";
        if (hash_get(s->by_name, n->name))
            return "a node listed twice";
        const char *bad = check_node(s, i);
        if (bad)
            return bad;
        if (hash_put(s->by_name, n->name, n, NULL) < 0)
            return "out of memory";
    }
    for (uint32_t i = 0; i < s->nnodes; i++)
        if (s->nodes[i].children_seen != count_children(&s->nodes[i]))
            return "a listed child is missing";
    return NULL;
}

static const char *parse_watches(struct reader *r, struct saved *s)
{
    s->watches = calloc(s->nwatches ? s->nwatches : 1, sizeof(*s->watches));
    if (!s->watches)
        return "out of memory";
    for (uint32_t i = 0; i < s->nwatches; i++) {
        struct saved_watch *w = &s->watches[i];
        uint32_t pathlen, tokenlen;
        if (!take(r, &w->domid, 4) || !take(r, &pathlen, 4) || !take(r, &tokenlen, 4) ||
            !take(r, &w->prefix_len, 4))
            return "truncated watch";
        if (w->domid == 0 || w->domid >= XS_DOMID_FIRST_RESERVED)
            return "watch of a domain id out of range";
        if (pathlen == 0 || pathlen >= PATH_BUF || tokenlen > XENSTORE_PAYLOAD_MAX ||
            w->prefix_len > pathlen)
            return "watch lengths out of range";
        const char *path = take_bytes(r, pathlen), *token = take_bytes(r, tokenlen);
        if (!path || !token)
            return "truncated watch";
        if (memchr(path, '\0', pathlen) || memchr(token, '\0', tokenlen))
            return "NUL in a watch";
        if (!(w->path = strndup(path, pathlen)) || !(w->token = strndup(token, tokenlen)))
            return "out of memory";
    }
    return NULL;
}

static const char *parse(const char *p, size_t len, struct saved *s)
{
    if (len < HEADER_SIZE + 8)
        return "shorter than a header";
    uint64_t sum;
    memcpy(&sum, p + len - 8, 8);
    if (sum != fnv1a(p, len - 8))
        return "checksum mismatch";
    struct reader r = {.p = p, .len = len - 8};
    char magic[8] = {0};
    uint32_t version = 0;
    if (!take(&r, magic, 8) || !take(&r, &version, 4) || !take(&r, &s->ndomains, 4) ||
        !take(&r, &s->nnodes, 4) || !take(&r, &s->nwatches, 4) || !take(&r, &s->generation, 8))
        return "shorter than a header";
    if (memcmp(magic, MAGIC, 8) != 0)
        return "bad magic";
    if (version != VERSION)
        return "unknown version";
    if (s->ndomains > XS_DOMID_FIRST_RESERVED || s->nnodes == 0 ||
        s->nnodes > (len - HEADER_SIZE) / NODE_HEAD_SIZE ||
        s->nwatches > (len - HEADER_SIZE) / WATCH_HEAD_SIZE)
        return "counts out of range";
    s->domains = calloc(s->ndomains ? s->ndomains : 1, sizeof(*s->domains));
    if (!s->domains)
        return "out of memory";
    bool seen[XS_DOMID_FIRST_RESERVED] = {false};
    for (uint32_t i = 0; i < s->ndomains; i++) {
        struct domain *d = &s->domains[i];
        uint32_t flags;
        if (!take(&r, &d->domid, 4) || !take(&r, &flags, 4) || !take(&r, &d->generation, 8) ||
            !take(&r, &d->gfn, 8) || !take(&r, &d->port, 4) || !take(&r, &d->target, 4))
            return "truncated domain record";
        if (d->domid >= XS_DOMID_FIRST_RESERVED || seen[d->domid])
            return "domain id out of range or listed twice";
        seen[d->domid] = true;
        if (flags & ~(FLAG_INTRODUCED | FLAG_SHUTDOWN))
            return "unknown domain flags";
        if (d->generation > s->generation)
            return "domain generation past the store's";
        if (d->target != XS_DOMID_INVALID && d->target >= XS_DOMID_FIRST_RESERVED)
            return "domain target out of range";
        d->introduced = flags & FLAG_INTRODUCED;
        d->shutdown = flags & FLAG_SHUTDOWN;
    }
    const char *bad = parse_nodes(&r, s);
    if (bad)
        return bad;
    bad = parse_watches(&r, s);
    if (bad)
        return bad;
    if (r.off != r.len)
        return "bytes after the last node";
    return NULL;
}

static int apply(const struct saved *s)
{
    if (store_clear() < 0)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->nnodes; i++) {
        const struct saved_node *sn = &s->nodes[i];
        struct node *n = node_new(sn->name);
        struct perm *perms = calloc(sn->nperms, sizeof(*perms));
        if (!n || !perms)
            goto nomem;
        for (uint32_t j = 0; j < sn->nperms; j++) {
            memcpy(&perms[j].domid, sn->perms + j * 8, 4);
            memcpy(&perms[j].access, sn->perms + j * 8 + 4, 4);
        }
        n->generation = sn->generation;
        if (node_set_perms(n, perms, sn->nperms) < 0 ||
            node_set_data(n, sn->data, sn->datalen) < 0)
            goto nomem;
        free(perms);
        perms = NULL;
        if (sn->childlen) {
            if (!(n->children = malloc(sn->childlen)))
                goto nomem;
            memcpy(n->children, sn->children, sn->childlen);
            n->childlen = sn->childlen;
        }
        if (store_put(n) < 0)
            return -ENOMEM;
        continue;
    nomem:
        free(perms);
        node_free(n);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < s->ndomains; i++)
        if (domain_restore(&s->domains[i]) < 0)
            return -ENOMEM;
    store_set_generation(s->generation);
    return 0;
}

static int load(void)
{
    int fd = open(state_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            log_warn("state file %s: cannot open, starting empty", state_path);
        else
            log_info("state file %s: none yet, starting empty", state_path);
        return 0;
    }
    struct stat st;
    char *p = NULL;
    const char *bad = NULL;
    if (fstat(fd, &st) < 0)
        bad = "cannot stat";
    else if (st.st_size < 0 || (uint64_t)st.st_size > MAX_FILE)
        bad = "larger than 256 MiB";
    else if (!(p = malloc((size_t)st.st_size + 1)))
        bad = "out of memory";
    size_t len = 0;
    while (!bad && len < (size_t)st.st_size) {
        ssize_t n = read(fd, p + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            bad = "cannot read";
        else
            len += (size_t)n;
    }
    close(fd);
    struct saved s = {0};
    if (!bad)
        bad = parse(p, len, &s);
    int err = 0;
    if (bad) {
        /* Kept aside for a post-mortem; the empty store is saved next. */
        char aside[PATH_BUF];
        snprintf(aside, sizeof(aside), "%s.refused", state_path);
        log_info("state file %s: refused (%s), starting empty; kept as %s", state_path, bad,
                 rename(state_path, aside) == 0 ? aside : "nothing (rename failed)");
    } else {
        err = apply(&s);
        if (err == 0) {
            log_info("state file %s: restored %u nodes, %u domain records, %u guest watches",
                     state_path, s.nnodes, s.ndomains, s.nwatches);
            restored_watches = s.watches;
            nrestored_watches = s.nwatches;
            s.watches = NULL;
        }
    }
    saved_free(&s);
    free(p);
    return err;
}

int persist_open(const char *path)
{
    state_path = strdup(path);
    size_t len = strlen(path);
    tmp_path = malloc(len + 5);
    if (!state_path || !tmp_path) {
        persist_close();
        return -ENOMEM;
    }
    snprintf(tmp_path, len + 5, "%s.tmp", path);
    int err = load();
    if (err < 0) {
        persist_close();
        return err;
    }
    /* Saved before the loop's first wait (once the guests' watches are
     * back): the file then matches what we serve. */
    dirty = true;
    return 0;
}

int persist_attach_guests(void)
{
    if (!state_path)
        return 0;
    domain_attach_restored();
    uint32_t lost = 0;
    for (uint32_t i = 0; i < nrestored_watches; i++) {
        const struct saved_watch *w = &restored_watches[i];
        const struct domain *d = domain_find(w->domid);
        if (!d || !d->conn || watch_restore(d->conn, w->path, w->token, w->prefix_len))
            lost++;
    }
    if (lost)
        log_info("state file: %u guest watches not restored (no connection or memory)", lost);
    free_watches(restored_watches, nrestored_watches);
    restored_watches = NULL;
    nrestored_watches = 0;
    /* The replies to the watches' first firings wait for this save. */
    persist_mark_dirty();
    return 0;
}

void persist_close(void)
{
    free_watches(restored_watches, nrestored_watches);
    restored_watches = NULL;
    nrestored_watches = 0;
    free(state_path);
    free(tmp_path);
    state_path = tmp_path = NULL;
    dirty = false;
}
