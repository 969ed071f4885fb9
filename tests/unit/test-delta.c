#include "tests/unit/test.h"

#include <string.h>

#include "common/buf.h"
#include "formats/delta.h"

#define D1                                                                     \
	"sha256:"                                                              \
	"1111111111111111111111111111111111111111111111111111111111111111"
#define D2                                                                     \
	"sha256:"                                                              \
	"2222222222222222222222222222222222222222222222222222222222222222"
#define D3                                                                     \
	"sha256:"                                                              \
	"3333333333333333333333333333333333333333333333333333333333333333"

/* Written canonical and sorted by digest; parsed back to the same. */
static void test_round_trip(void **state)
{
	struct cnab_delta d = CNAB_DELTA_INIT, back = CNAB_DELTA_INIT;
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_err err = CNAB_ERR_INIT;
	static const char want[] =
	        "{\"base\":\"" D3 "\",\"omitted\":[{\"digest\":\"" D1
	        "\",\"size\":10},{\"digest\":\"" D2 "\",\"size\":20}],"
	        "\"schemaVersion\":1}";

	(void)state;
	memcpy(d.base, D3, sizeof(D3));
	assert_int_equal(cnab_delta_add(&d, D2, 20, &err), CNAB_OK);
	assert_int_equal(cnab_delta_add(&d, D1, 10, &err), CNAB_OK);
	/* the same blob twice is recorded once */
	assert_int_equal(cnab_delta_add(&d, D2, 20, &err), CNAB_OK);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.bytes, 30);
	assert_int_equal(cnab_delta_write(&d, &out, &err), CNAB_OK);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.data, want, out.len);
	/* the index follows the sort */
	assert_int_equal(cnab_delta_find(&d, D2)->size, 20);
	assert_null(cnab_delta_find(&d, D3));

	assert_int_equal(
	        cnab_delta_parse(&back, out.data, out.len, "delta.json", &err),
	        CNAB_OK);
	assert_string_equal(back.base, D3);
	assert_int_equal(back.n, 2);
	assert_int_equal(back.bytes, 30);
	assert_string_equal(back.omitted[0].digest, D1);
	assert_int_equal(cnab_delta_find(&back, D1)->size, 10);
	cnab_delta_release(&back);
	cnab_delta_release(&d);
	cnab_buf_release(&out);
}

/* The bundle digest is the sha256 of the bytes given. */
static void test_bundle_digest(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	char digest[CNAB_DIGEST_STR_MAX];

	(void)state;
	assert_int_equal(cnab_delta_bundle_digest("abc", 3, digest, &err),
	                 CNAB_OK);
	assert_string_equal(digest, "sha256:ba7816bf8f01cfea414140de5dae2223"
	                            "b00361a396177a9cb410ff61f20015ad");
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text;
		enum cnab_status st;
		const char *msg;
	} cases[] = {
	        {"[]", CNAB_ERR_INVALID, "not a JSON object"},
	        {"{\"base\":\"" D1 "\",\"omitted\":[]}", CNAB_ERR_INVALID,
	         "schemaVersion"},
	        {"{\"base\":\"" D1 "\",\"omitted\":[],\"schemaVersion\":2}",
	         CNAB_ERR_UNSUPPORTED, "schemaVersion 2 is not supported"},
	        {"{\"base\":\"x\",\"omitted\":[],\"schemaVersion\":1}",
	         CNAB_ERR_INVALID, "base 'x' is not a digest"},
	        {"{\"base\":\"" D1 "\",\"schemaVersion\":1}", CNAB_ERR_INVALID,
	         "'omitted' must be an array"},
	        {"{\"base\":\"" D1 "\",\"omitted\":[{\"digest\":\"sha256:12\","
	         "\"size\":1}],\"schemaVersion\":1}",
	         CNAB_ERR_INVALID, "omitted blob 'sha256:12' is not a digest"},
	        {"{\"base\":\"" D1 "\",\"omitted\":[{\"digest\":\"" D2
	         "\",\"size\":-1}],\"schemaVersion\":1}",
	         CNAB_ERR_INVALID, "'size'"},
	        {"{\"base\":\"" D1 "\",\"omitted\":[{\"size\":1}],"
	         "\"schemaVersion\":1}",
	         CNAB_ERR_INVALID, "'digest'"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_delta d = CNAB_DELTA_INIT;
		struct cnab_err err = CNAB_ERR_INIT;

		assert_int_equal(cnab_delta_parse(&d, cases[i].text,
		                                  strlen(cases[i].text),
		                                  "delta.json", &err),
		                 cases[i].st);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].msg);
		cnab_delta_release(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip),
	        cmocka_unit_test(test_bundle_digest),
	        cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
