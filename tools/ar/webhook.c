/*
 * webhook: a response program that POSTs the alert as JSON to a URL,
 * for chat and case-management tools. Usable by arx, OSSEC and Wazuh
 * (both protocols; the legacy one carries only the address, user, rule
 * and alert ids). Options, in the command's extra_args:
 *
 *   --url URL             where to POST (http or https); required
 *   --template NAME       json (default), slack, telegram, thehive
 *   --chat-id ID          Telegram's chat_id
 *   --header-file FILE    extra request headers, one per line (keeps
 *                         tokens out of the configuration)
 *   --http-timeout S      give up after S seconds (default 10)
 *   --notify-delete       also POST when the response is undone
 *
 * Redirects are not followed, only http and https are allowed, and TLS
 * certificates are verified. Exit status: 0 posted (or nothing to do),
 * 64 bad request or options, 69 the POST failed or was refused (the
 * status code goes to stderr, which arx logs).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ar/prog.h"
#include "core/buf.h"
#include "core/jsonin.h"
#include "core/strparse.h"
#include "engine/json.h"

#define NAME "webhook"

/* What a message says, from whichever protocol brought it. */
struct alert_view {
	const char *command, *srcip, *user, *rule_id, *alert_id;
	char level[8], description[512], agent[128], location[512],
	    full_log[2048], timestamp[64];
};

static void
view_fill(struct alert_view *v, const struct ar_prog_request *rq,
    const struct json_doc *msg)
{
	memset(v, 0, sizeof(*v));
	v->command = rq->command;
	v->srcip = rq->addr_text;
	v->user = strcmp(rq->user, "-") == 0 ? "" : rq->user;
	v->rule_id = rq->rule_id;
	v->alert_id = rq->alert_id;
	ar_prog_field(
	    msg, "parameters.alert.rule.level", v->level, sizeof(v->level));
	ar_prog_field(msg, "parameters.alert.rule.description", v->description,
	    sizeof(v->description));
	ar_prog_field(
	    msg, "parameters.alert.agent.name", v->agent, sizeof(v->agent));
	ar_prog_field(
	    msg, "parameters.alert.location", v->location, sizeof(v->location));
	ar_prog_field(
	    msg, "parameters.alert.full_log", v->full_log, sizeof(v->full_log));
	ar_prog_field(msg, "parameters.alert.timestamp", v->timestamp,
	    sizeof(v->timestamp));
}

/* One line for people: what fired, from where, against whom. */
static int
summary(struct buf *b, const struct alert_view *v)
{
	int r = buf_printf(b, "arx%s%s: rule %s", v->agent[0] ? " on " : "",
	    v->agent, v->rule_id[0] ? v->rule_id : "?");

	if (r == 0 && v->level[0])
		r = buf_printf(b, " (level %s)", v->level);
	if (r == 0 && v->description[0])
		r = buf_printf(b, ": %s", v->description);
	if (r == 0 && v->srcip[0])
		r = buf_printf(b, "; source %s", v->srcip);
	if (r == 0 && v->user[0])
		r = buf_printf(b, "; user %s", v->user);
	if (r == 0 && strcmp(v->command, "delete") == 0)
		r = buf_puts(b, " (response undone)");
	return r;
}

static int
put_str(struct buf *b, const char *s)
{
	return json_put_string(b, s, strlen(s));
}

/* "name":"value" with a leading comma unless first. */
static int
member(struct buf *b, const char *name, const char *value, bool first)
{
	int r = buf_printf(b, "%s\"%s\":", first ? "" : ",", name);

	return r != 0 ? r : put_str(b, value);
}

struct opts {
	char url[2048], template[16], chat_id[64], header_file[1024];
	long timeout_s;
	bool notify_delete;
};

typedef int template_fn(
    struct buf *b, const struct alert_view *v, const struct opts *o);

/* Everything known, for a receiver of one's own. */
static int
tpl_json(struct buf *b, const struct alert_view *v, const struct opts *o)
{
	int r;

	(void)o;
	if ((r = buf_putc(b, '{')) != 0 ||
	    (r = member(b, "command", v->command, true)) != 0 ||
	    (r = member(b, "srcip", v->srcip, false)) != 0 ||
	    (r = member(b, "user", v->user, false)) != 0 ||
	    (r = member(b, "rule_id", v->rule_id, false)) != 0 ||
	    (r = member(b, "rule_level", v->level, false)) != 0 ||
	    (r = member(b, "description", v->description, false)) != 0 ||
	    (r = member(b, "alert_id", v->alert_id, false)) != 0 ||
	    (r = member(b, "agent", v->agent, false)) != 0 ||
	    (r = member(b, "location", v->location, false)) != 0 ||
	    (r = member(b, "timestamp", v->timestamp, false)) != 0 ||
	    (r = member(b, "full_log", v->full_log, false)) != 0)
		return r;
	return buf_putc(b, '}');
}

/* Slack incoming webhook: {"text": ...}. */
static int
tpl_slack(struct buf *b, const struct alert_view *v, const struct opts *o)
{
	struct buf t;
	int r;

	(void)o;
	buf_init(&t, 1 << 16);
	if ((r = summary(&t, v)) == 0 && v->full_log[0])
		r = buf_printf(&t, "\n```%s```", v->full_log);
	if (r == 0 && (r = buf_puts(b, "{")) == 0 &&
	    (r = member(b, "text", buf_cstr(&t), true)) == 0)
		r = buf_putc(b, '}');
	buf_release(&t);
	return r;
}

/* Telegram Bot API sendMessage: {"chat_id": ..., "text": ...}. */
static int
tpl_telegram(struct buf *b, const struct alert_view *v, const struct opts *o)
{
	struct buf t;
	int r;

	if (o->chat_id[0] == '\0') {
		fprintf(
		    stderr, NAME ": the telegram template needs --chat-id\n");
		return -1;
	}
	buf_init(&t, 1 << 16);
	if ((r = summary(&t, v)) == 0 && v->full_log[0])
		r = buf_printf(&t, "\n%s", v->full_log);
	if (r == 0 && (r = buf_putc(b, '{')) == 0 &&
	    (r = member(b, "chat_id", o->chat_id, true)) == 0 &&
	    (r = member(b, "text", buf_cstr(&t), false)) == 0)
		r = buf_putc(b, '}');
	buf_release(&t);
	return r;
}

/* TheHive 5 alert (POST /api/v1/alert), the source address as an
 * observable; severity from the rule level. */
static int
tpl_thehive(struct buf *b, const struct alert_view *v, const struct opts *o)
{
	unsigned long level = strtoul(v->level, NULL, 10);
	int sev = level >= 13 ? 4 : level >= 10 ? 3 : level >= 7 ? 2 : 1;
	struct buf t;
	int r;

	(void)o;
	buf_init(&t, 1 << 16);
	r = summary(&t, v);
	if (r == 0 && (r = buf_putc(b, '{')) == 0 &&
	    (r = member(b, "type", "arx", true)) == 0 &&
	    (r = member(b, "source", v->agent[0] ? v->agent : "arx", false)) ==
		0 &&
	    (r = member(b, "sourceRef",
		 v->alert_id[0] ? v->alert_id : v->rule_id, false)) == 0 &&
	    (r = member(b, "title",
		 v->description[0] ? v->description : buf_cstr(&t), false)) ==
		0 &&
	    (r = member(b, "description", buf_cstr(&t), false)) == 0 &&
	    (r = buf_printf(b, ",\"severity\":%d,\"tags\":[\"arx\",", sev)) ==
		0 &&
	    (buf_truncate(&t, 0),
		(r = buf_printf(&t, "rule:%s", v->rule_id))) == 0 &&
	    (r = put_str(b, buf_cstr(&t))) == 0)
		r = buf_putc(b, ']');
	if (r == 0 && v->srcip[0])
		r = buf_printf(b,
		    ",\"observables\":[{\"dataType\":\"ip\",\"data\":\"%s\"}]",
		    v->srcip);
	if (r == 0)
		r = buf_putc(b, '}');
	buf_release(&t);
	return r;
}

static const struct {
	const char *name;
	template_fn *fn;
} templates[] = {
    {"json", tpl_json},
    {"slack", tpl_slack},
    {"telegram", tpl_telegram},
    {"thehive", tpl_thehive},
};

static int
opts_read(const struct ar_prog_request *rq, struct opts *o)
{
	char num[24];
	uint64_t v;

	memset(o, 0, sizeof(*o));
	o->timeout_s = 10;
	snprintf(o->template, sizeof(o->template), "json");
	(void)ar_prog_option(rq, "template", o->template, sizeof(o->template));
	(void)ar_prog_option(rq, "chat-id", o->chat_id, sizeof(o->chat_id));
	(void)ar_prog_option(
	    rq, "header-file", o->header_file, sizeof(o->header_file));
	o->notify_delete = strstr(rq->extra, "--notify-delete") != NULL;
	if (ar_prog_option(rq, "http-timeout", num, sizeof(num))) {
		if (str_to_uint(num, 1, 300, &v) != 0) {
			fprintf(
			    stderr, NAME ": --http-timeout must be 1-300\n");
			return EX_USAGE;
		}
		o->timeout_s = (long)v;
	}
	if (!ar_prog_option(rq, "url", o->url, sizeof(o->url)) ||
	    (strncmp(o->url, "https://", 8) != 0 &&
		strncmp(o->url, "http://", 7) != 0)) {
		fprintf(
		    stderr, NAME ": --url must give an http or https URL\n");
		return EX_USAGE;
	}
	return EX_OK;
}

/* Headers from the header file, one per line; comments with '#'. */
static int
headers_read(const char *path, struct curl_slist **list)
{
	char line[4096];
	struct curl_slist *n;
	FILE *f;

	if (path[0] == '\0')
		return EX_OK;
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, NAME ": cannot read %s\n", path);
		return EX_NOINPUT;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (strchr(line, ':') == NULL ||
		    (n = curl_slist_append(*list, line)) == NULL) {
			fprintf(stderr, NAME ": %s: not a header line\n", path);
			fclose(f);
			return EX_DATAERR;
		}
		*list = n;
	}
	fclose(f);
	return EX_OK;
}

static size_t
discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p, (void)ctx;
	return size * n;
}

static int
post(const struct opts *o, const struct buf *body)
{
	struct curl_slist *h = curl_slist_append(NULL,
	    "Content-Type: "
	    "application/json");
	long status = 0;
	CURLcode c = CURLE_FAILED_INIT;
	CURL *curl;
	int rc;

	if ((rc = headers_read(o->header_file, &h)) != EX_OK ||
	    (curl = curl_easy_init()) == NULL) {
		curl_slist_free_all(h);
		return rc != EX_OK ? rc : EX_OSERR;
	}
	if (curl_easy_setopt(curl, CURLOPT_URL, o->url) == CURLE_OK &&
	    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") ==
		CURLE_OK &&
	    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h) == CURLE_OK &&
	    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data) ==
		CURLE_OK &&
	    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body->len) ==
		CURLE_OK &&
	    curl_easy_setopt(curl, CURLOPT_TIMEOUT, o->timeout_s) == CURLE_OK &&
	    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard) == CURLE_OK)
		c = curl_easy_perform(curl);
	if (c == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(h);
	if (c != CURLE_OK) {
		fprintf(
		    stderr, NAME ": POST failed: %s\n", curl_easy_strerror(c));
		return EX_UNAVAILABLE;
	}
	if (status < 200 || status > 299) {
		fprintf(stderr, NAME ": POST refused with HTTP status %ld\n",
		    status);
		return EX_UNAVAILABLE;
	}
	return EX_OK;
}

static int
run(const struct ar_prog_request *rq, const struct json_doc *msg)
{
	struct alert_view v;
	struct opts o;
	struct buf body;
	size_t i;
	int rc;

	if ((rc = opts_read(rq, &o)) != EX_OK)
		return rc;
	if (strcmp(rq->command, "abort") == 0 ||
	    (strcmp(rq->command, "delete") == 0 && !o.notify_delete))
		return EX_OK;
	for (i = 0; i < sizeof(templates) / sizeof(templates[0]); i++)
		if (strcmp(templates[i].name, o.template) == 0)
			break;
	if (i == sizeof(templates) / sizeof(templates[0])) {
		fprintf(stderr,
		    NAME ": unknown template '%s' (json, slack, telegram, "
			 "thehive)\n",
		    o.template);
		return EX_USAGE;
	}
	view_fill(&v, rq, msg);
	buf_init(&body, 1 << 20);
	rc = templates[i].fn(&body, &v, &o) != 0 ? EX_USAGE : post(&o, &body);
	buf_release(&body);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ar_prog_request rq;
	struct json_doc msg;
	int rc = EX_USAGE;

	if (ar_prog_help(argc, argv, NAME,
		"  --url URL           where to POST (http or https); "
		"required\n"
		"  --template NAME     json (default), slack, telegram, "
		"thehive\n"
		"  --chat-id ID        Telegram's chat_id\n"
		"  --header-file FILE  extra request headers, one per line\n"
		"  --http-timeout S    give up after S seconds (default 10)\n"
		"  --notify-delete     also POST when the response is undone\n"))
		return 0;
	json_doc_init(&msg);
	if (ar_prog_read_alert(argc, argv, NAME, &rq, &msg) == 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = run(&rq, &msg);
		curl_global_cleanup();
	}
	json_doc_release(&msg);
	return rc;
}
