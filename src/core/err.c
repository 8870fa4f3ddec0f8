/*
 * Messages for the error codes of err.h, indexed by the negated code.
 */
#include <stddef.h>

#include "core/err.h"

static const char *const err_messages[] = {
    [0] = "success",
    [-ARX_ERR_NOMEM] = "out of memory",
    [-ARX_ERR_INVAL] = "invalid input",
    [-ARX_ERR_RANGE] = "value out of range",
    [-ARX_ERR_TOOBIG] = "limit exceeded",
    [-ARX_ERR_SYS] = "system error",
    [-ARX_ERR_NOTFOUND] = "not found",
    [-ARX_ERR_EXISTS] = "already exists",
    [-ARX_ERR_CONFIG] = "invalid configuration",
    [-ARX_ERR_AGAIN] = "resource temporarily unavailable",
    [-ARX_ERR_STATE] = "invalid state",
    [-ARX_ERR_PERM] = "not permitted",
};

const char *
arx_strerror(int err)
{
	size_t i;

	if (err > 0)
		return "unknown error";
	i = (size_t)-err;
	if (i >= sizeof(err_messages) / sizeof(err_messages[0]) ||
	    err_messages[i] == NULL)
		return "unknown error";
	return err_messages[i];
}
