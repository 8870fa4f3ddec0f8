/* Fuzz target: both directions of the active-response protocols. The
 * first byte picks one: the program side of the JSON protocol (a message
 * from arxd, decoded into a request), the daemon side (a program's
 * check_keys reply), or the legacy argv protocol (the rest split at NUL
 * bytes into arguments). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ar/prog.h"
#include "ar/protocol.h"
#include "core/jsonin.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *ctx, enum log_level level, const char *msg)
{
	(void)ctx, (void)level, (void)msg;
}

static void
legacy(const char *p, size_t n)
{
	char *copy = malloc(n + 1), *argv[64];
	struct ar_prog_request rq;
	char opt[64];
	int argc = 1;

	if (copy == NULL)
		return;
	memcpy(copy, p, n);
	copy[n] = '\0';
	argv[0] = "fuzz";
	for (size_t i = 0; i <= n && argc < 63;) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	argv[argc] = NULL;
	if (argc > 1 && ar_prog_read(argc, argv, "fuzz", &rq) == 0)
		(void)ar_prog_option(&rq, "timeout", opt, sizeof(opt));
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;
	struct ar_prog_request rq;
	char keys[256];
	struct json_doc msg;

	log_set_sink(quiet, NULL);
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		json_doc_init(&msg);
		(void)ar_prog_parse(p, size - 1, &rq, &msg);
		json_doc_release(&msg);
		break;
	case 1:
		(void)ar_parse_check_keys(p, size - 1, keys, sizeof(keys));
		break;
	default:
		legacy(p, size - 1);
		break;
	}
	return 0;
}
