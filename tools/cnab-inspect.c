/*
 * cnab-inspect: show a bundle from a file, an archive or a registry.
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
#include "common/transfer.h"
#include "formats/bundle.h"
#include "formats/porter.h"
#include "formats/relocation.h"
#include "formats/thick.h"
#include "tools/archive-in.h"
#include "tools/fe.h"
#include "tools/output.h"
#include "tools/pull.h"
#include "tools/signatures.h"

static const char usage[] =
        "usage: cnab-inspect [options] (-f FILE | -a ARCHIVE | -r REF)\n"
        "\n"
        "Shows a bundle: its name, version, and the images it names.\n"
        "\n"
        "  -f, --file FILE       a bundle.json or porter.yaml (- for stdin)\n"
        "  -a, --archive FILE    a thick bundle archive (.tgz or .tar; - for "
        "stdin)\n"
        "  -r, --ref REF         a published bundle, by tag or digest (alias\n"
        "                        --reference)\n"
        "  -j, --jobs N          requests at once with -r (blobs by "
        "--verify),\n"
        "                        1 to 32 (default 8)\n"
        "  -o, --output FORMAT   table (default), json or yaml\n"
        "      --raw             print bundle.json itself: canonical JSON,\n"
        "                        or YAML with -o yaml\n"
        "      --verify          check every blob and manifest of the archive\n"
        "                        or registry against its digest, and that\n"
        "                        every image is whole\n"
        "      --key FILE        with --verify: also check the cosign\n"
        "                        signatures of the bundle and of every image\n"
        "                        with the public key in FILE (ECDSA P-256)\n"
        "      --relocation-mapping FILE\n"
        "                        show images as relocated by FILE\n"
        "      --base BASE       with --verify -a DELTA: check the delta\n"
        "                        and BASE, its base archive, as a whole\n";

enum {
	OPT_RAW = CNAB_FE_OPT_FIRST_TOOL,
	OPT_VERIFY,
	OPT_MAPPING,
	OPT_BASE,
	OPT_KEY,
};

struct inspect_opts {
	struct cnab_fe_common common;
	const char *file;
	const char *archive;
	const char *ref;
	int output;
	bool raw;
	bool verify;
	int jobs;
	const char *mapping;
	const char *base; /* --base */
	const char *key;
};

/* What is shown of a bundle: the bundle, where its images are now, and
 * digests learnt from the source when the bundle lacks them. */
struct view {
	struct cnab_bundle *bundle;
	const struct cnab_relocation *maps[2]; /* looked up in this order */
	char (*digests)[CNAB_DIGEST_STR_MAX];  /* per image ("" if unknown) */
	const struct cnab_descriptor *const *descs; /* per image (-r) */
	const struct cnab_porter_ref *porter;       /* a Porter v1 manifest's */
	const struct cnab_delta *delta;             /* a delta archive's */
	/* what is attached to the images and the bundle (-a, -r) */
	const struct cnab_attachment *attach;
	size_t nattach;
};

/* Why the installer image's tag is a guess. */
static const char installer_guess[] =
        "the installer image exists only after the bundle is built and "
        "published";

/* The "porter" object of -o json/yaml; NULL when out of memory. */
static json_t *porter_json(const struct cnab_porter_ref *p)
{
	const char *tag = strrchr(p->installer, ':') + 1;
	json_t *o, *g;
	size_t i;

	o = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "reference",
	              p->reference, "tag", p->tag, "tagFrom",
	              p->tag_from_version ? "version" : "reference",
	              "installerImage", p->installer, "guessedTags", "image",
	              "installer", "tag", tag, "why", installer_guess);
	g = json_object_get(o, "guessedTags");
	for (i = 0; o && i < p->nlatest; i++)
		if (json_array_append_new(
		            g, json_pack("{s:s, s:s, s:s}", "image",
		                         p->latest[i], "tag", "latest", "why",
		                         "the manifest gives neither tag nor "
		                         "digest"))) {
			json_decref(o);
			o = NULL;
		}
	return o;
}

/* The "Porter:" section of the table. */
static int print_porter(const struct cnab_porter_ref *p)
{
	static const char *const head[] = {"Image", "Tag", "Why"};
	const char *tag = strrchr(p->installer, ':') + 1;
	const char *row[] = {"installer", tag, installer_guess};
	struct cnab_table t;
	size_t i;
	int rc;

	if (cnab_table_init(&t, 3, head))
		return -1;
	rc = cnab_table_add(&t, row);
	for (i = 0; !rc && i < p->nlatest; i++) {
		const char *r[] = {p->latest[i], "latest",
		                   "the manifest gives neither tag nor digest"};

		rc = cnab_table_add(&t, r);
	}
	if (!rc) {
		printf("\nPorter:\n");
		rc = cnab_out_line(stdout, 0, "Reference: %s", p->reference);
		rc |= cnab_out_line(stdout, 0, "Tag: %s (from the %s)", p->tag,
		                    p->tag_from_version ? "version"
		                                        : "reference");
		rc |= cnab_out_line(stdout, 0, "Installer Image: %s",
		                    p->installer);
		printf("Guessed Tags:\n");
		rc |= cnab_table_print(&t, stdout);
	}
	cnab_table_release(&t);
	return rc;
}

static const char *relocated(const struct view *v,
                             const struct cnab_bundle_image *img)
{
	const char *r;
	size_t i;

	for (i = 0; i < 2; i++)
		if (v->maps[i] &&
		    (r = cnab_relocation_get(v->maps[i], img->image)))
			return r;
	return img->image;
}

static const char *digest_of(const struct view *v, size_t i)
{
	const struct cnab_bundle_image *img = &v->bundle->images[i];

	if (img->content_digest)
		return img->content_digest;
	return v->digests ? v->digests[i] : "";
}

/*
 * The image attachment k belongs to: its subject's, following nested
 * attachments to their root; -1 for the bundle's own (or a subject that
 * is none of the images).
 */
static long image_of(const struct view *v, size_t k)
{
	char subject[CNAB_DIGEST_STR_MAX];
	size_t steps, i;

	for (steps = 0; steps <= v->nattach; steps++) {
		bool nested = false;

		for (i = 0; i < v->nattach && !nested; i++)
			if (i != k &&
			    cnab_digest_equal(&v->attach[k].subject,
			                      &v->attach[i].desc.digest))
				nested = true;
		if (!nested)
			break;
		k = i - 1;
	}
	cnab_digest_format(&v->attach[k].subject, subject);
	for (i = 0; i < v->bundle->nimages; i++)
		if (!strcmp(digest_of(v, i), subject))
			return (long)i;
	return -1;
}

/* What an attachment is: its artifact type, else its media type. */
static const char *attach_type(const struct cnab_attachment *a)
{
	return a->artifact_type ? a->artifact_type : a->desc.media_type;
}

/* The attachments of image (-1: the bundle) as a JSON array, or NULL
 * when there are none (or memory runs out: *nomem). */
static json_t *attach_json(const struct view *v, long image, bool *nomem)
{
	json_t *list = NULL, *o;
	size_t k;

	for (k = 0; k < v->nattach; k++) {
		const struct cnab_attachment *a = &v->attach[k];
		char d[CNAB_DIGEST_STR_MAX], sd[CNAB_DIGEST_STR_MAX];

		if (image_of(v, k) != image)
			continue;
		if (!list && !(list = json_array()))
			goto nomem;
		cnab_digest_format(&a->desc.digest, d);
		cnab_digest_format(&a->subject, sd);
		o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:I}", "kind",
		              cnab_attach_kind_name(a->kind), "digest", d,
		              "subject", sd, "tag",
		              a->tag ? json_string(a->tag) : json_null(),
		              "artifactType",
		              a->artifact_type ? json_string(a->artifact_type)
		                               : json_null(),
		              "mediaType", a->desc.media_type, "size",
		              (json_int_t)a->desc.size);
		if (!o || json_array_append_new(list, o))
			goto nomem;
	}
	return list;
nomem:
	*nomem = true;
	json_decref(list);
	return NULL;
}

/* Adds "attachments" to the images of root that have some, and to root
 * for the bundle's own; false when memory runs out. */
static bool view_attach_json(const struct view *v, json_t *root)
{
	const struct cnab_bundle *b = v->bundle;
	size_t i, inv = 0, k = 0;
	bool nomem = false;
	json_t *list, *o;

	for (i = 0; i < b->nimages && !nomem; i++) {
		const struct cnab_bundle_image *img = &b->images[i];

		o = img->name
		            ? json_array_get(json_object_get(root, "images"),
		                             k++)
		            : json_array_get(
		                      json_object_get(root, "invocationImages"),
		                      inv++);
		list = attach_json(v, (long)i, &nomem);
		if (list && json_object_set_new(o, "attachments", list))
			nomem = true;
	}
	list = nomem ? NULL : attach_json(v, -1, &nomem);
	if (list && json_object_set_new(root, "attachments", list))
		nomem = true;
	return !nomem;
}

/* The Attachments table, when there are any. */
static int print_attachments(const struct view *v)
{
	static const char *const head[] = {"Image", "Kind", "Digest", "Type",
	                                   "Subject"};
	struct cnab_table t;
	size_t k;
	int rc;

	if (!v->nattach)
		return 0;
	if (cnab_table_init(&t, 5, head))
		return -1;
	for (k = 0, rc = 0; k < v->nattach && !rc; k++) {
		const struct cnab_attachment *a = &v->attach[k];
		char d[CNAB_DIGEST_STR_MAX], sd[CNAB_DIGEST_STR_MAX];
		long i = image_of(v, k);
		const char *row[5];

		cnab_digest_format(&a->desc.digest, d);
		cnab_digest_format(&a->subject, sd);
		row[0] = i < 0 ? "(bundle)"
		               : relocated(v, &v->bundle->images[i]);
		row[1] = cnab_attach_kind_name(a->kind);
		row[2] = d;
		row[3] = attach_type(a);
		row[4] = sd;
		rc = cnab_table_add(&t, row);
	}
	if (!rc) {
		printf("\nAttachments:\n");
		rc = cnab_table_print(&t, stdout);
	}
	cnab_table_release(&t);
	return rc;
}

/*
 * The -o json/yaml document: the shared shape (cnab_out_bundle), and each
 * component image's description; NULL when out of memory.
 */
static json_t *view_json(const struct view *v)
{
	const struct cnab_bundle *b = v->bundle;
	struct cnab_out_where *where = calloc(b->nimages + 1, sizeof(*where));
	json_t *root = NULL, *o;
	size_t i, k = 0;

	if (!where)
		return NULL;
	for (i = 0; i < b->nimages; i++) {
		where[i].image = relocated(v, &b->images[i]);
		where[i].digest = digest_of(v, i);
		if (v->descs && v->descs[i]) {
			where[i].media_type = v->descs[i]->media_type;
			where[i].size = v->descs[i]->size;
			where[i].has_size = true;
		}
	}
	root = cnab_out_bundle(b, where);
	for (i = 0; root && i < b->nimages; i++) {
		const struct cnab_bundle_image *img = &b->images[i];

		if (!img->name)
			continue;
		o = json_array_get(json_object_get(root, "images"), k++);
		if (json_object_set_new(o, "description",
		                        img->description
		                                ? json_string(img->description)
		                                : json_null())) {
			json_decref(root);
			root = NULL;
		}
	}
	free(where);
	if (root && ((v->delta &&
	              json_object_set_new(
	                      root, "delta",
	                      json_pack("{s:s,s:I,s:I}", "base", v->delta->base,
	                                "omitted", (json_int_t)v->delta->n,
	                                "omittedBytes",
	                                (json_int_t)v->delta->bytes))) ||
	             !view_attach_json(v, root))) {
		json_decref(root);
		root = NULL;
	}
	if (root && v->porter &&
	    json_object_set_new(root, "porter", porter_json(v->porter))) {
		json_decref(root);
		root = NULL;
	}
	return root;
}

static int print_table(const struct view *v)
{
	static const char *const inv_head[] = {"Image", "Type", "Digest",
	                                       "Original Image"};
	static const char *const img_head[] = {"Name", "Type", "Image",
	                                       "Digest", "Original Image"};
	const struct cnab_bundle *b = v->bundle;
	struct cnab_table inv, imgs;
	size_t i;
	int rc = 0;

	if (cnab_table_init(&inv, 4, inv_head))
		return -1;
	if (cnab_table_init(&imgs, 5, img_head)) {
		cnab_table_release(&inv);
		return -1;
	}
	for (i = 0; i < b->nimages && !rc; i++) {
		const struct cnab_bundle_image *img = &b->images[i];

		if (img->name) {
			const char *row[] = {img->name, img->image_type,
			                     relocated(v, img), digest_of(v, i),
			                     img->image};

			rc = cnab_table_add(&imgs, row);
		} else {
			const char *row[] = {relocated(v, img), img->image_type,
			                     digest_of(v, i), img->image};

			rc = cnab_table_add(&inv, row);
		}
	}
	if (!rc) {
		/* fields made visible; a tab is kept in the description */
		rc = cnab_out_line(stdout, 0, "Name: %s", b->name);
		rc |= cnab_out_line(stdout, CNAB_OUT_KEEP_TAB,
		                    "Description: %s",
		                    b->description ? b->description : "");
		rc |= cnab_out_line(stdout, 0, "Version: %s", b->version);
		if (v->delta) {
			char bytes[32];

			cnab_fe_bytes(v->delta->bytes, bytes, sizeof(bytes));
			printf("Delta of: %s (%zu blobs left out, %s)\n",
			       v->delta->base, v->delta->n, bytes);
		}
		printf("\nInvocation Images:\n");
		rc |= cnab_table_print(&inv, stdout);
		printf("\nImages:\n");
		if (imgs.nrows > 1)
			rc = rc ? rc : cnab_table_print(&imgs, stdout);
		else
			printf("No images defined\n");
		if (!rc)
			rc = print_attachments(v);
		if (!rc && v->porter)
			rc = print_porter(v->porter);
	}
	cnab_table_release(&inv);
	cnab_table_release(&imgs);
	return rc;
}

static int show(const struct inspect_opts *o, const struct view *v)
{
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *doc;
	int rc;

	if (o->raw) {
		struct cnab_buf out = CNAB_BUF_INIT(SIZE_MAX);

		if (cnab_bundle_canonical(v->bundle, &out, &err) != CNAB_OK) {
			cnab_buf_release(&out);
			return cnab_fe_fail(&err);
		}
		rc = 0;
		if (o->output != CNAB_OUT_YAML) {
			fwrite(out.data, 1, out.len, stdout);
		} else {
			/* read back: the keys in canonical order */
			doc = json_loadb(out.data, out.len, 0, NULL);
			rc = doc ? cnab_out_yaml(doc, stdout) : -1;
			json_decref(doc);
		}
		cnab_buf_release(&out);
		if (rc) {
			cnab_fe_error("cannot format the output");
			return CNAB_EXIT_FAIL;
		}
		return cnab_fe_flush_stdout();
	}
	if (o->output == CNAB_OUT_TABLE) {
		rc = print_table(v);
	} else {
		doc = view_json(v);
		if (!doc)
			rc = -1;
		else if (o->output == CNAB_OUT_JSON)
			rc = cnab_out_json(doc, stdout);
		else
			rc = cnab_out_yaml(doc, stdout);
		json_decref(doc);
	}
	if (rc) {
		cnab_fe_error("cannot format the output");
		return CNAB_EXIT_FAIL;
	}
	return cnab_fe_flush_stdout();
}

/* Reads --relocation-mapping FILE when given. */
static enum cnab_status load_mapping(const struct inspect_opts *o,
                                     struct cnab_relocation *r,
                                     struct cnab_err *err)
{
	enum cnab_status st;
	char *data;
	size_t len;

	if (!o->mapping)
		return CNAB_OK;
	st = cnab_file_read(o->mapping, CNAB_MAX_DOCUMENT, &data, &len, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_relocation_parse(r, data, len, o->mapping, err);
	free(data);
	return st;
}

static int inspect_file(const struct inspect_opts *o)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	struct cnab_relocation user = CNAB_RELOCATION_INIT;
	const char *subject = strcmp(o->file, "-") ? o->file : "<stdin>";
	struct cnab_porter_ref porter = CNAB_PORTER_REF_INIT;
	struct view v = {&b, {NULL, NULL}, NULL, NULL, NULL, NULL, NULL, 0};
	json_t *doc = NULL;
	char *data = NULL;
	size_t len;
	int rc;

	if (cnab_file_read(o->file, CNAB_MAX_DOCUMENT, &data, &len, &err) !=
	            CNAB_OK ||
	    load_mapping(o, &user, &err) != CNAB_OK)
		goto fail;
	if (cnab_json_looks_object(data, len)) {
		if (cnab_bundle_parse(&b, data, len, subject, &err) != CNAB_OK)
			goto fail;
	} else {
		/* porter.yaml, and what Porter derives from a v1 one */
		if (cnab_porter_convert(data, len, subject,
		                        CNAB_PORTER_DEPS_AUTO, &doc, &porter,
		                        &err) != CNAB_OK ||
		    cnab_bundle_from_json(&b, doc, subject, &err) != CNAB_OK)
			goto fail;
		if (porter.v1)
			v.porter = &porter;
	}
	v.maps[0] = &user;
	rc = show(o, &v);
	goto out;
fail:
	rc = cnab_fe_fail(&err);
out:
	free(data);
	json_decref(doc);
	cnab_porter_ref_release(&porter);
	cnab_bundle_release(&b);
	cnab_relocation_release(&user);
	return rc;
}

/*
 * Checks that every image the bundle names is whole in the archive, and
 * learns the digests the bundle lacks.
 */
static enum cnab_status verify_images(struct cnab_thick *t,
                                      char (*digests)[CNAB_DIGEST_STR_MAX],
                                      bool check, size_t *nblobs,
                                      struct cnab_err *err)
{
	struct cnab_image_tree tree = CNAB_IMAGE_TREE_INIT;
	struct cnab_blob_source src = cnab_thick_source(t);
	struct cnab_bundle *b = &t->bundle;
	enum cnab_status st = CNAB_OK;
	size_t i;

	for (i = 0; i < b->nimages && st == CNAB_OK; i++) {
		struct cnab_bundle_image *img = &b->images[i];
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
		char *digest = digests[i];

		if (!cnab_bundle_image_is_oci(img))
			continue;
		st = cnab_thick_find_image(t, img, &d, check ? err : NULL);
		if (st != CNAB_OK) {
			if (!check)
				st = CNAB_OK; /* only showing: leave blank */
			continue;
		}
		/* found with its pins (reference, contentDigest) held */
		cnab_digest_format(&d.digest, digest);
		if (check) {
			st = cnab_image_tree_add(&tree, &src, &d, img->image,
			                         err);
			if (st == CNAB_ERR_NOTFOUND || st == CNAB_ERR_INVALID) {
				cnab_err_restatus(err, CNAB_ERR_CORRUPT);
				st = CNAB_ERR_CORRUPT;
			}
		}
		cnab_descriptor_release(&d);
	}
	*nblobs = tree.n;
	cnab_image_tree_release(&tree);
	return st;
}

/*
 * --verify --base BASE: BASE must be the delta's base (its bundle digest)
 * and hold every blob the delta leaves out; BASE is verified whole.
 */
static enum cnab_status verify_base(const struct inspect_opts *o,
                                    const struct cnab_thick *t,
                                    struct cnab_err *err)
{
	struct cnab_map blobs = CNAB_MAP_INIT;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	size_t i;

	if (!t->is_delta)
		return cnab_err_set(err, CNAB_ERR_USAGE,
		                    "--base goes with a delta archive, and "
		                    "'%s' is a whole one",
		                    t->subject);
	st = cnab_archive_in_read_base(o->base, true, digest, &blobs, err);
	if (st == CNAB_OK && strcmp(digest, t->delta.base))
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "'%s' (bundle %s) is not the base of delta "
		                  "'%s' (a delta of %s)",
		                  o->base, digest, t->subject, t->delta.base);
	for (i = 0; i < t->delta.n && st == CNAB_OK; i++)
		if (!cnab_map_has(&blobs, t->delta.omitted[i].digest))
			st = cnab_err_set(err, CNAB_ERR_CORRUPT,
			                  "blob %s, left out of delta '%s', is "
			                  "not in its base '%s'",
			                  t->delta.omitted[i].digest,
			                  t->subject, o->base);
	cnab_map_release(&blobs, NULL);
	return st;
}

/* What --verify left to the base of a delta: one line per blob (-v). */
static void report_omitted(const struct cnab_thick *t, bool with_base)
{
	char bytes[32];
	size_t i;

	cnab_fe_bytes(t->delta.bytes, bytes, sizeof(bytes));
	cnab_fe_note("a delta of %s: %zu blobs left out (%s), %s",
	             t->delta.base, t->delta.n, bytes,
	             with_base ? "verified in its base" : "held by its base");
	for (i = 0; i < t->delta.n; i++)
		cnab_fe_note("left out: %s (%llu bytes)",
		             t->delta.omitted[i].digest,
		             (unsigned long long)t->delta.omitted[i].size);
}

/*
 * The attachments index.json lists (their artifact types read from their
 * manifests when the archive was read that far); with check, each must be
 * whole in the archive.
 */
static enum cnab_status archive_attachments(struct cnab_thick *t, bool check,
                                            struct cnab_attachment **out,
                                            size_t *n, size_t *nblobs,
                                            struct cnab_err *err)
{
	struct cnab_image_tree tree = CNAB_IMAGE_TREE_INIT;
	struct cnab_blob_source src = cnab_thick_source(t);
	enum cnab_status st = CNAB_OK;
	size_t i;

	for (i = 0; t->index.root && i < t->index.nmanifests && st == CNAB_OK;
	     i++) {
		struct cnab_attachment a, *grown;
		struct cnab_thick_blob *blob;
		char d[CNAB_DIGEST_STR_MAX];
		bool is;

		st = cnab_attach_from_entry(&t->index.manifests[i], &a, &is,
		                            err);
		if (st != CNAB_OK || !is)
			continue;
		blob = cnab_map_get(&t->blobs, CNAB_DESC_DIGEST(&a.desc, d));
		if (blob && blob->data && !blob->other)
			st = cnab_attachment_read(&a, blob->data, blob->len,
			                          err);
		if (st == CNAB_OK && check)
			st = cnab_image_tree_add(&tree, &src, &a.desc, a.label,
			                         err);
		if (st == CNAB_ERR_NOTFOUND || st == CNAB_ERR_INVALID) {
			cnab_err_restatus(err, CNAB_ERR_CORRUPT);
			st = CNAB_ERR_CORRUPT;
		}
		grown = st == CNAB_OK ? realloc(*out, (*n + 1) * sizeof(**out))
		                      : NULL;
		if (st == CNAB_OK && !grown)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		if (st != CNAB_OK) {
			cnab_attachment_release(&a);
			break;
		}
		*out = grown;
		(*out)[(*n)++] = a;
	}
	*nblobs += tree.n;
	cnab_image_tree_release(&tree);
	return st;
}

static void free_attachments(struct cnab_attachment *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cnab_attachment_release(&a[i]);
	free(a);
}

/* The line --verify prints on success (unless -q). */
static void report_verified(const char *subject, size_t nimages, size_t nattach,
                            size_t nobjects)
{
	if (nattach)
		cnab_fe_note("verified '%s': %zu images, %zu attachments, %zu "
		             "objects",
		             subject, nimages, nattach, nobjects);
	else
		cnab_fe_note("verified '%s': %zu images, %zu objects", subject,
		             nimages, nobjects);
}

/* "'REPOSITORY@DIGEST' (image 'NAME')", as inspect -r names images. */
static char *archive_image_label(const struct cnab_bundle_image *img,
                                 const char *digest)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	char *repo = NULL, *label;

	if (cnab_ref_parse(&ref, img->image, NULL) == CNAB_OK)
		repo = cnab_ref_name(&ref);
	cnab_ref_release(&ref);
	if (img->name)
		label = cnab_strfmt("'%s@%s' (image '%s')",
		                    repo ? repo : img->image, digest,
		                    img->name);
	else
		label = cnab_strfmt("'%s@%s' (invocation image %zu)",
		                    repo ? repo : img->image, digest,
		                    img->index);
	free(repo);
	return label;
}

/* Whether digest d is that of one of n attachments. */
static bool is_attachment(const struct cnab_attachment *a, size_t n,
                          const struct cnab_digest *d)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cnab_digest_equal(&a[i].desc.digest, d))
			return true;
	return false;
}

/*
 * --verify --key -a: the cosign signatures of the bundle's images, and of
 * the bundle's index where the archive holds what is attached to it (an
 * archive of a published bundle); the bundle's index of an archive made
 * from a file is made when it is published, and has no signature yet.
 */
static enum cnab_status
verify_archive_signatures(const struct cnab_thick *t,
                          const struct cnab_cosign_key *k,
                          char (*digests)[CNAB_DIGEST_STR_MAX],
                          const struct cnab_attachment *attach, size_t nattach,
                          struct cnab_err *err)
{
	struct cnab_sigs_report rep = {0, 0, 0};
	const struct cnab_bundle *b = &t->bundle;
	struct cnab_digest d;
	enum cnab_status st = CNAB_OK;
	size_t bundles = 0, i, j;
	char *label;

	for (i = 0; i < b->nimages && st == CNAB_OK; i++) {
		const struct cnab_bundle_image *img = &b->images[i];

		if (!digests[i][0] ||
		    cnab_digest_parse(&d, digests[i], NULL) != CNAB_OK)
			continue; /* not an OCI image */
		for (j = 0; j < i; j++)
			if (!strcmp(digests[j], digests[i]))
				break;
		if (j < i)
			continue; /* checked already */
		label = archive_image_label(img, digests[i]);
		st = label ? cnab_sigs_check_archive(k, t, attach, nattach, &d,
		                                     label, &rep, err)
		           : cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		free(label);
	}
	/* the bundle's index: what is attached to neither an image nor an
	 * attachment */
	for (i = 0; i < nattach && st == CNAB_OK; i++) {
		const struct cnab_digest *s = &attach[i].subject;
		char hex[CNAB_DIGEST_STR_MAX];

		cnab_digest_format(s, hex);
		for (j = 0; j < b->nimages; j++)
			if (!strcmp(digests[j], hex))
				break;
		if (j < b->nimages || is_attachment(attach, nattach, s))
			continue;
		for (j = 0; j < i; j++)
			if (cnab_digest_equal(&attach[j].subject, s))
				break;
		if (j < i)
			continue; /* checked already */
		bundles++;
		label = cnab_strfmt("'%s' (the bundle's index %s)", t->subject,
		                    hex);
		st = label ? cnab_sigs_check_archive(k, t, attach, nattach, s,
		                                     label, &rep, err)
		           : cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		free(label);
	}
	if (st != CNAB_OK)
		return st;
	if (!bundles)
		cnab_fe_note("the bundle's own signature is not checked: "
		             "nothing in archive '%s' is attached to its index "
		             "(it has one once published)",
		             t->subject);
	return cnab_sigs_verdict(&rep, t->subject, err);
}

static int inspect_archive(const struct inspect_opts *o)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_relocation user = CNAB_RELOCATION_INIT;
	struct cnab_thick t;
	struct cnab_thick_item item;
	struct cnab_fe_progress progress;
	struct cnab_archive_in in = CNAB_ARCHIVE_IN_INIT;
	const char *subject = strcmp(o->archive, "-") ? o->archive : "<stdin>";
	struct view v = {NULL, {NULL, NULL}, NULL, NULL, NULL, NULL, NULL, 0};
	char(*digests)[CNAB_DIGEST_STR_MAX] = NULL;
	struct cnab_attachment *attach = NULL;
	struct cnab_cosign_key *key = NULL;
	size_t nblobs = 0, nattach = 0;
	bool eof = false;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&progress, 0, sizeof(progress));
	if (load_mapping(o, &user, &err) != CNAB_OK)
		goto fail;
	rc = cnab_fe_archive_input(o->archive);
	if (!rc && o->key)
		rc = cnab_sigs_load_key(o->key, &key);
	if (rc)
		goto out;
	if (cnab_archive_in_open(&in, &t, o->archive, o->verify, &err) !=
	    CNAB_OK)
		goto fail;
	/* --key: the signatures' payloads are kept as they go by */
	if (key)
		t.keep = cnab_cosign_is_payload;
	/* reading the whole archive (--verify) shows progress */
	cnab_fe_progress_start(&progress, "verifying", in.size);
	if (!o->verify)
		progress.on = false;
	while (!eof) {
		if (cnab_thick_next(&t, &item, &eof, &err) != CNAB_OK)
			goto fail;
		if (!eof && item.kind == CNAB_THICK_BLOB)
			cnab_fe_progress_next(&progress);
		cnab_fe_progress_set(&progress, cnab_thick_bytes_in(&t));
		/* bundle.json first: the blobs are needed only to verify;
		 * the metadata after it (mapping, index.json) is read */
		if (!o->verify && t.bundle_first &&
		    item.kind == CNAB_THICK_BLOB)
			break;
	}
	if (!t.bundle_data) {
		cnab_err_set(&err, CNAB_ERR_CORRUPT,
		             "corrupt archive '%s': no bundle.json", subject);
		goto fail;
	}
	digests = calloc(t.bundle.nimages + 1, sizeof(*digests));
	if (!digests) {
		cnab_err_set(&err, CNAB_ERR_NOMEM, "out of memory");
		goto fail;
	}
	cnab_fe_progress_end(&progress);
	if (verify_images(&t, digests, o->verify, &nblobs, &err) != CNAB_OK ||
	    archive_attachments(&t, o->verify, &attach, &nattach, &nblobs,
	                        &err) != CNAB_OK)
		goto fail;
	if (o->base && verify_base(o, &t, &err) != CNAB_OK)
		goto fail;
	if (o->verify)
		report_verified(subject, t.bundle.nimages, nattach, nblobs);
	if (o->verify && t.is_delta)
		report_omitted(&t, o->base != NULL);
	if (key && verify_archive_signatures(&t, key, digests, attach, nattach,
	                                     &err) != CNAB_OK)
		goto fail;
	v.bundle = &t.bundle;
	v.maps[0] = &user;
	v.maps[1] = &t.mapping;
	v.digests = digests;
	v.delta = t.is_delta ? &t.delta : NULL;
	v.attach = attach;
	v.nattach = nattach;
	rc = show(o, &v);
	/* the rest of a pipe read, so that its writer ends well */
	if (!rc)
		cnab_archive_in_drain(&in);
	goto out;
fail:
	cnab_fe_progress_end(&progress);
	cnab_archive_in_explain(&in, &t, &err);
	rc = cnab_fe_fail(&err);
out:
	free(digests);
	free_attachments(attach, nattach);
	cnab_cosign_key_free(key);
	cnab_thick_release(&t);
	cnab_relocation_release(&user);
	cnab_archive_in_close(&in);
	return rc;
}

/* A blob verified as it goes by: counted, then dropped. */
static enum cnab_status discard(void *ctx, const void *p, size_t n,
                                struct cnab_err *err)
{
	(void)p;
	(void)err;
	cnab_fe_progress_add(ctx, n);
	return CNAB_OK;
}

/* Each object starting: one more on the progress line. */
static enum cnab_status count(void *ctx, const struct cnab_image_node *node,
                              size_t i, size_t n, struct cnab_err *err)
{
	(void)node;
	(void)i;
	(void)n;
	(void)err;
	cnab_fe_progress_next(ctx);
	return CNAB_OK;
}

/*
 * The bundle's images in its repository and what is attached to them and
 * to the bundle (t, which the caller releases); with verify, every
 * manifest and blob of them read, --jobs at a time, and verified (the
 * transfer engine with a sink that keeps nothing).
 */
static enum cnab_status pull_images(struct cnab_pulled *p,
                                    struct cnab_registry_pool *pool, int jobs,
                                    bool verify, struct cnab_transfer *t,
                                    size_t *nobjects, struct cnab_err *err)
{
	struct cnab_fe_progress progress;
	struct cnab_transfer_sink sink = {count, discard, &progress};
	struct cnab_transfer_copy_opts co = {&pool->opts, jobs, 0};
	enum cnab_status st = CNAB_OK;
	size_t i;

	t->pool = pool;
	t->lookup_jobs = jobs;
	t->bundle_reg = p->reg;
	t->bundle_repo = p->ref.path;
	t->bundle_digest = &p->raw.digest;
	for (i = 0; i < p->bundle.nimages && st == CNAB_OK; i++)
		st = cnab_transfer_add(t, p->bundle.images[i].image,
		                       p->bundle.images[i].content_digest,
		                       p->images[i], err);
	if (st == CNAB_OK)
		st = cnab_transfer_resolve(t, err);
	/* a bundle.json whose pins cannot hold is corrupt content */
	if (st == CNAB_ERR_INVALID) {
		cnab_err_restatus(err, CNAB_ERR_CORRUPT);
		st = CNAB_ERR_CORRUPT;
	}
	if (st == CNAB_OK)
		st = cnab_transfer_attach(t, err);
	if (st == CNAB_OK && t->attach_capped)
		cnab_fe_warn(
		        "more than %zu attachments: only the first %zu are "
		        "shown",
		        t->attach_max, t->attach_max);
	if (st != CNAB_OK || !verify)
		return st;
	st = cnab_transfer_walk(t, err);
	if (st == CNAB_OK) {
		cnab_fe_progress_start(&progress, "verifying",
		                       cnab_transfer_bytes(t));
		cnab_fe_progress_blobs(&progress, t->tree.n);
		st = cnab_transfer_copy(t, &co, &sink, err);
		cnab_fe_progress_end(&progress);
	}
	*nobjects = t->tree.n;
	return st;
}

/* An image's label in the lines about its signature. */
static char *image_label(const struct cnab_pulled *p, size_t i,
                         const char *digest)
{
	const struct cnab_bundle_image *img = &p->bundle.images[i];

	if (img->name)
		return cnab_strfmt("'%s@%s' (image '%s')", p->name, digest,
		                   img->name);
	return cnab_strfmt("'%s@%s' (invocation image %zu)", p->name, digest,
	                   img->index);
}

/*
 * Checks the cosign signatures of the bundle's index and of each of its
 * images (once each), all in the bundle's repository.  A failure to check
 * is an error; signatures that do not verify are CNAB_ERR_INTEGRITY once
 * every subject is checked.
 */
static enum cnab_status verify_signatures(const struct cnab_pulled *p,
                                          const struct cnab_cosign_key *k,
                                          struct cnab_err *err)
{
	struct cnab_sigs_report rep = {0, 0, 0};
	char digest[CNAB_DIGEST_STR_MAX];
	char *label;
	enum cnab_status st;
	size_t i, j;

	cnab_digest_format(&p->raw.digest, digest);
	label = cnab_strfmt("'%s@%s' (the bundle)", p->name, digest);
	st = label ? cnab_sigs_check_registry(k, p->reg, p->ref.path,
	                                      &p->raw.digest, label, &rep, err)
	           : cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	free(label);
	for (i = 0; i < p->bundle.nimages && st == CNAB_OK; i++) {
		const struct cnab_digest *d = &p->images[i]->digest;

		for (j = 0; j < i; j++)
			if (cnab_digest_equal(&p->images[j]->digest, d))
				break;
		if (j < i)
			continue; /* checked already */
		cnab_digest_format(d, digest);
		label = image_label(p, i, digest);
		st = label ? cnab_sigs_check_registry(k, p->reg, p->ref.path, d,
		                                      label, &rep, err)
		           : cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		free(label);
	}
	if (st != CNAB_OK)
		return st;
	return cnab_sigs_verdict(&rep, p->subject, err);
}

static int inspect_ref(const struct inspect_opts *o)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_relocation user = CNAB_RELOCATION_INIT;
	struct cnab_registry_opts ropts;
	struct cnab_registry_pool pool;
	struct cnab_registry *reg = NULL;
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_pulled p;
	struct cnab_cosign_key *key = NULL;
	struct cnab_transfer xfer = CNAB_TRANSFER_INIT;
	struct view v = {NULL, {NULL, NULL}, NULL, NULL, NULL, NULL, NULL, 0};
	char(*digests)[CNAB_DIGEST_STR_MAX] = NULL;
	size_t i, nobjects = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	cnab_fe_registry_opts(&o->common, &ropts);
	cnab_registry_pool_init(&pool, &ropts);
	if (cnab_ref_parse(&ref, o->ref, &err) != CNAB_OK) {
		rc = cnab_fe_usage_error("%s", err.msg);
		goto out;
	}
	if (o->key) {
		rc = cnab_sigs_load_key(o->key, &key);
		if (rc)
			goto out;
	}
	if (load_mapping(o, &user, &err) != CNAB_OK ||
	    cnab_registry_pool_get(&pool, ref.domain, &reg, &err) != CNAB_OK ||
	    cnab_pull_bundle(&p, reg, o->ref, &err) != CNAB_OK)
		goto fail;
	if (pull_images(&p, &pool, o->jobs, o->verify, &xfer, &nobjects,
	                &err) != CNAB_OK)
		goto fail;
	if (o->verify)
		report_verified(o->ref, p.bundle.nimages, xfer.nattachments,
		                nobjects);
	if (key && verify_signatures(&p, key, &err) != CNAB_OK)
		goto fail;
	digests = calloc(p.bundle.nimages + 1, sizeof(*digests));
	if (!digests) {
		cnab_err_set(&err, CNAB_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < p.bundle.nimages; i++)
		cnab_digest_format(&p.images[i]->digest, digests[i]);
	v.bundle = &p.bundle;
	v.maps[0] = &user;
	v.maps[1] = &p.mapping;
	v.digests = digests;
	v.descs = p.images;
	v.attach = xfer.attachments;
	v.nattach = xfer.nattachments;
	rc = show(o, &v);
	goto out;
fail:
	rc = cnab_fe_fail(&err);
out:
	free(digests);
	cnab_cosign_key_free(key);
	cnab_transfer_release(&xfer);
	cnab_pulled_release(&p);
	cnab_registry_pool_release(&pool);
	cnab_relocation_release(&user);
	cnab_ref_release(&ref);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct cnab_fe_tool tool = {"cnab-inspect", usage};
	static const struct option longopts[] = {
	        CNAB_FE_LONG_OPTIONS,
	        {"file", required_argument, NULL, 'f'},
	        {"archive", required_argument, NULL, 'a'},
	        {"ref", required_argument, NULL, 'r'},
	        {"reference", required_argument, NULL, 'r'},
	        {"jobs", required_argument, NULL, 'j'},
	        {"output", required_argument, NULL, 'o'},
	        {"raw", no_argument, NULL, OPT_RAW},
	        {"verify", no_argument, NULL, OPT_VERIFY},
	        {"relocation-mapping", required_argument, NULL, OPT_MAPPING},
	        {"base", required_argument, NULL, OPT_BASE},
	        {"key", required_argument, NULL, OPT_KEY},
	        {NULL, 0, NULL, 0},
	};
	struct inspect_opts o = {0};
	int c, rc = 0, sources;

	cnab_fe_init(&tool);
	o.output = -1; /* table, unless --raw */
	o.jobs = 8;
	while ((c = cnab_fe_getopt(argc, argv, "f:a:r:j:o:", longopts,
	                           &o.common, &rc)) >= 0) {
		switch (c) {
		case 'f':
			o.file = optarg;
			break;
		case 'a':
			o.archive = optarg;
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
			                           1u << CNAB_OUT_TABLE |
			                                   1u << CNAB_OUT_JSON |
			                                   1u << CNAB_OUT_YAML,
			                           &o.output);
			if (rc)
				goto out;
			break;
		case OPT_RAW:
			o.raw = true;
			break;
		case OPT_VERIFY:
			o.verify = true;
			break;
		case OPT_MAPPING:
			o.mapping = optarg;
			break;
		case OPT_BASE:
			o.base = optarg;
			break;
		case OPT_KEY:
			o.key = optarg;
			break;
		}
	}
	if (c == CNAB_FE_STOP)
		goto out;
	if (o.output < 0 && !o.raw)
		o.output = CNAB_OUT_TABLE;
	sources = !!o.file + !!o.archive + !!o.ref;
	if (optind < argc)
		rc = cnab_fe_usage_error("unexpected argument '%s'",
		                         argv[optind]);
	else if (sources != 1)
		rc = cnab_fe_usage_error(
		        "give one of -f FILE, -a ARCHIVE or -r REF");
	else if (o.raw && o.output == CNAB_OUT_TABLE)
		rc = cnab_fe_usage_error(
		        "--raw prints JSON or YAML, not a table");
	else if (o.verify && o.file)
		rc = cnab_fe_usage_error(
		        "--verify needs -a ARCHIVE or -r REF: a "
		        "bundle file holds no content to "
		        "verify");
	else if (o.base && (!o.verify || !o.archive))
		rc = cnab_fe_usage_error("--base goes with --verify -a DELTA");
	else if (o.key && !o.verify)
		rc = cnab_fe_usage_error(
		        "--key goes with --verify: signatures are checked "
		        "with the rest");
	else if (o.file)
		rc = inspect_file(&o);
	else if (o.archive)
		rc = inspect_archive(&o);
	else
		rc = inspect_ref(&o);
out:
	cnab_fe_common_release(&o.common);
	return rc;
}
