/*
 * Implementation of addr.h on top of inet_pton/inet_ntop, with the extra
 * strictness and normalisation they lack.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/strparse.h"

static const uint8_t v4mapped_prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* A zone id: 1..15 characters of [A-Za-z0-9._-]. */
static bool
zone_is_valid(const char *z, size_t len)
{
	size_t i;

	if (len == 0 || len > 15)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)z[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

static int
addr_parse_v6(char *tmp, size_t len, struct arx_addr *out)
{
	char *pct = memchr(tmp, '%', len);

	if (pct != NULL) {
		if (!zone_is_valid(pct + 1, len - (size_t)(pct - tmp) - 1))
			return ARX_ERR_INVAL;
		*pct = '\0';
	}
	if (inet_pton(AF_INET6, tmp, out->bytes) != 1)
		return ARX_ERR_INVAL;
	if (memcmp(out->bytes, v4mapped_prefix, 12) == 0) {
		memmove(out->bytes, out->bytes + 12, 4);
		memset(out->bytes + 4, 0, 12);
		out->family = ADDR_V4;
	} else
		out->family = ADDR_V6;
	return 0;
}

int
addr_parse(const char *s, size_t len, struct arx_addr *out)
{
	char tmp[ADDR_STRLEN + 17];
	int r = ARX_ERR_INVAL;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(tmp) || memchr(s, '\0', len) != NULL)
		return ARX_ERR_INVAL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (memchr(tmp, ':', len) != NULL)
		r = addr_parse_v6(tmp, len, out);
	else if (inet_pton(AF_INET, tmp, out->bytes) == 1) {
		out->family = ADDR_V4;
		r = 0;
	}
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int
addr_parse_str(const char *s, struct arx_addr *out)
{
	return addr_parse(s, strlen(s), out);
}

void
addr_format(const struct arx_addr *a, char *dst, size_t dst_size)
{
	int af = a->family == ADDR_V4 ? AF_INET : AF_INET6;
	size_t n;

	if (a->family == ADDR_NONE ||
	    inet_ntop(af, a->bytes, dst, (socklen_t)dst_size) == NULL) {
		str_lcpy(dst, "-", dst_size);
		return;
	}
	if (a->plen != 0 && (n = strlen(dst)) < dst_size)
		snprintf(dst + n, dst_size - n, "/%u", a->plen);
}

bool
addr_equal(const struct arx_addr *a, const struct arx_addr *b)
{
	return a->family == b->family && a->plen == b->plen &&
	    memcmp(a->bytes, b->bytes, 16) == 0;
}

static unsigned
addr_bits(const struct arx_addr *a)
{
	return a->family == ADDR_V4 ? 32 : 128;
}

unsigned
addr_prefix(const struct arx_addr *a)
{
	return a->plen != 0 ? a->plen : addr_bits(a);
}

/* Clear every bit of a after the first prefix bits. */
static void
addr_mask(struct arx_addr *a, unsigned prefix)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (prefix >= 8) {
			prefix -= 8;
			continue;
		}
		a->bytes[i] &= (uint8_t)(0xff << (8 - prefix));
		prefix = 0;
	}
}

/* Prefix length of a contiguous dotted IPv4 netmask, or -1. */
static int
netmask_to_prefix(const char *s)
{
	struct arx_addr m;
	uint32_t v;
	int n = 0;

	if (addr_parse_str(s, &m) != 0 || m.family != ADDR_V4)
		return -1;
	v = (uint32_t)m.bytes[0] << 24 | (uint32_t)m.bytes[1] << 16 |
	    (uint32_t)m.bytes[2] << 8 | m.bytes[3];
	while (v & 0x80000000u) {
		v <<= 1;
		n++;
	}
	return v == 0 ? n : -1;
}

static int
cidr_parse_prefix(const char *p, const struct arx_addr *a, int *prefix)
{
	uint64_t v;
	int r;

	if (strchr(p, '.') != NULL && a->family == ADDR_V4) {
		*prefix = netmask_to_prefix(p);
		return *prefix < 0 ? ARX_ERR_INVAL : 0;
	}
	if (*p == '\0' || strlen(p) > 3)
		return ARX_ERR_INVAL;
	if ((r = str_to_uint(p, 0, addr_bits(a), &v)) != 0)
		return r;
	*prefix = (int)v;
	return 0;
}

int
cidr_parse(const char *s, struct arx_cidr *out)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	bool mapped = alen > 7 && strncasecmp(s, "::ffff:", 7) == 0 &&
	    memchr(s + 7, ':', alen - 7) == NULL;
	int prefix, r;

	memset(out, 0, sizeof(*out));
	if ((r = addr_parse(s, alen, &out->net)) != 0)
		return r;
	prefix = (int)addr_bits(&out->net);
	if (slash != NULL) {
		/* "::ffff:a.b.c.d/LEN" counts LEN over the IPv6 form. */
		struct arx_addr as6 = {.family = ADDR_V6};
		if ((r = cidr_parse_prefix(
			 slash + 1, mapped ? &as6 : &out->net, &prefix)) != 0)
			goto fail;
		if (mapped && (prefix -= 96) < 0) {
			r = ARX_ERR_RANGE;
			goto fail;
		}
	}
	out->prefix = (uint8_t)prefix;
	addr_mask(&out->net, (unsigned)prefix);
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return r;
}

void
cidr_format(const struct arx_cidr *c, char *dst, size_t dst_size)
{
	char a[ADDR_STRLEN];

	addr_format(&c->net, a, sizeof(a));
	if (c->prefix == addr_bits(&c->net))
		str_lcpy(dst, a, dst_size);
	else
		snprintf(dst, dst_size, "%s/%u", a, c->prefix);
}

/* Whether a and b agree on their first prefix bits. */
static bool
addr_same_prefix(
    const struct arx_addr *a, const struct arx_addr *b, unsigned prefix)
{
	struct arx_addr ma = *a, mb = *b;

	addr_mask(&ma, prefix);
	addr_mask(&mb, prefix);
	return memcmp(ma.bytes, mb.bytes, 16) == 0;
}

bool
cidr_contains(const struct arx_cidr *c, const struct arx_addr *a)
{
	if (c->net.family == ADDR_NONE || a->family != c->net.family ||
	    addr_prefix(a) < c->prefix)
		return false;
	return addr_same_prefix(&c->net, a, c->prefix);
}

bool
addr_overlaps(const struct arx_addr *a, const struct arx_addr *b)
{
	unsigned pa = addr_prefix(a), pb = addr_prefix(b);

	if (a->family == ADDR_NONE || a->family != b->family)
		return false;
	return addr_same_prefix(a, b, pa < pb ? pa : pb);
}

bool
cidr_overlaps(const struct arx_cidr *c, const struct arx_addr *a)
{
	unsigned pa = addr_prefix(a);

	if (c->net.family == ADDR_NONE || a->family != c->net.family)
		return false;
	return addr_same_prefix(&c->net, a, pa < c->prefix ? pa : c->prefix);
}

/* Whether s[0..n) is an IPv4-mapped address in the dotted form. */
static bool
is_mapped_text(const char *s, size_t n)
{
	return n > 7 && strncasecmp(s, "::ffff:", 7) == 0 &&
	    memchr(s + 7, ':', n - 7) == NULL;
}

int
addr_parse_net(const char *s, size_t len, struct arx_addr *out)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - s) : len, nlen;
	unsigned skip = is_mapped_text(s, alen) ? 96 : 0; /* /LEN of ::ffff: */
	struct arx_addr m;
	uint64_t v;
	char num[4];
	int r;

	if (slash == NULL)
		return addr_parse(s, len, out);
	if ((r = addr_parse(s, alen, out)) != 0)
		return r;
	nlen = len - alen - 1;
	if (nlen == 0 || nlen >= sizeof(num) ||
	    !isdigit((unsigned char)slash[1]))
		goto fail;
	memcpy(num, slash + 1, nlen);
	num[nlen] = '\0';
	if (str_to_uint(num, skip + 1, skip + addr_bits(out), &v) != 0)
		goto fail;
	v -= skip;
	m = *out;
	addr_mask(&m, (unsigned)v);
	if (memcmp(m.bytes, out->bytes, 16) != 0) {
		memset(out, 0, sizeof(*out));
		return ARX_ERR_RANGE;
	}
	out->plen = v == addr_bits(out) ? 0 : (uint8_t)v;
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return ARX_ERR_INVAL;
}

int
addr_parse_net_str(const char *s, struct arx_addr *out)
{
	return addr_parse_net(s, strlen(s), out);
}

static enum addr_kind
kind_v4(const uint8_t *b)
{
	if (b[0] == 0)
		return ADDR_UNSPECIFIED;
	if (b[0] == 127)
		return ADDR_LOOPBACK;
	if (b[0] == 169 && b[1] == 254)
		return ADDR_LINKLOCAL;
	if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
		return ADDR_BROADCAST;
	if ((b[0] & 0xf0) == 224)
		return ADDR_MULTICAST;
	if ((b[0] & 0xf0) == 240)
		return ADDR_RESERVED;
	return ADDR_UNICAST;
}

static enum addr_kind
kind_v6(const uint8_t *b)
{
	static const uint8_t zero[15];

	if (memcmp(b, zero, 15) == 0)
		return b[15] == 0 ? ADDR_UNSPECIFIED
		    : b[15] == 1  ? ADDR_LOOPBACK
				  : ADDR_UNICAST;
	if (b[0] == 0xff)
		return ADDR_MULTICAST;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return ADDR_LINKLOCAL;
	return ADDR_UNICAST;
}

/* The special ranges of kind_v4() and kind_v6(), for networks. */
static const struct {
	const char *net;
	enum addr_kind kind;
} special_nets[] = {
    {"0.0.0.0/8", ADDR_UNSPECIFIED},
    {"127.0.0.0/8", ADDR_LOOPBACK},
    {"169.254.0.0/16", ADDR_LINKLOCAL},
    {"224.0.0.0/4", ADDR_MULTICAST},
    {"240.0.0.0/4", ADDR_RESERVED},
    {"::/128", ADDR_UNSPECIFIED},
    {"::1/128", ADDR_LOOPBACK},
    {"fe80::/10", ADDR_LINKLOCAL},
    {"ff00::/8", ADDR_MULTICAST},
};

/* A network's kind: a kind never blocked (unspecified, multicast,
 * reserved) before loopback and link-local, which <block_local> allows. */
static enum addr_kind
kind_net(const struct arx_addr *a)
{
	enum addr_kind k = ADDR_UNICAST;
	struct arx_cidr c;
	size_t i;

	for (i = 0; i < sizeof(special_nets) / sizeof(special_nets[0]); i++) {
		enum addr_kind s = special_nets[i].kind;

		if (cidr_parse(special_nets[i].net, &c) != 0 ||
		    !cidr_overlaps(&c, a))
			continue;
		if (s != ADDR_LOOPBACK && s != ADDR_LINKLOCAL)
			return s;
		if (k == ADDR_UNICAST)
			k = s;
	}
	return k;
}

enum addr_kind
addr_kind(const struct arx_addr *a)
{
	if (a->plen != 0)
		return kind_net(a);
	if (a->family == ADDR_V4)
		return kind_v4(a->bytes);
	if (a->family == ADDR_V6)
		return kind_v6(a->bytes);
	return ADDR_UNSPECIFIED;
}

const char *
addr_kind_name(enum addr_kind k)
{
	static const char *const names[] = {
	    [ADDR_UNICAST] = "unicast",
	    [ADDR_UNSPECIFIED] = "unspecified",
	    [ADDR_BROADCAST] = "broadcast",
	    [ADDR_MULTICAST] = "multicast",
	    [ADDR_RESERVED] = "reserved",
	    [ADDR_LOOPBACK] = "loopback",
	    [ADDR_LINKLOCAL] = "link-local",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k]
							      : "unknown";
}
