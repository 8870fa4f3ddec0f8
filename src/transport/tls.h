/*
 * The agent transport's channel: TLS 1.3 (OpenSSL) over a TCP socket,
 * authenticated both ways by a key per agent, with forward secrecy.
 *
 * Each agent has an id and a 32-byte key, given at enrollment and kept
 * by both ends (like OSSEC's client.keys, minus its weaknesses). The
 * agent offers the key as a TLS 1.3 external PSK under the identity
 * "arx-agent:<id>"; the manager looks the id up in its own table at
 * every handshake, so an agent removed from the table is refused at its
 * next connection. Only the psk_dhe_ke mode is allowed (every session
 * also runs an ECDHE exchange: a stolen key does not open recorded
 * traffic), only TLS 1.3, only AES-256-GCM or ChaCha20-Poly1305, and no
 * certificates are involved. TLS gives integrity, confidentiality and
 * replay protection inside a session; the wire codec's sequence numbers
 * handle messages sent again after a reconnect.
 *
 * This module owns the OpenSSL objects; the caller owns the socket (non-
 * blocking) and the event loop. Every call that can block returns
 * ARX_ERR_AGAIN with *want set to TLS_WANT_READ or TLS_WANT_WRITE.
 */
#ifndef ARX_TRANSPORT_TLS_H
#define ARX_TRANSPORT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_KEY_LEN 32

enum tls_want {
	TLS_WANT_NONE = 0,
	TLS_WANT_READ,
	TLS_WANT_WRITE
};

/* The manager's lookup: 0 and key for a current agent, else nonzero. */
typedef int tls_key_fn(
    uint64_t agent_id, unsigned char key[TLS_KEY_LEN], void *ctx);

struct tls_ctx;
struct tls_conn;

/* A manager's context (keys from lookup) or an agent's (its own id and
 * key). NULL on failure (the reason was logged). */
struct tls_ctx *tls_ctx_manager(tls_key_fn *lookup, void *ctx);
struct tls_ctx *tls_ctx_agent(
    uint64_t agent_id, const unsigned char key[TLS_KEY_LEN]);
void tls_ctx_free(struct tls_ctx *c);

/*
 * The enrollment channel: the same TLS 1.3, under the identity
 * "arx-enroll", with a key derived from the enrollment password or
 * one-time token by tls_enroll_key() (scrypt, N=2^15, r=8, p=1), so both
 * ends prove they know the secret without sending it, and every attempt
 * at guessing it offline from a recorded handshake costs an scrypt.
 */
struct tls_ctx *tls_ctx_enroll(
    bool manager, const unsigned char key[TLS_KEY_LEN]);
/* One-time tokens: the identity "arx-enroll:<token id, 16 hex digits>"
 * with the key derived from the token's secret. On the manager, lookup
 * gives the key of an unused, unexpired token (the password's key, which
 * tls_ctx_enroll() may then be given as NULL, is "arx-enroll"); the
 * connection's tls_conn_agent_id() is then the token's id. */
void tls_ctx_enroll_tokens(struct tls_ctx *c, tls_key_fn *lookup, void *ctx);
struct tls_ctx *tls_ctx_enroll_token(
    uint64_t token_id, const unsigned char key[TLS_KEY_LEN]);
int tls_enroll_key(const char *secret, unsigned char key[TLS_KEY_LEN]);

/*
 * A server with a certificate (the blocklist feed's HTTPS): TLS 1.2 or
 * later, OpenSSL's default suites, no renegotiation, no session tickets
 * and no session cache. cert: a PEM file, the server's certificate then
 * its chain; key: a PEM private key, not encrypted, in a file that only
 * its owner may read (core/secretfile.h), read now, so call this while
 * root. NULL on failure, logged as "WHAT certificate PATH: why" or
 * "WHAT key PATH: why".
 */
#define TLS_KEY_FILE_MAX (64u * 1024)
struct tls_ctx *tls_ctx_server_cert(
    const char *what, const char *cert, const char *key);

/* A connection over fd (connected, non-blocking); fd stays the caller's. */
struct tls_conn *tls_conn_new(struct tls_ctx *c, int fd);
void tls_conn_free(struct tls_conn *t);

/* Run the handshake: 0 when done, ARX_ERR_AGAIN (see *want), or
 * ARX_ERR_INVAL when the peer is refused or speaks something else (why
 * says what). */
int tls_conn_handshake(
    struct tls_conn *t, enum tls_want *want, const char **why);

/* Send our close_notify once, without waiting for the peer's (a
 * connection about to be closed). */
void tls_conn_shutdown(struct tls_conn *t);

/* The agent id the peer proved (manager side), after the handshake. */
uint64_t tls_conn_agent_id(const struct tls_conn *t);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384 X25519" (version, suite, the (EC)DHE
 * group that gives forward secrecy), for logs and tests. */
const char *tls_conn_describe(const struct tls_conn *t, char *out, size_t size);

/*
 * Read up to size bytes: the count (> 0), 0 when the peer closed,
 * ARX_ERR_AGAIN, or ARX_ERR_INVAL on a broken channel.
 */
long tls_conn_read(
    struct tls_conn *t, void *p, size_t size, enum tls_want *want);
/* Write up to len bytes: the count written, ARX_ERR_AGAIN, or
 * ARX_ERR_INVAL. A partial write is repeated with the same bytes. */
long tls_conn_write(
    struct tls_conn *t, const void *p, size_t len, enum tls_want *want);

/* Fill key with TLS_KEY_LEN random bytes (enrollment). 0 or ARX_ERR_SYS. */
int tls_key_new(unsigned char key[TLS_KEY_LEN]);

/* SHA-256 of p[0..len) in lower-case hex (agent.conf versions). */
#define TLS_DIGEST_HEX 65
void tls_digest_hex(const void *p, size_t len, char out[TLS_DIGEST_HEX]);

#endif
