/* Fuzz target: the privilege boundary's message parser (what the root
 * process does with any bytes its analysis child sends). */
#include <stdint.h>

#include "transport/priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct priv_msg m;
	const char *why;

	(void)priv_parse(data, size, &m, &why);
	return 0;
}
