#include "tests/unit/test.h"

#include "common/digest.h"
#include "common/stream.h"

#define EMPTY256                                                               \
	"sha256:"                                                              \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC256                                                                 \
	"sha256:"                                                              \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC512                                                                 \
	"sha512:"                                                              \
	"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"     \
	"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"

static void test_parse_format(void **state)
{
	static const char *bad[] = {
	        "",
	        "sha256",
	        "sha256:",
	        "sha256:abc",
	        /* upper case hex is not canonical */
	        "sha256:"
	        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B8"
	        "55",
	        /* one digit short, one too many */
	        "sha256:"
	        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8"
	        "5",
	        "sha256:"
	        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8"
	        "555",
	        "sha384:"
	        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8"
	        "55",
	        "md5:d41d8cd98f00b204e9800998ecf8427e",
	        "sha256:"
	        "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8"
	        "55",
	        "sha256:aaaaaaaaaaaa...",
	};
	struct cnab_digest d;
	char s[CNAB_DIGEST_STR_MAX];
	size_t i;

	(void)state;
	assert_int_equal(cnab_digest_parse(&d, EMPTY256, NULL), CNAB_OK);
	cnab_digest_format(&d, s);
	assert_string_equal(s, EMPTY256);
	assert_int_equal(cnab_digest_parse(&d, ABC512, NULL), CNAB_OK);
	assert_int_equal(d.alg, CNAB_DIGEST_SHA512);
	cnab_digest_format(&d, s);
	assert_string_equal(s, ABC512);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cnab_err err = CNAB_ERR_INIT;

		assert_false(cnab_digest_valid(bad[i]));
		assert_int_equal(cnab_digest_parse(&d, bad[i], &err),
		                 CNAB_ERR_INVALID);
		assert_non_null(strstr(err.msg, "invalid digest"));
	}
}

static void test_hash(void **state)
{
	struct cnab_digest d, want;
	struct cnab_hash h = CNAB_HASH_INIT;
	char s[CNAB_DIGEST_STR_MAX];

	(void)state;
	assert_int_equal(cnab_digest_of(CNAB_DIGEST_SHA256, "", 0, &d),
	                 CNAB_OK);
	cnab_digest_format(&d, s);
	assert_string_equal(s, EMPTY256);
	/* streaming in pieces gives the one-shot result */
	assert_int_equal(cnab_hash_init(&h, CNAB_DIGEST_SHA256), CNAB_OK);
	cnab_hash_update(&h, "a", 1);
	cnab_hash_update(&h, "bc", 2);
	assert_int_equal(h.size, 3);
	cnab_hash_final(&h, &d);
	cnab_digest_parse(&want, ABC256, NULL);
	assert_true(cnab_digest_equal(&d, &want));
	assert_int_equal(cnab_hash_init(&h, CNAB_DIGEST_SHA512), CNAB_OK);
	cnab_hash_update(&h, "abc", 3);
	cnab_hash_final(&h, &d);
	cnab_hash_release(&h);
	cnab_digest_format(&d, s);
	assert_string_equal(s, ABC512);
	/* different algorithms never compare equal */
	assert_false(cnab_digest_equal(&d, &want));
}

static void test_verifier(void **state)
{
	struct cnab_digest want;
	struct cnab_verifier v;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	cnab_digest_parse(&want, ABC256, NULL);
	/* right content */
	assert_int_equal(cnab_verifier_init(&v, &want, 3, "blob", &err),
	                 CNAB_OK);
	assert_int_equal(cnab_verifier_update(&v, "ab", 2, &err), CNAB_OK);
	assert_int_equal(cnab_verifier_update(&v, "c", 1, &err), CNAB_OK);
	assert_int_equal(cnab_verifier_finish(&v, &err), CNAB_OK);
	cnab_verifier_release(&v);
	/* too long: fails as soon as the size is passed */
	cnab_verifier_init(&v, &want, 3, "blob", &err);
	assert_int_equal(cnab_verifier_update(&v, "abcd", 4, &err),
	                 CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "size mismatch for 'blob'"));
	cnab_verifier_release(&v);
	/* too short */
	cnab_err_clear(&err);
	cnab_verifier_init(&v, &want, 3, "blob", &err);
	cnab_verifier_update(&v, "ab", 2, &err);
	assert_int_equal(cnab_verifier_finish(&v, &err), CNAB_ERR_INTEGRITY);
	cnab_verifier_release(&v);
	/* right size, wrong bytes */
	cnab_err_clear(&err);
	cnab_verifier_init(&v, &want, CNAB_SIZE_UNKNOWN, "blob", &err);
	cnab_verifier_update(&v, "abd", 3, &err);
	assert_int_equal(cnab_verifier_finish(&v, &err), CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "digest mismatch for 'blob'"));
	assert_non_null(strstr(err.msg, ABC256));
	cnab_verifier_release(&v);
}

/*
 * The size is checked against the running total, not each chunk: a source
 * that sends more than the descriptor's size is stopped at the chunk that
 * passes it, not at the end of its stream.
 */
static void test_verifier_running_total(void **state)
{
	struct cnab_digest want;
	struct cnab_verifier v;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	cnab_digest_parse(&want, ABC256, NULL);
	cnab_verifier_init(&v, &want, 3, "blob", &err);
	assert_int_equal(cnab_verifier_update(&v, "ab", 2, &err), CNAB_OK);
	assert_int_equal(cnab_verifier_update(&v, "cd", 2, &err),
	                 CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "more than the expected 3 bytes"));
	cnab_verifier_release(&v);
	/* one byte past the size, after the size was reached exactly */
	cnab_err_clear(&err);
	cnab_verifier_init(&v, &want, 3, "blob", &err);
	assert_int_equal(cnab_verifier_update(&v, "abc", 3, &err), CNAB_OK);
	assert_int_equal(cnab_verifier_update(&v, "", 0, &err), CNAB_OK);
	assert_int_equal(cnab_verifier_update(&v, "d", 1, &err),
	                 CNAB_ERR_INTEGRITY);
	cnab_verifier_release(&v);
}

/*
 * Pins: a digest a reference or a contentDigest gives is held to what was
 * resolved; sha384 (which references allow) cannot be verified here and
 * is refused, even when what was resolved is at hand.
 */
static void test_check_pin(void **state)
{
	static const char sha384[] = "sha384:"
	                             "cb00753f45a35e8bb5a03d699ac65007272c32ab0"
	                             "eded1631a8b605a43ff5bed"
	                             "8086072ba1e7cc2358baeca134c825a7";
	struct cnab_digest abc256, abc512, empty;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	assert_int_equal(cnab_digest_of(CNAB_DIGEST_SHA256, "abc", 3, &abc256),
	                 CNAB_OK);
	assert_int_equal(cnab_digest_of(CNAB_DIGEST_SHA512, "abc", 3, &abc512),
	                 CNAB_OK);
	assert_int_equal(cnab_digest_of(CNAB_DIGEST_SHA256, "", 0, &empty),
	                 CNAB_OK);
	/* no pin, a pin that holds, a pin checked alone */
	assert_int_equal(cnab_digest_check_pin(NULL, &abc256, "x", &err),
	                 CNAB_OK);
	assert_int_equal(cnab_digest_check_pin(ABC256, &abc256, "x", &err),
	                 CNAB_OK);
	assert_int_equal(cnab_digest_check_pin(ABC512, &abc512, "x", &err),
	                 CNAB_OK);
	assert_int_equal(cnab_digest_check_pin(ABC256, NULL, "x", &err),
	                 CNAB_OK);
	/* another digest, or the same bytes under another algorithm */
	assert_int_equal(
	        cnab_digest_check_pin(ABC256, &empty, "image 'i'", &err),
	        CNAB_ERR_INTEGRITY);
	assert_string_equal(err.msg, "digest mismatch for image 'i': pinned "
	                             "to " ABC256 ", resolved to " EMPTY256);
	cnab_err_clear(&err);
	assert_int_equal(cnab_digest_check_pin(ABC512, &abc256, "x", &err),
	                 CNAB_ERR_INTEGRITY);
	/* sha384: refused, whatever was resolved */
	cnab_err_clear(&err);
	assert_int_equal(cnab_digest_check_pin(sha384, NULL, "image 'i'", &err),
	                 CNAB_ERR_INVALID);
	assert_string_equal(err.msg,
	                    "cannot verify image 'i': digest algorithm "
	                    "'sha384' is not supported (only sha256 and "
	                    "sha512 are)");
	cnab_err_clear(&err);
	assert_int_equal(cnab_digest_check_pin(sha384, &abc256, "x", &err),
	                 CNAB_ERR_INVALID);
	/* nor is a pin that is no digest at all */
	cnab_err_clear(&err);
	assert_int_equal(
	        cnab_digest_check_pin("sha256:abc", &abc256, "x", &err),
	        CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "invalid digest 'sha256:abc'"));
}

static void test_verify_reader(void **state)
{
	struct cnab_digest want;
	struct cnab_mem_reader m = {(const unsigned char *)"abc", 3, 0};
	struct cnab_verify_reader vr;
	struct cnab_reader r;
	struct cnab_err err = CNAB_ERR_INIT;
	char *data;
	size_t len;

	(void)state;
	cnab_digest_parse(&want, ABC256, NULL);
	assert_int_equal(cnab_verify_reader_init(&vr, cnab_mem_reader_as(&m),
	                                         &want, 3, "x", &err),
	                 CNAB_OK);
	r = cnab_verify_reader_as(&vr);
	assert_int_equal(cnab_reader_slurp(&r, 100, "x", &data, &len, &err),
	                 CNAB_OK);
	assert_int_equal(len, 3);
	free(data);
	cnab_verify_reader_release(&vr);

	/* the end of a wrong stream is an integrity failure */
	m.data = (const unsigned char *)"abx";
	m.pos = 0;
	cnab_verify_reader_init(&vr, cnab_mem_reader_as(&m), &want, 3, "x",
	                        &err);
	r = cnab_verify_reader_as(&vr);
	assert_int_equal(cnab_reader_slurp(&r, 100, "x", &data, &len, &err),
	                 CNAB_ERR_INTEGRITY);
	cnab_verify_reader_release(&vr);

	/* slurp's cap: exactly max is fine, one more is not */
	cnab_err_clear(&err);
	m.pos = 0;
	r = cnab_mem_reader_as(&m);
	assert_int_equal(cnab_reader_slurp(&r, 3, "x", &data, &len, &err),
	                 CNAB_OK);
	free(data);
	m.pos = 0;
	assert_int_equal(cnab_reader_slurp(&r, 2, "x", &data, &len, &err),
	                 CNAB_ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "larger than the limit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse_format),
	        cmocka_unit_test(test_hash),
	        cmocka_unit_test(test_verifier),
	        cmocka_unit_test(test_verifier_running_total),
	        cmocka_unit_test(test_verify_reader),
	        cmocka_unit_test(test_check_pin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
