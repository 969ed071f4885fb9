#include "common/map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct cnab_map_slot *cnab_map_find(const struct cnab_map *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].key)
			return NULL;
		if (!strcmp(m->slots[i].key, key))
			return &m->slots[i];
	}
}

void *cnab_map_get(const struct cnab_map *m, const char *key)
{
	struct cnab_map_slot *s = cnab_map_find(m, key);

	return s ? s->value : NULL;
}

bool cnab_map_has(const struct cnab_map *m, const char *key)
{
	return cnab_map_find(m, key) != NULL;
}

static void insert(struct cnab_map_slot *slots, size_t cap, char *key,
                   void *value)
{
	size_t i;

	for (i = hash(key) & (cap - 1); slots[i].key; i = (i + 1) & (cap - 1))
		;
	slots[i].key = key;
	slots[i].value = value;
}

static enum cnab_status grow(struct cnab_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16, i;
	struct cnab_map_slot *slots;

	if (cap < m->cap)
		return CNAB_ERR_NOMEM;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return CNAB_ERR_NOMEM;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			insert(slots, cap, m->slots[i].key, m->slots[i].value);
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return CNAB_OK;
}

enum cnab_status cnab_map_put(struct cnab_map *m, const char *key, void *value,
                              void **old)
{
	struct cnab_map_slot *s = cnab_map_find(m, key);
	char *copy;

	if (s) {
		if (old)
			*old = s->value;
		s->value = value;
		return CNAB_OK;
	}
	if (old)
		*old = NULL;
	/* keep the load under 3/4 */
	if ((m->len + 1) * 4 > m->cap * 3 && grow(m) != CNAB_OK)
		return CNAB_ERR_NOMEM;
	copy = strdup(key);
	if (!copy)
		return CNAB_ERR_NOMEM;
	insert(m->slots, m->cap, copy, value);
	m->len++;
	return CNAB_OK;
}

void cnab_map_release(struct cnab_map *m, void (*free_value)(void *))
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		free(m->slots[i].key);
		if (free_value)
			free_value(m->slots[i].value);
	}
	free(m->slots);
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}
