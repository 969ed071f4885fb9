/*
 * cnab-relocate: copy a published bundle (or a thin bundle.json's images)
 * to another registry or repository, registry to registry, streamed.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fsutil.h"
#include "common/image.h"
#include "common/reference.h"
#include "common/registry.h"
#include "common/transfer.h"
#include "formats/bundle.h"
#include "formats/cnaboci.h"
#include "formats/porter.h"
#include "formats/relocation.h"
#include "tools/fe.h"
#include "tools/output.h"
#include "tools/pull.h"
#include "tools/push.h"

static const char usage[] =
        "usage: cnab-relocate [options] (SOURCE | -f FILE) DEST\n"
        "\n"
        "Copies a bundle and every image it names into DEST's repository,\n"
        "registry to registry, and pushes the bundle there.\n"
        "\n"
        "  SOURCE                a published bundle, by tag or digest\n"
        "  -f, --file FILE       a bundle.json or porter.yaml instead; its\n"
        "                        images are taken from where it names them\n"
        "  DEST                  REGISTRY/REPO[:TAG] (default tag: "
        "SOURCE's,\n"
        "                        else the bundle's version)\n"
        "  -j, --jobs N          blobs copied at once (default 8)\n"
        "      --force           replace a tag that holds a different "
        "bundle\n"
        "      --relocation-mapping FILE\n"
        "                        write where each image was copied to\n"
        "      --dry-run         read DEST (read-only) and show the plan;\n"
        "                        write nothing\n"
        "      --offline         with --dry-run: ask nothing of DEST\n"
        "      --no-attachments  leave out signatures, attestations, SBOMs\n"
        "                        and other referrers\n"
        "  -o, --output FORMAT   plain (default) or json\n";

#define PIPE_SIZE      (1 << 20)
#define RELOCATE_CHUNK ((size_t)4 << 20)
#define SMALL_BLOB     ((uint64_t)4 << 20) /* read while its mount goes */
#define COPY_ATTEMPTS  5                   /* copies of one blob started over */

struct relocate_opts {
	struct cnab_fe_common common;
	const char *source;
	const char *file;
	const char *dest;
	int jobs;
	struct cnab_push_opts push;
};

struct relocate {
	const struct relocate_opts *o;
	struct cnab_registry_opts ropts;
	struct cnab_registry_pool pool;
	struct cnab_pulled pulled; /* SOURCE */
	struct cnab_bundle bundle; /* -f */
	struct cnab_bundle *b;
	struct cnab_transfer xfer; /* image i is bundle image i */
	struct cnab_push_target target;
	struct cnab_push_objects obj;
	struct cnab_relocation mapping;
	struct cnab_outfile mapping_out; /* --relocation-mapping */
	struct cnab_fe_progress progress;
	/* the blob copy, shared by the workers */
	pthread_mutex_t lock;
	size_t next;
	bool failed;
	struct cnab_err first;
	uint64_t copied, mounted, present;
};

/* Loads the bundle. */
static enum cnab_status load(struct relocate *r, struct cnab_err *err)
{
	const struct relocate_opts *o = r->o;
	enum cnab_status st;

	if (o->source) {
		struct cnab_ref ref = CNAB_REF_INIT;
		struct cnab_registry *reg;

		st = cnab_ref_parse(&ref, o->source, err);
		if (st == CNAB_OK)
			st = cnab_registry_pool_get(&r->pool, ref.domain, &reg,
			                            err);
		cnab_ref_release(&ref);
		if (st == CNAB_OK)
			st = cnab_pull_bundle(&r->pulled, reg, o->source, err);
		if (st != CNAB_OK)
			return st;
		r->b = &r->pulled.bundle;
	} else {
		const char *subject =
		        strcmp(o->file, "-") ? o->file : "<stdin>";
		char *data;
		size_t len;

		st = cnab_file_read(o->file, CNAB_MAX_DOCUMENT, &data, &len,
		                    err);
		if (st == CNAB_OK)
			st = cnab_bundle_parse_any(&r->bundle, data, len,
			                           subject, err);
		free(data);
		if (st != CNAB_OK)
			return st;
		r->b = &r->bundle;
	}
	return CNAB_OK;
}

/* An image resolved: a thin bundle's digest, size and media type filled
 * in (a published bundle has them). */
static enum cnab_status resolved(void *ctx, size_t i,
                                 const struct cnab_transfer_image *img,
                                 struct cnab_err *err)
{
	struct relocate *r = ctx;
	char digest[CNAB_DIGEST_STR_MAX];

	if (r->o->source)
		return CNAB_OK;
	cnab_digest_format(&img->root.digest, digest);
	return cnab_bundle_fill_image(r->b, &r->b->images[i], digest,
	                              img->root.size, img->root.media_type,
	                              err);
}

/*
 * Where each image is read from, through the engine: a published bundle's
 * from its own repository, a thin bundle's from where it names them.
 */
static enum cnab_status resolve(struct relocate *r, struct cnab_err *err)
{
	enum cnab_status st;

	r->xfer.pool = &r->pool;
	r->xfer.bundle_reg = r->o->source ? r->pulled.reg : NULL;
	r->xfer.bundle_repo = r->o->source ? r->pulled.ref.path : NULL;
	r->xfer.resolved = resolved;
	r->xfer.ctx = r;
	st = cnab_pull_add_images(&r->xfer, r->b,
	                          r->o->source ? r->pulled.images : NULL,
	                          "relocate", err);
	if (st == CNAB_OK)
		st = cnab_transfer_resolve(&r->xfer, err);
	return st;
}

/*
 * What is attached to the images and the bundle, found in SOURCE, to
 * travel too (once the tag is settled: a tag holding the bundle reads
 * nothing more).
 */
static enum cnab_status attach(struct relocate *r, struct cnab_err *err)
{
	enum cnab_status st;

	if (r->o->push.no_attachments)
		return CNAB_OK;
	if (r->o->source)
		r->xfer.bundle_digest = &r->pulled.raw.digest;
	st = cnab_transfer_attach(&r->xfer, err);
	if (st == CNAB_OK && r->xfer.attach_capped)
		cnab_fe_warn("more than %d attachments: only the first %d are "
		             "copied",
		             CNAB_ATTACH_MAX, CNAB_ATTACH_MAX);
	return st;
}

/*
 * One blob on its way: a thread reads it from the source into a pipe, which
 * the upload reads.
 */
struct feed {
	struct cnab_registry *src;
	const char *src_repo;
	const struct cnab_descriptor *d;
	int fds[2]; /* the pipe: read end, write end (the producer's) */
	pthread_t thread;
	bool started, joined;
	struct cnab_err err;
	enum cnab_status st; /* the producer's */
	struct cnab_fe_progress *progress;
	uint64_t moved; /* bytes counted in the progress */
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
		cnab_fe_progress_add(f->progress, n);
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
 * waits for it; what it counted in the progress is taken back (the blob
 * is counted whole by its caller, or moves again, or not at all). */
static void feed_stop(struct feed *f)
{
	if (!f->started)
		return;
	close(f->fds[0]);
	if (!f->joined)
		pthread_join(f->thread, NULL);
	f->started = false;
	cnab_fe_progress_back(f->progress, f->moved);
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
static enum cnab_status
relocate_blob(struct cnab_registry *src, const char *src_repo,
              struct cnab_registry *dst, const char *dst_repo,
              const struct cnab_descriptor *d, bool overlap,
              struct cnab_fe_progress *progress, enum fate *fate,
              struct cnab_err *err)
{
	struct feed f = {src,   src_repo,      d,       {-1, -1}, 0, false,
	                 false, CNAB_ERR_INIT, CNAB_OK, progress, 0};
	struct cnab_reader rd = {feed_read, &f};
	struct cnab_err merr = CNAB_ERR_INIT;
	bool same_host =
	        !strcmp(cnab_registry_host(src), cnab_registry_host(dst));
	const char *from =
	        same_host && strcmp(src_repo, dst_repo) ? src_repo : dst_repo;
	bool mounted = false, exists = false;
	enum cnab_status st = CNAB_OK;

	*fate = BLOB_COPIED;
	if (overlap && !same_host && d->size <= SMALL_BLOB)
		st = feed_start(&f, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_reg_mount_blob(dst, dst_repo, d, from, &mounted, &merr);
	if (st != CNAB_OK && st != CNAB_ERR_NET && st != CNAB_ERR_NOMEM) {
		/* a registry that does not take mounts: ask plainly */
		cnab_fe_info(2, "%s: asking with HEAD", merr.msg);
		st = cnab_reg_head_blob(dst, dst_repo, d, &exists, err);
	} else if (st != CNAB_OK) {
		cnab_err_set(err, st, "%s", merr.msg);
	}
	if (st != CNAB_OK || mounted || exists) {
		if (mounted || exists)
			*fate = mounted && from != dst_repo ? BLOB_MOUNTED
			                                    : BLOB_PRESENT;
		feed_stop(&f);
		return st;
	}
	if (!f.started)
		st = feed_start(&f, err);
	if (st == CNAB_OK)
		st = cnab_reg_push_blob_stream(dst, dst_repo, d, &rd, err);
	/* a copy counted its bytes as they moved */
	if (st == CNAB_OK)
		f.moved = 0;
	/* a failed upload: stop the source, wait for it */
	feed_stop(&f);
	if (st != CNAB_OK && f.st != CNAB_OK)
		cnab_err_restatus(err, f.st);
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
	struct relocate *r = arg;
	struct cnab_registry_pool pool, src_pool;
	struct cnab_registry *dst = NULL;
	struct cnab_err err = CNAB_ERR_INIT;
	enum cnab_status st;

	cnab_registry_pool_init(&pool, &r->ropts);
	cnab_registry_pool_init(&src_pool, &r->ropts);
	st = cnab_registry_pool_get(&pool, r->target.ref.domain, &dst, &err);
	while (st == CNAB_OK) {
		const struct cnab_image_node *node;
		const struct cnab_reg_repo *org;
		struct cnab_registry *src;
		enum fate fate = BLOB_COPIED;
		int attempt;
		size_t i;

		pthread_mutex_lock(&r->lock);
		while (r->next < r->xfer.tree.n &&
		       r->xfer.tree.nodes[r->next].is_manifest)
			r->next++;
		i = r->next++;
		if (r->failed)
			i = r->xfer.tree.n;
		pthread_mutex_unlock(&r->lock);
		if (i >= r->xfer.tree.n)
			break;
		node = &r->xfer.tree.nodes[i];
		org = cnab_transfer_node_repo(&r->xfer, i);
		cnab_fe_progress_next(&r->progress);
		st = cnab_registry_pool_get(
		        &src_pool, cnab_registry_host(org->reg), &src, &err);
		for (attempt = 1; st == CNAB_OK; attempt++) {
			/* a copy cut short is read again from the source:
			 * the registry may have lost the upload */
			struct cnab_err cerr = CNAB_ERR_INIT;

			st = relocate_blob(src, org->repo, dst,
			                   r->target.ref.path, &node->desc,
			                   r->o->jobs > 1, &r->progress, &fate,
			                   &cerr);
			if (st == CNAB_OK)
				break;
			if (st != CNAB_ERR_NET || attempt >= COPY_ATTEMPTS) {
				cnab_err_set(&err, st, "%s", cerr.msg);
				break;
			}
			cnab_fe_info(1, "%s: copying it again", cerr.msg);
			st = CNAB_OK;
		}
		pthread_mutex_lock(&r->lock);
		if (st == CNAB_OK) {
			r->present += fate == BLOB_PRESENT;
			r->mounted += fate == BLOB_MOUNTED;
			r->copied += fate == BLOB_COPIED;
		}
		/* a copy counted its bytes as they moved */
		if (st == CNAB_OK && fate != BLOB_COPIED)
			cnab_fe_progress_add(&r->progress, node->desc.size);
		pthread_mutex_unlock(&r->lock);
	}
	if (st != CNAB_OK) {
		pthread_mutex_lock(&r->lock);
		if (!r->failed) {
			r->failed = true;
			r->first = err;
		}
		pthread_mutex_unlock(&r->lock);
	}
	cnab_registry_pool_release(&src_pool);
	cnab_registry_pool_release(&pool);
	return NULL;
}

static enum cnab_status copy_blobs(struct relocate *r, struct cnab_err *err)
{
	pthread_t threads[CNAB_FE_MAX_JOBS];
	int n = r->o->jobs, started = 0, i;
	uint64_t total = 0, nblobs = 0;
	size_t k;

	for (k = 0; k < r->xfer.tree.n; k++)
		if (!r->xfer.tree.nodes[k].is_manifest)
			total += r->xfer.tree.nodes[k].desc.size;
	cnab_fe_progress_start(&r->progress, "copying", total);
	for (k = 0; k < r->xfer.tree.n; k++)
		nblobs += !r->xfer.tree.nodes[k].is_manifest;
	cnab_fe_progress_blobs(&r->progress, nblobs);
	pthread_mutex_init(&r->lock, NULL);
	for (i = 0; i < n; i++) {
		if (pthread_create(&threads[i], NULL, worker, r))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&r->lock);
	cnab_fe_progress_end(&r->progress);
	if (!started)
		return cnab_err_set(err, CNAB_ERR_FAIL,
		                    "cannot start a thread");
	if (r->failed)
		return cnab_err_set(err, r->first.status, "%s", r->first.msg);
	return CNAB_OK;
}

static int relocate(const struct relocate_opts *o)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_registry *dst;
	struct relocate r;
	const char *default_tag;
	char *version_tag = NULL, *p;
	bool same = false;
	size_t pushed = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	r.xfer = (struct cnab_transfer)CNAB_TRANSFER_INIT;
	r.o = o;
	r.mapping_out = (struct cnab_outfile)CNAB_OUTFILE_INIT;
	/* DEST's form is checked before anything is read */
	if (cnab_push_target_init(&r.target, o->dest, "latest", &err) !=
	    CNAB_OK) {
		rc = cnab_fe_usage_error("invalid DEST: %s", err.msg);
		goto out;
	}
	cnab_push_target_release(&r.target);
	/* every output path is checked before the first write */
	if (cnab_push_mapping_open(&r.mapping_out, o->push.mapping, &err) !=
	    CNAB_OK) {
		rc = cnab_fe_fail(&err);
		goto out;
	}
	cnab_fe_registry_opts(&o->common, &r.ropts);
	r.ropts.chunk_size = RELOCATE_CHUNK;
	cnab_registry_pool_init(&r.pool, &r.ropts);
	if (cnab_relocation_init(&r.mapping, &err) != CNAB_OK ||
	    load(&r, &err) != CNAB_OK || resolve(&r, &err) != CNAB_OK)
		goto fail;
	if (o->source && r.pulled.ref.tag) {
		default_tag = r.pulled.ref.tag;
	} else {
		/* the version as a tag, '+' (not allowed in tags) as '_', as
		 * Porter does */
		version_tag = strdup(r.b->version);
		if (!version_tag) {
			cnab_err_set(&err, CNAB_ERR_NOMEM, "out of memory");
			goto fail;
		}
		for (p = version_tag; (p = strchr(p, '+'));)
			*p = '_';
		default_tag = version_tag;
	}
	if (cnab_push_target_init(&r.target, o->dest, default_tag, &err) !=
	    CNAB_OK) {
		if (default_tag == version_tag)
			rc = cnab_fe_usage_error(
			        "the bundle's version '%.128s' is not a valid "
			        "tag: give DEST as REGISTRY/REPO:TAG",
			        r.b->version);
		else
			rc = cnab_fe_usage_error("invalid DEST: %s", err.msg);
		goto out;
	}
	r.target.force = o->push.force;
	if (cnab_push_objects_build(&r.obj, r.b, &err) != CNAB_OK ||
	    cnab_oci_relocation_from_bundle(r.b, r.target.name, &r.mapping,
	                                    &err) != CNAB_OK)
		goto fail;
	if (o->push.dry_run) {
		/* every manifest of every image is read: the plan holds;
		 * unless --offline, the destination is looked at too */
		if (!o->push.offline &&
		    (cnab_registry_pool_get(&r.pool, r.target.ref.domain, &dst,
		                            &err) != CNAB_OK ||
		     cnab_push_target_probe(&r.target, dst, &err) != CNAB_OK))
			goto fail;
		if (attach(&r, &err) != CNAB_OK ||
		    cnab_transfer_walk(&r.xfer, &err) != CNAB_OK ||
		    (!o->push.offline &&
		     cnab_push_plan(&r.target, &r.obj, &r.xfer.tree, &err) !=
		             CNAB_OK))
			goto fail;
	} else {
		if (cnab_registry_pool_get(&r.pool, r.target.ref.domain, &dst,
		                           &err) != CNAB_OK ||
		    cnab_push_target_probe(&r.target, dst, &err) != CNAB_OK)
			goto fail;
		/* settle an existing tag before reading anything more */
		if (cnab_push_settle(&r.target, &r.obj, &same, &err) != CNAB_OK)
			goto fail;
		if (!same &&
		    (attach(&r, &err) != CNAB_OK ||
		     cnab_transfer_walk(&r.xfer, &err) != CNAB_OK ||
		     copy_blobs(&r, &err) != CNAB_OK ||
		     cnab_push_manifests(dst, r.target.ref.path, &r.xfer.tree,
		                         &err) != CNAB_OK ||
		     cnab_push_attachments(dst, r.target.ref.path,
		                           r.xfer.attachments,
		                           r.xfer.nattachments, &r.xfer.tree,
		                           &pushed, &err) != CNAB_OK ||
		     cnab_push_bundle(&r.target, &r.obj, &err) != CNAB_OK))
			goto fail;
		if (r.xfer.nattachments)
			cnab_fe_info(1, "%zu attachments, %zu tags written",
			             r.xfer.nattachments, pushed);
		cnab_fe_info(1,
		             "%llu blobs copied, %llu mounted, %llu already "
		             "there",
		             (unsigned long long)r.copied,
		             (unsigned long long)r.mounted,
		             (unsigned long long)r.present);
	}
	if (cnab_push_mapping_commit(&r.mapping_out, &r.mapping, &err) !=
	    CNAB_OK)
		goto fail;
	rc = cnab_push_report(&r.target, &r.obj, &r.mapping, NULL,
	                      o->push.output == CNAB_OUT_JSON, o->push.dry_run);
	goto out;
fail:
	rc = cnab_fe_fail(&err);
out:
	cnab_transfer_release(&r.xfer);
	free(version_tag);
	cnab_push_objects_release(&r.obj);
	cnab_push_target_release(&r.target);
	cnab_relocation_release(&r.mapping);
	cnab_outfile_abort(&r.mapping_out);
	cnab_pulled_release(&r.pulled);
	cnab_bundle_release(&r.bundle);
	cnab_registry_pool_release(&r.pool);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct cnab_fe_tool tool = {"cnab-relocate", usage};
	static const struct option longopts[] = {
	        CNAB_FE_LONG_OPTIONS,
	        {"file", required_argument, NULL, 'f'},
	        {"jobs", required_argument, NULL, 'j'},
	        CNAB_PUSH_LONG_OPTIONS,
	        {NULL, 0, NULL, 0},
	};
	struct relocate_opts o = {0};
	int c, rc = 0, nargs;

	cnab_fe_init(&tool);
	/* a destination that stops reading must not kill us: EPIPE does */
	signal(SIGPIPE, SIG_IGN);
	o.push.output = CNAB_OUT_PLAIN;
	o.jobs = 8;
	while ((c = cnab_fe_getopt(argc, argv, "f:j:o:", longopts, &o.common,
	                           &rc)) >= 0) {
		switch (cnab_push_option(&o.push, c, optarg, &rc)) {
		case 1:
			continue;
		case -1:
			goto out;
		}
		switch (c) {
		case 'f':
			o.file = optarg;
			break;
		case 'j':
			rc = cnab_fe_jobs_option(optarg, &o.jobs);
			if (rc)
				goto out;
			break;
		}
	}
	if (c == CNAB_FE_STOP)
		goto out;
	nargs = argc - optind;
	if (nargs != (o.file ? 1 : 2)) {
		rc = cnab_fe_usage_error(
		        o.file ? "give DEST (and no SOURCE with -f)"
		               : "give SOURCE and DEST, or -f FILE and DEST");
		goto out;
	}
	if (o.push.offline && !o.push.dry_run) {
		rc = cnab_fe_usage_error("--offline goes with --dry-run");
		goto out;
	}
	if (!o.file)
		o.source = argv[optind++];
	o.dest = argv[optind];
	rc = relocate(&o);
out:
	cnab_fe_common_release(&o.common);
	return rc;
}
