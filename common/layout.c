#include "common/layout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/fsutil.h"
#include "common/json.h"
#include "common/reference.h"

enum cnab_status cnab_layout_check_marker(const char *data, size_t len,
                                          const char *subject,
                                          struct cnab_err *err)
{
	const char *version;
	enum cnab_status st;
	json_t *root;

	st = cnab_json_parse(data, len, CNAB_MAX_DOCUMENT, 0, subject, &root,
	                     err);
	if (st != CNAB_OK)
		return st;
	st = cnab_json_get_string(root, "imageLayoutVersion", true, &version,
	                          subject, err);
	if (st == CNAB_OK && strcmp(version, "1.0.0"))
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': unsupported image layout "
		                  "version '%.50s'",
		                  subject, version);
	json_decref(root);
	return st;
}

enum cnab_status cnab_layout_open(struct cnab_layout *l, const char *dir,
                                  struct cnab_err *err)
{
	char *path = NULL, *data = NULL;
	enum cnab_status st;
	size_t len;

	memset(l, 0, sizeof(*l));
	l->dir = strdup(dir);
	l->label = cnab_strfmt("layout '%s'", dir);
	path = cnab_strfmt("%s/oci-layout", dir);
	if (!l->dir || !l->label || !path) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_file_read(path, CNAB_MAX_DOCUMENT, &data, &len, NULL);
	if (st == CNAB_ERR_NOTFOUND) {
		st = cnab_err_set(err, st,
		                  "'%s' is not an OCI image layout: it has no "
		                  "oci-layout file",
		                  dir);
		goto out;
	}
	if (st == CNAB_OK)
		st = cnab_layout_check_marker(data, len, path, err);
	else
		st = cnab_file_read(path, CNAB_MAX_DOCUMENT, &data, &len, err);
	if (st != CNAB_OK)
		goto out;
	free(path);
	free(data);
	data = NULL;
	path = cnab_strfmt("%s/index.json", dir);
	if (!path) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_file_read(path, CNAB_MAX_DOCUMENT, &data, &len, err);
	if (st == CNAB_OK)
		st = cnab_manifest_parse(&l->index, data, len,
		                         CNAB_MT_OCI_INDEX, path, err);
	if (st == CNAB_OK && !l->index.is_index)
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': not an image index", path);
out:
	free(path);
	free(data);
	if (st != CNAB_OK)
		cnab_layout_release(l);
	return st;
}

void cnab_layout_release(struct cnab_layout *l)
{
	free(l->dir);
	l->dir = NULL;
	free(l->label);
	l->label = NULL;
	cnab_manifest_release(&l->index);
}

char *cnab_layout_blob_path(const struct cnab_layout *l,
                            const struct cnab_digest *d)
{
	char hex[2 * CNAB_DIGEST_RAW_MAX + 1];

	cnab_digest_hex(d, hex);
	return cnab_strfmt("%s/blobs/%s/%s", l->dir,
	                   cnab_digest_alg_name(d->alg), hex);
}

enum cnab_status cnab_layout_find_image(const struct cnab_layout *l,
                                        const char *ref,
                                        const char *content_digest,
                                        struct cnab_descriptor *out,
                                        struct cnab_err *err)
{
	struct cnab_ref r = CNAB_REF_INIT;
	const struct cnab_descriptor *d = NULL;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	size_t i;

	if (cnab_ref_parse(&r, ref, NULL) == CNAB_ERR_NOMEM)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	for (i = 0; !d && i < l->index.nmanifests; i++) {
		const struct cnab_descriptor *c = &l->index.manifests[i];

		cnab_digest_format(&c->digest, digest);
		if (cnab_ref_same(cnab_descriptor_annotation(
		                          c, CNAB_ANNOTATION_REF_NAME),
		                  ref) ||
		    (r.digest && !strcmp(r.digest, digest)) ||
		    (content_digest && !strcmp(content_digest, digest)))
			d = c;
	}
	cnab_ref_release(&r);
	if (!d)
		return CNAB_ERR_NOTFOUND;
	st = cnab_image_check_pins(ref, content_digest, &d->digest, l->label,
	                           err);
	if (st == CNAB_OK && cnab_descriptor_copy(out, d) != CNAB_OK)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return st;
}

static enum cnab_status get_manifest(void *ctx, const struct cnab_descriptor *d,
                                     char **data, size_t *len,
                                     struct cnab_err *err)
{
	struct cnab_layout *l = ctx;
	char *path = cnab_layout_blob_path(l, &d->digest);
	struct cnab_verifier v;
	enum cnab_status st;

	if (!path)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_file_read(path, CNAB_MAX_DOCUMENT, data, len, err);
	if (st != CNAB_OK)
		goto out;
	st = cnab_verifier_init(&v, &d->digest, d->size, path, err);
	if (st == CNAB_OK) {
		st = cnab_verifier_update(&v, *data, *len, err);
		if (st == CNAB_OK)
			st = cnab_verifier_finish(&v, err);
		cnab_verifier_release(&v);
	}
	if (st != CNAB_OK) {
		free(*data);
		*data = NULL;
	}
out:
	free(path);
	return st;
}

static enum cnab_status has_blob(void *ctx, const struct cnab_descriptor *d,
                                 bool *has, struct cnab_err *err)
{
	struct cnab_layout *l = ctx;
	char *path = cnab_layout_blob_path(l, &d->digest);
	struct stat sb;

	if (!path)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	*has = stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	       (uint64_t)sb.st_size == d->size;
	free(path);
	return CNAB_OK;
}

struct cnab_blob_source cnab_layout_source(struct cnab_layout *l)
{
	struct cnab_blob_source s = {get_manifest, has_blob, l, l->label};

	return s;
}
