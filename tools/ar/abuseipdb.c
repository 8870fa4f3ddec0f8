/*
 * abuseipdb: a response program for AbuseIPDB's API v2, usable by arx,
 * OSSEC and Wazuh (both protocols). The first word of the command's
 * extra_args is the mode:
 *
 *   report   on an add, POST /api/v2/report: the address, categories
 *            taken from the rule's groups (the table below), a comment
 *            with the rule's id and description (the log line only with
 *            --comment-log);
 *   check    on an add, GET /api/v2/check: the address's
 *            abuseConfidenceScore, from a cache of scores when a recent
 *            one is there. As arxd's <precheck> of a blocking command,
 *            its exit status decides the block: 0 (score at least
 *            --min-score) lets it go on, 3 (below) declines it, 4
 *            (at least --raise-score) makes it longer.
 *
 * Options (in extra_args, after the mode):
 *   --key-file FILE     the API key, first line of a file only its owner
 *                       reads (never on the command line); required
 *   --api-url URL       the API's base (default
 *                       https://api.abuseipdb.com/api/v2)
 *   --http-timeout S    give up after S seconds (default 10)
 *   --categories LIST   report these categories instead (e.g. 18,22)
 *   --comment-log       report: put the log line in the comment too
 *   --min-score N       check: the score from which to block (50)
 *   --raise-score N     check: the score from which to block longer
 *                       (101: never)
 *   --max-age DAYS      check: reports of the last DAYS days (30)
 *   --state-dir DIR     check: where the cache lives
 *                       (default /var/lib/arx/abuseipdb)
 *   --cache-ttl S       check: a score is used for S seconds (21600)
 *   --cache-max N       check: scores kept at most (10000)
 *
 * Exit status: 0 done (or nothing to do: a delete, a network); 3 check:
 * the score is below --min-score; 4 check: it is at least --raise-score;
 * 64 bad request or options; 69 the API
 * failed or refused (arxd then lets the block go on).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ar/prog.h"
#include "ar/runner.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/jsonin.h"
#include "core/secretfile.h"
#include "core/statefile.h"
#include "core/strparse.h"

#define NAME       "abuseipdb"
#define API_URL    "https://api.abuseipdb.com/api/v2"
#define STATE_DIR  "/var/lib/arx/abuseipdb"
#define CACHE_FILE "abuseipdb.cache"
#define ANSWER_MAX (256u * 1024u)
#define EX_DECLINE AR_PRECHECK_DECLINE

struct opts {
	char mode[16], key_file[1024], api_url[1024], categories[128],
	    state_dir[1024];
	uint64_t timeout_s, min_score, raise_score, max_age, cache_ttl,
	    cache_max;
	bool comment_log;
};

/* ---- categories from the rule's groups ---- */

/* AbuseIPDB's categories for a rule group (each with its number, as the
 * API takes them): the first column is a group of arx's, OSSEC's or
 * Wazuh's rules, the second another group that must be there too (or
 * NULL). No row matched: 15 (Hacking). */
static const struct {
	const char *group, *with;
	unsigned category;
} group_categories[] = {
    {"sshd", NULL, 22},                  /* SSH */
    {"authentication_failed", NULL, 18}, /* Brute-Force */
    {"authentication_failures", NULL, 18}, {"invalid_login", NULL, 18},
    {"brute_force", NULL, 18}, {"ftpd", NULL, 5}, /* FTP Brute-Force */
    {"vsftpd", NULL, 5}, {"proftpd", NULL, 5}, {"pure-ftpd", NULL, 5},
    {"attack", "web", 21},                               /* Web App Attack */
    {"web_scan", NULL, 21}, {"sql_injection", NULL, 16}, /* SQL Injection */
    {"recon", NULL, 14},                                 /* Port Scan */
    {"scan", NULL, 14}, {"portscan", NULL, 14},
    {"spam", NULL, 11},            /* Email Spam */
    {"exploit_attempt", NULL, 15}, /* Hacking */
};

/* Whether group is one of the comma (or JSON array) list groups. */
static bool
has_group(const char *groups, const char *group)
{
	size_t len = strlen(group);
	const char *p = groups;

	while ((p = strstr(p, group)) != NULL) {
		bool start = p == groups || strchr(",[\" ", p[-1]) != NULL;
		bool end = strchr(",]\" ", p[len]) != NULL;

		if (start && end)
			return true;
		p += len;
	}
	return false;
}

static void
categories_of(const char *groups, char *out, size_t size)
{
	bool seen[32] = {false};
	size_t n = 0;

	for (size_t i = 0;
	     i < sizeof(group_categories) / sizeof(group_categories[0]); i++)
		if (has_group(groups, group_categories[i].group) &&
		    (group_categories[i].with == NULL ||
			has_group(groups, group_categories[i].with)))
			seen[group_categories[i].category] = true;
	out[0] = '\0';
	for (unsigned c = 0; c < 32 && n < size; c++)
		if (seen[c])
			n += (size_t)snprintf(
			    out + n, size - n, "%s%u", n > 0 ? "," : "", c);
	if (out[0] == '\0')
		snprintf(out, size, "15");
}

/* ---- options ---- */

/* The list after "--categories": digits and commas (the programs'
 * option reader splits on commas, and JSON's extra_args array comes
 * comma-joined), up to anything else. */
static void
categories_opt(const char *extra, char *out, size_t size)
{
	const char *p = strstr(extra, "--categories");
	size_t n;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen("--categories");
	p += strspn(p, " \t,=");
	n = strspn(p, "0123456789,");
	while (n > 0 && p[n - 1] == ',')
		n--;
	snprintf(out, size, "%.*s", (int)n, p);
}

static const struct {
	const char *name;
	uint64_t min, max;
	size_t off;
} numbers[] = {
    {"http-timeout", 1, 300, offsetof(struct opts, timeout_s)},
    {"min-score", 0, 100, offsetof(struct opts, min_score)},
    {"raise-score", 0, 101, offsetof(struct opts, raise_score)},
    {"max-age", 1, 365, offsetof(struct opts, max_age)},
    {"cache-ttl", 0, 30u * 86400, offsetof(struct opts, cache_ttl)},
    {"cache-max", 1, 1000000, offsetof(struct opts, cache_max)},
};

static int
numbers_read(const struct ar_prog_request *rq, struct opts *o)
{
	char num[24];

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		uint64_t *field = (uint64_t *)((char *)o + numbers[i].off);

		if (!ar_prog_option(rq, numbers[i].name, num, sizeof(num)))
			continue;
		if (str_to_uint(num, numbers[i].min, numbers[i].max, field) !=
		    0) {
			fprintf(stderr,
			    NAME ": --%s must be %" PRIu64 "-%" PRIu64 "\n",
			    numbers[i].name, numbers[i].min, numbers[i].max);
			return EX_USAGE;
		}
	}
	return EX_OK;
}

/* The mode: the first word "report" or "check" of the extra args (the
 * legacy protocol puts the alert and rule ids before them). */
static void
mode_of(const char *extra, char *out, size_t size)
{
	char copy[512], *w[64];
	size_t n;

	snprintf(copy, sizeof(copy), "%s", extra);
	for (char *p = copy; *p != '\0'; p++)
		if (*p == ',' || *p == '\t')
			*p =
			    ' '; /* JSON's extra_args: an array, comma-joined */
	n = str_words(copy, w, 64);
	out[0] = '\0';
	for (size_t i = 0; i < n && i < 64; i++)
		if (strcmp(w[i], "report") == 0 || strcmp(w[i], "check") == 0) {
			snprintf(out, size, "%s", w[i]);
			return;
		}
}

static int
opts_read(const struct ar_prog_request *rq, struct opts *o)
{
	*o = (struct opts){.timeout_s = 10,
	    .min_score = 50,
	    .raise_score = 101,
	    .max_age = 30,
	    .cache_ttl = 21600,
	    .cache_max = 10000};
	mode_of(rq->extra, o->mode, sizeof(o->mode));
	snprintf(o->api_url, sizeof(o->api_url), "%s", API_URL);
	snprintf(o->state_dir, sizeof(o->state_dir), "%s", STATE_DIR);
	(void)ar_prog_option(rq, "api-url", o->api_url, sizeof(o->api_url));
	(void)ar_prog_option(
	    rq, "state-dir", o->state_dir, sizeof(o->state_dir));
	categories_opt(rq->extra, o->categories, sizeof(o->categories));
	o->comment_log = strstr(rq->extra, "--comment-log") != NULL;
	if (strcmp(o->mode, "report") != 0 && strcmp(o->mode, "check") != 0) {
		fprintf(stderr,
		    NAME ": extra_args must give the mode, report "
			 "or check\n");
		return EX_USAGE;
	}
	if (!ar_prog_option(rq, "key-file", o->key_file, sizeof(o->key_file))) {
		fprintf(stderr, NAME ": --key-file is required\n");
		return EX_USAGE;
	}
	if (strncmp(o->api_url, "https://", 8) != 0 &&
	    strncmp(o->api_url, "http://", 7) != 0) {
		fprintf(stderr, NAME ": --api-url must be http or https\n");
		return EX_USAGE;
	}
	if (o->categories[0] != '\0' &&
	    strspn(o->categories, "0123456789,") != strlen(o->categories)) {
		fprintf(
		    stderr, NAME ": --categories is a list such as 18,22\n");
		return EX_USAGE;
	}
	return numbers_read(rq, o);
}

/* ---- HTTP ---- */

struct answer {
	struct buf body;
	long status;
};

static size_t
on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct answer *a = ctx;

	return buf_append(&a->body, p, size * n) == 0 ? size * n : 0;
}

/* GET (form NULL) or POST form to url with the key; the answer's status
 * and body. EX_OK, or EX_UNAVAILABLE (said on stderr). */
static int
http(const struct opts *o, const char *key, const char *url, const char *form,
    struct answer *a)
{
	char keyh[600];
	struct curl_slist *h = NULL, *n;
	CURLcode c = CURLE_FAILED_INIT;
	CURL *e = curl_easy_init();

	snprintf(keyh, sizeof(keyh), "Key: %s", key);
	if ((n = curl_slist_append(h, keyh)) != NULL)
		h = curl_slist_append(h = n, "Accept: application/json");
	if (e != NULL && h != NULL &&
	    curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") ==
		CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h) == CURLE_OK &&
	    (form == NULL ||
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, form) == CURLE_OK) &&
	    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)o->timeout_s) ==
		CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, a) == CURLE_OK)
		c = curl_easy_perform(e);
	if (c == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a->status);
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	explicit_bzero(keyh, sizeof(keyh));
	if (c != CURLE_OK || a->status < 200 || a->status > 299) {
		fprintf(stderr, NAME ": %s %s: %s %ld\n", form ? "POST" : "GET",
		    url, c != CURLE_OK ? curl_easy_strerror(c) : "HTTP status",
		    a->status);
		return EX_UNAVAILABLE;
	}
	return EX_OK;
}

/* ---- report ---- */

/* "name=value" (value escaped) appended to the form. */
static int
form_put(struct buf *f, CURL *e, const char *name, const char *value)
{
	char *v = curl_easy_escape(e, value, 0);
	int r;

	if (v == NULL)
		return ARX_ERR_NOMEM;
	r = buf_printf(f, "%s%s=%s", f->len > 0 ? "&" : "", name, v);
	curl_free(v);
	return r;
}

/* The comment: the rule and its description; the log line only when
 * asked for (it may hold what should not leave the host). */
static void
comment_of(const struct ar_prog_request *rq, const struct json_doc *msg,
    const struct opts *o, char *out, size_t size)
{
	char desc[512], log[512];

	ar_prog_field(
	    msg, "parameters.alert.rule.description", desc, sizeof(desc));
	ar_prog_field(msg, "parameters.alert.full_log", log, sizeof(log));
	log[strcspn(log, "\r\n")] = '\0';
	snprintf(out, size, "arx rule %s%s%s%s%s",
	    rq->rule_id[0] ? rq->rule_id : "?", desc[0] ? ": " : "", desc,
	    o->comment_log && log[0] ? "; log: " : "",
	    o->comment_log ? log : "");
}

static int
report(const struct ar_prog_request *rq, const struct json_doc *msg,
    const struct opts *o, const char *key)
{
	char groups[4096], cats[128], comment[1100], url[1200];
	struct answer a = {.status = 0};
	struct buf form;
	CURL *e = curl_easy_init();
	int rc = EX_OSERR;

	ar_prog_field(
	    msg, "parameters.alert.rule.groups", groups, sizeof(groups));
	if (o->categories[0] != '\0')
		snprintf(cats, sizeof(cats), "%s", o->categories);
	else
		categories_of(groups, cats, sizeof(cats));
	comment_of(rq, msg, o, comment, sizeof(comment));
	buf_init(&form, 1 << 16);
	buf_init(&a.body, ANSWER_MAX);
	snprintf(url, sizeof(url), "%s/report", o->api_url);
	if (e != NULL && form_put(&form, e, "ip", rq->addr_text) == 0 &&
	    form_put(&form, e, "categories", cats) == 0 &&
	    form_put(&form, e, "comment", comment) == 0)
		rc = http(o, key, url, buf_cstr(&form), &a);
	curl_easy_cleanup(e);
	buf_release(&form);
	buf_release(&a.body);
	return rc;
}

/* ---- check, and its cache ---- */

struct cache {
	char addr[64];
	uint64_t now, ttl;
	int64_t score;   /* -1: not found */
	struct buf keep; /* the lines still fresh, but addr's */
	uint64_t kept, max;
};

/* A cache line "ADDR SCORE EPOCH": a fresh one is kept (addr's taken). */
static int
cache_line(void *ctx, char *line, unsigned no)
{
	struct cache *c = ctx;
	char *w[4];
	uint64_t score, at;

	(void)no;
	if (str_words(line, w, 4) != 3 || str_to_uint(w[1], 0, 100, &score) ||
	    str_to_uint(w[2], 0, UINT64_MAX, &at) || at > c->now ||
	    c->now - at >= c->ttl)
		return 0;
	if (strcmp(w[0], c->addr) == 0) {
		c->score = (int64_t)score;
		return 0;
	}
	if (c->kept + 1 < c->max &&
	    buf_printf(&c->keep, "%s %s %s\n", w[0], w[1], w[2]) == 0)
		c->kept++;
	return 0;
}

/* The cache again, under its lock (several checks run at once): the
 * fresh lines read again now (the oldest past the bound dropped), then
 * addr's new score. */
static void
cache_save(const struct opts *o, struct cache *c, int64_t score)
{
	struct statefile_opts so = {.mode = 0600, .sync = STATEFILE_LAZY};
	unsigned too_long = 0;
	int dfd, lfd = -1, r = -1;

	(void)mkdir(o->state_dir, 0700);
	if ((dfd = open(o->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >=
		0 &&
	    (lfd = openat(dfd, CACHE_FILE ".lock",
		 O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) >= 0 &&
	    flock(lfd, LOCK_EX) == 0) {
		buf_reset(&c->keep);
		c->kept = 0;
		(void)statefile_lines(
		    dfd, CACHE_FILE, 256, cache_line, c, &too_long);
		if (buf_printf(&c->keep, "%s %" PRId64 " %" PRIu64 "\n",
			c->addr, score, c->now) == 0)
			r = statefile_replace(
			    dfd, CACHE_FILE, c->keep.data, c->keep.len, &so);
	}
	if (r != 0)
		fprintf(stderr, NAME ": cannot write the cache in %s: %s\n",
		    o->state_dir, strerror(errno));
	if (lfd >= 0)
		close(lfd); /* the lock goes with it */
	if (dfd >= 0)
		close(dfd);
}

/* The score from the answer's data.abuseConfidenceScore, or -1. */
static int64_t
score_of(const struct answer *a)
{
	struct json_doc d;
	const char *v;
	uint64_t score;
	int64_t r = -1;

	json_doc_init(&d);
	if (json_doc_parse(&d, a->body.data ? a->body.data : "", a->body.len) ==
		0 &&
	    (v = json_doc_get(&d, "data.abuseConfidenceScore")) != NULL &&
	    str_to_uint(v, 0, 100, &score) == 0)
		r = (int64_t)score;
	json_doc_release(&d);
	return r;
}

static int
ask(const struct opts *o, const char *key, const char *addr, int64_t *score)
{
	char url[1400], *esc;
	struct answer a = {.status = 0};
	CURL *e = curl_easy_init();
	int rc = EX_OSERR;

	buf_init(&a.body, ANSWER_MAX);
	if (e != NULL && (esc = curl_easy_escape(e, addr, 0)) != NULL) {
		snprintf(url, sizeof(url),
		    "%s/check?ipAddress=%s&maxAgeInDays=%" PRIu64, o->api_url,
		    esc, o->max_age);
		curl_free(esc);
		rc = http(o, key, url, NULL, &a);
	}
	if (rc == EX_OK && (*score = score_of(&a)) < 0) {
		fprintf(stderr,
		    NAME ": the answer has no "
			 "data.abuseConfidenceScore\n");
		rc = EX_UNAVAILABLE;
	}
	curl_easy_cleanup(e);
	buf_release(&a.body);
	return rc;
}

static int
check(const struct ar_prog_request *rq, const struct opts *o, const char *key)
{
	struct cache c = {.now = (uint64_t)time(NULL),
	    .ttl = o->cache_ttl,
	    .score = -1,
	    .max = o->cache_max};
	char path[1100];
	unsigned too_long = 0;
	int64_t score;
	int rc = EX_OK;

	addr_format(&rq->addr, c.addr, sizeof(c.addr));
	buf_init(&c.keep, 64u << 20);
	snprintf(path, sizeof(path), "%s/%s", o->state_dir, CACHE_FILE);
	(void)statefile_lines(AT_FDCWD, path, 256, cache_line, &c, &too_long);
	if ((score = c.score) < 0 &&
	    (rc = ask(o, key, c.addr, &score)) == EX_OK)
		cache_save(o, &c, score);
	buf_release(&c.keep);
	if (rc != EX_OK)
		return rc;
	fprintf(stderr,
	    NAME ": %s scores %" PRId64 " (%s; blocking from %" PRIu64 ")%s\n",
	    c.addr, score, c.score >= 0 ? "cached" : "asked", o->min_score,
	    score < (int64_t)o->min_score          ? ": declined"
		: score >= (int64_t)o->raise_score ? ": raised"
						   : "");
	if (score < (int64_t)o->min_score)
		return EX_DECLINE;
	return score >= (int64_t)o->raise_score ? AR_PRECHECK_RAISE : EX_OK;
}

static int
run(const struct ar_prog_request *rq, const struct json_doc *msg)
{
	char key[512];
	struct opts o;
	int rc;

	if ((rc = opts_read(rq, &o)) != EX_OK)
		return rc;
	if (strcmp(rq->command, "add") != 0 || rq->addr_text[0] == '\0' ||
	    rq->addr.plen != 0)
		return EX_OK; /* a delete, an abort, a network: nothing */
	if (secretfile_read(o.key_file, NAME " key file", key, sizeof(key)) !=
	    0)
		return EX_NOINPUT;
	rc = strcmp(o.mode, "report") == 0 ? report(rq, msg, &o, key)
					   : check(rq, &o, key);
	explicit_bzero(key, sizeof(key));
	return rc;
}

int
main(int argc, char **argv)
{
	struct ar_prog_request rq;
	struct json_doc msg;
	int rc = EX_USAGE;

	if (ar_prog_help(argc, argv, NAME,
		"  report|check        the mode, first (report on an add; check "
		"as a precheck)\n"
		"  --key-file FILE     the API key (first line); required\n"
		"  --api-url URL       default " API_URL "\n"
		"  --http-timeout S    give up after S seconds (default 10)\n"
		"  --categories LIST   report these instead of the groups' "
		"(18,22)\n"
		"  --comment-log       report the log line in the comment too\n"
		"  --min-score N       check: block from this score (50); "
		"below, exit 3\n"
		"  --raise-score N     check: from this score, exit 4: block "
		"longer (101: never)\n"
		"  --max-age DAYS      check: reports of the last DAYS (30)\n"
		"  --state-dir DIR     check: the cache's directory\n"
		"  --cache-ttl S       check: a score is kept S seconds "
		"(21600)\n"
		"  --cache-max N       check: scores kept at most (10000)\n"))
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
