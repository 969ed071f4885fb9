#include "formats/thick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/layout.h"
#include "common/reference.h"

/* What both ways of opening share. */
static enum cnab_status start(struct cnab_thick *t, const char *subject,
                              bool verify, struct cnab_err *err)
{
	memset(t, 0, sizeof(*t));
	cnab_buf_init(&t->capture, CNAB_MAX_DOCUMENT);
	t->verify = verify;
	t->subject = strdup(subject);
	t->label = cnab_strfmt("archive '%s'", subject);
	if (!t->subject || !t->label)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

enum cnab_status cnab_thick_open(struct cnab_thick *t, int fd,
                                 const char *subject, bool verify,
                                 struct cnab_err *err)
{
	enum cnab_status st = start(t, subject, verify, err);

	if (st != CNAB_OK)
		return st;
	return cnab_tar_reader_open_fd(&t->tar, fd, subject, err);
}

enum cnab_status cnab_thick_open_reader(struct cnab_thick *t,
                                        struct cnab_reader src,
                                        const char *subject, bool verify,
                                        struct cnab_err *err)
{
	enum cnab_status st = start(t, subject, verify, err);

	if (st != CNAB_OK)
		return st;
	return cnab_tar_reader_open_reader(&t->tar, src, subject, err);
}

static void free_blob(void *p)
{
	struct cnab_thick_blob *b = p;

	if (b)
		free(b->data);
	free(b);
}

void cnab_thick_release(struct cnab_thick *t)
{
	cnab_tar_reader_free(t->tar);
	free(t->subject);
	free(t->label);
	free(t->bundle_data);
	cnab_bundle_release(&t->bundle);
	cnab_relocation_release(&t->mapping);
	cnab_delta_release(&t->delta);
	cnab_manifest_release(&t->index);
	cnab_map_release(&t->blobs, free_blob);
	if (t->v_ready)
		cnab_verifier_release(&t->v);
	cnab_buf_release(&t->capture);
	free(t->cur_subject);
	memset(t, 0, sizeof(*t));
}

uint64_t cnab_thick_bytes_in(const struct cnab_thick *t)
{
	return t->tar ? cnab_tar_bytes_in(t->tar) : 0;
}

/* Malformed content inside an archive means the archive is damaged. */
static enum cnab_status corrupt(enum cnab_status st, struct cnab_err *err)
{
	if (st == CNAB_ERR_INVALID) {
		cnab_err_restatus(err, CNAB_ERR_CORRUPT);
		return CNAB_ERR_CORRUPT;
	}
	return st;
}

/* The name of an entry inside the archive, for messages. */
static char *entry_subject(const struct cnab_thick *t, const char *name)
{
	return cnab_strfmt("%s:%s", t->subject, name);
}

static enum cnab_status read_entry(struct cnab_thick *t, const char *name,
                                   char **data, size_t *len,
                                   struct cnab_err *err)
{
	struct cnab_reader r = cnab_tar_entry_reader(t->tar);
	char *subject = entry_subject(t, name);
	enum cnab_status st;

	if (!subject)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_reader_slurp(&r, CNAB_MAX_DOCUMENT, subject, data, len, err);
	free(subject);
	return st;
}

static enum cnab_status read_metadata(struct cnab_thick *t,
                                      struct cnab_thick_item *item,
                                      struct cnab_err *err)
{
	char *data = NULL, *subject = NULL;
	enum cnab_status st;
	size_t len;

	st = read_entry(t, item->name, &data, &len, err);
	if (st != CNAB_OK)
		return st;
	subject = entry_subject(t, item->name);
	if (!subject) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	switch (item->kind) {
	case CNAB_THICK_BUNDLE:
		st = cnab_bundle_parse(&t->bundle, data, len, subject, err);
		if (st == CNAB_OK) {
			t->bundle_data = data;
			t->bundle_len = len;
			data = NULL;
		}
		break;
	case CNAB_THICK_MAPPING:
		st = cnab_relocation_parse(&t->mapping, data, len, subject,
		                           err);
		break;
	case CNAB_THICK_DELTA:
		st = cnab_delta_parse(&t->delta, data, len, subject, err);
		t->is_delta = st == CNAB_OK;
		break;
	case CNAB_THICK_MARKER:
		st = cnab_layout_check_marker(data, len, subject, err);
		t->has_marker = st == CNAB_OK;
		break;
	case CNAB_THICK_INDEX:
		st = cnab_manifest_parse(&t->index, data, len,
		                         CNAB_MT_OCI_INDEX, subject, err);
		if (st == CNAB_OK && !t->index.is_index) {
			cnab_manifest_release(&t->index);
			st = cnab_err_set(err, CNAB_ERR_CORRUPT,
			                  "corrupt archive '%s': index.json "
			                  "is not an image index",
			                  t->subject);
		}
		break;
	default:
		break;
	}
out:
	free(subject);
	free(data);
	return corrupt(st, err);
}

/* Parses "artifacts/layout/blobs/ALG/HEX" into a digest. */
static enum cnab_status blob_name(struct cnab_thick *t, const char *name,
                                  struct cnab_digest *d, struct cnab_err *err)
{
	const char *rest = name + strlen(CNAB_ARCHIVE_BLOBS "/");
	const char *slash = strchr(rest, '/');
	char digest[CNAB_DIGEST_STR_MAX + 8];

	if (slash && (size_t)(slash - rest) < 8 &&
	    strlen(slash + 1) <= 2 * CNAB_DIGEST_RAW_MAX) {
		memcpy(digest, rest, (size_t)(slash - rest));
		digest[slash - rest] = ':';
		memcpy(digest + (slash - rest) + 1, slash + 1,
		       strlen(slash + 1) + 1);
		if (cnab_digest_parse(d, digest, NULL) == CNAB_OK)
			return CNAB_OK;
	}
	return cnab_err_set(err, CNAB_ERR_CORRUPT,
	                    "corrupt archive '%s': blob name '%.200s' is not "
	                    "a digest",
	                    t->subject, name);
}

static enum cnab_status classify(struct cnab_thick *t,
                                 struct cnab_thick_item *item,
                                 struct cnab_err *err)
{
	const char *n = item->name;

	if (!strcmp(n, CNAB_ARCHIVE_BUNDLE))
		item->kind = CNAB_THICK_BUNDLE;
	else if (!strcmp(n, CNAB_ARCHIVE_MAPPING))
		item->kind = CNAB_THICK_MAPPING;
	else if (!strcmp(n, CNAB_ARCHIVE_DELTA))
		item->kind = CNAB_THICK_DELTA;
	else if (!strcmp(n, CNAB_ARCHIVE_MARKER))
		item->kind = CNAB_THICK_MARKER;
	else if (!strcmp(n, CNAB_ARCHIVE_INDEX))
		item->kind = CNAB_THICK_INDEX;
	else if (!strncmp(n, CNAB_ARCHIVE_BLOBS "/",
	                  strlen(CNAB_ARCHIVE_BLOBS "/"))) {
		item->kind = CNAB_THICK_BLOB;
		return blob_name(t, n, &item->digest, err);
	} else
		item->kind = CNAB_THICK_OTHER;
	return CNAB_OK;
}

static enum cnab_status start_blob(struct cnab_thick *t,
                                   struct cnab_thick_item *item,
                                   struct cnab_err *err)
{
	struct cnab_thick_blob *b = calloc(1, sizeof(*b));
	enum cnab_status st;

	if (!b)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	b->size = item->size;
	cnab_digest_format(&item->digest, t->cur_digest);
	if (cnab_map_put(&t->blobs, t->cur_digest, b, NULL) != CNAB_OK) {
		free(b);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	t->cur = b;
	free(t->cur_subject);
	t->cur_subject = entry_subject(t, item->name);
	if (!t->cur_subject)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_verifier_init(&t->v, &item->digest, item->size,
	                        t->cur_subject, err);
	if (st != CNAB_OK)
		return st;
	t->v_ready = true;
	cnab_buf_reset(&t->capture);
	/* small blobs may be manifests: keep them until they are known */
	t->capturing = item->size <= CNAB_MAX_DOCUMENT;
	t->sniffing = t->capturing;
	return CNAB_OK;
}

/* Keeps a verified small blob if it is a manifest or an index. */
static enum cnab_status keep_manifest(struct cnab_thick *t,
                                      struct cnab_err *err)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	struct cnab_err ignored = CNAB_ERR_INIT;

	if (!cnab_json_looks_object(t->capture.data, t->capture.len))
		return CNAB_OK;
	if (cnab_manifest_parse(&m, t->capture.data, t->capture.len, NULL,
	                        t->cur_digest, &ignored) != CNAB_OK) {
		/* a config or other JSON blob: kept only if asked */
		if (!t->keep || !t->keep(t->capture.data, t->capture.len))
			return CNAB_OK;
		t->cur->other = true;
	}
	cnab_manifest_release(&m);
	if (!cnab_size_add(t->kept, t->capture.len, &t->kept) ||
	    t->kept > CNAB_ARCHIVE_MAX_MANIFESTS)
		return cnab_err_set(err, CNAB_ERR_TOOBIG,
		                    "archive '%s' holds more than %zu bytes "
		                    "of manifests",
		                    t->subject, CNAB_ARCHIVE_MAX_MANIFESTS);
	t->cur->data = cnab_buf_detach(&t->capture, &t->cur->len);
	if (!t->cur->data)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

enum cnab_status cnab_thick_blob_read(struct cnab_thick *t, const void **p,
                                      size_t *len, struct cnab_err *err)
{
	enum cnab_status st;

	*p = NULL;
	*len = 0;
	if (!t->cur)
		return CNAB_OK;
	st = cnab_tar_read_block(t->tar, p, len, err);
	if (st != CNAB_OK)
		return st;
	if (*len) {
		if (t->sniffing) {
			/*
			 * Only what may be a manifest is kept: JSON.  Decided
			 * at the first byte that is not whitespace, in
			 * whichever block it comes (a pipe may give short
			 * ones).
			 */
			size_t ws = cnab_json_ws_len(*p, *len);

			if (ws < *len) {
				t->sniffing = false;
				t->capturing = ((const char *)*p)[ws] == '{';
				if (!t->capturing)
					cnab_buf_reset(&t->capture);
			}
		}
		st = cnab_verifier_update(&t->v, *p, *len, err);
		if (st == CNAB_OK && t->capturing &&
		    cnab_buf_add(&t->capture, *p, *len) != CNAB_OK)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		return st;
	}
	/* the end: the blob is used only once it matched its name */
	st = cnab_verifier_finish(&t->v, err);
	cnab_verifier_release(&t->v);
	t->v_ready = false;
	if (st == CNAB_OK) {
		t->cur->verified = true;
		if (t->capturing)
			st = keep_manifest(t, err);
	}
	t->cur = NULL;
	return st;
}

/* Finishes the current blob: reads (and verifies) or skips the rest. */
static enum cnab_status end_blob(struct cnab_thick *t, struct cnab_err *err)
{
	enum cnab_status st;
	const void *p;
	size_t len;

	if (!t->cur)
		return CNAB_OK;
	if (!t->verify && !t->capturing) {
		cnab_verifier_release(&t->v);
		t->v_ready = false;
		t->cur = NULL;
		return CNAB_OK;
	}
	do
		st = cnab_thick_blob_read(t, &p, &len, err);
	while (st == CNAB_OK && len);
	return st;
}

enum cnab_status cnab_thick_next(struct cnab_thick *t,
                                 struct cnab_thick_item *item, bool *eof,
                                 struct cnab_err *err)
{
	struct cnab_tar_entry e;
	enum cnab_status st;

	st = end_blob(t, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_tar_next(t->tar, &e, eof, err);
	if (st != CNAB_OK || *eof)
		return st;
	memset(item, 0, sizeof(*item));
	item->name = e.name;
	item->size = e.size;
	if (e.type == CNAB_TAR_DIR) {
		item->kind = CNAB_THICK_OTHER;
		return CNAB_OK;
	}
	t->nfiles++;
	st = classify(t, item, err);
	if (st != CNAB_OK)
		return st;
	switch (item->kind) {
	case CNAB_THICK_BUNDLE:
		t->bundle_first = t->nfiles == 1;
		/* fall through */
	case CNAB_THICK_MAPPING:
	case CNAB_THICK_DELTA:
	case CNAB_THICK_MARKER:
	case CNAB_THICK_INDEX:
		return read_metadata(t, item, err);
	case CNAB_THICK_BLOB:
		return start_blob(t, item, err);
	case CNAB_THICK_OTHER:
		break;
	}
	return CNAB_OK;
}

enum cnab_status cnab_thick_finish(struct cnab_thick *t, struct cnab_err *err)
{
	struct cnab_thick_item item;
	enum cnab_status st;
	bool eof = false;

	do
		st = cnab_thick_next(t, &item, &eof, err);
	while (st == CNAB_OK && !eof);
	return st;
}

static const struct cnab_descriptor *by_ref(const struct cnab_thick *t,
                                            const char *ref)
{
	size_t i;

	for (i = 0; ref && i < t->index.nmanifests; i++) {
		const struct cnab_descriptor *d = &t->index.manifests[i];

		if (cnab_ref_same(cnab_descriptor_annotation(
		                          d, CNAB_ANNOTATION_REF_NAME),
		                  ref))
			return d;
	}
	return NULL;
}

enum cnab_status cnab_thick_find_image(const struct cnab_thick *t,
                                       const struct cnab_bundle_image *img,
                                       struct cnab_descriptor *out,
                                       struct cnab_err *err)
{
	const char *relocated = cnab_relocation_get(&t->mapping, img->image);
	const struct cnab_descriptor *d;
	struct cnab_thick_blob *blob;
	enum cnab_status st;
	size_t i;

	d = by_ref(t, img->image);
	if (!d)
		d = by_ref(t, relocated);
	for (i = 0; !d && img->content_digest && i < t->index.nmanifests; i++) {
		char digest[CNAB_DIGEST_STR_MAX];

		cnab_digest_format(&t->index.manifests[i].digest, digest);
		if (!strcmp(digest, img->content_digest))
			d = &t->index.manifests[i];
	}
	if (d) {
		/* the digests the image's references and contentDigest pin,
		 * whichever found it (a ref-name annotation may lie) */
		st = cnab_image_check_pins(img->image, img->content_digest,
		                           &d->digest, t->label, err);
		if (st == CNAB_OK)
			st = cnab_image_check_pins(relocated, NULL, &d->digest,
			                           t->label, err);
		if (st == CNAB_OK && cnab_descriptor_copy(out, d) != CNAB_OK)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		return st;
	}
	/* not in index.json: a manifest blob named by contentDigest */
	blob = img->content_digest
	               ? cnab_map_get(&t->blobs, img->content_digest)
	               : NULL;
	if (blob && blob->data && !blob->other) {
		struct cnab_manifest m = CNAB_MANIFEST_INIT;

		/* found by contentDigest: the reference must pin the same */
		st = cnab_image_check_pins(img->image, img->content_digest,
		                           NULL, t->label, err);
		if (st != CNAB_OK)
			return st;
		memset(out, 0, sizeof(*out));
		if (cnab_manifest_parse(&m, blob->data, blob->len, NULL,
		                        img->content_digest, err) != CNAB_OK)
			return corrupt(CNAB_ERR_INVALID, err);
		cnab_digest_parse(&out->digest, img->content_digest, NULL);
		out->size = blob->len;
		out->media_type = m.media_type;
		m.media_type = NULL;
		cnab_manifest_release(&m);
		return CNAB_OK;
	}
	return cnab_err_set(err, CNAB_ERR_CORRUPT,
	                    "image '%s' is missing from archive '%s'",
	                    img->image, t->subject);
}

enum cnab_status cnab_thick_blob_copy(const struct cnab_thick_blob *b,
                                      const struct cnab_descriptor *d,
                                      char **data, size_t *len,
                                      struct cnab_err *err)
{
	char digest[CNAB_DIGEST_STR_MAX];

	if (b->len != d->size)
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "size mismatch for '%s': archived %zu "
		                    "bytes, descriptor says %llu",
		                    CNAB_DESC_DIGEST(d, digest), b->len,
		                    (unsigned long long)d->size);
	*data = malloc(b->len + 1);
	if (!*data)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	memcpy(*data, b->data, b->len);
	(*data)[b->len] = '\0';
	*len = b->len;
	return CNAB_OK;
}

static enum cnab_status get_manifest(void *ctx, const struct cnab_descriptor *d,
                                     char **data, size_t *len,
                                     struct cnab_err *err)
{
	struct cnab_thick *t = ctx;
	char digest[CNAB_DIGEST_STR_MAX];
	struct cnab_thick_blob *b;

	cnab_digest_format(&d->digest, digest);
	b = cnab_map_get(&t->blobs, digest);
	if (!b || !b->data || b->other)
		return cnab_err_set(err, CNAB_ERR_NOTFOUND,
		                    "manifest %s is missing from archive '%s'",
		                    digest, t->subject);
	return cnab_thick_blob_copy(b, d, data, len, err);
}

static enum cnab_status has_blob(void *ctx, const struct cnab_descriptor *d,
                                 bool *has, struct cnab_err *err)
{
	struct cnab_thick *t = ctx;
	char digest[CNAB_DIGEST_STR_MAX];
	struct cnab_thick_blob *b;

	cnab_digest_format(&d->digest, digest);
	b = cnab_map_get(&t->blobs, digest);
	*has = b && (b->verified || !t->verify);
	if (!b && t->is_delta) {
		const struct cnab_delta_blob *o =
		        cnab_delta_find(&t->delta, digest);

		*has = o != NULL;
		if (o && o->size != d->size)
			return cnab_err_set(err, CNAB_ERR_INTEGRITY,
			                    "size mismatch for '%s': %s "
			                    "records %llu bytes, descriptor "
			                    "says %llu",
			                    digest, CNAB_ARCHIVE_DELTA,
			                    (unsigned long long)o->size,
			                    (unsigned long long)d->size);
	}
	if (b && b->size != d->size)
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "size mismatch for '%s': archived %llu "
		                    "bytes, descriptor says %llu",
		                    digest, (unsigned long long)b->size,
		                    (unsigned long long)d->size);
	return CNAB_OK;
}

struct cnab_blob_source cnab_thick_source(struct cnab_thick *t)
{
	struct cnab_blob_source s = {get_manifest, has_blob, t, t->label};

	return s;
}

/* A base that is not a thick archive: "base 'X' is not ...: REASON". */
static enum cnab_status not_base(const char *subject, enum cnab_status st,
                                 struct cnab_err *err)
{
	char reason[CNAB_ERR_MSG_MAX];

	if (st == CNAB_ERR_NOMEM || st == CNAB_ERR_IO)
		return st;
	if (!err)
		return CNAB_ERR_CORRUPT;
	snprintf(reason, sizeof(reason), "%s", err->msg);
	cnab_err_clear(err);
	return cnab_err_set(err, CNAB_ERR_CORRUPT,
	                    "base '%s' is not a thick archive: %s", subject,
	                    reason);
}

enum cnab_status cnab_thick_read_base(struct cnab_reader src,
                                      const char *subject, bool verify,
                                      char digest[CNAB_DIGEST_STR_MAX],
                                      struct cnab_map *blobs,
                                      struct cnab_err *err)
{
	struct cnab_image_tree tree = CNAB_IMAGE_TREE_INIT;
	struct cnab_blob_source blobsrc;
	struct cnab_thick t;
	enum cnab_status st;
	size_t i;

	st = cnab_thick_open_reader(&t, src, subject, verify, err);
	if (st == CNAB_OK)
		st = cnab_thick_finish(&t, err);
	if (st != CNAB_OK) {
		st = not_base(subject, st, err);
		goto out;
	}
	if (!t.bundle_data) {
		st = cnab_err_set(err, CNAB_ERR_CORRUPT,
		                  "base '%s' is not a thick archive: no "
		                  "bundle.json",
		                  subject);
		goto out;
	}
	if (t.is_delta) {
		st = cnab_err_set(err, CNAB_ERR_CORRUPT,
		                  "base '%s' is a delta archive, not a thick "
		                  "archive: the %zu blobs it leaves out are "
		                  "missing (give the whole archive)",
		                  subject, t.delta.n);
		goto out;
	}
	st = cnab_delta_bundle_digest(t.bundle_data, t.bundle_len, digest, err);
	blobsrc = cnab_thick_source(&t);
	for (i = 0; i < t.bundle.nimages && st == CNAB_OK; i++) {
		const struct cnab_bundle_image *img = &t.bundle.images[i];
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;

		if (!cnab_bundle_image_is_oci(img))
			continue;
		st = cnab_thick_find_image(&t, img, &d, err);
		if (st == CNAB_OK)
			st = cnab_image_tree_add(&tree, &blobsrc, &d,
			                         img->image, err);
		cnab_descriptor_release(&d);
		if (st != CNAB_OK)
			st = not_base(subject, st, err);
	}
	for (i = 0; i < tree.n && st == CNAB_OK; i++) {
		char dg[CNAB_DIGEST_STR_MAX];

		cnab_digest_format(&tree.nodes[i].desc.digest, dg);
		if (cnab_map_put(blobs, dg, NULL, NULL) != CNAB_OK)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
out:
	cnab_image_tree_release(&tree);
	cnab_thick_release(&t);
	return st;
}

enum cnab_status cnab_thick_writer_open(struct cnab_thick_writer *w, int fd,
                                        int level, int64_t mtime,
                                        const char *subject,
                                        struct cnab_err *err)
{
	return cnab_tar_writer_open(&w->tar, fd, level, mtime, subject, err);
}

enum cnab_status cnab_thick_writer_open_writer(struct cnab_thick_writer *w,
                                               struct cnab_writer sink,
                                               int level, int64_t mtime,
                                               const char *subject,
                                               struct cnab_err *err)
{
	return cnab_tar_writer_open_writer(&w->tar, sink, level, mtime, subject,
	                                   err);
}

static enum cnab_status write_file(struct cnab_thick_writer *w,
                                   const char *name, const void *data,
                                   size_t len, struct cnab_err *err)
{
	enum cnab_status st;

	st = cnab_tar_writer_file(w->tar, name, len, true, err);
	if (st == CNAB_OK)
		st = cnab_tar_writer_write(w->tar, data, len, err);
	return st;
}

enum cnab_status cnab_thick_writer_head(struct cnab_thick_writer *w,
                                        const void *bundle, size_t bundle_len,
                                        const struct cnab_buf *delta,
                                        const void *mapping, size_t mapping_len,
                                        const void *index, size_t index_len,
                                        struct cnab_err *err)
{
	static const char marker[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	static const char *const dirs[] = {"artifacts", CNAB_ARCHIVE_LAYOUT,
	                                   CNAB_ARCHIVE_BLOBS,
	                                   CNAB_ARCHIVE_BLOBS "/sha256"};
	enum cnab_status st;
	size_t i;

	st = write_file(w, CNAB_ARCHIVE_BUNDLE, bundle, bundle_len, err);
	if (st == CNAB_OK && delta)
		st = write_file(w, CNAB_ARCHIVE_DELTA, delta->data, delta->len,
		                err);
	if (st == CNAB_OK)
		st = write_file(w, CNAB_ARCHIVE_MAPPING, mapping, mapping_len,
		                err);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && st == CNAB_OK; i++)
		st = cnab_tar_writer_dir(w->tar, dirs[i], err);
	if (st == CNAB_OK)
		st = write_file(w, CNAB_ARCHIVE_MARKER, marker,
		                sizeof(marker) - 1, err);
	if (st == CNAB_OK)
		st = write_file(w, CNAB_ARCHIVE_INDEX, index, index_len, err);
	return st;
}

enum cnab_status cnab_thick_writer_blob(struct cnab_thick_writer *w,
                                        const struct cnab_descriptor *d,
                                        bool compressible, struct cnab_err *err)
{
	char hex[2 * CNAB_DIGEST_RAW_MAX + 1];
	char *name;
	enum cnab_status st;

	cnab_digest_hex(&d->digest, hex);
	name = cnab_strfmt(CNAB_ARCHIVE_BLOBS "/%s/%s",
	                   cnab_digest_alg_name(d->digest.alg), hex);
	if (!name)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_tar_writer_file(w->tar, name, d->size, compressible, err);
	free(name);
	return st;
}

enum cnab_status cnab_thick_writer_blob_write(struct cnab_thick_writer *w,
                                              const void *p, size_t n,
                                              struct cnab_err *err)
{
	return cnab_tar_writer_write(w->tar, p, n, err);
}

enum cnab_status cnab_thick_writer_close(struct cnab_thick_writer *w,
                                         struct cnab_err *err)
{
	return cnab_tar_writer_close(w->tar, err);
}

void cnab_thick_writer_free(struct cnab_thick_writer *w)
{
	cnab_tar_writer_free(w->tar);
	w->tar = NULL;
}

enum cnab_status cnab_thick_index_add(json_t *index,
                                      const struct cnab_descriptor *d,
                                      const char *ref_name,
                                      struct cnab_err *err)
{
	return cnab_index_append(
	        index, d,
	        json_pack("{s:s}", CNAB_ANNOTATION_REF_NAME, ref_name), err);
}
