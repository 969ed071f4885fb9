#include "tests/unit/test.h"

#include "common/buf.h"

static void test_add_and_ceiling(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(8);

	(void)state;
	assert_string_equal(cnab_buf_str(&b), "");
	assert_int_equal(cnab_buf_addstr(&b, "abcd"), CNAB_OK);
	assert_int_equal(cnab_buf_addf(&b, "%d", 123), CNAB_OK);
	assert_string_equal(cnab_buf_str(&b), "abcd123");
	assert_int_equal(cnab_buf_addch(&b, 'x'), CNAB_OK);
	assert_int_equal(b.len, 8);
	/* the ceiling holds and nothing is appended past it */
	assert_int_equal(cnab_buf_addch(&b, 'y'), CNAB_ERR_TOOBIG);
	assert_int_equal(cnab_buf_addf(&b, "%s", "zz"), CNAB_ERR_TOOBIG);
	assert_string_equal(cnab_buf_str(&b), "abcd123x");
	cnab_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(cnab_buf_str(&b), "");
	cnab_buf_release(&b);
}

static void test_detach(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(1024);
	size_t len;
	char *p;

	(void)state;
	p = cnab_buf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_string_equal(p, "");
	free(p);
	assert_int_equal(cnab_buf_add(&b, "hello", 5), CNAB_OK);
	p = cnab_buf_detach(&b, &len);
	assert_int_equal(len, 5);
	assert_string_equal(p, "hello");
	assert_null(b.data);
	free(p);
}

static void test_overflow(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(SIZE_MAX);
	size_t out = 7;

	(void)state;
	assert_false(cnab_size_add(SIZE_MAX, 1, &out));
	assert_int_equal(out, 7);
	assert_true(cnab_size_add(1, 2, &out));
	assert_int_equal(out, 3);
	assert_false(cnab_size_mul(SIZE_MAX / 2 + 1, 2, &out));
	assert_int_equal(cnab_buf_grow(&b, SIZE_MAX), CNAB_ERR_TOOBIG);
}

static void test_err_keeps_first(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	assert_int_equal(cnab_err_set(&err, CNAB_ERR_IO, "first '%s'", "a"),
	                 CNAB_ERR_IO);
	assert_int_equal(cnab_err_set(&err, CNAB_ERR_NET, "second"),
	                 CNAB_ERR_NET);
	assert_int_equal(err.status, CNAB_ERR_IO);
	assert_string_equal(err.msg, "first 'a'");
	cnab_err_restatus(&err, CNAB_ERR_CORRUPT);
	assert_int_equal(err.status, CNAB_ERR_CORRUPT);
	assert_int_equal(cnab_status_exit(err.status), 3);
	assert_int_equal(cnab_status_exit(CNAB_ERR_NOTFOUND), 4);
	assert_int_equal(cnab_status_exit(CNAB_ERR_INVALID), 2);
	assert_int_equal(cnab_status_exit(CNAB_ERR_NET), 1);
	cnab_err_clear(&err);
	assert_int_equal(err.status, CNAB_OK);
	assert_int_equal(cnab_err_set(NULL, CNAB_ERR_IO, "x"), CNAB_ERR_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_add_and_ceiling),
	        cmocka_unit_test(test_detach),
	        cmocka_unit_test(test_overflow),
	        cmocka_unit_test(test_err_keeps_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
