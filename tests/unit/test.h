/* Shared helpers for the cmocka unit tests. */
#ifndef CNAB_TESTS_UNIT_TEST_H
#define CNAB_TESTS_UNIT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fsutil.h"

/* Reads a file by path; aborts the test if absent.  The caller frees the
 * result, which is NUL-terminated. */
static inline char *test_read_file_abs(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (!f)
		fail_msg("cannot open '%s'", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return data;
}

/* Reads a file under testdata/ ($CNAB_TESTDATA); aborts the test if absent.
 * The caller frees the result, which is NUL-terminated. */
static inline char *test_read_file(const char *rel, size_t *len)
{
	const char *dir = getenv("CNAB_TESTDATA");
	char path[4096];

	if (!dir)
		dir = "testdata";
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return test_read_file_abs(path, len);
}

/*
 * An allocator for json_set_alloc_funcs that fails once *test_fail_left()
 * allocations were made (-1, the start: never), to test every allocation
 * failure of a function in turn.
 */
static inline long *test_fail_left(void)
{
	static long left = -1;

	return &left;
}

static inline void *test_failing_malloc(size_t n)
{
	long *left = test_fail_left();

	if (*left == 0)
		return NULL;
	if (*left > 0)
		(*left)--;
	return malloc(n);
}

/* Creates a directory (one that exists will do); aborts the test if not. */
static inline void test_make_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		fail_msg("cannot create '%s': %s", path, strerror(errno));
}

/* Writes a file whole; aborts the test if not. */
static inline void test_put_file(const char *path, const void *data, size_t len)
{
	struct cnab_err err = CNAB_ERR_INIT;

	if (cnab_file_write(path, data, len, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
}

#endif
