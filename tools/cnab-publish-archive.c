/*
 * cnab-publish-archive: publish a thick bundle archive to a registry tag,
 * in one pass over the archive, never extracted.
 */
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/image.h"
#include "common/reference.h"
#include "common/registry.h"
#include "common/upload-pool.h"
#include "formats/bundle.h"
#include "formats/cnaboci.h"
#include "formats/delta.h"
#include "formats/relocation.h"
#include "formats/thick-push.h"
#include "formats/thick.h"
#include "tools/archive-in.h"
#include "tools/fe.h"
#include "tools/output.h"
#include "tools/pull.h"
#include "tools/push.h"

static const char usage[] =
        "usage: cnab-publish-archive [options] -a ARCHIVE --tag REF\n"
        "\n"
        "Publishes a thick bundle archive: every image goes into the tag's\n"
        "repository by digest, then the bundle, in the registry form Porter\n"
        "and cnab-to-oci read, and the tag last.\n"
        "\n"
        "  -a, --archive FILE    the thick bundle (.tgz or .tar; - for "
        "stdin)\n"
        "  -t, --tag REF         REGISTRY/REPO:TAG to publish to (alias\n"
        "                        --reference)\n"
        "      --force           replace a tag that holds a different "
        "bundle\n"
        "      --relocation-mapping FILE\n"
        "                        write where each image was published\n"
        "      --dry-run         verify the archive, look at the tag (read-\n"
        "                        only) and print the plan; write nothing\n"
        "      --offline         with --dry-run: no network at all\n"
        "      --base-tag REF    a delta: mount the blobs it leaves out\n"
        "                        from REF's repository (the base, as\n"
        "                        published on the tag's registry)\n"
        "      --no-attachments  leave out signatures, attestations, SBOMs\n"
        "                        and other referrers the archive holds\n"
        "  -j, --jobs N          blobs uploaded at once (default 4; 1: one\n"
        "                        request at a time)\n"
        "      --spool SIZE      blobs over 2 MiB held in $TMPDIR at once,\n"
        "                        to upload them concurrently too (default\n"
        "                        256Mi; 0: each streamed in turn)\n"
        "  -o, --output FORMAT   plain (default) or json\n";

/* Blobs uploaded at once: see the WAN measures in the README. */
#define DEFAULT_JOBS 4
/* Bytes of larger blobs spooled at once: see the README's measures. */
#define DEFAULT_SPOOL ((uint64_t)256 << 20)

enum {
	OPT_BASE_TAG = CNAB_FE_OPT_FIRST_TOOL,
	OPT_SPOOL,
};

struct publish_opts {
	struct cnab_fe_common common;
	const char *archive;
	const char *tag;
	const char *base_tag; /* --base-tag */
	int jobs;
	uint64_t spool; /* --spool */
	struct cnab_push_opts push;
};

struct publish {
	const struct publish_opts *o;
	struct cnab_push_target target;
	struct cnab_registry *reg;
	/* --jobs 2 and more: blobs held in memory, sent by workers */
	struct cnab_upload_pool *pool;
	struct cnab_thick t;
	struct cnab_push_objects obj;
	struct cnab_relocation mapping;
	struct cnab_outfile mapping_out; /* --relocation-mapping */
	struct cnab_fe_progress progress;
	uint64_t archive_size;
	struct cnab_thick_push sink; /* the blobs, into the tag's repo */
	size_t blobs_seen;
	size_t mounted; /* a delta's blobs mounted from --base-tag */
	/* --dry-run: those it would mount, not upload */
	size_t mountable;
	uint64_t mountable_bytes;
	struct cnab_attachment *attachments; /* those the archive holds */
	size_t nattachments;
};

/* Whether every image of the bundle says its digest, size and type. */
static bool bundle_complete(const struct cnab_bundle *b)
{
	size_t i;

	for (i = 0; i < b->nimages; i++) {
		struct cnab_descriptor d;

		if (cnab_oci_image_descriptor(&b->images[i], &d, NULL) !=
		    CNAB_OK)
			return false;
		cnab_descriptor_release(&d);
	}
	return true;
}

/* The archive's bytes read so far, on the progress line. */
static void on_progress(void *ctx, uint64_t bytes_in)
{
	struct publish *p = ctx;

	cnab_fe_progress_set(&p->progress, bytes_in);
}

static void on_note(void *ctx, const char *msg)
{
	(void)ctx;
	cnab_fe_info(1, "%s", msg);
}

/*
 * Every image the bundle names must be whole in the archive; what the
 * bundle leaves out of an image (digest, size, media type) is filled in.
 */
static enum cnab_status collect(struct publish *p, struct cnab_image_tree *tree,
                                bool *filled, struct cnab_err *err)
{
	struct cnab_blob_source src = cnab_thick_source(&p->t);
	struct cnab_bundle *b = &p->t.bundle;
	enum cnab_status st = CNAB_OK;
	size_t i;

	*filled = false;
	for (i = 0; i < b->nimages && st == CNAB_OK; i++) {
		struct cnab_bundle_image *img = &b->images[i];
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
		char digest[CNAB_DIGEST_STR_MAX], label[300];

		cnab_bundle_image_label(img, label, sizeof(label));
		if (!cnab_bundle_image_is_oci(img))
			return cnab_err_set(
			        err, CNAB_ERR_INVALID,
			        "cannot publish %s '%s': image type "
			        "'%s' is not held in registries",
			        label, img->image, img->image_type);
		st = cnab_thick_find_image(&p->t, img, &d, err);
		if (st != CNAB_OK)
			break;
		cnab_digest_format(&d.digest, digest);
		if (!img->content_digest || !img->has_size || !img->media_type)
			*filled = true;
		st = cnab_bundle_fill_image(b, img, digest, d.size,
		                            d.media_type, err);
		if (st == CNAB_OK)
			st = cnab_image_tree_add(tree, &src, &d, img->image,
			                         err);
		if (st == CNAB_ERR_NOTFOUND || st == CNAB_ERR_INVALID) {
			cnab_err_restatus(err, CNAB_ERR_CORRUPT);
			st = CNAB_ERR_CORRUPT;
		}
		cnab_descriptor_release(&d);
	}
	if (st != CNAB_OK || p->o->push.no_attachments || !p->t.index.root)
		return st;
	/* then what is attached, subjects first (index.json's order) */
	for (i = 0; i < p->t.index.nmanifests && st == CNAB_OK; i++) {
		struct cnab_attachment a, *grown;
		const struct cnab_image_node *node;
		char d[CNAB_DIGEST_STR_MAX];
		bool is;

		st = cnab_attach_from_entry(&p->t.index.manifests[i], &a, &is,
		                            err);
		if (st != CNAB_OK || !is)
			continue;
		st = cnab_image_tree_add(tree, &src, &a.desc, a.label, err);
		node = st == CNAB_OK
		               ? cnab_image_tree_find(
		                         tree, CNAB_DESC_DIGEST(&a.desc, d))
		               : NULL;
		/* what its manifest says: a referrer names its subject */
		if (node && node->data)
			st = cnab_attachment_read(&a, node->data, node->len,
			                          err);
		if (st == CNAB_ERR_NOTFOUND || st == CNAB_ERR_INVALID) {
			cnab_err_restatus(err, CNAB_ERR_CORRUPT);
			st = CNAB_ERR_CORRUPT;
		}
		grown = st == CNAB_OK
		                ? realloc(p->attachments, (p->nattachments +
		                                           1) * sizeof(*grown))
		                : NULL;
		if (st == CNAB_OK && !grown)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		if (st != CNAB_OK) {
			cnab_attachment_release(&a);
			break;
		}
		p->attachments = grown;
		p->attachments[p->nattachments++] = a;
	}
	return st;
}

/*
 * --base-tag REF: its repository, on the tag's registry, where the bundle
 * it holds must be the delta's base.
 */
static enum cnab_status base_repo(struct publish *p, struct cnab_ref *ref,
                                  struct cnab_err *err)
{
	struct cnab_pulled base;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;

	memset(&base, 0, sizeof(base));
	st = cnab_ref_parse(ref, p->o->base_tag, err);
	if (st == CNAB_OK && strcmp(ref->domain, p->target.ref.domain))
		return cnab_err_set(
		        err, CNAB_ERR_USAGE,
		        "--base-tag '%s' is not on the registry of "
		        "--tag ('%s'): blobs are mounted within one "
		        "registry",
		        p->o->base_tag, p->target.ref.domain);
	if (st == CNAB_OK)
		st = cnab_pull_bundle(&base, p->reg, p->o->base_tag, err);
	if (st == CNAB_OK)
		st = cnab_delta_bundle_digest(base.bundle_data, base.bundle_len,
		                              digest, err);
	if (st == CNAB_OK && strcmp(digest, p->t.delta.base))
		st = cnab_err_set(
		        err, CNAB_ERR_INTEGRITY,
		        "--base-tag '%s' holds bundle %s, not the base "
		        "of delta '%s' (%s)",
		        p->o->base_tag, digest, p->t.subject, p->t.delta.base);
	cnab_pulled_release(&base);
	return st;
}

/*
 * A delta (its delta.json is read before any blob): the destination must
 * hold every blob it leaves out, in the tag's repository or, with
 * --base-tag, in the base's, from where they are mounted.  All are asked
 * (HEAD) before anything is written; a missing one is CNAB_ERR_NOTFOUND.
 */
static enum cnab_status check_delta(struct publish *p, struct cnab_err *err)
{
	const struct cnab_delta *dl = &p->t.delta;
	const char *repo = p->target.ref.path;
	struct cnab_ref base = CNAB_REF_INIT;
	bool *mount = calloc(dl->n + 1, sizeof(*mount));
	size_t i, missing = 0, first = 0;
	enum cnab_status st = CNAB_OK;

	if (!mount)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (p->o->base_tag)
		st = base_repo(p, &base, err);
	for (i = 0; i < dl->n && st == CNAB_OK; i++) {
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
		bool has = false;

		cnab_digest_parse(&d.digest, dl->omitted[i].digest, NULL);
		d.size = dl->omitted[i].size;
		st = cnab_reg_head_blob(p->reg, repo, &d, &has, err);
		if (st == CNAB_OK && !has && base.path) {
			st = cnab_reg_head_blob(p->reg, base.path, &d, &has,
			                        err);
			mount[i] = has;
			p->mountable += has;
			p->mountable_bytes += has ? d.size : 0;
		}
		if (st == CNAB_OK && !has && !missing++)
			first = i;
	}
	if (st == CNAB_OK && missing)
		st = cnab_err_set(
		        err, CNAB_ERR_NOTFOUND,
		        "cannot publish delta '%s': blob %s is not in "
		        "'%s/%s'%s%s%s (%zu of the %zu blobs it leaves out are "
		        "missing); publish its base (%s) there first",
		        p->t.subject, dl->omitted[first].digest,
		        p->target.ref.domain, repo,
		        base.path ? " nor in '" : "",
		        base.path ? base.path : "", base.path ? "'" : "",
		        missing, dl->n, dl->base);
	for (i = 0; i < dl->n && st == CNAB_OK && !p->o->push.dry_run; i++) {
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
		bool mounted = false;

		if (!mount[i])
			continue;
		cnab_digest_parse(&d.digest, dl->omitted[i].digest, NULL);
		d.size = dl->omitted[i].size;
		st = cnab_reg_mount_blob(p->reg, repo, &d, base.path, &mounted,
		                         err);
		if (st == CNAB_OK && !mounted)
			st = cnab_err_set(
			        err, CNAB_ERR_REGISTRY,
			        "registry '%s' would not mount blob %s "
			        "from '%s'",
			        p->target.ref.domain, dl->omitted[i].digest,
			        base.path);
		p->mounted += st == CNAB_OK;
	}
	cnab_ref_release(&base);
	free(mount);
	return st;
}

/* Whether the archive's index.json lists attachments to publish. */
static bool has_attachments(const struct publish *p)
{
	size_t i;

	if (p->o->push.no_attachments || !p->t.index.root)
		return false;
	for (i = 0; i < p->t.index.nmanifests; i++)
		if (cnab_descriptor_annotation(&p->t.index.manifests[i],
		                               CNAB_ANNOTATION_ATTACH_KIND))
			return true;
	return false;
}

/* Reads the archive to its end, publishing as it goes. */
static enum cnab_status stream(struct publish *p, bool *done,
                               struct cnab_err *err)
{
	struct cnab_thick_item item;
	enum cnab_status st;
	bool eof = false, same, held = false;

	*done = false;
	while (!eof) {
		st = cnab_thick_next(&p->t, &item, &eof, err);
		if (st != CNAB_OK)
			return st;
		cnab_fe_progress_set(&p->progress, cnab_thick_bytes_in(&p->t));
		if (eof)
			break;
		if (item.kind == CNAB_THICK_BUNDLE && p->t.bundle_first &&
		    !p->o->push.dry_run && bundle_complete(&p->t.bundle)) {
			/* bundle.json first and whole: the index is known
			 * now, so an existing tag is settled at once */
			st = cnab_push_objects_build(&p->obj, &p->t.bundle,
			                             err);
			if (st == CNAB_OK)
				st = cnab_push_settle(&p->target, &p->obj,
				                      &same, err);
			if (st != CNAB_OK)
				return st;
			cnab_push_objects_release(&p->obj);
			/* settled once index.json says whether attachments
			 * may be missing there (it follows bundle.json) */
			held = same;
		}
		if (held && item.kind != CNAB_THICK_BUNDLE) {
			if (item.kind != CNAB_THICK_BLOB &&
			    item.kind != CNAB_THICK_INDEX)
				continue;
			if (item.kind == CNAB_THICK_BLOB ||
			    !has_attachments(p)) {
				*done = true;
				return CNAB_OK;
			}
			held = false; /* they are pushed, the bundle is not */
		}
		if (item.kind == CNAB_THICK_DELTA) {
			/* before any blob, so before anything is written */
			if (p->blobs_seen)
				return cnab_err_set(err, CNAB_ERR_CORRUPT,
				                    "corrupt archive '%s': "
				                    "delta.json comes "
				                    "after blobs",
				                    p->t.subject);
			if (!p->o->push.offline) {
				st = check_delta(p, err);
				if (st != CNAB_OK)
					return st;
			}
		}
		if (item.kind == CNAB_THICK_BLOB && !p->blobs_seen++ &&
		    p->o->base_tag && !p->t.is_delta)
			/* delta.json would have come by now */
			return cnab_err_set(err, CNAB_ERR_USAGE,
			                    "--base-tag goes with a delta "
			                    "archive, and '%s' is a whole one",
			                    p->t.subject);
		if (item.kind == CNAB_THICK_BLOB) {
			cnab_fe_progress_next(&p->progress);
			st = p->o->push.dry_run
			             ? CNAB_OK /* read through, verified */
			             : cnab_thick_push_blob(&p->sink, &item,
			                                    err);
			if (st != CNAB_OK)
				return st;
		}
	}
	if (!p->t.bundle_data)
		return cnab_err_set(err, CNAB_ERR_CORRUPT,
		                    "corrupt archive '%s': no bundle.json",
		                    p->t.subject);
	*done = held; /* the tag holds it, and nothing followed */
	return CNAB_OK;
}

/* Whether bundle.json is published byte for byte as archived. */
static void warn_canonical(struct publish *p, bool filled)
{
	if (filled)
		cnab_fe_warn("bundle.json in '%s' lacks the digest, size or "
		             "media type of some images: publishing it with "
		             "them filled in",
		             p->t.subject);
	else if (p->obj.bundle.len != p->t.bundle_len ||
	         memcmp(p->obj.bundle.data, p->t.bundle_data,
	                p->obj.bundle.len))
		cnab_fe_warn("bundle.json in '%s' is not in canonical form: "
		             "publishing its canonical form",
		             p->t.subject);
}

static int publish(const struct publish_opts *o)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_registry_opts ropts;
	struct cnab_image_tree tree = CNAB_IMAGE_TREE_INIT;
	struct publish p;
	size_t pushed = 0, i;
	struct cnab_archive_in in = CNAB_ARCHIVE_IN_INIT;
	bool done = false, filled = false;
	int rc;

	memset(&p, 0, sizeof(p));
	p.o = o;
	p.mapping_out = (struct cnab_outfile)CNAB_OUTFILE_INIT;
	if (cnab_push_target_init(&p.target, o->tag, NULL, &err) != CNAB_OK) {
		rc = cnab_fe_usage_error("invalid --tag: %s", err.msg);
		goto out;
	}
	p.target.force = o->push.force;
	/* every output path is checked before the first write */
	if (cnab_relocation_init(&p.mapping, &err) != CNAB_OK ||
	    cnab_push_mapping_open(&p.mapping_out, o->push.mapping, &err) !=
	            CNAB_OK)
		goto fail;
	rc = cnab_fe_archive_input(o->archive);
	if (rc)
		goto out;
	if (cnab_archive_in_open(&in, &p.t, o->archive, true, &err) != CNAB_OK)
		goto fail;
	p.archive_size = in.size;
	if (!o->push.offline) {
		/* a dry run looks at the destination too, read-only */
		cnab_fe_registry_opts(&o->common, &ropts);
		if (cnab_registry_new(&p.reg, p.target.ref.domain, &ropts,
		                      &err) != CNAB_OK ||
		    cnab_push_target_probe(&p.target, p.reg, &err) != CNAB_OK)
			goto fail;
		if (o->jobs > 1 && !o->push.dry_run &&
		    cnab_upload_pool_new(&p.pool, p.target.ref.domain,
		                         p.target.ref.path, &ropts, o->jobs, 0,
		                         &err) != CNAB_OK)
			goto fail;
		if (p.pool) {
			cnab_upload_pool_set_spool(p.pool, o->spool, NULL);
			cnab_upload_pool_set_note(p.pool, on_note, NULL);
			/* a new tag: blobs asked with a mount POST that opens
			 * the upload (most are sent); a tag there already (a
			 * publish again): a HEAD, which writes nothing */
			cnab_upload_pool_set_mount_ask(p.pool,
			                               !p.target.exists);
		}
	}
	p.sink.t = &p.t;
	p.sink.reg = p.reg;
	p.sink.repo = p.target.ref.path;
	p.sink.pool = p.pool;
	p.sink.replay = p.archive_size ? o->archive : NULL;
	p.sink.progress = on_progress;
	p.sink.note = on_note;
	p.sink.ctx = &p;
	cnab_fe_progress_start(&p.progress, "publishing", p.archive_size);
	if (stream(&p, &done, &err) != CNAB_OK)
		goto fail;
	/* every blob in before any manifest names it */
	if (p.pool && cnab_upload_pool_wait(p.pool, &err) != CNAB_OK)
		goto fail;
	if (!done) {
		if (collect(&p, &tree, &filled, &err) != CNAB_OK ||
		    (!o->push.dry_run &&
		     cnab_push_manifests(p.reg, p.target.ref.path, &tree,
		                         &err) != CNAB_OK) ||
		    cnab_push_objects_build(&p.obj, &p.t.bundle, &err) !=
		            CNAB_OK)
			goto fail;
		warn_canonical(&p, filled);
		if (!o->push.dry_run &&
		    cnab_push_attachments(p.reg, p.target.ref.path,
		                          p.attachments, p.nattachments, &tree,
		                          &pushed, &err) != CNAB_OK)
			goto fail;
		if (o->push.dry_run && !o->push.offline &&
		    cnab_push_plan(&p.target, &p.obj, &tree, &err) != CNAB_OK)
			goto fail;
		/* what a delta would mount from --base-tag is no upload */
		if (!p.target.plan.same) {
			p.target.plan.missing -= p.mountable;
			p.target.plan.missing_bytes -= p.mountable_bytes;
		}
		if (!o->push.dry_run &&
		    cnab_push_bundle(&p.target, &p.obj, &err) != CNAB_OK)
			goto fail;
	}
	cnab_fe_progress_end(&p.progress);
	if (cnab_oci_relocation_from_bundle(&p.t.bundle, p.target.name,
	                                    &p.mapping, &err) != CNAB_OK)
		goto fail;
	if (p.pool) {
		struct cnab_upload_stats ps;

		cnab_upload_pool_stats(p.pool, &ps);
		p.sink.uploaded += (size_t)ps.uploaded;
		p.sink.skipped += (size_t)ps.present;
	}
	cnab_fe_info(1, "%zu blobs uploaded, %zu already there",
	             p.sink.uploaded, p.sink.skipped);
	if (p.t.is_delta)
		cnab_fe_info(1,
		             "a delta of %s: %zu blobs left out, held by the "
		             "destination (%zu mounted from '%s')",
		             p.t.delta.base, p.t.delta.n, p.mounted,
		             o->base_tag ? o->base_tag : "-");
	if (p.nattachments)
		cnab_fe_info(1, "%zu attachments, %zu tags written",
		             p.nattachments, pushed);
	if (cnab_push_mapping_commit(&p.mapping_out, &p.mapping, &err) !=
	    CNAB_OK)
		goto fail;
	rc = cnab_push_report(&p.target, &p.obj, &p.mapping, NULL,
	                      o->push.output == CNAB_OUT_JSON, o->push.dry_run);
	goto out;
fail:
	cnab_fe_progress_end(&p.progress);
	cnab_archive_in_explain(&in, &p.t, &err);
	rc = cnab_fe_fail(&err);
out:
	/* (before anything the workers may still read) */
	cnab_upload_pool_free(p.pool);
	for (i = 0; i < p.nattachments; i++)
		cnab_attachment_release(&p.attachments[i]);
	free(p.attachments);
	cnab_image_tree_release(&tree);
	cnab_push_objects_release(&p.obj);
	cnab_relocation_release(&p.mapping);
	cnab_outfile_abort(&p.mapping_out);
	cnab_push_target_release(&p.target);
	cnab_thick_release(&p.t);
	cnab_registry_free(p.reg);
	cnab_archive_in_close(&in);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct cnab_fe_tool tool = {"cnab-publish-archive", usage};
	static const struct option longopts[] = {
	        CNAB_FE_LONG_OPTIONS,
	        {"archive", required_argument, NULL, 'a'},
	        {"tag", required_argument, NULL, 't'},
	        {"jobs", required_argument, NULL, 'j'},
	        {"reference", required_argument, NULL, 't'},
	        {"base-tag", required_argument, NULL, OPT_BASE_TAG},
	        {"spool", required_argument, NULL, OPT_SPOOL},
	        CNAB_PUSH_LONG_OPTIONS,
	        {NULL, 0, NULL, 0},
	};
	struct publish_opts o = {0};
	int c, rc = 0;

	cnab_fe_init(&tool);
	o.push.output = CNAB_OUT_PLAIN;
	o.jobs = DEFAULT_JOBS;
	o.spool = DEFAULT_SPOOL;
	while ((c = cnab_fe_getopt(argc, argv, "a:t:j:o:", longopts, &o.common,
	                           &rc)) >= 0) {
		switch (cnab_push_option(&o.push, c, optarg, &rc)) {
		case 1:
			continue;
		case -1:
			goto out;
		}
		switch (c) {
		case 'a':
			o.archive = optarg;
			break;
		case 't':
			o.tag = optarg;
			break;
		case OPT_BASE_TAG:
			o.base_tag = optarg;
			break;
		case OPT_SPOOL:
			rc = cnab_fe_size_option("--spool", optarg, &o.spool);
			if (rc)
				goto out;
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
	if (optind < argc)
		rc = cnab_fe_usage_error("unexpected argument '%s'",
		                         argv[optind]);
	else if (!o.archive)
		rc = cnab_fe_usage_error("give the archive with -a ARCHIVE");
	else if (o.push.offline && !o.push.dry_run)
		rc = cnab_fe_usage_error("--offline goes with --dry-run");
	else if (!o.tag)
		rc = cnab_fe_usage_error("give the destination with --tag "
		                         "REGISTRY/REPO:TAG");
	else
		rc = publish(&o);
out:
	cnab_fe_common_release(&o.common);
	return rc;
}
