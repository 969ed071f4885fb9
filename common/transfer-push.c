/*
 * The transfer engine's registry sink: every blob of the tree copied from
 * its image's origin registry into one destination repository, by jobs
 * workers at once, each blob streamed from its download to its upload and
 * kept nowhere.  Used by cnab-relocate.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ, pipe2 */
#include "common/transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/stream.h"

#define PIPE_SIZE     (1 << 20)
#define SMALL_BLOB    ((uint64_t)4 << 20) /* read while its mount goes */
#define COPY_ATTEMPTS 5                   /* copies of one blob started over */

/* The copy, shared by the workers. */
struct push {
	struct cnab_transfer *t;
	const struct cnab_transfer_push_opts *o;
	pthread_mutex_t lock;
	size_t next;
	bool failed;
	struct cnab_err first;
	struct cnab_transfer_push_stats stats;
};

static void moved(const struct cnab_transfer_push_opts *o, int64_t n)
{
	if (o->moved && n)
		o->moved(o->ctx, n);
}

static void note(const struct cnab_transfer_push_opts *o, int level,
                 const char *msg)
{
	if (o->note)
		o->note(o->ctx, level, msg);
}

/*
 * One blob on its way: a thread reads it from the source into a pipe, which
 * the upload reads.
 */
struct feed {
	struct cnab_registry *src;
	const char *src_repo;
	const struct cnab_descriptor *d;
	const struct cnab_transfer_push_opts *o;
	int fds[2]; /* the pipe: read end, write end (the producer's) */
	pthread_t thread;
	bool started, joined;
	struct cnab_err err;
	enum cnab_status st; /* the producer's */
	uint64_t moved;      /* bytes counted as moved */
};

/* Bytes are counted as they come from the source (verified at its end). */
static enum cnab_status to_pipe(void *ctx, const void *p, size_t n,
                                struct cnab_err *err)
{
	struct feed *f = ctx;
	enum cnab_status st;

	st = cnab_write_all(f->fds[1], p, n, "the copy pipe", err);
	if (st == CNAB_OK) {
		f->moved += n;
		moved(f->o, (int64_t)n);
	}
	return st;
}

static void *producer(void *arg)
{
	struct feed *f = arg;

	f->st = cnab_reg_get_blob(f->src, f->src_repo, f->d, to_pipe, f,
	                          &f->err);
	close(f->fds[1]);
	return NULL;
}

/* Starts reading the blob from its source. */
static enum cnab_status feed_start(struct feed *f, struct cnab_err *err)
{
	/* close-on-exec: a credential helper that the producer (or another
	 * worker) starts must not hold the pipe open */
	if (pipe2(f->fds, O_CLOEXEC) < 0)
		return cnab_err_set(err, CNAB_ERR_IO, "cannot make a pipe: %s",
		                    strerror(errno));
	fcntl(f->fds[1], F_SETPIPE_SZ, PIPE_SIZE);
	f->st = CNAB_OK;
	cnab_err_clear(&f->err);
	f->joined = false;
	if (pthread_create(&f->thread, NULL, producer, f)) {
		close(f->fds[0]);
		close(f->fds[1]);
		return cnab_err_set(err, CNAB_ERR_FAIL,
		                    "cannot start a thread");
	}
	f->started = true;
	return CNAB_OK;
}

/* Stops the source (a blob not needed, or an upload that failed) and
 * waits for it; what it counted as moved is taken back (the blob is
 * counted whole by its caller, or moves again, or not at all). */
static void feed_stop(struct feed *f)
{
	if (!f->started)
		return;
	close(f->fds[0]);
	if (!f->joined)
		pthread_join(f->thread, NULL);
	f->started = false;
	moved(f->o, -(int64_t)f->moved);
	f->moved = 0;
}

/* The upload reads the pipe; its end counts only once the source verified
 * the blob. */
static enum cnab_status feed_read(void *ctx, void *buf, size_t n, size_t *got,
                                  struct cnab_err *err)
{
	struct feed *f = ctx;
	struct cnab_reader r = cnab_fd_reader(&f->fds[0]);
	enum cnab_status st;

	st = cnab_reader_read(&r, buf, n, got, err);
	if (st != CNAB_OK || *got || f->joined)
		return st;
	pthread_join(f->thread, NULL);
	f->joined = true;
	if (f->st != CNAB_OK)
		return cnab_err_set(err, f->st, "%s", f->err.msg);
	return CNAB_OK;
}

/* What became of a blob. */
enum fate { BLOB_PRESENT, BLOB_MOUNTED, BLOB_COPIED };

/*
 * Puts the blob d of src's repository src_repo into dst's dst_repo: one
 * mount POST (from src_repo on the same host, else from dst_repo itself:
 * 201 means the blob is there) whose 202 session takes the upload, or a
 * HEAD when the registry answers the mount otherwise; then the blob read
 * from the source and streamed to the destination in one PUT, kept
 * nowhere (a small one's read started with the POST when it comes from
 * another host, unless one request at a time).  A copy cut short is the
 * caller's to start again.
 */
static enum cnab_status copy_blob(struct cnab_registry *src,
                                  const char *src_repo,
                                  struct cnab_registry *dst,
                                  const struct cnab_descriptor *d,
                                  const struct cnab_transfer_push_opts *o,
                                  enum fate *fate, struct cnab_err *err)
{
	struct feed f = {src,   src_repo,      d,       o, {-1, -1}, 0, false,
	                 false, CNAB_ERR_INIT, CNAB_OK, 0};
	struct cnab_reader rd = {feed_read, &f};
	bool same_host = !strcmp(cnab_registry_host(src), o->host);
	const char *from =
	        same_host && strcmp(src_repo, o->repo) ? src_repo : o->repo;
	bool mounted = false, exists = false;
	enum cnab_status st = CNAB_OK;

	*fate = BLOB_COPIED;
	if (o->jobs > 1 && !same_host && d->size <= SMALL_BLOB)
		st = feed_start(&f, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_reg_ask_blob(dst, o->repo, d, from, &exists, &mounted, err);
	if (st != CNAB_OK || exists) {
		if (exists)
			*fate = mounted && from != o->repo ? BLOB_MOUNTED
			                                   : BLOB_PRESENT;
		feed_stop(&f);
		return st;
	}
	if (!f.started)
		st = feed_start(&f, err);
	if (st == CNAB_OK)
		st = cnab_reg_push_blob_stream(dst, o->repo, d, &rd, err);
	/* a copy counted its bytes as they moved */
	if (st == CNAB_OK)
		f.moved = 0;
	/* a failed upload: stop the source, wait for it */
	feed_stop(&f);
	if (st != CNAB_OK && f.st != CNAB_OK)
		cnab_err_restatus(err, f.st);
	return st;
}

/* The next blob of the tree to copy, or the tree's size when none is left
 * or a worker failed. */
static size_t take(struct push *p)
{
	const struct cnab_image_tree *tree = &p->t->tree;
	size_t i;

	pthread_mutex_lock(&p->lock);
	while (p->next < tree->n && tree->nodes[p->next].is_manifest)
		p->next++;
	i = p->failed ? tree->n : p->next++;
	pthread_mutex_unlock(&p->lock);
	return i;
}

/* Copies one node's blob, started over while a copy is cut short. */
static enum cnab_status copy_node(struct push *p,
                                  struct cnab_registry_pool *src_pool,
                                  struct cnab_registry *dst, size_t i,
                                  enum fate *fate, struct cnab_err *err)
{
	const struct cnab_image_node *node = &p->t->tree.nodes[i];
	const struct cnab_reg_repo *org = cnab_transfer_node_repo(p->t, i);
	struct cnab_registry *src;
	enum cnab_status st;
	int attempt;

	st = cnab_registry_pool_get(src_pool, cnab_registry_host(org->reg),
	                            &src, err);
	for (attempt = 1; st == CNAB_OK; attempt++) {
		/* a copy cut short is read again from the source: the
		 * registry may have lost the upload */
		struct cnab_err cerr = CNAB_ERR_INIT;
		char msg[sizeof(cerr.msg) + 32];

		st = copy_blob(src, org->repo, dst, &node->desc, p->o, fate,
		               &cerr);
		if (st == CNAB_OK)
			break;
		if (st != CNAB_ERR_NET || attempt >= COPY_ATTEMPTS)
			return cnab_err_set(err, st, "%s", cerr.msg);
		snprintf(msg, sizeof(msg), "%s: copying it again", cerr.msg);
		note(p->o, 1, msg);
		st = CNAB_OK;
	}
	return st;
}

/*
 * The worker of one job: blobs until none.  A handle serves one thread at a
 * time, and a copy reads (in its producer thread) while it uploads: the
 * worker has its own handles, those it reads from apart from the one it
 * writes to, even on the same host.
 */
static void *worker(void *arg)
{
	struct push *p = arg;
	struct cnab_registry_pool pool, src_pool;
	struct cnab_registry *dst = NULL;
	struct cnab_err err = CNAB_ERR_INIT;
	enum cnab_status st;
	size_t i;

	cnab_registry_pool_init(&pool, p->o->reg);
	cnab_registry_pool_init(&src_pool, p->o->reg);
	st = cnab_registry_pool_get(&pool, p->o->host, &dst, &err);
	while (st == CNAB_OK && (i = take(p)) < p->t->tree.n) {
		enum fate fate = BLOB_COPIED;

		if (p->o->begin)
			p->o->begin(p->o->ctx);
		st = copy_node(p, &src_pool, dst, i, &fate, &err);
		pthread_mutex_lock(&p->lock);
		if (st == CNAB_OK) {
			p->stats.present += fate == BLOB_PRESENT;
			p->stats.mounted += fate == BLOB_MOUNTED;
			p->stats.copied += fate == BLOB_COPIED;
		}
		pthread_mutex_unlock(&p->lock);
		/* a copy counted its bytes as they moved */
		if (st == CNAB_OK && fate != BLOB_COPIED)
			moved(p->o, (int64_t)p->t->tree.nodes[i].desc.size);
	}
	if (st != CNAB_OK) {
		pthread_mutex_lock(&p->lock);
		if (!p->failed) {
			p->failed = true;
			p->first = err;
		}
		pthread_mutex_unlock(&p->lock);
	}
	cnab_registry_pool_release(&src_pool);
	cnab_registry_pool_release(&pool);
	return NULL;
}

enum cnab_status cnab_transfer_push(struct cnab_transfer *t,
                                    const struct cnab_transfer_push_opts *o,
                                    struct cnab_transfer_push_stats *stats,
                                    struct cnab_err *err)
{
	pthread_t threads[CNAB_TRANSFER_MAX_JOBS];
	struct push p = {0};
	int n = o->jobs < 1 ? 1 : o->jobs, started = 0, i;

	if (n > CNAB_TRANSFER_MAX_JOBS)
		n = CNAB_TRANSFER_MAX_JOBS;
	p.t = t;
	p.o = o;
	cnab_err_clear(&p.first);
	pthread_mutex_init(&p.lock, NULL);
	for (i = 0; i < n; i++) {
		if (pthread_create(&threads[i], NULL, worker, &p))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&p.lock);
	if (stats)
		*stats = p.stats;
	if (!started)
		return cnab_err_set(err, CNAB_ERR_FAIL,
		                    "cannot start a thread");
	if (p.failed)
		return cnab_err_set(err, p.first.status, "%s", p.first.msg);
	return CNAB_OK;
}
