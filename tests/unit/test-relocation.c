#include "tests/unit/test.h"

#include "common/buf.h"
#include "formats/relocation.h"

#define HEX "cca460afa270d4c527981ef9ca4989346c56cf9b20217dcea37df1ece8120687"

/* The mapping written out; the caller frees it. */
static char *written(const struct cnab_relocation *r)
{
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_err err = CNAB_ERR_INIT;

	if (cnab_relocation_write(r, &out, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	return cnab_buf_detach(&out, NULL);
}

static void test_spec_vector(void **state)
{
	struct cnab_relocation r = CNAB_RELOCATION_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	size_t len;
	char *text = test_read_file(
	        "vectors/cnab-spec/103.01-relocation-mapping.json", &len);
	char *want = test_read_file(
	        "json/cnab-spec/103.01-relocation-mapping.canonical.json",
	        NULL);
	char *got;

	(void)state;
	if (cnab_relocation_parse(&r, text, len, "mapping.json", &err) !=
	    CNAB_OK)
		fail_msg("%s", err.msg);
	assert_string_equal(
	        cnab_relocation_get(&r, "example/microservice@sha256:" HEX),
	        "my.registry/microservice@sha256:" HEX);
	assert_string_equal(cnab_relocation_get(&r, "outside/helloworld:0.1.0"),
	                    "my.registry/helloworld:0.1.0");
	/* keys are the references exactly as written, not normalised */
	assert_null(
	        cnab_relocation_get(&r, "docker.io/outside/helloworld:0.1.0"));
	assert_null(cnab_relocation_get(&r, "absent"));
	got = written(&r);
	assert_string_equal(got, want);
	free(got);
	cnab_relocation_release(&r);
	assert_null(r.map);
	assert_null(cnab_relocation_get(&r, "outside/helloworld:0.1.0"));
	cnab_relocation_release(&r);
	free(want);
	free(text);
}

static void test_set_write(void **state)
{
	struct cnab_relocation r = CNAB_RELOCATION_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	char original[] = "zeta/app:1";
	char *got;

	(void)state;
	/* an absent mapping is written as an empty one */
	got = written(&r);
	assert_string_equal(got, "{}");
	free(got);
	assert_int_equal(cnab_relocation_init(&r, &err), CNAB_OK);
	got = written(&r);
	assert_string_equal(got, "{}");
	free(got);
	/* set copies its strings */
	assert_int_equal(cnab_relocation_set(&r, original,
	                                     "reg.example/zeta@sha256:" HEX,
	                                     &err),
	                 CNAB_OK);
	original[0] = 'Z';
	assert_string_equal(cnab_relocation_get(&r, "zeta/app:1"),
	                    "reg.example/zeta@sha256:" HEX);
	assert_int_equal(cnab_relocation_set(&r, "alpha/app:1",
	                                     "reg.example/a@sha256:" HEX, &err),
	                 CNAB_OK);
	assert_int_equal(cnab_relocation_set(&r, "Mid/\xc3\xa9:1",
	                                     "reg.example/m@sha256:" HEX, &err),
	                 CNAB_OK);
	/* a second set replaces */
	assert_int_equal(cnab_relocation_set(&r, "alpha/app:1",
	                                     "reg.example/a2@sha256:" HEX,
	                                     &err),
	                 CNAB_OK);
	assert_string_equal(cnab_relocation_get(&r, "alpha/app:1"),
	                    "reg.example/a2@sha256:" HEX);
	/* canonical JSON: sorted keys, no whitespace */
	got = written(&r);
	assert_string_equal(
	        got, "{\"Mid/\xc3\xa9:1\":\"reg.example/m@sha256:" HEX
	             "\",\"alpha/app:1\":\"reg.example/a2@sha256:" HEX
	             "\",\"zeta/app:1\":\"reg.example/zeta@sha256:" HEX "\"}");
	/* and reads back the same */
	cnab_relocation_release(&r);
	assert_int_equal(cnab_relocation_parse(&r, got, strlen(got), "m", &err),
	                 CNAB_OK);
	assert_string_equal(cnab_relocation_get(&r, "zeta/app:1"),
	                    "reg.example/zeta@sha256:" HEX);
	/* appended to what the buffer holds */
	cnab_buf_addstr(&out, "x");
	assert_int_equal(cnab_relocation_write(&r, &out, &err), CNAB_OK);
	assert_string_equal(out.data + 1, got);
	cnab_buf_release(&out);
	/* a buffer too small */
	cnab_buf_init(&out, 10);
	assert_int_equal(cnab_relocation_write(&r, &out, &err),
	                 CNAB_ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "cannot write relocation mapping"));
	cnab_buf_release(&out);
	free(got);
	cnab_relocation_release(&r);
	/* set on a mapping never initialised starts one */
	assert_int_equal(cnab_relocation_set(&r, "a:1", "b@sha256:" HEX, &err),
	                 CNAB_OK);
	got = written(&r);
	assert_string_equal(got, "{\"a:1\":\"b@sha256:" HEX "\"}");
	free(got);
	cnab_relocation_release(&r);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
	        {"", "cannot parse 'm.json'"},
	        {"{\"a\":", "cannot parse 'm.json': line 1"},
	        {"{\"a\":\"b:1\",\"a\":\"c:1\"}", "cannot parse 'm.json'"},
	        {"[]", "a relocation mapping must be a JSON object"},
	        {"\"a\"", "a relocation mapping must be a JSON object"},
	        {"null", "a relocation mapping must be a JSON object"},
	        {"{\"a:1\":1}", "the value of 'a:1' must be a string"},
	        {"{\"a:1\":null}", "the value of 'a:1' must be a string"},
	        {"{\"a:1\":[\"b:1\"]}", "the value of 'a:1' must be a string"},
	        {"{\"a:1\":{}}", "the value of 'a:1' must be a string"},
	        {"{\"ok:1\":\"b:1\",\"a:1\":\"Not/Valid\"}",
	         "invalid 'm.json': 'a:1': invalid reference 'Not/Valid'"},
	        {"{\"a:1\":\"\"}", "'a:1': invalid reference ''"},
	        {"{\"a:1\":\"b@sha256:abc\"}", "'a:1': invalid reference"},
	        {"{\"a:1\":\"with space:1\"}", "'a:1': invalid reference"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_relocation r = CNAB_RELOCATION_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;

		st = cnab_relocation_parse(&r, cases[i].text,
		                           strlen(cases[i].text), "m.json",
		                           &err);
		if (st != CNAB_ERR_INVALID)
			fail_msg("case %zu: status %d, want invalid", i, st);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].msg);
		assert_null(r.map);
	}
}

static void test_too_big(void **state)
{
	size_t len = CNAB_MAX_DOCUMENT + 1;
	struct cnab_relocation r = CNAB_RELOCATION_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char *text = malloc(len);

	(void)state;
	assert_non_null(text);
	memset(text, ' ', len);
	memcpy(text, "{}", 2);
	assert_int_equal(cnab_relocation_parse(&r, text, len, "m", &err),
	                 CNAB_ERR_TOOBIG);
	assert_null(r.map);
	assert_int_equal(cnab_relocation_parse(&r, text, len - 1, "m", &err),
	                 CNAB_OK);
	cnab_relocation_release(&r);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_spec_vector),
	        cmocka_unit_test(test_set_write),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_too_big),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
