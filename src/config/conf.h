/*
 * The loaded configuration: what arx reads from an ossec.conf-compatible
 * file (<ossec_config> or <arx_config> roots, several allowed). A struct
 * arx_conf is built once by conf_load(), never modified afterwards, and
 * swapped whole on reload; everything it points to lives in its arena and
 * goes away with conf_free(). Element tables, defaults and validation are in
 * conf_table.c; the canonical dump (arxd -T) is in conf_dump.c.
 * docs/CONFIG.md documents every option.
 */
#ifndef ARX_CONFIG_CONF_H
#define ARX_CONFIG_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/arena.h"
#include "core/buf.h"

#define CONF_MAX_REPEAT 16 /* values in <repeated_offenders> */

/* Where an object was defined, for messages at load and run time. */
struct conf_where {
	const char *file;
	unsigned line;
};

struct strvec {
	const char **v;
	size_t n, cap;
	/* Where each entry was written (same index), for arxd -t's and the
	 * start's messages: conf_strvec_where(). */
	struct conf_where *where;
	size_t nwhere, where_cap;
};

struct cidrvec {
	struct arx_cidr *v;
	size_t n, cap;
};

struct conf_global {
	struct cidrvec white_list;
	uint64_t max_age; /* seconds: an older line starts no response */
	bool block_local; /* loopback and link-local may be blocked */
	/* e-mail alerts (OSSEC's maild; analysis/mailer.c sends them) */
	bool email_notification;
	struct conf_where email_where; /* of <email_notification> */
	struct strvec email_to;        /* every mail goes to each */
	const char *email_from;        /* envelope sender and From: */
	const char *email_reply_to;    /* NULL if unset */
	const char *smtp_server;       /* host name or address, port 25 */
	const char *helo_server;       /* EHLO name; NULL: the node name */
	unsigned email_maxperhour;     /* mails an hour, default 12 */
};

#define CONF_EMAIL_MAXPERHOUR_DEFAULT  12
#define CONF_EMAIL_ALERT_LEVEL_DEFAULT 7
#define CONF_MAX_EMAIL_ALERTS          64 /* <email_alerts> blocks */

enum conf_mail_format {
	MAIL_FORMAT_FULL = 0, /* OSSEC's mail, grouped with the others */
	MAIL_FORMAT_SMS,      /* a short mail of its own, at once */
};

/* <email_alerts>: more recipients for the alerts its filters match. */
struct conf_email_alert {
	struct conf_where where;
	struct strvec email_to;
	unsigned level;             /* at least this level; 0: any */
	const char *group;          /* OS_Match over the groups; NULL */
	struct strvec rule_id;      /* canonical decimal ids */
	const char *event_location; /* OS_Match over the location; NULL */
	unsigned format;            /* enum conf_mail_format */
	bool do_not_delay;          /* send at once */
	bool do_not_group;          /* a mail of its own */
};

#define CONF_MAX_AGE_DEFAULT 600

struct conf_alerts {
	unsigned log_alert_level;   /* default 1, as in OSSEC/Wazuh code */
	unsigned email_alert_level; /* mail from this level; default 7 */
};

struct conf_command {
	struct conf_where where;
	const char *name;
	const char
	    *executable; /* bare name in the response bin dir or absolute */
	const char *extra_args; /* NULL if unset */
	const char *expect;     /* NULL if unset; OSSEC field list */
	bool timeout_allowed;   /* default no, as in Wazuh's code */
	unsigned protocol;      /* enum conf_ar_protocol */
	uint64_t exec_timeout;  /* seconds a run may last; default 60 */
	unsigned builtin;       /* enum conf_builtin: no program is run */
	const char *precheck;   /* <precheck>: a command whose add runs
				 * first and may decline this one's; NULL */
	size_t precheck_idx;    /* its index in conf->commands */
};

/* <executable>builtin:NAME</executable>: a response arx applies itself. */
enum conf_builtin {
	CONF_BUILTIN_NONE = 0,
	CONF_BUILTIN_NFTABLES, /* elements of arx's nftables sets, batched */
};

enum conf_ar_protocol {
	AR_PROTO_JSON = 0, /* Wazuh >= 4.2: JSON on stdin, check_keys */
	AR_PROTO_LEGACY,   /* OSSEC: action user srcip ... in argv */
};

enum conf_ar_location {
	AR_LOC_LOCAL = 0x1,
	AR_LOC_SERVER = 0x2,
	AR_LOC_DEFINED_AGENT = 0x4,
	AR_LOC_ALL = 0x8,
};

struct conf_ar {
	struct conf_where where;
	bool disabled;
	const char *command;     /* name of a <command>; NULL: host settings */
	size_t command_idx;      /* index in conf->commands when command set */
	unsigned location;       /* enum conf_ar_location bits */
	const char *agent_id;    /* for AR_LOC_DEFINED_AGENT, as written */
	struct strvec agents;    /* its entries: ids ("001") or agent names */
	int level;               /* -1 = not used for binding */
	const char *rules_group; /* OS_Regex over the rule's groups; NULL */
	struct strvec rules_id;  /* rule ids as canonical decimal text */
	uint64_t timeout;        /* seconds; 0 = no undo */
	uint64_t repeated[CONF_MAX_REPEAT]; /* seconds, escalation steps */
	size_t nrepeated;
	bool apply_white_list; /* default yes; no: for notifications */
	uint64_t decay;        /* seconds; forget offences older; 0: never */
	uint64_t grace;        /* seconds after a block ends in which a
				* trigger is the same attack (default 60) */
};

#define CONF_AR_GRACE_DEFAULT 60

enum conf_log_format {
	LOG_FORMAT_SYSLOG = 0,
	LOG_FORMAT_JSON,
	LOG_FORMAT_JOURNALD,
};

struct conf_filter {
	const char *field;
	const char *pattern;
};

struct conf_localfile {
	struct conf_where where;
	const char *location; /* path, glob, date pattern, or "journald" */
	enum conf_log_format format;
	bool only_future_events;
	const char *alias;          /* NULL if unset */
	const char *unless_written; /* skip when this file is being
				     * written (arx); NULL if unset */
	struct strvec exclude;
	struct conf_filter *filters;
	size_t nfilters, filters_cap;
};

struct conf_ruleset {
	struct strvec decoder_dirs, rule_dirs, lists;
	struct strvec decoder_exclude, rule_exclude;
	struct strvec decoder_include, rule_include;
};

enum conf_remote_conn {
	REMOTE_SECURE = 0,
	REMOTE_SYSLOG,
};

#define CONF_PROTO_TCP 0x1u
#define CONF_PROTO_UDP 0x2u

struct conf_remote {
	struct conf_where where;
	enum conf_remote_conn connection;
	unsigned port;     /* default 1514 (secure) or 514 (syslog) */
	unsigned protocol; /* CONF_PROTO_* bits */
	const char *local_ip;
	const char *socket; /* syslog on a Unix datagram socket (arx) */
	struct cidrvec allowed_ips, denied_ips;
	bool ipv6;
	unsigned max_per_source; /* connections from one address (8) */
};

struct conf_server {
	struct conf_where where;
	const char *address;
	unsigned port;
	unsigned protocol;
};

struct conf_client {
	bool present;
	struct conf_server *servers;
	size_t nservers, servers_cap;
	unsigned notify_time;       /* seconds */
	unsigned reconnect_time;    /* seconds */
	const char *config_profile; /* "a, b": agent.conf profile= matches */
};

/* An agent's queue of events not yet acknowledged by its manager, in
 * memory and in its outbox (<client_buffer>, Wazuh's section; the oldest
 * are dropped and counted beyond either bound). */
struct conf_client_buffer {
	unsigned queue_size; /* events; default 200000 */
	unsigned queue_mib;  /* MiB (arx); default 64 */
};

/* Enrollment on the manager (<auth>, as Wazuh's authd): agents to be
 * ask for an id and key with the password of password_file. */
struct conf_auth {
	struct conf_where where;
	bool present;
	bool disabled;
	unsigned port;             /* default 1515 */
	const char *local_ip;      /* default: every address */
	const char *password_file; /* required */
	unsigned max_clients;      /* enrollments at once (16) */
	unsigned max_per_source;   /* of them from one address (4) */
};

/* The blocklist feed (<feed>, arx only): an HTTP endpoint that lists the
 * addresses blocked now, for firewalls' external threat feeds. */
struct conf_feed {
	struct conf_where where;
	bool present;
	unsigned port;
	const char *local_ip;         /* default: every address */
	const char *credentials_file; /* first line user:password; required */
	const char *certificate;      /* PEM: with key, HTTPS only */
	const char *key;              /* PEM private key, root-only */
	unsigned max_clients;         /* 16 */
	unsigned max_per_source;      /* of them from one address (4) */
};

/* A blocklist subscription (<blocklist>, arx only): addresses and
 * networks from a URL or a file, loaded into a nftables set of their
 * own, read again every interval. */
enum conf_blocklist_format {
	BL_FORMAT_PLAIN = 0, /* one address a line, '#' comments */
	BL_FORMAT_CIDR,      /* addresses or networks, '#' comments */
	BL_FORMAT_DROP,      /* Spamhaus DROP: "NET/LEN ; SBL..." */
};

#define CONF_BLOCKLIST_NAME_MAX 24
#define CONF_BLOCKLISTS_MAX     16

struct conf_blocklist {
	struct conf_where where;
	const char *name;     /* [a-z][a-z0-9_-]*, the set's name */
	const char *url;      /* http or https; NULL for a file */
	const char *file;     /* absolute path; NULL for a URL */
	unsigned format;      /* enum conf_blocklist_format */
	uint64_t interval;    /* seconds between reads (default 1 h) */
	unsigned max_entries; /* more are dropped and counted */
};

/* The metrics endpoint (<metrics>, arx only): GET /metrics in the
 * Prometheus text format, served by the analysis child. Off without the
 * element; with it, on (unless <enabled>no</enabled>) at
 * 127.0.0.1:9464 unless <local_ip> and <port> say otherwise. */
struct conf_metrics {
	struct conf_where where;
	bool present;
	bool enabled;         /* yes when present */
	const char *local_ip; /* 127.0.0.1 */
	unsigned port;        /* 9464 */
	unsigned max_clients; /* 8 */
};

/* Managers sharing agents, blocks and offences through PostgreSQL
 * (<cluster> with <database>, arx; Wazuh's <cluster> without it is
 * accepted and not used). */
struct conf_cluster {
	struct conf_where where;
	bool present;              /* a <cluster> with <database> */
	bool disabled;             /* <disabled>yes */
	const char *name;          /* the cluster's name ("arx") */
	const char *node_name;     /* this manager; NULL: <daemon><node_name> */
	const char *database;      /* libpq connection string or URI */
	const char *password_file; /* first line: the password; NULL: none */
	unsigned max_queued;       /* writes held while the database is away */
};

/* arx's own daemon settings (<daemon>); defaults in conf.c. */
struct conf_daemon {
	const char *state_dir;      /* block journal, positions */
	const char *log_dir;        /* alerts.*, active-responses.log */
	const char *ar_dir;         /* where bare executables are found */
	const char *control_socket; /* root-only control socket */
	const char *shared_dir;     /* manager: <group>/agent.conf files */
	const char *node_name;      /* origin.name in messages */
	const char *user;           /* the analysis child runs as this */
	bool lift_on_stop;          /* clean stop lifts every block */
	bool sandbox;               /* seccomp for the analysis child */
	unsigned max_blocks;        /* active blocks, all commands */
	unsigned max_history;       /* offence records kept */
	unsigned max_running;       /* programs running at once */
	unsigned max_queued;        /* runs waiting for a free slot */
	struct conf_where where;    /* the first <daemon>; file NULL if none */
	struct conf_where user_where; /* <user>; file NULL: the default */
};

struct arx_conf {
	struct arena arena; /* owns every string and array below */
	const char *path;   /* file it was loaded from */
	const char *dir; /* its directory, absolute; base of relative paths */
	struct conf_global global;
	struct conf_alerts alerts;
	struct conf_command *commands;
	size_t ncommands, commands_cap;
	struct conf_ar *ars;
	size_t nars, ars_cap;
	struct conf_localfile *localfiles;
	size_t nlocalfiles, localfiles_cap;
	struct conf_ruleset ruleset;
	struct conf_remote *remotes;
	size_t nremotes, remotes_cap;
	struct conf_client client;
	struct conf_client_buffer client_buffer;
	struct conf_auth auth;
	struct conf_feed feed;
	struct conf_blocklist *blocklists;
	size_t nblocklists, blocklists_cap;
	struct conf_metrics metrics;
	struct conf_cluster cluster;
	struct conf_daemon daemon;
	struct conf_email_alert *email_alerts;
	size_t nemail_alerts, email_alerts_cap;
	/* Host-wide response settings (an <active-response> without <command>). */
	bool ar_disabled;
	uint64_t default_repeated[CONF_MAX_REPEAT];
	size_t ndefault_repeated;
	unsigned nignored; /* elements accepted for compatibility but unused */
};

/* Whether arxd works in a <cluster> (present, not disabled), and this
 * manager's name in it. */
bool conf_cluster_on(const struct arx_conf *conf);
const char *conf_cluster_node(const struct arx_conf *conf);

/*
 * Load and validate path. Every problem is logged as "file:line: message"
 * (with a suggestion for misspelt names) and loading goes on to report the
 * next ones; any error makes the load fail with ARX_ERR_CONFIG. On success
 * *out owns a new configuration; on failure *out is NULL.
 */
int conf_load(const char *path, struct arx_conf **out);
/* Same, from a string (name is used in messages). */
int conf_load_mem(
    const char *name, const char *text, size_t len, struct arx_conf **out);
void conf_free(struct arx_conf *conf);

/*
 * An agent.conf pushed by the manager (conf_shared.c): the <localfile>
 * sections of the <agent_config> blocks that select() takes, given each
 * block's name, os and profile attributes (NULL when absent). Every
 * block is checked; a section other than <localfile> (or one arx
 * ignores) is an error. On error why holds the first, "file:line: what".
 */
typedef bool conf_select_fn(
    const char *name, const char *os, const char *profile, void *ctx);
int conf_load_shared(const char *name, const char *text, size_t len,
    conf_select_fn *select, void *sctx, struct arx_conf **out, char *why,
    size_t whysize);

/* Canonical XML form of the effective configuration (arxd -T). */
int conf_dump(const struct arx_conf *conf, struct buf *out);

/* Where entry i of v was written in the configuration, or NULL when
 * that is not known (a default, or a vector not read from a file). */
const struct conf_where *conf_strvec_where(const struct strvec *v, size_t i);

/* Look up a command by name; NULL if none. */
const struct conf_command *conf_command_find(
    const struct arx_conf *conf, const char *name);

#endif
