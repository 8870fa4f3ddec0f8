/*
 * Implementation of arena.h: a list of chunks, bump allocation in the newest
 * one, oversized requests get a chunk of their own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* usable bytes in data */
	size_t used;
	max_align_t data[];
};

#define ARENA_ALIGN _Alignof(max_align_t)

void
arena_init(struct arena *a, size_t chunk_size, size_t max_total)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : 4096;
	a->total = 0;
	a->max_total = max_total;
}

void
arena_release(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk *keep = a->head;

	if (keep == NULL)
		return;
	a->head = keep->next;
	arena_release(a);
	keep->next = NULL;
	keep->used = 0;
	a->head = keep;
	a->total = keep->size;
}

static struct arena_chunk *
arena_grow(struct arena *a, size_t need)
{
	size_t size = need > a->chunk_size ? need : a->chunk_size;
	struct arena_chunk *c;

	if (a->max_total != 0 &&
	    (a->total > a->max_total || size > a->max_total - a->total))
		return NULL;
	if (size > SIZE_MAX - sizeof(*c))
		return NULL;
	c = malloc(sizeof(*c) + size);
	if (c == NULL)
		return NULL;
	c->size = size;
	c->used = 0;
	c->next = a->head;
	a->head = c;
	a->total += size;
	return c;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->head;
	size_t need;
	void *p;

	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	if (c == NULL || c->size - c->used < need)
		if ((c = arena_grow(a, need)) == NULL)
			return NULL;
	p = (char *)c->data + c->used;
	c->used += need;
	return p;
}

void *
arena_zalloc(struct arena *a, size_t size)
{
	void *p = arena_alloc(a, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX || (p = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}
