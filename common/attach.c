/*
 * Attachments (attach.h): their kinds, tags, referrers indexes and
 * index.json entries.
 */
#include "common/attach.h"

#include <stdlib.h>
#include <string.h>

#include "common/json.h"

static const char *const kind_names[CNAB_ATTACH_KINDS] = {
        "sig",
        "att",
        "sbom",
        "referrer",
};

const char *cnab_attach_kind_name(enum cnab_attach_kind k)
{
	return (unsigned)k < CNAB_ATTACH_KINDS ? kind_names[k] : "?";
}

int cnab_attach_kind_parse(const char *name)
{
	int i;

	for (i = 0; name && i < CNAB_ATTACH_KINDS; i++)
		if (!strcmp(name, kind_names[i]))
			return i;
	return -1;
}

char *cnab_attach_tag(const struct cnab_digest *subject,
                      enum cnab_attach_kind k)
{
	char hex[2 * CNAB_DIGEST_RAW_MAX + 1];

	cnab_digest_hex(subject, hex);
	if (k == CNAB_ATTACH_REFERRER)
		return cnab_strfmt("%s-%s", cnab_digest_alg_name(subject->alg),
		                   hex);
	return cnab_strfmt("%s-%s.%s", cnab_digest_alg_name(subject->alg), hex,
	                   kind_names[k]);
}

void cnab_attachment_release(struct cnab_attachment *a)
{
	if (!a)
		return;
	cnab_descriptor_release(&a->desc);
	free(a->tag);
	free(a->artifact_type);
	free(a->data);
	free(a->label);
	memset(a, 0, sizeof(*a));
}

/* The manifest's artifactType, else its config's media type, or NULL. */
static const char *artifact_type_of(const json_t *root)
{
	const char *s =
	        json_string_value(json_object_get(root, "artifactType"));

	if (s && *s)
		return s;
	return json_string_value(
	        json_object_get(json_object_get(root, "config"), "mediaType"));
}

/* A referrer's manifest names a's subject as its own. */
static enum cnab_status check_subject(const struct cnab_attachment *a,
                                      const struct cnab_manifest *m,
                                      struct cnab_err *err)
{
	const char *label = a->label ? a->label : "referrer";
	const char *named = json_string_value(
	        json_object_get(json_object_get(m->root, "subject"), "digest"));
	char want[CNAB_DIGEST_STR_MAX];
	struct cnab_digest d;

	cnab_digest_format(&a->subject, want);
	if (!named)
		return cnab_err_set(
		        err, CNAB_ERR_CORRUPT,
		        "%s has no subject: it is not a referrer of "
		        "'%s'",
		        label, want);
	if (cnab_digest_parse(&d, named, NULL) != CNAB_OK ||
	    !cnab_digest_equal(&d, &a->subject))
		return cnab_err_set(err, CNAB_ERR_CORRUPT,
		                    "%s names another subject: '%.140s', not "
		                    "'%s'",
		                    label, named, want);
	return CNAB_OK;
}

enum cnab_status cnab_attachment_read(struct cnab_attachment *a,
                                      const char *data, size_t len,
                                      struct cnab_err *err)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	enum cnab_status st;
	const char *at;

	st = cnab_manifest_parse(&m, data, len, a->desc.media_type,
	                         a->label ? a->label : "attachment", err);
	if (st != CNAB_OK)
		return st;
	if (a->kind == CNAB_ATTACH_REFERRER) {
		/* listed for a subject, it must name that subject: a
		 * listing of another image's referrer is a broken one */
		st = check_subject(a, &m, err);
		if (st != CNAB_OK) {
			cnab_manifest_release(&m);
			return st;
		}
	}
	at = artifact_type_of(m.root);
	free(a->artifact_type);
	a->artifact_type = at ? strdup(at) : NULL;
	if (at && !a->artifact_type)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	cnab_manifest_release(&m);
	return st;
}

json_t *cnab_attach_referrer_json(const struct cnab_attachment *a,
                                  const char *data, size_t len)
{
	json_t *root = NULL, *o = NULL, *ann;
	struct cnab_descriptor d = a->desc;
	const char *at;

	if (cnab_json_parse(data, len, CNAB_MAX_DOCUMENT, 0, "referrer", &root,
	                    NULL) != CNAB_OK ||
	    !json_is_object(root))
		goto out;
	/* the annotations listed are the manifest's own, not ours */
	ann = json_object_get(root, "annotations");
	d.annotations = json_is_object(ann) ? ann : NULL;
	d.platform = NULL;
	o = cnab_descriptor_json(&d);
	at = artifact_type_of(root);
	if (o && at &&
	    json_object_set_new(o, "artifactType", json_string(at))) {
		json_decref(o);
		o = NULL;
	}
out:
	json_decref(root);
	return o;
}

static const char *entry_digest(const json_t *e)
{
	return json_string_value(json_object_get(e, "digest"));
}

enum cnab_status cnab_attach_merge_index(const char *old, size_t old_len,
                                         const json_t *add,
                                         struct cnab_buf *out, bool *changed,
                                         const char *subject,
                                         struct cnab_err *err)
{
	json_t *idx = NULL, *list;
	enum cnab_status st = CNAB_OK;
	size_t i, j;

	*changed = false;
	if (old) {
		st = cnab_json_parse(old, old_len, CNAB_MAX_DOCUMENT, 0,
		                     subject, &idx, err);
		if (st != CNAB_OK) {
			cnab_err_restatus(err, CNAB_ERR_CORRUPT);
			return CNAB_ERR_CORRUPT;
		}
	} else {
		idx = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2,
		                "mediaType", CNAB_MT_OCI_INDEX, "manifests");
		if (!idx)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		*changed = true; /* a new index */
	}
	list = json_object_get(idx, "manifests");
	if (json_is_null(list) || !list) {
		list = json_array();
		if (json_object_set_new(idx, "manifests", list))
			list = NULL;
	}
	if (!json_is_object(idx) || !json_is_array(list)) {
		st = cnab_err_set(err, CNAB_ERR_CORRUPT,
		                  "referrers index '%s' is not an index",
		                  subject);
		goto out;
	}
	for (i = 0; i < json_array_size(add); i++) {
		const json_t *e = json_array_get(add, i);
		const char *d = entry_digest(e);
		bool have = false;

		for (j = 0; d && j < json_array_size(list) && !have; j++) {
			const char *h = entry_digest(json_array_get(list, j));

			have = h && !strcmp(h, d);
		}
		if (have)
			continue;
		if (json_array_append(list, (json_t *)e)) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		*changed = true;
	}
	if (*changed && cnab_json_go(idx, out) != CNAB_OK)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	json_decref(idx);
	return st;
}

enum cnab_status cnab_attach_index_add(json_t *index,
                                       const struct cnab_attachment *a,
                                       struct cnab_err *err)
{
	struct cnab_descriptor tmp = a->desc;
	char subject[CNAB_DIGEST_STR_MAX];
	json_t *annotations;

	cnab_digest_format(&a->subject, subject);
	tmp.platform = NULL;
	annotations = json_pack("{s:s,s:s}", CNAB_ANNOTATION_ATTACH_KIND,
	                        cnab_attach_kind_name(a->kind),
	                        CNAB_ANNOTATION_ATTACH_SUBJECT, subject);
	if (annotations && a->tag &&
	    json_object_set_new(annotations, CNAB_ANNOTATION_ATTACH_TAG,
	                        json_string(a->tag))) {
		json_decref(annotations);
		annotations = NULL;
	}
	return cnab_index_append(index, &tmp, annotations, err);
}

enum cnab_status cnab_attach_from_entry(const struct cnab_descriptor *d,
                                        struct cnab_attachment *a, bool *is,
                                        struct cnab_err *err)
{
	const char *kind =
	        cnab_descriptor_annotation(d, CNAB_ANNOTATION_ATTACH_KIND);
	const char *subject =
	        cnab_descriptor_annotation(d, CNAB_ANNOTATION_ATTACH_SUBJECT);
	const char *tag =
	        cnab_descriptor_annotation(d, CNAB_ANNOTATION_ATTACH_TAG);
	char digest[CNAB_DIGEST_STR_MAX];
	int k = cnab_attach_kind_parse(kind);

	memset(a, 0, sizeof(*a));
	*is = kind != NULL;
	if (!kind)
		return CNAB_OK;
	cnab_digest_format(&d->digest, digest);
	if (k < 0 || !subject ||
	    cnab_digest_parse(&a->subject, subject, NULL) != CNAB_OK ||
	    (k != CNAB_ATTACH_REFERRER && !tag) ||
	    !cnab_mt_is_manifest_or_index(d->media_type))
		return cnab_err_set(err, CNAB_ERR_CORRUPT,
		                    "attachment %s: malformed annotations",
		                    digest);
	if (tag) {
		/* a cosign tag is the subject's, of its kind: nothing else
		 * is ever written under another name */
		char *want =
		        cnab_attach_tag(&a->subject, (enum cnab_attach_kind)k);

		if (!want)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		if (k == CNAB_ATTACH_REFERRER || strcmp(want, tag)) {
			free(want);
			return cnab_err_set(err, CNAB_ERR_CORRUPT,
			                    "attachment %s: tag '%.100s' is "
			                    "not its subject's",
			                    digest, tag);
		}
		a->tag = want;
	}
	a->kind = (enum cnab_attach_kind)k;
	a->depth = 1;
	if (cnab_descriptor_copy(&a->desc, d) != CNAB_OK ||
	    !(a->label =
	              cnab_strfmt("%s %s of %s", cnab_attach_kind_name(a->kind),
	                          digest, subject))) {
		cnab_attachment_release(a);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	json_decref(a->desc.annotations);
	a->desc.annotations = NULL;
	return CNAB_OK;
}
