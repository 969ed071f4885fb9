#include "tests/unit/test.h"

#include "common/map.h"

static void test_put_get(void **state)
{
	struct cnab_map m = CNAB_MAP_INIT;
	char key[32];
	void *old;
	int i;

	(void)state;
	assert_null(cnab_map_get(&m, "absent"));
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_int_equal(
		        cnab_map_put(&m, key, (void *)(intptr_t)(i + 1), &old),
		        CNAB_OK);
		assert_null(old);
	}
	assert_int_equal(m.len, 1000);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_int_equal((intptr_t)cnab_map_get(&m, key), i + 1);
	}
	assert_false(cnab_map_has(&m, "key-1000"));
	assert_int_equal(cnab_map_put(&m, "key-7", (void *)1, &old), CNAB_OK);
	assert_int_equal((intptr_t)old, 8);
	assert_int_equal(m.len, 1000);
	cnab_map_release(&m, NULL);
	assert_int_equal(m.len, 0);
}

static void test_free_values(void **state)
{
	struct cnab_map m = CNAB_MAP_INIT;

	(void)state;
	cnab_map_put(&m, "a", strdup("x"), NULL);
	cnab_map_put(&m, "b", strdup("y"), NULL);
	assert_string_equal(cnab_map_get(&m, "b"), "y");
	cnab_map_release(&m, free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_put_get),
	        cmocka_unit_test(test_free_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
