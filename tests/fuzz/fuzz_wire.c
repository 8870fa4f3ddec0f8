/* Fuzz target: the agent protocol codec. Whatever wire_parse() accepts
 * must write back with wire_put() and parse again to the same message
 * (unknown tags aside, which are dropped). An enrollment request is
 * also answered (on an empty agent table), and the answer read back as
 * the host would. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/enroll.h"
#include "transport/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same(const struct wire_msg *a, const struct wire_msg *b)
{
	if (a->type != b->type || a->seq != b->seq)
		abort();
	for (unsigned t = 1; t < WT_NTAGS; t++) {
		const struct wire_field *x = &a->f[t], *y = &b->f[t];

		if (x->set != y->set || x->len != y->len || x->u != y->u ||
		    (x->p != NULL && y->p != NULL &&
			memcmp(x->p, y->p, x->len) != 0))
			abort();
	}
}

static void
enrolled(const struct wire_msg *req)
{
	struct agent_keys ks = {0};
	struct agent_key added, out;
	struct arx_addr peer;
	struct wire_msg ans;
	const char *why;
	char reason[128];
	struct buf b;

	buf_init(&b, 1u << 16);
	(void)addr_parse_str("192.0.2.6", &peer);
	(void)enroll_answer(&ks, req, &peer, &b, &added, &why);
	if (wire_parse(b.data, b.len, &ans, &why) != 0)
		abort();
	(void)enroll_result(&ans, &out, reason, sizeof(reason));
	keys_release(&ks);
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m, back;
	const char *why;
	size_t total;
	struct buf b;

	if (wire_frame_len(data, size, &total, &why) == 0 && total < size)
		size = total;
	if (wire_parse(data, size, &m, &why) != 0)
		return 0;
	buf_init(&b, 2u << 20);
	if (wire_put(&b, &m) != 0 ||
	    wire_parse(b.data, b.len, &back, &why) != 0)
		abort();
	same(&m, &back);
	if (m.type == WIRE_ENROLL)
		enrolled(&m);
	buf_release(&b);
	return 0;
}
