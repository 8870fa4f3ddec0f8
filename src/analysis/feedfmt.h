/*
 * The blocklist feed's formats (<feed>): one row per format, its path,
 * its Content-Type and how it writes the list (a head, one line per
 * address, a tail), for the firewalls and servers that fetch it:
 *
 *   /blocklist.txt  one address or network a line (FortiGate external
 *                   threat feed "IP Address", pfSense/OPNsense URL table)
 *   /blocklist.json a JSON array of strings
 *   /mikrotik.rsc   a RouterOS script: the old entries of address list
 *                   "arx" removed, then one add a line (/ip or /ipv6)
 *   /nginx.conf     "deny X;" lines for an nginx include
 *   /apache.conf    a <RequireAll> block of "Require not ip X" lines for
 *                   an Apache 2.4 include
 *
 * Every format is written from the same list: canonical addresses or
 * networks (core/addr.h text), sorted, each once (feedfmt_canon,
 * feedfmt_sort), so nothing but an address ever reaches a script or a
 * configuration file. Pure: owns nothing but its static table.
 */
#ifndef ARX_ANALYSIS_FEEDFMT_H
#define ARX_ANALYSIS_FEEDFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/addr.h"
#include "core/buf.h"

struct feedfmt {
	const char *path; /* "/blocklist.txt" */
	const char *type; /* its Content-Type */
	const char *head; /* before the first line */
	/* one address (v6: an IPv6 one); i counts from 0; 0 or b's error */
	int (*line)(struct buf *b, const char *addr, bool v6, size_t i);
	const char *tail; /* after the last line */
};

/* The format served at path p[0..len), or NULL. */
const struct feedfmt *feedfmt_find(const char *p, size_t len);

/* The formats, in the table's order: i from 0 until NULL. */
const struct feedfmt *feedfmt_at(size_t i);

/* s as a canonical address or network into out[CIDR_STRLEN]; false
 * (out empty) when s is neither. */
bool feedfmt_canon(const char *s, char out[CIDR_STRLEN]);

/* Sort v[0..n) (heap strings) and free the repeated ones: the count
 * left. */
size_t feedfmt_sort(char **v, size_t n);

/* f's text of v[0..n) (canonical, sorted, each once) appended to b.
 * 0, or ARX_ERR_TOOBIG / ARX_ERR_NOMEM from b. */
int feedfmt_write(
    const struct feedfmt *f, struct buf *b, char *const *v, size_t n);

#endif
