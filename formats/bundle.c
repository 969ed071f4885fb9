#include "formats/bundle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/reference.h"

void cnab_bundle_image_label(const struct cnab_bundle_image *img, char *buf,
                             size_t size)
{
	if (img->name)
		snprintf(buf, size, "image '%s'", img->name);
	else
		snprintf(buf, size, "invocation image %zu", img->index);
}

bool cnab_bundle_image_is_oci(const struct cnab_bundle_image *img)
{
	return !strcmp(img->image_type, "oci") ||
	       !strcmp(img->image_type, "docker");
}

/* Reads an image object's fields into img. */
static enum cnab_status read_image(struct cnab_bundle_image *img, json_t *obj,
                                   const char *subject, struct cnab_err *err)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err rerr = CNAB_ERR_INIT;
	char label[300];
	enum cnab_status st;

	cnab_bundle_image_label(img, label, sizeof(label));
	if (!json_is_object(obj))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': %s must be an object",
		                    subject, label);
	img->obj = obj;
	st = cnab_json_get_string(obj, "image", true, &img->image, subject,
	                          err);
	if (st == CNAB_OK)
		st = cnab_json_get_string(obj, "imageType", false,
		                          &img->image_type, subject, err);
	if (st == CNAB_OK)
		st = cnab_json_get_string(obj, "contentDigest", false,
		                          &img->content_digest, subject, err);
	if (st == CNAB_OK)
		st = cnab_json_get_string(obj, "mediaType", false,
		                          &img->media_type, subject, err);
	if (st == CNAB_OK)
		st = cnab_json_get_string(obj, "description", false,
		                          &img->description, subject, err);
	if (st == CNAB_OK)
		st = cnab_json_get_u64(obj, "size", false, &img->size,
		                       &img->has_size, subject, err);
	if (st != CNAB_OK)
		return st;
	if (!img->image_type)
		img->image_type = "oci";
	if (!cnab_bundle_image_is_oci(img))
		return CNAB_OK;
	if (cnab_ref_parse(&ref, img->image, &rerr) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': %s: %s", subject, label,
		                    rerr.msg);
	cnab_ref_release(&ref);
	return CNAB_OK;
}

static int by_name(const void *a, const void *b)
{
	const struct cnab_bundle_image *x = a, *y = b;

	return strcmp(x->name, y->name);
}

enum cnab_status cnab_bundle_from_json(struct cnab_bundle *b, json_t *root,
                                       const char *subject,
                                       struct cnab_err *err)
{
	json_t *inv, *imgs, *v;
	enum cnab_status st;
	size_t i, n, ninv, ncomp;
	const char *key;

	memset(b, 0, sizeof(*b));
	b->root = json_incref(root);
	if (!json_is_object(root)) {
		st = cnab_err_set(
		        err, CNAB_ERR_INVALID,
		        "invalid '%s': a bundle must be a JSON object",
		        subject);
		goto out;
	}
	st = cnab_json_get_string(root, "schemaVersion", true,
	                          &b->schema_version, subject, err);
	if (st == CNAB_OK)
		st = cnab_json_get_string(root, "name", true, &b->name, subject,
		                          err);
	if (st == CNAB_OK)
		st = cnab_json_get_string(root, "version", true, &b->version,
		                          subject, err);
	if (st == CNAB_OK)
		st = cnab_json_get_string(root, "description", false,
		                          &b->description, subject, err);
	if (st != CNAB_OK)
		goto out;
	inv = json_object_get(root, "invocationImages");
	if (!inv) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': missing field "
		                  "'invocationImages'",
		                  subject);
		goto out;
	}
	if (!json_is_array(inv) || !json_array_size(inv)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': 'invocationImages' must be a "
		                  "non-empty array",
		                  subject);
		goto out;
	}
	imgs = json_object_get(root, "images");
	if (imgs && !json_is_object(imgs)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': 'images' must be an object",
		                  subject);
		goto out;
	}
	ninv = json_array_size(inv);
	ncomp = imgs ? json_object_size(imgs) : 0;
	n = ninv + ncomp;
	b->images = calloc(n, sizeof(*b->images));
	if (!b->images) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	b->ninvocation = ninv;
	b->nimages = n;
	for (i = 0; i < ninv && st == CNAB_OK; i++) {
		b->images[i].index = i;
		st = read_image(&b->images[i], json_array_get(inv, i), subject,
		                err);
	}
	if (st != CNAB_OK)
		goto out;
	i = ninv;
	if (imgs) {
		json_object_foreach(imgs, key, v)
		{
			b->images[i].name = key;
			st = read_image(&b->images[i], v, subject, err);
			if (st != CNAB_OK)
				goto out;
			i++;
		}
		qsort(b->images + ninv, ncomp, sizeof(*b->images), by_name);
	}
out:
	if (st != CNAB_OK)
		cnab_bundle_release(b);
	return st;
}

enum cnab_status cnab_bundle_parse(struct cnab_bundle *b, const void *data,
                                   size_t len, const char *subject,
                                   struct cnab_err *err)
{
	enum cnab_status st;
	json_t *root;

	memset(b, 0, sizeof(*b));
	st = cnab_json_parse(data, len, CNAB_MAX_DOCUMENT,
	                     CNAB_JSON_NUMBERS_AS_REAL, subject, &root, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_bundle_from_json(b, root, subject, err);
	json_decref(root);
	return st;
}

void cnab_bundle_release(struct cnab_bundle *b)
{
	json_decref(b->root);
	free(b->images);
	memset(b, 0, sizeof(*b));
}

enum cnab_status cnab_bundle_canonical(const struct cnab_bundle *b,
                                       struct cnab_buf *out,
                                       struct cnab_err *err)
{
	enum cnab_status st = cnab_json_canonical(b->root, out);

	if (st != CNAB_OK)
		return cnab_err_set(err, st,
		                    "cannot write canonical bundle.json: %s",
		                    cnab_strerror(st));
	return CNAB_OK;
}

static enum cnab_status set_string(json_t *obj, const char *key,
                                   const char *value, struct cnab_err *err)
{
	if (json_object_set_new(obj, key, json_string(value)))
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

enum cnab_status cnab_bundle_fill_image(struct cnab_bundle *b,
                                        struct cnab_bundle_image *img,
                                        const char *digest, uint64_t size,
                                        const char *media_type,
                                        struct cnab_err *err)
{
	char label[300];
	enum cnab_status st = CNAB_OK;

	(void)b;
	cnab_bundle_image_label(img, label, sizeof(label));
	if (img->content_digest && strcmp(img->content_digest, digest))
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "%s '%s': contentDigest %.150s does not "
		                    "match the archived %s",
		                    label, img->image, img->content_digest,
		                    digest);
	if (img->has_size && img->size != size)
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "%s '%s': size %" PRIu64 " does not match "
		                    "the archived %" PRIu64,
		                    label, img->image, img->size, size);
	if (img->media_type && strcmp(img->media_type, media_type))
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "%s '%s': mediaType %.100s does not match "
		                    "the archived %.100s",
		                    label, img->image, img->media_type,
		                    media_type);
	if (!img->content_digest)
		st = set_string(img->obj, "contentDigest", digest, err);
	if (st == CNAB_OK && !img->has_size &&
	    json_object_set_new(img->obj, "size",
	                        json_integer((json_int_t)size)))
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (st == CNAB_OK && !img->media_type)
		st = set_string(img->obj, "mediaType", media_type, err);
	if (st != CNAB_OK)
		return st;
	img->content_digest =
	        json_string_value(json_object_get(img->obj, "contentDigest"));
	img->media_type =
	        json_string_value(json_object_get(img->obj, "mediaType"));
	img->size = size;
	img->has_size = true;
	return CNAB_OK;
}
