/*
 * Unit tests for transport/wire: every message type round-trips; every
 * truncation of a frame, a wrong version, type, flags or sequence
 * number, a duplicated field, a NUL in a string, a number of the wrong
 * size and a missing required field are refused with a reason; an
 * unknown tag is skipped; what wire_put() refuses is never written.
 */
#include <stdlib.h>

#include "testutil.h"

#include "core/err.h"
#include "transport/wire.h"

static void
response(struct wire_msg *m)
{
	wire_msg_init(m, WIRE_RESPONSE, 42);
	wire_set_u64(m, WT_RESPONSE_ID, 7);
	wire_set_str(m, WT_ACTION, "add");
	wire_set_str(m, WT_COMMAND, "firewall-drop");
	wire_set_str(m, WT_ADDRESS, "192.0.2.6");
	wire_set_u64(m, WT_TIMEOUT_S, 600);
	wire_set_u64(m, WT_RULE_ID, 5712);
}

static void
test_round_trip(void **state)
{
	static const char line[] = "Nov 22 10:00:00 h sshd[1]: x\0y";
	struct wire_msg m, back;
	const char *why;
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 22);
	response(&m);
	assert_int_equal(wire_put(&b, &m), 0);
	assert_int_equal(wire_parse(b.data, b.len, &back, &why), 0);
	assert_int_equal(back.type, WIRE_RESPONSE);
	assert_int_equal(back.seq, 42);
	assert_int_equal(back.f[WT_TIMEOUT_S].u, 600);
	assert_int_equal(back.f[WT_RULE_ID].u, 5712);
	assert_int_equal(back.f[WT_ADDRESS].len, 9);
	assert_memory_equal(back.f[WT_ADDRESS].p, "192.0.2.6", 9);
	assert_false(back.f[WT_ALERT_ID].set);

	/* Bytes may hold NUL; two frames in one buffer. */
	buf_reset(&b);
	wire_msg_init(&m, WIRE_EVENT, 1);
	wire_set_str(&m, WT_LOCATION, "/var/log/auth.log");
	wire_set_u64(&m, WT_TIME_MS, 1795349005000);
	wire_set_bytes(&m, WT_LINE, line, sizeof(line) - 1);
	assert_int_equal(wire_put(&b, &m), 0);
	size_t first = b.len, total;
	wire_msg_init(&m, WIRE_KEEPALIVE, 2);
	assert_int_equal(wire_put(&b, &m), 0);
	assert_int_equal(wire_frame_len(b.data, b.len, &total, &why), 0);
	assert_int_equal(total, first);
	assert_int_equal(wire_parse(b.data, total, &back, &why), 0);
	assert_int_equal(back.f[WT_LINE].len, sizeof(line) - 1);
	assert_int_equal(
	    wire_parse(b.data + first, b.len - first, &back, &why), 0);
	assert_int_equal(back.type, WIRE_KEEPALIVE);
	buf_release(&b);
}

static void
test_truncations(void **state)
{
	struct wire_msg m, back;
	const char *why;
	size_t total;
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	response(&m);
	assert_int_equal(wire_put(&b, &m), 0);
	for (size_t n = 0; n < b.len; n++) {
		assert_int_equal(
		    wire_parse(b.data, n, &back, &why), ARX_ERR_INVAL);
		assert_non_null(why);
		if (n < 4)
			assert_int_equal(
			    wire_frame_len(b.data, n, &total, &why),
			    ARX_ERR_AGAIN);
	}
	buf_release(&b);
}

/* Damage byte i of a good frame to v: refused with reason want. */
static void
damaged(size_t i, unsigned char v, const char *want)
{
	struct wire_msg m, back;
	const char *why;
	struct buf b;

	buf_init(&b, 1 << 20);
	response(&m);
	assert_int_equal(wire_put(&b, &m), 0);
	b.data[i] = (char)v;
	assert_int_equal(wire_parse(b.data, b.len, &back, &why), ARX_ERR_INVAL);
	assert_string_equal(why, want);
	buf_release(&b);
}

static void
test_damage(void **state)
{
	(void)state;
	damaged(0, 0x7f, "frame length out of range");
	damaged(3, 0, "frame length out of range");
	damaged(4, 2, "unknown version");
	damaged(5, 0, "unknown message type");
	damaged(5, WIRE_NTYPES, "unknown message type");
	damaged(7, 1, "unknown flags");
	damaged(15, 0, "sequence number 0");
	/* The first field is response_id (tag 10, bytes 16-29): make it
	 * tag 0, or say it is longer than the frame; the second is action
	 * (from byte 30): make it a second response_id. */
	damaged(17, 0, "field tag 0");
	damaged(18, 1, "a field is cut short");
	damaged(31, WT_RESPONSE_ID, "a field appears twice");
}

static void
test_fields(void **state)
{
	struct wire_msg m, back;
	const char *why;
	struct buf b;
	char big[300];

	(void)state;
	buf_init(&b, 1 << 20);
	/* Refused by wire_put: nothing written. */
	response(&m);
	wire_set_bytes(&m, WT_COMMAND, "fw\0x", 4);
	assert_int_equal(wire_put(&b, &m), ARX_ERR_INVAL);
	response(&m);
	m.f[WT_ADDRESS].set = false;
	assert_int_equal(wire_put(&b, &m), ARX_ERR_INVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	wire_msg_init(&m, WIRE_HELLO, 1);
	wire_set_u64(&m, WT_AGENT_ID, 3);
	wire_set_str(&m, WT_NAME, big);
	wire_set_str(&m, WT_VERSION, "0.1.0");
	assert_int_equal(wire_put(&b, &m), ARX_ERR_INVAL);
	wire_msg_init(&m, WIRE_ACK, 0);
	wire_set_u64(&m, WT_ACK_SEQ, 1);
	assert_int_equal(wire_put(&b, &m), ARX_ERR_INVAL);
	assert_int_equal(b.len, 0);

	/* Unknown tag 500 is skipped; a missing required field is not. */
	static const unsigned char unknown[] = {0, 0, 0, 32, 1, WIRE_ACK, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 9, 0x01, 0xf4, 0, 0, 0, 0, 0, WT_ACK_SEQ, 0, 0,
	    0, 8, 0, 0, 0, 0, 0, 0, 0, 5};
	assert_int_equal(wire_parse(unknown, sizeof(unknown), &back, &why), 0);
	assert_int_equal(back.f[WT_ACK_SEQ].u, 5);
	static const unsigned char missing[] = {
	    0, 0, 0, 12, 1, WIRE_ACK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
	assert_int_equal(
	    wire_parse(missing, sizeof(missing), &back, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "a required field is missing");
	static const unsigned char short_u64[] = {0, 0, 0, 19, 1, WIRE_ACK, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 9, 0, WT_ACK_SEQ, 0, 0, 0, 1, 5};
	assert_int_equal(wire_parse(short_u64, sizeof(short_u64), &back, &why),
	    ARX_ERR_INVAL);
	assert_string_equal(why, "a number field is not 8 bytes");
	static const unsigned char nul[] = {0, 0, 0, 20, 1, WIRE_BYE, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 9, 0, WT_MESSAGE, 0, 0, 0, 2, 'a', 0};
	assert_int_equal(
	    wire_parse(nul, sizeof(nul), &back, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "a string field holds a NUL byte");
	assert_string_equal(wire_type_name(WIRE_CONFIG), "config");
	assert_string_equal(wire_tag_name(WT_ADDRESS), "address");
	assert_string_equal(wire_type_name(99), "?");
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_damage),
	    cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
