/*
 * Ordered concurrent blob downloads within a memory budget: the first
 * piece of the transfer engine (issue 13).
 *
 * The caller gives an ordered list of blobs.  Worker threads, each with
 * its own registry handles, claim them in list order and download each one
 * no larger than the per-blob cap into a buffer charged to the budget
 * (verified: cnab_reg_get_blob checks digest and size).  The consumer, in
 * the caller's thread, takes the blobs in the same order with
 * cnab_fetch_next: a buffered blob once its download is done, or "left"
 * when it is the consumer's to read itself (larger than the cap, no
 * registry, or one job: no thread at all).  So what the consumer writes
 * does not depend on the order the answers came back in, and the memory
 * held is at most the budget, whatever the sizes.
 */
#ifndef CNAB_COMMON_FETCH_H
#define CNAB_COMMON_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/oci.h"
#include "common/registry.h"
#include "common/status.h"

/*
 * Default budget: 8 MiB of blobs held at once.  Issue 13 asks for a peak
 * RSS of at most 32 MiB at the default --jobs (8).  Measured on cnab-archive
 * -r of 12 MB layers and 2 MB ones: 15.3 MiB at --jobs 1 (libcurl,
 * OpenSSL, libarchive, zlib, the streamed layers), 29.5 MiB at --jobs 8
 * with a 12 MiB budget full (each worker's own handles and malloc arena add
 * 0.2 to 0.8 MiB).  Over TLS, 12 MiB went over 32 (34.4 MB for 40 layers of
 * 1 to 11 MB); 8 MiB took 22.7 MB, in the same time (1.15 s against 1.24,
 * medians of 4), and the same 1.5 s over a 50 ms round trip for small
 * layers, where concurrency pays: 8 jobs of 200 kB hold 1.6 MB.
 */
#define CNAB_FETCH_BUDGET_DEFAULT ((size_t)8 << 20)
/*
 * Default cap: a quarter of the budget (2 MiB with the default one), so
 * that several blobs at the cap are in flight at once; a larger blob's
 * transfer time dwarfs its round trips, and it is streamed.
 */
#define CNAB_FETCH_CAP_DIVISOR 4

/* One blob of the list (everything borrowed for the fetch's life). */
struct cnab_fetch_item {
	const char *host; /* registry host; NULL: the consumer reads it */
	const char *repo;
	const struct cnab_descriptor *desc;
};

/*
 * How a worker downloads one item: bytes to sink, in order, exactly once,
 * verified before it returns CNAB_OK.  pool is the worker's own (never
 * shared with another thread).  The default is cnab_reg_get_blob through
 * the handle pool's handle for the item's host; tests inject their own.
 */
typedef enum cnab_status (*cnab_fetch_fn)(void *ctx,
                                          struct cnab_registry_pool *pool,
                                          const struct cnab_fetch_item *it,
                                          cnab_reg_sink sink, void *sink_ctx,
                                          struct cnab_err *err);

struct cnab_fetch_opts {
	/* for the workers' handles (their progress callback is not called:
	 * the consumer counts what it takes) */
	const struct cnab_registry_opts *reg;
	int jobs;      /* concurrent downloads; 1 or less: none */
	size_t budget; /* bytes held at once; 0: the default */
	size_t cap; /* larger ones are left; 0: budget / 4; capped at budget */
	cnab_fetch_fn fn; /* NULL: cnab_reg_get_blob */
	void *fn_ctx;
};

/* What cnab_fetch_next gives for one item. */
struct cnab_fetched {
	size_t index;
	const struct cnab_fetch_item *item;
	/* the verified bytes (owned by the fetch, valid until the next call
	 * of cnab_fetch_next or cnab_fetch_free), or NULL when the item is
	 * left to the consumer */
	const unsigned char *data;
	size_t len;
};

struct cnab_fetch;

/*
 * Starts fetching items[0..n) (borrowed: they must outlive the fetch)
 * with o->jobs threads.  Free the fetch with cnab_fetch_free.
 */
enum cnab_status cnab_fetch_start(struct cnab_fetch **out,
                                  const struct cnab_fetch_item *items, size_t n,
                                  const struct cnab_fetch_opts *o,
                                  struct cnab_err *err);

/*
 * The next item in list order, once ready: waits for its download, and
 * releases the previous item's buffer (and its charge on the budget).
 * *more is false once every item was taken (out is then untouched).  A
 * failed download: the first failure's status and message (the workers
 * stop); the fetch is then only good for cnab_fetch_free.
 */
enum cnab_status cnab_fetch_next(struct cnab_fetch *f, struct cnab_fetched *out,
                                 bool *more, struct cnab_err *err);

/* Peak bytes held in buffers so far (for tests and -v). */
size_t cnab_fetch_peak(struct cnab_fetch *f);

/*
 * Stops the workers (each finishes or abandons its current request),
 * waits for them and frees everything.  Accepts NULL.
 */
void cnab_fetch_free(struct cnab_fetch *f);

#endif
