#include "tests/unit/test.h"

#include <time.h>

#include <curl/curl.h>

#include "common/http.h"

static void test_resolve(void **state)
{
	static const struct {
		const char *base, *ref, *want;
	} cases[] = {
	        {"http://127.0.0.1:5000/v2/a/blobs/uploads/",
	         "/v2/a/blobs/uploads/uuid?_state=x",
	         "http://127.0.0.1:5000/v2/a/blobs/uploads/uuid?_state=x"},
	        {"https://r.example/v2/a/blobs/sha256:00",
	         "https://storage.example/b?sig=1",
	         "https://storage.example/b?sig=1"},
	        {"https://r.example/v2/x/y", "z", "https://r.example/v2/x/z"},
	        {"https://r.example/v2/x/y", "//other:8443/p",
	         "https://other:8443/p"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = cnab_http_resolve(cases[i].base, cases[i].ref);

		assert_non_null(got);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void test_same_origin(void **state)
{
	static const struct {
		const char *a, *b;
		bool same;
	} cases[] = {
	        {"https://r.example/v2/", "https://r.example/other", true},
	        {"https://r.example/", "https://R.EXAMPLE:443/", true},
	        {"http://r.example/", "http://r.example:80/x", true},
	        {"https://r.example/", "http://r.example/", false},
	        {"https://r.example/", "https://r.example:8443/", false},
	        {"https://r.example/", "https://s.example/", false},
	        {"http://127.0.0.1:5000/", "http://127.0.0.1:5001/", false},
	        {"not a url", "https://r.example/", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cnab_http_same_origin(cases[i].a, cases[i].b) !=
		    cases[i].same)
			fail_msg("case %zu: %s vs %s", i, cases[i].a,
			         cases[i].b);
}

static void test_retry_delay(void **state)
{
	char date[64];
	time_t later = time(NULL) + 20;
	long ms;
	int i;

	(void)state;
	/* exponential with jitter in [d/2, d], capped */
	for (i = 0; i < 50; i++) {
		ms = cnab_http_retry_delay(1, NULL, 200, 5000);
		assert_true(ms >= 100 && ms <= 200);
		ms = cnab_http_retry_delay(3, NULL, 200, 5000);
		assert_true(ms >= 400 && ms <= 800);
		ms = cnab_http_retry_delay(30, NULL, 200, 5000);
		assert_true(ms >= 2500 && ms <= 5000);
	}
	/* Retry-After in seconds, and capped */
	assert_int_equal(cnab_http_retry_delay(1, "2", 200, 5000), 2000);
	assert_int_equal(cnab_http_retry_delay(1, "3600", 200, 5000), 5000);
	assert_int_equal(cnab_http_retry_delay(1, "0", 200, 5000), 0);
	/* and as an HTTP date */
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT",
	         gmtime(&later));
	ms = cnab_http_retry_delay(1, date, 200, 60000);
	assert_true(ms >= 18000 && ms <= 20000);
	assert_int_equal(cnab_http_retry_delay(
	                         1, "Thu, 01 Jan 1970 00:00:00 GMT", 200, 5000),
	                 0);
	/* nonsense: the backoff */
	ms = cnab_http_retry_delay(1, "soon", 200, 5000);
	assert_true(ms >= 100 && ms <= 200);
}

static void test_retryable(void **state)
{
	static const long yes[] = {408, 429, 500, 502, 503, 504};
	static const long no[] = {200, 201, 400, 401, 403, 404, 416, 501};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(cnab_http_retryable(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(cnab_http_retryable(no[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_resolve),
	        cmocka_unit_test(test_same_origin),
	        cmocka_unit_test(test_retry_delay),
	        cmocka_unit_test(test_retryable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
