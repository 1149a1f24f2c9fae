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
 *
 * The journal, FILE.journal, same byte order:
 *
 *   header   "XSJOURN\n", u64 generation of the snapshot it follows
 *   record   u32 bodylen, u64 FNV-1a of the body, body: u64 generation
 *            (the store's counter), u32 nentries, then nentries of
 *              u32 1 (node), a node as above       current state of a node
 *              u32 2 (node gone), u32 namelen, name
 *              u32 3 (domain), a domain as above
 *              u32 4 (domain gone), u32 domid
 *              u32 5 (watches), u32 domid, u32 nwatches, nwatches
 *                    watches as above              a guest's whole list
 *
 * One record per loop batch, written with one write(). Entries carry the
 * state at the end of the batch, not deltas, so replaying a journal again
 * over the snapshot it led to changes nothing. Loading replays records in
 * order and stops at the first one cut short or failing its checksum (a
 * write the kill interrupted: its replies never left). A record passing
 * its checksum is still checked field by field before it is applied, and
 * the replayed tree must list only existing children; otherwise the
 * journal is set aside and the snapshot alone is loaded. A journal whose
 * header names another snapshot (a crash between a snapshot's rename and
 * the journal's truncation) is skipped.
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
#define JOURNAL_MAGIC "XSJOURN\n"
#define JOURNAL_HEADER_SIZE 16
#define RECORD_HEAD_SIZE 12
#define JOURNAL_MIN_LIMIT (1u << 20)
enum { REC_NODE = 1, REC_NODE_GONE, REC_DOMAIN, REC_DOMAIN_GONE, REC_WATCHES };
#define DIRTY_DOMAIN 1u
#define DIRTY_WATCHES 2u
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

static char *state_path, *tmp_path, *journal_path;
static struct saved_watch *restored_watches;
static uint32_t nrestored_watches;

/* What the next flush writes: a whole snapshot, or a journal record of
 * the dirty nodes (names, deduplicated by dirty_set) and domains. */
static bool need_snapshot;
static bool snapshot_owed; /* the journal cannot be appended to */
static struct hash *dirty_set;
static char **dirty_names;
static size_t ndirty, dirty_cap;
static uint8_t dirty_dom[XS_DOMID_FIRST_RESERVED];
static uint16_t dirty_domids[XS_DOMID_FIRST_RESERVED];
static size_t ndirty_doms;
static int journal_fd = -1;
static uint64_t journal_size, snapshot_size;

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

static void put_domain(struct buf *b, const struct domain *d)
{
    put32(b, d->domid);
    put32(b, (d->introduced ? FLAG_INTRODUCED : 0) | (d->shutdown ? FLAG_SHUTDOWN : 0));
    put64(b, d->generation);
    put64(b, d->gfn);
    put32(b, d->port);
    put32(b, d->target);
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
        put_domain(b, d);
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

/* ---- the journal ------------------------------------------------------------ */

static void clear_dirty(void)
{
    for (size_t i = 0; i < ndirty; i++) {
        hash_del(dirty_set, dirty_names[i]);
        free(dirty_names[i]);
    }
    ndirty = 0;
    for (size_t i = 0; i < ndirty_doms; i++)
        dirty_dom[dirty_domids[i]] = 0;
    ndirty_doms = 0;
}

static void node_dirty(const char *path)
{
    if (!state_path || need_snapshot)
        return; /* the snapshot covers it */
    if (dirty_set && hash_get(dirty_set, path))
        return;
    if (!dirty_set && !(dirty_set = hash_new()))
        goto nomem;
    if (ndirty == dirty_cap) {
        size_t cap = dirty_cap ? dirty_cap * 2 : 64;
        char **p = realloc(dirty_names, cap * sizeof(*p));
        if (!p)
            goto nomem;
        dirty_names = p;
        dirty_cap = cap;
    }
    char *name = strdup(path);
    if (!name)
        goto nomem;
    if (hash_put(dirty_set, name, name, NULL) < 0) {
        free(name);
        goto nomem;
    }
    dirty_names[ndirty++] = name;
    return;
nomem:
    need_snapshot = true; /* cannot say what changed: save it all */
}

void persist_node_changed(const char *path)
{
    node_dirty(path);
}

void persist_node_removed(const char *path)
{
    /* The flush looks the path up: gone then means a removal record. */
    node_dirty(path);
}

static void domain_dirty(unsigned int domid, uint8_t what)
{
    if (!state_path || need_snapshot || domid >= XS_DOMID_FIRST_RESERVED)
        return;
    if (!dirty_dom[domid])
        dirty_domids[ndirty_doms++] = (uint16_t)domid;
    dirty_dom[domid] |= what;
}

void persist_domain_changed(unsigned int domid)
{
    domain_dirty(domid, DIRTY_DOMAIN);
}

void persist_watches_changed(unsigned int domid)
{
    if (domid != 0) /* only guests' watches are saved */
        domain_dirty(domid, DIRTY_WATCHES);
}

void persist_mark_dirty(void)
{
    if (state_path)
        need_snapshot = true;
}

bool persist_pending(void)
{
    return need_snapshot || ndirty || ndirty_doms;
}

/* The batch's record: every dirty node, domain and guest watch list as
 * it is now. */
static void build_record(struct buf *b)
{
    put32(b, 0);
    put64(b, 0);
    size_t body = b->len;
    put64(b, store_generation());
    put32(b, 0);
    uint32_t nentries = 0;
    for (size_t i = 0; i < ndirty; i++, nentries++) {
        const struct node *n = store_get(dirty_names[i]);
        if (n) {
            put32(b, REC_NODE);
            put_node(b, n);
        } else {
            put32(b, REC_NODE_GONE);
            put32(b, (uint32_t)strlen(dirty_names[i]));
            put(b, dirty_names[i], strlen(dirty_names[i]));
        }
    }
    for (size_t i = 0; i < ndirty_doms; i++) {
        unsigned int id = dirty_domids[i];
        const struct domain *d = domain_find(id);
        if (dirty_dom[id] & DIRTY_DOMAIN) {
            nentries++;
            if (d) {
                put32(b, REC_DOMAIN);
                put_domain(b, d);
            } else {
                put32(b, REC_DOMAIN_GONE);
                put32(b, id);
            }
        }
        if (dirty_dom[id] & DIRTY_WATCHES) {
            nentries++;
            put32(b, REC_WATCHES);
            put32(b, id);
            size_t count_at = b->len;
            put32(b, 0);
            struct watch_sink sink = {.b = b, .domid = id};
            if (d && d->conn && !d->conn->closed)
                watch_conn_foreach(d->conn, put_watch, &sink);
            if (!b->failed)
                memcpy(b->p + count_at, &sink.count, 4);
        }
    }
    if (b->failed)
        return;
    memcpy(b->p + body + 8, &nentries, 4);
    uint32_t bodylen = (uint32_t)(b->len - body);
    uint64_t sum = fnv1a(b->p + body, bodylen);
    memcpy(b->p, &bodylen, 4);
    memcpy(b->p + 4, &sum, 8);
}

static int write_all(int fd, const char *p, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, p + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        off += (size_t)n;
    }
    return 0;
}

static int open_journal(void)
{
    if (journal_fd < 0)
        journal_fd = open(journal_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    return journal_fd < 0 ? -errno : 0;
}

/* Empties the journal after a snapshot of generation gen. */
static int reset_journal(uint64_t gen)
{
    int err = open_journal();
    if (err < 0)
        return err;
    if (ftruncate(journal_fd, 0) < 0)
        return -errno;
    char header[JOURNAL_HEADER_SIZE];
    memcpy(header, JOURNAL_MAGIC, 8);
    memcpy(header + 8, &gen, 8);
    err = write_all(journal_fd, header, sizeof(header));
    if (err == 0)
        journal_size = sizeof(header);
    return err;
}

static void write_snapshot(void)
{
    struct buf b = {0};
    int err = serialize(&b);
    if (err == 0)
        err = write_file(&b);
    if (err < 0) {
        log_info("state file %s: cannot write: %s (replies go out anyway)", state_path,
                 strerror(-err));
        snapshot_owed = true;
    } else {
        snapshot_size = b.len;
        uint64_t gen = store_generation();
        err = reset_journal(gen);
        if (err < 0)
            log_info("state file %s: cannot empty the journal: %s (the next change writes a "
                     "snapshot again)", journal_path, strerror(-err));
        snapshot_owed = err < 0;
    }
    free(b.p);
}

void persist_flush(void)
{
    if (!persist_pending())
        return;
    if (!need_snapshot && !snapshot_owed) {
        struct buf b = {0};
        build_record(&b);
        uint64_t limit = 2 * snapshot_size;
        if (limit < JOURNAL_MIN_LIMIT)
            limit = JOURNAL_MIN_LIMIT;
        if (!b.failed && journal_size + b.len <= limit) {
            int err = write_all(journal_fd, b.p, b.len);
            free(b.p);
            if (err == 0) {
                journal_size += b.len;
                clear_dirty();
                return;
            }
            log_info("state file %s: cannot append: %s (writing a snapshot)", journal_path,
                     strerror(-err));
        } else {
            free(b.p); /* compaction (or no memory for the record) */
        }
    }
    clear_dirty();
    need_snapshot = false;
    write_snapshot();
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

/* One node's fields (n->name allocated); generations up to max_gen. */
static const char *take_node(struct reader *r, struct saved_node *n, uint64_t max_gen)
{
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
    if (n->generation > max_gen)
        return "node generation past the store's";
    const char *name = take_bytes(r, namelen);
    if (!name || !(n->perms = take_bytes(r, (size_t)n->nperms * 8)) ||
        !(n->data = take_bytes(r, n->datalen)) || !(n->children = take_bytes(r, n->childlen)))
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
        const char *bad = take_node(r, n, s->generation);
        if (bad)
            return bad;
        if (hash_get(s->by_name, n->name))
            return "a node listed twice";
        bad = check_node(s, i);
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

/* One watch (path and token allocated, also on failure). */
static const char *take_watch(struct reader *r, struct saved_watch *w)
{
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
    return NULL;
}

static const char *parse_watches(struct reader *r, struct saved *s)
{
    s->watches = calloc(s->nwatches ? s->nwatches : 1, sizeof(*s->watches));
    if (!s->watches)
        return "out of memory";
    for (uint32_t i = 0; i < s->nwatches; i++) {
        const char *bad = take_watch(r, &s->watches[i]);
        if (bad)
            return bad;
    }
    return NULL;
}

/* One domain record; generations up to max_gen. */
static const char *take_domain(struct reader *r, struct domain *d, uint64_t max_gen)
{
    uint32_t flags;
    if (!take(r, &d->domid, 4) || !take(r, &flags, 4) || !take(r, &d->generation, 8) ||
        !take(r, &d->gfn, 8) || !take(r, &d->port, 4) || !take(r, &d->target, 4))
        return "truncated domain record";
    if (d->domid >= XS_DOMID_FIRST_RESERVED)
        return "domain id out of range";
    if (flags & ~(FLAG_INTRODUCED | FLAG_SHUTDOWN))
        return "unknown domain flags";
    if (d->generation > max_gen)
        return "domain generation past the store's";
    if (d->target != XS_DOMID_INVALID && d->target >= XS_DOMID_FIRST_RESERVED)
        return "domain target out of range";
    d->introduced = flags & FLAG_INTRODUCED;
    d->shutdown = flags & FLAG_SHUTDOWN;
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
        const char *bad = take_domain(&r, d, s->generation);
        if (bad)
            return bad;
        if (seen[d->domid])
            return "domain listed twice";
        seen[d->domid] = true;
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

/* Stores one saved node. 0 or -ENOMEM. */
static int put_saved(const struct saved_node *sn)
{
    struct node *n = node_new(sn->name);
    struct perm *perms = calloc(sn->nperms, sizeof(*perms));
    if (!n || !perms)
        goto nomem;
    for (uint32_t j = 0; j < sn->nperms; j++) {
        memcpy(&perms[j].domid, sn->perms + j * 8, 4);
        memcpy(&perms[j].access, sn->perms + j * 8 + 4, 4);
    }
    n->generation = sn->generation;
    if (node_set_perms(n, perms, sn->nperms) < 0 || node_set_data(n, sn->data, sn->datalen) < 0)
        goto nomem;
    free(perms);
    perms = NULL;
    if (sn->childlen) {
        if (!(n->children = malloc(sn->childlen)))
            goto nomem;
        memcpy(n->children, sn->children, sn->childlen);
        n->childlen = sn->childlen;
    }
    return store_put(n);
nomem:
    free(perms);
    node_free(n);
    return -ENOMEM;
}

static int apply_nodes(const struct saved *s)
{
    if (store_clear() < 0)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->nnodes; i++)
        if (put_saved(&s->nodes[i]) < 0)
            return -ENOMEM;
    return 0;
}

/* The domains and guest watches as the journal replay leaves them, applied
 * at the end (nodes go straight to the store). */
struct replay {
    struct domain *doms; /* by domid */
    bool *present;
    struct saved_watch *watches;
    uint32_t nwatches, cap;
    uint64_t generation;
    uint32_t records;
};

static void replay_free(struct replay *rp)
{
    free(rp->doms);
    free(rp->present);
    free_watches(rp->watches, rp->nwatches);
    memset(rp, 0, sizeof(*rp));
}

static bool add_watch(struct replay *rp, const struct saved_watch *w)
{
    if (rp->nwatches == rp->cap) {
        uint32_t cap = rp->cap ? rp->cap * 2 : 16;
        struct saved_watch *p = realloc(rp->watches, cap * sizeof(*p));
        if (!p)
            return false;
        rp->watches = p;
        rp->cap = cap;
    }
    rp->watches[rp->nwatches++] = *w;
    return true;
}

static int replay_init(struct replay *rp, const struct saved *s)
{
    memset(rp, 0, sizeof(*rp));
    rp->doms = calloc(XS_DOMID_FIRST_RESERVED, sizeof(*rp->doms));
    rp->present = calloc(XS_DOMID_FIRST_RESERVED, sizeof(*rp->present));
    if (!rp->doms || !rp->present)
        goto nomem;
    for (uint32_t i = 0; i < s->ndomains; i++) {
        rp->doms[s->domains[i].domid] = s->domains[i];
        rp->present[s->domains[i].domid] = true;
    }
    for (uint32_t i = 0; i < s->nwatches; i++) {
        struct saved_watch w = s->watches[i];
        w.path = strdup(w.path);
        w.token = strdup(w.token);
        if (!w.path || !w.token || !add_watch(rp, &w)) {
            free(w.path);
            free(w.token);
            goto nomem;
        }
    }
    rp->generation = s->generation;
    return 0;
nomem:
    replay_free(rp);
    return -ENOMEM;
}

static void drop_watches(struct replay *rp, uint32_t domid)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < rp->nwatches; i++) {
        if (rp->watches[i].domid == domid) {
            free(rp->watches[i].path);
            free(rp->watches[i].token);
        } else {
            rp->watches[kept++] = rp->watches[i];
        }
    }
    rp->nwatches = kept;
}

/*
 * One record's body: checked whole (apply false), then applied (apply
 * true), so a record takes effect entirely or not at all. Returns what is
 * wrong, or NULL; applying fails only for want of memory.
 */
static const char *replay_record(const char *body, size_t len, struct replay *rp, bool apply)
{
    struct reader r = {.p = body, .len = len};
    uint64_t gen;
    uint32_t nentries;
    if (!take(&r, &gen, 8) || !take(&r, &nentries, 4))
        return "truncated record";
    if (gen < rp->generation)
        return "generation going back";
    if (nentries > len / 4)
        return "entry count out of range";
    for (uint32_t i = 0; i < nentries; i++) {
        uint32_t type;
        if (!take(&r, &type, 4))
            return "truncated entry";
        if (type == REC_NODE) {
            struct saved_node sn = {0};
            const char *bad = take_node(&r, &sn, gen);
            if (!bad && sn.name[0] == '@' && strchr(sn.name, '/'))
                bad = "a special node with '/'";
            else if (!bad && sn.name[0] != '@' && sn.name[0] != '/')
                bad = "a node name not starting with '/' or '@'";
            else if (!bad && strcmp(sn.name, "/") != 0 && sn.name[strlen(sn.name) - 1] == '/')
                bad = "a node name ending in '/'";
            if (!bad && apply && put_saved(&sn) < 0)
                bad = "out of memory";
            free(sn.name);
            if (bad)
                return bad;
        } else if (type == REC_NODE_GONE) {
            uint32_t namelen;
            const char *name;
            if (!take(&r, &namelen, 4) || !(name = take_bytes(&r, namelen)))
                return "truncated removal";
            if (namelen == 0 || namelen >= PATH_BUF || memchr(name, '\0', namelen))
                return "removal of a bad name";
            if (namelen == 1 && name[0] == '/')
                return "removal of /";
            if (apply) {
                char path[PATH_BUF];
                memcpy(path, name, namelen);
                path[namelen] = '\0';
                store_remove(path);
            }
        } else if (type == REC_DOMAIN) {
            struct domain d = {0};
            const char *bad = take_domain(&r, &d, gen);
            if (bad)
                return bad;
            if (apply) {
                rp->doms[d.domid] = d;
                rp->present[d.domid] = true;
            }
        } else if (type == REC_DOMAIN_GONE) {
            uint32_t domid;
            if (!take(&r, &domid, 4))
                return "truncated domain removal";
            if (domid >= XS_DOMID_FIRST_RESERVED)
                return "domain id out of range";
            if (apply)
                rp->present[domid] = false;
        } else if (type == REC_WATCHES) {
            uint32_t domid, count;
            if (!take(&r, &domid, 4) || !take(&r, &count, 4))
                return "truncated watch list";
            if (domid == 0 || domid >= XS_DOMID_FIRST_RESERVED || count > len / WATCH_HEAD_SIZE)
                return "watch list out of range";
            if (apply)
                drop_watches(rp, domid);
            for (uint32_t j = 0; j < count; j++) {
                struct saved_watch w = {0};
                const char *bad = take_watch(&r, &w);
                if (!bad && w.domid != domid)
                    bad = "a watch in another domain's list";
                if (!bad && apply && !add_watch(rp, &w))
                    bad = "out of memory";
                else if (!bad && apply)
                    continue; /* the list owns it now */
                free(w.path);
                free(w.token);
                if (bad)
                    return bad;
            }
        } else {
            return "unknown entry";
        }
    }
    if (r.off != r.len)
        return "bytes after the last entry";
    if (apply) {
        rp->generation = gen;
        rp->records++;
    }
    return NULL;
}

/* Replays journal (len bytes, its header checked) up to its first record
 * cut short or failing its checksum. What a bad record inside is, or NULL. */
static const char *replay_journal(const char *p, size_t len, struct replay *rp)
{
    size_t off = JOURNAL_HEADER_SIZE;
    while (len - off >= RECORD_HEAD_SIZE) {
        uint32_t bodylen;
        uint64_t sum;
        memcpy(&bodylen, p + off, 4);
        memcpy(&sum, p + off + 4, 8);
        if (bodylen > len - off - RECORD_HEAD_SIZE)
            break; /* cut short */
        const char *body = p + off + RECORD_HEAD_SIZE;
        if (fnv1a(body, bodylen) != sum)
            break; /* damaged or cut short: the end of what was written */
        const char *bad = replay_record(body, bodylen, rp, false);
        if (!bad)
            bad = replay_record(body, bodylen, rp, true);
        if (bad)
            return bad;
        off += RECORD_HEAD_SIZE + bodylen;
    }
    if (off != len)
        log_info("state file %s: journal ends in %zu bytes of an unfinished record (ignored)",
                 journal_path, len - off);
    return NULL;
}

/* Every node reachable from path (in a PATH_BUF buffer) exists. */
static bool tree_whole(char *path)
{
    const struct node *n = store_get(path);
    if (!n)
        return false;
    size_t len = strlen(path);
    for (size_t off = 0; off < n->childlen;) {
        const char *base = n->children + off;
        size_t blen = strnlen(base, n->childlen - off);
        off += blen + 1;
        size_t at = strcmp(path, "/") == 0 ? 0 : len;
        if (at + 1 + blen >= PATH_BUF)
            return false;
        path[at] = '/';
        memcpy(path + at + 1, base, blen);
        path[at + 1 + blen] = '\0';
        bool ok = tree_whole(path);
        path[len] = '\0';
        if (!ok)
            return false;
    }
    return true;
}

/* A whole file, or what is wrong; *missing if it does not exist. */
static const char *read_whole(const char *path, char **out, size_t *outlen, bool *missing)
{
    *out = NULL;
    *outlen = 0;
    *missing = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *missing = errno == ENOENT;
        return "cannot open";
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
    if (bad) {
        free(p);
        return bad;
    }
    *out = p;
    *outlen = len;
    return NULL;
}

static void set_aside(const char *path, const char *what, const char *why)
{
    char aside[PATH_BUF];
    snprintf(aside, sizeof(aside), "%s.refused", path);
    log_info("%s %s: refused (%s); kept as %s", what, path, why,
             rename(path, aside) == 0 ? aside : "nothing (rename failed)");
}

/* Applies the snapshot s and then the journal: the store and the replay
 * state (domains, watches) as they were. 0 or -ENOMEM. */
static int restore(const struct saved *s, struct replay *rp)
{
    if (apply_nodes(s) < 0 || replay_init(rp, s) < 0)
        return -ENOMEM;
    char *p;
    size_t len;
    bool missing;
    const char *bad = read_whole(journal_path, &p, &len, &missing);
    if (bad) {
        if (!missing)
            log_warn("state file %s: journal: %s, loading the snapshot alone", journal_path, bad);
        return 0;
    }
    uint64_t gen = 0;
    if (len >= JOURNAL_HEADER_SIZE)
        memcpy(&gen, p + 8, 8);
    if (len < JOURNAL_HEADER_SIZE || memcmp(p, JOURNAL_MAGIC, 8) != 0)
        bad = len ? "bad journal header" : NULL;
    else if (gen != s->generation)
        log_info("state file %s: journal of another snapshot (generation %" PRIu64
                 ", not %" PRIu64 "), skipped",
                 journal_path, gen, s->generation);
    else if (!(bad = replay_journal(p, len, rp))) {
        static char path[PATH_BUF];
        snprintf(path, sizeof(path), "/");
        if (!tree_whole(path))
            bad = "the replayed tree lists a missing child";
    }
    free(p);
    if (bad) {
        set_aside(journal_path, "state file journal", bad);
        replay_free(rp);
        if (apply_nodes(s) < 0 || replay_init(rp, s) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int load(void)
{
    char *p;
    size_t len;
    bool missing;
    const char *bad = read_whole(state_path, &p, &len, &missing);
    if (bad && missing) {
        log_info("state file %s: none yet, starting empty", state_path);
        return 0;
    }
    struct saved s = {0};
    if (!bad)
        bad = parse(p, len, &s);
    int err = 0;
    if (bad) {
        /* Kept aside for a post-mortem; the empty store is saved next. */
        set_aside(state_path, "state file", bad);
    } else {
        struct replay rp;
        err = restore(&s, &rp);
        uint32_t ndomains = 0;
        for (uint32_t id = 0; err == 0 && id < XS_DOMID_FIRST_RESERVED; id++) {
            if (!rp.present[id])
                continue;
            if (domain_restore(&rp.doms[id]) < 0)
                err = -ENOMEM;
            ndomains++;
        }
        if (err == 0) {
            store_set_generation(rp.generation);
            log_info("state file %s: restored %zu nodes, %u domain records, %u guest watches "
                     "(the snapshot, then %u journal records)",
                     state_path, store_count(), ndomains, rp.nwatches, rp.records);
            restored_watches = rp.watches;
            nrestored_watches = rp.nwatches;
            rp.watches = NULL;
            rp.nwatches = 0;
        }
        replay_free(&rp);
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
    journal_path = malloc(len + 9);
    if (!state_path || !tmp_path || !journal_path) {
        persist_close();
        return -ENOMEM;
    }
    snprintf(tmp_path, len + 5, "%s.tmp", path);
    snprintf(journal_path, len + 9, "%s.journal", path);
    int err = load();
    if (err < 0) {
        persist_close();
        return err;
    }
    /* Saved before the loop's first wait (once the guests' watches are
     * back): the snapshot then matches what we serve, and the journal
     * starts empty. */
    clear_dirty();
    need_snapshot = true;
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
    clear_dirty();
    if (dirty_set)
        hash_free(dirty_set, NULL);
    dirty_set = NULL;
    free(dirty_names);
    dirty_names = NULL;
    dirty_cap = 0;
    if (journal_fd >= 0)
        close(journal_fd);
    journal_fd = -1;
    journal_size = snapshot_size = 0;
    free(state_path);
    free(tmp_path);
    free(journal_path);
    state_path = tmp_path = journal_path = NULL;
    need_snapshot = snapshot_owed = false;
}
