/*
 * A string-keyed hash map (open addressing).  Keys are copied; values are
 * the caller's.  Used as a set when values are not needed.
 */
#ifndef CNAB_COMMON_MAP_H
#define CNAB_COMMON_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

struct cnab_map_slot {
	char *key; /* NULL: empty slot */
	void *value;
};

struct cnab_map {
	struct cnab_map_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t len;
};
#define CNAB_MAP_INIT                                                          \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/* The slot holding key, or NULL. */
struct cnab_map_slot *cnab_map_find(const struct cnab_map *m, const char *key);

/* The value stored under key, or NULL. */
void *cnab_map_get(const struct cnab_map *m, const char *key);

/* True when key is present. */
bool cnab_map_has(const struct cnab_map *m, const char *key);

/*
 * Stores value under a copy of key, replacing any value there (the old one
 * is returned in *old when old is not NULL).  CNAB_ERR_NOMEM on failure.
 */
enum cnab_status cnab_map_put(struct cnab_map *m, const char *key, void *value,
                              void **old);

/* Frees the keys, and the values with free_value when it is not NULL. */
void cnab_map_release(struct cnab_map *m, void (*free_value)(void *));

/* Iterate: for (i = 0; i < m.cap; i++) if (m.slots[i].key) ... */

#endif
