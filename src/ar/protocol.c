/*
 * Response-program protocols (see protocol.h): building the JSON message
 * and the legacy argv from a checked request, and reading check_keys.
 */
#include <stdio.h>
#include <string.h>

#include "ar/protocol.h"
#include "core/addr.h"
#include "core/err.h"
#include "core/jsonin.h"
#include "core/jsonout.h"
#include "core/strparse.h"

bool
ar_user_ok(const char *user)
{
	size_t n = strlen(user);

	return n > 0 && n <= 256 && strcmp(user, "root") != 0 &&
	    strchr("-+~", user[0]) == NULL && strstr(user, "..") == NULL &&
	    strpbrk(user, ":, \t\r\n/\\") == NULL;
}

bool
ar_user_safe(const char *user)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789._@?-";
	size_t n = strlen(user);

	return n <= 256 && strspn(user, ok) == n && user[0] != '-';
}

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int
ar_request_check(const struct ar_request *req, char *addr_out, const char **why)
{
	struct arx_addr a;
	bool has = req->addr != NULL || req->srcip != NULL;

	*why = NULL;
	addr_out[0] = '\0';
	if (req->addr != NULL)
		a = *req->addr; /* parsed at the boundary */
	if (strcmp(req->command, "add") != 0 &&
	    strcmp(req->command, "delete") != 0)
		*why = "command is neither add nor delete";
	else if (req->addr == NULL && req->srcip != NULL &&
	    addr_parse_net_str(req->srcip, &a) != 0)
		*why = "srcip is not an address";
	else if (req->user != NULL && !ar_user_safe(req->user))
		*why = "user name refused";
	else if (req->extra_args != NULL && !printable(req->extra_args))
		*why = "control character in extra_args";
	else if (req->location != NULL && !printable(req->location))
		*why = "control character in location";
	if (*why != NULL)
		return ARX_ERR_INVAL;
	if (has)
		addr_format(&a, addr_out, 64);
	return 0;
}

static int
put_extra_args(struct buf *out, const char *extra)
{
	struct span w;
	const char *p = extra;
	bool first = true;
	int r = buf_putc(out, '[');

	while (r == 0 && p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		w.p = p;
		while (*p != '\0' && *p != ' ')
			p++;
		w.len = (size_t)(p - w.p);
		if (w.len == 0)
			break;
		if (!first)
			r = buf_putc(out, ',');
		if (r == 0)
			r = json_put_string(out, w.p, w.len);
		first = false;
	}
	return r != 0 ? r : buf_putc(out, ']');
}

static int
put_member(struct buf *out, const char *name, const char *value, bool *first)
{
	int r;

	if (value == NULL)
		return 0;
	if ((r = buf_printf(out, "%s\"%s\":", *first ? "" : ",", name)) != 0)
		return r;
	*first = false;
	return json_put_string(out, value, strlen(value));
}

/*
 * The alert object when the request carries none (a manual block, a
 * lift by the timer): what the stock programs read, in Wazuh's places.
 */
static int
put_min_alert(struct buf *out, const struct ar_request *req)
{
	char id[16];
	bool first = true;
	int r;

	snprintf(id, sizeof(id), "%u", req->rule_id);
	if ((r = buf_puts(out, "{\"rule\":{")) != 0 ||
	    (req->rule_id && (r = put_member(out, "id", id, &first)) != 0) ||
	    (r = buf_puts(out, "},\"data\":{")) != 0)
		return r;
	first = true;
	if ((r = put_member(out, "srcip", req->srcip, &first)) != 0 ||
	    (r = put_member(out, "dstuser", req->user, &first)) != 0 ||
	    (r = buf_putc(out, '}')) != 0)
		return r;
	first = false;
	if ((r = put_member(out, "id", req->alert_id, &first)) != 0 ||
	    (r = put_member(out, "location", req->location, &first)) != 0)
		return r;
	return buf_putc(out, '}');
}

int
ar_msg_json(struct buf *out, const struct ar_request *req, const char *command)
{
	const char *origin = req->origin != NULL ? req->origin : "undefined";
	int r;

	if ((r = buf_puts(out, "{\"version\":1,\"origin\":{\"name\":")) != 0 ||
	    (r = json_put_string(out, origin, strlen(origin))) != 0 ||
	    (r = buf_puts(out, ",\"module\":\"arx\"},\"command\":")) != 0 ||
	    (r = json_put_string(out, command, strlen(command))) != 0 ||
	    (r = buf_puts(out, ",\"parameters\":{\"extra_args\":")) != 0 ||
	    (r = put_extra_args(out, req->extra_args)) != 0 ||
	    (req->arx_timeout_s > 0 && strcmp(command, "add") == 0 &&
		(r = buf_printf(out, ",\"arx_timeout\":%llu",
		     (unsigned long long)req->arx_timeout_s)) != 0) ||
	    (r = buf_puts(out, ",\"alert\":")) != 0 ||
	    (r = req->alert_json != NULL ? buf_puts(out, req->alert_json)
					 : put_min_alert(out, req)) != 0 ||
	    (r = buf_puts(out, ",\"program\":")) != 0 ||
	    (r = json_put_string(out, req->program, strlen(req->program))) != 0)
		return r;
	return buf_puts(out, "}}\n");
}

/* Append s and its NUL to store; remember its offset. */
static int
argv_push(struct buf *store, size_t *off, size_t *n, const char *s, size_t len)
{
	int r;

	if (*n == AR_ARGV_MAX - 1)
		return ARX_ERR_TOOBIG;
	off[(*n)++] = store->len;
	if ((r = buf_append(store, s, len)) != 0)
		return r;
	return buf_putc(store, '\0');
}

/* Push each space-separated word of s. */
static int
argv_words(struct buf *store, size_t *off, size_t *n, const char *s)
{
	const char *w;
	int r = 0;

	while (r == 0 && *s != '\0') {
		while (*s == ' ')
			s++;
		for (w = s; *s != '\0' && *s != ' '; s++)
			;
		if (s > w)
			r = argv_push(store, off, n, w, (size_t)(s - w));
	}
	return r;
}

int
ar_argv_legacy(const struct ar_request *req, const char *path,
    struct buf *store, char **argv)
{
	char rid[16], addr[64];
	const char *fixed[6], *why;
	size_t off[AR_ARGV_MAX], n = 0, i;
	int r;

	if ((r = ar_request_check(req, addr, &why)) != 0)
		return r;
	snprintf(rid, sizeof(rid), "%u", req->rule_id);
	fixed[0] = path;
	fixed[1] = req->command;
	fixed[2] = req->user != NULL ? req->user : "-";
	fixed[3] = addr[0] != '\0' ? addr : "-";
	fixed[4] = req->alert_id != NULL ? req->alert_id : "-";
	fixed[5] = rid;
	for (i = 0; i < 6 && r == 0; i++)
		r = argv_push(store, off, &n, fixed[i], strlen(fixed[i]));
	if (r == 0)
		r = argv_words(store, off, &n,
		    req->location != NULL ? req->location : "-");
	if (r == 0)
		r = argv_push(store, off, &n, "-", 1); /* filename */
	if (r == 0 && req->extra_args != NULL)
		r = argv_words(store, off, &n, req->extra_args);
	if (r != 0)
		return r;
	for (i = 0; i < n; i++)
		argv[i] = store->data + off[i];
	argv[n] = NULL;
	return 0;
}

int
ar_parse_check_keys(
    const char *line, size_t len, char *keys_out, size_t keys_size)
{
	struct json_doc msg;
	const char *cmd, *keys;
	size_t i, n;
	int r = ARX_ERR_INVAL;

	json_doc_init(&msg);
	if (json_doc_parse(&msg, line, len) != 0)
		goto out;
	cmd = json_doc_get(&msg, "command");
	keys = json_doc_get(&msg, "parameters.keys");
	if (cmd == NULL || strcmp(cmd, "check_keys") != 0 || keys == NULL ||
	    (n = strlen(keys)) >= keys_size)
		goto out;
	for (i = 0; i < n; i++)
		keys_out[i] = keys[i] == ',' ? '-' : keys[i];
	keys_out[n] = '\0';
	r = 0;
out:
	json_doc_release(&msg);
	return r;
}
