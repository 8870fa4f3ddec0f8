/*
 * Implementation of enroll.h. The answer is decided from the request's
 * fields only; a refusal says why in the BYE it sends back.
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/strparse.h"
#include "transport/enroll.h"

int
enroll_request(struct buf *out, const char *name, const char *from)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_ENROLL, 1);
	wire_set_str(&m, WT_NAME, name);
	wire_set_str(&m, WT_FROM, from != NULL ? from : "any");
	return wire_put(out, &m);
}

static int
refuse(struct buf *reply, const char *why, int r)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_BYE, 1);
	wire_set_str(&m, WT_MESSAGE, why);
	(void)wire_put(reply, &m);
	return r;
}

/* A field's text, NUL-terminated in out; false when it does not fit. */
static bool
field_text(const struct wire_field *f, char *out, size_t size)
{
	if (!f->set || f->len >= size)
		return false;
	memcpy(out, f->p, f->len);
	out[f->len] = '\0';
	return true;
}

int
enroll_refusal(struct buf *reply, const char *why)
{
	return refuse(reply, why, 0);
}

int
enroll_answer(struct agent_keys *ks, const struct wire_msg *req,
    const struct arx_addr *peer, struct buf *reply, struct agent_key *added,
    const char **why)
{
	char name[KEYS_NAME_MAX + 1], from[64] = "any";
	struct wire_msg m;
	int r;

	*why = "expected an enroll message";
	if (req->type != WIRE_ENROLL)
		return refuse(reply, *why, ARX_ERR_INVAL);
	*why = "the name is not 1-64 of A-Z a-z 0-9 . _ -";
	if (!field_text(&req->f[WT_NAME], name, sizeof(name)) ||
	    !keys_name_ok(name))
		return refuse(reply, *why, ARX_ERR_INVAL);
	*why = "'from' is not any, src, an address or a network";
	if (req->f[WT_FROM].set &&
	    !field_text(&req->f[WT_FROM], from, sizeof(from)))
		return refuse(reply, *why, ARX_ERR_INVAL);
	if (strcmp(from, "src") == 0)
		addr_format(peer, from, sizeof(from));
	r = keys_add(ks, name, from, added);
	*why = r == ARX_ERR_EXISTS ? "an active agent has this name" : *why;
	if (r != 0)
		return refuse(
		    reply, *why, r == ARX_ERR_EXISTS ? r : ARX_ERR_INVAL);
	*why = NULL;
	wire_msg_init(&m, WIRE_ENROLLED, 1);
	wire_set_u64(&m, WT_AGENT_ID, added->id);
	wire_set_str(&m, WT_NAME, added->name);
	wire_set_bytes(&m, WT_KEY, added->key, TLS_KEY_LEN);
	return wire_put(reply, &m);
}

int
enroll_result(
    const struct wire_msg *m, struct agent_key *out, char *why, size_t why_size)
{
	const struct wire_field *msg = &m->f[WT_MESSAGE];

	memset(out, 0, sizeof(*out));
	if (m->type == WIRE_ENROLLED && m->f[WT_KEY].len == TLS_KEY_LEN &&
	    field_text(&m->f[WT_NAME], out->name, sizeof(out->name)) &&
	    keys_name_ok(out->name) && m->f[WT_AGENT_ID].u > 0) {
		out->id = m->f[WT_AGENT_ID].u;
		memcpy(out->key, m->f[WT_KEY].p, TLS_KEY_LEN);
		str_lcpy(out->from, "any", sizeof(out->from));
		out->any = true;
		return 0;
	}
	if (m->type == WIRE_BYE && msg->set)
		snprintf(why, why_size, "refused: %.*s", (int)msg->len, msg->p);
	else
		snprintf(why, why_size, "unexpected answer (%s)",
		    wire_type_name(m->type));
	return ARX_ERR_INVAL;
}
