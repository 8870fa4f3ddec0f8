/*
 * An agent.conf, Wazuh's centralised configuration, as an agent applies
 * it: one or more <agent_config> blocks, each with optional name, os and
 * profile attributes that the caller's select function tests (the
 * patterns belong to the engine's OS_Match, a layer above this one).
 * Every block is checked, whether it applies or not, so a file that is
 * wrong for one agent is refused by all; only the blocks that apply keep
 * their sections. What an agent.conf may set is what the agent's
 * analysis child runs: <localfile>. The sections arx ignores are
 * accepted; anything else (responses, white list, the manager to talk
 * to) belongs in the agent's own configuration and is an error here,
 * as a push must never change how the agent's root process behaves.
 */
#include <stdio.h>
#include <string.h>

#include "config/conf_int.h"
#include "core/err.h"
#include "core/log.h"

static const char *const shared_sections[] = {"localfile"};

static bool
attrs_known(struct conf_ctx *ctx, const struct xml_node *n)
{
	for (size_t i = 0; i < n->nattrs; i++) {
		const char *a = n->attrs[i].name;

		if (strcmp(a, "name") != 0 && strcmp(a, "os") != 0 &&
		    strcmp(a, "profile") != 0) {
			conf_err(ctx, n,
			    "unknown attribute '%s' on <agent_config> "
			    "(name, os and profile are known)",
			    a);
			return false;
		}
	}
	return true;
}

static bool
shared_allowed(const char *name)
{
	for (size_t i = 0;
	     i < sizeof(shared_sections) / sizeof(*shared_sections); i++)
		if (strcmp(shared_sections[i], name) == 0)
			return true;
	return false;
}

/* The sections of one <agent_config> block. */
static void
block_read(struct conf_ctx *ctx, const struct xml_node *block)
{
	const struct conf_section *s;
	const struct xml_node *n;
	void *obj;

	for (n = block->child; n != NULL; n = n->next) {
		if (conf_section_ignored(n->name)) {
			(void)conf_set_ignored(ctx, n, NULL, NULL);
			continue;
		}
		s = conf_root_section(n->name);
		if (s == NULL || !shared_allowed(n->name)) {
			conf_err(ctx, n,
			    "<%s> cannot be set through agent.conf: only "
			    "<localfile> is; the rest is set in the agent's "
			    "own configuration",
			    n->name);
			continue;
		}
		if ((obj = s->open(ctx, n, ctx->conf)) == NULL)
			conf_err(ctx, n, "out of memory");
		else
			(void)conf_section_read(ctx, n, s, obj);
	}
}

static void
shared_read(struct conf_ctx *ctx, const struct xml_doc *doc,
    conf_select_fn *select, void *sctx)
{
	const struct xml_node *n;
	size_t before;

	for (n = doc->root.child; n != NULL; n = n->next) {
		if (strcmp(n->name, "agent_config") != 0) {
			conf_err(ctx, n,
			    "unknown top-level element <%s> in agent.conf; "
			    "expected <agent_config>",
			    n->name);
			continue;
		}
		if (!attrs_known(ctx, n))
			continue;
		before = ctx->conf->nlocalfiles;
		block_read(ctx, n);
		if (!select(xml_attr_get(n, "name"), xml_attr_get(n, "os"),
			xml_attr_get(n, "profile"), sctx))
			ctx->conf->nlocalfiles = before; /* checked, not kept */
	}
}

int
conf_load_shared(const char *name, const char *text, size_t len,
    conf_select_fn *select, void *sctx, struct arx_conf **out, char *why,
    size_t whysize)
{
	struct conf_ctx ctx = {0};
	struct xml_doc *doc = NULL;
	int r;

	*out = NULL;
	log_capture(why, whysize);
	if ((r = xml_read_mem(name, text, len, &doc)) != 0)
		goto out;
	r = ARX_ERR_NOMEM;
	if ((ctx.conf = conf_new(name)) == NULL)
		goto out;
	shared_read(&ctx, doc, select, sctx);
	r = ctx.nerrors == 0 ? 0 : ARX_ERR_CONFIG;
out:
	log_capture(NULL, 0);
	xml_doc_free(doc);
	if (r != 0) {
		conf_free(ctx.conf);
		if (why[0] == '\0')
			snprintf(why, whysize, "%s: %s", name, arx_strerror(r));
		return r == ARX_ERR_NOMEM ? r : ARX_ERR_CONFIG;
	}
	*out = ctx.conf;
	return 0;
}
