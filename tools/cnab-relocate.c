/*
 * cnab-relocate: copy a published bundle (or a thin bundle.json's images)
 * to another registry or repository, registry to registry, streamed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define RELOCATE_CHUNK ((size_t)4 << 20)

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
	struct cnab_transfer_push_stats stats;
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
	r->xfer.lookup_jobs = r->o->jobs;
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
		cnab_fe_warn(
		        "more than %zu attachments: only the first %zu are "
		        "copied",
		        r->xfer.attach_max, r->xfer.attach_max);
	return st;
}

/* The engine's copy tells the progress and the user. */
static void on_begin(void *ctx)
{
	cnab_fe_progress_next(ctx);
}

static void on_moved(void *ctx, int64_t n)
{
	if (n >= 0)
		cnab_fe_progress_add(ctx, (uint64_t)n);
	else
		cnab_fe_progress_back(ctx, (uint64_t)-n);
}

static void on_note(void *ctx, int level, const char *msg)
{
	(void)ctx;
	cnab_fe_info(level, "%s", msg);
}

/* Copies every blob into DEST's repository, the jobs across all images. */
static enum cnab_status copy_blobs(struct relocate *r, struct cnab_err *err)
{
	struct cnab_transfer_push_opts po = {
	        .reg = &r->ropts,
	        .host = r->target.ref.domain,
	        .repo = r->target.ref.path,
	        .jobs = r->o->jobs,
	        .begin = on_begin,
	        .moved = on_moved,
	        .note = on_note,
	        .ctx = &r->progress,
	};
	uint64_t total = 0, nblobs = 0;
	enum cnab_status st;
	size_t k;

	for (k = 0; k < r->xfer.tree.n; k++) {
		if (r->xfer.tree.nodes[k].is_manifest)
			continue;
		total += r->xfer.tree.nodes[k].desc.size;
		nblobs++;
	}
	cnab_fe_progress_start(&r->progress, "copying", total);
	cnab_fe_progress_blobs(&r->progress, nblobs);
	st = cnab_transfer_push(&r->xfer, &po, &r->stats, err);
	cnab_fe_progress_end(&r->progress);
	return st;
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
	/* within one registry, the bundle's config is mounted from SOURCE */
	if (o->source && !strcmp(r.pulled.ref.domain, r.target.ref.domain))
		r.target.bundle_from = r.pulled.ref.path;
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
		if (cnab_push_settle(&r.target, &r.obj, &same, &err) !=
		            CNAB_OK ||
		    attach(&r, &err) != CNAB_OK)
			goto fail;
		/* the tag holds the bundle: what is attached may still be
		 * missing there (relocated with --no-attachments); only what
		 * is not there is sent, and the tag is not written again */
		if (same && r.xfer.nattachments &&
		    cnab_push_attachments_there(
		            dst, r.target.ref.path, r.xfer.attachments,
		            r.xfer.nattachments, &same, &err) != CNAB_OK)
			goto fail;
		if (!same &&
		    (cnab_transfer_walk(&r.xfer, &err) != CNAB_OK ||
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
		             (unsigned long long)r.stats.copied,
		             (unsigned long long)r.stats.mounted,
		             (unsigned long long)r.stats.present);
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
