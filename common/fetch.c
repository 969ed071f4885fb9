/*
 * Ordered concurrent blob downloads within a memory budget (fetch.h).
 *
 * Why it cannot deadlock.  Everything below happens under f->lock, and:
 *  (1) workers claim items strictly in list order (f->claim only grows),
 *      and a claim reserves the item's whole size on the budget at once;
 *      an item the consumer reads itself ("left") is skipped, never
 *      claimed;
 *  (2) the consumer takes items strictly in list order (f->take), and
 *      releases the buffer of item i before it waits for any later item;
 *  (3) a claimed item's download needs nothing from anyone else: it ends,
 *      done or failed, by itself (failures wake the consumer).
 * So the bytes held are always those of items in [take - 1, claim).
 * Suppose the consumer waits for item t (claimed or not) while every
 * worker waits for room for item c = f->claim.  If t < c, item t was
 * claimed, and by (3) its download ends: no deadlock.  If t >= c, the
 * consumer has released every item before t (2), so nothing is held and
 * the budget is whole; item c is not left, so its size is at most the cap,
 * which is at most the budget: it fits, and a worker claims it.  Either
 * way someone progresses, and since both indexes only grow, everything
 * ends.  A failure or cnab_fetch_free sets f->stop, which every wait
 * checks.
 */
#include "common/fetch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum slot_state {
	SLOT_IDLE,
	SLOT_BUSY, /* claimed, downloading */
	SLOT_DONE,
};

struct slot {
	enum slot_state state;
	unsigned char *data; /* the item's size (buf_alloc) */
};

struct cnab_fetch {
	const struct cnab_fetch_item *items;
	size_t n;
	struct cnab_registry_opts ropts;
	size_t budget, cap;
	cnab_fetch_fn fn;
	void *fn_ctx;

	pthread_mutex_t lock;
	pthread_cond_t ready; /* an item done, or a failure: the consumer */
	pthread_cond_t room;  /* budget released, or stop: the workers */
	struct slot *slots;
	size_t claim; /* the next item a worker claims */
	size_t take;  /* the next item the consumer takes */
	bool holding; /* the consumer holds item take - 1's buffer */
	size_t held;  /* bytes reserved on the budget */
	size_t peak;
	atomic_bool stop;
	bool failed;
	struct cnab_err first;

	pthread_t *threads;
	int nthreads;
};

/*
 * A blob's buffer, mapped apart from the heap: unmapped, it leaves the
 * process at once, so the resident memory follows the budget (a freed
 * heap block of a few MiB can stay resident, or raise glibc's mmap
 * threshold so that the next ones come from arenas that do not shrink).
 */
static unsigned char *buf_alloc(size_t size)
{
	void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void buf_free(unsigned char *p, size_t size)
{
	if (p)
		munmap(p, size ? size : 1);
}

/* Read by the consumer (no thread at all: everything). */
static bool is_left(const struct cnab_fetch *f, size_t i)
{
	const struct cnab_fetch_item *it = &f->items[i];

	return f->nthreads == 0 || !it->host || it->desc->size > f->cap;
}

/* Where a worker's download goes: the item's buffer. */
struct fill {
	struct cnab_fetch *f;
	const struct cnab_fetch_item *it;
	unsigned char *data;
	size_t len;
};

static enum cnab_status fill_sink(void *ctx, const void *p, size_t n,
                                  struct cnab_err *err)
{
	struct fill *fl = ctx;
	char digest[CNAB_DIGEST_STR_MAX];

	if (atomic_load(&fl->f->stop))
		return cnab_err_set(err, CNAB_ERR_FAIL, "download stopped");
	if (n > fl->it->desc->size - fl->len) {
		cnab_digest_format(&fl->it->desc->digest, digest);
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "blob '%s': more than its %llu bytes",
		                    digest,
		                    (unsigned long long)fl->it->desc->size);
	}
	memcpy(fl->data + fl->len, p, n);
	fl->len += n;
	return CNAB_OK;
}

static enum cnab_status get_blob(void *ctx, struct cnab_registry_pool *pool,
                                 const struct cnab_fetch_item *it,
                                 cnab_reg_sink sink, void *sink_ctx,
                                 struct cnab_err *err)
{
	struct cnab_registry *reg;
	enum cnab_status st;

	(void)ctx;
	st = cnab_registry_pool_get(pool, it->host, &reg, err);
	if (st == CNAB_OK)
		st = cnab_reg_get_blob(reg, it->repo, it->desc, sink, sink_ctx,
		                       err);
	return st;
}

/* Downloads item i (claimed: its size reserved) outside the lock. */
static enum cnab_status download(struct cnab_fetch *f,
                                 struct cnab_registry_pool *pool, size_t i,
                                 unsigned char **data, struct cnab_err *err)
{
	const struct cnab_fetch_item *it = &f->items[i];
	struct fill fl = {f, it, NULL, 0};
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;

	fl.data = buf_alloc((size_t)it->desc->size);
	if (!fl.data)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = f->fn(f->fn_ctx, pool, it, fill_sink, &fl, err);
	if (st == CNAB_OK && fl.len != it->desc->size) {
		cnab_digest_format(&it->desc->digest, digest);
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "blob '%s': %zu of its %llu bytes", digest,
		                  fl.len, (unsigned long long)it->desc->size);
	}
	if (st != CNAB_OK) {
		buf_free(fl.data, (size_t)it->desc->size);
		return st;
	}
	*data = fl.data;
	return CNAB_OK;
}

/* Called with the lock: the first failure stops everything. */
static void fail_locked(struct cnab_fetch *f, const struct cnab_err *err)
{
	if (!atomic_load(&f->stop)) {
		f->failed = true;
		f->first = *err;
	}
	atomic_store(&f->stop, true);
	pthread_cond_broadcast(&f->ready);
	pthread_cond_broadcast(&f->room);
}

static void *worker(void *arg)
{
	struct cnab_fetch *f = arg;
	struct cnab_registry_pool pool; /* this thread's handles only */

	cnab_registry_pool_init(&pool, &f->ropts);
	pthread_mutex_lock(&f->lock);
	for (;;) {
		struct cnab_err err = CNAB_ERR_INIT;
		unsigned char *data = NULL;
		enum cnab_status st;
		size_t i, size = 0;

		/* the next item in order that fits the budget (1) */
		while (!atomic_load(&f->stop) && f->claim < f->n) {
			if (is_left(f, f->claim)) {
				f->claim++;
				continue;
			}
			size = (size_t)f->items[f->claim].desc->size;
			if (size <= f->budget - f->held)
				break;
			pthread_cond_wait(&f->room, &f->lock);
		}
		if (atomic_load(&f->stop) || f->claim >= f->n)
			break;
		i = f->claim++;
		f->held += size;
		if (f->held > f->peak)
			f->peak = f->held;
		f->slots[i].state = SLOT_BUSY;
		pthread_mutex_unlock(&f->lock);
		st = download(f, &pool, i, &data, &err);
		pthread_mutex_lock(&f->lock);
		if (st != CNAB_OK) {
			fail_locked(f, &err);
			break;
		}
		f->slots[i].data = data;
		f->slots[i].state = SLOT_DONE;
		pthread_cond_broadcast(&f->ready);
	}
	pthread_mutex_unlock(&f->lock);
	cnab_registry_pool_release(&pool);
	return NULL;
}

enum cnab_status cnab_fetch_start(struct cnab_fetch **out,
                                  const struct cnab_fetch_item *items, size_t n,
                                  const struct cnab_fetch_opts *o,
                                  struct cnab_err *err)
{
	struct cnab_fetch *f;
	int jobs = o->jobs > 1 ? o->jobs : 0, i;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	f->items = items;
	f->n = n;
	f->ropts = *o->reg;
	f->ropts.progress = NULL; /* the consumer counts what it takes */
	f->ropts.progress_ctx = NULL;
	f->budget = o->budget ? o->budget : CNAB_FETCH_BUDGET_DEFAULT;
	f->cap = o->cap ? o->cap : f->budget / CNAB_FETCH_CAP_DIVISOR;
	if (f->cap > f->budget)
		f->cap = f->budget;
	f->fn = o->fn ? o->fn : get_blob;
	f->fn_ctx = o->fn_ctx;
	atomic_init(&f->stop, false);
	f->slots = calloc(n ? n : 1, sizeof(*f->slots));
	f->threads = calloc(jobs ? (size_t)jobs : 1, sizeof(*f->threads));
	if (!f->slots || !f->threads) {
		free(f->slots);
		free(f->threads);
		free(f);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->ready, NULL);
	pthread_cond_init(&f->room, NULL);
	/* the threads read nthreads (is_left): set it before they start;
	 * a thread that cannot start is one job less (none: no prefetch) */
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&f->threads[f->nthreads], NULL, worker, f))
			break;
		f->nthreads++;
	}
	pthread_mutex_unlock(&f->lock);
	*out = f;
	return CNAB_OK;
}

/* Gives back the consumer's buffer and its share of the budget (2). */
static void release_held(struct cnab_fetch *f)
{
	struct slot *s;

	if (!f->holding)
		return;
	s = &f->slots[f->take - 1];
	buf_free(s->data, (size_t)f->items[f->take - 1].desc->size);
	s->data = NULL;
	f->held -= (size_t)f->items[f->take - 1].desc->size;
	f->holding = false;
	pthread_cond_broadcast(&f->room);
}

enum cnab_status cnab_fetch_next(struct cnab_fetch *f, struct cnab_fetched *out,
                                 bool *more, struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i;

	pthread_mutex_lock(&f->lock);
	release_held(f);
	*more = f->take < f->n;
	if (!*more)
		goto out;
	i = f->take;
	while (!f->failed && !is_left(f, i) && f->slots[i].state != SLOT_DONE)
		pthread_cond_wait(&f->ready, &f->lock);
	if (f->failed) {
		st = cnab_err_set(err, f->first.status, "%s", f->first.msg);
		goto out;
	}
	f->take++;
	out->index = i;
	out->item = &f->items[i];
	out->data = NULL;
	out->len = 0;
	if (!is_left(f, i)) {
		out->data = f->slots[i].data;
		out->len = (size_t)f->items[i].desc->size;
		f->holding = true;
	}
out:
	pthread_mutex_unlock(&f->lock);
	return st;
}

size_t cnab_fetch_peak(struct cnab_fetch *f)
{
	size_t peak;

	pthread_mutex_lock(&f->lock);
	peak = f->peak;
	pthread_mutex_unlock(&f->lock);
	return peak;
}

void cnab_fetch_free(struct cnab_fetch *f)
{
	size_t i;
	int t;

	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	atomic_store(&f->stop, true);
	pthread_cond_broadcast(&f->room);
	pthread_mutex_unlock(&f->lock);
	for (t = 0; t < f->nthreads; t++)
		pthread_join(f->threads[t], NULL);
	for (i = 0; i < f->n; i++)
		buf_free(f->slots[i].data, (size_t)f->items[i].desc->size);
	pthread_cond_destroy(&f->ready);
	pthread_cond_destroy(&f->room);
	pthread_mutex_destroy(&f->lock);
	free(f->slots);
	free(f->threads);
	free(f);
}
