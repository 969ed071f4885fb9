/*
 * cnab-publish-archive: publish a thick bundle archive to a registry tag,
 * in one pass over the archive, never extracted.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fsutil.h"
#include "common/image.h"
#include "common/json.h"
#include "common/reference.h"
#include "common/registry.h"
#include "formats/archive.h"
#include "formats/bundle.h"
#include "formats/cnaboci.h"
#include "formats/relocation.h"
#include "tools/fe.h"
#include "tools/output.h"

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
        "      --dry-run         verify the archive and print the plan; "
        "write\n"
        "                        nothing (no network)\n"
        "  -o, --output FORMAT   plain (default) or json\n";

enum {
	OPT_FORCE = CNAB_FE_OPT_FIRST_TOOL,
	OPT_MAPPING,
	OPT_DRY_RUN,
};

struct publish_opts {
	struct cnab_fe_common common;
	const char *archive;
	const char *tag;
	bool force;
	const char *mapping;
	bool dry_run;
	int output;
};

/* The bundle's registry objects, built from the archived bundle. */
struct objects {
	struct cnab_buf bundle; /* the config blob */
	struct cnab_descriptor blob;
	struct cnab_buf manifest;
	struct cnab_descriptor manifest_desc;
	enum cnab_oci_config_form form;
	struct cnab_buf index;
	struct cnab_descriptor index_desc;
	bool docker_list;
};

struct publish {
	const struct publish_opts *o;
	struct cnab_ref tag;
	char *tag_string; /* full, for messages and output */
	char *repo_name;  /* REGISTRY/REPO */
	struct cnab_registry *reg;
	struct cnab_thick t;
	bool tag_exists;
	struct cnab_descriptor tag_desc;
	struct objects obj;
	struct cnab_relocation mapping;
	struct cnab_fe_progress progress;
	uint64_t archive_size;
	size_t uploaded, skipped;
};

static void objects_release(struct objects *x)
{
	cnab_buf_release(&x->bundle);
	cnab_buf_release(&x->manifest);
	cnab_buf_release(&x->index);
	cnab_descriptor_release(&x->blob);
	cnab_descriptor_release(&x->manifest_desc);
	cnab_descriptor_release(&x->index_desc);
}

static enum cnab_status set_desc(struct cnab_descriptor *d, const char *mt,
                                 const struct cnab_buf *b, struct cnab_err *err)
{
	free(d->media_type);
	d->media_type = strdup(mt);
	d->size = b->len;
	if (!d->media_type)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return cnab_digest_of(CNAB_DIGEST_SHA256, b->data, b->len, &d->digest);
}

/* The config manifest in a form, and the index over it. */
static enum cnab_status build_from(struct publish *p, struct cnab_err *err)
{
	struct objects *x = &p->obj;
	const char *cmt, *mmt, *imt;
	enum cnab_status st;

	cnab_buf_reset(&x->manifest);
	cnab_buf_reset(&x->index);
	st = cnab_oci_config_manifest(&x->blob.digest, x->blob.size, x->form,
	                              &x->manifest, &cmt, &mmt, err);
	if (st == CNAB_OK) {
		free(x->blob.media_type);
		x->blob.media_type = strdup(cmt);
		st = set_desc(&x->manifest_desc, mmt, &x->manifest, err);
	}
	if (st == CNAB_OK)
		st = cnab_oci_index(&p->t.bundle, &x->manifest_desc,
		                    x->docker_list, &x->index, &imt, err);
	if (st == CNAB_OK)
		st = set_desc(&x->index_desc, imt, &x->index, err);
	return st;
}

/*
 * The config blob: the archived bundle.json when it is canonical already
 * (published byte for byte), else its canonical form.
 */
static enum cnab_status build(struct publish *p, bool warn,
                              struct cnab_err *err)
{
	struct objects *x = &p->obj;
	enum cnab_status st;

	cnab_buf_init(&x->bundle, CNAB_MAX_DOCUMENT);
	cnab_buf_init(&x->manifest, CNAB_MAX_DOCUMENT);
	cnab_buf_init(&x->index, CNAB_MAX_DOCUMENT);
	st = cnab_bundle_canonical(&p->t.bundle, &x->bundle, err);
	if (st != CNAB_OK)
		return st;
	if (warn && (x->bundle.len != p->t.bundle_len ||
	             memcmp(x->bundle.data, p->t.bundle_data, x->bundle.len)))
		cnab_fe_warn("bundle.json in '%s' is not in canonical form: "
		             "publishing its canonical form",
		             p->t.subject);
	x->blob.size = x->bundle.len;
	st = cnab_digest_of(CNAB_DIGEST_SHA256, x->bundle.data, x->bundle.len,
	                    &x->blob.digest);
	if (st != CNAB_OK)
		return cnab_err_set(err, st, "cannot hash bundle.json");
	return build_from(p, err);
}

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

static enum cnab_status check_tag(struct publish *p, const char *digest,
                                  bool *same, struct cnab_err *err)
{
	char have[CNAB_DIGEST_STR_MAX];

	*same = false;
	if (!p->tag_exists)
		return CNAB_OK;
	cnab_digest_format(&p->tag_desc.digest, have);
	if (!strcmp(have, digest)) {
		*same = true;
		return CNAB_OK;
	}
	if (p->o->force) {
		cnab_fe_warn("replacing tag '%s' (it held %s)", p->tag_string,
		             have);
		return CNAB_OK;
	}
	return cnab_err_set(err, CNAB_ERR_EXISTS,
	                    "tag '%s' holds a different bundle (%s): use "
	                    "--force to replace it",
	                    p->tag_string, have);
}

/* Reads the current blob of the archive as a struct cnab_reader. */
struct blob_reader {
	struct publish *p;
	const char *block;
	size_t left;
};

static enum cnab_status blob_read(void *ctx, void *buf, size_t n, size_t *got,
                                  struct cnab_err *err)
{
	struct blob_reader *br = ctx;
	enum cnab_status st;
	const void *b;

	*got = 0;
	if (!br->left) {
		st = cnab_thick_blob_read(&br->p->t, &b, &br->left, err);
		if (st != CNAB_OK || !br->left)
			return st;
		br->block = b;
		cnab_fe_progress_set(&br->p->progress,
		                     cnab_thick_bytes_in(&br->p->t));
	}
	*got = n < br->left ? n : br->left;
	memcpy(buf, br->block, *got);
	br->block += *got;
	br->left -= *got;
	return CNAB_OK;
}

/* Handles a blob of the archive as it streams by. */
static enum cnab_status on_blob(struct publish *p,
                                const struct cnab_thick_item *item,
                                struct cnab_err *err)
{
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct blob_reader br = {p, NULL, 0};
	struct cnab_reader r = {blob_read, &br};
	struct cnab_buf small = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_thick_blob *info;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	bool exists = false;
	size_t n;

	if (p->o->dry_run)
		return CNAB_OK; /* read through and verified by the reader */
	d.digest = item->digest;
	d.size = item->size;
	st = cnab_reg_head_blob(p->reg, p->tag.path, &d, &exists, err);
	if (st != CNAB_OK || exists) {
		p->skipped += exists;
		return st;
	}
	cnab_digest_format(&item->digest, digest);
	if (item->size > CNAB_MAX_DOCUMENT) {
		/* a layer: straight from the archive to the registry */
		st = cnab_reg_push_blob(p->reg, p->tag.path, &d, &r, err);
		p->uploaded += st == CNAB_OK;
		return st;
	}
	/* small: maybe a manifest, which goes by the manifest API later */
	for (;;) {
		char chunk[16384];

		st = cnab_reader_read(&r, chunk, sizeof(chunk), &n, err);
		if (st != CNAB_OK || !n)
			break;
		if (cnab_buf_add(&small, chunk, n) != CNAB_OK) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			break;
		}
	}
	info = cnab_map_get(&p->t.blobs, digest);
	if (st == CNAB_OK && !(info && info->data)) {
		struct cnab_mem_reader m = {(const unsigned char *)small.data,
		                            small.len, 0};
		struct cnab_reader mr = cnab_mem_reader_as(&m);

		st = cnab_reg_push_blob(p->reg, p->tag.path, &d, &mr, err);
		p->uploaded += st == CNAB_OK;
	}
	cnab_buf_release(&small);
	return st;
}

/* Pushes every manifest and index of the images, children first. */
static enum cnab_status push_images(struct publish *p,
                                    const struct cnab_image_tree *tree,
                                    struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i;

	for (i = 0; i < tree->n && st == CNAB_OK; i++) {
		const struct cnab_image_node *node = &tree->nodes[i];
		char digest[CNAB_DIGEST_STR_MAX];
		bool exists = false;

		if (!node->is_manifest)
			continue;
		cnab_digest_format(&node->desc.digest, digest);
		st = cnab_reg_head_manifest(p->reg, p->tag.path, digest,
		                            &exists, NULL, err);
		if (st == CNAB_OK && !exists)
			st = cnab_reg_put_manifest(p->reg, p->tag.path, digest,
			                           node->desc.media_type,
			                           node->data, node->len, err);
	}
	return st;
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
	return st;
}

/* Pushes the config blob, the config manifest (falling back through its
 * forms) and the index (falling back to a manifest list) to the tag. */
static enum cnab_status push_bundle(struct publish *p, struct cnab_err *err)
{
	struct objects *x = &p->obj;
	struct cnab_err perr = CNAB_ERR_INIT;
	struct cnab_mem_reader m = {(const unsigned char *)x->bundle.data,
	                            x->bundle.len, 0};
	struct cnab_reader r = cnab_mem_reader_as(&m);
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	bool exists = false, same;

	st = cnab_reg_head_blob(p->reg, p->tag.path, &x->blob, &exists, err);
	if (st == CNAB_OK && !exists)
		st = cnab_reg_push_blob(p->reg, p->tag.path, &x->blob, &r, err);
	for (x->form = CNAB_OCI_CONFIG_CNAB; st == CNAB_OK;) {
		cnab_digest_format(&x->manifest_desc.digest, digest);
		cnab_err_clear(&perr);
		st = cnab_reg_head_manifest(p->reg, p->tag.path, digest,
		                            &exists, NULL, err);
		if (st != CNAB_OK || exists)
			break;
		st = cnab_reg_put_manifest(p->reg, p->tag.path, digest,
		                           x->manifest_desc.media_type,
		                           x->manifest.data, x->manifest.len,
		                           &perr);
		if (st != CNAB_ERR_UNSUPPORTED ||
		    x->form + 1 == CNAB_OCI_CONFIG_FORMS)
			break;
		x->form++;
		cnab_fe_info(1, "%s; trying another form of the bundle config",
		             perr.msg);
		st = build_from(p, err);
	}
	if (st != CNAB_OK)
		return cnab_err_set(err, st, "%s", perr.msg);
	for (;;) {
		cnab_digest_format(&x->index_desc.digest, digest);
		st = check_tag(p, digest, &same, err);
		if (st != CNAB_OK || same)
			return st;
		cnab_err_clear(&perr);
		st = cnab_reg_put_manifest(p->reg, p->tag.path, p->tag.tag,
		                           x->index_desc.media_type,
		                           x->index.data, x->index.len, &perr);
		if (st != CNAB_ERR_UNSUPPORTED || x->docker_list)
			break;
		x->docker_list = true;
		cnab_fe_info(1, "%s; trying a Docker manifest list", perr.msg);
		st = build_from(p, err);
		if (st != CNAB_OK)
			return st;
	}
	if (st != CNAB_OK)
		return cnab_err_set(err, st, "%s", perr.msg);
	return CNAB_OK;
}

static int report(struct publish *p)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_buf map = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	char digest[CNAB_DIGEST_STR_MAX];
	int rc = 0;

	cnab_digest_format(&p->obj.index_desc.digest, digest);
	if (p->o->mapping) {
		if (cnab_relocation_write(&p->mapping, &map, &err) != CNAB_OK ||
		    cnab_buf_addch(&map, '\n') != CNAB_OK ||
		    cnab_file_write(p->o->mapping, map.data, map.len, &err) !=
		            CNAB_OK) {
			cnab_buf_release(&map);
			return cnab_fe_fail(&err);
		}
	}
	if (p->o->output == CNAB_OUT_JSON) {
		json_t *doc = json_pack("{s:s,s:s,s:O}", "reference",
		                        p->tag_string, "digest", digest,
		                        "relocationMapping", p->mapping.map);

		if (doc && p->o->dry_run)
			json_object_set_new(doc, "dryRun", json_true());
		if (!doc || cnab_out_json(doc, stdout))
			rc = CNAB_EXIT_FAIL;
		json_decref(doc);
	} else if (p->o->dry_run) {
		const char *key;
		json_t *v;

		printf("Dry run: nothing was written.\n");
		printf("Would push bundle tag %s, with digest \"%s\"\n",
		       p->tag_string, digest);
		json_object_foreach(p->mapping.map, key, v)
		        printf("  %s -> %s\n", key, json_string_value(v));
	} else {
		printf("Bundle tag %s pushed successfully, with digest "
		       "\"%s\"\n",
		       p->tag_string, digest);
	}
	cnab_buf_release(&map);
	if (rc)
		cnab_fe_error("cannot format the output");
	return rc ? rc : cnab_fe_flush_stdout();
}

/* Reads the archive to its end, publishing as it goes. */
static enum cnab_status stream(struct publish *p, bool *done,
                               struct cnab_err *err)
{
	struct cnab_thick_item item;
	enum cnab_status st;
	bool eof = false, same;

	*done = false;
	while (!eof) {
		st = cnab_thick_next(&p->t, &item, &eof, err);
		if (st != CNAB_OK)
			return st;
		cnab_fe_progress_set(&p->progress, cnab_thick_bytes_in(&p->t));
		if (eof)
			break;
		if (item.kind == CNAB_THICK_BUNDLE && p->t.bundle_first &&
		    !p->o->dry_run && bundle_complete(&p->t.bundle)) {
			/* bundle.json first and whole: the index is known
			 * now, so an existing tag is settled at once */
			char digest[CNAB_DIGEST_STR_MAX];

			st = build(p, false, err);
			if (st != CNAB_OK)
				return st;
			cnab_digest_format(&p->obj.index_desc.digest, digest);
			st = check_tag(p, digest, &same, err);
			if (st != CNAB_OK)
				return st;
			if (same) {
				cnab_fe_info(1,
				             "tag '%s' holds this bundle "
				             "already: nothing to do",
				             p->tag_string);
				*done = true;
				return CNAB_OK;
			}
			objects_release(&p->obj);
			memset(&p->obj, 0, sizeof(p->obj));
		}
		if (item.kind == CNAB_THICK_BLOB) {
			st = on_blob(p, &item, err);
			if (st != CNAB_OK)
				return st;
		}
	}
	if (!p->t.bundle_data)
		return cnab_err_set(err, CNAB_ERR_CORRUPT,
		                    "corrupt archive '%s': no bundle.json",
		                    p->t.subject);
	return CNAB_OK;
}

static int publish(const struct publish_opts *o)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_registry_opts ropts;
	struct cnab_image_tree tree = CNAB_IMAGE_TREE_INIT;
	struct publish p;
	struct stat sb;
	bool done = false, filled = false;
	int fd = STDIN_FILENO, rc;
	const char *subject = strcmp(o->archive, "-") ? o->archive : "<stdin>";

	memset(&p, 0, sizeof(p));
	p.o = o;
	if (cnab_ref_parse(&p.tag, o->tag, &err) != CNAB_OK) {
		rc = cnab_fe_usage_error("%s", err.msg);
		goto out;
	}
	if (p.tag.digest || !p.tag.tag) {
		rc = cnab_fe_usage_error(
		        "--tag '%s' must name a tag (REGISTRY/REPO:TAG), %s",
		        o->tag,
		        p.tag.digest ? "not a digest: the digest is what "
		                       "publishing makes"
		                     : "and gives none");
		goto out;
	}
	p.tag_string = cnab_ref_string(&p.tag);
	p.repo_name = cnab_ref_name(&p.tag);
	if (!p.tag_string || !p.repo_name ||
	    cnab_relocation_init(&p.mapping, &err) != CNAB_OK) {
		cnab_err_set(&err, CNAB_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (strcmp(o->archive, "-")) {
		fd = open(o->archive, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			cnab_err_set(&err, CNAB_ERR_NOTFOUND,
			             "cannot open '%s': %m", o->archive);
			goto fail;
		}
		if (!fstat(fd, &sb) && S_ISREG(sb.st_mode))
			p.archive_size = (uint64_t)sb.st_size;
	}
	if (cnab_thick_open(&p.t, fd, subject, true, &err) != CNAB_OK)
		goto fail;
	if (!o->dry_run) {
		cnab_fe_registry_opts(&o->common, &ropts);
		if (cnab_registry_new(&p.reg, p.tag.domain, &ropts, &err) !=
		            CNAB_OK ||
		    cnab_reg_head_manifest(p.reg, p.tag.path, p.tag.tag,
		                           &p.tag_exists, &p.tag_desc,
		                           &err) != CNAB_OK)
			goto fail;
	}
	cnab_fe_progress_start(&p.progress, "publishing", p.archive_size);
	if (stream(&p, &done, &err) != CNAB_OK)
		goto fail;
	if (!done) {
		if (collect(&p, &tree, &filled, &err) != CNAB_OK ||
		    (!o->dry_run && push_images(&p, &tree, &err) != CNAB_OK))
			goto fail;
		if (filled)
			cnab_fe_warn(
			        "bundle.json in '%s' lacks the digest, size "
			        "or media type of some images: publishing "
			        "it with them filled in",
			        subject);
		if (build(&p, !filled, &err) != CNAB_OK ||
		    (!o->dry_run && push_bundle(&p, &err) != CNAB_OK))
			goto fail;
	}
	cnab_fe_progress_end(&p.progress);
	if (cnab_oci_relocation_from_bundle(&p.t.bundle, p.repo_name,
	                                    &p.mapping, &err) != CNAB_OK)
		goto fail;
	cnab_fe_info(1, "%zu blobs uploaded, %zu already there", p.uploaded,
	             p.skipped);
	rc = report(&p);
	goto out;
fail:
	cnab_fe_progress_end(&p.progress);
	rc = cnab_fe_fail(&err);
out:
	cnab_image_tree_release(&tree);
	objects_release(&p.obj);
	cnab_relocation_release(&p.mapping);
	cnab_descriptor_release(&p.tag_desc);
	cnab_thick_release(&p.t);
	cnab_registry_free(p.reg);
	cnab_ref_release(&p.tag);
	free(p.tag_string);
	free(p.repo_name);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct cnab_fe_tool tool = {"cnab-publish-archive", usage};
	static const struct option longopts[] = {
	        CNAB_FE_LONG_OPTIONS,
	        {"archive", required_argument, NULL, 'a'},
	        {"tag", required_argument, NULL, 't'},
	        {"reference", required_argument, NULL, 't'},
	        {"force", no_argument, NULL, OPT_FORCE},
	        {"relocation-mapping", required_argument, NULL, OPT_MAPPING},
	        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	        {"output", required_argument, NULL, 'o'},
	        {NULL, 0, NULL, 0},
	};
	struct publish_opts o = {0};
	int c, rc = 0;

	cnab_fe_init(&tool);
	o.output = CNAB_OUT_PLAIN;
	while ((c = getopt_long(argc, argv, CNAB_FE_SHORT_OPTIONS "a:t:o:",
	                        longopts, NULL)) != -1) {
		switch (cnab_fe_common_option(&o.common, c, optarg, &rc)) {
		case 1:
			if (c == 'h' || c == CNAB_FE_OPT_VERSION)
				goto out;
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
		case OPT_FORCE:
			o.force = true;
			break;
		case OPT_MAPPING:
			o.mapping = optarg;
			break;
		case OPT_DRY_RUN:
			o.dry_run = true;
			break;
		case 'o':
			o.output = cnab_out_parse(optarg,
			                          1u << CNAB_OUT_PLAIN |
			                                  1u << CNAB_OUT_JSON);
			if (o.output < 0) {
				rc = cnab_fe_usage_error(
				        "invalid output format '%s': use plain "
				        "or json",
				        optarg);
				goto out;
			}
			break;
		}
	}
	if (optind < argc)
		rc = cnab_fe_usage_error("unexpected argument '%s'",
		                         argv[optind]);
	else if (!o.archive)
		rc = cnab_fe_usage_error("give the archive with -a ARCHIVE");
	else if (!o.tag)
		rc = cnab_fe_usage_error("give the destination with --tag "
		                         "REGISTRY/REPO:TAG");
	else
		rc = publish(&o);
out:
	cnab_fe_common_release(&o.common);
	return rc;
}
