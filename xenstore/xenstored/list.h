/*
 * list.h - a circular doubly-linked list threaded through the objects it
 * holds (connections, watches, transactions, queued messages). Header-only;
 * nothing here allocates. An empty list is a head pointing at itself.
 */
#ifndef XS_LIST_H
#define XS_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_head {
    struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_head *h)
{
    h->next = h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
    return h->next == h;
}

static inline void list_insert_between(struct list_head *n, struct list_head *prev,
                                       struct list_head *next)
{
    n->prev = prev;
    n->next = next;
    prev->next = n;
    next->prev = n;
}

/* Appends n at the tail of h. */
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
    list_insert_between(n, h->prev, h);
}

/* Unlinks n and leaves it pointing at itself, so a second list_del is harmless. */
static inline void list_del(struct list_head *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    list_init(n);
}

#define list_entry(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define list_first(h, type, member) (list_empty(h) ? NULL : list_entry((h)->next, type, member))

#define list_for_each(pos, h) for ((pos) = (h)->next; (pos) != (h); (pos) = (pos)->next)
/* Safe against removal of pos. */
#define list_for_each_safe(pos, tmp, h) \
    for ((pos) = (h)->next, (tmp) = (pos)->next; (pos) != (h); (pos) = (tmp), (tmp) = (pos)->next)

#endif
