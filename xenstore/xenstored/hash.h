/*
 * hash.h - a table from NUL-terminated string keys to pointers, for the
 * node store (full path -> node) and a transaction's accessed nodes. The
 * table copies keys; values belong to the caller. Not thread-safe.
 */
#ifndef XS_HASH_H
#define XS_HASH_H

#include <stddef.h>

struct hash;

struct hash *hash_new(void);
/* Calls free_value (if not NULL) on every value, then frees the table. */
void hash_free(struct hash *h, void (*free_value)(void *value));

void *hash_get(const struct hash *h, const char *key);
/* Inserts or replaces; *old (if not NULL) receives the replaced value or
 * NULL. 0 or -ENOMEM (the table is then unchanged). */
int hash_put(struct hash *h, const char *key, void *value, void **old);
/* Removes key; returns its value, or NULL if absent. */
void *hash_del(struct hash *h, const char *key);
size_t hash_count(const struct hash *h);

#endif
