/*
 * IPv4 and IPv6 addresses and CIDR blocks: strict parsing of untrusted text,
 * canonical formatting and prefix matching. An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1) is stored as the IPv4 address it carries, so a block,
 * a white-list entry and a rule see one form only. A zone suffix
 * (fe80::1%eth0) is checked for sanity and dropped: firewalls match on the
 * address. Matching never mixes families.
 *
 * An arx_addr may also name a network, for blocks of whole ranges (arx
 * block 198.51.100.0/24): plen is then its prefix length and the host
 * bits are zero. Everything that reads addresses from the outside world
 * (log lines, peers, configuration) parses with addr_parse() and gets
 * plen 0, one address; only addr_parse_net() gives a network.
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
	uint8_t plen;      /* 0: one address; else a network of this prefix
			    * length, shorter than the family's (1..31,
			    * 1..127), host bits zero */
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
/*
 * "ADDR" (one address) or "ADDR/LEN" (a network) of exactly len bytes.
 * LEN is the family's full length for one address; a network's host bits
 * must be zero (ARX_ERR_RANGE otherwise: 10.1.2.3/8 is a typing error, not
 * 10.0.0.0/8), and LEN at least 1. 0 or ARX_ERR_INVAL / ARX_ERR_RANGE.
 */
int addr_parse_net(const char *s, size_t len, struct arx_addr *out);
int addr_parse_net_str(const char *s, struct arx_addr *out);
/* Canonical text form (RFC 5952 for IPv6) into dst[ADDR_STRLEN], with
 * "/LEN" for a network. */
void addr_format(const struct arx_addr *a, char *dst, size_t dst_size);
bool addr_equal(const struct arx_addr *a, const struct arx_addr *b);
/* The prefix length a covers: plen, or 32 / 128 for one address. */
unsigned addr_prefix(const struct arx_addr *a);
/* True when a and b (addresses or networks) share an address. */
bool addr_overlaps(const struct arx_addr *a, const struct arx_addr *b);

/*
 * Parse "ADDR", "ADDR/LEN" or, for IPv4, "ADDR/NETMASK" (contiguous dotted
 * mask). A bare address is a host block (/32 or /128). Host bits set in ADDR
 * are cleared. 0 or ARX_ERR_INVAL / ARX_ERR_RANGE.
 */
int cidr_parse(const char *s, struct arx_cidr *out);
/* "ADDR" for a host block, "NET/LEN" otherwise, into dst[CIDR_STRLEN]. */
void cidr_format(const struct arx_cidr *c, char *dst, size_t dst_size);
/* True when a (every address of it, for a network) is inside c (same
 * family only). */
bool cidr_contains(const struct arx_cidr *c, const struct arx_addr *a);
/* True when c and a share an address. */
bool cidr_overlaps(const struct arx_cidr *c, const struct arx_addr *a);

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

/* For a network, the kind of the first special range it overlaps
 * (0.0.0.0/1 is ADDR_UNSPECIFIED), ADDR_UNICAST when none. */
enum addr_kind addr_kind(const struct arx_addr *a);
/* "loopback", "multicast", ... ("unicast" for ADDR_UNICAST). */
const char *addr_kind_name(enum addr_kind k);

#endif
