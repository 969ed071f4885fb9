/*
 * Concurrent blob uploads to one repository: worker threads, each with its
 * own registry handle (a handle is never shared by two threads), take
 * blobs the caller holds whole in memory, or in a spool file, and has
 * checked against their digests, ask the registry whether it has each
 * (HEAD) and upload those it lacks, while the caller goes on reading its
 * source.  The bytes held in memory at once stay within a budget: the
 * caller waits for room; those spooled within another, never waited for.
 * The first failure stops the workers: no blob queued after it is begun.
 *
 * The upload side of the transfer engine (issue 13): publish feeds it from
 * the archive stream.
 */
#ifndef CNAB_COMMON_UPLOAD_POOL_H
#define CNAB_COMMON_UPLOAD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/oci.h"
#include "common/registry.h"
#include "common/status.h"

/*
 * The default budget: the blob bytes held at once.  A blob of up to a
 * quarter of it (2 MiB) is taken, so that four fit at once; larger ones go
 * to the spool.  8 MiB, not 16: as fast over a 50 ms round trip (the
 * many-small-layers bundle of the benchmark: 4.55 s against 4.59 s,
 * medians of 4), and 8 MB less at peak (25.8 MB against 33.7; over TLS
 * 21 MB against 39 for a bundle of mid-sized layers).
 */
#define CNAB_UPLOAD_BUDGET ((size_t)8 << 20)

/* The most worker threads. */
#define CNAB_UPLOAD_MAX_JOBS 32

struct cnab_upload_pool;

/* What the workers did, summed over their handles. */
struct cnab_upload_stats {
	uint64_t uploaded; /* blobs uploaded */
	uint64_t present;  /* blobs the registry had already */
	struct cnab_registry_stats reg;
};

/*
 * Starts jobs worker threads (1 to CNAB_UPLOAD_MAX_JOBS) uploading to
 * repo of the registry host, each with a handle made from opts (opts and
 * what it points to are borrowed and must outlive the pool; host and repo
 * are copied).  budget: the bytes held at once (0: CNAB_UPLOAD_BUDGET).
 * Free the pool with cnab_upload_pool_free.
 */
enum cnab_status cnab_upload_pool_new(struct cnab_upload_pool **out,
                                      const char *host, const char *repo,
                                      const struct cnab_registry_opts *opts,
                                      int jobs, size_t budget,
                                      struct cnab_err *err);

/* The largest blob the pool takes: the caller uploads larger ones itself. */
uint64_t cnab_upload_pool_max_blob(const struct cnab_upload_pool *p);

/*
 * Room for a blob of size bytes (at most cnab_upload_pool_max_blob):
 * waits until the blobs held leave that much of the budget, then *buf is
 * a buffer of size bytes (owned by the pool) for the caller to fill and
 * give to cnab_upload_pool_submit or cnab_upload_pool_drop.  After a
 * failed upload: that failure, and no buffer.
 */
enum cnab_status cnab_upload_pool_reserve(struct cnab_upload_pool *p,
                                          uint64_t size, void **buf,
                                          struct cnab_err *err);

/*
 * Queues the blob d (its digest and size are copied), whose bytes the
 * caller put in buf, from cnab_upload_pool_reserve, and checked against
 * d.  The pool takes buf back in any case.  After a failed upload: that
 * failure.
 */
enum cnab_status cnab_upload_pool_submit(struct cnab_upload_pool *p,
                                         const struct cnab_descriptor *d,
                                         void *buf, struct cnab_err *err);

/*
 * The spool: blobs over cnab_upload_pool_max_blob, written by the caller
 * to unnamed files in dir (NULL: $TMPDIR, else /tmp) as it reads them, so
 * that the workers upload them while its source goes on, bytes at most
 * on the spool at once (0, the default: no spool).
 */
void cnab_upload_pool_set_spool(struct cnab_upload_pool *p, uint64_t bytes,
                                const char *dir);

/*
 * How the workers ask whether the repository has a blob: with a HEAD (the
 * default: a blob there costs no write), or, with on, with one POST
 * mounting it from the repository itself (201: it is there), whose 202
 * session takes the upload: one request fewer per blob sent, where most
 * are.  A registry answering that mount with an error is asked with a
 * HEAD.  Set before the first blob is queued.
 */
void cnab_upload_pool_set_mount_ask(struct cnab_upload_pool *p, bool on);

/*
 * What is worth a line with -v ("...: sending it again"), said by the
 * workers' threads: note must be safe to call from any thread.  Set before
 * the first blob is queued.
 */
void cnab_upload_pool_set_note(struct cnab_upload_pool *p,
                               void (*note)(void *ctx, const char *msg),
                               void *ctx);

/*
 * Room on the spool for a blob of size bytes, now: *fd a new unnamed file,
 * open for reading and writing, for the caller to fill with the blob and
 * give to cnab_upload_pool_submit_file once its bytes are checked, or to
 * cnab_upload_pool_unspool.  *fd is -1 when there is no spool, it is full,
 * or its file system is short of room (twice the blob and the spool's
 * budget are left free): the caller then sends the blob itself.  Never
 * waits.  After a failed upload: that failure.
 */
enum cnab_status cnab_upload_pool_spool(struct cnab_upload_pool *p,
                                        uint64_t size, int *fd,
                                        struct cnab_err *err);

/*
 * Queues the blob d, spooled in fd (from cnab_upload_pool_spool, for a
 * blob of d->size bytes), for a worker to upload from the file's start,
 * checked against d again as it is sent.  The pool takes fd in any case.
 * After a failed upload: that failure.
 */
enum cnab_status cnab_upload_pool_submit_file(struct cnab_upload_pool *p,
                                              const struct cnab_descriptor *d,
                                              int fd, struct cnab_err *err);

/* Gives back a spool file of size bytes, not submitted, and closes it. */
void cnab_upload_pool_unspool(struct cnab_upload_pool *p, uint64_t size,
                              int fd);

/* Gives back a buffer from cnab_upload_pool_reserve, not submitted. */
void cnab_upload_pool_drop(struct cnab_upload_pool *p, void *buf);

/* The first failure of an upload so far (its message in err), or CNAB_OK. */
enum cnab_status cnab_upload_pool_failed(struct cnab_upload_pool *p,
                                         struct cnab_err *err);

/* Waits until every blob queued is uploaded; the first failure. */
enum cnab_status cnab_upload_pool_wait(struct cnab_upload_pool *p,
                                       struct cnab_err *err);

/* What the workers did so far. */
void cnab_upload_pool_stats(struct cnab_upload_pool *p,
                            struct cnab_upload_stats *out);

/*
 * Stops the workers (blobs queued and not begun are dropped; those being
 * sent finish) and frees the pool.  NULL is accepted.
 */
void cnab_upload_pool_free(struct cnab_upload_pool *p);

#endif
