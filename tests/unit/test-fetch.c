/*
 * The ordering and budget logic of common/fetch.c, driven by a fake
 * download function (no registry): answers come back out of order, the
 * consumer must still get them in list order, within the budget.
 */
#include "tests/unit/test.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "common/fetch.h"

#define MAX_ITEMS 64

struct fake {
	pthread_mutex_t lock;
	int calls[MAX_ITEMS];    /* downloads started, per item */
	int delay_ms[MAX_ITEMS]; /* before the bytes go out */
	long fail_at;            /* this item fails; -1: none */
	enum cnab_status fail_st;
	bool overlong; /* send one byte more than the descriptor says */
	const struct cnab_fetch_item *items;
};

static unsigned char pattern(size_t item, size_t k)
{
	return (unsigned char)(item * 31 + k * 7);
}

static enum cnab_status fake_fn(void *ctx, struct cnab_registry_pool *pool,
                                const struct cnab_fetch_item *it,
                                cnab_reg_sink sink, void *sink_ctx,
                                struct cnab_err *err)
{
	struct fake *fk = ctx;
	size_t i = (size_t)(it - fk->items), k, n = it->desc->size;
	unsigned char chunk[1000];
	enum cnab_status st = CNAB_OK;

	(void)pool;
	pthread_mutex_lock(&fk->lock);
	fk->calls[i]++;
	pthread_mutex_unlock(&fk->lock);
	if (fk->delay_ms[i])
		usleep((useconds_t)fk->delay_ms[i] * 1000);
	if ((long)i == fk->fail_at)
		return cnab_err_set(err, fk->fail_st, "blob 'item-%zu': broken",
		                    i);
	if (fk->overlong)
		n++;
	for (k = 0; k < n && st == CNAB_OK;) {
		size_t c = n - k < sizeof(chunk) ? n - k : sizeof(chunk), j;

		for (j = 0; j < c; j++)
			chunk[j] = pattern(i, k + j);
		st = sink(sink_ctx, chunk, c, err);
		k += c;
	}
	return st;
}

struct list {
	struct cnab_descriptor desc[MAX_ITEMS];
	struct cnab_fetch_item items[MAX_ITEMS];
	size_t n;
};

static void list_add(struct list *l, const char *host, uint64_t size)
{
	l->desc[l->n].size = size;
	l->items[l->n].host = host;
	l->items[l->n].repo = "repo";
	l->items[l->n].desc = &l->desc[l->n];
	l->n++;
}

static struct fake *fake_new(struct list *l)
{
	struct fake *fk = calloc(1, sizeof(*fk));

	assert_non_null(fk);
	pthread_mutex_init(&fk->lock, NULL);
	fk->fail_at = -1;
	fk->items = l->items;
	return fk;
}

static void fake_free(struct fake *fk)
{
	pthread_mutex_destroy(&fk->lock);
	free(fk);
}

static int calls(struct fake *fk, size_t i)
{
	int c;

	pthread_mutex_lock(&fk->lock);
	c = fk->calls[i];
	pthread_mutex_unlock(&fk->lock);
	return c;
}

static struct cnab_fetch *start(struct list *l, struct fake *fk, int jobs,
                                size_t budget, size_t cap)
{
	struct cnab_registry_opts ropts = {0};
	struct cnab_fetch_opts o = {&ropts, jobs, budget, cap, fake_fn, fk};
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_fetch *f = NULL;

	assert_int_equal(cnab_fetch_start(&f, l->items, l->n, &o, &err),
	                 CNAB_OK);
	assert_non_null(f);
	return f;
}

/* Checks a taken item: its index, and its bytes unless left. */
static void check_item(const struct cnab_fetched *got, struct list *l, size_t i,
                       bool left)
{
	size_t k;

	assert_int_equal(got->index, i);
	assert_ptr_equal(got->item, &l->items[i]);
	if (left) {
		assert_null(got->data);
		return;
	}
	assert_non_null(got->data);
	assert_int_equal(got->len, l->desc[i].size);
	for (k = 0; k < got->len; k++)
		if (got->data[k] != pattern(i, k))
			fail_msg("item %zu byte %zu differs", i, k);
}

/* Answers back in reverse order; taken in list order, within budget. */
static void test_order(void **state)
{
	struct list l = {0};
	struct fake *fk;
	struct cnab_fetch *f;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_fetched got;
	bool more = true;
	size_t i, budget = 40000;

	(void)state;
	for (i = 0; i < 40; i++)
		list_add(&l, "fake", 1 + (i * 2731) % 9000);
	fk = fake_new(&l);
	for (i = 0; i < l.n; i++)
		fk->delay_ms[i] = (int)(8 - i % 8);
	f = start(&l, fk, 4, budget, 0);
	for (i = 0;; i++) {
		assert_int_equal(cnab_fetch_next(f, &got, &more, &err),
		                 CNAB_OK);
		if (!more)
			break;
		check_item(&got, &l, i, false);
	}
	assert_int_equal(i, l.n);
	assert_true(cnab_fetch_peak(f) <= budget);
	assert_true(cnab_fetch_peak(f) > 0);
	cnab_fetch_free(f);
	for (i = 0; i < l.n; i++)
		assert_int_equal(calls(fk, i), 1);
	fake_free(fk);
}

/* Over the cap, or without a registry: left to the consumer, not fetched. */
static void test_left(void **state)
{
	struct list l = {0};
	struct fake *fk;
	struct cnab_fetch *f;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_fetched got;
	bool more;
	static const bool left[] = {false, true, false, true, false};

	(void)state;
	list_add(&l, "fake", 100);
	list_add(&l, "fake", 251); /* over the cap */
	list_add(&l, "fake", 250); /* at the cap */
	list_add(&l, NULL, 10);    /* a layout's */
	list_add(&l, "fake", 0);
	fk = fake_new(&l);
	f = start(&l, fk, 3, 1000, 250);
	for (size_t i = 0; i < l.n; i++) {
		assert_int_equal(cnab_fetch_next(f, &got, &more, &err),
		                 CNAB_OK);
		assert_true(more);
		check_item(&got, &l, i, left[i]);
	}
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	assert_false(more);
	cnab_fetch_free(f);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(calls(fk, i), left[i] ? 0 : 1);
	fake_free(fk);
}

/*
 * The next blob is larger than what remains of the budget: it waits until
 * the consumer releases the one it holds, and the blobs behind it wait too
 * (claims are in order).
 */
static void test_budget_wait(void **state)
{
	struct list l = {0};
	struct fake *fk;
	struct cnab_fetch *f;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_fetched got;
	bool more;

	(void)state;
	list_add(&l, "fake", 60);
	list_add(&l, "fake", 60);
	list_add(&l, "fake", 30);
	fk = fake_new(&l);
	f = start(&l, fk, 4, 100, 100);
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	check_item(&got, &l, 0, false);
	usleep(100 * 1000); /* time enough to claim, were it allowed */
	assert_int_equal(calls(fk, 1), 0);
	assert_int_equal(calls(fk, 2), 0);
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	check_item(&got, &l, 1, false);
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	check_item(&got, &l, 2, false);
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	assert_false(more);
	assert_true(cnab_fetch_peak(f) <= 100);
	cnab_fetch_free(f);
	fake_free(fk);
}

/* A cap above the budget is the budget: a blob of the whole budget fits. */
static void test_cap_clamped(void **state)
{
	struct list l = {0};
	struct fake *fk;
	struct cnab_fetch *f;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_fetched got;
	bool more;

	(void)state;
	list_add(&l, "fake", 100);
	list_add(&l, "fake", 101);
	fk = fake_new(&l);
	f = start(&l, fk, 2, 100, 5000);
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	check_item(&got, &l, 0, false);
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	check_item(&got, &l, 1, true);
	cnab_fetch_free(f);
	fake_free(fk);
}

/* The first failure reaches the consumer with its message; no hang. */
static void test_error(void **state)
{
	struct list l = {0};
	struct fake *fk;
	struct cnab_fetch *f;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_fetched got;
	enum cnab_status st = CNAB_OK;
	bool more = true;
	size_t i, taken = 0;

	(void)state;
	for (i = 0; i < 30; i++)
		list_add(&l, "fake", 500);
	fk = fake_new(&l);
	fk->fail_at = 10;
	fk->fail_st = CNAB_ERR_INTEGRITY;
	for (i = 0; i < 10; i++)
		fk->delay_ms[i] = 20; /* the failure comes first */
	f = start(&l, fk, 4, 2000, 0);
	while (more) {
		st = cnab_fetch_next(f, &got, &more, &err);
		if (st != CNAB_OK)
			break;
		check_item(&got, &l, taken++, false);
	}
	assert_int_equal(st, CNAB_ERR_INTEGRITY);
	assert_string_equal(err.msg, "blob 'item-10': broken");
	assert_true(taken <= 10);
	cnab_fetch_free(f);
	/* the workers stopped: not every later blob was asked for */
	for (i = 11 + 4 + 1; i < l.n; i++)
		assert_int_equal(calls(fk, i), 0);
	fake_free(fk);
}

/* A download giving more bytes than the descriptor says is refused. */
static void test_overlong(void **state)
{
	struct list l = {0};
	struct fake *fk;
	struct cnab_fetch *f;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_fetched got;
	bool more;

	(void)state;
	list_add(&l, "fake", 50);
	fk = fake_new(&l);
	fk->overlong = true;
	f = start(&l, fk, 2, 100, 100);
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err),
	                 CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "more than"));
	cnab_fetch_free(f);
	fake_free(fk);
}

/* One job: no thread, every item left to the consumer. */
static void test_one_job(void **state)
{
	struct list l = {0};
	struct fake *fk;
	struct cnab_fetch *f;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_fetched got;
	bool more;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++)
		list_add(&l, "fake", 10);
	fk = fake_new(&l);
	f = start(&l, fk, 1, 0, 0);
	for (i = 0; i < l.n; i++) {
		assert_int_equal(cnab_fetch_next(f, &got, &more, &err),
		                 CNAB_OK);
		assert_true(more);
		check_item(&got, &l, i, true);
	}
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	assert_false(more);
	cnab_fetch_free(f);
	for (i = 0; i < l.n; i++)
		assert_int_equal(calls(fk, i), 0);
	fake_free(fk);
}

/* The consumer gives up early (its own error): free stops the workers,
 * even those waiting for budget. */
static void test_stop_early(void **state)
{
	struct list l = {0};
	struct fake *fk;
	struct cnab_fetch *f;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_fetched got;
	bool more;
	size_t i;

	(void)state;
	for (i = 0; i < 50; i++)
		list_add(&l, "fake", 400);
	fk = fake_new(&l);
	f = start(&l, fk, 4, 1000, 1000);
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	check_item(&got, &l, 0, false);
	usleep(20 * 1000);
	cnab_fetch_free(f);
	assert_int_equal(calls(fk, l.n - 1), 0);
	fake_free(fk);
	/* and an empty list */
	l.n = 0;
	fk = fake_new(&l);
	f = start(&l, fk, 4, 0, 0);
	assert_int_equal(cnab_fetch_next(f, &got, &more, &err), CNAB_OK);
	assert_false(more);
	cnab_fetch_free(f);
	cnab_fetch_free(NULL);
	fake_free(fk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_order),
	        cmocka_unit_test(test_left),
	        cmocka_unit_test(test_budget_wait),
	        cmocka_unit_test(test_cap_clamped),
	        cmocka_unit_test(test_error),
	        cmocka_unit_test(test_overlong),
	        cmocka_unit_test(test_one_job),
	        cmocka_unit_test(test_stop_early),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
