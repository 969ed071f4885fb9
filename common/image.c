#include "common/image.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/reference.h"

static enum cnab_status add_node(struct cnab_image_tree *t,
                                 const struct cnab_descriptor *d,
                                 bool is_manifest, char *data, size_t len,
                                 struct cnab_err *err)
{
	char key[CNAB_DIGEST_STR_MAX];
	struct cnab_image_node *node;

	if (t->n == t->alloc) {
		size_t alloc = t->alloc ? t->alloc * 2 : 16;
		struct cnab_image_node *nodes =
		        realloc(t->nodes, alloc * sizeof(*nodes));

		if (!nodes)
			goto nomem;
		t->nodes = nodes;
		t->alloc = alloc;
	}
	node = &t->nodes[t->n];
	memset(node, 0, sizeof(*node));
	if (cnab_descriptor_copy(&node->desc, d) != CNAB_OK)
		goto nomem;
	node->is_manifest = is_manifest;
	node->data = data;
	node->len = len;
	cnab_digest_format(&d->digest, key);
	if (cnab_map_put(&t->seen, key, (void *)(uintptr_t)(t->n + 1), NULL) !=
	    CNAB_OK) {
		cnab_descriptor_release(&node->desc);
		goto nomem;
	}
	t->n++;
	return CNAB_OK;
nomem:
	free(data);
	return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
}

static bool seen(const struct cnab_image_tree *t,
                 const struct cnab_descriptor *d)
{
	char key[CNAB_DIGEST_STR_MAX];

	cnab_digest_format(&d->digest, key);
	return cnab_map_has(&t->seen, key);
}

static enum cnab_status add_blob(struct cnab_image_tree *t,
                                 const struct cnab_blob_source *src,
                                 const struct cnab_descriptor *d,
                                 const char *subject, struct cnab_err *err)
{
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	bool has = true;

	if (seen(t, d))
		return CNAB_OK;
	if (src->has_blob) {
		st = src->has_blob(src->ctx, d, &has, err);
		if (st != CNAB_OK)
			return st;
	}
	if (!has)
		return cnab_err_set(err, CNAB_ERR_NOTFOUND,
		                    "blob %s of image '%s' is missing from %s",
		                    CNAB_DESC_DIGEST(d, digest), subject,
		                    src->name);
	return add_node(t, d, false, NULL, 0, err);
}

static enum cnab_status add(struct cnab_image_tree *t,
                            const struct cnab_blob_source *src,
                            const struct cnab_descriptor *d, const char *have,
                            size_t have_len, const char *subject, int depth,
                            struct cnab_err *err)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	struct cnab_err gerr = CNAB_ERR_INIT;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	char *data = NULL;
	size_t len, i;

	if (seen(t, d))
		return CNAB_OK;
	CNAB_DESC_DIGEST(d, digest);
	if (!cnab_mt_is_manifest_or_index(d->media_type))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "image '%s': %s has unsupported media "
		                    "type '%.100s'",
		                    subject, digest, d->media_type);
	if (depth > CNAB_IMAGE_MAX_DEPTH)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "image '%s': indexes nested too deeply",
		                    subject);
	if (have) {
		data = malloc(have_len + 1);
		if (!data)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		memcpy(data, have, have_len);
		data[have_len] = '\0';
		len = have_len;
		st = CNAB_OK;
	} else {
		st = src->get_manifest(src->ctx, d, &data, &len, &gerr);
	}
	if (st == CNAB_ERR_NOTFOUND)
		return cnab_err_set(err, st,
		                    "manifest %s of image '%s' is missing "
		                    "from %s",
		                    digest, subject, src->name);
	if (st != CNAB_OK)
		return cnab_err_set(err, st, "%s", gerr.msg);
	st = cnab_manifest_parse(&m, data, len, d->media_type, digest, err);
	if (st != CNAB_OK)
		goto out;
	if (m.is_index) {
		for (i = 0; i < m.nmanifests && st == CNAB_OK; i++)
			st = add(t, src, &m.manifests[i], NULL, 0, subject,
			         depth + 1, err);
	} else {
		st = add_blob(t, src, &m.config, subject, err);
		for (i = 0; i < m.nlayers && st == CNAB_OK; i++)
			st = add_blob(t, src, &m.layers[i], subject, err);
	}
	if (st == CNAB_OK) {
		st = add_node(t, d, true, data, len, err);
		data = NULL;
	}
out:
	free(data);
	cnab_manifest_release(&m);
	return st;
}

enum cnab_status cnab_image_tree_add(struct cnab_image_tree *t,
                                     const struct cnab_blob_source *src,
                                     const struct cnab_descriptor *root,
                                     const char *subject, struct cnab_err *err)
{
	return add(t, src, root, NULL, 0, subject, 0, err);
}

enum cnab_status cnab_image_tree_add_root(struct cnab_image_tree *t,
                                          const struct cnab_blob_source *src,
                                          const struct cnab_descriptor *root,
                                          const char *data, size_t len,
                                          const char *subject,
                                          struct cnab_err *err)
{
	return add(t, src, root, data, len, subject, 0, err);
}

enum cnab_status cnab_image_check_pins(const char *ref,
                                       const char *content_digest,
                                       const struct cnab_digest *root,
                                       const char *where, struct cnab_err *err)
{
	struct cnab_ref r = CNAB_REF_INIT;
	struct cnab_digest rd, cd;
	char *what = NULL, *cwhat = NULL;
	enum cnab_status st;

	/* a reference that does not parse pins nothing (it is refused
	 * elsewhere), but one left unread for want of memory would */
	if (ref && cnab_ref_parse(&r, ref, NULL) == CNAB_ERR_NOMEM)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	what = where ? cnab_strfmt("image '%s' in %s", ref ? ref : "", where)
	             : cnab_strfmt("image '%s'", ref ? ref : "");
	cwhat = cnab_strfmt("contentDigest of %s", what ? what : "");
	if (!what || !cwhat) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_digest_check_pin(r.digest, root, what, err);
	if (st == CNAB_OK)
		st = cnab_digest_check_pin(content_digest, root, cwhat, err);
	if (st != CNAB_OK || root || !r.digest || !content_digest)
		goto out;
	/* nothing resolved yet: the two pins must agree */
	if (cnab_digest_parse(&rd, r.digest, NULL) == CNAB_OK &&
	    cnab_digest_parse(&cd, content_digest, NULL) == CNAB_OK &&
	    !cnab_digest_equal(&rd, &cd))
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "digest mismatch for %s: pinned to %s, "
		                  "contentDigest %.150s",
		                  what, r.digest, content_digest);
out:
	free(what);
	free(cwhat);
	cnab_ref_release(&r);
	return st;
}

const struct cnab_image_node *
cnab_image_tree_find(const struct cnab_image_tree *t, const char *digest)
{
	uintptr_t i = (uintptr_t)cnab_map_get(&t->seen, digest);

	return i ? &t->nodes[i - 1] : NULL;
}

void cnab_image_tree_release(struct cnab_image_tree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		cnab_descriptor_release(&t->nodes[i].desc);
		free(t->nodes[i].data);
	}
	free(t->nodes);
	cnab_map_release(&t->seen, NULL);
	memset(t, 0, sizeof(*t));
}
