/*
 * IPv4 and IPv6 addresses and CIDR blocks: strict parsing of untrusted text,
 * canonical formatting and prefix matching. An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1) is stored as the IPv4 address it carries, so a block,
 * a white-list entry and a rule see one form only. A zone suffix
 * (fe80::1%eth0) is checked for sanity and dropped: firewalls match on the
 * address. Matching never mixes families.
 */
#ifndef ARX_CORE_ADDR_H
#define ARX_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define CIDR_STRLEN (ADDR_STRLEN + 4)

enum addr_family {
	ADDR_NONE = 0,
	ADDR_V4 = 4,
	ADDR_V6 = 6,
};

struct arx_addr {
	uint8_t family;    /* enum addr_family */
	uint8_t bytes[16]; /* network order; IPv4 uses the first 4 */
};

struct arx_cidr {
	struct arx_addr net; /* host bits are always zero */
	uint8_t prefix;      /* 0..32 or 0..128 */
};

/*
 * Parse exactly len bytes of s as an address. Rejects anything but a dotted
 * quad (no leading zeros, no short forms) or an RFC 4291 IPv6 text form with
 * an optional %zone. 0 or ARX_ERR_INVAL; *out is zeroed on failure.
 */
int addr_parse(const char *s, size_t len, struct arx_addr *out);
/* addr_parse() of a NUL-terminated string. */
int addr_parse_str(const char *s, struct arx_addr *out);
/* Canonical text form (RFC 5952 for IPv6) into dst[ADDR_STRLEN]. */
void addr_format(const struct arx_addr *a, char *dst, size_t dst_size);
bool addr_equal(const struct arx_addr *a, const struct arx_addr *b);

/*
 * Parse "ADDR", "ADDR/LEN" or, for IPv4, "ADDR/NETMASK" (contiguous dotted
 * mask). A bare address is a host block (/32 or /128). Host bits set in ADDR
 * are cleared. 0 or ARX_ERR_INVAL / ARX_ERR_RANGE.
 */
int cidr_parse(const char *s, struct arx_cidr *out);
/* "ADDR" for a host block, "NET/LEN" otherwise, into dst[CIDR_STRLEN]. */
void cidr_format(const struct arx_cidr *c, char *dst, size_t dst_size);
/* True when a is inside c (same family only). */
bool cidr_contains(const struct arx_cidr *c, const struct arx_addr *a);

/* What kind of peer an address can be. Only a unicast address can have
 * sent an attack; loopback and link-local ones are this host and its
 * link (blocked only when asked). */
enum addr_kind {
	ADDR_UNICAST = 0,
	ADDR_UNSPECIFIED, /* 0.0.0.0/8, :: */
	ADDR_BROADCAST,   /* 255.255.255.255 */
	ADDR_MULTICAST,   /* 224.0.0.0/4, ff00::/8 */
	ADDR_RESERVED,    /* 240.0.0.0/4 (class E) */
	ADDR_LOOPBACK,    /* 127.0.0.0/8, ::1 */
	ADDR_LINKLOCAL,   /* 169.254.0.0/16, fe80::/10 */
};

enum addr_kind addr_kind(const struct arx_addr *a);
/* "loopback", "multicast", ... ("unicast" for ADDR_UNICAST). */
const char *addr_kind_name(enum addr_kind k);

#endif
