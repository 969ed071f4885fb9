#include "tests/unit/test.h"

#include <dirent.h>
#include <unistd.h>

#include "common/volume.h"

/* Each test in a directory of its own (cmocka setup and teardown). */
static int enter(void **state)
{
	static int n;
	char dir[32];

	(void)state;
	snprintf(dir, sizeof(dir), "t%d", n++);
	test_make_dir(dir);
	return chdir(dir);
}

static int leave(void **state)
{
	(void)state;
	return chdir("..");
}

/* How many entries of the current directory are named "set.*". */
static int count_set(void)
{
	DIR *d = opendir(".");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "set.", 4))
			n++;
	closedir(d);
	return n;
}

static off_t size_of(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return -1;
	return sb.st_size;
}

/* A byte pattern that does not repeat at any volume size used here. */
static unsigned char byte_at(size_t i)
{
	return (unsigned char)((i * 7 + i / 251) & 0xff);
}

/* Writes n bytes of the pattern into a new set of size bytes a volume,
 * in writes of varied lengths; commits it. */
static void write_set(size_t n, uint64_t size, size_t *volumes)
{
	static const size_t chunks[] = {1, 7, 999, 1000, 1493, 0, 2048};
	struct cnab_volumes_out v = CNAB_VOLUMES_OUT_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_writer w;
	unsigned char *buf = malloc(n + 1);
	size_t done = 0, c = 0, i;

	assert_non_null(buf);
	for (i = 0; i < n; i++)
		buf[i] = byte_at(i);
	assert_int_equal(cnab_volumes_create(&v, "set", size, &err), CNAB_OK);
	w = cnab_volumes_writer(&v);
	while (done < n) {
		size_t take = chunks[c++ % (sizeof(chunks) / sizeof(*chunks))];

		if (take > n - done)
			take = n - done;
		assert_int_equal(w.write(w.ctx, buf + done, take, &err),
		                 CNAB_OK);
		done += take;
	}
	*volumes = v.n;
	assert_int_equal(cnab_volumes_commit(&v, &err), CNAB_OK);
	free(buf);
}

/* Reads the set back whole, with a small buffer; checks the pattern. */
static void read_set(size_t n)
{
	struct cnab_volumes_in v = CNAB_VOLUMES_IN_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_reader r;
	unsigned char buf[300];
	size_t got, done = 0, i;

	assert_int_equal(cnab_volumes_open(&v, "set.000", &err), CNAB_OK);
	assert_int_equal(v.total, n);
	r = cnab_volumes_reader(&v);
	do {
		assert_int_equal(
		        cnab_reader_read(&r, buf, sizeof(buf), &got, &err),
		        CNAB_OK);
		for (i = 0; i < got; i++)
			assert_int_equal(buf[i], byte_at(done + i));
		done += got;
	} while (got);
	assert_int_equal(done, n);
	assert_true(v.ended);
	cnab_volumes_release(&v);
}

/* Volumes of the size given, the last shorter; read back as one stream. */
static void test_round_trip(void **state)
{
	size_t n;

	(void)state;
	write_set(3500, 1000, &n);
	assert_int_equal(n, 4);
	assert_int_equal(count_set(), 4);
	assert_int_equal(size_of("set.000"), 1000);
	assert_int_equal(size_of("set.002"), 1000);
	assert_int_equal(size_of("set.003"), 500);
	read_set(3500);
	/* an exact multiple: no empty last volume */
	write_set(3000, 1000, &n);
	assert_int_equal(n, 3);
	assert_int_equal(count_set(), 3);
	assert_int_equal(size_of("set.002"), 1000);
	read_set(3000);
}

/* A shorter set over a longer one: the older volumes beyond it go, and
 * only those. */
static void test_stale(void **state)
{
	size_t n;

	(void)state;
	write_set(5500, 1000, &n);
	assert_int_equal(count_set(), 6);
	test_put_file("set.0007", "x", 1);
	test_put_file("set.abc", "x", 1);
	test_put_file("sets.004", "x", 1);
	write_set(1500, 1000, &n);
	assert_int_equal(n, 2);
	assert_int_equal(size_of("set.002"), -1);
	assert_int_equal(size_of("set.005"), -1);
	assert_int_equal(size_of("set.0007"), 1);
	assert_int_equal(size_of("set.abc"), 1);
	assert_int_equal(size_of("sets.004"), 1);
	read_set(1500);
}

/* Until commit, no volume has a name; abort leaves none. */
static void test_abort(void **state)
{
	struct cnab_volumes_out v = CNAB_VOLUMES_OUT_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_writer w;
	char buf[2500];

	(void)state;
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(cnab_volumes_create(&v, "set", 1000, &err), CNAB_OK);
	w = cnab_volumes_writer(&v);
	assert_int_equal(w.write(w.ctx, buf, sizeof(buf), &err), CNAB_OK);
	assert_int_equal(v.n, 3);
	assert_int_equal(count_set(), 0);
	cnab_volumes_abort(&v);
	assert_int_equal(count_set(), 0);
	/* too small a volume, and a path that cannot be written */
	assert_int_equal(cnab_volumes_create(&v, "set", 999, &err),
	                 CNAB_ERR_USAGE);
	cnab_volumes_abort(&v);
	cnab_err_clear(&err);
	assert_int_equal(cnab_volumes_create(&v, "no/dir/set", 1000, &err),
	                 CNAB_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot create 'no/dir/set.000'"));
	cnab_volumes_abort(&v);
}

/* The 1001st volume is refused; nothing is left. */
static void test_too_many(void **state)
{
	struct cnab_volumes_out v = CNAB_VOLUMES_OUT_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_writer w;
	char buf[1000];
	size_t i;

	(void)state;
	memset(buf, 'b', sizeof(buf));
	assert_int_equal(cnab_volumes_create(&v, "set", 1000, &err), CNAB_OK);
	w = cnab_volumes_writer(&v);
	for (i = 0; i < CNAB_VOLUMES_MAX; i++)
		assert_int_equal(w.write(w.ctx, buf, sizeof(buf), &err),
		                 CNAB_OK);
	assert_int_equal(w.write(w.ctx, buf, 1, &err), CNAB_ERR_USAGE);
	assert_string_equal(err.msg, "cannot write 'set': more than 1000 "
	                             "volumes of 1000 bytes");
	cnab_volumes_abort(&v);
	assert_int_equal(count_set(), 0);
}

/* A set missing a volume or with one cut short before the last. */
static void test_damaged_sets(void **state)
{
	struct cnab_volumes_in v = CNAB_VOLUMES_IN_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	size_t n;

	(void)state;
	write_set(3500, 1000, &n);
	assert_int_equal(truncate("set.001", 999), 0);
	assert_int_equal(cnab_volumes_open(&v, "set.000", &err),
	                 CNAB_ERR_CORRUPT);
	assert_string_equal(err.msg,
	                    "truncated volume 'set.001': 999 bytes, where the "
	                    "volumes of 'set.000' before the last have 1000");
	assert_int_equal(unlink("set.001"), 0);
	cnab_err_clear(&err);
	assert_int_equal(cnab_volumes_open(&v, "set.000", &err),
	                 CNAB_ERR_CORRUPT);
	assert_string_equal(err.msg, "missing volume 'set.001': the set "
	                             "'set.000' goes on to volume 3");
	cnab_err_clear(&err);
	/* the first one named must be the first; one absent is not found */
	assert_int_equal(cnab_volumes_open(&v, "set.001", &err),
	                 CNAB_ERR_USAGE);
	cnab_err_clear(&err);
	assert_int_equal(cnab_volumes_open(&v, "none.000", &err),
	                 CNAB_ERR_NOTFOUND);
	/* a last volume cut short cannot be told from here: it opens */
	write_set(3500, 1000, &n);
	assert_int_equal(truncate("set.003", 100), 0);
	assert_int_equal(cnab_volumes_open(&v, "set.000", &err), CNAB_OK);
	assert_int_equal(v.total, 3100);
	cnab_volumes_release(&v);
}

static void test_is_first(void **state)
{
	(void)state;
	assert_true(cnab_volumes_is_first("app.tgz.000"));
	assert_true(cnab_volumes_is_first("dir/a.000"));
	assert_false(cnab_volumes_is_first("app.tgz.001"));
	assert_false(cnab_volumes_is_first("app.tgz"));
	assert_false(cnab_volumes_is_first(".000"));
	assert_false(cnab_volumes_is_first("dir/.000"));
	assert_false(cnab_volumes_is_first("app.0000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_round_trip, enter, leave),
	        cmocka_unit_test_setup_teardown(test_stale, enter, leave),
	        cmocka_unit_test_setup_teardown(test_abort, enter, leave),
	        cmocka_unit_test_setup_teardown(test_too_many, enter, leave),
	        cmocka_unit_test_setup_teardown(test_damaged_sets, enter,
	                                        leave),
	        cmocka_unit_test_setup_teardown(test_is_first, enter, leave),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
