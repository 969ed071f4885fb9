#include "common/oci.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"

bool cnab_mt_is_manifest(const char *mt)
{
	return mt && (!strcmp(mt, CNAB_MT_OCI_MANIFEST) ||
	              !strcmp(mt, CNAB_MT_DOCKER_MANIFEST));
}

bool cnab_mt_is_index(const char *mt)
{
	return mt && (!strcmp(mt, CNAB_MT_OCI_INDEX) ||
	              !strcmp(mt, CNAB_MT_DOCKER_LIST));
}

bool cnab_mt_is_manifest_or_index(const char *mt)
{
	return cnab_mt_is_manifest(mt) || cnab_mt_is_index(mt);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

bool cnab_mt_is_compressed(const char *mt)
{
	if (!mt)
		return false;
	return ends_with(mt, "+gzip") || ends_with(mt, "+zstd") ||
	       ends_with(mt, ".tar.gzip") || ends_with(mt, ".tar.gz") ||
	       !strcmp(mt,
	               "application/vnd.docker.image.rootfs.diff.tar.gzip") ||
	       !strcmp(mt, "application/vnd.docker.image.rootfs.foreign.diff."
	                   "tar.gzip");
}

enum cnab_status cnab_descriptor_parse(struct cnab_descriptor *d,
                                       const json_t *obj, const char *subject,
                                       struct cnab_err *err)
{
	const char *mt, *digest;
	json_t *ann, *platform;
	enum cnab_status st;
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': a descriptor must be an "
		                    "object",
		                    subject);
	st = cnab_json_get_string(obj, "mediaType", true, &mt, subject, err);
	if (st == CNAB_OK)
		st = cnab_json_get_string(obj, "digest", true, &digest, subject,
		                          err);
	if (st == CNAB_OK)
		st = cnab_json_get_u64(obj, "size", true, &d->size, NULL,
		                       subject, err);
	if (st != CNAB_OK)
		return st;
	if (cnab_digest_parse(&d->digest, digest, NULL) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': bad digest '%.150s'",
		                    subject, digest);
	ann = json_object_get(obj, "annotations");
	if (ann && !json_is_null(ann)) {
		if (!json_is_object(ann))
			return cnab_err_set(err, CNAB_ERR_INVALID,
			                    "invalid '%s': annotations must "
			                    "be an object",
			                    subject);
		json_object_foreach(ann, key, v)
		{
			if (!json_is_string(v))
				return cnab_err_set(
				        err, CNAB_ERR_INVALID,
				        "invalid '%s': annotation '%.100s' "
				        "must be a string",
				        subject, key);
		}
	} else {
		ann = NULL;
	}
	platform = json_object_get(obj, "platform");
	if (platform && !json_is_object(platform))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': platform must be an object",
		                    subject);
	d->media_type = strdup(mt);
	if (!d->media_type)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	d->annotations = json_incref(ann);
	d->platform = json_incref(platform);
	return CNAB_OK;
}

enum cnab_status cnab_descriptor_copy(struct cnab_descriptor *dst,
                                      const struct cnab_descriptor *src)
{
	/*
	 * Nothing of src is borrowed: on failure dst holds nothing, and
	 * releasing it again (as callers do) is harmless.
	 */
	*dst = *src;
	dst->media_type = NULL;
	dst->annotations = NULL;
	dst->platform = NULL;
	if (src->media_type && !(dst->media_type = strdup(src->media_type)))
		goto nomem;
	if (src->annotations &&
	    !(dst->annotations = json_deep_copy(src->annotations)))
		goto nomem;
	if (src->platform && !(dst->platform = json_deep_copy(src->platform)))
		goto nomem;
	return CNAB_OK;
nomem:
	cnab_descriptor_release(dst);
	return CNAB_ERR_NOMEM;
}

void cnab_descriptor_release(struct cnab_descriptor *d)
{
	free(d->media_type);
	d->media_type = NULL;
	json_decref(d->annotations);
	d->annotations = NULL;
	json_decref(d->platform);
	d->platform = NULL;
}

const char *cnab_descriptor_annotation(const struct cnab_descriptor *d,
                                       const char *key)
{
	if (!d->annotations)
		return NULL;
	return json_string_value(json_object_get(d->annotations, key));
}

static enum cnab_status parse_list(const json_t *arr, const char *field,
                                   struct cnab_descriptor **out, size_t *n,
                                   const char *subject, struct cnab_err *err)
{
	size_t i, count;
	enum cnab_status st;

	*out = NULL;
	*n = 0;
	if (!arr || json_is_null(arr))
		return CNAB_OK;
	if (!json_is_array(arr))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': field '%s' must be an array",
		                    subject, field);
	count = json_array_size(arr);
	if (!count)
		return CNAB_OK;
	*out = calloc(count, sizeof(**out));
	if (!*out)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	for (i = 0; i < count; i++) {
		st = cnab_descriptor_parse(&(*out)[i], json_array_get(arr, i),
		                           subject, err);
		if (st != CNAB_OK) {
			*n = i + 1;
			return st;
		}
	}
	*n = count;
	return CNAB_OK;
}

enum cnab_status cnab_manifest_parse(struct cnab_manifest *m, const void *data,
                                     size_t len, const char *media_type,
                                     const char *subject, struct cnab_err *err)
{
	enum cnab_status st;
	const char *doc_mt;
	const char *mt;
	uint64_t version;
	json_t *ann;

	memset(m, 0, sizeof(*m));
	/* numbers as reals: unknown fields may hold any number */
	st = cnab_json_parse(data, len, CNAB_MAX_DOCUMENT,
	                     CNAB_JSON_NUMBERS_AS_REAL, subject, &m->root, err);
	if (st != CNAB_OK)
		return st;
	if (!json_is_object(m->root)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': not a JSON object", subject);
		goto out;
	}
	st = cnab_json_get_u64(m->root, "schemaVersion", true, &version, NULL,
	                       subject, err);
	if (st != CNAB_OK)
		goto out;
	if (version != 2) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': schemaVersion must be 2",
		                  subject);
		goto out;
	}
	st = cnab_json_get_string(m->root, "mediaType", false, &doc_mt, subject,
	                          err);
	if (st != CNAB_OK)
		goto out;
	if (doc_mt && media_type && strcmp(doc_mt, media_type)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': media type '%.100s' does not "
		                  "match '%.100s'",
		                  subject, doc_mt, media_type);
		goto out;
	}
	mt = doc_mt ? doc_mt : media_type;
	if (json_object_get(m->root, "manifests"))
		m->is_index = true;
	else if (json_object_get(m->root, "config"))
		m->is_index = false;
	else if (mt && cnab_mt_is_index(mt))
		m->is_index = true;
	else {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': neither a manifest nor an "
		                  "index",
		                  subject);
		goto out;
	}
	if (!mt)
		mt = m->is_index ? CNAB_MT_OCI_INDEX : CNAB_MT_OCI_MANIFEST;
	if (!cnab_mt_is_manifest_or_index(mt) ||
	    cnab_mt_is_index(mt) != m->is_index) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': unsupported media type "
		                  "'%.100s'",
		                  subject, mt);
		goto out;
	}
	m->media_type = strdup(mt);
	if (!m->media_type) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (m->is_index) {
		st = parse_list(json_object_get(m->root, "manifests"),
		                "manifests", &m->manifests, &m->nmanifests,
		                subject, err);
	} else {
		st = cnab_descriptor_parse(&m->config,
		                           json_object_get(m->root, "config"),
		                           subject, err);
		if (st == CNAB_OK)
			st = parse_list(json_object_get(m->root, "layers"),
			                "layers", &m->layers, &m->nlayers,
			                subject, err);
	}
	if (st != CNAB_OK)
		goto out;
	ann = json_object_get(m->root, "annotations");
	if (ann && json_is_object(ann))
		m->annotations = ann;
out:
	if (st != CNAB_OK)
		cnab_manifest_release(m);
	return st;
}

void cnab_manifest_release(struct cnab_manifest *m)
{
	size_t i;

	free(m->media_type);
	cnab_descriptor_release(&m->config);
	for (i = 0; i < m->nlayers; i++)
		cnab_descriptor_release(&m->layers[i]);
	free(m->layers);
	for (i = 0; i < m->nmanifests; i++)
		cnab_descriptor_release(&m->manifests[i]);
	free(m->manifests);
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}

json_t *cnab_descriptor_json(const struct cnab_descriptor *d)
{
	char digest[CNAB_DIGEST_STR_MAX];
	json_t *o = json_object();

	if (!o)
		return NULL;
	cnab_digest_format(&d->digest, digest);
	/* the order of Go's ocispec.Descriptor fields */
	if (json_object_set_new(o, "mediaType", json_string(d->media_type)) ||
	    json_object_set_new(o, "digest", json_string(digest)) ||
	    json_object_set_new(o, "size", json_integer((json_int_t)d->size)) ||
	    (d->annotations &&
	     json_object_set_new(o, "annotations",
	                         json_deep_copy(d->annotations))) ||
	    (d->platform &&
	     json_object_set_new(o, "platform", json_deep_copy(d->platform)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

enum cnab_status cnab_index_append(json_t *index,
                                   const struct cnab_descriptor *d,
                                   json_t *annotations, struct cnab_err *err)
{
	json_t *list = json_object_get(index, "manifests"), *o = NULL;
	struct cnab_descriptor tmp = *d;

	tmp.annotations = annotations;
	if (!annotations)
		goto nomem;
	if (!list) {
		list = json_array();
		if (json_object_set_new(index, "manifests", list))
			goto nomem;
	}
	o = cnab_descriptor_json(&tmp);
	if (!o || json_array_append_new(list, o))
		goto nomem;
	json_decref(annotations);
	return CNAB_OK;
nomem:
	json_decref(annotations);
	return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
}
