/*
 * Implementation of jsonout.h.
 */
#include "core/jsonout.h"

int
json_escape(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run;
	int r = 0;

	while (i < len && r == 0) {
		unsigned char c;

		/* The bytes that need nothing, appended as one run. */
		for (run = i; run < len; run++) {
			c = (unsigned char)s[run];
			if (c < 0x20 || c == '"' || c == '\\')
				break;
		}
		if (run > i && (r = buf_append(out, s + i, run - i)) != 0)
			break;
		if ((i = run) == len)
			break;
		c = (unsigned char)s[i++];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			r = buf_append(out, e, 2);
		} else if (c == '\n' || c == '\r' || c == '\t') {
			char e[2] = {'\\',
			    c == '\n'       ? 'n'
				: c == '\r' ? 'r'
					    : 't'};
			r = buf_append(out, e, 2);
		} else {
			char e[6] = {
			    '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			r = buf_append(out, e, 6);
		}
	}
	return r;
}

int
json_put_string(struct buf *out, const char *s, size_t len)
{
	int r;

	if ((r = buf_putc(out, '"')) != 0 || (r = json_escape(out, s, len)))
		return r;
	return buf_putc(out, '"');
}
