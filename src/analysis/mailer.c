/*
 * Implementation of mailer.h: the analysis child's e-mail alerts, sent
 * with libcurl's multi interface on the child's event loop (its sockets
 * watched by evio watchers, its timeout by an evtimer), so sending
 * never blocks the loop; one transfer at a time, the queue deciding
 * when the next one goes.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/mail.h"
#include "alert/mailq.h"
#include "analysis/mailer.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/osregex.h"
#include "core/strparse.h"

#define MAX_SOCKS      4
#define MAX_RCPT       256
#define CONNECT_MS     10000
#define TRANSFER_MS    60000
#define MAIL_MSG_BYTES (MAILQ_MSG_MAX + 65536)

struct msock {
	struct evio io;
	struct mailer *m;
	bool used;
};

struct mailer {
	const struct arx_conf *conf;
	struct evloop *loop;
	struct osmatch *group[CONF_MAX_EMAIL_ALERTS];
	struct osmatch *where[CONF_MAX_EMAIL_ALERTS];
	struct mailq q;
	CURLM *multi;
	CURL *easy; /* the transfer under way, or NULL */
	struct curl_slist *rcpt, *resolve;
	struct buf msg;
	size_t off;
	struct evtimer curl_timer, q_timer;
	struct msock sock[MAX_SOCKS];
	char addr[INET6_ADDRSTRLEN];
	char url[600];
	char err[CURL_ERROR_SIZE];
	size_t nalerts; /* in the mail under way */
	uint64_t seq, sent, failed;
	struct log_limit fail_log;
};

/* ---- which alerts, to whom ---- */

static bool
rule_mails(const struct arx_conf *conf, const struct rule *r)
{
	if (r->options & RULE_OPT_NO_EMAIL)
		return false;
	return (r->options & RULE_OPT_ALERT_EMAIL) ||
	    (r->level > 0 &&
		(unsigned)r->level >= conf->alerts.email_alert_level);
}

static bool
id_listed(const struct strvec *ids, unsigned id)
{
	char tmp[16];
	size_t i;

	snprintf(tmp, sizeof(tmp), "%u", id);
	for (i = 0; i < ids->n; i++)
		if (strcmp(ids->v[i], tmp) == 0)
			return true;
	return false;
}

/* Whether <email_alerts> i takes rule r's alert on ev (OSSEC: every
 * filter it has must match). */
static bool
entry_matches(const struct mailer *m, size_t i, const struct rule *r,
    const struct event *ev)
{
	const struct conf_email_alert *e = &m->conf->email_alerts[i];

	if (m->where[i] != NULL &&
	    !osmatch_exec(m->where[i], ev->location, strlen(ev->location)))
		return false;
	if (e->level > 0 && (r->level < 0 || (unsigned)r->level < e->level))
		return false;
	if (e->rule_id.n > 0 && !id_listed(&e->rule_id, r->id))
		return false;
	return m->group[i] == NULL ||
	    osmatch_exec(m->group[i], r->groups, strlen(r->groups));
}

static char *
copy_out(const struct buf *b, size_t *len)
{
	char *p = malloc(b->len + 1);

	*len = 0;
	if (p == NULL)
		return NULL;
	memcpy(p, b->data != NULL ? b->data : "", b->len);
	p[b->len] = '\0';
	*len = b->len;
	return p;
}

static void
queue_sms(struct mailer *m, uint64_t sms, const struct rule *r,
    const struct event *ev, int64_t now)
{
	struct mailq_item it = {.level = r->level,
	    .rcpt = sms,
	    .flags = MQ_ALONE | MQ_SMS,
	    .at_ms = now};
	struct buf b;

	buf_init(&b, MAIL_SUBJECT_MAX + MAIL_SMS_BODY * 2);
	mail_subject(it.subject, sizeof(it.subject), r, ev,
	    m->conf->daemon.node_name, true);
	mail_sms_body(&b, ev);
	it.body = copy_out(&b, &it.len);
	buf_release(&b);
	mailq_add(&m->q, &it);
}

void
mailer_alert(struct mailer *m, const struct rule *r, const struct event *ev,
    const struct corr *c, int64_t wall_ms)
{
	struct mailq_item it = {.level = r->level};
	uint64_t sms = 0;
	struct buf b;
	size_t i;

	if (m == NULL || !rule_mails(m->conf, r))
		return;
	it.at_ms = clock_mono_ms(evloop_clock(m->loop));
	for (i = 0; i < m->conf->nemail_alerts; i++) {
		const struct conf_email_alert *e = &m->conf->email_alerts[i];

		if (!entry_matches(m, i, r, ev))
			continue;
		if (e->format == MAIL_FORMAT_SMS) {
			sms |= 1ull << i;
			continue;
		}
		it.rcpt |= 1ull << i;
		it.flags |= (e->do_not_delay ? MQ_NOW : 0) |
		    (e->do_not_group ? MQ_ALONE : 0);
	}
	buf_init(&b, MAIL_BODY_MAX * 2);
	mail_subject(it.subject, sizeof(it.subject), r, ev,
	    m->conf->daemon.node_name, false);
	mail_body(&b, r, ev, c, wall_ms, m->conf->daemon.node_name);
	it.body = copy_out(&b, &it.len);
	buf_release(&b);
	mailq_add(&m->q, &it);
	if (sms != 0)
		queue_sms(m, sms, r, ev, it.at_ms);
	(void)evloop_timer_start(m->loop, &m->q_timer, 0);
}

/* ---- libcurl on the event loop ---- */

/* A mail is over, sent or not: counted (a failure logged, at most
 * five a minute), its transfer freed, the queue looked at again. */
static void
mail_done(struct mailer *m, bool ok, const char *why)
{
	int64_t now = clock_mono_ms(evloop_clock(m->loop));
	unsigned long held;

	if (ok) {
		m->sent++;
		log_info("mail sent: %zu alert(s) through %s", m->nalerts,
		    m->conf->global.smtp_server);
	} else {
		m->failed++;
		if (log_limit_pass(&m->fail_log, now, &held))
			log_warn("cannot send a mail of %zu alert(s) through "
				 "%s: %s (%lu more failures not shown)",
			    m->nalerts, m->conf->global.smtp_server, why, held);
	}
	if (m->easy != NULL) {
		curl_multi_remove_handle(m->multi, m->easy);
		curl_easy_cleanup(m->easy);
		m->easy = NULL;
	}
	curl_slist_free_all(m->rcpt);
	m->rcpt = NULL;
	buf_reset(&m->msg);
	(void)evloop_timer_start(m->loop, &m->q_timer, 0);
}

static void
transfers_check(struct mailer *m)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == m->easy)
			mail_done(m, msg->data.result == CURLE_OK,
			    m->err[0] != '\0'
				? m->err
				: curl_easy_strerror(msg->data.result));
}

static void
on_sock(struct evloop *loop, struct evio *io, unsigned events)
{
	struct msock *s = io->ctx;
	struct mailer *m = s->m;
	int flags = ((events & EV_READ) ? CURL_CSELECT_IN : 0) |
	    ((events & EV_WRITE) ? CURL_CSELECT_OUT : 0) |
	    ((events & EV_ERROR) ? CURL_CSELECT_ERR : 0);
	int running;

	(void)loop;
	curl_multi_socket_action(m->multi, io->fd, flags, &running);
	transfers_check(m);
}

static void
on_curl_timer(struct evloop *loop, struct evtimer *t)
{
	struct mailer *m = t->ctx;
	int running;

	(void)loop;
	curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	transfers_check(m);
}

static struct msock *
sock_slot(struct mailer *m)
{
	size_t i;

	for (i = 0; i < MAX_SOCKS; i++)
		if (!m->sock[i].used)
			return &m->sock[i];
	return NULL;
}

/* libcurl says which socket to watch for what (CURLMOPT_SOCKETFUNCTION). */
static int
on_curl_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *sp)
{
	struct mailer *m = userp;
	struct msock *s = sp;
	unsigned ev = ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			evloop_io_stop(m->loop, &s->io);
			s->used = false;
		}
		curl_multi_assign(m->multi, fd, NULL);
		return 0;
	}
	if (s == NULL) {
		if ((s = sock_slot(m)) == NULL)
			return -1;
		s->used = true;
		s->m = m;
		evio_init(&s->io, fd, ev, on_sock, s);
		curl_multi_assign(m->multi, fd, s);
	}
	s->io.events = ev;
	return evloop_io_start(m->loop, &s->io) == 0 ? 0 : -1;
}

static int
on_curl_timeout(CURLM *multi, long ms, void *userp)
{
	struct mailer *m = userp;

	(void)multi;
	if (ms < 0)
		evloop_timer_stop(m->loop, &m->curl_timer);
	else
		(void)evloop_timer_start(m->loop, &m->curl_timer, (uint64_t)ms);
	return 0;
}

static size_t
on_read(char *dst, size_t size, size_t nmemb, void *userp)
{
	struct mailer *m = userp;
	size_t n = size * nmemb, left = m->msg.len - m->off;

	if (n > left)
		n = left;
	memcpy(dst, m->msg.data + m->off, n);
	m->off += n;
	return n;
}

/* ---- one mail ---- */

/* The server's address, so libcurl never resolves (its resolver would
 * start a thread, which the sandbox does not allow). */
static int
server_resolve(struct mailer *m)
{
	const char *host = m->conf->global.smtp_server;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char entry[600];
	int r;

	if (m->resolve != NULL)
		return 0;
	if ((r = getaddrinfo(host, "25", &hints, &res)) != 0) {
		snprintf(m->err, sizeof(m->err), "cannot resolve %s: %s", host,
		    gai_strerror(r));
		return ARX_ERR_SYS;
	}
	r = getnameinfo(res->ai_addr, res->ai_addrlen, m->addr, sizeof(m->addr),
	    NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if (r != 0)
		return ARX_ERR_SYS;
	snprintf(entry, sizeof(entry),
	    strchr(m->addr, ':') != NULL ? "%s:25:[%s]" : "%s:25:%s", host,
	    m->addr);
	m->resolve = curl_slist_append(NULL, entry);
	return m->resolve != NULL ? 0 : ARX_ERR_NOMEM;
}

static void
rcpt_add(const char **to, size_t *n, const char *a)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(to[i], a) == 0)
			return;
	if (*n < MAX_RCPT)
		to[(*n)++] = a;
}

/* The recipients of mail: <email_to> (not for sms), then those of each
 * <email_alerts> that took one of its alerts; each once. */
static size_t
rcpt_list(
    const struct mailer *m, const struct mailq_mail *mail, const char **to)
{
	const struct conf_global *g = &m->conf->global;
	size_t n = 0, i, k;

	for (i = 0; !mail->sms && i < g->email_to.n; i++)
		rcpt_add(to, &n, g->email_to.v[i]);
	for (i = 0; i < m->conf->nemail_alerts; i++) {
		if (!(mail->rcpt >> i & 1))
			continue;
		for (k = 0; k < m->conf->email_alerts[i].email_to.n; k++)
			rcpt_add(
			    to, &n, m->conf->email_alerts[i].email_to.v[k]);
	}
	return n;
}

static int
easy_setup(struct mailer *m, const char **to, size_t nto)
{
	char from[300], one[300];
	CURL *e = m->easy;
	size_t i;

	for (i = 0; i < nto; i++) {
		struct curl_slist *l;

		snprintf(one, sizeof(one), "<%s>", to[i]);
		if ((l = curl_slist_append(m->rcpt, one)) == NULL)
			return ARX_ERR_NOMEM;
		m->rcpt = l;
	}
	snprintf(from, sizeof(from), "<%s>", m->conf->global.email_from);
	m->err[0] = '\0';
	if (curl_easy_setopt(e, CURLOPT_URL, m->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_RESOLVE, m->resolve) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, m->rcpt) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_READDATA, m) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_MS) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)TRANSFER_MS) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, m->err) != CURLE_OK)
		return ARX_ERR_SYS;
	return 0;
}

/* Take the head's mail, write it, and start its transfer. */
static int
send_next(struct mailer *m, int64_t wall)
{
	const char *to[MAX_RCPT];
	struct mailq_mail mail;
	struct mail_head h = {m->conf->global.email_from,
	    m->conf->global.email_reply_to, to, 0, NULL, wall,
	    m->conf->daemon.node_name, ++m->seq};
	int r;

	(void)mailq_take(&m->q, &mail);
	m->nalerts = mail.nalerts;
	h.subject = mail.subject;
	h.nto = rcpt_list(m, &mail, to);
	buf_reset(&m->msg);
	m->off = 0;
	r = mail_message(&m->msg, &h,
	    mail.body.data != NULL ? mail.body.data : "", mail.body.len);
	mailq_mail_release(&mail);
	if (r == 0 && h.nto == 0)
		r = ARX_ERR_INVAL;
	if (r == 0 && (r = server_resolve(m)) == 0 &&
	    (m->easy = curl_easy_init()) == NULL)
		r = ARX_ERR_NOMEM;
	if (r == 0 && (r = easy_setup(m, to, h.nto)) == 0 &&
	    curl_multi_add_handle(m->multi, m->easy) != CURLM_OK)
		r = ARX_ERR_SYS;
	return r;
}

/* Local time's hour as a number, and the ms until the next one. */
static int64_t
hour_of(int64_t wall, int64_t *to_next)
{
	struct tm tm;

	clock_localtime(wall / 1000, &tm);
	*to_next = (int64_t)(59 - tm.tm_min) * 60000 +
	    (int64_t)(60 - tm.tm_sec) * 1000 - wall % 1000 + 50;
	return ((int64_t)tm.tm_year * 400 + tm.tm_yday) * 24 + tm.tm_hour;
}

static void
pump(struct mailer *m)
{
	int64_t wall = clock_wall_ms(evloop_clock(m->loop)), wait, next;
	int64_t now = clock_mono_ms(evloop_clock(m->loop));
	int64_t hour = hour_of(wall, &next);
	int r;

	if (m->easy != NULL)
		return; /* the end of this one pumps again */
	switch (mailq_next(&m->q, now, hour, &wait)) {
	case MAILQ_IDLE:
		return;
	case MAILQ_WAIT:
		(void)evloop_timer_start(m->loop, &m->q_timer, (uint64_t)wait);
		return;
	case MAILQ_CAPPED:
		(void)evloop_timer_start(m->loop, &m->q_timer, (uint64_t)next);
		return;
	case MAILQ_READY:
		break;
	}
	if ((r = send_next(m, wall)) != 0)
		mail_done(
		    m, false, m->err[0] != '\0' ? m->err : arx_strerror(r));
}

static void
on_q_timer(struct evloop *loop, struct evtimer *t)
{
	(void)loop;
	pump(t->ctx);
}

/* ---- start and stop ---- */

static int
filters_compile(struct mailer *m)
{
	const struct arx_conf *conf = m->conf;
	char err[128];
	size_t i;

	for (i = 0; i < conf->nemail_alerts; i++) {
		const struct conf_email_alert *e = &conf->email_alerts[i];

		if (e->group != NULL &&
		    (m->group[i] = osmatch_compile(
			 e->group, err, sizeof(err))) == NULL)
			return ARX_ERR_CONFIG;
		if (e->event_location != NULL &&
		    (m->where[i] = osmatch_compile(
			 e->event_location, err, sizeof(err))) == NULL)
			return ARX_ERR_CONFIG;
	}
	return 0;
}

static int
multi_setup(struct mailer *m)
{
	const struct conf_global *g = &m->conf->global;
	const char *helo =
	    g->helo_server != NULL ? g->helo_server : m->conf->daemon.node_name;

	snprintf(m->url, sizeof(m->url),
	    strchr(g->smtp_server, ':') != NULL ? "smtp://[%s]:25/%s"
						: "smtp://%s:25/%s",
	    g->smtp_server, helo);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (m->multi = curl_multi_init()) == NULL)
		return ARX_ERR_NOMEM;
	if (curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION,
		on_curl_socket) != CURLM_OK ||
	    curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m) != CURLM_OK ||
	    curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION,
		on_curl_timeout) != CURLM_OK ||
	    curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m) != CURLM_OK)
		return ARX_ERR_SYS;
	return 0;
}

int
mailer_new(
    const struct arx_conf *conf, struct evloop *loop, struct mailer **out)
{
	struct mailer *m;
	int r;

	*out = NULL;
	if (!conf->global.email_notification)
		return 0;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ARX_ERR_NOMEM;
	m->conf = conf;
	m->loop = loop;
	m->fail_log = (struct log_limit)LOG_LIMIT_INIT(5, 60000);
	mailq_init(&m->q, conf->global.email_maxperhour);
	buf_init(&m->msg, MAIL_MSG_BYTES);
	evtimer_init(&m->curl_timer, on_curl_timer, m);
	evtimer_init(&m->q_timer, on_q_timer, m);
	tzset();
	if ((r = filters_compile(m)) != 0 || (r = multi_setup(m)) != 0) {
		mailer_free(m);
		return r;
	}
	if (server_resolve(m) != 0)
		log_warn("e-mail: %s; tried again before each mail", m->err);
	*out = m;
	return 0;
}

void
mailer_counters(const struct mailer *m, struct counters *c)
{
	(void)counters_add(c, "mail_sent", m->sent);
	(void)counters_add(c, "mail_failed", m->failed);
	(void)counters_add(c, "mail_dropped", m->q.dropped);
	(void)counters_add(c, "mail_capped", m->q.capped);
	(void)counters_add(c, "mail_waiting", m->q.n);
}

void
mailer_free(struct mailer *m)
{
	size_t i;

	if (m == NULL)
		return;
	if (m->q.n > 0)
		log_warn("e-mail: %zu alert(s) not mailed at stop", m->q.n);
	if (m->easy != NULL) {
		curl_multi_remove_handle(m->multi, m->easy);
		curl_easy_cleanup(m->easy);
	}
	for (i = 0; i < MAX_SOCKS; i++)
		if (m->sock[i].used)
			evloop_io_stop(m->loop, &m->sock[i].io);
	evloop_timer_stop(m->loop, &m->curl_timer);
	evloop_timer_stop(m->loop, &m->q_timer);
	if (m->multi != NULL)
		curl_multi_cleanup(m->multi);
	curl_slist_free_all(m->rcpt);
	curl_slist_free_all(m->resolve);
	for (i = 0; i < CONF_MAX_EMAIL_ALERTS; i++) {
		osmatch_free(m->group[i]);
		osmatch_free(m->where[i]);
	}
	mailq_release(&m->q);
	buf_release(&m->msg);
	free(m);
}
