/*
 * Implementation of secretfile.h.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/log.h"
#include "core/secretfile.h"

int
secretfile_read(const char *path, const char *what, char *out, size_t size)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	int r = ARX_ERR_CONFIG;

	if (f == NULL) {
		log_error("%s %s: %s", what, path, strerror(errno));
		return ARX_ERR_CONFIG;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 0077) != 0)
		log_error(
		    "%s %s can be read by others: chmod 600 it", what, path);
	else if (size < 2 || fgets(out, (int)size, f) == NULL ||
	    (out[strcspn(out, "\r\n")] = '\0', out[0] == '\0'))
		log_error("%s %s is empty", what, path);
	else
		r = 0;
	if (r != 0 && size > 0)
		explicit_bzero(out, size);
	fclose(f);
	return r;
}

int
secretfile_read_cred(const char *path, const char *what, char *out, size_t size)
{
	int r = secretfile_read(path, what, out, size);

	if (r != 0 || strchr(out, ':') != NULL)
		return r;
	log_error(
	    "%s %s: expected user:password on its first line", what, path);
	explicit_bzero(out, size);
	return ARX_ERR_CONFIG;
}

/* Why the whole of f does not fit in size bytes, or NULL with *len. */
static const char *
load_all(FILE *f, char *out, size_t size, size_t *len)
{
	struct stat st;

	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		return "is not a regular file";
	if ((st.st_mode & 0077) != 0)
		return "can be read by others: chmod 600 it";
	*len = fread(out, 1, size, f);
	if (ferror(f))
		return "cannot be read";
	if (*len == size)
		return "is too long";
	if (*len == 0)
		return "is empty";
	return NULL;
}

int
secretfile_load(
    const char *path, const char *what, char *out, size_t size, size_t *len)
{
	FILE *f = fopen(path, "re");
	const char *why;

	*len = 0;
	if (f == NULL) {
		log_error("%s key %s: %s", what, path, strerror(errno));
		return ARX_ERR_CONFIG;
	}
	why = load_all(f, out, size, len);
	fclose(f);
	if (why == NULL)
		return 0;
	log_error("%s key %s %s", what, path, why);
	explicit_bzero(out, size);
	*len = 0;
	return ARX_ERR_CONFIG;
}
