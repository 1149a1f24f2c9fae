/*
 * hash.c - chained hashing with a power-of-two bucket array that doubles
 * when the table holds more entries than buckets. Keys are hashed with
 * FNV-1a; the store holds a few thousand paths, so nothing cleverer pays.
 */
#include "hash.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    struct entry *next;
    uint32_t hash;
    void *value;
    char key[];
};

struct hash {
    struct entry **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
};

#define INITIAL_BUCKETS 64

static uint32_t key_hash(const char *key)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

struct hash *hash_new(void)
{
    struct hash *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->buckets = calloc(INITIAL_BUCKETS, sizeof(*h->buckets));
    if (!h->buckets) {
        free(h);
        return NULL;
    }
    h->nbuckets = INITIAL_BUCKETS;
    return h;
}

void hash_free(struct hash *h, void (*free_value)(void *value))
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nbuckets; i++) {
        struct entry *e = h->buckets[i];
        while (e) {
            struct entry *next = e->next;
            if (free_value)
                free_value(e->value);
            free(e);
            e = next;
        }
    }
    free(h->buckets);
    free(h);
}

static struct entry **find_slot(const struct hash *h, const char *key, uint32_t hv)
{
    struct entry **slot = &h->buckets[hv & (h->nbuckets - 1)];
    while (*slot && ((*slot)->hash != hv || strcmp((*slot)->key, key) != 0))
        slot = &(*slot)->next;
    return slot;
}

void *hash_get(const struct hash *h, const char *key)
{
    struct entry *e = *find_slot(h, key, key_hash(key));
    return e ? e->value : NULL;
}

/* Doubling is best effort: a failed allocation leaves longer chains. */
static void grow(struct hash *h)
{
    size_t n = h->nbuckets * 2;
    struct entry **b = calloc(n, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < h->nbuckets; i++) {
        struct entry *e = h->buckets[i];
        while (e) {
            struct entry *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(h->buckets);
    h->buckets = b;
    h->nbuckets = n;
}

int hash_put(struct hash *h, const char *key, void *value, void **old)
{
    uint32_t hv = key_hash(key);
    struct entry **slot = find_slot(h, key, hv);
    if (*slot) {
        if (old)
            *old = (*slot)->value;
        (*slot)->value = value;
        return 0;
    }
    size_t len = strlen(key);
    struct entry *e = malloc(sizeof(*e) + len + 1);
    if (!e)
        return -ENOMEM;
    memcpy(e->key, key, len + 1);
    e->hash = hv;
    e->value = value;
    e->next = NULL;
    *slot = e;
    h->count++;
    if (old)
        *old = NULL;
    if (h->count > h->nbuckets)
        grow(h);
    return 0;
}

void *hash_del(struct hash *h, const char *key)
{
    struct entry **slot = find_slot(h, key, key_hash(key));
    struct entry *e = *slot;
    if (!e)
        return NULL;
    void *value = e->value;
    *slot = e->next;
    free(e);
    h->count--;
    return value;
}

size_t hash_count(const struct hash *h)
{
    return h->count;
}
