/*
 * Concurrent blob uploads: a queue of blobs held in memory, under one
 * lock, and worker threads with a registry handle each.
 */
#include "common/upload-pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A blob to upload, its bytes after it. */
struct job {
	struct job *next;
	struct cnab_descriptor d; /* digest and size only */
	size_t size;
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
	size_t budget, held; /* bytes of jobs reserved and not done */
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

/* One blob: is it there, else upload it. */
static enum cnab_status send_job(struct cnab_upload_pool *p,
                                 struct cnab_registry *reg, struct job *j,
                                 bool *exists, struct cnab_err *err)
{
	enum cnab_status st;

	*exists = false;
	st = cnab_reg_head_blob(reg, p->repo, &j->d, exists, err);
	if (st != CNAB_OK || *exists)
		return st;
	return cnab_reg_push_blob_mem(reg, p->repo, &j->d, j->data, err);
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
	free(p->host);
	free(p->repo);
	free(p);
}
