/*
 * cnab-archive: turn a bundle and every image it names into one
 * deterministic thick bundle archive (DESIGN 3.4).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fsutil.h"
#include "common/image.h"
#include "common/json.h"
#include "common/layout.h"
#include "common/reference.h"
#include "common/registry.h"
#include "common/transfer.h"
#include "common/volume.h"
#include "formats/bundle.h"
#include "formats/delta.h"
#include "formats/porter.h"
#include "formats/relocation.h"
#include "formats/thick.h"
#include "tools/archive-in.h"
#include "tools/fe.h"
#include "tools/output.h"
#include "tools/pull.h"

static const char usage[] =
        "usage: cnab-archive [options] (-f FILE | -r REF) ARCHIVE\n"
        "\n"
        "Writes a bundle and every image it names into one deterministic\n"
        "thick bundle archive (a .tgz; - for stdout).\n"
        "\n"
        "  -f, --file FILE       a bundle.json or porter.yaml (- for stdin)\n"
        "  -r, --ref REF         a published bundle, by tag or digest; its\n"
        "                        images are taken from its own repository\n"
        "                        (alias --reference)\n"
        "  -j, --jobs N          blobs downloaded at once, 1 to 32 "
        "(default 8)\n"
        "      --layout DIR      take images from this OCI image layout\n"
        "                        (repeatable); no registry unless:\n"
        "      --fallback-registry\n"
        "                        look for images not in the layouts in\n"
        "                        registries too\n"
        "      --no-attachments  leave out signatures, attestations, SBOMs\n"
        "                        and other referrers of the images and of\n"
        "                        the bundle (-r)\n"
        "  -o, --output FORMAT   plain (default) or json: what was archived,\n"
        "                        on stdout (not with ARCHIVE -)\n"
        "      --compression LEVEL\n"
        "                        gzip level 0-9 for what compresses "
        "(default 6)\n"
        "      --split-size SIZE\n"
        "                        write ARCHIVE.000, ARCHIVE.001, ... of SIZE\n"
        "                        bytes each (k, M, G: powers of 1000; Ki,\n"
        "                        Mi, Gi: of 1024); joined, the archive\n"
        "      --base BASE       write a delta: leave out the layers BASE\n"
        "                        holds (a thick archive file, or a\n"
        "                        published bundle by tag or digest)\n";

enum {
	OPT_LAYOUT = CNAB_FE_OPT_FIRST_TOOL,
	OPT_COMPRESSION,
	OPT_FALLBACK,
	OPT_SPLIT,
	OPT_BASE,
	OPT_NO_ATTACHMENTS,
};

struct archive_opts {
	struct cnab_fe_common common;
	const char *file;
	const char *ref;
	const char *base; /* --base */
	const char *output;
	const char **layouts;
	size_t nlayouts;
	int level;
	int jobs;
	bool fallback; /* --fallback-registry */
	bool no_attachments;
	uint64_t split; /* --split-size: bytes per volume; 0: one file */
	int64_t mtime;  /* of every entry: $SOURCE_DATE_EPOCH, or 0 */
	int format;     /* -o */
};

/* Everything one run holds. */
struct run {
	const struct archive_opts *o;
	struct cnab_bundle bundle;
	struct cnab_pulled pulled; /* -r */
	struct cnab_registry *pulled_reg;
	struct cnab_layout *layouts;
	size_t nlayouts;
	struct cnab_registry_pool pool;
	struct cnab_transfer xfer; /* image i is bundle image i */
	struct cnab_fe_progress progress;
	/* --base: the blobs the base holds (a set), and the delta */
	struct cnab_map base_blobs;
	struct cnab_delta delta;
};

/* An image resolved: its digest, size and media type into bundle.json. */
static enum cnab_status resolved(void *ctx, size_t i,
                                 const struct cnab_transfer_image *img,
                                 struct cnab_err *err)
{
	struct run *run = ctx;
	char digest[CNAB_DIGEST_STR_MAX];

	cnab_digest_format(&img->root.digest, digest);
	cnab_fe_info(1, "resolved '%s' to %s", img->image, digest);
	return cnab_bundle_fill_image(&run->bundle, &run->bundle.images[i],
	                              digest, img->root.size,
	                              img->root.media_type, err);
}

/* Where an image is once archived: its repository at its digest. */
static char *pinned(const struct cnab_transfer_image *s)
{
	struct cnab_ref r = CNAB_REF_INIT;
	char digest[CNAB_DIGEST_STR_MAX], *out = NULL;

	cnab_digest_format(&s->root.digest, digest);
	if (cnab_ref_copy(&r, &s->ref) == CNAB_OK &&
	    cnab_ref_set_tag(&r, NULL, NULL) == CNAB_OK &&
	    cnab_ref_set_digest(&r, digest, NULL) == CNAB_OK)
		out = cnab_ref_familiar(&r);
	cnab_ref_release(&r);
	return out;
}

/* bundle.json, relocation-mapping.json and index.json, in memory. */
static enum cnab_status documents(struct run *run, struct cnab_buf *bundle,
                                  struct cnab_buf *mapping,
                                  struct cnab_buf *index, struct cnab_err *err)
{
	struct cnab_relocation map = CNAB_RELOCATION_INIT;
	json_t *idx = json_pack("{s:i,s:s}", "schemaVersion", 2, "mediaType",
	                        CNAB_MT_OCI_INDEX);
	enum cnab_status st;
	size_t i;

	if (!idx)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_relocation_init(&map, err);
	for (i = 0; i < run->xfer.nimages && st == CNAB_OK; i++) {
		const struct cnab_transfer_image *s = &run->xfer.images[i];
		char *pin = pinned(s);

		if (!pin) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			break;
		}
		st = cnab_relocation_set(&map, s->image, pin, err);
		if (st == CNAB_OK)
			st = cnab_thick_index_add(idx, &s->root, s->image, err);
		if (st == CNAB_OK && !cnab_ref_same(pin, s->image))
			st = cnab_thick_index_add(idx, &s->root, pin, err);
		free(pin);
	}
	/* what is attached, after the images (none: the same bytes as
	 * before attachments were archived) */
	for (i = 0; i < run->xfer.nattachments && st == CNAB_OK; i++)
		st = cnab_attach_index_add(idx, &run->xfer.attachments[i], err);
	if (st == CNAB_OK)
		st = cnab_bundle_canonical(&run->bundle, bundle, err);
	if (st == CNAB_OK)
		st = cnab_relocation_write(&map, mapping, err);
	if (st == CNAB_OK && cnab_json_go(idx, index) != CNAB_OK)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	cnab_relocation_release(&map);
	json_decref(idx);
	return st;
}

/* The archive as the transfer's sink: blobs in order, counted. */
struct archive_sink {
	struct cnab_thick_writer *w;
	struct cnab_fe_progress *progress;
};

static enum cnab_status sink_begin(void *ctx,
                                   const struct cnab_image_node *node, size_t i,
                                   size_t n, struct cnab_err *err)
{
	struct archive_sink *as = ctx;

	(void)i;
	(void)n;
	cnab_fe_progress_next(as->progress);
	return cnab_thick_writer_blob(
	        as->w, &node->desc,
	        !cnab_mt_is_compressed(node->desc.media_type), err);
}

static enum cnab_status sink_write(void *ctx, const void *p, size_t n,
                                   struct cnab_err *err)
{
	struct archive_sink *as = ctx;
	enum cnab_status st = cnab_thick_writer_blob_write(as->w, p, n, err);

	if (st == CNAB_OK)
		cnab_fe_progress_add(as->progress, n);
	return st;
}

/* Writes the archive to fd, or through vols when splitting. */
static enum cnab_status write_archive(struct run *run, int fd,
                                      struct cnab_volumes_out *vols,
                                      struct cnab_err *err)
{
	struct cnab_buf bundle = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_buf mapping = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_buf index = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_thick_writer w = {NULL};
	struct archive_sink as = {&w, &run->progress};
	struct cnab_transfer_sink sink = {sink_begin, sink_write, &as};
	struct cnab_transfer_copy_opts co = {&run->pool.opts, run->o->jobs, 0};

	struct cnab_buf delta = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	enum cnab_status st;

	st = documents(run, &bundle, &mapping, &index, err);
	if (st == CNAB_OK && run->o->base)
		st = cnab_delta_write(&run->delta, &delta, err);
	if (st == CNAB_OK && vols)
		st = cnab_thick_writer_open_writer(
		        &w, cnab_volumes_writer(vols), run->o->level,
		        run->o->mtime, run->o->output, err);
	else if (st == CNAB_OK)
		st = cnab_thick_writer_open(&w, fd, run->o->level,
		                            run->o->mtime, run->o->output, err);
	if (st == CNAB_OK)
		st = cnab_thick_writer_head(&w, bundle.data, bundle.len,
		                            run->o->base ? &delta : NULL,
		                            mapping.data, mapping.len,
		                            index.data, index.len, err);
	cnab_fe_progress_start(&run->progress, "archiving",
	                       cnab_transfer_bytes(&run->xfer) -
	                               run->delta.bytes);
	cnab_fe_progress_blobs(&run->progress, run->xfer.tree.n - run->delta.n);
	if (st == CNAB_OK)
		st = cnab_transfer_copy(&run->xfer, &co, &sink, err);
	if (st == CNAB_OK)
		st = cnab_thick_writer_close(&w, err);
	cnab_fe_progress_end(&run->progress);
	cnab_thick_writer_free(&w);
	cnab_buf_release(&bundle);
	cnab_buf_release(&mapping);
	cnab_buf_release(&index);
	cnab_buf_release(&delta);
	return st;
}

/*
 * -o json: the bundle as every tool shows it (cnab_out_bundle), each image
 * where it is in the archive (its repository at its digest), then archive,
 * objects and bytes; split, archive is the first volume, then volumes.
 */
static int report_json(struct run *run, const char *first, size_t nvolumes)
{
	size_t n = run->bundle.nimages, i;
	struct cnab_out_where *where = calloc(n + 1, sizeof(*where));
	char(*digests)[CNAB_DIGEST_STR_MAX] = calloc(n + 1, sizeof(*digests));
	char **pins = calloc(n + 1, sizeof(*pins));
	json_t *doc = NULL;
	int rc = -1;

	if (!where || !digests || !pins)
		goto out;
	/* image i of the transfer is image i of the bundle */
	for (i = 0; i < run->xfer.nimages; i++) {
		const struct cnab_transfer_image *img = &run->xfer.images[i];

		pins[i] = pinned(img);
		if (!pins[i])
			goto out;
		cnab_digest_format(&img->root.digest, digests[i]);
		where[i].image = pins[i];
		where[i].digest = digests[i];
		where[i].media_type = img->root.media_type;
		where[i].size = img->root.size;
		where[i].has_size = true;
	}
	doc = cnab_out_bundle(&run->bundle, where);
	if (doc && !json_object_set_new(doc, "archive", json_string(first)) &&
	    (!nvolumes ||
	     !json_object_set_new(doc, "volumes",
	                          json_integer((json_int_t)nvolumes))) &&
	    !json_object_set_new(doc, "objects",
	                         json_integer((json_int_t)(run->xfer.tree.n -
	                                                   run->delta.n))) &&
	    !json_object_set_new(
	            doc, "bytes",
	            json_integer((json_int_t)(cnab_transfer_bytes(&run->xfer) -
	                                      run->delta.bytes))) &&
	    (!run->o->base ||
	     !json_object_set_new(doc, "delta",
	                          json_pack("{s:s,s:I,s:I}", "base",
	                                    run->delta.base, "omitted",
	                                    (json_int_t)run->delta.n,
	                                    "omittedBytes",
	                                    (json_int_t)run->delta.bytes))) &&
	    !json_object_set_new(
	            doc, "attachments",
	            json_integer((json_int_t)run->xfer.nattachments)))
		rc = cnab_out_json(doc, stdout);
out:
	for (i = 0; pins && i < n; i++)
		free(pins[i]);
	free(pins);
	free(digests);
	free(where);
	json_decref(doc);
	if (rc) {
		cnab_fe_error("cannot format the output");
		return CNAB_EXIT_FAIL;
	}
	return cnab_fe_flush_stdout();
}

static enum cnab_status load(struct run *run, struct cnab_err *err)
{
	const struct archive_opts *o = run->o;
	enum cnab_status st;
	char *data = NULL;
	size_t len, i;

	if (o->ref) {
		struct cnab_ref ref = CNAB_REF_INIT;

		st = cnab_ref_parse(&ref, o->ref, err);
		if (st == CNAB_OK)
			st = cnab_registry_pool_get(&run->pool, ref.domain,
			                            &run->pulled_reg, err);
		cnab_ref_release(&ref);
		if (st == CNAB_OK)
			st = cnab_pull_bundle(&run->pulled, run->pulled_reg,
			                      o->ref, err);
		/* the bundle itself, as published */
		if (st == CNAB_OK)
			st = cnab_bundle_parse(&run->bundle,
			                       run->pulled.bundle_data,
			                       run->pulled.bundle_len,
			                       run->pulled.subject, err);
	} else {
		const char *subject =
		        strcmp(o->file, "-") ? o->file : "<stdin>";

		st = cnab_file_read(o->file, CNAB_MAX_DOCUMENT, &data, &len,
		                    err);
		if (st == CNAB_OK)
			st = cnab_bundle_parse_any(&run->bundle, data, len,
			                           subject, err);
		free(data);
	}
	if (st != CNAB_OK)
		return st;
	run->layouts = calloc(o->nlayouts + 1, sizeof(*run->layouts));
	if (!run->layouts)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	for (i = 0; i < o->nlayouts; i++) {
		st = cnab_layout_open(&run->layouts[i], o->layouts[i], err);
		if (st != CNAB_OK)
			return st;
		run->nlayouts++;
	}
	return CNAB_OK;
}

/* Adds every object of a tree to a set of digests. */
static enum cnab_status add_nodes(struct cnab_map *set,
                                  const struct cnab_image_tree *tree,
                                  struct cnab_err *err)
{
	size_t i;

	for (i = 0; i < tree->n; i++) {
		char digest[CNAB_DIGEST_STR_MAX];

		cnab_digest_format(&tree->nodes[i].desc.digest, digest);
		if (cnab_map_put(set, digest, NULL, NULL) != CNAB_OK)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
	}
	return CNAB_OK;
}

/* --base REF: the blobs of a published bundle's images. */
static enum cnab_status load_base_ref(struct run *run, struct cnab_err *err)
{
	struct cnab_transfer x = CNAB_TRANSFER_INIT;
	struct cnab_pulled pulled;
	struct cnab_registry *reg = NULL;
	struct cnab_ref ref = CNAB_REF_INIT;
	enum cnab_status st;

	memset(&pulled, 0, sizeof(pulled));
	st = cnab_ref_parse(&ref, run->o->base, err);
	if (st == CNAB_OK)
		st = cnab_registry_pool_get(&run->pool, ref.domain, &reg, err);
	if (st == CNAB_OK)
		st = cnab_pull_bundle(&pulled, reg, run->o->base, err);
	if (st == CNAB_OK)
		st = cnab_delta_bundle_digest(pulled.bundle_data,
		                              pulled.bundle_len,
		                              run->delta.base, err);
	x.pool = &run->pool;
	x.bundle_reg = reg;
	x.bundle_repo = pulled.ref.path;
	if (st == CNAB_OK)
		st = cnab_pull_add_images(&x, &pulled.bundle, pulled.images,
		                          "archive", err);
	if (st == CNAB_OK)
		st = cnab_transfer_resolve(&x, err);
	if (st == CNAB_OK)
		st = cnab_transfer_walk(&x, err);
	if (st == CNAB_OK)
		st = add_nodes(&run->base_blobs, &x.tree, err);
	cnab_transfer_release(&x);
	cnab_pulled_release(&pulled);
	cnab_ref_release(&ref);
	return st;
}

/*
 * --base BASE: a file when it exists; else a published bundle, which
 * must be named by tag or digest.
 */
static enum cnab_status load_base(struct run *run, struct cnab_err *err)
{
	const char *base = run->o->base, *slash = strrchr(base, '/');
	const char *last = slash ? slash + 1 : base;
	struct stat sb;

	if (stat(base, &sb) && slash &&
	    (strchr(last, ':') || strchr(last, '@')))
		return load_base_ref(run, err);
	return cnab_archive_in_read_base(base, false, run->delta.base,
	                                 &run->base_blobs, err);
}

/*
 * The delta: every layer of the tree the base holds is left out; bundle.json,
 * manifests, indexes and configs are always written.
 */
static enum cnab_status make_delta(struct run *run, struct cnab_err *err)
{
	const struct cnab_image_tree *tree = &run->xfer.tree;
	struct cnab_map configs = CNAB_MAP_INIT;
	enum cnab_status st = CNAB_OK;
	size_t i;

	for (i = 0; i < tree->n && st == CNAB_OK; i++) {
		const struct cnab_image_node *node = &tree->nodes[i];
		struct cnab_manifest m = CNAB_MANIFEST_INIT;
		char digest[CNAB_DIGEST_STR_MAX];

		if (!node->is_manifest)
			continue;
		/* verified and parsed once already, by the walk */
		st = cnab_manifest_parse(&m, node->data, node->len,
		                         node->desc.media_type, NULL, err);
		if (st == CNAB_OK && !m.is_index) {
			cnab_digest_format(&m.config.digest, digest);
			if (cnab_map_put(&configs, digest, NULL, NULL) !=
			    CNAB_OK)
				st = cnab_err_set(err, CNAB_ERR_NOMEM,
				                  "out of memory");
		}
		cnab_manifest_release(&m);
	}
	for (i = 0; i < tree->n && st == CNAB_OK; i++) {
		const struct cnab_image_node *node = &tree->nodes[i];
		char digest[CNAB_DIGEST_STR_MAX];

		cnab_digest_format(&node->desc.digest, digest);
		if (!node->is_manifest && !cnab_map_has(&configs, digest) &&
		    cnab_map_has(&run->base_blobs, digest))
			st = cnab_delta_add(&run->delta, digest,
			                    node->desc.size, err);
	}
	cnab_map_release(&configs, NULL);
	run->xfer.skip = &run->delta.index;
	return st;
}

/* Appends " (HINT)" to a failure's message, as room allows. */
static void add_hint(struct cnab_err *err, const char *hint)
{
	size_t len = strlen(err->msg);

	snprintf(err->msg + len, sizeof(err->msg) - len, " (%s)", hint);
}

/* Adds every image of the bundle to the transfer. */
static enum cnab_status add_images(struct run *run, struct cnab_err *err)
{
	return cnab_pull_add_images(&run->xfer, &run->bundle,
	                            run->pulled_reg ? run->pulled.images : NULL,
	                            "archive", err);
}

/*
 * Room for a file descriptor per volume: every volume stays open, unnamed,
 * until the set is complete.  The soft limit goes up to the hard one.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max &&
	    rl.rlim_cur < CNAB_VOLUMES_MAX + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Refuses, before anything is written, a --split-size that would need
 * more volumes than a set holds: the layers stored as they are (compressed
 * already, and written) are a floor of the archive's size.
 */
static enum cnab_status check_split(const struct run *run, struct cnab_err *err)
{
	const struct cnab_image_tree *tree = &run->xfer.tree;
	uint64_t floor = 0, most;
	size_t i;

	if (!run->o->split)
		return CNAB_OK;
	for (i = 0; i < tree->n; i++) {
		const struct cnab_image_node *node = &tree->nodes[i];
		char digest[CNAB_DIGEST_STR_MAX];

		if (node->is_manifest ||
		    !cnab_mt_is_compressed(node->desc.media_type))
			continue;
		cnab_digest_format(&node->desc.digest, digest);
		if (run->xfer.skip && cnab_map_has(run->xfer.skip, digest))
			continue;
		floor += node->desc.size;
	}
	most = run->o->split > UINT64_MAX / CNAB_VOLUMES_MAX
	               ? UINT64_MAX
	               : run->o->split * CNAB_VOLUMES_MAX;
	if (floor <= most)
		return CNAB_OK;
	return cnab_err_set(err, CNAB_ERR_USAGE,
	                    "cannot write '%s': its layers alone (%llu bytes) "
	                    "need more than %d volumes of %llu bytes",
	                    run->o->output, (unsigned long long)floor,
	                    CNAB_VOLUMES_MAX,
	                    (unsigned long long)run->o->split);
}

/* Opens where the archive goes: one file, or the first volume. */
static enum cnab_status open_output(const struct archive_opts *o,
                                    struct cnab_outfile *out,
                                    struct cnab_volumes_out *vols,
                                    struct cnab_err *err)
{
	if (!o->split)
		return cnab_outfile_open(out, o->output, err);
	raise_fd_limit();
	return cnab_volumes_create(vols, o->output, o->split, err);
}

/* Names what was written: the file, or every volume. */
static enum cnab_status commit_output(const struct archive_opts *o,
                                      struct cnab_outfile *out,
                                      struct cnab_volumes_out *vols,
                                      size_t *nvolumes, struct cnab_err *err)
{
	*nvolumes = vols->n;
	if (!o->split)
		return cnab_outfile_commit(out, err);
	return cnab_volumes_commit(vols, err);
}

static int archive(const struct archive_opts *o)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_outfile out = CNAB_OUTFILE_INIT;
	struct cnab_volumes_out vols = CNAB_VOLUMES_OUT_INIT;
	char *first = NULL, *last = NULL;
	size_t nvolumes = 0;
	struct cnab_registry_opts ropts;
	struct run run;
	size_t i;
	int rc;

	memset(&run, 0, sizeof(run));
	run.o = o;
	/* progress is counted where the bytes go: in the sink */
	cnab_fe_registry_opts(&o->common, &ropts);
	cnab_registry_pool_init(&run.pool, &ropts);
	if (load(&run, &err) != CNAB_OK)
		goto fail;
	/* the base first: a bad one stops the run before any download */
	if (o->base && load_base(&run, &err) != CNAB_OK)
		goto fail;
	run.xfer.pool = &run.pool;
	run.xfer.lookup_jobs = o->jobs;
	run.xfer.layouts = run.layouts;
	run.xfer.nlayouts = run.nlayouts;
	run.xfer.layouts_only = run.nlayouts && !o->fallback;
	run.xfer.bundle_reg = run.pulled_reg;
	run.xfer.bundle_repo = run.pulled_reg ? run.pulled.ref.path : NULL;
	run.xfer.resolved = resolved;
	run.xfer.ctx = &run;
	if (add_images(&run, &err) != CNAB_OK)
		goto fail;
	if (cnab_transfer_resolve(&run.xfer, &err) != CNAB_OK) {
		if (err.status == CNAB_ERR_NOTFOUND && run.xfer.layouts_only)
			add_hint(&err, "--fallback-registry: look in "
			               "registries too");
		goto fail;
	}
	if (!o->no_attachments) {
		if (run.pulled_reg)
			run.xfer.bundle_digest = &run.pulled.raw.digest;
		if (cnab_transfer_attach(&run.xfer, &err) != CNAB_OK)
			goto fail;
		if (run.xfer.attach_capped)
			cnab_fe_warn(
			        "more than %zu attachments: only the first "
			        "%zu are archived",
			        run.xfer.attach_max, run.xfer.attach_max);
	}
	if (cnab_transfer_walk(&run.xfer, &err) != CNAB_OK)
		goto fail;
	if (o->base && make_delta(&run, &err) != CNAB_OK)
		goto fail;
	if (check_split(&run, &err) != CNAB_OK) {
		add_hint(&err, "use a larger --split-size");
		goto fail;
	}
	if (open_output(o, &out, &vols, &err) != CNAB_OK)
		goto fail;
	if (write_archive(&run, out.fd, o->split ? &vols : NULL, &err) !=
	    CNAB_OK) {
		if (err.status == CNAB_ERR_USAGE)
			add_hint(&err, "use a larger --split-size");
		goto fail;
	}
	if (commit_output(o, &out, &vols, &nvolumes, &err) != CNAB_OK)
		goto fail;
	first = o->split ? cnab_strfmt("%s.000", o->output) : strdup(o->output);
	last = cnab_strfmt("%s.%03zu", o->output, nvolumes ? nvolumes - 1 : 0);
	if (!first || !last) {
		cnab_err_set(&err, CNAB_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (o->split)
		cnab_fe_note("archived %zu images and %zu attachments (%zu "
		             "objects) to %zu volumes, '%s' to '%s'",
		             run.xfer.nimages, run.xfer.nattachments,
		             run.xfer.tree.n - run.delta.n, nvolumes, first,
		             last);
	else if (strcmp(o->output, "-"))
		cnab_fe_note("archived %zu images and %zu attachments (%zu "
		             "objects) to '%s'",
		             run.xfer.nimages, run.xfer.nattachments,
		             run.xfer.tree.n - run.delta.n, o->output);
	if (o->base) {
		char bytes[32];

		cnab_fe_bytes(run.delta.bytes, bytes, sizeof(bytes));
		cnab_fe_note("a delta of %s: %zu blobs (%s) left out, held by "
		             "'%s'",
		             run.delta.base, run.delta.n, bytes, o->base);
	}
	rc = o->format == CNAB_OUT_JSON
	             ? report_json(&run, first, o->split ? nvolumes : 0)
	             : 0;
	goto out;
fail:
	rc = cnab_fe_fail(&err);
out:
	cnab_outfile_abort(&out);
	cnab_volumes_abort(&vols);
	free(first);
	free(last);
	cnab_transfer_release(&run.xfer);
	cnab_delta_release(&run.delta);
	cnab_map_release(&run.base_blobs, NULL);
	for (i = 0; i < run.nlayouts; i++)
		cnab_layout_release(&run.layouts[i]);
	free(run.layouts);
	cnab_bundle_release(&run.bundle);
	cnab_pulled_release(&run.pulled);
	cnab_registry_pool_release(&run.pool);
	return rc;
}

/* Parses --split-size: a size (cnab_fe_size_option), 1k at least. */
static int split_option(const char *arg, uint64_t *out)
{
	int rc = cnab_fe_size_option("--split-size", arg, out);

	if (!rc && *out < CNAB_VOLUME_MIN)
		return cnab_fe_usage_error("--split-size '%s' is too small: "
		                           "1k (%d bytes) at least",
		                           arg, CNAB_VOLUME_MIN);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct cnab_fe_tool tool = {"cnab-archive", usage};
	static const struct option longopts[] = {
	        CNAB_FE_LONG_OPTIONS,
	        {"file", required_argument, NULL, 'f'},
	        {"ref", required_argument, NULL, 'r'},
	        {"reference", required_argument, NULL, 'r'},
	        {"jobs", required_argument, NULL, 'j'},
	        {"layout", required_argument, NULL, OPT_LAYOUT},
	        {"compression", required_argument, NULL, OPT_COMPRESSION},
	        {"fallback-registry", no_argument, NULL, OPT_FALLBACK},
	        {"split-size", required_argument, NULL, OPT_SPLIT},
	        {"base", required_argument, NULL, OPT_BASE},
	        {"no-attachments", no_argument, NULL, OPT_NO_ATTACHMENTS},
	        {"output", required_argument, NULL, 'o'},
	        {NULL, 0, NULL, 0},
	};
	struct archive_opts o = {0};
	const char **grown, *epoch;
	char *end;
	int c, rc = 0;

	cnab_fe_init(&tool);
	o.level = 6;
	o.jobs = 8;
	while ((c = cnab_fe_getopt(argc, argv, "f:r:j:o:", longopts, &o.common,
	                           &rc)) >= 0) {
		switch (c) {
		case 'f':
			o.file = optarg;
			break;
		case 'r':
			o.ref = optarg;
			break;
		case 'j':
			rc = cnab_fe_jobs_option(optarg, &o.jobs);
			if (rc)
				goto out;
			break;
		case 'o':
			rc = cnab_fe_output_option(optarg,
			                           1u << CNAB_OUT_PLAIN |
			                                   1u << CNAB_OUT_JSON,
			                           &o.format);
			if (rc)
				goto out;
			break;
		case OPT_LAYOUT:
			grown = realloc(o.layouts,
			                (o.nlayouts + 1) * sizeof(*o.layouts));
			if (!grown) {
				cnab_fe_error("out of memory");
				rc = CNAB_EXIT_FAIL;
				goto out;
			}
			o.layouts = grown;
			o.layouts[o.nlayouts++] = optarg;
			break;
		case OPT_FALLBACK:
			o.fallback = true;
			break;
		case OPT_SPLIT:
			rc = split_option(optarg, &o.split);
			if (rc)
				goto out;
			break;
		case OPT_BASE:
			o.base = optarg;
			break;
		case OPT_NO_ATTACHMENTS:
			o.no_attachments = true;
			break;
		case OPT_COMPRESSION:
			o.level = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || o.level < 0 ||
			    o.level > 9) {
				rc = cnab_fe_usage_error(
				        "invalid compression level '%s': use "
				        "0 to 9",
				        optarg);
				goto out;
			}
			break;
		}
	}
	if (c == CNAB_FE_STOP)
		goto out;
	epoch = getenv("SOURCE_DATE_EPOCH");
	if (epoch && *epoch) {
		errno = 0;
		o.mtime = strtoll(epoch, &end, 10);
		if (*end || o.mtime < 0 || errno == ERANGE) {
			rc = cnab_fe_usage_error(
			        "invalid SOURCE_DATE_EPOCH '%s': "
			        "want seconds since 1970",
			        epoch);
			goto out;
		}
	}
	if (!o.file == !o.ref)
		rc = cnab_fe_usage_error("give the bundle with one of -f FILE "
		                         "or -r REF");
	else if (o.fallback && !o.nlayouts)
		rc = cnab_fe_usage_error("--fallback-registry needs --layout: "
		                         "without it, images come from "
		                         "registries anyway");
	else if (optind == argc)
		rc = cnab_fe_usage_error("give the ARCHIVE to write (- for "
		                         "stdout)");
	else if (optind + 1 < argc)
		rc = cnab_fe_usage_error("unexpected argument '%s'",
		                         argv[optind + 1]);
	else if (o.split && !strcmp(argv[optind], "-"))
		rc = cnab_fe_usage_error("--split-size needs an ARCHIVE file: "
		                         "stdout is one stream");
	else if (o.format == CNAB_OUT_JSON && !strcmp(argv[optind], "-"))
		rc = cnab_fe_usage_error(
		        "-o json needs an ARCHIVE file: stdout "
		        "holds the archive");
	else {
		o.output = argv[optind];
		if (!strcmp(o.output, "-") && isatty(STDOUT_FILENO))
			rc = cnab_fe_usage_error("refusing to write an "
			                         "archive to a terminal");
		else
			rc = archive(&o);
	}
out:
	free(o.layouts);
	cnab_fe_common_release(&o.common);
	return rc;
}
