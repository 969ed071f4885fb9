#include "formats/porter.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <yaml.h>

#include "common/buf.h"
#include "common/digest.h"
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
 * Porter v1 manifests (schemaVersion 1.x), converted as Porter's
 * pkg/manifest and pkg/cnab/config-adapter do.
 */

/* The state of one conversion. */
struct conv {
	yaml_document_t *doc;
	yaml_node_t *root;
	const char *subject;
	struct cnab_err *err;
	enum cnab_porter_deps deps_mode;
	json_t *b;         /* the bundle */
	json_t *defs;      /* b's definitions */
	json_t *actions;   /* custom action name -> its steps (a set) */
	json_t *sources;   /* the parameter sources */
	json_t *shortvars; /* "${ outputs.X }" of v2 dependencies, long form */
	json_t *latest;    /* images given neither tag nor digest (a set) */
	json_t *vars;      /* the template variables (a set) */
	json_t *outnames;  /* the names of the manifest's outputs (a set) */
	json_t *extra;     /* outputs of persistent parameters: name -> */
	                   /* {"schema": ..., "sensitive": ...} */
	bool upgrade;      /* the manifest has an upgrade action */
	bool depsv2;       /* dependencies written as v2 */
	size_t values;     /* values made by to_json: aliases multiply them */
};

/* Sets err to "cannot convert 'SUBJECT': ..." and returns its status. */
static enum cnab_status refuse(struct conv *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static enum cnab_status refuse(struct conv *c, const char *fmt, ...)
{
	char why[CNAB_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return cnab_err_set(c->err, CNAB_ERR_INVALID, "cannot convert '%s': %s",
	                    c->subject, why);
}

static enum cnab_status nomem(struct conv *c)
{
	return cnab_err_set(c->err, CNAB_ERR_NOMEM, "out of memory");
}

static yaml_node_t *node(struct conv *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *text_of(yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* True for a null: missing, "~", "null", or an empty plain scalar. */
static bool is_null(yaml_node_t *n)
{
	const char *s;

	if (!n)
		return true;
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = text_of(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/*
 * The text of a scalar field that Porter reads as a Go string (any scalar,
 * as written); NULL when absent or null.  Anything else is refused.
 */
static enum cnab_status str_field(struct conv *c, yaml_node_t *map,
                                  const char *key, const char *where,
                                  const char **out)
{
	yaml_node_t *n = map_get(c->doc, map, key);

	*out = NULL;
	if (is_null(n))
		return CNAB_OK;
	if (n->type != YAML_SCALAR_NODE)
		return refuse(c, "field '%s%s%s' must be a string", where,
		              *where ? "." : "", key);
	if (strlen(text_of(n)) != n->data.scalar.length)
		return refuse(c, "field '%s%s%s' holds a NUL", where,
		              *where ? "." : "", key);
	*out = text_of(n);
	return CNAB_OK;
}

/* A boolean field (Go bool): true/false in any case Porter's YAML takes. */
static enum cnab_status bool_field(struct conv *c, yaml_node_t *map,
                                   const char *key, const char *where,
                                   bool dflt, bool *out)
{
	yaml_node_t *n = map_get(c->doc, map, key);
	const char *s;

	*out = dflt;
	if (is_null(n))
		return CNAB_OK;
	if (n->type == YAML_SCALAR_NODE) {
		s = text_of(n);
		if (!strcmp(s, "true") || !strcmp(s, "True") ||
		    !strcmp(s, "TRUE")) {
			*out = true;
			return CNAB_OK;
		}
		if (!strcmp(s, "false") || !strcmp(s, "False") ||
		    !strcmp(s, "FALSE")) {
			*out = false;
			return CNAB_OK;
		}
	}
	return refuse(c, "field '%s.%s' must be true or false", where, key);
}

/* Checks that every key of map is one of keys (NULL-terminated). */
static enum cnab_status known_keys(struct conv *c, yaml_node_t *map,
                                   const char *where, const char *const *keys)
{
	yaml_node_pair_t *p;
	size_t i;

	if (!map || map->type != YAML_MAPPING_NODE)
		return refuse(c, "section '%s' must be a mapping", where);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(c, p->key);

		if (!k || k->type != YAML_SCALAR_NODE)
			return refuse(c, "section '%s': a key is not a string",
			              where);
		if (!strcmp(text_of(k), "<<"))
			return refuse(c,
			              "section '%s': YAML merge keys are not "
			              "supported",
			              where);
		for (i = 0; keys[i]; i++)
			if (!strcmp(keys[i], text_of(k)))
				break;
		if (!keys[i])
			return refuse(c,
			              "section '%s.%.100s' is not supported "
			              "(unknown key)",
			              where, text_of(k));
	}
	return CNAB_OK;
}

/* The value of a plain scalar as Porter's YAML reads it into interface{}. */
static json_t *plain_scalar(const char *s)
{
	static const char *const trues[] = {"true", "True", "TRUE", NULL};
	static const char *const falses[] = {"false", "False", "FALSE", NULL};
	const char *p = s;
	char *end;
	size_t i;
	bool digits = false, fl = false;

	for (i = 0; trues[i]; i++)
		if (!strcmp(s, trues[i]))
			return json_true();
	for (i = 0; falses[i]; i++)
		if (!strcmp(s, falses[i]))
			return json_false();
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	    !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return json_null();
	if (*p == '-' || *p == '+')
		p++;
	/* .inf and .nan: floats that JSON cannot hold */
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF") ||
	    !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return NULL;
	if (*p >= '0' && *p <= '9') {
		long long v;

		errno = 0;
		v = strtoll(s, &end, 0);
		if (!*end && errno == 0 && end != s)
			return json_integer(v);
	}
	/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
	while (*p >= '0' && *p <= '9') {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		fl = true;
		while (*p >= '0' && *p <= '9') {
			p++;
			digits = true;
		}
	}
	if (digits && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;

		if (*q == '-' || *q == '+')
			q++;
		if (*q >= '0' && *q <= '9') {
			while (*q >= '0' && *q <= '9')
				q++;
			p = q;
			fl = true;
		}
	}
	if (digits && fl && !*p) {
		double d;

		errno = 0;
		d = strtod(s, &end);
		if (*end || errno || d - d != 0)
			return NULL;
		/* Go writes a whole float64 without a fraction */
		if (d > -9007199254740992.0 && d < 9007199254740992.0 &&
		    (double)(json_int_t)d == d)
			return json_integer((json_int_t)d);
		return json_real(d);
	}
	return json_string(s);
}

/*
 * A YAML node as JSON, typed as Porter's YAML reads it into interface{}:
 * plain scalars resolve to null, booleans and numbers, mapping keys are
 * their text.  *out is a new reference.
 */
static enum cnab_status to_json(struct conv *c, yaml_node_t *n,
                                const char *where, json_t **out)
{
	yaml_node_item_t *it;
	yaml_node_pair_t *p;
	enum cnab_status st = CNAB_OK;
	json_t *v = NULL;

	*out = NULL;
	if (!n)
		return refuse(c, "section '%s': broken document", where);
	/* an alias is expanded: a few anchors could make 9^40 values */
	if (++c->values > CNAB_PORTER_MAX_VALUES)
		return refuse(c,
		              "section '%s': aliases expand to more than %d "
		              "values",
		              where, CNAB_PORTER_MAX_VALUES);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (strlen(text_of(n)) != n->data.scalar.length)
			return refuse(c, "field '%s' holds a NUL", where);
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			v = plain_scalar(text_of(n));
			if (!v)
				return refuse(c,
				              "field '%s': number '%.20s' not "
				              "representable in JSON",
				              where, text_of(n));
		} else {
			v = json_string(text_of(n));
			if (!v)
				return refuse(c, "field '%s': not valid UTF-8",
				              where);
		}
		break;
	case YAML_SEQUENCE_NODE:
		v = json_array();
		if (!v)
			return nomem(c);
		for (it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && st == CNAB_OK; it++) {
			json_t *e;

			st = to_json(c, node(c, *it), where, &e);
			if (st == CNAB_OK && json_array_append_new(v, e))
				st = nomem(c);
		}
		break;
	case YAML_MAPPING_NODE:
		v = json_object();
		if (!v)
			return nomem(c);
		for (p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top && st == CNAB_OK; p++) {
			yaml_node_t *k = node(c, p->key);
			json_t *e;

			if (!k || k->type != YAML_SCALAR_NODE) {
				st = refuse(c,
				            "section '%s': a key is not a "
				            "string",
				            where);
				break;
			}
			if (!strcmp(text_of(k), "<<")) {
				st = refuse(c,
				            "section '%s': YAML merge keys "
				            "are not supported",
				            where);
				break;
			}
			if (json_object_get(v, text_of(k))) {
				st = refuse(c,
				            "section '%s': key '%.100s' "
				            "defined twice",
				            where, text_of(k));
				break;
			}
			st = to_json(c, node(c, p->value), where, &e);
			if (st == CNAB_OK &&
			    json_object_set_new(v, text_of(k), e))
				st = refuse(c,
				            "section '%s': key not valid "
				            "UTF-8",
				            where);
		}
		break;
	default:
		return refuse(c, "section '%s': broken document", where);
	}
	if (st != CNAB_OK) {
		json_decref(v);
		return st;
	}
	*out = v;
	return CNAB_OK;
}

/* obj[key] = v (a new reference, taken even on failure). */
static enum cnab_status put(struct conv *c, json_t *obj, const char *key,
                            json_t *v)
{
	if (!v || json_object_set_new(obj, key, v))
		return refuse(c, "cannot store '%.100s': not valid UTF-8", key);
	return CNAB_OK;
}

/* obj[key] = a new empty object, set in *out (borrowed) on success. */
static enum cnab_status put_object(struct conv *c, json_t *obj, const char *key,
                                   json_t **out)
{
	json_t *o = json_object();
	enum cnab_status st;

	if (!o)
		return nomem(c);
	st = put(c, obj, key, o);
	if (st == CNAB_OK)
		*out = o;
	return st;
}

/* obj[key] = s unless s is NULL or empty (Go's omitempty). */
static enum cnab_status put_str(struct conv *c, json_t *obj, const char *key,
                                const char *s)
{
	if (!s || !*s)
		return CNAB_OK;
	return put(c, obj, key, json_string(s));
}

/*
 * Go's path.Clean of the n bytes at s, added to out: no empty or "."
 * segments, ".." resolved.  CNAB_ERR_INVALID when too long.
 */
static enum cnab_status clean_path(const char *s, struct cnab_buf *out)
{
	size_t start[256], lens[256], n = 0, i = 0, j;
	bool abs = *s == '/';
	enum cnab_status st = CNAB_OK;

	while (s[i]) {
		while (s[i] == '/')
			i++;
		j = i;
		while (s[j] && s[j] != '/')
			j++;
		if (j == i)
			break;
		if (j - i == 1 && s[i] == '.') {
			/* skip */
		} else if (j - i == 2 && s[i] == '.' && s[i + 1] == '.' && n &&
		           !(lens[n - 1] == 2 &&
		             !strncmp(s + start[n - 1], "..", 2))) {
			n--;
		} else if (j - i == 2 && s[i] == '.' && s[i + 1] == '.' &&
		           abs) {
			/* "/.." is "/" */
		} else {
			if (n == sizeof(start) / sizeof(start[0]))
				return CNAB_ERR_INVALID;
			start[n] = i;
			lens[n++] = j - i;
		}
		i = j;
	}
	if (abs)
		st = cnab_buf_addstr(out, "/");
	for (j = 0; j < n && st == CNAB_OK; j++) {
		if (j)
			st = cnab_buf_addstr(out, "/");
		if (st == CNAB_OK)
			st = cnab_buf_add(out, s + start[j], lens[j]);
	}
	if (st == CNAB_OK && !abs && !n)
		st = cnab_buf_addstr(out, ".");
	return st == CNAB_OK ? CNAB_OK : CNAB_ERR_INVALID;
}

/* Porter's ResolvePath: relative paths are under /cnab/app. */
static enum cnab_status resolve_path(struct conv *c, const char *p, json_t *obj,
                                     const char *key)
{
	struct cnab_buf joined = CNAB_BUF_INIT(8192);
	struct cnab_buf b = CNAB_BUF_INIT(8192);
	enum cnab_status st;

	if (!p || !*p)
		return CNAB_OK;
	if (*p == '/')
		return put_str(c, obj, key, p);
	st = cnab_buf_addf(&joined, "/cnab/app/%s", p);
	if (st == CNAB_OK)
		st = clean_path(cnab_buf_str(&joined), &b);
	if (st != CNAB_OK)
		st = refuse(c, "path too long '%.100s'", p);
	else
		st = put_str(c, obj, key, cnab_buf_str(&b));
	cnab_buf_release(&joined);
	cnab_buf_release(&b);
	return st;
}

/* Porter's ParamToEnvVar: upper case, '-' and '.' as '_'. */
static json_t *env_name(const char *name)
{
	char *s = strdup(name), *p;
	json_t *v;

	if (!s)
		return NULL;
	for (p = s; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
		else if (*p == '-' || *p == '.')
			*p = '_';
	}
	v = json_string(s);
	free(s);
	return v;
}

/* A run of [0-9A-Za-z-] identifiers separated by dots, up to stop. */
static bool semver_idents(const char *s, size_t n, bool prerelease)
{
	size_t i = 0, start;
	bool numeric;

	if (!n)
		return false;
	while (i <= n) {
		start = i;
		numeric = true;
		while (i < n && s[i] != '.') {
			char ch = s[i];

			if (!((ch >= '0' && ch <= '9') ||
			      (ch >= 'a' && ch <= 'z') ||
			      (ch >= 'A' && ch <= 'Z') || ch == '-'))
				return false;
			if (!(ch >= '0' && ch <= '9'))
				numeric = false;
			i++;
		}
		if (i == start)
			return false;
		/* a numeric pre-release identifier has no leading zero */
		if (prerelease && numeric && i - start > 1 && s[start] == '0')
			return false;
		i++;
	}
	return true;
}

/*
 * Parses a version as Masterminds semver's NewVersion does ("v1.2",
 * "1.2.3-beta.1+15") and writes its String() form ("1.2.0",
 * "1.2.3-beta.1+15") to out.  *prerelease tells whether it has one.
 */
static bool semver_norm(const char *s, struct cnab_buf *out, bool *prerelease)
{
	unsigned long long num[3] = {0, 0, 0};
	const char *p = s, *pre = NULL, *meta = NULL;
	size_t npre = 0, nmeta = 0;
	int i;

	if (*p == 'v')
		p++;
	for (i = 0; i < 3; i++) {
		char *end;

		if (i && *p != '.')
			break;
		if (i)
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		errno = 0;
		num[i] = strtoull(p, &end, 10);
		if (errno)
			return false;
		p = end;
	}
	if (*p == '-') {
		pre = ++p;
		npre = strcspn(p, "+");
		if (!semver_idents(pre, npre, true))
			return false;
		p += npre;
	}
	if (*p == '+') {
		meta = ++p;
		nmeta = strlen(p);
		if (!semver_idents(meta, nmeta, false))
			return false;
		p += nmeta;
	}
	if (*p)
		return false;
	*prerelease = pre != NULL;
	return cnab_buf_addf(out, "%llu.%llu.%llu%s%.*s%s%.*s", num[0], num[1],
	                     num[2], pre ? "-" : "", (int)npre, pre ? pre : "",
	                     meta ? "+" : "", (int)nmeta,
	                     meta ? meta : "") == CNAB_OK;
}

void cnab_porter_ref_release(struct cnab_porter_ref *r)
{
	if (!r)
		return;
	free(r->reference);
	free(r->tag);
	free(r->installer);
	while (r->nlatest)
		free(r->latest[--r->nlatest]);
	free(r->latest);
	*r = (struct cnab_porter_ref)CNAB_PORTER_REF_INIT;
}

/* The lower-case hex MD5 of s, into hex (33 bytes). */
static bool md5_hex(const char *s, char hex[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL) || n != 16)
		return false;
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return true;
}

enum cnab_status cnab_porter_derive(const char *reference, const char *registry,
                                    const char *name, const char *version,
                                    struct cnab_porter_ref *out,
                                    struct cnab_err *err)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_buf joined = CNAB_BUF_INIT(8192);
	struct cnab_buf repo = CNAB_BUF_INIT(8192);
	struct cnab_buf tag = CNAB_BUF_INIT(8192);
	struct cnab_buf inst = CNAB_BUF_INIT(8192);
	struct cnab_porter_ref r = CNAB_PORTER_REF_INIT;
	enum cnab_status st = CNAB_OK;
	char hex[33], *fam = NULL, *p;
	bool pre;

	if (!reference || !*reference) {
		if (!registry || !*registry || !name || !*name)
			return cnab_err_set(err, CNAB_ERR_INVALID,
			                    "invalid bundle: a registry or "
			                    "reference value must be provided");
		/* path.Join(registry, name), then its repository */
		if (cnab_buf_addf(&joined, "%s/%s", registry, name) !=
		            CNAB_OK ||
		    clean_path(cnab_buf_str(&joined), &repo) != CNAB_OK) {
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "invalid bundle reference '%.100s': "
			                  "too long",
			                  registry);
			goto out;
		}
		st = cnab_ref_parse(&ref, cnab_buf_str(&repo), err);
		if (st != CNAB_OK)
			goto out;
		if (ref.digest) {
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "invalid bundle reference '%s': it "
			                  "cannot hold a digest",
			                  cnab_buf_str(&repo));
			goto out;
		}
		free(ref.tag);
		ref.tag = NULL;
	} else {
		st = cnab_ref_parse(&ref, reference, err);
		if (st != CNAB_OK)
			goto out;
		if (ref.digest) {
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "invalid bundle reference '%s': it "
			                  "cannot hold a digest, it needs a "
			                  "tag",
			                  reference);
			goto out;
		}
	}
	if (version && *version) {
		struct cnab_buf v = CNAB_BUF_INIT(8192);

		if (!semver_norm(version, &v, &pre)) {
			cnab_buf_release(&v);
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "invalid version '%.100s': not a "
			                  "semantic version",
			                  version);
			goto out;
		}
		if (!ref.tag) {
			st = cnab_buf_addf(&tag, "v%s", cnab_buf_str(&v));
			p = strchr(tag.data, '+');
			if (p)
				*p = '_';
			r.tag_from_version = true;
		}
		cnab_buf_release(&v);
		if (st != CNAB_OK)
			goto toolong;
	} else if (!ref.tag) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid bundle: no tag in the reference "
		                  "and no version to make one from");
		goto out;
	}
	if (r.tag_from_version) {
		st = cnab_ref_set_tag(&ref, cnab_buf_str(&tag), err);
		if (st != CNAB_OK)
			goto out;
	}
	r.reference = cnab_ref_familiar(&ref);
	r.tag = strdup(ref.tag);
	p = ref.tag;
	ref.tag = NULL;
	fam = cnab_ref_familiar(&ref);
	ref.tag = p;
	if (!r.reference || !r.tag || !fam) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!md5_hex(r.reference, hex)) {
		st = cnab_err_set(err, CNAB_ERR_FAIL, "cannot compute MD5");
		goto out;
	}
	if (cnab_buf_addf(&inst, "%s:porter-%s", fam, hex) != CNAB_OK)
		goto toolong;
	r.installer = cnab_buf_detach(&inst, NULL);
	if (!r.installer) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = r;
	r = (struct cnab_porter_ref)CNAB_PORTER_REF_INIT;
	goto out;
toolong:
	st = cnab_err_set(err, CNAB_ERR_INVALID,
	                  "invalid bundle reference: too long");
out:
	free(fam);
	cnab_porter_ref_release(&r);
	cnab_ref_release(&ref);
	cnab_buf_release(&joined);
	cnab_buf_release(&repo);
	cnab_buf_release(&tag);
	cnab_buf_release(&inst);
	return st;
}

/* The keys of a JSON Schema that Porter keeps in a definition. */
static const char *const schema_keys[] = {"$schema",
                                          "$comment",
                                          "$id",
                                          "$ref",
                                          "additionalItems",
                                          "additionalProperties",
                                          "allOf",
                                          "const",
                                          "contains",
                                          "contentEncoding",
                                          "contentMediaType",
                                          "default",
                                          "definitions",
                                          "dependencies",
                                          "description",
                                          "else",
                                          "enum",
                                          "examples",
                                          "exclusiveMaximum",
                                          "exclusiveMinimum",
                                          "format",
                                          "if",
                                          "items",
                                          "maximum",
                                          "maxLength",
                                          "minItems",
                                          "minLength",
                                          "minProperties",
                                          "minimum",
                                          "multipleOf",
                                          "not",
                                          "oneOf",
                                          "patternProperties",
                                          "properties",
                                          "propertyNames",
                                          "readOnly",
                                          "required",
                                          "then",
                                          "title",
                                          "type",
                                          "uniqueItems",
                                          "writeOnly",
                                          NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/*
 * The JSON Schema of a parameter or output: its keys that are schema
 * keywords (others must be in own, the keys of the item itself).
 */
static enum cnab_status item_schema(struct conv *c, yaml_node_t *item,
                                    const char *where, const char *const *own,
                                    json_t **out)
{
	json_t *s = json_object();
	yaml_node_pair_t *p;
	enum cnab_status st = CNAB_OK;

	*out = NULL;
	if (!s)
		return nomem(c);
	for (p = item->data.mapping.pairs.start;
	     p < item->data.mapping.pairs.top && st == CNAB_OK; p++) {
		yaml_node_t *k = node(c, p->key);
		yaml_node_t *v = node(c, p->value);
		const char *key;
		json_t *j;

		if (!k || k->type != YAML_SCALAR_NODE) {
			st = refuse(c, "section '%s': a key is not a string",
			            where);
			break;
		}
		key = text_of(k);
		if (!strcmp(key, "<<")) {
			st = refuse(c,
			            "section '%s': YAML merge keys are not "
			            "supported",
			            where);
			break;
		}
		if (in_list(own, key))
			continue;
		if (!in_list(schema_keys, key)) {
			st = refuse(c,
			            "section '%s.%.100s' is not supported "
			            "(not a JSON Schema keyword)",
			            where, key);
			break;
		}
		/* Go's omitempty: a null is left out */
		if (is_null(v))
			continue;
		st = to_json(c, v, where, &j);
		if (st == CNAB_OK)
			st = put(c, s, key, j);
	}
	if (st != CNAB_OK) {
		json_decref(s);
		return st;
	}
	*out = s;
	return CNAB_OK;
}

/*
 * Porter's addDefinition: the definition of name for kind ("parameter",
 * "output", "state") is schema (taken), named NAME-KIND unless name ends
 * so; a "file" type becomes a base64 string.  *defname is its name.
 */
static enum cnab_status add_definition(struct conv *c, const char *name,
                                       const char *kind, json_t *schema,
                                       char **defname)
{
	size_t nl = strlen(name), kl = strlen(kind);
	json_t *type = json_object_get(schema, "type");
	enum cnab_status st;

	if (nl > kl && name[nl - kl - 1] == '-' &&
	    !strcmp(name + nl - kl, kind))
		*defname = strdup(name);
	else
		*defname = cnab_strfmt("%s-%s", name, kind);
	if (!*defname) {
		json_decref(schema);
		return nomem(c);
	}
	if (json_is_string(type) && !strcmp(json_string_value(type), "file")) {
		st = put(c, schema, "type", json_string("string"));
		if (st == CNAB_OK)
			st = put(c, schema, "contentEncoding",
			         json_string("base64"));
		if (st != CNAB_OK) {
			json_decref(schema);
			return st;
		}
	}
	return put(c, c->defs, *defname, schema);
}

/* applyTo: a list of action names, or NULL when absent. */
static enum cnab_status apply_to(struct conv *c, yaml_node_t *item,
                                 const char *where, json_t **out)
{
	yaml_node_t *n = map_get(c->doc, item, "applyTo");
	json_t *a;
	size_t i;

	*out = NULL;
	if (is_null(n))
		return CNAB_OK;
	if (n->type != YAML_SEQUENCE_NODE)
		return refuse(c, "field '%s.applyTo' must be a list", where);
	if (to_json(c, n, where, &a) != CNAB_OK)
		return c->err->status;
	for (i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);

		if (!json_is_string(e)) {
			json_decref(a);
			return refuse(c,
			              "field '%s.applyTo' must list action "
			              "names",
			              where);
		}
	}
	*out = a;
	return CNAB_OK;
}

/* Appends every custom action's name, plus extra, sorted. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static enum cnab_status actions_sorted(struct conv *c, const char *first,
                                       json_t **out)
{
	const char **names;
	size_t n = 0, i, max = json_object_size(c->actions) + 3;
	const char *key;
	json_t *v, *a;

	names = calloc(max, sizeof(*names));
	a = json_array();
	if (!names || !a) {
		free(names);
		json_decref(a);
		return nomem(c);
	}
	if (first)
		names[n++] = first;
	names[n++] = "uninstall";
	if (c->upgrade)
		names[n++] = "upgrade";
	json_object_foreach(c->actions, key, v) names[n++] = key;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(names[i]))) {
			free(names);
			json_decref(a);
			return nomem(c);
		}
	free(names);
	*out = a;
	return CNAB_OK;
}

/* The keys of a parameter that are not JSON Schema. */
static const char *const param_own[] = {"name",       "sensitive", "source",
                                        "applyTo",    "path",      "env",
                                        "persistent", NULL};
static const char *const output_own[] = {"name", "applyTo", "sensitive", "path",
                                         NULL};
static const char *const cred_keys[] = {
        "name", "description", "required", "applyTo", "path", "env", NULL};

/*
 * One parameter, as Porter's generateParameterDefinition: into params and
 * c->defs.  state: a state parameter (no required).  persistent parameters
 * are expanded as expandPersistentParameters does.
 */
static enum cnab_status convert_parameter(struct conv *c, yaml_node_t *item,
                                          const char *where, bool state,
                                          json_t *params, json_t *sources)
{
	const char *name, *path, *env, *src_out = NULL, *src_dep = NULL;
	bool sensitive, persistent;
	yaml_node_t *src, *dflt;
	json_t *p = NULL, *schema = NULL, *applyto = NULL, *dest, *desc;
	char *defname = NULL, whereb[300];
	enum cnab_status st;

	if (!item || item->type != YAML_MAPPING_NODE)
		return refuse(c, "section '%s' must list mappings", where);
	st = str_field(c, item, "name", where, &name);
	if (st != CNAB_OK)
		return st;
	if (!name || !*name)
		return refuse(c, "section '%s': a parameter has no name",
		              where);
	snprintf(whereb, sizeof(whereb), "%s.%.200s", where, name);
	where = whereb;
	if (json_object_get(params, name))
		return refuse(c, "section '%s' defined twice", where);
	st = str_field(c, item, "path", where, &path);
	if (st == CNAB_OK)
		st = str_field(c, item, "env", where, &env);
	if (st == CNAB_OK)
		st = bool_field(c, item, "sensitive", where, false, &sensitive);
	if (st == CNAB_OK)
		st = bool_field(c, item, "persistent", where, false,
		                &persistent);
	if (st != CNAB_OK)
		return st;
	src = map_get(c->doc, item, "source");
	if (!is_null(src)) {
		static const char *const keys[] = {"dependency", "output",
		                                   NULL};
		char sw[320];

		snprintf(sw, sizeof(sw), "%s.source", where);
		st = known_keys(c, src, sw, keys);
		if (st == CNAB_OK)
			st = str_field(c, src, "output", sw, &src_out);
		if (st == CNAB_OK)
			st = str_field(c, src, "dependency", sw, &src_dep);
		if (st != CNAB_OK)
			return st;
	}
	st = apply_to(c, item, where, &applyto);
	if (st != CNAB_OK)
		return st;
	st = item_schema(c, item, where, param_own, &schema);
	if (st != CNAB_OK)
		goto out;
	if (persistent && !json_object_get(c->outnames, name)) {
		json_t *o = json_pack("{s:O,s:b}", "schema", schema,
		                      "sensitive", sensitive);

		json_t *copy = o ? json_deep_copy(o) : NULL;

		json_decref(o);
		st = copy ? put(c, c->extra, name, copy) : nomem(c);
		if (st != CNAB_OK)
			goto out;
	}
	dflt = map_get(c->doc, item, "default");
	if (persistent && !sources) {
		st = refuse(c, "section '%s': persistent is not supported here",
		            where);
		goto out;
	}
	if (persistent) {
		if (src_out && *src_out) {
			st = refuse(c,
			            "section '%s': persistent cannot go with "
			            "source.output",
			            where);
			goto out;
		}
		if ((path && *path) || (env && *env) || applyto) {
			st = refuse(c,
			            "section '%s': persistent cannot go with "
			            "path, env or applyTo",
			            where);
			goto out;
		}
		st = actions_sorted(c, "install", &applyto);
		if (st != CNAB_OK)
			goto out;
		src_out = name;
		src_dep = NULL;
	}
	/* UpdateApplyTo: set from an output, with no applyTo nor default */
	if (src_out && *src_out && !applyto && is_null(dflt)) {
		st = actions_sorted(c, NULL, &applyto);
		if (st != CNAB_OK)
			goto out;
	}
	p = json_object();
	dest = json_object();
	if (!p || !dest) {
		json_decref(dest);
		st = nomem(c);
		goto out;
	}
	st = put(c, p, "destination", dest);
	if (st != CNAB_OK)
		goto out;
	if (persistent) {
		char *pp = cnab_strfmt("/cnab/app/%s", name);

		st = pp ? put_str(c, dest, "path", pp) : nomem(c);
		free(pp);
	} else if ((path && *path) || (env && *env)) {
		st = put_str(c, dest, "env", env);
		if (st == CNAB_OK)
			st = resolve_path(c, path, dest, "path");
	} else {
		st = put(c, dest, "env", env_name(name));
	}
	if (st != CNAB_OK)
		goto out;
	if (json_array_size(applyto)) /* omitempty */
		st = put(c, p, "applyTo", json_incref(applyto));
	desc = json_object_get(schema, "description");
	if (st == CNAB_OK && json_is_string(desc) && *json_string_value(desc))
		st = put(c, p, "description", json_incref(desc));
	if (st == CNAB_OK && is_null(dflt) && !state)
		st = put(c, p, "required", json_true());
	if (st == CNAB_OK && sensitive)
		st = put(c, schema, "writeOnly", json_true());
	if (st == CNAB_OK && !json_object_get(schema, "type"))
		st = put(c, schema, "type",
		         json_string((path && *path) || persistent ? "file"
		                                                   : "string"));
	if (st != CNAB_OK)
		goto out;
	if (json_object_get(c->defs, name)) {
		st = put(c, p, "definition", json_string(name));
	} else {
		st = add_definition(c, name, state ? "state" : "parameter",
		                    schema, &defname);
		schema = NULL;
		if (st == CNAB_OK)
			st = put(c, p, "definition", json_string(defname));
	}
	if (st != CNAB_OK)
		goto out;
	/* a parameter set from an output is a parameter source */
	if (sources && src_out && *src_out) {
		json_t *ps =
		        (src_dep && *src_dep)
		                ? json_pack("{s:[s],s:{s:{s:s,s:s}}}",
		                            "priority", "dependencies.output",
		                            "sources", "dependencies.output",
		                            "dependency", src_dep, "name",
		                            src_out)
		                : json_pack("{s:[s],s:{s:{s:s}}}", "priority",
		                            "output", "sources", "output",
		                            "name", src_out);

		st = put(c, sources, name, ps);
		if (st != CNAB_OK)
			goto out;
	}
	st = put(c, params, name, p);
	p = NULL;
out:
	json_decref(p);
	json_decref(schema);
	json_decref(applyto);
	free(defname);
	return st;
}

/*
 * One output, as Porter's generateOutputDefinition: into outputs and
 * c->defs.  schema is taken.
 */
static enum cnab_status add_output(struct conv *c, const char *name,
                                   const char *path, bool sensitive,
                                   json_t *applyto, json_t *schema, bool state,
                                   json_t *outputs)
{
	json_t *o = json_object(), *desc;
	char *defname = NULL,
	     *opath = cnab_strfmt("/cnab/app/outputs/%s", name);
	enum cnab_status st = CNAB_OK;

	if (!o || !opath) {
		st = nomem(c);
		goto out;
	}
	if (json_array_size(applyto))
		st = put(c, o, "applyTo", json_incref(applyto));
	desc = json_object_get(schema, "description");
	if (st == CNAB_OK && json_is_string(desc) && *json_string_value(desc))
		st = put(c, o, "description", json_incref(desc));
	if (st == CNAB_OK)
		st = put(c, o, "path", json_string(opath));
	if (st == CNAB_OK && sensitive)
		st = put(c, schema, "writeOnly", json_true());
	if (st == CNAB_OK && !json_object_get(schema, "type"))
		st = put(c, schema, "type",
		         json_string(path && *path ? "file" : "string"));
	if (st != CNAB_OK)
		goto out;
	if (json_object_get(c->defs, name)) {
		st = put(c, o, "definition", json_string(name));
	} else {
		st = add_definition(c, name, state ? "state" : "output", schema,
		                    &defname);
		schema = NULL;
		if (st == CNAB_OK)
			st = put(c, o, "definition", json_string(defname));
	}
	if (st == CNAB_OK) {
		st = put(c, outputs, name, o);
		o = NULL;
	}
out:
	json_decref(o);
	json_decref(schema);
	free(defname);
	free(opath);
	return st;
}

static enum cnab_status convert_output(struct conv *c, yaml_node_t *item,
                                       const char *where, json_t *outputs)
{
	const char *name, *path;
	bool sensitive;
	json_t *applyto = NULL, *schema = NULL;
	char whereb[300];
	enum cnab_status st;

	if (!item || item->type != YAML_MAPPING_NODE)
		return refuse(c, "section '%s' must list mappings", where);
	st = str_field(c, item, "name", where, &name);
	if (st != CNAB_OK)
		return st;
	if (!name || !*name)
		return refuse(c, "section '%s': an output has no name", where);
	snprintf(whereb, sizeof(whereb), "%s.%.200s", where, name);
	where = whereb;
	if (json_object_get(outputs, name))
		return refuse(c, "section '%s' defined twice", where);
	st = str_field(c, item, "path", where, &path);
	if (st == CNAB_OK)
		st = bool_field(c, item, "sensitive", where, false, &sensitive);
	if (st == CNAB_OK)
		st = apply_to(c, item, where, &applyto);
	if (st == CNAB_OK)
		st = item_schema(c, item, where, output_own, &schema);
	if (st == CNAB_OK) {
		st = add_output(c, name, path, sensitive, applyto, schema,
		                false, outputs);
		schema = NULL;
	}
	json_decref(applyto);
	json_decref(schema);
	return st;
}

static enum cnab_status convert_credential(struct conv *c, yaml_node_t *item,
                                           const char *where, json_t *creds)
{
	const char *name, *path, *env, *desc;
	bool required;
	json_t *cr, *applyto = NULL;
	char whereb[300];
	enum cnab_status st;

	if (!item || item->type != YAML_MAPPING_NODE)
		return refuse(c, "section '%s' must list mappings", where);
	st = str_field(c, item, "name", where, &name);
	if (st != CNAB_OK)
		return st;
	if (!name || !*name)
		return refuse(c, "section '%s': a credential has no name",
		              where);
	snprintf(whereb, sizeof(whereb), "%s.%.200s", where, name);
	where = whereb;
	st = known_keys(c, item, where, cred_keys);
	if (st == CNAB_OK)
		st = str_field(c, item, "path", where, &path);
	if (st == CNAB_OK)
		st = str_field(c, item, "env", where, &env);
	if (st == CNAB_OK)
		st = str_field(c, item, "description", where, &desc);
	if (st == CNAB_OK)
		st = bool_field(c, item, "required", where, true, &required);
	if (st == CNAB_OK)
		st = apply_to(c, item, where, &applyto);
	if (st != CNAB_OK)
		return st;
	cr = json_object();
	st = cr ? put(c, creds, name, cr) : nomem(c);
	if (st == CNAB_OK)
		st = resolve_path(c, path, cr, "path");
	if (st == CNAB_OK)
		st = put_str(c, cr, "env", env);
	if (st == CNAB_OK)
		st = put_str(c, cr, "description", desc);
	if (st == CNAB_OK && required)
		st = put(c, cr, "required", json_true());
	if (st == CNAB_OK && json_array_size(applyto))
		st = put(c, cr, "applyTo", json_incref(applyto));
	json_decref(applyto);
	return st;
}

/* Calls fn on each item of the list at root[key] (absent or null: none). */
static enum cnab_status
each_item(struct conv *c, yaml_node_t *map, const char *key, const char *where,
          enum cnab_status (*fn)(struct conv *, yaml_node_t *, const char *,
                                 json_t *),
          json_t *into)
{
	yaml_node_t *n = map_get(c->doc, map, key);
	yaml_node_item_t *it;
	enum cnab_status st = CNAB_OK;

	if (is_null(n))
		return CNAB_OK;
	if (n->type != YAML_SEQUENCE_NODE)
		return refuse(c, "section '%s' must be a list", where);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && st == CNAB_OK; it++)
		st = fn(c, node(c, *it), where, into);
	return st;
}

static enum cnab_status convert_param_item(struct conv *c, yaml_node_t *item,
                                           const char *where, json_t *params)
{
	return convert_parameter(c, item, where, false, params, c->sources);
}

static enum cnab_status convert_output_item(struct conv *c, yaml_node_t *item,
                                            const char *where, json_t *outs)
{
	return convert_output(c, item, where, outs);
}

/* One entry of "images:", as Porter's generateBundleImages. */
static enum cnab_status convert_v1_image(struct conv *c, const char *name,
                                         yaml_node_t *n, json_t *images)
{
	static const char *const keys[] = {
	        "description", "imageType", "repository", "image", "digest",
	        "size",        "mediaType", "labels",     "tag",   NULL};
	const char *repo, *digest, *tag, *desc, *type, *mt;
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err rerr = CNAB_ERR_INIT;
	char where[300], *image = NULL;
	yaml_node_t *size, *labels;
	enum cnab_status st;
	json_t *img, *j;

	snprintf(where, sizeof(where), "images.%.200s", name);
	st = known_keys(c, n, where, keys);
	if (st == CNAB_OK)
		st = str_field(c, n, "repository", where, &repo);
	/* an older form names the repository "image" */
	if (st == CNAB_OK && !repo)
		st = str_field(c, n, "image", where, &repo);
	if (st == CNAB_OK)
		st = str_field(c, n, "digest", where, &digest);
	if (st == CNAB_OK)
		st = str_field(c, n, "tag", where, &tag);
	if (st == CNAB_OK)
		st = str_field(c, n, "description", where, &desc);
	if (st == CNAB_OK)
		st = str_field(c, n, "imageType", where, &type);
	if (st == CNAB_OK)
		st = str_field(c, n, "mediaType", where, &mt);
	if (st != CNAB_OK)
		return st;
	if (!repo || !*repo)
		return refuse(c, "section '%s': no repository", where);
	if (digest && *digest && !cnab_digest_valid(digest))
		return refuse(c, "section '%s': invalid digest '%.100s'", where,
		              digest);
	if (digest && *digest)
		image = cnab_strfmt("%s@%s", repo, digest);
	else
		image = cnab_strfmt("%s:%s", repo,
		                    tag && *tag ? tag : "latest");
	if (!image)
		return nomem(c);
	if (!(digest && *digest) && !(tag && *tag)) {
		st = put(c, c->latest, name, json_true());
		if (st != CNAB_OK) {
			free(image);
			return st;
		}
	}
	if (cnab_ref_parse(&ref, image, &rerr) != CNAB_OK) {
		st = refuse(c, "section '%s': %s", where, rerr.msg);
		goto out;
	}
	img = json_object();
	st = img ? put(c, images, name, img) : nomem(c);
	if (st == CNAB_OK)
		st = put(c, img, "imageType",
		         json_string(type && *type ? type : "docker"));
	if (st == CNAB_OK)
		st = put(c, img, "image", json_string(image));
	if (st == CNAB_OK)
		st = put_str(c, img, "contentDigest", digest);
	if (st == CNAB_OK)
		st = put_str(c, img, "mediaType", mt);
	if (st == CNAB_OK)
		st = put_str(c, img, "description", desc);
	size = map_get(c->doc, n, "size");
	if (st == CNAB_OK && !is_null(size)) {
		st = to_json(c, size, where, &j);
		if (st == CNAB_OK &&
		    (!json_is_integer(j) || json_integer_value(j) < 0)) {
			json_decref(j);
			st = refuse(c,
			            "field '%s.size' must be a size in bytes",
			            where);
		} else if (st == CNAB_OK) {
			if (json_integer_value(j))
				st = put(c, img, "size", j);
			else
				json_decref(j);
		}
	}
	labels = map_get(c->doc, n, "labels");
	if (st == CNAB_OK && !is_null(labels)) {
		st = to_json(c, labels, where, &j);
		if (st == CNAB_OK && !json_is_object(j)) {
			json_decref(j);
			st = refuse(c, "field '%s.labels' must be a mapping",
			            where);
		} else if (st == CNAB_OK) {
			if (json_object_size(j))
				st = put(c, img, "labels", j);
			else
				json_decref(j);
		}
	}
out:
	cnab_ref_release(&ref);
	free(image);
	return st;
}

/* The default definition of an action not in customActions. */
static json_t *default_action(const char *a)
{
	const char *p = !strncmp(a, "io.cnab.", 8) ? a + 8 : a;

	if (!strcmp(p, "dry-run"))
		return json_pack("{s:b,s:s}", "stateless", 1, "description",
		                 "Execute the installation in a dry-run mode, "
		                 "allowing to see what would happen with the "
		                 "given set of parameter values");
	if (!strcmp(p, "help"))
		return json_pack("{s:b,s:s}", "stateless", 1, "description",
		                 "Print a help message to the standard output");
	if (!strcmp(p, "log"))
		return json_pack("{s:s}", "description",
		                 "Print logs of the installed system to the "
		                 "standard output");
	if (!strcmp(p, "status"))
		return json_pack("{s:s}", "description",
		                 "Print a human readable status message to "
		                 "the standard output");
	if (!strcmp(p, "status+json"))
		return json_pack("{s:s}", "description",
		                 "Print a json payload describing the detailed "
		                 "status with the following the CNAB status "
		                 "schema");
	return json_pack("{s:b,s:s}", "modifies", 1, "description", a);
}

/* The actions, as Porter's generateCustomActionDefinitions. */
static enum cnab_status convert_actions(struct conv *c)
{
	static const char *const keys[] = {"description", "modifies",
	                                   "stateless", NULL};
	yaml_node_t *defs = map_get(c->doc, c->root, "customActions");
	yaml_node_pair_t *p;
	enum cnab_status st = CNAB_OK;
	const char *key;
	json_t *actions, *v;

	actions = json_object();
	if (!actions)
		return nomem(c);
	if (st == CNAB_OK && !is_null(defs) && defs->type != YAML_MAPPING_NODE)
		st = refuse(c, "section 'customActions' must be a mapping");
	for (p = is_null(defs) ? NULL : defs->data.mapping.pairs.start;
	     p && p < defs->data.mapping.pairs.top && st == CNAB_OK; p++) {
		yaml_node_t *k = node(c, p->key), *d = node(c, p->value);
		const char *desc;
		bool modifies, stateless;
		char where[300];
		json_t *a;

		if (!k || k->type != YAML_SCALAR_NODE) {
			st = refuse(c, "section 'customActions': a key is not "
			               "a string");
			break;
		}
		snprintf(where, sizeof(where), "customActions.%.200s",
		         text_of(k));
		st = known_keys(c, d, where, keys);
		if (st == CNAB_OK)
			st = str_field(c, d, "description", where, &desc);
		if (st == CNAB_OK)
			st = bool_field(c, d, "modifies", where, false,
			                &modifies);
		if (st == CNAB_OK)
			st = bool_field(c, d, "stateless", where, false,
			                &stateless);
		if (st != CNAB_OK)
			break;
		a = json_object();
		st = a ? put(c, actions, text_of(k), a) : nomem(c);
		if (st == CNAB_OK && modifies)
			st = put(c, a, "modifies", json_true());
		if (st == CNAB_OK && stateless)
			st = put(c, a, "stateless", json_true());
		if (st == CNAB_OK)
			st = put_str(c, a, "description", desc);
	}
	json_object_foreach(c->actions, key, v)
	{
		if (st != CNAB_OK)
			break;
		if (!json_object_get(actions, key))
			st = put(c, actions, key, default_action(key));
	}
	/* as Porter: written only when the manifest has custom actions */
	if (st == CNAB_OK && json_object_size(c->actions))
		return put(c, c->b, "actions", actions);
	json_decref(actions);
	return st;
}

/* A mapping of strings (a dependency's parameters...), or NULL. */
static enum cnab_status str_map(struct conv *c, yaml_node_t *map,
                                const char *key, const char *where,
                                json_t **out)
{
	yaml_node_t *n = map_get(c->doc, map, key);
	yaml_node_pair_t *p;
	enum cnab_status st = CNAB_OK;
	json_t *m;

	*out = NULL;
	if (is_null(n))
		return CNAB_OK;
	if (n->type != YAML_MAPPING_NODE)
		return refuse(c, "section '%s.%s' must be a mapping", where,
		              key);
	m = json_object();
	if (!m)
		return nomem(c);
	for (p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && st == CNAB_OK; p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);

		if (!k || k->type != YAML_SCALAR_NODE || !v ||
		    v->type != YAML_SCALAR_NODE) {
			st = refuse(c,
			            "section '%s.%s' must map strings to "
			            "strings",
			            where, key);
			break;
		}
		st = put(c, m, text_of(k),
		         json_string(is_null(v) ? "" : text_of(v)));
	}
	if (st != CNAB_OK || !json_object_size(m)) {
		json_decref(m);
		return st;
	}
	*out = m;
	return CNAB_OK;
}

/*
 * Adds to c->vars the names of the variables of the mustache template
 * text, as Porter's getTemplateVariables (with the "${ }" delimiters of
 * schemaVersion above 1.0.0-alpha.1, "{{ }}" before).
 */
static enum cnab_status scan_template(struct conv *c, const char *text,
                                      size_t len, bool dollar, json_t *vars,
                                      const char *where)
{
	const char *open = dollar ? "${" : "{{", *close = dollar ? "}" : "}}";
	size_t ol = strlen(open), cl = strlen(close), i = 0, j, a, b;
	char name[512];

	while (i + ol <= len) {
		if (memcmp(text + i, open, ol)) {
			i++;
			continue;
		}
		for (j = i + ol; j + cl <= len && memcmp(text + j, close, cl);
		     j++)
			;
		if (j + cl > len)
			return refuse(c,
			              "%s: template tag not closed (unmatched "
			              "'%s')",
			              where, open);
		a = i + ol;
		b = j;
		i = j + cl;
		while (a < b && (text[a] == ' ' || text[a] == '\t'))
			a++;
		if (a < b && strchr("#^/!>", text[a]))
			continue;
		if (a < b && text[a] == '=')
			return refuse(c,
			              "%s: template delimiter changes are not "
			              "supported",
			              where);
		if (a < b && (text[a] == '&' || text[a] == '{')) {
			if (text[a] == '{' && i < len && text[i] == '}')
				i++;
			a++;
		}
		while (a < b && (text[a] == ' ' || text[a] == '\t'))
			a++;
		while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t'))
			b--;
		if (a == b || b - a >= sizeof(name))
			continue;
		memcpy(name, text + a, b - a);
		name[b - a] = '\0';
		if (json_object_set_new(vars, name, json_true()))
			return refuse(c,
			              "%s: template variable not valid UTF-8",
			              where);
	}
	return CNAB_OK;
}

/*
 * "bundle.dependencies.DEP.outputs.OUT" as Porter's regular expression
 * ^bundle\.dependencies\.(.+).outputs.(.+)$ splits it (the longest DEP).
 */
static bool dep_output_var(const char *v, char *dep, size_t dsize, char *out,
                           size_t osize)
{
	static const char pre[] = "bundle.dependencies.";
	const char *s;
	size_t n, i;

	if (strncmp(v, pre, sizeof(pre) - 1))
		return false;
	s = v + sizeof(pre) - 1;
	n = strlen(s);
	/* s = A c "outputs" c B, A and B non-empty, A longest */
	if (n < 11)
		return false;
	for (i = n - 10; i >= 1; i--) {
		if (strncmp(s + i + 1, "outputs", 7))
			continue;
		if (i >= dsize || n - i - 9 >= osize)
			return false;
		memcpy(dep, s, i);
		dep[i] = '\0';
		memcpy(out, s + i + 9, n - i - 9);
		out[n - i - 9] = '\0';
		return true;
	}
	return false;
}

/* A parameter of a dependency's interface document: no sources. */
static enum cnab_status convert_doc_param(struct conv *c, yaml_node_t *item,
                                          const char *where, json_t *params)
{
	return convert_parameter(c, item, where, false, params, NULL);
}

/* A credential of an interface document: description and required. */
static enum cnab_status convert_doc_cred(struct conv *c, yaml_node_t *item,
                                         const char *where, json_t *creds)
{
	enum cnab_status st = convert_credential(c, item, where, creds);
	const char *name;
	json_t *cr;
	void *it;

	if (st != CNAB_OK)
		return st;
	str_field(c, item, "name", where, &name);
	cr = json_object_get(creds, name);
	for (it = json_object_iter(cr); it;) {
		const char *k = json_object_iter_key(it);

		it = json_object_iter_next(cr, it);
		if (strcmp(k, "description") && strcmp(k, "required"))
			json_object_del(cr, k);
	}
	return CNAB_OK;
}

/* One dependency of "dependencies.requires", v1 or v2. */
static enum cnab_status convert_dependency(struct conv *c, yaml_node_t *d,
                                           json_t *v1seq, json_t *requires,
                                           bool dollar)
{
	static const char *const keys[] = {
	        "name",        "bundle",  "sharing", "parameters",
	        "credentials", "outputs", NULL};
	static const char *const bkeys[] = {"reference", "version", "interface",
	                                    "id", NULL};
	static const char *const ikeys[] = {"id", "reference", "document",
	                                    NULL};
	static const char *const dkeys[] = {"parameters", "credentials",
	                                    "outputs", NULL};
	static const char *const skeys[] = {"mode", "group", NULL};
	static const char *const gkeys[] = {"name", NULL};
	const char *name, *ref, *version, *gname = NULL;
	struct cnab_ref r = CNAB_REF_INIT;
	struct cnab_err rerr = CNAB_ERR_INIT;
	yaml_node_t *bundle, *iface, *sharing;
	json_t *dep = NULL, *params = NULL, *creds = NULL, *outs = NULL;
	char where[300];
	bool mode = false;
	enum cnab_status st;

	if (!d || d->type != YAML_MAPPING_NODE)
		return refuse(c, "section 'dependencies.requires' must list "
		                 "mappings");
	st = str_field(c, d, "name", "dependencies.requires", &name);
	if (st != CNAB_OK)
		return st;
	if (!name || !*name)
		return refuse(c, "section 'dependencies.requires': a "
		                 "dependency has no name");
	snprintf(where, sizeof(where), "dependencies.requires.%.200s", name);
	st = known_keys(c, d, where, keys);
	if (st != CNAB_OK)
		return st;
	bundle = map_get(c->doc, d, "bundle");
	{
		char bw[320];

		snprintf(bw, sizeof(bw), "%s.bundle", where);
		st = known_keys(c, bundle, bw, bkeys);
		if (st == CNAB_OK)
			st = str_field(c, bundle, "reference", bw, &ref);
		if (st == CNAB_OK)
			st = str_field(c, bundle, "version", bw, &version);
	}
	if (st != CNAB_OK)
		return st;
	if (!ref || !*ref)
		return refuse(c, "section '%s.bundle': no reference", where);
	if (cnab_ref_parse(&r, ref, &rerr) != CNAB_OK)
		return refuse(c, "section '%s.bundle': %s", where, rerr.msg);
	if (!r.tag && !r.digest && !(version && *version)) {
		cnab_ref_release(&r);
		return refuse(c,
		              "section '%s.bundle': a reference without a "
		              "tag or digest needs a version",
		              where);
	}
	cnab_ref_release(&r);
	st = str_map(c, d, "parameters", where, &params);
	if (st == CNAB_OK)
		st = str_map(c, d, "credentials", where, &creds);
	if (st == CNAB_OK)
		st = str_map(c, d, "outputs", where, &outs);
	if (st != CNAB_OK)
		goto out;
	dep = json_object();
	if (!dep) {
		st = nomem(c);
		goto out;
	}
	st = put(c, dep, "bundle", json_string(ref));
	if (st != CNAB_OK)
		goto out;
	if (!c->depsv2) {
		bool pre = false;

		if (version && *version) {
			struct cnab_buf v = CNAB_BUF_INIT(8192);

			if (!semver_norm(version, &v, &pre))
				pre = false;
			cnab_buf_release(&v);
			st = put(c, dep, "version",
			         json_pack("{s:[s],s:b}", "ranges", version,
			                   "prereleases", pre));
		}
		if (st == CNAB_OK &&
		    json_array_append_new(v1seq, json_string(name)))
			st = nomem(c);
		goto store;
	}
	st = put_str(c, dep, "version", version);
	if (st != CNAB_OK)
		goto out;
	iface = map_get(c->doc, bundle, "interface");
	if (!is_null(iface)) {
		char iw[320];
		const char *id, *iref;
		yaml_node_t *doc;
		json_t *ji = NULL, *jd = NULL;

		st = put_object(c, dep, "interface", &ji);
		if (st == CNAB_OK)
			st = put_object(c, ji, "document", &jd);
		snprintf(iw, sizeof(iw), "%s.bundle.interface", where);
		if (st == CNAB_OK)
			st = known_keys(c, iface, iw, ikeys);
		if (st == CNAB_OK)
			st = str_field(c, iface, "id", iw, &id);
		if (st == CNAB_OK)
			st = str_field(c, iface, "reference", iw, &iref);
		if (st == CNAB_OK)
			st = put_str(c, ji, "id", id);
		if (st == CNAB_OK)
			st = put_str(c, ji, "reference", iref);
		doc = map_get(c->doc, iface, "document");
		if (st == CNAB_OK && !is_null(doc) && iref && *iref)
			st = refuse(c,
			            "section '%s': a reference or a document, "
			            "not both",
			            iw);
		if (st == CNAB_OK && !is_null(doc)) {
			char dw[340];
			json_t *dp = NULL, *dc = NULL, *dout = NULL;

			snprintf(dw, sizeof(dw), "%s.document", iw);
			st = put_object(c, jd, "parameters", &dp);
			if (st == CNAB_OK)
				st = put_object(c, jd, "credentials", &dc);
			if (st == CNAB_OK)
				st = put_object(c, jd, "outputs", &dout);
			if (st == CNAB_OK)
				st = known_keys(c, doc, dw, dkeys);
			if (st == CNAB_OK)
				st = each_item(c, doc, "outputs", dw,
				               convert_output_item, dout);
			if (st == CNAB_OK)
				st = each_item(c, doc, "parameters", dw,
				               convert_doc_param, dp);
			if (st == CNAB_OK)
				st = each_item(c, doc, "credentials", dw,
				               convert_doc_cred, dc);
			/* Go's omitempty */
			if (st == CNAB_OK && !json_object_size(dp))
				json_object_del(jd, "parameters");
			if (st == CNAB_OK && !json_object_size(dc))
				json_object_del(jd, "credentials");
			if (st == CNAB_OK && !json_object_size(dout))
				json_object_del(jd, "outputs");
		}
		if (st != CNAB_OK)
			goto out;
	}
	sharing = map_get(c->doc, d, "sharing");
	if (!is_null(sharing)) {
		char sw[320];
		yaml_node_t *g;

		snprintf(sw, sizeof(sw), "%s.sharing", where);
		st = known_keys(c, sharing, sw, skeys);
		if (st == CNAB_OK)
			st = bool_field(c, sharing, "mode", sw, false, &mode);
		g = map_get(c->doc, sharing, "group");
		if (st == CNAB_OK && !is_null(g)) {
			char gw[340];

			snprintf(gw, sizeof(gw), "%s.group", sw);
			st = known_keys(c, g, gw, gkeys);
			if (st == CNAB_OK)
				st = str_field(c, g, "name", gw, &gname);
		}
		if (st != CNAB_OK)
			goto out;
	}
	{
		json_t *s = NULL, *g = NULL;

		st = put_object(c, dep, "sharing", &s);
		if (st == CNAB_OK)
			st = put_object(c, s, "group", &g);
		if (st == CNAB_OK && mode)
			st = put(c, s, "mode", json_true());
		if (st == CNAB_OK)
			st = put_str(c, g, "name", gname);
	}
	if (st == CNAB_OK && params)
		st = put(c, dep, "parameters", json_incref(params));
	if (st == CNAB_OK && creds)
		st = put(c, dep, "credentials", json_incref(creds));
	if (st == CNAB_OK && outs)
		st = put(c, dep, "outputs", json_incref(outs));
	/* "${ outputs.X }" in an output is this dependency's output X */
	if (st == CNAB_OK && outs) {
		const char *k;
		json_t *v, *vars = json_object(), *x;

		if (!vars) {
			st = nomem(c);
			goto out;
		}
		json_object_foreach(outs, k, v)
		{
			if (st != CNAB_OK)
				break;
			st = scan_template(c, json_string_value(v),
			                   strlen(json_string_value(v)), dollar,
			                   vars, "section 'dependencies'");
		}
		json_object_foreach(vars, k, x)
		{
			char *full;

			if (st != CNAB_OK || strncmp(k, "outputs.", 8) || !k[8])
				continue;
			full = cnab_strfmt("bundle.dependencies.%s.outputs.%s",
			                   name, k + 8);
			st = full ? put(c, c->shortvars, full, json_true())
			          : nomem(c);
			free(full);
		}
		json_decref(vars);
	}
store:
	if (st == CNAB_OK) {
		st = put(c, requires, name, dep);
		dep = NULL;
	}
out:
	json_decref(dep);
	json_decref(params);
	json_decref(creds);
	json_decref(outs);
	return st;
}

/* The top-level keys of Porter's Manifest; any other is a custom action. */
static const char *const manifest_keys[] = {
        "-", "schemaType", "schemaVersion", "name", "description", "version",
        "maintainers", "registry", "reference", "dockerfile", "mixins",
        "install", "uninstall", "upgrade", "custom", "customActions", "state",
        "parameters", "credentials", "dependencies", "outputs", "images",
        "required", "files",
        /* v0's, ignored by Porter v1 with a warning */
        "invocationImage", "tag", NULL};

/* Is schemaVersion one this reads?  1.0.0-alpha.1 to 1.3.x. */
static bool schema_version_ok(const char *v, bool *dollar)
{
	struct cnab_buf b = CNAB_BUF_INIT(256);
	bool pre, ok;
	const char *s;

	ok = semver_norm(v, &b, &pre);
	s = cnab_buf_str(&b);
	*dollar = ok && strcmp(s, "1.0.0-alpha.1") != 0;
	ok = ok &&
	     (!strcmp(s, "1.0.0-alpha.1") ||
	      (!pre && (!strncmp(s, "1.0.", 4) || !strncmp(s, "1.1.", 4) ||
	                !strncmp(s, "1.2.", 4) || !strncmp(s, "1.3.", 4))));
	cnab_buf_release(&b);
	return ok;
}

/* The required extensions' full name, as Porter's lookupExtensionKey. */
static const char *extension_key(const char *name)
{
	static const char *const map[][2] = {
	        {"docker", "io.cnab.docker"},
	        {"dependencies", "io.cnab.dependencies"},
	        {"dependencies@v2", "org.getporter.dependencies@v2"},
	        {"file-parameters", "sh.porter.file-parameters"},
	        {"parameter-sources", "io.cnab.parameter-sources"}};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(name, map[i][0]) || !strcmp(name, map[i][1]))
			return map[i][1];
	return name;
}

/* "required": name -> its configuration (null without one), in order. */
static enum cnab_status read_required(struct conv *c, json_t *req)
{
	yaml_node_t *n = map_get(c->doc, c->root, "required");
	yaml_node_item_t *it;
	enum cnab_status st = CNAB_OK;

	if (is_null(n))
		return CNAB_OK;
	if (n->type != YAML_SEQUENCE_NODE)
		return refuse(c, "section 'required' must be a list");
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && st == CNAB_OK; it++) {
		yaml_node_t *e = node(c, *it), *k, *v;
		json_t *cfg = NULL, *pair;

		if (e && e->type == YAML_SCALAR_NODE && !is_null(e)) {
			pair = json_pack("[s,n]", text_of(e));
		} else if (e && e->type == YAML_MAPPING_NODE &&
		           e->data.mapping.pairs.top -
		                           e->data.mapping.pairs.start ==
		                   1) {
			k = node(c, e->data.mapping.pairs.start->key);
			v = node(c, e->data.mapping.pairs.start->value);
			if (!k || k->type != YAML_SCALAR_NODE)
				return refuse(c, "section 'required': a key is "
				                 "not a string");
			if (!is_null(v)) {
				st = to_json(c, v, "required", &cfg);
				if (st != CNAB_OK)
					return st;
				if (!json_is_object(cfg)) {
					json_decref(cfg);
					return refuse(
					        c,
					        "section 'required.%.100s' "
					        "must be a mapping",
					        text_of(k));
				}
			}
			pair = json_pack("[s,o]", text_of(k),
			                 cfg ? cfg : json_null());
		} else {
			return refuse(c, "section 'required' must list names "
			                 "or one-key mappings");
		}
		if (!pair || json_array_append_new(req, pair))
			st = nomem(c);
	}
	return st;
}

/* The dependencies, v1 or v2 (c->depsv2), into custom. */
static enum cnab_status convert_dependencies(struct conv *c, json_t *custom,
                                             json_t *req, bool dollar,
                                             const char **key)
{
	static const char *const keys[] = {"requires", "provides", NULL};
	yaml_node_t *deps = map_get(c->doc, c->root, "dependencies");
	yaml_node_t *requires, *provides;
	yaml_node_item_t *it;
	enum cnab_status st;
	json_t *ext, *seq, *reqs;
	size_t i;

	*key = NULL;
	if (is_null(deps))
		return CNAB_OK;
	st = known_keys(c, deps, "dependencies", keys);
	if (st != CNAB_OK)
		return st;
	requires = map_get(c->doc, deps, "requires");
	provides = map_get(c->doc, deps, "provides");
	if (!is_null(requires) && requires->type != YAML_SEQUENCE_NODE)
		return refuse(c, "section 'dependencies.requires' must be a "
		                 "list");
	if (is_null(requires) || requires->data.sequence.items.top ==
	                                 requires->data.sequence.items.start)
		return CNAB_OK; /* as Porter: provides alone writes nothing */
	/* which version: DetermineDependenciesExtensionUsed */
	c->depsv2 = c->deps_mode == CNAB_PORTER_DEPS_V2;
	if (c->deps_mode == CNAB_PORTER_DEPS_AUTO) {
		for (i = 0; i < json_array_size(req); i++)
			if (!strcmp(extension_key(
			                    json_string_value(json_array_get(
			                            json_array_get(req, i),
			                            0))),
			            "org.getporter.dependencies@v2"))
				c->depsv2 = true;
		if (!is_null(provides))
			c->depsv2 = true;
		for (it = requires->data.sequence.items.start;
		     it < requires->data.sequence.items.top; it++) {
			yaml_node_t *d = node(c, *it);
			static const char *const v2[] = {
			        "parameters", "credentials", "outputs", NULL};
			yaml_node_t *b = map_get(c->doc, d, "bundle");
			yaml_node_t *s = map_get(c->doc, d, "sharing");
			yaml_node_t *g = map_get(c->doc, s, "group");
			const char *gname = NULL;
			bool mode = false;

			/* sharing counts when it is not Go's zero value */
			if (!is_null(s) &&
			    (bool_field(c, s, "mode", "sharing", false,
			                &mode) != CNAB_OK ||
			     str_field(c, g, "name", "sharing.group", &gname) !=
			             CNAB_OK))
				return c->err->status;
			if (mode || (gname && *gname))
				c->depsv2 = true;

			for (i = 0; v2[i]; i++) {
				yaml_node_t *v = map_get(c->doc, d, v2[i]);

				if (!is_null(v) &&
				    !(v->type == YAML_MAPPING_NODE &&
				      v->data.mapping.pairs.top ==
				              v->data.mapping.pairs.start))
					c->depsv2 = true;
			}
			if (!is_null(map_get(c->doc, b, "interface")))
				c->depsv2 = true;
		}
	}
	ext = json_object();
	seq = json_array();
	reqs = json_object();
	if (!ext || !seq || !reqs) {
		json_decref(ext);
		json_decref(seq);
		json_decref(reqs);
		return nomem(c);
	}
	*key = c->depsv2 ? "org.getporter.dependencies@v2"
	                 : "io.cnab.dependencies";
	st = put(c, custom, *key, ext);
	if (st == CNAB_OK && !c->depsv2)
		st = put(c, ext, "sequence", seq);
	else
		json_decref(seq);
	if (st == CNAB_OK)
		st = put(c, ext, "requires", reqs);
	else
		json_decref(reqs);
	for (it = requires->data.sequence.items.start;
	     it < requires->data.sequence.items.top && st == CNAB_OK; it++)
		st = convert_dependency(c, node(c, *it),
		                        json_object_get(ext, "sequence"), reqs,
		                        dollar);
	if (st == CNAB_OK && c->depsv2 && !is_null(provides)) {
		static const char *const pkeys[] = {"interface", NULL};
		static const char *const ikeys[] = {"id", NULL};
		yaml_node_t *iface = map_get(c->doc, provides, "interface");
		const char *id = NULL;
		json_t *pi = NULL, *pp = NULL;

		st = put_object(c, ext, "provides", &pp);
		if (st == CNAB_OK)
			st = put_object(c, pp, "interface", &pi);
		if (st == CNAB_OK)
			st = known_keys(c, provides, "dependencies.provides",
			                pkeys);
		if (st == CNAB_OK && !is_null(iface))
			st = known_keys(c, iface,
			                "dependencies.provides.interface",
			                ikeys);
		if (st == CNAB_OK && !is_null(iface))
			st = str_field(c, iface, "id",
			               "dependencies.provides.interface", &id);
		if (st == CNAB_OK)
			st = put_str(c, pi, "id", id);
	}
	return st;
}

/* A wiring parameter, as Porter's generateWiringParameter. */
static enum cnab_status wiring_parameter(struct conv *c, json_t *params,
                                         const char *name, const char *desc,
                                         json_t *def, json_t *source)
{
	json_t *p = json_pack("{s:s,s:s,s:{s:o}}", "definition", name,
	                      "description", desc, "destination", "env",
	                      env_name(name));
	enum cnab_status st;

	st = p ? put(c, params, name, p) : nomem(c);
	if (st == CNAB_OK)
		st = def ? put(c, c->defs, name, def) : nomem(c);
	else
		json_decref(def);
	if (st == CNAB_OK)
		st = put(c, c->sources, name, source);
	else
		json_decref(source);
	return st;
}

/* The parameters that wire templated outputs back in (sources). */
static enum cnab_status convert_wiring(struct conv *c, json_t *params,
                                       json_t *outputs)
{
	const char *var;
	json_t *x;
	enum cnab_status st = CNAB_OK;
	char dep[256], out[256];

	json_object_foreach(c->vars, var, x)
	{
		const char *oname;
		char *name, *desc;
		json_t *o, *def;

		if (st != CNAB_OK)
			break;
		if (strncmp(var, "bundle.outputs.", 15) || !var[15])
			continue;
		oname = var + 15;
		/* only the bundle's own outputs */
		if (!json_object_get(c->outnames, oname))
			continue;
		o = json_object_get(outputs, oname);
		def = json_object_get(
		        c->defs,
		        json_string_value(json_object_get(o, "definition")));
		def = def ? json_deep_copy(def) : json_object();
		name = cnab_strfmt("porter-%s-output", oname);
		desc = cnab_strfmt("Wires up the %s output for use as a "
		                   "parameter. Porter internal parameter that "
		                   "should not be set manually.",
		                   oname);
		if (!def || !name || !desc ||
		    json_object_set_new(def, "$id",
		                        json_string("https://porter.sh/"
		                                    "generated-bundle/"
		                                    "#porter-parameter-source-"
		                                    "definition")) ||
		    json_object_set_new(def, "$comment",
		                        json_string("porter-internal")))
			st = nomem(c);
		else
			st = wiring_parameter(
			        c, params, name, desc, json_incref(def),
			        json_pack("{s:[s],s:{s:{s:s}}}", "priority",
			                  "output", "sources", "output", "name",
			                  oname));
		json_decref(def);
		free(name);
		free(desc);
	}
	json_object_foreach(c->vars, var, x)
	{
		char *name, *desc;

		if (st != CNAB_OK)
			break;
		if (!dep_output_var(var, dep, sizeof(dep), out, sizeof(out)))
			continue;
		name = cnab_strfmt("porter-%s-%s-dep-output", dep, out);
		desc = cnab_strfmt("Wires up the %s dependency %s output for "
		                   "use as a parameter. Porter internal "
		                   "parameter that should not be set manually.",
		                   dep, out);
		if (!name || !desc)
			st = nomem(c);
		else
			st = wiring_parameter(
			        c, params, name, desc,
			        json_pack("{s:s,s:s}", "$id",
			                  "https://porter.sh/generated-bundle/"
			                  "#porter-parameter-source-definition",
			                  "$comment", "porter-internal"),
			        json_pack("{s:[s],s:{s:{s:s,s:s}}}", "priority",
			                  "dependencies.output", "sources",
			                  "dependencies.output", "dependency",
			                  dep, "name", out));
		free(name);
		free(desc);
	}
	return st;
}

/* Porter's own parameters and output, added to every bundle. */
static enum cnab_status porter_builtins(struct conv *c, json_t *params,
                                        json_t *outputs)
{
	static const char state_desc[] =
	        "Supports persisting state for bundles. Porter internal "
	        "parameter that should not be set manually.";
	static const char debug_desc[] =
	        "Print debug information from Porter when executing the "
	        "bundle";
	enum cnab_status st;

	st = put(c, params, "porter-debug",
	         json_pack("{s:s,s:s,s:{s:s}}", "definition",
	                   "porter-debug-parameter", "description", debug_desc,
	                   "destination", "env", "PORTER_DEBUG"));
	if (st == CNAB_OK)
		st = put(c, c->defs, "porter-debug-parameter",
		         json_pack("{s:s,s:s,s:b,s:s,s:s}", "$comment",
		                   "porter-internal", "$id",
		                   "https://porter.sh/generated-bundle/"
		                   "#porter-debug",
		                   "default", 0, "description", debug_desc,
		                   "type", "boolean"));
	if (st == CNAB_OK)
		st = put(c, params, "porter-state",
		         json_pack("{s:s,s:s,s:{s:s}}", "definition",
		                   "porter-state", "description", state_desc,
		                   "destination", "path", "/porter/state.tgz"));
	if (st == CNAB_OK && !json_object_get(c->defs, "porter-state"))
		st = put(c, c->defs, "porter-state",
		         json_pack("{s:s,s:s,s:s,s:s,s:s}", "$comment",
		                   "porter-internal", "$id",
		                   "https://porter.sh/generated-bundle/"
		                   "#porter-state",
		                   "contentEncoding", "base64", "description",
		                   state_desc, "type", "string"));
	if (st == CNAB_OK)
		st = put(c, outputs, "porter-state",
		         json_pack("{s:s,s:s,s:s}", "definition",
		                   "porter-state", "description", state_desc,
		                   "path", "/cnab/app/outputs/porter-state"));
	if (st == CNAB_OK)
		st = put(c, c->sources, "porter-state",
		         json_pack("{s:[s],s:{s:{s:s}}}", "priority", "output",
		                   "sources", "output", "name",
		                   "porter-state"));
	return st;
}

static enum cnab_status convert_maintainers(struct conv *c)
{
	static const char *const keys[] = {"name", "email", "url", NULL};
	yaml_node_t *n = map_get(c->doc, c->root, "maintainers");
	yaml_node_item_t *it;
	enum cnab_status st = CNAB_OK;
	json_t *arr;

	if (is_null(n))
		return CNAB_OK;
	if (n->type != YAML_SEQUENCE_NODE)
		return refuse(c, "section 'maintainers' must be a list");
	if (n->data.sequence.items.top == n->data.sequence.items.start)
		return CNAB_OK;
	arr = json_array();
	st = arr ? put(c, c->b, "maintainers", arr) : nomem(c);
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top && st == CNAB_OK; it++) {
		yaml_node_t *m = node(c, *it);
		const char *name, *email, *url;
		json_t *o;

		st = known_keys(c, m, "maintainers", keys);
		if (st == CNAB_OK)
			st = str_field(c, m, "name", "maintainers", &name);
		if (st == CNAB_OK)
			st = str_field(c, m, "email", "maintainers", &email);
		if (st == CNAB_OK)
			st = str_field(c, m, "url", "maintainers", &url);
		if (st != CNAB_OK)
			break;
		o = json_pack("{s:s}", "name", name ? name : "");
		if (!o || json_array_append_new(arr, o))
			st = nomem(c);
		if (st == CNAB_OK)
			st = put_str(c, o, "email", email);
		if (st == CNAB_OK)
			st = put_str(c, o, "url", url);
	}
	return st;
}

/* Reads what decides the rest: actions, outputs' names, templates. */
static enum cnab_status survey(struct conv *c, const void *data, size_t len,
                               bool dollar)
{
	yaml_node_pair_t *p;
	yaml_node_t *outs = map_get(c->doc, c->root, "outputs");
	yaml_node_item_t *it;
	enum cnab_status st = CNAB_OK;

	for (p = c->root->data.mapping.pairs.start;
	     p < c->root->data.mapping.pairs.top && st == CNAB_OK; p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);

		if (!k || k->type != YAML_SCALAR_NODE)
			return refuse(c, "a top-level key is not a string");
		if (!strcmp(text_of(k), "<<"))
			return refuse(c, "YAML merge keys are not supported");
		if (!strcmp(text_of(k), "upgrade") && !is_null(v))
			c->upgrade = true;
		if (in_list(manifest_keys, text_of(k)))
			continue;
		/* a custom action: a list of steps */
		if (!is_null(v) && v->type != YAML_SEQUENCE_NODE)
			return refuse(c,
			              "section '%.100s' is not supported (not "
			              "a list of steps, so not a custom "
			              "action)",
			              text_of(k));
		st = put(c, c->actions, text_of(k), json_true());
	}
	if (!is_null(outs) && outs->type == YAML_SEQUENCE_NODE)
		for (it = outs->data.sequence.items.start;
		     it < outs->data.sequence.items.top && st == CNAB_OK;
		     it++) {
			const char *name = NULL;

			st = str_field(c, node(c, *it), "name", "outputs",
			               &name);
			if (st == CNAB_OK && name)
				st = put(c, c->outnames, name, json_true());
		}
	if (st == CNAB_OK)
		st = scan_template(c, data, len, dollar, c->vars,
		                   "the manifest");
	return st;
}

static enum cnab_status convert_v1(yaml_document_t *doc, const void *data,
                                   size_t len, const char *subject,
                                   enum cnab_porter_deps deps_mode, json_t *b,
                                   struct cnab_porter_ref *ref,
                                   struct cnab_err *err)
{
	struct conv c = {.doc = doc,
	                 .root = yaml_document_get_root_node(doc),
	                 .subject = subject,
	                 .err = err,
	                 .deps_mode = deps_mode};
	const char *stype, *sver, *name, *version, *desc, *registry, *reference,
	        *depkey = NULL, *key;
	struct cnab_porter_ref r = CNAB_PORTER_REF_INIT;
	struct cnab_buf normver = CNAB_BUF_INIT(8192);
	json_t *params = NULL, *outputs = NULL, *creds = NULL, *images = NULL,
	       *custom = NULL, *req = NULL, *reqext = NULL, *v;
	yaml_node_t *n;
	enum cnab_status st;
	bool dollar, pre;
	size_t i;

	c.b = b;
	c.defs = json_object();
	c.actions = json_object();
	c.vars = json_object();
	c.outnames = json_object();
	c.extra = json_object();
	c.sources = json_object();
	c.shortvars = json_object();
	c.latest = json_object();
	params = json_object();
	outputs = json_object();
	creds = json_object();
	images = json_object();
	custom = json_object();
	req = json_array();
	reqext = json_array();
	if (!c.defs || !c.actions || !c.vars || !c.outnames || !c.extra ||
	    !c.sources || !c.shortvars || !c.latest || !params || !outputs ||
	    !creds || !images || !custom || !req || !reqext) {
		st = nomem(&c);
		goto out;
	}
	st = str_field(&c, c.root, "schemaType", "", &stype);
	if (st == CNAB_OK)
		st = str_field(&c, c.root, "schemaVersion", "", &sver);
	if (st == CNAB_OK)
		st = str_field(&c, c.root, "name", "", &name);
	if (st == CNAB_OK)
		st = str_field(&c, c.root, "version", "", &version);
	if (st == CNAB_OK)
		st = str_field(&c, c.root, "description", "", &desc);
	if (st == CNAB_OK)
		st = str_field(&c, c.root, "registry", "", &registry);
	if (st == CNAB_OK)
		st = str_field(&c, c.root, "reference", "", &reference);
	if (st != CNAB_OK)
		goto out;
	if (stype && *stype && strcasecmp(stype, "Bundle")) {
		st = refuse(&c, "schemaType '%.100s' is not Bundle", stype);
		goto out;
	}
	if (!sver || !*sver) {
		st = refuse(&c, "missing field 'schemaVersion'");
		goto out;
	}
	if (!schema_version_ok(sver, &dollar)) {
		st = refuse(&c,
		            "schemaVersion '%.100s' is not supported (1.0.0 "
		            "to 1.3.x are)",
		            sver);
		goto out;
	}
	if (!name || !*name) {
		st = refuse(&c, "missing field 'name'");
		goto out;
	}
	/* Porter would write a bundle without one: CNAB requires it */
	if (!version || !*version) {
		st = refuse(&c, "missing field 'version'");
		goto out;
	}
	if (!semver_norm(version, &normver, &pre)) {
		st = refuse(&c, "version '%.100s' is not a semantic version",
		            version);
		goto out;
	}
	st = cnab_porter_derive(reference, registry, name, version, &r, err);
	if (st == CNAB_ERR_INVALID) {
		char why[CNAB_ERR_MSG_MAX];

		snprintf(why, sizeof(why), "%s", err->msg);
		cnab_err_clear(err);
		st = refuse(&c, "%s", why);
	}
	if (st != CNAB_OK)
		goto out;
	st = survey(&c, data, len, dollar);
	if (st == CNAB_OK)
		st = read_required(&c, req);
	if (st != CNAB_OK)
		goto out;
	/* the document */
	st = put(&c, b, "schemaVersion", json_string("1.2.0"));
	if (st == CNAB_OK)
		st = put(&c, b, "name", json_string(name));
	if (st == CNAB_OK)
		st = put_str(&c, b, "version", cnab_buf_str(&normver));
	if (st == CNAB_OK)
		st = put_str(&c, b, "description", desc);
	if (st == CNAB_OK)
		st = convert_maintainers(&c);
	if (st == CNAB_OK)
		st = put(&c, b, "invocationImages",
		         json_pack("[{s:s,s:s}]", "imageType", "docker",
		                   "image", r.installer));
	n = map_get(doc, c.root, "images");
	if (st == CNAB_OK && !is_null(n)) {
		yaml_node_pair_t *p;

		if (n->type != YAML_MAPPING_NODE)
			st = refuse(&c, "section 'images' must be a mapping");
		for (p = st == CNAB_OK ? n->data.mapping.pairs.start : NULL;
		     p && p < n->data.mapping.pairs.top && st == CNAB_OK; p++) {
			yaml_node_t *k = node(&c, p->key);

			if (!k || k->type != YAML_SCALAR_NODE)
				st = refuse(&c, "section 'images': a key is "
				                "not a string");
			else if (json_object_get(images, text_of(k)))
				st = refuse(&c,
				            "section 'images.%.100s' defined "
				            "twice",
				            text_of(k));
			else
				st = convert_v1_image(&c, text_of(k),
				                      node(&c, p->value),
				                      images);
		}
	}
	if (st == CNAB_OK && json_object_size(images))
		st = put(&c, b, "images", json_incref(images));
	if (st == CNAB_OK)
		st = convert_actions(&c);
	if (st == CNAB_OK)
		st = each_item(&c, c.root, "parameters", "parameters",
		               convert_param_item, params);
	if (st == CNAB_OK)
		st = porter_builtins(&c, params, outputs);
	if (st == CNAB_OK)
		st = each_item(&c, c.root, "outputs", "outputs",
		               convert_output_item, outputs);
	/* the outputs of persistent parameters, with a path (/cnab/app/NAME) */
	json_object_foreach(c.extra, key, v)
	{
		if (st != CNAB_OK)
			break;
		st = add_output(&c, key, "/cnab/app/",
		                json_is_true(json_object_get(v, "sensitive")),
		                NULL, json_incref(json_object_get(v, "schema")),
		                false, outputs);
	}
	if (st == CNAB_OK)
		st = each_item(&c, c.root, "credentials", "credentials",
		               convert_credential, creds);
	if (st != CNAB_OK)
		goto out;
	/* custom: file parameters, the user's, dependencies, sources */
	st = put(&c, custom, "sh.porter.file-parameters", json_object());
	n = map_get(doc, c.root, "custom");
	if (st == CNAB_OK && !is_null(n)) {
		json_t *user;

		if (n->type != YAML_MAPPING_NODE)
			st = refuse(&c, "section 'custom' must be a mapping");
		else
			st = to_json(&c, n, "custom", &user);
		if (st == CNAB_OK) {
			if (json_object_update(custom, user))
				st = nomem(&c);
			json_decref(user);
		}
	}
	if (st == CNAB_OK)
		st = convert_dependencies(&c, custom, req, dollar, &depkey);
	if (st == CNAB_OK && c.depsv2) {
		/* deduplicateAndFilterShortOutputVariables */
		void *it = json_object_iter(c.vars);

		while (it) {
			const char *k = json_object_iter_key(it);

			it = json_object_iter_next(c.vars, it);
			if (!strncmp(k, "outputs.", 8))
				json_object_del(c.vars, k);
		}
		if (json_object_update(c.vars, c.shortvars))
			st = nomem(&c);
	}
	if (st == CNAB_OK)
		st = convert_wiring(&c, params, outputs);
	if (st == CNAB_OK)
		st = put(&c, custom, "io.cnab.parameter-sources",
		         json_incref(c.sources));
	/* requiredExtensions */
	if (st == CNAB_OK &&
	    json_array_append_new(reqext,
	                          json_string("sh.porter.file-parameters")))
		st = nomem(&c);
	if (st == CNAB_OK && depkey &&
	    json_array_append_new(reqext, json_string(depkey)))
		st = nomem(&c);
	if (st == CNAB_OK &&
	    json_array_append_new(reqext,
	                          json_string("io.cnab.parameter-sources")))
		st = nomem(&c);
	for (i = 0; i < json_array_size(req) && st == CNAB_OK; i++) {
		json_t *pair = json_array_get(req, i);
		const char *k = extension_key(
		        json_string_value(json_array_get(pair, 0)));

		/*
		 * Porter would replace the extension it has just written
		 * (dependencies, parameter sources) by the null configuration
		 * and list it twice: it is kept, once.
		 */
		if ((!strcmp(k, "io.cnab.dependencies") ||
		     !strcmp(k, "org.getporter.dependencies@v2") ||
		     !strcmp(k, "io.cnab.parameter-sources") ||
		     !strcmp(k, "sh.porter.file-parameters")) &&
		    json_object_get(custom, k) &&
		    json_is_null(json_array_get(pair, 1)))
			continue;
		st = put(&c, custom, k, json_incref(json_array_get(pair, 1)));
		if (st == CNAB_OK &&
		    json_array_append_new(reqext, json_string(k)))
			st = nomem(&c);
	}
	if (st == CNAB_OK)
		st = put(&c, b, "parameters", json_incref(params));
	if (st == CNAB_OK)
		st = put(&c, b, "outputs", json_incref(outputs));
	if (st == CNAB_OK && json_object_size(creds))
		st = put(&c, b, "credentials", json_incref(creds));
	if (st == CNAB_OK)
		st = put(&c, b, "definitions", json_incref(c.defs));
	if (st == CNAB_OK)
		st = put(&c, b, "requiredExtensions", json_incref(reqext));
	if (st == CNAB_OK)
		st = put(&c, b, "custom", json_incref(custom));
	if (st == CNAB_OK && ref && json_object_size(c.latest)) {
		r.latest = calloc(json_object_size(c.latest), sizeof(char *));
		if (!r.latest)
			st = nomem(&c);
		json_object_foreach(c.latest, key, v)
		{
			if (st != CNAB_OK)
				break;
			r.latest[r.nlatest] = strdup(key);
			if (!r.latest[r.nlatest++])
				st = nomem(&c);
		}
	}
	if (st == CNAB_OK && ref) {
		r.v1 = true;
		*ref = r;
		r = (struct cnab_porter_ref)CNAB_PORTER_REF_INIT;
	}
out:
	cnab_porter_ref_release(&r);
	cnab_buf_release(&normver);
	json_decref(c.defs);
	json_decref(c.actions);
	json_decref(c.vars);
	json_decref(c.outnames);
	json_decref(c.extra);
	json_decref(c.sources);
	json_decref(c.shortvars);
	json_decref(c.latest);
	json_decref(params);
	json_decref(outputs);
	json_decref(creds);
	json_decref(images);
	json_decref(custom);
	json_decref(req);
	json_decref(reqext);
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

/* True when the manifest is Porter v1's: it has one of their keys. */
static bool is_v1(yaml_document_t *doc)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);

	return map_get(doc, root, "schemaVersion") ||
	       map_get(doc, root, "registry") ||
	       map_get(doc, root, "reference");
}

/* v0: the reference is the tag, the installer the invocation image. */
static enum cnab_status v0_ref(json_t *b, const char *tag,
                               struct cnab_porter_ref *ref,
                               struct cnab_err *err)
{
	struct cnab_ref r = CNAB_REF_INIT;
	json_t *inv = json_array_get(json_object_get(b, "invocationImages"), 0);
	enum cnab_status st;

	st = cnab_ref_parse(&r, tag, err);
	if (st != CNAB_OK)
		return st;
	ref->reference = strdup(tag);
	ref->tag = strdup(r.tag ? r.tag : "latest");
	ref->installer =
	        strdup(json_string_value(json_object_get(inv, "image")));
	ref->v1 = false;
	ref->tag_from_version = false;
	cnab_ref_release(&r);
	if (!ref->reference || !ref->tag || !ref->installer) {
		cnab_porter_ref_release(ref);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	return CNAB_OK;
}

enum cnab_status
cnab_porter_convert(const void *data, size_t len, const char *subject,
                    enum cnab_porter_deps deps, json_t **bundle,
                    struct cnab_porter_ref *ref, struct cnab_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	enum cnab_status st;
	json_t *b = NULL;
	char *tag = NULL;

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
	if (!b) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	} else if (yaml_document_get_root_node(&doc) &&
	           yaml_document_get_root_node(&doc)->type ==
	                   YAML_MAPPING_NODE &&
	           is_v1(&doc)) {
		st = convert_v1(&doc, data, len, subject, deps, b, ref, err);
	} else {
		st = convert(&doc, subject, b, &tag, err);
		if (st == CNAB_OK && ref)
			st = v0_ref(b, tag, ref, err);
	}
	free(tag);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (st != CNAB_OK) {
		json_decref(b);
		return st;
	}
	*bundle = b;
	return CNAB_OK;
}

enum cnab_status cnab_porter_to_bundle(const void *data, size_t len,
                                       const char *subject, json_t **bundle,
                                       char **tag, struct cnab_err *err)
{
	struct cnab_porter_ref ref = CNAB_PORTER_REF_INIT;
	enum cnab_status st;

	st = cnab_porter_convert(data, len, subject, CNAB_PORTER_DEPS_AUTO,
	                         bundle, &ref, err);
	if (st != CNAB_OK)
		return st;
	if (tag) {
		*tag = ref.reference;
		ref.reference = NULL;
	}
	cnab_porter_ref_release(&ref);
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
