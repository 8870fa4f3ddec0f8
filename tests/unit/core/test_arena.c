/* Unit tests for core/arena: alignment, big blocks, reset, the limit. */
#include <stdint.h>

#include "testutil.h"

#include "core/arena.h"

static void
test_alloc_align(void **state)
{
	struct arena a;
	char *p;
	int i;

	(void)state;
	arena_init(&a, 256, 0);
	for (i = 1; i < 200; i++) {
		p = arena_alloc(&a, (size_t)i);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		memset(p, 0xab, (size_t)i);
	}
	p = arena_alloc(&a, 100000);
	assert_non_null(p);
	memset(p, 0, 100000);
	assert_string_equal(arena_strdup(&a, "hello"), "hello");
	assert_string_equal(arena_strndup(&a, "hello", 3), "hel");
	arena_release(&a);
	assert_null(a.head);
}

static void
test_reset_reuses(void **state)
{
	struct arena a;
	void *first;
	int i;

	(void)state;
	arena_init(&a, 1024, 0);
	for (i = 0; i < 100; i++)
		assert_non_null(arena_alloc(&a, 100));
	arena_reset(&a);
	assert_int_equal(a.total, 1024);
	first = arena_alloc(&a, 8);
	arena_reset(&a);
	assert_ptr_equal(arena_alloc(&a, 8), first);
	arena_release(&a);
}

static void
test_limit(void **state)
{
	struct arena a;
	int n = 0;

	(void)state;
	arena_init(&a, 1024, 4096);
	while (arena_alloc(&a, 500) != NULL && n < 100)
		n++;
	assert_true(n >= 4 && n < 10);
	assert_true(a.total <= 4096);
	assert_null(arena_alloc(&a, 10000));
	arena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alloc_align),
	    cmocka_unit_test(test_reset_reuses),
	    cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
