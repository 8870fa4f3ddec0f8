/*
 * Implementation of tls.h with OpenSSL 3. Both ends are restricted to
 * TLS 1.3 and TLS_AES_256_GCM_SHA384 (the PSK's hash must be the
 * suite's), session tickets are off (no other PSK than the agent's key
 * ever exists), and OpenSSL's default of psk_dhe_ke only is kept (no
 * SSL_OP_ALLOW_NO_DHE_KEX). The manager has no certificate: a handshake
 * without a known agent's key cannot complete. The certificate server
 * (the feed) takes TLS 1.2 and later with OpenSSL's default suites; no
 * context renegotiates, issues tickets or caches sessions.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "core/err.h"
#include "core/log.h"
#include "core/secretfile.h"
#include "core/strparse.h"
#include "transport/tls.h"

#define SUITE        "TLS_AES_256_GCM_SHA384"
#define ID_PREFIX    "arx-agent:"
#define ID_ENROLL    "arx-enroll"
#define IDENTITY_MAX 40

static const unsigned char suite_id[2] = {0x13, 0x02};

struct tls_ctx {
	SSL_CTX *ssl;
	tls_key_fn *lookup; /* manager */
	void *lookup_ctx;
	bool server;          /* accepts (manager, enrollment, certificate) */
	bool enroll_server;   /* manager's enrollment side: key below */
	bool enroll_password; /* it has a password's key */
	uint64_t agent_id;    /* agent */
	unsigned char key[TLS_KEY_LEN];
	char identity[IDENTITY_MAX];
};

struct tls_conn {
	SSL *ssl;
	struct tls_ctx *c;
	uint64_t agent_id; /* proved by the peer (manager side) */
};

/* A session holding key as the external PSK for our one suite. */
static SSL_SESSION *
psk_session(SSL *ssl, const unsigned char *key)
{
	const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, suite_id);
	SSL_SESSION *s = SSL_SESSION_new();

	if (s == NULL || cipher == NULL ||
	    !SSL_SESSION_set1_master_key(s, key, TLS_KEY_LEN) ||
	    !SSL_SESSION_set_cipher(s, cipher) ||
	    !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
		SSL_SESSION_free(s);
		return NULL;
	}
	return s;
}

/* Agent side: offer our key under our identity. */
static int
use_session(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *idlen,
    SSL_SESSION **sess)
{
	struct tls_ctx *c = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	SSL_SESSION *s = psk_session(ssl, c->key);

	*sess = NULL;
	if (s == NULL)
		return 0;
	if (md != NULL &&
	    md != SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(s))) {
		SSL_SESSION_free(s);
		return 1; /* not usable with this hash: offer nothing */
	}
	*sess = s;
	*id = (const unsigned char *)c->identity;
	*idlen = strlen(c->identity);
	return 1;
}

/* "arx-agent:<id>" into id; false for anything else. */
static bool
identity_parse(const unsigned char *p, size_t len, uint64_t *id)
{
	char text[IDENTITY_MAX];
	size_t plen = strlen(ID_PREFIX);
	uint64_t v;

	if (len <= plen || len >= sizeof(text) ||
	    memcmp(p, ID_PREFIX, plen) != 0)
		return false;
	memcpy(text, p + plen, len - plen);
	text[len - plen] = '\0';
	if (str_to_uint(text, 1, UINT32_MAX, &v) != 0)
		return false;
	*id = v;
	return true;
}

/* Enrollment, manager side: "arx-enroll" is the password,
 * "arx-enroll:<16 hex digits>" a one-time token the lookup knows. */
static int
enroll_session(struct tls_ctx *c, struct tls_conn *t,
    const unsigned char *identity, size_t len, SSL_SESSION **sess)
{
	size_t plen = strlen(ID_ENROLL);
	unsigned char key[TLS_KEY_LEN];
	char hex[17];
	uint64_t id = 0;

	if (len == plen && memcmp(identity, ID_ENROLL, len) == 0) {
		if (c->enroll_password)
			*sess = psk_session(t->ssl, c->key);
		return *sess != NULL || !c->enroll_password;
	}
	if (len != plen + 17 ||
	    memcmp(identity, ID_ENROLL ":", plen + 1) != 0 || c->lookup == NULL)
		return 1;
	memcpy(hex, identity + plen + 1, 16);
	hex[16] = '\0';
	if (strspn(hex, "0123456789abcdef") != 16 ||
	    str_to_hex(hex, &id) != 0 || c->lookup(id, key, c->lookup_ctx) != 0)
		return 1; /* unknown or used: no handshake */
	*sess = psk_session(t->ssl, key);
	OPENSSL_cleanse(key, sizeof(key));
	t->agent_id = id; /* the token's id */
	return *sess != NULL;
}

/* Manager side: the key of the agent the identity names, if current. */
static int
find_session(
    SSL *ssl, const unsigned char *identity, size_t len, SSL_SESSION **sess)
{
	struct tls_ctx *c = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	struct tls_conn *t = SSL_get_app_data(ssl);
	unsigned char key[TLS_KEY_LEN];
	uint64_t id;

	*sess = NULL;
	if (c->enroll_server)
		return enroll_session(c, t, identity, len, sess);
	if (!identity_parse(identity, len, &id) ||
	    c->lookup(id, key, c->lookup_ctx) != 0)
		return 1; /* unknown: no PSK, and so no handshake */
	*sess = psk_session(ssl, key);
	OPENSSL_cleanse(key, sizeof(key));
	if (*sess == NULL)
		return 0;
	t->agent_id = id;
	return 1;
}

/* What every context shares: no session tickets (the agents' key is
 * their only PSK; the feed's clients are few and fetch once a minute),
 * buffers only while data is in flight. */
static struct tls_ctx *
ctx_new(const SSL_METHOD *method, bool psk)
{
	struct tls_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->ssl = SSL_CTX_new(method)) == NULL)
		goto fail;
	if (psk &&
	    (!SSL_CTX_set_min_proto_version(c->ssl, TLS1_3_VERSION) ||
		!SSL_CTX_set_max_proto_version(c->ssl, TLS1_3_VERSION) ||
		!SSL_CTX_set_ciphersuites(c->ssl, SUITE)))
		goto fail;
	if (!psk && !SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION))
		goto fail;
	if (!SSL_CTX_set_num_tickets(c->ssl, 0))
		goto fail;
	SSL_CTX_set_options(c->ssl, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	(void)SSL_CTX_set_session_cache_mode(c->ssl, SSL_SESS_CACHE_OFF);
	/* buffers only while data is in flight: an idle connection (an
	 * agent between keepalives, a peer that never sends) holds none */
	SSL_CTX_set_mode(c->ssl,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_app_data(c->ssl, c);
	c->server = method == TLS_server_method();
	return c;
fail:
	log_error(
	    "cannot set up TLS: %s", ERR_reason_error_string(ERR_get_error()));
	tls_ctx_free(c);
	return NULL;
}

struct tls_ctx *
tls_ctx_manager(tls_key_fn *lookup, void *ctx)
{
	struct tls_ctx *c = ctx_new(TLS_server_method(), true);

	if (c == NULL)
		return NULL;
	c->lookup = lookup;
	c->lookup_ctx = ctx;
	SSL_CTX_set_psk_find_session_callback(c->ssl, find_session);
	return c;
}

struct tls_ctx *
tls_ctx_agent(uint64_t agent_id, const unsigned char key[TLS_KEY_LEN])
{
	struct tls_ctx *c = ctx_new(TLS_client_method(), true);

	if (c == NULL)
		return NULL;
	c->agent_id = agent_id;
	memcpy(c->key, key, TLS_KEY_LEN);
	snprintf(
	    c->identity, sizeof(c->identity), ID_PREFIX "%" PRIu64, agent_id);
	SSL_CTX_set_psk_use_session_callback(c->ssl, use_session);
	return c;
}

struct tls_ctx *
tls_ctx_enroll(bool manager, const unsigned char key[TLS_KEY_LEN])
{
	struct tls_ctx *c =
	    ctx_new(manager ? TLS_server_method() : TLS_client_method(), true);

	if (c == NULL)
		return NULL;
	if (key != NULL) {
		memcpy(c->key, key, TLS_KEY_LEN);
		c->enroll_password = true;
	}
	snprintf(c->identity, sizeof(c->identity), ID_ENROLL);
	if (manager) {
		c->enroll_server = true;
		SSL_CTX_set_psk_find_session_callback(c->ssl, find_session);
	} else {
		SSL_CTX_set_psk_use_session_callback(c->ssl, use_session);
	}
	return c;
}

/* No passphrase is ever given: an encrypted key is refused, never asked
 * for on a terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return 0;
}

/* The private key of PEM text p[0..len) into c. 0 or why not. */
static const char *
cert_key_use(struct tls_ctx *c, const char *p, size_t len)
{
	BIO *bio = BIO_new_mem_buf(p, (int)len);
	EVP_PKEY *pk = bio != NULL
	    ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
	    : NULL;
	const char *why = NULL;

	if (pk == NULL)
		why = "not a PEM private key (or an encrypted one)";
	else if (SSL_CTX_use_PrivateKey(c->ssl, pk) != 1 ||
	    SSL_CTX_check_private_key(c->ssl) != 1)
		why = "does not match the certificate";
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return why;
}

struct tls_ctx *
tls_ctx_server_cert(const char *what, const char *cert, const char *key)
{
	struct tls_ctx *c = ctx_new(TLS_server_method(), false);
	char *pem = malloc(TLS_KEY_FILE_MAX);
	const char *why = NULL;
	size_t len = 0;

	if (c == NULL || pem == NULL)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(c->ssl, cert) != 1) {
		log_error("%s certificate %s: %s", what, cert,
		    ERR_reason_error_string(ERR_get_error()));
		goto fail;
	}
	if (secretfile_load(key, what, pem, TLS_KEY_FILE_MAX, &len) != 0)
		goto fail;
	if ((why = cert_key_use(c, pem, len)) != NULL) {
		log_error("%s key %s: %s", what, key, why);
		goto fail;
	}
	OPENSSL_clear_free(pem, TLS_KEY_FILE_MAX);
	ERR_clear_error();
	return c;
fail:
	if (pem != NULL)
		OPENSSL_clear_free(pem, TLS_KEY_FILE_MAX);
	ERR_clear_error();
	tls_ctx_free(c);
	return NULL;
}

void
tls_ctx_enroll_tokens(struct tls_ctx *c, tls_key_fn *lookup, void *ctx)
{
	c->lookup = lookup;
	c->lookup_ctx = ctx;
}

struct tls_ctx *
tls_ctx_enroll_token(uint64_t token_id, const unsigned char key[TLS_KEY_LEN])
{
	struct tls_ctx *c = tls_ctx_enroll(false, key);

	if (c != NULL)
		snprintf(c->identity, sizeof(c->identity),
		    ID_ENROLL ":%016" PRIx64, token_id);
	return c;
}

int
tls_enroll_key(const char *secret, unsigned char key[TLS_KEY_LEN])
{
	static const char salt[] = "arx-enroll-v1";

	return EVP_PBE_scrypt(secret, strlen(secret),
		   (const unsigned char *)salt, sizeof(salt) - 1, 32768, 8, 1,
		   64u * 1024 * 1024, key, TLS_KEY_LEN) == 1
	    ? 0
	    : ARX_ERR_SYS;
}

void
tls_ctx_free(struct tls_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ssl);
	OPENSSL_cleanse(c->key, sizeof(c->key));
	free(c);
}

struct tls_conn *
tls_conn_new(struct tls_ctx *c, int fd)
{
	struct tls_conn *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->ssl = SSL_new(c->ssl)) == NULL ||
	    !SSL_set_fd(t->ssl, fd)) {
		tls_conn_free(t);
		return NULL;
	}
	t->c = c;
	SSL_set_app_data(t->ssl, t);
	if (c->server)
		SSL_set_accept_state(t->ssl);
	else
		SSL_set_connect_state(t->ssl);
	return t;
}

void
tls_conn_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	free(t);
}

/* What an OpenSSL call's result means for us. */
static int
outcome(struct tls_conn *t, int ret, enum tls_want *want, const char **why)
{
	int e = SSL_get_error(t->ssl, ret);
	unsigned long err;

	*want = TLS_WANT_NONE;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want =
		    e == SSL_ERROR_WANT_READ ? TLS_WANT_READ : TLS_WANT_WRITE;
		return ARX_ERR_AGAIN;
	}
	err = ERR_peek_last_error();
	if (why != NULL)
		*why = err != 0              ? ERR_reason_error_string(err)
		    : e == SSL_ERROR_SYSCALL ? "connection lost"
					     : "TLS error";
	ERR_clear_error();
	return ARX_ERR_INVAL;
}

int
tls_conn_handshake(struct tls_conn *t, enum tls_want *want, const char **why)
{
	int r = SSL_do_handshake(t->ssl);

	*why = NULL;
	if (r == 1) {
		*want = TLS_WANT_NONE;
		if (t->c->lookup != NULL && !t->c->enroll_server &&
		    t->agent_id == 0) {
			*why = "no agent key was used";
			return ARX_ERR_INVAL;
		}
		return 0;
	}
	return outcome(t, r, want, why);
}

void
tls_conn_shutdown(struct tls_conn *t)
{
	(void)SSL_shutdown(t->ssl);
	ERR_clear_error();
}

uint64_t
tls_conn_agent_id(const struct tls_conn *t)
{
	return t->c->lookup != NULL ? t->agent_id : t->c->agent_id;
}

const char *
tls_conn_describe(const struct tls_conn *t, char *out, size_t size)
{
	int group = SSL_get_negotiated_group(t->ssl);

	snprintf(out, size, "%s %s %s", SSL_get_version(t->ssl),
	    SSL_CIPHER_get_name(SSL_get_current_cipher(t->ssl)),
	    group != 0 ? OBJ_nid2sn(group) : "no-(EC)DHE");
	return out;
}

long
tls_conn_read(struct tls_conn *t, void *p, size_t size, enum tls_want *want)
{
	size_t n = 0;
	int r = SSL_read_ex(t->ssl, p, size, &n);

	if (r == 1)
		return (long)n;
	if (SSL_get_error(t->ssl, r) == SSL_ERROR_ZERO_RETURN)
		return 0;
	return outcome(t, r, want, NULL);
}

long
tls_conn_write(
    struct tls_conn *t, const void *p, size_t len, enum tls_want *want)
{
	size_t n = 0;
	int r = SSL_write_ex(t->ssl, p, len, &n);

	if (r == 1)
		return (long)n;
	return outcome(t, r, want, NULL);
}

int
tls_key_new(unsigned char key[TLS_KEY_LEN])
{
	return RAND_bytes(key, TLS_KEY_LEN) == 1 ? 0 : ARX_ERR_SYS;
}

void
tls_digest_hex(const void *p, size_t len, char out[TLS_DIGEST_HEX])
{
	unsigned char md[32];
	unsigned int n = 0;

	out[0] = '\0';
	if (EVP_Digest(p, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return;
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}
