/*
 * Concurrent blob uploads: a queue of blobs held in memory, under one
 * lock, and worker threads with a registry handle each.
 */
#include "common/upload-pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fsutil.h"
#include "common/stream.h"

/* Uploads of one spooled blob started over (each from the file's start). */
#define SPOOL_ATTEMPTS 5

/* A blob to upload: its bytes after it, or in a spool file. */
struct job {
	struct job *next;
	struct cnab_descriptor d; /* digest and size only */
	size_t size;              /* bytes of the memory budget */
	int fd;                   /* a spooled blob's file, else -1 */
	max_align_t data[];
};

struct worker {
	struct cnab_upload_pool *pool;
	pthread_t thread;
	struct cnab_registry_stats stats; /* its handle's, under the lock */
};

struct cnab_upload_pool {
	const struct cnab_registry_opts *opts;
	char *host, *repo;
	size_t budget, held;     /* bytes of jobs reserved and not done */
	uint64_t spool, spooled; /* the spool's budget, and bytes held */
	char *spool_dir;
	void (*note)(void *ctx, const char *msg); /* from any worker */
	void *note_ctx;
	bool mount_ask; /* blobs asked for with a mount POST, not a HEAD */
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job queued, or stopping */
	pthread_cond_t room; /* a job done: room, or idle, or failed */
	struct job *head, **tail;
	size_t queued, active; /* jobs waiting, jobs being sent */
	bool stopping, failed;
	struct cnab_err first;
	uint64_t uploaded, present;
	struct worker *workers;
	int nworkers;
};

static struct job *job_of(void *buf)
{
	return (struct job *)((char *)buf - offsetof(struct job, data));
}

/* Ends a job (under the lock): its room back, and its outcome. */
static void job_done(struct cnab_upload_pool *p, struct job *j)
{
	p->held -= j->size;
	if (j->fd >= 0) {
		p->spooled -= j->d.size;
		close(j->fd);
	}
	free(j);
	pthread_cond_broadcast(&p->room);
}

static void fail(struct cnab_upload_pool *p, const struct cnab_err *err)
{
	if (p->failed)
		return;
	p->failed = true;
	p->first = *err;
	pthread_cond_broadcast(&p->room);
	pthread_cond_broadcast(&p->work);
}

/* A spool file read from its start, counting what went out. */
struct spool_src {
	int fd;
	uint64_t read;
};

static enum cnab_status spool_read(void *ctx, void *buf, size_t n, size_t *got,
                                   struct cnab_err *err)
{
	struct spool_src *src = ctx;
	ssize_t k;

	do
		k = read(src->fd, buf, n);
	while (k < 0 && errno == EINTR);
	if (k < 0) {
		*got = 0;
		return cnab_err_set(err, CNAB_ERR_FAIL,
		                    "cannot read a spool file: %s",
		                    strerror(errno));
	}
	*got = (size_t)k;
	src->read += (uint64_t)k;
	return CNAB_OK;
}

/*
 * A spooled blob in one PUT, checked against its digest as it goes out
 * (the file is ours, but what a PUT commits is always verified).  A PUT
 * cut short, or answered with a status worth trying again, is sent again
 * from the file's start; a failure before any of the body went out (the
 * session's POST, which has had its own retries) stands.
 */
static enum cnab_status send_spooled(struct cnab_upload_pool *p,
                                     struct cnab_registry *reg, struct job *j,
                                     struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	int attempt;

	for (attempt = 1;; attempt++) {
		struct spool_src ss = {j->fd, 0};
		struct cnab_reader raw = {spool_read, &ss}, src;
		struct cnab_verify_reader vr;

		if (lseek(j->fd, 0, SEEK_SET) < 0)
			return cnab_err_set(err, CNAB_ERR_FAIL,
			                    "cannot read a spool file again: "
			                    "%s",
			                    strerror(errno));
		st = cnab_verify_reader_init(&vr, raw, &j->d.digest, j->d.size,
		                             "a spooled blob", err);
		if (st != CNAB_OK)
			return st;
		src = cnab_verify_reader_as(&vr);
		st = cnab_reg_push_blob_stream(reg, p->repo, &j->d, &src, err);
		cnab_verify_reader_release(&vr);
		if (st != CNAB_ERR_NET || !ss.read || attempt >= SPOOL_ATTEMPTS)
			return st;
		if (p->note) {
			char *msg = cnab_strfmt("%s: sending it again, from "
			                        "its spool file",
			                        err->msg);

			if (msg)
				p->note(p->note_ctx, msg);
			free(msg);
		}
		cnab_err_clear(err);
	}
}

/*
 * One blob: is it there, else upload it.  Asked with a HEAD, or (mount_ask)
 * with one POST mounting it from the repository itself (201: it is there)
 * whose 202 session takes the upload; a registry that answers that mount
 * otherwise is asked with a HEAD.
 */
static enum cnab_status send_job(struct cnab_upload_pool *p,
                                 struct cnab_registry *reg, struct job *j,
                                 bool *exists, struct cnab_err *err)
{
	enum cnab_status st;

	if (p->mount_ask)
		st = cnab_reg_ask_blob(reg, p->repo, &j->d, p->repo, exists,
		                       NULL, err);
	else
		st = cnab_reg_head_blob(reg, p->repo, &j->d, exists, err);
	if (st != CNAB_OK || *exists)
		return st;
	if (j->fd < 0)
		return cnab_reg_push_blob_mem(reg, p->repo, &j->d, j->data,
		                              err);
	return send_spooled(p, reg, j, err);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct cnab_upload_pool *p = w->pool;
	struct cnab_registry *reg = NULL;
	struct cnab_err err = CNAB_ERR_INIT;
	enum cnab_status st;

	st = cnab_registry_new(&reg, p->host, p->opts, &err);
	pthread_mutex_lock(&p->lock);
	if (st != CNAB_OK)
		fail(p, &err);
	for (;;) {
		struct job *j;
		bool exists;

		while (!p->head && !p->stopping && !p->failed)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->failed || !p->head)
			break;
		j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = &p->head;
		p->queued--;
		p->active++;
		pthread_mutex_unlock(&p->lock);
		cnab_err_clear(&err);
		st = send_job(p, reg, j, &exists, &err);
		pthread_mutex_lock(&p->lock);
		p->active--;
		if (st == CNAB_OK) {
			p->present += exists;
			p->uploaded += !exists;
		} else {
			fail(p, &err);
		}
		cnab_registry_stats(reg, &w->stats);
		job_done(p, j);
	}
	pthread_mutex_unlock(&p->lock);
	cnab_registry_free(reg);
	return NULL;
}

enum cnab_status cnab_upload_pool_new(struct cnab_upload_pool **out,
                                      const char *host, const char *repo,
                                      const struct cnab_registry_opts *opts,
                                      int jobs, size_t budget,
                                      struct cnab_err *err)
{
	struct cnab_upload_pool *p;
	int i;

	*out = NULL;
	if (jobs < 1 || jobs > CNAB_UPLOAD_MAX_JOBS)
		return cnab_err_set(err, CNAB_ERR_USAGE,
		                    "cannot upload with %d jobs: use 1 to %d",
		                    jobs, CNAB_UPLOAD_MAX_JOBS);
	p = calloc(1, sizeof(*p));
	if (!p)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	p->opts = opts;
	p->budget = budget ? budget : CNAB_UPLOAD_BUDGET;
	p->tail = &p->head;
	p->host = strdup(host);
	p->repo = strdup(repo);
	p->workers = calloc((size_t)jobs, sizeof(*p->workers));
	if (!p->host || !p->repo || !p->workers) {
		free(p->host);
		free(p->repo);
		free(p->workers);
		free(p);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->room, NULL);
	for (i = 0; i < jobs; i++) {
		p->workers[i].pool = p;
		if (pthread_create(&p->workers[i].thread, NULL, worker_main,
		                   &p->workers[i]))
			break;
		p->nworkers++;
	}
	*out = p;
	if (!p->nworkers) {
		cnab_upload_pool_free(p);
		*out = NULL;
		return cnab_err_set(err, CNAB_ERR_FAIL,
		                    "cannot start a thread");
	}
	return CNAB_OK;
}

uint64_t cnab_upload_pool_max_blob(const struct cnab_upload_pool *p)
{
	return p->budget / 4;
}

/* The first failure (under the lock). */
static enum cnab_status first_failure(struct cnab_upload_pool *p,
                                      struct cnab_err *err)
{
	return cnab_err_set(err, p->first.status, "%s", p->first.msg);
}

enum cnab_status cnab_upload_pool_reserve(struct cnab_upload_pool *p,
                                          uint64_t size, void **buf,
                                          struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	struct job *j;

	*buf = NULL;
	if (size > cnab_upload_pool_max_blob(p))
		return cnab_err_set(
		        err, CNAB_ERR_INVALID,
		        "a blob of %llu bytes is over the %llu "
		        "bytes of an upload held in memory",
		        (unsigned long long)size,
		        (unsigned long long)cnab_upload_pool_max_blob(p));
	pthread_mutex_lock(&p->lock);
	while (!p->failed && p->held && p->held + size > p->budget)
		pthread_cond_wait(&p->room, &p->lock);
	if (p->failed) {
		st = first_failure(p, err);
		goto out;
	}
	j = malloc(sizeof(*j) + (size ? (size_t)size : 1));
	if (!j) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->size = (size_t)size;
	p->held += j->size;
	*buf = j->data;
out:
	pthread_mutex_unlock(&p->lock);
	return st;
}

enum cnab_status cnab_upload_pool_submit(struct cnab_upload_pool *p,
                                         const struct cnab_descriptor *d,
                                         void *buf, struct cnab_err *err)
{
	struct job *j = job_of(buf);
	enum cnab_status st = CNAB_OK;

	pthread_mutex_lock(&p->lock);
	if (p->failed || d->size != j->size) {
		if (p->failed)
			st = first_failure(p, err);
		else
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "a blob of %llu bytes in a buffer "
			                  "of %zu",
			                  (unsigned long long)d->size, j->size);
		job_done(p, j);
		goto out;
	}
	j->d.digest = d->digest;
	j->d.size = d->size;
	*p->tail = j;
	p->tail = &j->next;
	p->queued++;
	pthread_cond_signal(&p->work);
out:
	pthread_mutex_unlock(&p->lock);
	return st;
}

void cnab_upload_pool_set_spool(struct cnab_upload_pool *p, uint64_t bytes,
                                const char *dir)
{
	char *d = NULL;

	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	if (bytes)
		d = strdup(dir);
	pthread_mutex_lock(&p->lock);
	free(p->spool_dir);
	p->spool_dir = d;
	p->spool = d ? bytes : 0;
	pthread_mutex_unlock(&p->lock);
}

void cnab_upload_pool_set_mount_ask(struct cnab_upload_pool *p, bool on)
{
	pthread_mutex_lock(&p->lock);
	p->mount_ask = on;
	pthread_mutex_unlock(&p->lock);
}

void cnab_upload_pool_set_note(struct cnab_upload_pool *p,
                               void (*note)(void *ctx, const char *msg),
                               void *ctx)
{
	pthread_mutex_lock(&p->lock);
	p->note = note;
	p->note_ctx = ctx;
	pthread_mutex_unlock(&p->lock);
}

enum cnab_status cnab_upload_pool_spool(struct cnab_upload_pool *p,
                                        uint64_t size, int *fd,
                                        struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	struct statvfs vfs;
	char *dir = NULL;

	*fd = -1;
	pthread_mutex_lock(&p->lock);
	if (p->failed)
		st = first_failure(p, err);
	else if (p->spool && p->spooled + size <= p->spool)
		dir = strdup(p->spool_dir);
	if (dir)
		p->spooled += size; /* held while the file is made */
	pthread_mutex_unlock(&p->lock);
	if (!dir)
		return st;
	/* never the last of the file system's room: the blob twice over,
	 * and the spool's budget, are left free */
	if (statvfs(dir, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize >= 2 * size + p->spool)
		*fd = cnab_scratch_file(dir);
	free(dir);
	if (*fd < 0)
		cnab_upload_pool_unspool(p, size, -1);
	return CNAB_OK;
}

enum cnab_status cnab_upload_pool_submit_file(struct cnab_upload_pool *p,
                                              const struct cnab_descriptor *d,
                                              int fd, struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	struct job *j = calloc(1, sizeof(*j));

	pthread_mutex_lock(&p->lock);
	if (!j || p->failed) {
		st = p->failed ? first_failure(p, err)
		               : cnab_err_set(err, CNAB_ERR_NOMEM,
		                              "out of memory");
		p->spooled -= d->size;
		close(fd);
		free(j);
		pthread_cond_broadcast(&p->room);
		goto out;
	}
	j->fd = fd;
	j->d.digest = d->digest;
	j->d.size = d->size;
	*p->tail = j;
	p->tail = &j->next;
	p->queued++;
	pthread_cond_signal(&p->work);
out:
	pthread_mutex_unlock(&p->lock);
	return st;
}

void cnab_upload_pool_unspool(struct cnab_upload_pool *p, uint64_t size, int fd)
{
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&p->lock);
	p->spooled -= size;
	pthread_mutex_unlock(&p->lock);
}

void cnab_upload_pool_drop(struct cnab_upload_pool *p, void *buf)
{
	if (!buf)
		return;
	pthread_mutex_lock(&p->lock);
	job_done(p, job_of(buf));
	pthread_mutex_unlock(&p->lock);
}

enum cnab_status cnab_upload_pool_failed(struct cnab_upload_pool *p,
                                         struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;

	pthread_mutex_lock(&p->lock);
	if (p->failed)
		st = first_failure(p, err);
	pthread_mutex_unlock(&p->lock);
	return st;
}

enum cnab_status cnab_upload_pool_wait(struct cnab_upload_pool *p,
                                       struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;

	pthread_mutex_lock(&p->lock);
	while (!p->failed && (p->queued || p->active))
		pthread_cond_wait(&p->room, &p->lock);
	if (p->failed)
		st = first_failure(p, err);
	pthread_mutex_unlock(&p->lock);
	return st;
}

static void add_stats(struct cnab_registry_stats *to,
                      const struct cnab_registry_stats *s)
{
	to->requests += s->requests;
	to->blob_bytes_up += s->blob_bytes_up;
	to->blob_bytes_down += s->blob_bytes_down;
	to->blobs_uploaded += s->blobs_uploaded;
	to->blobs_mounted += s->blobs_mounted;
	to->retries += s->retries;
	to->uploads_lost += s->uploads_lost;
}

void cnab_upload_pool_stats(struct cnab_upload_pool *p,
                            struct cnab_upload_stats *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&p->lock);
	out->uploaded = p->uploaded;
	out->present = p->present;
	for (i = 0; i < p->nworkers; i++)
		add_stats(&out->reg, &p->workers[i].stats);
	pthread_mutex_unlock(&p->lock);
}

void cnab_upload_pool_free(struct cnab_upload_pool *p)
{
	struct job *j;
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	/* what is queued and not begun is dropped */
	while ((j = p->head)) {
		p->head = j->next;
		p->queued--;
		job_done(p, j);
	}
	p->tail = &p->head;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nworkers; i++)
		pthread_join(p->workers[i].thread, NULL);
	pthread_cond_destroy(&p->room);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p->spool_dir);
	free(p->host);
	free(p->repo);
	free(p);
}
