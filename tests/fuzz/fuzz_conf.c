/* Fuzz target: the configuration loader (XML reader, elements, values,
 * cross-references), from memory; the same bytes as an agent.conf pushed
 * by a manager (conf_load_shared), with blocks chosen by the input. */
#include <stdint.h>

#include "config/conf.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *ctx, enum log_level level, const char *msg)
{
	(void)ctx, (void)level, (void)msg;
}

/* Blocks apply by the parity of what their attributes say. */
static bool
choose(const char *name, const char *os, const char *profile, void *ctx)
{
	(void)ctx;
	return (name == NULL || name[0] % 2 == 0) &&
	    (os == NULL || os[0] % 2) && profile == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arx_conf *conf = NULL;
	char why[256];

	log_set_sink(quiet, NULL);
	if (conf_load_mem("fuzz.conf", (const char *)data, size, &conf) == 0)
		conf_free(conf);
	if (conf_load_shared("agent.conf", (const char *)data, size, choose,
		NULL, &conf, why, sizeof(why)) == 0)
		conf_free(conf);
	return 0;
}
