/*
 * Syslog datagrams on loopback: a message per datagram with its trailing
 * newline dropped and an inner newline kept in the one message, the
 * sender named by address, loopback only without allowed blocks, denied
 * and not-allowed senders dropped and counted, and a Unix socket.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "core/err.h"
#include "logsrc/dgram.h"

static char got[4096];

static void
on_msg(const char *msg, size_t len, const char *from, void *ctx)
{
	(void)ctx;
	strncat(got, msg, len);
	strcat(got, "@");
	strcat(got, from);
	strcat(got, "|");
}

static void
send_udp(unsigned port, const char *text)
{
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_true(sendto(fd, text, strlen(text), 0, (struct sockaddr *)&sa,
			sizeof(sa)) > 0);
	close(fd);
}

static void
test_udp(void **state)
{
	struct logsrc_dgram *s;
	struct logsrc_dgram_stats st;
	struct arx_cidr other, lo;
	struct logsrc_dgram_filter only_other = {&other, NULL, 1, 0};
	struct logsrc_dgram_filter deny_lo = {NULL, &lo, 0, 1};

	(void)state;
	got[0] = '\0';
	assert_int_equal(cidr_parse("192.0.2.0/24", &other), 0);
	assert_int_equal(cidr_parse("127.0.0.1/32", &lo), 0);
	assert_int_equal(
	    logsrc_dgram_udp("127.0.0.1", 0, NULL, on_msg, NULL, &s), 0);
	send_udp(logsrc_dgram_port(s),
	    "<38>Nov 22 10:00:00 web1 sshd[1]: Invalid user a from 192.0.2.6\n");
	send_udp(logsrc_dgram_port(s), "one\nInvalid user b from 192.0.2.7");
	usleep(50000);
	assert_int_equal(logsrc_dgram_read(s), 2);
	assert_string_equal(got,
	    "<38>Nov 22 10:00:00 web1 sshd[1]: Invalid user a from "
	    "192.0.2.6@127.0.0.1|one\nInvalid user b from 192.0.2.7@127.0.0.1|");
	logsrc_dgram_close(s);
	/* Allowed blocks that do not hold the sender, or a denied one. */
	assert_int_equal(
	    logsrc_dgram_udp("127.0.0.1", 0, &only_other, on_msg, NULL, &s), 0);
	send_udp(logsrc_dgram_port(s), "x");
	usleep(50000);
	assert_int_equal(logsrc_dgram_read(s), 0);
	logsrc_dgram_stats(s, &st);
	assert_int_equal(st.denied, 1);
	logsrc_dgram_close(s);
	assert_int_equal(
	    logsrc_dgram_udp(NULL, 0, &deny_lo, on_msg, NULL, &s), 0);
	send_udp(logsrc_dgram_port(s), "x");
	usleep(50000);
	assert_int_equal(logsrc_dgram_read(s), 0);
	logsrc_dgram_close(s);
	assert_int_equal(
	    logsrc_dgram_udp("not-an-ip", 0, NULL, on_msg, NULL, &s),
	    ARX_ERR_INVAL);
}

static void
test_unix(void **state)
{
	char dir[] = "/tmp/arx-dgram-XXXXXX", path[64];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct logsrc_dgram *s;
	int fd;

	(void)state;
	got[0] = '\0';
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log.sock", dir);
	assert_int_equal(logsrc_dgram_unix(path, on_msg, NULL, &s), 0);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(sendto(fd, "hello\n", 6, 0, (struct sockaddr *)&sa,
			sizeof(sa)) == 6);
	close(fd);
	assert_int_equal(logsrc_dgram_read(s), 1);
	assert_non_null(strstr(got, "hello@/tmp/arx-dgram-"));
	/* What programs write to /dev/log has no host name: it gets one;
	 * a message that has one keeps it. */
	logsrc_dgram_set_host(s, "vm");
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	for (const char *const *m =
		 (const char *const[]){
		     "<38>Nov 25 10:00:00 sshd[1]: Invalid user a",
		     "Nov 25 10:00:00 su: x",
		     "<38>Nov 25 10:00:00 h2 sshd[1]: y",
		     "<38>Nov 25 10:00:00 ", NULL};
	     *m != NULL; m++)
		assert_true(
		    sendto(fd, *m, strlen(*m), 0, (struct sockaddr *)&sa,
			sizeof(sa)) == (ssize_t)strlen(*m));
	close(fd);
	got[0] = '\0';
	assert_int_equal(logsrc_dgram_read(s), 4);
	assert_non_null(
	    strstr(got, "<38>Nov 25 10:00:00 vm sshd[1]: Invalid user a@"));
	assert_non_null(strstr(got, "|Nov 25 10:00:00 vm su: x@"));
	assert_non_null(strstr(got, "|<38>Nov 25 10:00:00 h2 sshd[1]: y@"));
	assert_non_null(strstr(got, "|<38>Nov 25 10:00:00 @"));
	logsrc_dgram_close(s);
	assert_int_equal(access(path, F_OK), -1);
	rmdir(dir);
}

static size_t got_len;

static void
on_len(const char *msg, size_t len, const char *from, void *ctx)
{
	(void)msg, (void)from, (void)ctx;
	got_len = len;
}

/* A datagram longer than LOGSRC_DGRAM_MAX is handed over one byte
 * longer than that (so the event knows it was cut) and counted; one of
 * exactly LOGSRC_DGRAM_MAX bytes with its newline is whole. */
static void
test_cut(void **state)
{
	char dir[] = "/tmp/arx-dgram-XXXXXX", path[64];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t big = 70000;
	char *m = malloc(big);
	struct logsrc_dgram_stats st;
	struct logsrc_dgram *s;
	int fd;

	(void)state;
	assert_non_null(m);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log.sock", dir);
	assert_int_equal(logsrc_dgram_unix(path, on_len, NULL, &s), 0);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(m, 'a', big);
	memcpy(m + big - 18, " from 203.0.113.9\n", 18);
	assert_true(sendto(fd, m, big, 0, (struct sockaddr *)&sa, sizeof(sa)) ==
	    (ssize_t)big);
	assert_int_equal(logsrc_dgram_read(s), 1);
	assert_int_equal(got_len, LOGSRC_DGRAM_MAX + 1);
	m[LOGSRC_DGRAM_MAX] = '\n';
	assert_true(
	    sendto(fd, m, LOGSRC_DGRAM_MAX + 1, 0, (struct sockaddr *)&sa,
		sizeof(sa)) == LOGSRC_DGRAM_MAX + 1);
	assert_int_equal(logsrc_dgram_read(s), 1);
	assert_int_equal(got_len, LOGSRC_DGRAM_MAX);
	logsrc_dgram_stats(s, &st);
	assert_int_equal(st.cut, 1);
	close(fd);
	logsrc_dgram_close(s);
	unlink(path);
	rmdir(dir);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udp),
	    cmocka_unit_test(test_unix),
	    cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
