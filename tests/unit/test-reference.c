#include "tests/unit/test.h"

#include "common/reference.h"

#define H64   "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define NCOLS 8

typedef enum cnab_status parse_fn(struct cnab_ref *, const char *,
                                  struct cnab_err *);

/*
 * A field of a table (see the header of testdata/reference/parse.tsv):
 * "-" is NULL, "" alone the empty string, {{TEXT*N}} TEXT repeated N times.
 * The caller frees the result.
 */
static char *expand(const char *f)
{
	size_t cap = 8192, len = 0;
	char *out;

	if (strcmp(f, "-") == 0)
		return NULL;
	if (strcmp(f, "\"\"") == 0)
		f = "";
	out = malloc(cap);
	assert_non_null(out);
	while (*f) {
		const char *close, *star = NULL;
		const char *unit = f;
		size_t ulen = 1, times = 1;

		if (strncmp(f, "{{", 2) == 0 && (close = strstr(f + 2, "}}"))) {
			/* the last '*' separates TEXT from N */
			for (const char *q = f + 2; q < close; q++)
				if (*q == '*')
					star = q;
			assert_non_null(star);
			unit = f + 2;
			ulen = (size_t)(star - unit);
			times = strtoul(star + 1, NULL, 10);
			f = close + 2;
		} else {
			f++;
		}
		for (size_t i = 0; i < times; i++) {
			assert_true(len + ulen + 1 < cap);
			memcpy(out + len, unit, ulen);
			len += ulen;
		}
	}
	out[len] = '\0';
	return out;
}

static void check_str(const char *file, int line, const char *input,
                      const char *what, const char *want, const char *got)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(want, got) != 0)
		fail_msg("%s:%d: '%.120s': %s is '%.300s', expected '%.300s'",
		         file, line, input, what, got ? got : "(null)",
		         want ? want : "(null)");
}

/* True when s is short, printable ASCII, so the message shows it whole. */
static bool shown_whole(const char *s)
{
	size_t n = strlen(s);

	if (n > 200)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

static void check_row(const char *file, int line, char **col, parse_fn *fn)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	enum cnab_status st;
	char *f[NCOLS];
	const char *input;

	for (int i = 0; i < NCOLS; i++)
		f[i] = expand(col[i]);
	input = f[0];
	assert_non_null(input);
	st = fn(&ref, input, &err);
	if (strcmp(f[1], "ok") != 0) {
		char want[1400];
		size_t mlen = strlen(err.msg), rlen = strlen(f[1]);

		if (st != CNAB_ERR_INVALID)
			fail_msg("%s:%d: '%.120s': status %d, expected an "
			         "error '%s'",
			         file, line, input, st, f[1]);
		assert_int_equal(err.status, CNAB_ERR_INVALID);
		assert_null(ref.path);
		if (shown_whole(input)) {
			snprintf(want, sizeof(want),
			         "invalid reference '%s': %s", input, f[1]);
			check_str(file, line, input, "message", want, err.msg);
		} else if (mlen < rlen + 3 ||
		           strncmp(err.msg, "invalid reference '", 19) != 0 ||
		           strcmp(err.msg + mlen - rlen, f[1]) != 0 ||
		           strncmp(err.msg + mlen - rlen - 3, "': ", 3) != 0) {
			fail_msg("%s:%d: '%.120s': message '%s', expected "
			         "reason '%s'",
			         file, line, input, err.msg, f[1]);
		}
	} else {
		char *s, *fam;

		if (st != CNAB_OK)
			fail_msg("%s:%d: '%.120s': unexpected error: %s", file,
			         line, input, err.msg);
		assert_int_equal(err.status, CNAB_OK);
		check_str(file, line, input, "domain", f[2], ref.domain);
		check_str(file, line, input, "path", f[3], ref.path);
		check_str(file, line, input, "tag", f[4], ref.tag);
		check_str(file, line, input, "digest", f[5], ref.digest);
		s = cnab_ref_string(&ref);
		fam = cnab_ref_familiar(&ref);
		check_str(file, line, input, "string",
		          strcmp(f[6], "=") == 0 ? input : f[6], s);
		check_str(file, line, input, "familiar", f[7], fam);
		free(s);
		free(fam);
	}
	cnab_ref_release(&ref);
	for (int i = 0; i < NCOLS; i++)
		free(f[i]);
}

/* Checks every row of a table; returns how many there were. */
static int run_table(const char *file, parse_fn *fn)
{
	char *data = test_read_file(file, NULL);
	char *p = data;
	int line = 0, rows = 0;

	while (*p) {
		char *end = strchr(p, '\n');
		char *col[NCOLS];
		int n = 0;

		line++;
		if (end)
			*end = '\0';
		if (*p != '\0' && *p != '#') {
			char *c = p;

			for (;;) {
				char *tab = strchr(c, '\t');

				if (n == NCOLS)
					fail_msg("%s:%d: too many columns",
					         file, line);
				col[n++] = c;
				if (!tab)
					break;
				*tab = '\0';
				c = tab + 1;
			}
			if (n != NCOLS)
				fail_msg("%s:%d: %d columns, expected %d", file,
				         line, n, NCOLS);
			check_row(file, line, col, fn);
			rows++;
		}
		if (!end)
			break;
		p = end + 1;
	}
	free(data);
	print_message("%s: %d rows\n", file, rows);
	return rows;
}

static void test_table_parse(void **state)
{
	(void)state;
	assert_true(run_table("reference/parse.tsv", cnab_ref_parse_strict) >
	            150);
}

static void test_table_normalize(void **state)
{
	(void)state;
	assert_true(run_table("reference/normalize.tsv", cnab_ref_parse) > 150);
}

static void test_table_canonical(void **state)
{
	(void)state;
	assert_true(run_table("reference/canonical.tsv",
	                      cnab_ref_parse_canonical) > 10);
}

static void test_strings(void **state)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char *s;

	(void)state;
	assert_int_equal(cnab_ref_parse(&ref, "ubuntu:20.04@sha256:" H64, &err),
	                 CNAB_OK);
	s = cnab_ref_string(&ref);
	assert_string_equal(s, "docker.io/library/ubuntu:20.04@sha256:" H64);
	free(s);
	s = cnab_ref_name(&ref);
	assert_string_equal(s, "docker.io/library/ubuntu");
	free(s);
	s = cnab_ref_familiar(&ref);
	assert_string_equal(s, "ubuntu:20.04@sha256:" H64);
	free(s);

	assert_int_equal(cnab_ref_parse(&ref, "bitnami/redis", &err), CNAB_OK);
	s = cnab_ref_familiar(&ref);
	assert_string_equal(s, "bitnami/redis");
	free(s);
	assert_int_equal(cnab_ref_parse(&ref, "library/a/b:1", &err), CNAB_OK);
	s = cnab_ref_familiar(&ref);
	assert_string_equal(s, "library/a/b:1");
	free(s);

	/* a strict parse without a domain */
	assert_int_equal(cnab_ref_parse_strict(&ref, "library/ubuntu:1", &err),
	                 CNAB_OK);
	assert_string_equal(ref.domain, "library");
	assert_int_equal(cnab_ref_parse_strict(&ref, "ubuntu:1", &err),
	                 CNAB_OK);
	assert_null(ref.domain);
	s = cnab_ref_name(&ref);
	assert_string_equal(s, "ubuntu");
	free(s);
	s = cnab_ref_familiar(&ref);
	assert_string_equal(s, "ubuntu:1");
	free(s);
	assert_int_equal(err.status, CNAB_OK);
	assert_string_equal(err.msg, "");
	cnab_ref_release(&ref);
}

static void test_api_host(void **state)
{
	struct cnab_ref ref = CNAB_REF_INIT;

	(void)state;
	assert_int_equal(cnab_ref_parse(&ref, "ubuntu", NULL), CNAB_OK);
	assert_string_equal(cnab_ref_api_host(&ref), "registry-1.docker.io");
	assert_int_equal(cnab_ref_parse(&ref, "index.docker.io/x/y", NULL),
	                 CNAB_OK);
	assert_string_equal(cnab_ref_api_host(&ref), "registry-1.docker.io");
	assert_int_equal(cnab_ref_parse(&ref, "localhost:5000/x", NULL),
	                 CNAB_OK);
	assert_string_equal(cnab_ref_api_host(&ref), "localhost:5000");
	assert_int_equal(cnab_ref_parse(&ref, "quay.io/x/y:1", NULL), CNAB_OK);
	assert_string_equal(cnab_ref_api_host(&ref), "quay.io");
	assert_int_equal(cnab_ref_parse_strict(&ref, "x/y", NULL), CNAB_OK);
	assert_string_equal(cnab_ref_api_host(&ref), "x");
	assert_int_equal(cnab_ref_parse_strict(&ref, "y", NULL), CNAB_OK);
	assert_null(cnab_ref_api_host(&ref));
	cnab_ref_release(&ref);
}

static bool loopback(const char *domain)
{
	struct cnab_ref ref = CNAB_REF_INIT;

	ref.domain = (char *)domain;
	return cnab_ref_is_loopback(&ref);
}

/* A registry handle's host: the same rule, for every such decision
 * (the HTTP fallback after a TLS failure). */
static void test_host_loopback(void **state)
{
	static const struct {
		const char *host;
		bool loopback;
	} cases[] = {
	        {"127.0.0.1", true},
	        {"127.0.0.1:5000", true},
	        {"127.1.2.3", true},
	        {"127.1.2.3:443", true},
	        {"localhost", true},
	        {"localhost:5000", true},
	        {"::1", true},
	        {"[::1]", true},
	        {"[::1]:5000", true},
	        {"127.example.com", false},
	        {"127.example.com:5000", false},
	        {"127.0.0.1.nip.io", false},
	        {"localhost.example.com", false},
	        {"localhost.example.com:5000", false},
	        {"128.0.0.1", false},
	        {"[::1].example.com", false},
	        {"[::2]:5000", false},
	        {"", false},
	};
	size_t i, wrong = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cnab_host_is_loopback(cases[i].host) != cases[i].loopback) {
			print_error("'%s' is %sloopback\n", cases[i].host,
			            cases[i].loopback ? "" : "not ");
			wrong++;
		}
	assert_int_equal(wrong, 0);
}

static void test_loopback(void **state)
{
	struct cnab_ref ref = CNAB_REF_INIT;

	(void)state;
	assert_true(loopback("localhost"));
	assert_true(loopback("localhost:5000"));
	assert_true(loopback("LocalHost:5000"));
	assert_true(loopback("127.0.0.1"));
	assert_true(loopback("127.0.0.1:5000"));
	assert_true(loopback("127.255.3.4:443"));
	assert_true(loopback("::1"));
	assert_true(loopback("[::1]"));
	assert_true(loopback("[::1]:5000"));
	assert_true(loopback("[0:0:0:0:0:0:0:1]:5000"));
	assert_true(loopback("[::ffff:127.0.0.1]:5000"));
	assert_false(loopback(NULL));
	assert_false(loopback(""));
	assert_false(loopback("docker.io"));
	assert_false(loopback("localhost.example.com"));
	assert_false(loopback("localhost:"));
	assert_false(loopback("localhost:50a"));
	assert_false(loopback("128.0.0.1:5000"));
	assert_false(loopback("10.0.0.1"));
	assert_false(loopback("127.0.0"));
	assert_false(loopback("127.0.0.1.nip.io"));
	assert_false(loopback("::2"));
	assert_false(loopback("[::1"));
	assert_false(loopback("[::1]x"));
	assert_false(loopback("[::1]:"));

	assert_int_equal(cnab_ref_parse(&ref, "127.0.0.1:5000/a/b", NULL),
	                 CNAB_OK);
	assert_true(cnab_ref_is_loopback(&ref));
	assert_int_equal(cnab_ref_parse(&ref, "localhost/a", NULL), CNAB_OK);
	assert_true(cnab_ref_is_loopback(&ref));
	/* "localhost:5000" alone is the image library/localhost, tag 5000 */
	assert_int_equal(cnab_ref_parse(&ref, "localhost:5000", NULL), CNAB_OK);
	assert_false(cnab_ref_is_loopback(&ref));
	cnab_ref_release(&ref);
}

static void test_set_tag(void **state)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char tag[CNAB_REF_TAG_MAX + 2];
	char *s;

	(void)state;
	assert_int_equal(cnab_ref_parse(&ref, "busybox", &err), CNAB_OK);
	/* TestInvalidReferenceComponents */
	assert_int_equal(cnab_ref_set_tag(&ref, "-foo", &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid tag '-foo': invalid tag format");
	assert_null(ref.tag);
	cnab_err_clear(&err);

	memset(tag, 'x', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	assert_int_equal(cnab_ref_set_tag(&ref, tag, &err), CNAB_ERR_INVALID);
	tag[CNAB_REF_TAG_MAX] = '\0';
	cnab_err_clear(&err);
	assert_int_equal(cnab_ref_set_tag(&ref, tag, &err), CNAB_OK);
	assert_string_equal(ref.tag, tag);
	assert_int_equal(cnab_ref_set_tag(&ref, "", &err), CNAB_ERR_INVALID);
	assert_string_equal(ref.tag, tag);
	cnab_err_clear(&err);

	assert_int_equal(cnab_ref_set_tag(&ref, "v1.0_rc-1", &err), CNAB_OK);
	s = cnab_ref_string(&ref);
	assert_string_equal(s, "docker.io/library/busybox:v1.0_rc-1");
	free(s);
	assert_int_equal(cnab_ref_set_tag(&ref, NULL, &err), CNAB_OK);
	assert_null(ref.tag);
	assert_int_equal(err.status, CNAB_OK);
	cnab_ref_release(&ref);
}

static const struct {
	const char *digest;
	const char *reason; /* NULL: accepted */
} digest_cases[] = {
        {"sha256:" H64, NULL},
        {"sha384:" H64 "ffffffffffffffffffffffffffffffff", NULL},
        {"sha512:" H64 H64, NULL},
        /* TestInvalidReferenceComponents */
        {"foo", "invalid digest format"},
        {"", "invalid digest format"},
        {"sha256:", "invalid digest format"},
        {":" H64, "invalid digest format"},
        {"sha256:fffff", "invalid digest format"},
        {"sha256:" H64 "/x", "invalid digest format"},
        {"md5:" H64, "unsupported digest algorithm"},
        {"sha256:" H64 "ff", "invalid checksum digest length"},
        {"sha512:" H64, "invalid checksum digest length"},
        {"sha256:"
         "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
         "FFFFFFF",
         "invalid checksum digest format"},
};

static void test_set_digest(void **state)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	assert_int_equal(cnab_ref_parse(&ref, "busybox:1", &err), CNAB_OK);
	for (size_t i = 0; i < sizeof(digest_cases) / sizeof(digest_cases[0]);
	     i++) {
		enum cnab_status st;
		char want[512];

		cnab_err_clear(&err);
		st = cnab_ref_set_digest(&ref, digest_cases[i].digest, &err);
		if (!digest_cases[i].reason) {
			assert_int_equal(st, CNAB_OK);
			assert_string_equal(ref.digest, digest_cases[i].digest);
			continue;
		}
		assert_int_equal(st, CNAB_ERR_INVALID);
		snprintf(want, sizeof(want), "invalid digest '%s': %s",
		         digest_cases[i].digest, digest_cases[i].reason);
		assert_string_equal(err.msg, want);
		/* unchanged: the last accepted digest */
		assert_string_equal(ref.digest, "sha512:" H64 H64);
	}
	assert_int_equal(cnab_ref_set_digest(&ref, NULL, &err), CNAB_OK);
	assert_null(ref.digest);
	assert_string_equal(ref.tag, "1");
	cnab_ref_release(&ref);
}

/*
 * reference_test.go TestWithTag and TestWithDigest.  Their digest,
 * "sha256:1234567890098765432112345667890098765", is 37 hex digits: WithDigest
 * checks the grammar only, cnab_ref_set_digest the length too, so a full
 * 64-digit digest stands in for it.
 */
static const struct {
	const char *name, *tag, *digest, *combined;
} with_cases[] = {
        {"test.com/foo", "tag", NULL, "test.com/foo:tag"},
        {"foo", "tag2", NULL, "foo:tag2"},
        {"test.com:8000/foo", "tag4", NULL, "test.com:8000/foo:tag4"},
        {"test.com:8000/foo", "TAG5", NULL, "test.com:8000/foo:TAG5"},
        {"test.com:8000/foo", "TAG5", "sha256:" H64,
         "test.com:8000/foo:TAG5@sha256:" H64},
        {"test.com/foo", NULL, "sha256:" H64, "test.com/foo@sha256:" H64},
        {"foo", NULL, "sha256:" H64, "foo@sha256:" H64},
        {"test.com:8000/foo", NULL, "sha256:" H64,
         "test.com:8000/foo@sha256:" H64},
        {"test.com:8000/foo", "latest", "sha256:" H64,
         "test.com:8000/foo:latest@sha256:" H64},
};

static void test_with_tag_and_digest(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(with_cases) / sizeof(with_cases[0]);
	     i++) {
		struct cnab_ref ref = CNAB_REF_INIT;
		char *s;

		assert_int_equal(
		        cnab_ref_parse_strict(&ref, with_cases[i].name, &err),
		        CNAB_OK);
		assert_int_equal(
		        cnab_ref_set_digest(&ref, with_cases[i].digest, &err),
		        CNAB_OK);
		assert_int_equal(
		        cnab_ref_set_tag(&ref, with_cases[i].tag, &err),
		        CNAB_OK);
		s = cnab_ref_string(&ref);
		assert_string_equal(s, with_cases[i].combined);
		free(s);
		cnab_ref_release(&ref);
	}
}

static void test_copy_release(void **state)
{
	struct cnab_ref a = CNAB_REF_INIT, b = CNAB_REF_INIT;

	(void)state;
	cnab_ref_release(NULL);
	cnab_ref_release(&a);
	assert_int_equal(cnab_ref_parse(&a, "a/b:c@sha256:" H64, NULL),
	                 CNAB_OK);
	assert_int_equal(cnab_ref_parse(&b, "x", NULL), CNAB_OK);
	/* the copy replaces what b held, and shares nothing with a */
	assert_int_equal(cnab_ref_copy(&b, &a), CNAB_OK);
	assert_string_equal(b.domain, "docker.io");
	assert_string_equal(b.path, "a/b");
	assert_string_equal(b.tag, "c");
	assert_string_equal(b.digest, "sha256:" H64);
	assert_ptr_not_equal(a.path, b.path);
	cnab_ref_release(&a);
	assert_null(a.domain);
	assert_null(a.path);
	assert_string_equal(b.path, "a/b");
	/* copying a strict parse keeps the NULLs */
	assert_int_equal(cnab_ref_parse_strict(&a, "x", NULL), CNAB_OK);
	assert_int_equal(cnab_ref_copy(&b, &a), CNAB_OK);
	assert_null(b.domain);
	assert_null(b.tag);
	assert_null(b.digest);
	assert_string_equal(b.path, "x");
	cnab_ref_release(&a);
	cnab_ref_release(&b);
}

static void test_failure_keeps_ref(void **state)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	assert_int_equal(cnab_ref_parse(&ref, "a/b:c", &err), CNAB_OK);
	assert_int_equal(cnab_ref_parse(&ref, "A/b", &err), CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid reference 'A/b': invalid "
	                             "reference format: repository name must "
	                             "be lowercase");
	assert_string_equal(ref.path, "a/b");
	assert_string_equal(ref.tag, "c");
	/* the first message is kept */
	assert_int_equal(cnab_ref_parse_strict(&ref, "", &err),
	                 CNAB_ERR_INVALID);
	assert_int_equal(cnab_ref_parse_canonical(&ref, "b", &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid reference 'A/b': invalid "
	                             "reference format: repository name must "
	                             "be lowercase");
	assert_string_equal(ref.path, "a/b");
	cnab_ref_release(&ref);
}

static void test_input_cap(void **state)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	const char *suffix = "...': longer than 4096 bytes";
	char *s = malloc(CNAB_REF_INPUT_MAX + 2);
	size_t n;

	(void)state;
	assert_non_null(s);
	memset(s, 'a', CNAB_REF_INPUT_MAX + 1);
	s[CNAB_REF_INPUT_MAX + 1] = '\0';
	assert_int_equal(cnab_ref_parse(&ref, s, &err), CNAB_ERR_INVALID);
	n = strlen(err.msg);
	assert_true(n < 300);
	assert_true(n > strlen(suffix));
	assert_string_equal(err.msg + n - strlen(suffix), suffix);
	cnab_err_clear(&err);
	assert_int_equal(cnab_ref_parse_strict(&ref, s, &err),
	                 CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "longer than 4096 bytes"));
	cnab_err_clear(&err);
	/* at the cap the input is looked at, and is too long a name */
	s[CNAB_REF_INPUT_MAX] = '\0';
	assert_int_equal(cnab_ref_parse_strict(&ref, s, &err),
	                 CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "not be more than 255 characters"));
	assert_null(ref.path);
	free(s);
}

/* The subject is quoted as it is (the tools print messages with control
 * characters made visible, as \x1b, in one form for every message). */
static void test_message_quotes_subject(void **state)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	assert_int_equal(cnab_ref_parse(&ref, "a\x1b[31m\tb\xc3\xa9", &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg,
	                    "invalid reference 'a\x1b[31m\tb\xc3\xa9': "
	                    "invalid reference format");
	cnab_err_clear(&err);
	assert_int_equal(cnab_ref_set_tag(&ref, "\x07", &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg, "invalid tag '\x07': invalid tag format");
	assert_null(ref.path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_table_parse),
	        cmocka_unit_test(test_table_normalize),
	        cmocka_unit_test(test_table_canonical),
	        cmocka_unit_test(test_strings),
	        cmocka_unit_test(test_api_host),
	        cmocka_unit_test(test_loopback),
	        cmocka_unit_test(test_host_loopback),
	        cmocka_unit_test(test_set_tag),
	        cmocka_unit_test(test_set_digest),
	        cmocka_unit_test(test_with_tag_and_digest),
	        cmocka_unit_test(test_copy_release),
	        cmocka_unit_test(test_failure_keeps_ref),
	        cmocka_unit_test(test_input_cap),
	        cmocka_unit_test(test_message_quotes_subject),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
