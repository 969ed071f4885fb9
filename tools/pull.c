#include "tools/pull.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/image.h"

static enum cnab_status to_buf(void *ctx, const void *p, size_t n,
                               struct cnab_err *err)
{
	if (cnab_buf_add(ctx, p, n) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_TOOBIG,
		                    "the bundle config is too large");
	return CNAB_OK;
}

/* The config manifest, then the config blob it names. */
static enum cnab_status pull_config(struct cnab_pulled *p, struct cnab_err *err)
{
	struct cnab_reg_manifest m;
	struct cnab_descriptor blob = CNAB_DESCRIPTOR_INIT;
	struct cnab_buf data = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;

	cnab_digest_format(&p->index.config->digest, digest);
	st = cnab_reg_get_manifest(p->reg, p->ref.path, digest, &m, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_oci_config_blob(m.data, m.len, m.media_type, &blob, digest,
	                          err);
	if (st == CNAB_OK && blob.size > CNAB_MAX_DOCUMENT)
		st = cnab_err_set(
		        err, CNAB_ERR_TOOBIG,
		        "the bundle config of '%s' is larger than %zu "
		        "bytes",
		        p->subject, CNAB_MAX_DOCUMENT);
	if (st == CNAB_OK)
		st = cnab_reg_get_blob(p->reg, p->ref.path, &blob, to_buf,
		                       &data, err);
	if (st == CNAB_OK) {
		p->bundle_data = cnab_buf_detach(&data, &p->bundle_len);
		if (!p->bundle_data)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	cnab_buf_release(&data);
	cnab_descriptor_release(&blob);
	cnab_reg_manifest_release(&m);
	return st;
}

enum cnab_status cnab_pull_bundle(struct cnab_pulled *p,
                                  struct cnab_registry *reg, const char *ref,
                                  struct cnab_err *err)
{
	const char *want;
	enum cnab_status st;

	memset(p, 0, sizeof(*p));
	p->reg = reg;
	st = cnab_ref_parse(&p->ref, ref, err);
	if (st != CNAB_OK)
		return st;
	p->subject = strdup(ref);
	p->name = cnab_ref_name(&p->ref);
	if (!p->subject || !p->name ||
	    cnab_relocation_init(&p->mapping, err) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	want = p->ref.digest ? p->ref.digest
	       : p->ref.tag  ? p->ref.tag
	                     : "latest";
	/* a pin that cannot be verified is refused before the request, and
	 * what the registry answered must be what the pin names */
	st = cnab_image_check_pins(ref, NULL, NULL, NULL, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_reg_get_manifest(reg, p->ref.path, want, &p->raw, err);
	if (st == CNAB_OK)
		st = cnab_image_check_pins(ref, NULL, &p->raw.digest, NULL,
		                           err);
	if (st == CNAB_OK)
		st = cnab_oci_pull_index(&p->index, p->raw.data, p->raw.len,
		                         p->raw.media_type, ref, err);
	if (st == CNAB_OK)
		st = pull_config(p, err);
	if (st == CNAB_OK) {
		char *subject = cnab_strfmt("bundle.json of '%s'", ref);

		st = subject ? cnab_bundle_parse(&p->bundle, p->bundle_data,
		                                 p->bundle_len, subject, err)
		             : cnab_err_set(err, CNAB_ERR_NOMEM,
		                            "out of memory");
		free(subject);
	}
	if (st == CNAB_OK) {
		p->images = calloc(p->bundle.nimages + 1, sizeof(*p->images));
		if (!p->images)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		st = cnab_oci_relocation(&p->bundle, &p->index, p->name,
		                         &p->mapping, p->images, err);
	}
	/* malformed content from a registry is corruption (a bundle.json
	 * pinning an image by sha384 among it) */
	if (st == CNAB_ERR_INVALID) {
		cnab_err_restatus(err, CNAB_ERR_CORRUPT);
		st = CNAB_ERR_CORRUPT;
	}
	return st;
}

void cnab_pulled_release(struct cnab_pulled *p)
{
	cnab_ref_release(&p->ref);
	free(p->name);
	free(p->subject);
	cnab_reg_manifest_release(&p->raw);
	cnab_oci_pulled_release(&p->index);
	free(p->bundle_data);
	cnab_bundle_release(&p->bundle);
	cnab_relocation_release(&p->mapping);
	free(p->images);
	memset(p, 0, sizeof(*p));
}

enum cnab_status
cnab_pull_add_images(struct cnab_transfer *t, const struct cnab_bundle *b,
                     const struct cnab_descriptor *const *in_bundle,
                     const char *verb, struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i;

	for (i = 0; i < b->nimages && st == CNAB_OK; i++) {
		const struct cnab_bundle_image *img = &b->images[i];
		char label[300];

		if (!cnab_bundle_image_is_oci(img)) {
			cnab_bundle_image_label(img, label, sizeof(label));
			return cnab_err_set(
			        err, CNAB_ERR_INVALID,
			        "cannot %s %s '%s': image type '%s' "
			        "is not held in registries",
			        verb, label, img->image, img->image_type);
		}
		st = cnab_transfer_add(t, img->image, img->content_digest,
		                       in_bundle ? in_bundle[i] : NULL, err);
	}
	return st;
}
