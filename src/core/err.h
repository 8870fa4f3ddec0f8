/*
 * Error codes shared by every arx library. Functions that do something return
 * 0 on success or one of the negative ARX_ERR_* values below; arx_strerror()
 * turns a code into a short message. The list is kept short on purpose: a
 * caller should be able to act on each code differently.
 */
#ifndef ARX_CORE_ERR_H
#define ARX_CORE_ERR_H

enum arx_err {
	ARX_OK = 0,
	ARX_ERR_NOMEM = -1,    /* allocation failed */
	ARX_ERR_INVAL = -2,    /* malformed input */
	ARX_ERR_RANGE = -3,    /* value outside its allowed range */
	ARX_ERR_TOOBIG = -4,   /* a bound was reached (size, depth, count) */
	ARX_ERR_SYS = -5,      /* system call failed; errno holds the cause */
	ARX_ERR_NOTFOUND = -6, /* no such name, key or file */
	ARX_ERR_EXISTS = -7,   /* duplicate name or key */
	ARX_ERR_CONFIG = -8, /* configuration rejected (details were logged) */
	ARX_ERR_AGAIN = -9,  /* try again later (would block) */
	ARX_ERR_STATE = -10, /* operation not valid in the current state */
	ARX_ERR_PERM = -11,  /* not the asker's to change */
};

/* Static message for an error code; unknown codes give "unknown error". */
const char *arx_strerror(int err);

#endif
