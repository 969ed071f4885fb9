#define _GNU_SOURCE /* O_TMPFILE */
#include "tests/unit/test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"

static void test_read_caps(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	char *data;
	size_t len;
	FILE *f = fopen("ten", "w");

	(void)state;
	fputs("0123456789", f);
	fclose(f);
	assert_int_equal(cnab_file_read("ten", 10, &data, &len, &err), CNAB_OK);
	assert_int_equal(len, 10);
	assert_string_equal(data, "0123456789");
	free(data);
	assert_int_equal(cnab_file_read("ten", 9, &data, &len, &err),
	                 CNAB_ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "larger than the limit of 9 bytes"));
	cnab_err_clear(&err);
	assert_int_equal(cnab_file_read("absent", 9, &data, &len, &err),
	                 CNAB_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "cannot open 'absent'"));
}

/* Counts the directory's entries whose name starts with prefix. */
static int count(const char *prefix)
{
	char cmd[256];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "ls -a | grep -c '^%s' || true", prefix);
	p = popen(cmd, "r");
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/* Only a missing file is "not found"; other failures are I/O errors. */
static void test_open_errors(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	FILE *f = fopen("plain", "w");
	int fd = 7;

	(void)state;
	fclose(f);
	assert_int_equal(cnab_file_open("absent", &fd, &err),
	                 CNAB_ERR_NOTFOUND);
	cnab_err_clear(&err);
	assert_int_equal(cnab_file_open("plain/x", &fd, &err), CNAB_ERR_IO);
	assert_string_equal(err.msg, "cannot open 'plain/x': Not a directory");
	cnab_err_clear(&err);
	assert_int_equal(cnab_file_open(".", &fd, &err), CNAB_ERR_IO);
	assert_string_equal(err.msg, "cannot open '.': Is a directory");
	assert_int_equal(fd, -1);
	assert_int_equal(cnab_file_open("-", &fd, &err), CNAB_OK);
	assert_int_equal(fd, STDIN_FILENO);
	assert_int_equal(cnab_file_open("plain", &fd, &err), CNAB_OK);
	assert_true(fd > STDIN_FILENO);
	close(fd);
}

/* Whether the current directory's file system makes unnamed files. */
static bool has_tmpfile(void)
{
	int fd = open(".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void test_outfile_commit_abort(void **state)
{
	struct cnab_outfile f = CNAB_OUTFILE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct stat sb;
	char *data;
	size_t len;
	mode_t old = umask(027);

	(void)state;
	/* nothing appears under the name until commit; where the file
	 * system has O_TMPFILE (the tests' has), under no name at all */
	assert_int_equal(cnab_outfile_open(&f, "out.tgz", &err), CNAB_OK);
	assert_int_equal(cnab_write_all(f.fd, "abc", 3, "out.tgz", &err),
	                 CNAB_OK);
	assert_int_equal(stat("out.tgz", &sb), -1);
	assert_int_equal(count("out.tgz.tmp-"), has_tmpfile() ? 0 : 1);
	assert_true(has_tmpfile() == (f.tmp == NULL));
	assert_int_equal(cnab_outfile_commit(&f, &err), CNAB_OK);
	assert_int_equal(stat("out.tgz", &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640); /* 0666 less the umask */
	assert_int_equal(count("out.tgz.tmp-"), 0);
	assert_int_equal(cnab_file_read("out.tgz", 100, &data, &len, &err),
	                 CNAB_OK);
	assert_string_equal(data, "abc");
	free(data);
	/* committed over an existing file: replaced, nothing else left */
	assert_int_equal(cnab_outfile_open(&f, "out.tgz", &err), CNAB_OK);
	assert_int_equal(cnab_write_all(f.fd, "new", 3, "out.tgz", &err),
	                 CNAB_OK);
	assert_int_equal(cnab_outfile_commit(&f, &err), CNAB_OK);
	assert_int_equal(count("out.tgz.tmp-"), 0);
	assert_int_equal(cnab_file_read("out.tgz", 100, &data, &len, &err),
	                 CNAB_OK);
	assert_string_equal(data, "new");
	free(data);
	assert_int_equal(cnab_file_write("out.tgz", "abc", 3, &err), CNAB_OK);
	/* an aborted file leaves nothing, and the old one stays */
	assert_int_equal(cnab_outfile_open(&f, "out.tgz", &err), CNAB_OK);
	assert_int_equal(cnab_write_all(f.fd, "xyz!", 4, "out.tgz", &err),
	                 CNAB_OK);
	cnab_outfile_abort(&f);
	assert_int_equal(count("out.tgz.tmp-"), 0);
	assert_int_equal(cnab_file_read("out.tgz", 100, &data, &len, &err),
	                 CNAB_OK);
	assert_string_equal(data, "abc");
	free(data);
	/* a directory that does not exist */
	assert_int_equal(cnab_outfile_open(&f, "no/such/dir/x", &err),
	                 CNAB_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot create 'no/such/dir/x'"));
	/* cnab_file_write, the same way */
	assert_int_equal(cnab_file_write("small.json", "{}", 2, &err), CNAB_OK);
	assert_int_equal(cnab_file_read("small.json", 100, &data, &len, &err),
	                 CNAB_OK);
	assert_string_equal(data, "{}");
	free(data);
	umask(old);
}

/* The temporary file is not passed on to a program another thread starts
 * (a credential helper) while it is open. */
static void test_outfile_cloexec(void **state)
{
	struct cnab_outfile f = CNAB_OUTFILE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	int flags;

	(void)state;
	assert_int_equal(cnab_outfile_open(&f, "exec.tgz", &err), CNAB_OK);
	flags = fcntl(f.fd, F_GETFD);
	assert_true(flags >= 0);
	assert_true(flags & FD_CLOEXEC);
	cnab_outfile_abort(&f);
	assert_int_equal(count("exec.tgz.tmp-"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_read_caps),
	        cmocka_unit_test(test_open_errors),
	        cmocka_unit_test(test_outfile_commit_abort),
	        cmocka_unit_test(test_outfile_cloexec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
