/*
 * A region allocator: many small allocations, freed all at once. Used for
 * parsed XML trees and, later, for everything one event allocates while it
 * is decoded. Memory comes from chunks that the arena owns; a total limit
 * bounds what hostile input can make it take.
 */
#ifndef ARX_CORE_ARENA_H
#define ARX_CORE_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head; /* newest chunk first */
	size_t chunk_size;        /* default size of a new chunk */
	size_t total;             /* bytes held in chunks */
	size_t max_total;         /* 0 = unlimited */
};

/* Initialise an empty arena; chunk_size 0 picks 4 KiB. */
void arena_init(struct arena *a, size_t chunk_size, size_t max_total);
/* Free every chunk. */
void arena_release(struct arena *a);
/* Forget every allocation but keep the newest chunk for reuse. */
void arena_reset(struct arena *a);
/* size bytes aligned for any type, or NULL (no memory or over the limit). */
void *arena_alloc(struct arena *a, size_t size);
/* Zeroed allocation. */
void *arena_zalloc(struct arena *a, size_t size);
/* NUL-terminated copy of s[0..len). */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);

#endif
