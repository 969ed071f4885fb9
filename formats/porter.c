#include "formats/porter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/reference.h"
#include "formats/bundle.h"

/* A mapping node's value for key, or NULL. */
static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map,
                            const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

/* A scalar's text; CNAB_ERR_INVALID if the node is not a scalar. */
static enum cnab_status scalar(yaml_node_t *n, const char *field, bool required,
                               const char **out, const char *subject,
                               struct cnab_err *err)
{
	*out = NULL;
	if (!n) {
		if (required)
			return cnab_err_set(err, CNAB_ERR_INVALID,
			                    "invalid '%s': missing field '%s'",
			                    subject, field);
		return CNAB_OK;
	}
	if (n->type != YAML_SCALAR_NODE)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': field '%s' must be a "
		                    "string",
		                    subject, field);
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': field '%s' holds a NUL",
		                    subject, field);
	*out = (const char *)n->data.scalar.value;
	return CNAB_OK;
}

enum cnab_status cnab_porter_installer_ref(const char *tag, char **out,
                                           struct cnab_err *err)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_buf b = CNAB_BUF_INIT(8192);
	const char *slash, *colon;
	enum cnab_status st;
	size_t repo_len;

	st = cnab_ref_parse(&ref, tag, err);
	if (st != CNAB_OK)
		return st;
	if (ref.digest) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid tag '%s': a bundle tag cannot hold "
		                  "a digest",
		                  tag);
		goto out;
	}
	/* keep the repository as the user wrote it */
	slash = strrchr(tag, '/');
	colon = strrchr(slash ? slash : tag, ':');
	repo_len = colon ? (size_t)(colon - tag) : strlen(tag);
	if (cnab_buf_add(&b, tag, repo_len) != CNAB_OK ||
	    cnab_buf_addf(&b, "-installer:%s", ref.tag ? ref.tag : "latest") !=
	            CNAB_OK) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "tag too long '%.100s'", tag);
		goto out;
	}
	/* "-installer" may take the name past its limit */
	cnab_ref_release(&ref);
	st = cnab_ref_parse(&ref, cnab_buf_str(&b), err);
	if (st != CNAB_OK)
		goto out;
	*out = cnab_buf_detach(&b, NULL);
	if (!*out)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	cnab_buf_release(&b);
	cnab_ref_release(&ref);
	return st;
}

static enum cnab_status set_str(json_t *obj, const char *key, const char *value,
                                struct cnab_err *err)
{
	if (!value)
		return CNAB_OK;
	if (json_object_set_new(obj, key, json_string(value)))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "cannot store field '%s': not valid UTF-8",
		                    key);
	return CNAB_OK;
}

/* One entry of "images:" into a bundle image object. */
static enum cnab_status convert_image(yaml_document_t *doc, yaml_node_t *n,
                                      const char *name, const char *subject,
                                      json_t *images, struct cnab_err *err)
{
	const char *repo, *digest, *tag, *desc, *type;
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_buf image = CNAB_BUF_INIT(8192);
	struct cnab_err rerr = CNAB_ERR_INIT;
	const char *too_long = NULL;
	enum cnab_status st;
	json_t *obj;
	char field[300];

	if (n->type != YAML_MAPPING_NODE)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': image '%s' must be a "
		                    "mapping",
		                    subject, name);
	snprintf(field, sizeof(field), "images.%s.repository", name);
	st = scalar(map_get(doc, n, "repository"), field, true, &repo, subject,
	            err);
	if (st == CNAB_OK)
		st = scalar(map_get(doc, n, "digest"), "digest", false, &digest,
		            subject, err);
	if (st == CNAB_OK)
		st = scalar(map_get(doc, n, "tag"), "tag", false, &tag, subject,
		            err);
	if (st == CNAB_OK)
		st = scalar(map_get(doc, n, "description"), "description",
		            false, &desc, subject, err);
	if (st == CNAB_OK)
		st = scalar(map_get(doc, n, "imageType"), "imageType", false,
		            &type, subject, err);
	if (st != CNAB_OK)
		return st;
	if (!digest && !tag)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': image '%s' needs a digest "
		                    "or a tag",
		                    subject, name);
	/* every part must fit: a part left out would name another image */
	st = cnab_buf_addstr(&image, repo);
	if (st != CNAB_OK)
		too_long = "repository";
	if (st == CNAB_OK && tag) {
		st = cnab_buf_addf(&image, ":%s", tag);
		too_long = "tag";
	}
	if (st == CNAB_OK && digest) {
		st = cnab_buf_addf(&image, "@%s", digest);
		too_long = "digest";
	}
	if (st == CNAB_ERR_NOMEM) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (st != CNAB_OK) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': image '%.100s': field '%s' is "
		                  "too long (image reference over %zu bytes)",
		                  subject, name, too_long, image.max);
		goto out;
	}
	if (cnab_ref_parse(&ref, cnab_buf_str(&image), &rerr) != CNAB_OK) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': image '%s': %s", subject, name,
		                  rerr.msg);
		goto out;
	}
	obj = json_object();
	if (!obj || json_object_set_new(images, name, obj)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': bad image name '%.100s'",
		                  subject, name);
		goto out;
	}
	st = set_str(obj, "imageType", type ? type : "oci", err);
	if (st == CNAB_OK)
		st = set_str(obj, "image", cnab_buf_str(&image), err);
	if (st == CNAB_OK)
		st = set_str(obj, "description", desc, err);
	if (st == CNAB_OK)
		st = set_str(obj, "contentDigest", digest, err);
out:
	cnab_ref_release(&ref);
	cnab_buf_release(&image);
	return st;
}

static enum cnab_status convert(yaml_document_t *doc, const char *subject,
                                json_t *b, char **tag_out, struct cnab_err *err)
{
	yaml_node_t *root = yaml_document_get_root_node(doc), *imgs;
	const char *name, *version, *desc, *tag, *inv;
	char *derived = NULL;
	json_t *arr, *obj, *images;
	enum cnab_status st;
	yaml_node_pair_t *p;

	if (!root || root->type != YAML_MAPPING_NODE)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': not a YAML mapping",
		                    subject);
	st = scalar(map_get(doc, root, "name"), "name", true, &name, subject,
	            err);
	if (st == CNAB_OK)
		st = scalar(map_get(doc, root, "version"), "version", true,
		            &version, subject, err);
	if (st == CNAB_OK)
		st = scalar(map_get(doc, root, "description"), "description",
		            false, &desc, subject, err);
	if (st == CNAB_OK)
		st = scalar(map_get(doc, root, "tag"), "tag", true, &tag,
		            subject, err);
	if (st == CNAB_OK)
		st = scalar(map_get(doc, root, "invocationImage"),
		            "invocationImage", false, &inv, subject, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_porter_installer_ref(tag, &derived, err);
	if (st != CNAB_OK)
		return st;
	if (inv) {
		struct cnab_ref ref = CNAB_REF_INIT;

		st = cnab_ref_parse(&ref, inv, err);
		cnab_ref_release(&ref);
		if (st != CNAB_OK)
			goto out;
	}
	st = set_str(b, "schemaVersion", CNAB_PORTER_SCHEMA_VERSION, err);
	if (st == CNAB_OK)
		st = set_str(b, "name", name, err);
	if (st == CNAB_OK)
		st = set_str(b, "version", version, err);
	if (st == CNAB_OK)
		st = set_str(b, "description", desc, err);
	if (st != CNAB_OK)
		goto out;
	/*
	 * The _new setters take the reference even when they fail: b owns
	 * arr once it is set, and arr owns obj once appended.
	 */
	arr = json_array();
	if (!arr || json_object_set_new(b, "invocationImages", arr)) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	obj = json_object();
	if (!obj || json_array_append_new(arr, obj)) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = set_str(obj, "imageType", "docker", err);
	if (st == CNAB_OK)
		st = set_str(obj, "image", inv ? inv : derived, err);
	if (st != CNAB_OK)
		goto out;
	imgs = map_get(doc, root, "images");
	if (imgs) {
		if (imgs->type != YAML_MAPPING_NODE) {
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "invalid '%s': 'images' must be a "
			                  "mapping",
			                  subject);
			goto out;
		}
		images = json_object();
		if (!images || json_object_set_new(b, "images", images)) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (p = imgs->data.mapping.pairs.start;
		     p < imgs->data.mapping.pairs.top && st == CNAB_OK; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			yaml_node_t *v = yaml_document_get_node(doc, p->value);
			const char *iname;

			st = scalar(k, "images", true, &iname, subject, err);
			if (st != CNAB_OK)
				break;
			if (json_object_get(images, iname)) {
				st = cnab_err_set(err, CNAB_ERR_INVALID,
				                  "invalid '%s': image '%s' "
				                  "defined twice",
				                  subject, iname);
				break;
			}
			st = convert_image(doc, v, iname, subject, images, err);
		}
		if (st != CNAB_OK)
			goto out;
	}
	if (tag_out) {
		*tag_out = strdup(tag);
		if (!*tag_out)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
out:
	free(derived);
	return st;
}

/*
 * Reads the events of the first document, without building it, and refuses
 * nesting deeper than CNAB_PORTER_MAX_DEPTH and more than
 * CNAB_PORTER_MAX_ANCHORS anchors and aliases, which would cost
 * yaml_parser_load quadratic time (minutes for 4 MiB of "[" or of anchors),
 * and more than CNAB_PORTER_MAX_VALUES values (memory).  The scan stops at
 * the first event past a limit.  Malformed YAML is left to the loader, which
 * says where.
 */
static enum cnab_status check_shape(const void *data, size_t len,
                                    const char *subject, struct cnab_err *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	enum cnab_status st = CNAB_OK;
	size_t depth = 0, anchors = 0, values = 0;
	bool done = false, deep;
	char why[64] = "";

	if (!yaml_parser_initialize(&parser))
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, data, len);
	while (!done && st == CNAB_OK && yaml_parser_parse(&parser, &ev)) {
		deep = false;
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
			deep = ++depth > CNAB_PORTER_MAX_DEPTH;
			anchors += ev.data.sequence_start.anchor != NULL;
			values++;
			break;
		case YAML_MAPPING_START_EVENT:
			deep = ++depth > CNAB_PORTER_MAX_DEPTH;
			anchors += ev.data.mapping_start.anchor != NULL;
			values++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			anchors += ev.data.scalar.anchor != NULL;
			values++;
			break;
		case YAML_ALIAS_EVENT:
			anchors++;
			values++;
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		if (deep)
			snprintf(why, sizeof(why),
			         "nested deeper than %d levels",
			         CNAB_PORTER_MAX_DEPTH);
		else if (anchors > CNAB_PORTER_MAX_ANCHORS)
			snprintf(why, sizeof(why),
			         "more than %d anchors and aliases",
			         CNAB_PORTER_MAX_ANCHORS);
		else if (values > CNAB_PORTER_MAX_VALUES)
			snprintf(why, sizeof(why), "more than %d values",
			         CNAB_PORTER_MAX_VALUES);
		if (*why)
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "cannot parse '%s': line %zu column "
			                  "%zu: %s",
			                  subject, ev.start_mark.line + 1,
			                  ev.start_mark.column + 1, why);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return st;
}

enum cnab_status cnab_porter_to_bundle(const void *data, size_t len,
                                       const char *subject, json_t **bundle,
                                       char **tag, struct cnab_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	enum cnab_status st;
	json_t *b = NULL;

	if (len > CNAB_MAX_DOCUMENT)
		return cnab_err_set(err, CNAB_ERR_TOOBIG,
		                    "'%s' is larger than the limit of %zu "
		                    "bytes",
		                    subject, CNAB_MAX_DOCUMENT);
	st = check_shape(data, len, subject, err);
	if (st != CNAB_OK)
		return st;
	if (!yaml_parser_initialize(&parser))
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot parse '%s': line %zu column %zu: %s",
		                  subject, parser.problem_mark.line + 1,
		                  parser.problem_mark.column + 1,
		                  parser.problem ? parser.problem
		                                 : "malformed YAML");
		yaml_parser_delete(&parser);
		return st;
	}
	b = json_object();
	if (!b)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	else
		st = convert(&doc, subject, b, tag, err);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (st != CNAB_OK) {
		json_decref(b);
		return st;
	}
	*bundle = b;
	return CNAB_OK;
}

enum cnab_status cnab_bundle_parse_any(struct cnab_bundle *b, const void *data,
                                       size_t len, const char *subject,
                                       struct cnab_err *err)
{
	enum cnab_status st;
	json_t *doc;

	if (cnab_json_looks_object(data, len))
		return cnab_bundle_parse(b, data, len, subject, err);
	st = cnab_porter_to_bundle(data, len, subject, &doc, NULL, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_bundle_from_json(b, doc, subject, err);
	json_decref(doc);
	return st;
}
