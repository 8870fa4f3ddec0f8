/*
 * Unit tests for transport/keys: agents added get increasing ids and
 * distinct random keys; a removed agent keeps its id (never given again)
 * and is no longer found; the table survives a save and a load exactly;
 * each kind of damaged line is refused with file:line and the others are
 * kept; the file is written 0600; groups and one-time tokens (derived
 * key kept, never the secret; bound to a name or not; expiring) survive
 * a save and a load.
 */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/err.h"
#include "transport/keys.h"

static void
test_add_remove_save(void **state)
{
	char dir[] = "/tmp/arx-keys-XXXXXX", path[64];
	struct agent_keys ks = {0}, back;
	struct agent_key a, b, c;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/agents", dir);
	assert_int_equal(keys_load(path, &ks), 0);
	assert_int_equal(ks.n, 0);
	assert_int_equal(keys_add(&ks, "web01", "any", &a), 0);
	assert_int_equal(keys_add(&ks, "web02", "192.0.2.0/24", &b), 0);
	assert_int_equal(a.id, 1);
	assert_int_equal(b.id, 2);
	assert_memory_not_equal(a.key, b.key, TLS_KEY_LEN);
	assert_int_equal(keys_add(&ks, "web01", "any", &c), ARX_ERR_EXISTS);
	assert_int_equal(keys_add(&ks, "bad name", "any", &c), ARX_ERR_INVAL);
	assert_int_equal(
	    keys_add(&ks, "x", "not-an-address", &c), ARX_ERR_INVAL);
	assert_int_equal(keys_remove(&ks, "web01", 1795349005), 0);
	assert_null(keys_find(&ks, 1));
	assert_int_equal(keys_remove(&ks, "1", 1), ARX_ERR_NOTFOUND);
	/* The name is free again, the id is not. */
	assert_int_equal(keys_add(&ks, "web01", "any", &c), 0);
	assert_int_equal(c.id, 3);
	assert_int_equal(keys_remove(&ks, "2", 1795349006), 0);
	assert_int_equal(keys_save(path, &ks), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(keys_load(path, &back), 0);
	assert_int_equal(back.n, 3);
	assert_int_equal(back.damaged, 0);
	assert_true(back.v[0].removed);
	assert_int_equal(back.v[0].removed_at, 1795349005);
	assert_string_equal(back.v[1].from, "192.0.2.0/24");
	assert_memory_equal(back.v[1].key, b.key, TLS_KEY_LEN);
	assert_non_null(keys_find(&back, 3));
	assert_string_equal(keys_find_name(&back, "web01")->name, "web01");
	assert_int_equal(keys_find_name(&back, "web01")->id, 3);
	keys_release(&ks);
	keys_release(&back);
	unlink(path);
	rmdir(dir);
}

static void
test_groups_tokens(void **state)
{
	char dir[] = "/tmp/arx-keys-XXXXXX", path[64], text[KEYS_TOKEN_TEXT];
	char secret[65], buf[4096];
	struct agent_keys ks = {0}, back;
	struct agent_key a;
	unsigned char key[TLS_KEY_LEN];
	uint64_t id;
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/agents", dir);
	assert_int_equal(keys_add(&ks, "web01", "any", &a), 0);
	assert_int_equal(keys_set_group(&ks, "web01", "dmz"), 0);
	assert_int_equal(keys_set_group(&ks, "web01", "no way"), ARX_ERR_INVAL);
	assert_int_equal(keys_set_group(&ks, "db9", "dmz"), ARX_ERR_NOTFOUND);
	assert_int_equal(keys_token_add(&ks, 1000, 60, "db01", text), 0);
	assert_true(keys_token_parse(text, &id, secret));
	assert_int_equal(keys_token_add(&ks, 1000, 5, NULL, text), 0);
	assert_int_equal(
	    keys_token_add(&ks, 1000, 5, "a b", text), ARX_ERR_INVAL);
	assert_int_equal(keys_save(path, &ks), 0);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_null(strstr(buf, secret)); /* only the derived key */
	assert_non_null(strstr(buf, " active group=dmz\n"));
	assert_int_equal(keys_load(path, &back), 0);
	assert_int_equal(back.damaged, 0);
	assert_string_equal(keys_find(&back, 1)->group, "dmz");
	assert_int_equal(back.ntokens, 2);
	assert_non_null(keys_token_find(&back, id, 1059));
	assert_null(keys_token_find(&back, id, 1060)); /* expired */
	assert_int_equal(tls_enroll_key(secret, key), 0);
	assert_memory_equal(
	    keys_token_find(&back, id, 1001)->key, key, TLS_KEY_LEN);
	assert_string_equal(keys_token_find(&back, id, 1001)->name, "db01");
	keys_token_drop(&back, id, 1001);
	assert_int_equal(back.ntokens, 1); /* the other, still valid */
	keys_token_drop(&back, 0, 1006);
	assert_int_equal(back.ntokens, 0); /* expired */
	assert_false(keys_token_parse("arx-token:12:ab", &id, secret));
	assert_false(keys_token_parse("a password", &id, secret));
	keys_release(&ks);
	keys_release(&back);
	unlink(path);
	rmdir(dir);
}

static void
test_damaged(void **state)
{
	char dir[] = "/tmp/arx-keys-XXXXXX", path[64];
	static const char good[] = "00112233445566778899aabbccddeeff"
				   "00112233445566778899aabbccddeeff";
	struct log_capture lc;
	struct agent_keys ks;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/agents", dir);
	f = fopen(path, "w");
	fprintf(f, "# agents\n1 a any %s active\n", good);
	fprintf(f, "2 b any %.60s active\n", good);
	fprintf(f, "3 b;c any %s active\n", good);
	fprintf(f, "4 d nowhere %s active\n", good);
	fprintf(f, "5 e any %s sleeping\n", good);
	fprintf(f, "1 f any %s active\n", good);
	fprintf(f, "6 a any %s active\n", good);
	fprintf(f, "7 g 2001:db8::/32 %s removed 12\n", good);
	fclose(f);
	capture_start(&lc);
	assert_int_equal(keys_load(path, &ks), 0);
	capture_stop();
	assert_int_equal(ks.n, 2);
	assert_int_equal(ks.damaged, 6);
	assert_captured(&lc, "agents:3: the key is not 64 hexadecimal digits");
	assert_captured(&lc, "agents:4: the name is not 1-64");
	assert_captured(&lc, "agents:5: the source is not 'any'");
	assert_captured(&lc, "agents:6: the state is not 'active'");
	assert_captured(&lc, "agents:7: the id is given twice");
	assert_captured(&lc, "agents:8: the name is given twice");
	assert_non_null(keys_find(&ks, 1));
	assert_null(keys_find(&ks, 7));
	keys_release(&ks);
	unlink(path);
	rmdir(dir);
}

/* Lines from another copy of the table (a <cluster>'s database): a new
 * agent is added, a removal taken and never undone, a group change
 * taken, an agent whose id or name is another's here refused; a token
 * added, and forgotten once used elsewhere. Formatting a line and
 * merging it back gives the same entry. */
static void
test_merge(void **state)
{
	static const char key[] = "00112233445566778899aabbccddeeff"
				  "00112233445566778899aabbccddeeff";
	static const char other[] = "ffeeddccbbaa99887766554433221100"
				    "ffeeddccbbaa99887766554433221100";
	struct agent_keys ks = {0}, copy = {0};
	struct agent_key a;
	char line[256], tok[KEYS_TOKEN_TEXT];
	struct buf b;
	bool changed = false;

	(void)state;
	snprintf(line, sizeof(line), "1 web01 any %s active", key);
	assert_null(keys_merge_line(&ks, line, false, 100, &changed));
	assert_true(changed && ks.n == 1);
	changed = false;
	assert_null(keys_merge_line(&ks, line, false, 100, &changed));
	assert_false(changed);
	snprintf(line, sizeof(line), "1 web01 any %s active group=db", key);
	assert_null(keys_merge_line(&ks, line, false, 100, &changed));
	assert_true(changed);
	assert_string_equal(ks.v[0].group, "db");
	snprintf(line, sizeof(line), "1 web01 any %s active", other);
	assert_string_equal(keys_merge_line(&ks, line, false, 100, &changed),
	    "another agent has its id here");
	snprintf(line, sizeof(line), "2 web01 any %s active", other);
	assert_string_equal(keys_merge_line(&ks, line, false, 100, &changed),
	    "its name is another agent's here");
	snprintf(line, sizeof(line), "1 web01 any %s removed 90", key);
	assert_null(keys_merge_line(&ks, line, false, 100, &changed));
	assert_null(keys_find(&ks, 1));
	snprintf(line, sizeof(line), "1 web01 any %s active", key);
	changed = false;
	assert_null(keys_merge_line(&ks, line, false, 100, &changed));
	assert_false(changed);
	assert_null(keys_find(&ks, 1));
	/* a token: added, then forgotten when used elsewhere */
	assert_int_equal(keys_token_add(&copy, 100, 3600, NULL, tok), 0);
	buf_init(&b, 4096);
	assert_int_equal(keys_token_format(&b, &copy.tokens[0]), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_null(keys_merge_line(&ks, b.data, false, 100, &changed));
	assert_int_equal(ks.ntokens, 1);
	assert_memory_equal(ks.tokens[0].key, copy.tokens[0].key, TLS_KEY_LEN);
	assert_null(keys_merge_line(&ks, b.data, true, 100, &changed));
	assert_int_equal(ks.ntokens, 0);
	/* an agent formatted and merged back is the same */
	assert_int_equal(keys_add(&copy, "web01", "any", &a), 0); /* id 1 */
	assert_int_equal(keys_add(&copy, "web02", "192.0.2.0/24", &a), 0);
	buf_reset(&b);
	assert_int_equal(keys_agent_format(&b, &a), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_null(keys_merge_line(&ks, b.data, false, 100, &changed));
	assert_non_null(keys_find(&ks, a.id));
	assert_memory_equal(keys_find(&ks, a.id)->key, a.key, TLS_KEY_LEN);
	assert_string_equal(keys_find(&ks, a.id)->from, "192.0.2.0/24");
	buf_release(&b);
	keys_release(&ks);
	keys_release(&copy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_remove_save),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_groups_tokens),
	    cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
