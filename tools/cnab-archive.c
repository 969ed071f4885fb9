/*
 * cnab-archive: turn a bundle and every image it names into one
 * deterministic thick bundle archive (DESIGN 3.4).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fetch.h"
#include "common/fsutil.h"
#include "common/image.h"
#include "common/json.h"
#include "common/layout.h"
#include "common/reference.h"
#include "common/registry.h"
#include "formats/bundle.h"
#include "formats/porter.h"
#include "formats/relocation.h"
#include "formats/thick.h"
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
        "      --layout DIR      also take images from this OCI image layout\n"
        "                        (repeatable; tried before registries)\n"
        "  -o, --output FORMAT   plain (default) or json: what was archived,\n"
        "                        on stdout (not with ARCHIVE -)\n"
        "      --compression LEVEL\n"
        "                        gzip level 0-9 for what compresses "
        "(default 6)\n";

enum {
	OPT_LAYOUT = CNAB_FE_OPT_FIRST_TOOL,
	OPT_COMPRESSION,
};

struct archive_opts {
	struct cnab_fe_common common;
	const char *file;
	const char *ref;
	const char *output;
	const char **layouts;
	size_t nlayouts;
	int level;
	int jobs;
	int64_t mtime; /* of every entry: $SOURCE_DATE_EPOCH, or 0 */
	int format;    /* -o */
};

/* Where one image of the bundle comes from. */
struct source {
	struct cnab_bundle_image *img;
	struct cnab_ref ref;
	struct cnab_descriptor root;
	struct cnab_layout *layout; /* or a registry repository: */
	struct cnab_reg_repo repo;
	bool has_repo;
	char *root_data; /* the root manifest, when fetched to resolve */
	size_t root_len;
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
	struct source *sources;
	size_t nsources;
	struct cnab_image_tree tree;
	struct source **origin; /* per tree node: where its bytes are */
	struct cnab_fe_progress progress;
};

/* The first layout that holds the image (its pins checked there). */
static enum cnab_status find_in_layouts(struct run *run, struct source *s,
                                        struct cnab_err *err)
{
	enum cnab_status st = CNAB_ERR_NOTFOUND;
	size_t i;

	for (i = 0; i < run->nlayouts && st == CNAB_ERR_NOTFOUND; i++) {
		st = cnab_layout_find_image(&run->layouts[i], s->img->image,
		                            s->img->content_digest, &s->root,
		                            err);
		if (st == CNAB_OK)
			s->layout = &run->layouts[i];
	}
	return st;
}

/* Resolves an image in its registry: tag to digest, the root manifest. */
static enum cnab_status find_in_registry(struct run *run, struct source *s,
                                         struct cnab_err *err)
{
	enum cnab_status st;

	st = cnab_pull_image(&run->pool, &s->ref, &s->repo, &s->root,
	                     &s->root_data, &s->root_len, s->img->image, err);
	s->has_repo = s->repo.label != NULL;
	return st;
}

/* -r: the image as the bundle's index names it, in the bundle's repo. */
static enum cnab_status find_in_bundle_repo(struct run *run, struct source *s,
                                            struct cnab_err *err)
{
	const struct cnab_descriptor *d =
	        run->pulled.images[s->img - run->bundle.images];
	enum cnab_status st;

	st = cnab_reg_repo_init(&s->repo, run->pulled_reg, run->pulled.ref.path,
	                        err);
	if (st != CNAB_OK)
		return st;
	s->has_repo = true;
	if (cnab_descriptor_copy(&s->root, d) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	/* the index's annotations are not the image's */
	json_decref(s->root.annotations);
	s->root.annotations = NULL;
	return CNAB_OK;
}

static enum cnab_status resolve(struct run *run, struct source *s,
                                struct cnab_err *err)
{
	struct cnab_blob_source src;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	size_t before = run->tree.n, i;
	struct source **grown;

	st = cnab_ref_parse(&s->ref, s->img->image, err);
	if (st != CNAB_OK)
		return st;
	st = find_in_layouts(run, s, err);
	if (st == CNAB_ERR_NOTFOUND && run->pulled_reg)
		st = find_in_bundle_repo(run, s, err);
	else if (st == CNAB_ERR_NOTFOUND)
		st = find_in_registry(run, s, err);
	if (st != CNAB_OK)
		return st;
	cnab_digest_format(&s->root.digest, digest);
	st = cnab_bundle_fill_image(&run->bundle, s->img, digest, s->root.size,
	                            s->root.media_type, err);
	if (st != CNAB_OK)
		return st;
	src = s->layout ? cnab_layout_source(s->layout)
	                : cnab_reg_repo_source(&s->repo);
	st = cnab_image_tree_add_root(&run->tree, &src, &s->root, s->root_data,
	                              s->root_len, s->img->image, err);
	if (st != CNAB_OK)
		return st;
	grown = realloc(run->origin, run->tree.n * sizeof(*run->origin));
	if (!grown && run->tree.n)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	run->origin = grown;
	for (i = before; i < run->tree.n; i++)
		run->origin[i] = s;
	cnab_fe_info(1, "resolved '%s' to %s (%zu objects)", s->img->image,
	             digest, run->tree.n - before);
	return CNAB_OK;
}

/* Where an image is once archived: its repository at its digest. */
static char *pinned(const struct source *s)
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
	for (i = 0; i < run->nsources && st == CNAB_OK; i++) {
		struct source *s = &run->sources[i];
		char *pin = pinned(s);

		if (!pin) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			break;
		}
		st = cnab_relocation_set(&map, s->img->image, pin, err);
		if (st == CNAB_OK)
			st = cnab_thick_index_add(idx, &s->root, s->img->image,
			                          err);
		if (st == CNAB_OK && !cnab_ref_same(pin, s->img->image))
			st = cnab_thick_index_add(idx, &s->root, pin, err);
		free(pin);
	}
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

struct blob_write {
	struct cnab_thick_writer *w;
	struct cnab_fe_progress *progress;
};

static enum cnab_status to_archive(void *ctx, const void *p, size_t n,
                                   struct cnab_err *err)
{
	struct blob_write *bw = ctx;

	return cnab_thick_writer_blob_write(bw->w, p, n, err);
}

/* Copies a blob of a layout into the archive, verifying it. */
static enum cnab_status copy_from_layout(struct cnab_layout *l,
                                         const struct cnab_descriptor *d,
                                         struct blob_write *bw,
                                         struct cnab_err *err)
{
	char *path = cnab_layout_blob_path(l, &d->digest);
	struct cnab_verify_reader vr;
	struct cnab_reader r;
	enum cnab_status st;
	static char buf[1 << 18];
	size_t got;
	int fd;

	if (!path)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_file_open(path, &fd, err);
	if (st != CNAB_OK) {
		free(path);
		return st;
	}
	st = cnab_verify_reader_init(&vr, cnab_fd_reader(&fd), &d->digest,
	                             d->size, path, err);
	r = cnab_verify_reader_as(&vr);
	while (st == CNAB_OK) {
		st = cnab_reader_read(&r, buf, sizeof(buf), &got, err);
		if (st != CNAB_OK || !got)
			break;
		st = cnab_thick_writer_blob_write(bw->w, buf, got, err);
		cnab_fe_progress_add(bw->progress, got);
	}
	cnab_verify_reader_release(&vr);
	close(fd);
	free(path);
	return st;
}

/* How many downloads at once at most (--jobs). */
#define MAX_JOBS 32

static int by_digest(const void *a, const void *b)
{
	const struct cnab_image_node *x = *(struct cnab_image_node *const *)a;
	const struct cnab_image_node *y = *(struct cnab_image_node *const *)b;
	char dx[CNAB_DIGEST_STR_MAX], dy[CNAB_DIGEST_STR_MAX];

	cnab_digest_format(&x->desc.digest, dx);
	cnab_digest_format(&y->desc.digest, dy);
	return strcmp(dx, dy);
}

/*
 * The blobs in archive order, for the downloads: those of a registry, and
 * the others (manifests in memory, blobs of a layout) left to the writer.
 */
static struct cnab_fetch_item *fetch_items(struct run *run,
                                           const struct cnab_image_node **order)
{
	struct cnab_fetch_item *items;
	size_t i;

	items = calloc(run->tree.n ? run->tree.n : 1, sizeof(*items));
	for (i = 0; items && i < run->tree.n; i++) {
		const struct cnab_image_node *node = order[i];
		struct source *s = run->origin[node - run->tree.nodes];

		items[i].desc = &node->desc;
		if (node->is_manifest || s->layout)
			continue;
		items[i].host = cnab_registry_host(s->repo.reg);
		items[i].repo = s->repo.repo;
	}
	return items;
}

/* Writes one blob into the archive: downloaded, or read here. */
static enum cnab_status write_blob(struct run *run, struct blob_write *bw,
                                   const struct cnab_image_node *node,
                                   const struct cnab_fetched *got,
                                   struct cnab_err *err)
{
	struct source *s = run->origin[node - run->tree.nodes];
	bool compressible = !cnab_mt_is_compressed(node->desc.media_type);
	enum cnab_status st;

	st = cnab_thick_writer_blob(bw->w, &node->desc, compressible, err);
	if (st != CNAB_OK)
		return st;
	if (got->data) {
		st = cnab_thick_writer_blob_write(bw->w, got->data, got->len,
		                                  err);
		cnab_fe_progress_add(&run->progress, got->len);
	} else if (node->is_manifest) {
		st = cnab_thick_writer_blob_write(bw->w, node->data, node->len,
		                                  err);
		cnab_fe_progress_add(&run->progress, node->len);
	} else if (s->layout) {
		st = copy_from_layout(s->layout, &node->desc, bw, err);
	} else {
		/* over the per-blob cap, or --jobs 1: streamed */
		st = cnab_reg_get_blob(s->repo.reg, s->repo.repo, &node->desc,
		                       to_archive, bw, err);
	}
	return st;
}

static enum cnab_status write_archive(struct run *run, int fd,
                                      struct cnab_err *err)
{
	struct cnab_buf bundle = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_buf mapping = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_buf index = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_thick_writer w = {NULL};
	struct blob_write bw = {&w, &run->progress};
	const struct cnab_image_node **order = NULL;
	struct cnab_fetch_item *items = NULL;
	struct cnab_fetch *fetch = NULL;
	struct cnab_fetch_opts fo = {0};
	int64_t mtime = run->o->mtime;
	uint64_t total = 0;
	enum cnab_status st;
	bool more = true;
	size_t i;

	st = documents(run, &bundle, &mapping, &index, err);
	if (st != CNAB_OK)
		goto out;
	order = calloc(run->tree.n ? run->tree.n : 1, sizeof(*order));
	if (!order) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < run->tree.n; i++) {
		order[i] = &run->tree.nodes[i];
		total += run->tree.nodes[i].desc.size;
	}
	qsort(order, run->tree.n, sizeof(*order), by_digest);
	items = fetch_items(run, order);
	if (!items) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* downloads start now, in the order the blobs are written */
	fo.reg = &run->pool.opts;
	fo.jobs = run->o->jobs;
	st = cnab_fetch_start(&fetch, items, run->tree.n, &fo, err);
	if (st == CNAB_OK)
		st = cnab_thick_writer_open(&w, fd, run->o->level, mtime,
		                            run->o->output, err);
	if (st == CNAB_OK)
		st = cnab_thick_writer_head(&w, bundle.data, bundle.len,
		                            mapping.data, mapping.len,
		                            index.data, index.len, err);
	cnab_fe_progress_start(&run->progress, "archiving", total);
	cnab_fe_progress_blobs(&run->progress, run->tree.n);
	while (st == CNAB_OK) {
		struct cnab_fetched got;
		const struct cnab_image_node *node;

		st = cnab_fetch_next(fetch, &got, &more, err);
		if (st != CNAB_OK || !more)
			break;
		node = order[got.index];
		cnab_fe_progress_next(&run->progress);
		st = write_blob(run, &bw, node, &got, err);
	}
	/* stops the downloads still going on a failure */
	cnab_fetch_free(fetch);
	if (st == CNAB_OK)
		st = cnab_thick_writer_close(&w, err);
	cnab_fe_progress_end(&run->progress);
out:
	cnab_thick_writer_free(&w);
	free(items);
	free(order);
	cnab_buf_release(&bundle);
	cnab_buf_release(&mapping);
	cnab_buf_release(&index);
	return st;
}

/*
 * -o json: the bundle as every tool shows it (cnab_out_bundle), each image
 * where it is in the archive (its repository at its digest), then archive,
 * objects and bytes.
 */
static int report_json(struct run *run)
{
	size_t n = run->bundle.nimages, i;
	struct cnab_out_where *where = calloc(n + 1, sizeof(*where));
	char(*digests)[CNAB_DIGEST_STR_MAX] = calloc(n + 1, sizeof(*digests));
	char **pins = calloc(n + 1, sizeof(*pins));
	json_t *doc = NULL;
	uint64_t bytes = 0;
	int rc = -1;

	if (!where || !digests || !pins)
		goto out;
	for (i = 0; i < run->nsources; i++) {
		const struct source *s = &run->sources[i];
		size_t k = (size_t)(s->img - run->bundle.images);

		pins[k] = pinned(s);
		if (!pins[k])
			goto out;
		cnab_digest_format(&s->root.digest, digests[k]);
		where[k].image = pins[k];
		where[k].digest = digests[k];
		where[k].media_type = s->root.media_type;
		where[k].size = s->root.size;
		where[k].has_size = true;
	}
	for (i = 0; i < run->tree.n; i++)
		bytes += run->tree.nodes[i].desc.size;
	doc = cnab_out_bundle(&run->bundle, where);
	if (doc &&
	    !json_object_set_new(doc, "archive", json_string(run->o->output)) &&
	    !json_object_set_new(doc, "objects",
	                         json_integer((json_int_t)run->tree.n)) &&
	    !json_object_set_new(doc, "bytes", json_integer((json_int_t)bytes)))
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
	run->sources = calloc(run->bundle.nimages + 1, sizeof(*run->sources));
	if (!run->layouts || !run->sources)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	for (i = 0; i < o->nlayouts; i++) {
		st = cnab_layout_open(&run->layouts[i], o->layouts[i], err);
		if (st != CNAB_OK)
			return st;
		run->nlayouts++;
	}
	return CNAB_OK;
}

static int archive(const struct archive_opts *o)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_outfile out = CNAB_OUTFILE_INIT;
	struct cnab_registry_opts ropts;
	struct run run;
	size_t i;
	int rc;

	memset(&run, 0, sizeof(run));
	run.o = o;
	cnab_fe_registry_opts(&o->common, &ropts);
	ropts.progress = cnab_fe_progress_cb;
	ropts.progress_ctx = &run.progress;
	cnab_registry_pool_init(&run.pool, &ropts);
	if (load(&run, &err) != CNAB_OK)
		goto fail;
	for (i = 0; i < run.bundle.nimages; i++) {
		struct cnab_bundle_image *img = &run.bundle.images[i];
		char label[300];

		if (!cnab_bundle_image_is_oci(img)) {
			cnab_bundle_image_label(img, label, sizeof(label));
			cnab_err_set(&err, CNAB_ERR_INVALID,
			             "cannot archive %s '%s': image type "
			             "'%s' is not held in registries",
			             label, img->image, img->image_type);
			goto fail;
		}
		/* pins that cannot hold fail before anything is fetched */
		if (cnab_image_check_pins(img->image, img->content_digest, NULL,
		                          NULL, &err) != CNAB_OK)
			goto fail;
	}
	for (i = 0; i < run.bundle.nimages; i++) {
		struct cnab_bundle_image *img = &run.bundle.images[i];

		run.sources[run.nsources].img = img;
		if (resolve(&run, &run.sources[run.nsources++], &err) !=
		    CNAB_OK)
			goto fail;
	}
	if (cnab_outfile_open(&out, o->output, &err) != CNAB_OK)
		goto fail;
	if (write_archive(&run, out.fd, &err) != CNAB_OK) {
		cnab_outfile_abort(&out);
		goto fail;
	}
	if (cnab_outfile_commit(&out, &err) != CNAB_OK)
		goto fail;
	if (strcmp(o->output, "-"))
		cnab_fe_note("archived %zu images (%zu objects) to '%s'",
		             run.nsources, run.tree.n, o->output);
	rc = o->format == CNAB_OUT_JSON ? report_json(&run) : 0;
	goto out;
fail:
	rc = cnab_fe_fail(&err);
out:
	for (i = 0; i < run.nsources; i++) {
		cnab_ref_release(&run.sources[i].ref);
		cnab_descriptor_release(&run.sources[i].root);
		free(run.sources[i].root_data);
		if (run.sources[i].has_repo)
			cnab_reg_repo_release(&run.sources[i].repo);
	}
	for (i = 0; i < run.nlayouts; i++)
		cnab_layout_release(&run.layouts[i]);
	free(run.layouts);
	free(run.sources);
	free(run.origin);
	cnab_image_tree_release(&run.tree);
	cnab_bundle_release(&run.bundle);
	cnab_pulled_release(&run.pulled);
	cnab_registry_pool_release(&run.pool);
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
	        {"output", required_argument, NULL, 'o'},
	        {NULL, 0, NULL, 0},
	};
	struct archive_opts o = {0};
	const char **grown, *epoch;
	char *end;
	long jobs;
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
			jobs = strtol(optarg, &end, 10);
			if (*end || end == optarg || jobs < 1 ||
			    jobs > MAX_JOBS) {
				rc = cnab_fe_usage_error(
				        "invalid --jobs '%s': use 1 to %d",
				        optarg, MAX_JOBS);
				goto out;
			}
			o.jobs = (int)jobs;
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
	else if (optind == argc)
		rc = cnab_fe_usage_error("give the ARCHIVE to write (- for "
		                         "stdout)");
	else if (optind + 1 < argc)
		rc = cnab_fe_usage_error("unexpected argument '%s'",
		                         argv[optind + 1]);
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
