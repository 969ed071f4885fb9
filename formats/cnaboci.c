#include "formats/cnaboci.h"

#include <stdlib.h>
#include <string.h>

#include "common/image.h"
#include "common/json.h"
#include "common/reference.h"

enum cnab_status
cnab_oci_config_manifest(const struct cnab_digest *blob, uint64_t size,
                         enum cnab_oci_config_form form, struct cnab_buf *out,
                         const char **config_mt, const char **manifest_mt,
                         struct cnab_err *err)
{
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	json_t *m;

	cnab_digest_format(blob, digest);
	if (form == CNAB_OCI_CONFIG_DOCKER) {
		/* Docker's schema2 manifest: its descriptors put size before
		 * digest, the config is also the one layer, and it is
		 * indented with three spaces (distribution's MarshalJSON) */
		*config_mt = CNAB_MT_DOCKER_CONFIG;
		*manifest_mt = CNAB_MT_DOCKER_MANIFEST;
		m = json_pack("{s:i,s:s,s:{s:s,s:I,s:s},s:[{s:s,s:I,s:s}]}",
		              "schemaVersion", 2, "mediaType", *manifest_mt,
		              "config", "mediaType", *config_mt, "size",
		              (json_int_t)size, "digest", digest, "layers",
		              "mediaType", *config_mt, "size", (json_int_t)size,
		              "digest", digest);
	} else {
		*config_mt = form == CNAB_OCI_CONFIG_CNAB ? CNAB_MT_CNAB_CONFIG
		                                          : CNAB_MT_OCI_CONFIG;
		*manifest_mt = CNAB_MT_OCI_MANIFEST;
		m = json_pack("{s:i,s:{s:s,s:s,s:I},s:n}", "schemaVersion", 2,
		              "config", "mediaType", *config_mt, "digest",
		              digest, "size", (json_int_t)size, "layers");
	}
	if (!m)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = form == CNAB_OCI_CONFIG_DOCKER ? cnab_json_go_indent(m, "   ", out)
	                                    : cnab_json_go(m, out);
	json_decref(m);
	if (st != CNAB_OK)
		return cnab_err_set(err, st,
		                    "cannot write the config manifest");
	return CNAB_OK;
}

enum cnab_status cnab_oci_image_descriptor(const struct cnab_bundle_image *img,
                                           struct cnab_descriptor *out,
                                           struct cnab_err *err)
{
	const char *mt = img->media_type;
	char label[300];

	cnab_bundle_image_label(img, label, sizeof(label));
	memset(out, 0, sizeof(*out));
	if (!mt) {
		if (!strcmp(img->image_type, "docker"))
			mt = CNAB_MT_DOCKER_MANIFEST;
		else if (!strcmp(img->image_type, "oci"))
			mt = CNAB_MT_OCI_MANIFEST;
		else
			return cnab_err_set(err, CNAB_ERR_INVALID,
			                    "%s '%s': unsupported image type "
			                    "'%s'",
			                    label, img->image, img->image_type);
	}
	if (!cnab_mt_is_manifest_or_index(mt))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "%s '%s': unsupported media type '%s'",
		                    label, img->image, mt);
	if (!img->content_digest ||
	    cnab_digest_parse(&out->digest, img->content_digest, NULL) !=
	            CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "%s '%s': no valid contentDigest", label,
		                    img->image);
	if (!img->has_size || !img->size)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "%s '%s': size is not set", label,
		                    img->image);
	out->size = img->size;
	out->media_type = strdup(mt);
	if (!out->media_type)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

/* A member of the bundle document, Go-marshalled as cnab-go's types do. */
static enum cnab_status go_member(const json_t *root, const char *key,
                                  bool maintainers, char **out,
                                  struct cnab_err *err)
{
	struct cnab_buf buf = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	json_t *v = json_object_get(root, key), *list = NULL, *item;
	enum cnab_status st = CNAB_OK;
	size_t i;

	*out = NULL;
	if (!v || json_is_null(v))
		return CNAB_OK; /* nil in Go: no annotation */
	if (!json_is_array(v))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid bundle: '%s' must be an array",
		                    key);
	list = json_array();
	if (!list)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	json_array_foreach(v, i, item)
	{
		json_t *o;
		const char *name, *email, *url;

		if (!maintainers) {
			if (!json_is_string(item)) {
				st = cnab_err_set(err, CNAB_ERR_INVALID,
				                  "invalid bundle: keywords "
				                  "must be strings");
				goto out;
			}
			json_array_append(list, item);
			continue;
		}
		/* struct Maintainer {name; email,omitempty; url,omitempty} */
		if (cnab_json_get_string(item, "name", false, &name, "bundle",
		                         err) != CNAB_OK ||
		    cnab_json_get_string(item, "email", false, &email, "bundle",
		                         err) != CNAB_OK ||
		    cnab_json_get_string(item, "url", false, &url, "bundle",
		                         err) != CNAB_OK) {
			st = CNAB_ERR_INVALID;
			goto out;
		}
		o = json_pack("{s:s}", "name", name ? name : "");
		if (o && email && *email)
			json_object_set_new(o, "email", json_string(email));
		if (o && url && *url)
			json_object_set_new(o, "url", json_string(url));
		if (!o || json_array_append_new(list, o)) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	st = cnab_json_go(list, &buf);
	if (st != CNAB_OK) {
		cnab_err_set(err, st, "cannot write the '%s' annotation", key);
		goto out;
	}
	*out = cnab_buf_detach(&buf, NULL);
	if (!*out)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	cnab_buf_release(&buf);
	json_decref(list);
	return st;
}

static enum cnab_status annotations(const struct cnab_bundle *b, json_t **out,
                                    struct cnab_err *err)
{
	char *authors = NULL, *keywords = NULL;
	enum cnab_status st;
	json_t *a;

	st = go_member(b->root, "maintainers", true, &authors, err);
	if (st == CNAB_OK)
		st = go_member(b->root, "keywords", false, &keywords, err);
	if (st != CNAB_OK)
		goto out;
	a = json_pack("{s:s,s:s,s:s,s:s,s:s}", CNAB_ANN_RUNTIME,
	              b->schema_version, "org.opencontainers.image.title",
	              b->name, "org.opencontainers.image.version", b->version,
	              "org.opencontainers.image.description",
	              b->description ? b->description : "",
	              CNAB_ANN_ARTIFACT_TYPE, CNAB_ARTIFACT_TYPE);
	if (!a ||
	    (authors && json_object_set_new(a,
	                                    "org.opencontainers.image."
	                                    "authors",
	                                    json_string(authors))) ||
	    (keywords && json_object_set_new(a, CNAB_ANN_KEYWORDS,
	                                     json_string(keywords))) ||
	    cnab_json_object_sort(a) != CNAB_OK) {
		json_decref(a);
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = a;
out:
	free(authors);
	free(keywords);
	return st;
}

/* Appends d to list with the given annotations (sorted, as Go maps). */
static enum cnab_status add_descriptor(json_t *list,
                                       const struct cnab_descriptor *d,
                                       json_t *ann, struct cnab_err *err)
{
	struct cnab_descriptor tmp = *d;
	json_t *o;

	tmp.annotations = ann;
	tmp.platform = NULL;
	if (!ann || cnab_json_object_sort(ann) != CNAB_OK ||
	    !(o = cnab_descriptor_json(&tmp)) ||
	    json_array_append_new(list, o)) {
		json_decref(ann);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	json_decref(ann);
	return CNAB_OK;
}

enum cnab_status cnab_oci_index(const struct cnab_bundle *b,
                                const struct cnab_descriptor *config,
                                bool docker_list, struct cnab_buf *out,
                                const char **media_type, struct cnab_err *err)
{
	json_t *ix = NULL, *list = json_array(), *ann = NULL;
	enum cnab_status st;
	size_t i;

	if (!list)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = add_descriptor(list, config,
	                    json_pack("{s:s}", CNAB_ANN_TYPE, "config"), err);
	for (i = 0; i < b->nimages && st == CNAB_OK; i++) {
		const struct cnab_bundle_image *img = &b->images[i];
		struct cnab_descriptor d;

		st = cnab_oci_image_descriptor(img, &d, err);
		if (st != CNAB_OK)
			break;
		if (img->name)
			st = add_descriptor(
			        list, &d,
			        json_pack("{s:s,s:s}", CNAB_ANN_TYPE,
			                  "component", CNAB_ANN_COMPONENT,
			                  img->name),
			        err);
		else
			st = add_descriptor(
			        list, &d,
			        json_pack("{s:s}", CNAB_ANN_TYPE, "invocation"),
			        err);
		cnab_descriptor_release(&d);
	}
	if (st == CNAB_OK)
		st = annotations(b, &ann, err);
	if (st != CNAB_OK)
		goto out;
	/* Go's ocispec.Index: schemaVersion, manifests, annotations; the
	 * fallback wraps it and adds mediaType last */
	ix = json_pack("{s:i,s:O,s:O}", "schemaVersion", 2, "manifests", list,
	               "annotations", ann);
	if (ix && docker_list &&
	    json_object_set_new(ix, "mediaType",
	                        json_string(CNAB_MT_DOCKER_LIST))) {
		json_decref(ix);
		ix = NULL;
	}
	if (!ix) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_json_go(ix, out);
	if (st != CNAB_OK) {
		cnab_err_set(err, st, "cannot write the bundle index");
		goto out;
	}
	*media_type = docker_list ? CNAB_MT_DOCKER_LIST : CNAB_MT_OCI_INDEX;
out:
	json_decref(ix);
	json_decref(list);
	json_decref(ann);
	return st;
}

enum cnab_status cnab_oci_pull_index(struct cnab_oci_pulled *p,
                                     const void *data, size_t len,
                                     const char *media_type,
                                     const char *subject, struct cnab_err *err)
{
	enum cnab_status st;
	size_t i;

	memset(p, 0, sizeof(*p));
	st = cnab_manifest_parse(&p->index, data, len, media_type, subject,
	                         err);
	if (st != CNAB_OK)
		return st;
	if (!p->index.is_index) {
		st = cnab_err_set(err, CNAB_ERR_NOTFOUND,
		                  "'%s' is an image, not a CNAB bundle",
		                  subject);
		goto out;
	}
	p->invocation = calloc(p->index.nmanifests + 1, sizeof(*p->invocation));
	if (!p->invocation) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < p->index.nmanifests; i++) {
		const struct cnab_descriptor *d = &p->index.manifests[i];
		const char *type = cnab_descriptor_annotation(d, CNAB_ANN_TYPE);

		if (!type)
			continue;
		if (!strcmp(type, "config") && !p->config)
			p->config = d;
		else if (!strcmp(type, "invocation"))
			p->invocation[p->ninvocation++] = d;
	}
	if (!p->config)
		st = cnab_err_set(err, CNAB_ERR_NOTFOUND,
		                  "'%s' is an image index, not a CNAB bundle "
		                  "(it names no bundle config)",
		                  subject);
out:
	if (st != CNAB_OK)
		cnab_oci_pulled_release(p);
	return st;
}

void cnab_oci_pulled_release(struct cnab_oci_pulled *p)
{
	cnab_manifest_release(&p->index);
	free(p->invocation);
	memset(p, 0, sizeof(*p));
}

enum cnab_status cnab_oci_config_blob(const void *manifest, size_t len,
                                      const char *media_type,
                                      struct cnab_descriptor *out,
                                      const char *subject, struct cnab_err *err)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	enum cnab_status st;

	st = cnab_manifest_parse(&m, manifest, len, media_type, subject, err);
	if (st != CNAB_OK)
		return st;
	if (m.is_index) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': the bundle config is an index",
		                  subject);
	} else if (strcmp(m.config.media_type, CNAB_MT_CNAB_CONFIG) &&
	           strcmp(m.config.media_type, CNAB_MT_OCI_CONFIG) &&
	           strcmp(m.config.media_type, CNAB_MT_DOCKER_CONFIG)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': unexpected config media type "
		                  "'%.100s'",
		                  subject, m.config.media_type);
	} else {
		*out = m.config;
		memset(&m.config, 0, sizeof(m.config));
	}
	cnab_manifest_release(&m);
	return st;
}

/* Records img -> REPO@digest (in familiar form, as cnab-to-oci writes). */
static enum cnab_status map_image(struct cnab_relocation *map,
                                  const struct cnab_bundle_image *img,
                                  const char *repo, const char *digest,
                                  struct cnab_err *err)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	enum cnab_status st;
	char *where = NULL;

	st = cnab_ref_parse(&ref, repo, err);
	if (st == CNAB_OK)
		st = cnab_ref_set_tag(&ref, NULL, err);
	if (st == CNAB_OK)
		st = cnab_ref_set_digest(&ref, digest, err);
	if (st == CNAB_OK && !(where = cnab_ref_familiar(&ref)))
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (st == CNAB_OK)
		st = cnab_relocation_set(map, img->image, where, err);
	free(where);
	cnab_ref_release(&ref);
	return st;
}

enum cnab_status cnab_oci_relocation(const struct cnab_bundle *b,
                                     const struct cnab_oci_pulled *p,
                                     const char *repo,
                                     struct cnab_relocation *map,
                                     const struct cnab_descriptor **out,
                                     struct cnab_err *err)
{
	size_t i, j, inv = 0;

	for (i = 0; i < b->nimages; i++) {
		const struct cnab_bundle_image *img = &b->images[i];
		const struct cnab_descriptor *d = NULL;
		char digest[CNAB_DIGEST_STR_MAX], label[300];
		enum cnab_status st;

		if (!img->name) {
			if (inv < p->ninvocation)
				d = p->invocation[inv];
			inv++;
		} else {
			for (j = 0; j < p->index.nmanifests && !d; j++) {
				const struct cnab_descriptor *c =
				        &p->index.manifests[j];
				const char *t = cnab_descriptor_annotation(
				        c, CNAB_ANN_TYPE);
				const char *n = cnab_descriptor_annotation(
				        c, CNAB_ANN_COMPONENT);

				if (t && n && !strcmp(t, "component") &&
				    !strcmp(n, img->name))
					d = c;
			}
		}
		cnab_bundle_image_label(img, label, sizeof(label));
		if (!d)
			return cnab_err_set(err, CNAB_ERR_CORRUPT,
			                    "the bundle index lacks %s '%s'",
			                    label, img->image);
		cnab_digest_format(&d->digest, digest);
		st = cnab_image_check_pins(img->image, img->content_digest,
		                           &d->digest, "the bundle index", err);
		if (st == CNAB_OK)
			st = map_image(map, img, repo, digest, err);
		if (st != CNAB_OK)
			return st;
		if (out)
			out[i] = d;
	}
	return CNAB_OK;
}

enum cnab_status cnab_oci_relocation_from_bundle(const struct cnab_bundle *b,
                                                 const char *repo,
                                                 struct cnab_relocation *map,
                                                 struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i;

	for (i = 0; i < b->nimages && st == CNAB_OK; i++) {
		const struct cnab_bundle_image *img = &b->images[i];

		if (!img->content_digest)
			return cnab_err_set(err, CNAB_ERR_INVALID,
			                    "image '%s' has no contentDigest",
			                    img->image);
		st = map_image(map, img, repo, img->content_digest, err);
	}
	return st;
}
