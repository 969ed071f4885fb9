#include "tests/unit/test.h"

#include <string.h>

#include "common/utf8.h"

/* One sequence each: its bytes, the length decoded (0: refused) and the
 * code point. */
static const struct {
	const char *bytes;
	size_t n;
	size_t len;
	uint32_t cp;
} cases[] = {
        {"A", 1, 1, 0x41},
        {"\x00", 1, 1, 0},
        {"\x7f", 1, 1, 0x7f},
        {"\xc2\x80", 2, 2, 0x80}, /* the first C1 control */
        {"\xc2\x9b", 2, 2, 0x9b}, /* CSI */
        {"\xdf\xbf", 2, 2, 0x7ff},
        {"\xe0\xa0\x80", 3, 3, 0x800},
        {"\xe2\x80\xa8", 3, 3, 0x2028},
        {"\xef\xbf\xbf", 3, 3, 0xffff},
        {"\xf0\x90\x80\x80", 4, 4, 0x10000},
        {"\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
        {"\xc2\x80rest", 6, 2, 0x80},  /* only the first */
        {"\x80", 1, 0, 0},             /* a lone continuation */
        {"\xc0\xaf", 2, 0, 0},         /* overlong '/' */
        {"\xc1\xbf", 2, 0, 0},         /* overlong */
        {"\xe0\x9f\xbf", 3, 0, 0},     /* overlong */
        {"\xf0\x8f\xbf\xbf", 4, 0, 0}, /* overlong */
        {"\xed\xa0\x80", 3, 0, 0},     /* a surrogate */
        {"\xed\xbf\xbf", 3, 0, 0},     /* a surrogate */
        {"\xf4\x90\x80\x80", 4, 0, 0}, /* past U+10FFFF */
        {"\xf5\x80\x80\x80", 4, 0, 0},
        {"\xff", 1, 0, 0},
        {"\xc2", 1, 0, 0}, /* cut short */
        {"\xe2\x80", 2, 0, 0},
        {"\xf0\x90\x80", 3, 0, 0},
        {"\xc2\x41", 2, 0, 0}, /* not a continuation */
        {"\xe2\x80\xc0", 3, 0, 0},
};

static void test_decode(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 0xdeadbeef;
		size_t len = cnab_utf8_decode(
		        (const unsigned char *)cases[i].bytes, cases[i].n, &cp);

		if (len != cases[i].len || (len && cp != cases[i].cp) ||
		    (!len && cp != 0xdeadbeef))
			fail_msg("case %zu: length %zu, U+%04X", i, len,
			         (unsigned)cp);
		/* as a whole string: refused when its first sequence is */
		if (cnab_utf8_valid(cases[i].bytes, cases[i].n) != (len != 0))
			fail_msg("case %zu: cnab_utf8_valid", i);
	}
}

static void test_valid(void **state)
{
	static const char mixed[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6";

	(void)state;
	assert_true(cnab_utf8_valid("", 0));
	assert_true(cnab_utf8_valid(mixed, strlen(mixed)));
	/* NUL is a character like another */
	assert_true(cnab_utf8_valid("a\0b", 3));
	/* a sequence cut by the length, or a bad byte at the end */
	assert_false(cnab_utf8_valid(mixed, strlen(mixed) - 1));
	assert_false(cnab_utf8_valid("abc\xff", 4));
	assert_false(cnab_utf8_valid("\xe2\x82\xac\x80", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_decode),
	        cmocka_unit_test(test_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
