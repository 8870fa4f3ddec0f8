/*
 * Enrollment: how a host becomes an agent. Over the enrollment channel
 * (tls_ctx_enroll(): TLS 1.3 keyed by the enrollment password or a
 * one-time token), the host sends ENROLL with the name it wants and where
 * it will connect from; the manager adds it to its agent table and
 * answers ENROLLED with the new id and key, or BYE with the reason. This
 * module is the two ends' logic on decoded messages, without I/O.
 */
#ifndef ARX_TRANSPORT_ENROLL_H
#define ARX_TRANSPORT_ENROLL_H

#include "core/addr.h"
#include "core/buf.h"
#include "transport/keys.h"
#include "transport/wire.h"

/* The host's request: name, and from ("any", "src" for the address the
 * manager sees, or an address or network; NULL: "any"). */
int enroll_request(struct buf *out, const char *name, const char *from);

/*
 * The manager's answer to req from peer, appended to reply as one frame:
 * ENROLLED (0, the new entry copied to *added; the caller saves the
 * table) or BYE (ARX_ERR_INVAL or ARX_ERR_EXISTS, why says what).
 */
int enroll_answer(struct agent_keys *ks, const struct wire_msg *req,
    const struct arx_addr *peer, struct buf *reply, struct agent_key *added,
    const char **why);

/* A refusal (BYE with why) appended to reply; the manager's answer when
 * it cannot even look at the request. */
int enroll_refusal(struct buf *reply, const char *why);

/* The host's reading of the answer: 0 and *out (id, name, key), or
 * ARX_ERR_INVAL with the manager's reason in why (points into m). */
int enroll_result(const struct wire_msg *m, struct agent_key *out, char *why,
    size_t why_size);

#endif
