/* Fuzz target: the configuration loader (XML reader, elements, values,
 * cross-references), from memory. */
#include <stdint.h>

#include "config/conf.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *ctx, enum log_level level, const char *msg)
{
	(void)ctx, (void)level, (void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arx_conf *conf = NULL;

	log_set_sink(quiet, NULL);
	if (conf_load_mem("fuzz.conf", (const char *)data, size, &conf) == 0)
		conf_free(conf);
	return 0;
}
