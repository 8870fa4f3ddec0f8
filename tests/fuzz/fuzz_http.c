/* Fuzz target: the HTTP request head parser of the feed and /metrics
 * (core/http.c). Every span it gives must lie inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "core/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(struct span s, const uint8_t *data, size_t size)
{
	if (s.p != NULL &&
	    ((const uint8_t *)s.p < data ||
		(const uint8_t *)s.p + s.len > data + size))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	const char *why;

	if (http_request_parse((const char *)data, size, &req, &why) != 0)
		return 0;
	inside(req.method, data, size);
	inside(req.target, data, size);
	inside(req.path, data, size);
	inside(req.query, data, size);
	for (size_t i = 0; i < req.nh; i++) {
		inside(req.h[i].name, data, size);
		inside(req.h[i].value, data, size);
	}
	if (req.head_len > size)
		abort();
	return 0;
}
