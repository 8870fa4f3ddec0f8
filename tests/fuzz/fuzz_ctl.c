/* Fuzz target: the control socket's request parser. */
#include <stdint.h>

#include "ar/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	const char *why;

	(void)ctl_parse((const char *)data, size, &req, &why);
	return 0;
}
