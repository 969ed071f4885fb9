/* The upload pool: its limits, its budget, and how a failure stops it. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#include "test.h"

#include "common/upload-pool.h"

/* "127.0.0.1:PORT" of a port nothing listens on. */
static void closed_port(char *host, size_t n)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(host, n, "127.0.0.1:%u", ntohs(a.sin_port));
	close(fd);
}

static const struct cnab_registry_opts fast_fail = {
        .max_attempts = 1,
        .retry_base_ms = 1,
        .retry_cap_ms = 1,
};

static void test_jobs_range(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_upload_pool *p = (void *)1;
	static const int bad[] = {0, -1, CNAB_UPLOAD_MAX_JOBS + 1};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cnab_upload_pool_new(&p, "127.0.0.1:1", "a/b",
		                                      &fast_fail, bad[i], 0,
		                                      &err),
		                 CNAB_ERR_USAGE);
		assert_null(p);
	}
	cnab_upload_pool_free(NULL);
}

/* A blob is taken up to a quarter of the budget; the default is 8 MiB. */
static void test_max_blob(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_upload_pool *p;
	void *buf = (void *)1;

	(void)state;
	assert_int_equal(cnab_upload_pool_new(&p, "127.0.0.1:1", "a/b",
	                                      &fast_fail, 2, 0, &err),
	                 CNAB_OK);
	assert_int_equal(cnab_upload_pool_max_blob(p), (uint64_t)2 << 20);
	assert_int_equal(cnab_upload_pool_reserve(p, ((uint64_t)2 << 20) + 1,
	                                          &buf, &err),
	                 CNAB_ERR_INVALID);
	assert_null(buf);
	cnab_upload_pool_free(p);
}

static void on_alarm(int sig)
{
	(void)sig;
	/* a reserve that waits for room nothing will give */
	_exit(99);
}

/* What is dropped gives its room back; a full budget lets one more in
 * when nothing is held (a blob of the budget's quarter always fits). */
static void test_budget(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_upload_pool *p;
	void *buf[5];
	int i;

	(void)state;
	signal(SIGALRM, on_alarm);
	alarm(20);
	assert_int_equal(cnab_upload_pool_new(&p, "127.0.0.1:1", "a/b",
	                                      &fast_fail, 1, 4096, &err),
	                 CNAB_OK);
	for (i = 0; i < 4; i++)
		assert_int_equal(
		        cnab_upload_pool_reserve(p, 1024, &buf[i], &err),
		        CNAB_OK);
	cnab_upload_pool_drop(p, buf[2]);
	assert_int_equal(cnab_upload_pool_reserve(p, 1024, &buf[4], &err),
	                 CNAB_OK);
	memset(buf[4], 'x', 1024);
	cnab_upload_pool_drop(p, buf[4]);
	for (i = 0; i < 4; i++)
		if (i != 2)
			cnab_upload_pool_drop(p, buf[i]);
	cnab_upload_pool_drop(p, NULL);
	assert_int_equal(cnab_upload_pool_reserve(p, 0, &buf[0], &err),
	                 CNAB_OK);
	cnab_upload_pool_drop(p, buf[0]);
	assert_int_equal(cnab_upload_pool_wait(p, &err), CNAB_OK);
	cnab_upload_pool_free(p);
	alarm(0);
}

/*
 * A registry that cannot be reached: the upload fails, wait says why, and
 * the failure stands for every later call; what is still queued is
 * dropped when the pool is freed (the sanitizer build checks the leaks).
 */
static void test_failure_stops(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct cnab_upload_stats stats;
	struct cnab_upload_pool *p;
	enum cnab_status st;
	char host[64];
	void *buf;
	int i;

	(void)state;
	closed_port(host, sizeof(host));
	assert_int_equal(
	        cnab_upload_pool_new(&p, host, "a/b", &fast_fail, 2, 0, &err),
	        CNAB_OK);
	d.size = 5;
	assert_int_equal(
	        cnab_digest_of(CNAB_DIGEST_SHA256, "hello", 5, &d.digest),
	        CNAB_OK);
	/* (the first may have failed already: then so do the next calls) */
	for (i = 0; i < 3; i++) {
		st = cnab_upload_pool_reserve(p, 5, &buf, &err);
		if (st == CNAB_OK) {
			memcpy(buf, "hello", 5);
			st = cnab_upload_pool_submit(p, &d, buf, &err);
		}
		assert_true(st == CNAB_OK || (i && st == CNAB_ERR_NET));
	}
	assert_int_equal(cnab_upload_pool_wait(p, &err), CNAB_ERR_NET);
	assert_non_null(strstr(err.msg, host));
	cnab_err_clear(&err);
	assert_int_equal(cnab_upload_pool_failed(p, &err), CNAB_ERR_NET);
	assert_non_null(strstr(err.msg, host));
	cnab_err_clear(&err);
	buf = (void *)1;
	assert_int_equal(cnab_upload_pool_reserve(p, 5, &buf, &err),
	                 CNAB_ERR_NET);
	assert_null(buf);
	cnab_upload_pool_stats(p, &stats);
	assert_int_equal(stats.uploaded, 0);
	assert_int_equal(stats.present, 0);
	assert_int_equal(stats.reg.blobs_uploaded, 0);
	cnab_upload_pool_free(p);
}

/* A buffer of one size is not a blob of another. */
static void test_submit_size(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct cnab_upload_pool *p;
	void *buf;

	(void)state;
	assert_int_equal(cnab_upload_pool_new(&p, "127.0.0.1:1", "a/b",
	                                      &fast_fail, 1, 0, &err),
	                 CNAB_OK);
	assert_int_equal(cnab_upload_pool_reserve(p, 5, &buf, &err), CNAB_OK);
	d.size = 6;
	assert_int_equal(cnab_upload_pool_submit(p, &d, buf, &err),
	                 CNAB_ERR_INVALID);
	assert_int_equal(cnab_upload_pool_wait(p, &err), CNAB_OK);
	cnab_upload_pool_free(p);
}

/* The files in dir, not . and .. */
static int entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/*
 * The spool: off by default; a file while the budget has room, -1 (never a
 * wait) when it has not; room given back by unspool; its files never
 * named in the directory; a directory that is not there is no spool.
 */
static void test_spool(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_upload_pool *p;
	char dir[] = "/tmp/cnab-test-spool-XXXXXX", missing[64];
	int a, b, c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(cnab_upload_pool_new(&p, "127.0.0.1:1", "a/b",
	                                      &fast_fail, 1, 0, &err),
	                 CNAB_OK);
	assert_int_equal(cnab_upload_pool_spool(p, 100, &a, &err), CNAB_OK);
	assert_int_equal(a, -1);
	cnab_upload_pool_set_spool(p, 1000, dir);
	assert_int_equal(cnab_upload_pool_spool(p, 600, &a, &err), CNAB_OK);
	assert_true(a >= 0);
	assert_int_equal(write(a, "spooled", 7), 7);
	assert_int_equal(entries(dir), 0);
	assert_int_equal(cnab_upload_pool_spool(p, 600, &b, &err), CNAB_OK);
	assert_int_equal(b, -1);
	assert_int_equal(cnab_upload_pool_spool(p, 400, &b, &err), CNAB_OK);
	assert_true(b >= 0);
	assert_int_equal(cnab_upload_pool_spool(p, 1, &c, &err), CNAB_OK);
	assert_int_equal(c, -1);
	cnab_upload_pool_unspool(p, 600, a);
	assert_int_equal(cnab_upload_pool_spool(p, 600, &a, &err), CNAB_OK);
	assert_true(a >= 0);
	cnab_upload_pool_unspool(p, 600, a);
	cnab_upload_pool_unspool(p, 400, b);
	/* over the whole budget: never spooled */
	assert_int_equal(cnab_upload_pool_spool(p, 1001, &a, &err), CNAB_OK);
	assert_int_equal(a, -1);
	snprintf(missing, sizeof(missing), "%s/not-there", dir);
	cnab_upload_pool_set_spool(p, 1000, missing);
	assert_int_equal(cnab_upload_pool_spool(p, 10, &a, &err), CNAB_OK);
	assert_int_equal(a, -1);
	cnab_upload_pool_set_spool(p, 0, dir);
	assert_int_equal(cnab_upload_pool_spool(p, 10, &a, &err), CNAB_OK);
	assert_int_equal(a, -1);
	assert_int_equal(cnab_upload_pool_wait(p, &err), CNAB_OK);
	cnab_upload_pool_free(p);
	assert_int_equal(entries(dir), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * A spooled blob for a registry that cannot be reached: the failure is
 * the pool's, the file is closed, and what it held is given back.
 */
static void test_spool_failure(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct cnab_upload_pool *p;
	char host[64], dir[] = "/tmp/cnab-test-spool-XXXXXX";
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	closed_port(host, sizeof(host));
	assert_int_equal(
	        cnab_upload_pool_new(&p, host, "a/b", &fast_fail, 1, 0, &err),
	        CNAB_OK);
	cnab_upload_pool_set_spool(p, 1 << 20, dir);
	assert_int_equal(cnab_upload_pool_spool(p, 5, &fd, &err), CNAB_OK);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello", 5), 5);
	assert_int_equal(
	        cnab_digest_of(CNAB_DIGEST_SHA256, "hello", 5, &d.digest),
	        CNAB_OK);
	d.size = 5;
	assert_int_equal(cnab_upload_pool_submit_file(p, &d, fd, &err),
	                 CNAB_OK);
	assert_int_equal(cnab_upload_pool_wait(p, &err), CNAB_ERR_NET);
	assert_non_null(strstr(err.msg, host));
	/* the failure stands: no more spooling */
	assert_int_equal(cnab_upload_pool_spool(p, 5, &fd, &err), CNAB_ERR_NET);
	assert_int_equal(fd, -1);
	cnab_upload_pool_free(p);
	assert_int_equal(entries(dir), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_jobs_range),
	        cmocka_unit_test(test_max_blob),
	        cmocka_unit_test(test_budget),
	        cmocka_unit_test(test_failure_stops),
	        cmocka_unit_test(test_submit_size),
	        cmocka_unit_test(test_spool),
	        cmocka_unit_test(test_spool_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
