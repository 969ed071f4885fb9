#include "tools/push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "tools/fe.h"
#include "tools/output.h"

/*
 * Whether ref is a registry's host[:port] alone ("127.0.0.1:5100",
 * "registry.local"), which reference grammar would read as a Docker Hub
 * repository: one word, whose name part has a dot or is localhost.
 */
static bool names_registry_only(const char *ref)
{
	size_t n = strcspn(ref, ":@");

	if (strchr(ref, '/'))
		return false;
	return memchr(ref, '.', n) || (n == 9 && !strncmp(ref, "localhost", 9));
}

enum cnab_status cnab_push_target_init(struct cnab_push_target *t,
                                       const char *ref, const char *default_tag,
                                       struct cnab_err *err)
{
	enum cnab_status st;

	memset(t, 0, sizeof(*t));
	if (names_registry_only(ref))
		return cnab_err_set(
		        err, CNAB_ERR_USAGE,
		        "'%s' names a registry but no repository: "
		        "use REGISTRY/REPO:TAG, such as '%.*s/REPO'",
		        ref, (int)strcspn(ref, "@"), ref);
	st = cnab_ref_parse(&t->ref, ref, err);
	if (st != CNAB_OK) {
		cnab_err_restatus(err, CNAB_ERR_USAGE);
		return CNAB_ERR_USAGE;
	}
	if (t->ref.digest)
		return cnab_err_set(err, CNAB_ERR_USAGE,
		                    "'%s' must name a tag (REGISTRY/REPO:TAG), "
		                    "not a digest: the digest is what "
		                    "publishing makes",
		                    ref);
	if (!t->ref.tag) {
		if (!default_tag)
			return cnab_err_set(err, CNAB_ERR_USAGE,
			                    "'%s' must name a tag "
			                    "(REGISTRY/REPO:TAG)",
			                    ref);
		st = cnab_ref_set_tag(&t->ref, default_tag, err);
		if (st != CNAB_OK)
			return st;
	}
	t->string = cnab_ref_string(&t->ref);
	t->name = cnab_ref_name(&t->ref);
	if (!t->string || !t->name)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

enum cnab_status cnab_push_target_probe(struct cnab_push_target *t,
                                        struct cnab_registry *reg,
                                        struct cnab_err *err)
{
	t->reg = reg;
	return cnab_reg_head_manifest(reg, t->ref.path, t->ref.tag, &t->exists,
	                              &t->existing, err);
}

void cnab_push_target_release(struct cnab_push_target *t)
{
	cnab_ref_release(&t->ref);
	free(t->string);
	free(t->name);
	cnab_descriptor_release(&t->existing);
	memset(t, 0, sizeof(*t));
}

static enum cnab_status set_desc(struct cnab_descriptor *d, const char *mt,
                                 const struct cnab_buf *b, struct cnab_err *err)
{
	free(d->media_type);
	d->media_type = strdup(mt);
	d->size = b->len;
	if (!d->media_type)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return cnab_digest_of(CNAB_DIGEST_SHA256, b->data, b->len, &d->digest);
}

/* The config manifest in its current form, and the index over it. */
static enum cnab_status rebuild(struct cnab_push_objects *x,
                                struct cnab_err *err)
{
	const char *cmt, *mmt, *imt;
	enum cnab_status st;

	cnab_buf_reset(&x->manifest);
	cnab_buf_reset(&x->index);
	st = cnab_oci_config_manifest(&x->blob.digest, x->blob.size, x->form,
	                              &x->manifest, &cmt, &mmt, err);
	if (st == CNAB_OK) {
		free(x->blob.media_type);
		x->blob.media_type = strdup(cmt);
		st = set_desc(&x->manifest_desc, mmt, &x->manifest, err);
	}
	if (st == CNAB_OK)
		st = cnab_oci_index(x->b, &x->manifest_desc, x->docker_list,
		                    &x->index, &imt, err);
	if (st == CNAB_OK)
		st = set_desc(&x->index_desc, imt, &x->index, err);
	return st;
}

/*
 * What the tag holds when it is not this bundle, in inspect's words: an
 * image (or an index of images), or another bundle.  Read-only.
 */
static enum cnab_status classify_existing(struct cnab_push_target *t,
                                          struct cnab_err *err)
{
	struct cnab_reg_manifest m = {0};
	struct cnab_oci_pulled p;
	struct cnab_err perr = CNAB_ERR_INIT;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;

	t->held = "a different bundle";
	if (!t->existing.media_type ||
	    !cnab_mt_is_index(t->existing.media_type)) {
		t->held = "an image, not a CNAB bundle";
		return CNAB_OK;
	}
	cnab_digest_format(&t->existing.digest, digest);
	st = cnab_reg_get_manifest(t->reg, t->ref.path, digest, &m, err);
	if (st != CNAB_OK)
		return st;
	st = cnab_oci_pull_index(&p, m.data, m.len, m.media_type, t->string,
	                         &perr);
	if (st == CNAB_OK)
		cnab_oci_pulled_release(&p);
	else if (st == CNAB_ERR_NOTFOUND)
		t->held = "an image index, not a CNAB bundle";
	cnab_reg_manifest_release(&m);
	return CNAB_OK;
}

enum cnab_status cnab_push_settle(struct cnab_push_target *t,
                                  struct cnab_push_objects *x, bool *same,
                                  struct cnab_err *err)
{
	enum cnab_oci_config_form form = x->form;
	bool docker_list = x->docker_list;
	char have[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	int list;

	*same = false;
	if (!t->exists)
		return CNAB_OK;
	/* a registry that refused the first forms holds one of the others */
	for (list = 0; list < 2; list++)
		for (x->form = 0; x->form < CNAB_OCI_CONFIG_FORMS; x->form++) {
			x->docker_list = list;
			st = rebuild(x, err);
			if (st != CNAB_OK)
				return st;
			if (cnab_digest_equal(&x->index_desc.digest,
			                      &t->existing.digest)) {
				*same = true;
				cnab_fe_info(1,
				             "tag '%s' holds this bundle "
				             "already: it is not written again",
				             t->string);
				return CNAB_OK;
			}
		}
	x->form = form;
	x->docker_list = docker_list;
	st = rebuild(x, err);
	if (st == CNAB_OK)
		st = classify_existing(t, err);
	if (st != CNAB_OK || t->force)
		return st;
	cnab_digest_format(&t->existing.digest, have);
	return cnab_err_set(err, CNAB_ERR_EXISTS,
	                    "tag '%s' holds %s (%s): use --force to replace "
	                    "it",
	                    t->string, t->held, have);
}

enum cnab_status cnab_push_objects_build(struct cnab_push_objects *x,
                                         const struct cnab_bundle *b,
                                         struct cnab_err *err)
{
	enum cnab_status st;

	memset(x, 0, sizeof(*x));
	x->b = b;
	cnab_buf_init(&x->bundle, CNAB_MAX_DOCUMENT);
	cnab_buf_init(&x->manifest, CNAB_MAX_DOCUMENT);
	cnab_buf_init(&x->index, CNAB_MAX_DOCUMENT);
	st = cnab_bundle_canonical(b, &x->bundle, err);
	if (st != CNAB_OK)
		return st;
	x->blob.size = x->bundle.len;
	st = cnab_digest_of(CNAB_DIGEST_SHA256, x->bundle.data, x->bundle.len,
	                    &x->blob.digest);
	if (st != CNAB_OK)
		return cnab_err_set(err, st, "cannot hash bundle.json");
	return rebuild(x, err);
}

void cnab_push_objects_release(struct cnab_push_objects *x)
{
	cnab_buf_release(&x->bundle);
	cnab_buf_release(&x->manifest);
	cnab_buf_release(&x->index);
	cnab_descriptor_release(&x->blob);
	cnab_descriptor_release(&x->manifest_desc);
	cnab_descriptor_release(&x->index_desc);
}

enum cnab_status cnab_push_manifests(struct cnab_registry *reg,
                                     const char *repo,
                                     const struct cnab_image_tree *tree,
                                     struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i;

	for (i = 0; i < tree->n && st == CNAB_OK; i++) {
		const struct cnab_image_node *node = &tree->nodes[i];
		char digest[CNAB_DIGEST_STR_MAX];
		bool exists = false;

		if (!node->is_manifest)
			continue;
		cnab_digest_format(&node->desc.digest, digest);
		st = cnab_reg_head_manifest(reg, repo, digest, &exists, NULL,
		                            err);
		if (st == CNAB_OK && !exists)
			st = cnab_reg_put_manifest(reg, repo, digest,
			                           node->desc.media_type,
			                           node->data, node->len, err);
	}
	return st;
}

/* A cosign attachment under its tag, unless the tag holds it already. */
static enum cnab_status push_cosign(struct cnab_registry *reg, const char *repo,
                                    const struct cnab_attachment *a,
                                    const struct cnab_image_node *node,
                                    size_t *pushed, struct cnab_err *err)
{
	struct cnab_descriptor there = CNAB_DESCRIPTOR_INIT;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	bool exists = false;

	st = cnab_reg_head_manifest(reg, repo, a->tag, &exists, &there, err);
	if (st == CNAB_OK && exists &&
	    cnab_digest_equal(&there.digest, &a->desc.digest))
		goto out;
	if (st == CNAB_OK && exists)
		cnab_fe_warn("replacing tag '%s/%s:%s', which held %s",
		             cnab_registry_host(reg), repo, a->tag,
		             CNAB_DESC_DIGEST(&there, digest));
	if (st == CNAB_OK)
		st = cnab_reg_put_manifest(reg, repo, a->tag,
		                           node->desc.media_type, node->data,
		                           node->len, err);
	*pushed += st == CNAB_OK;
out:
	cnab_descriptor_release(&there);
	return st;
}

/*
 * The referrers repo lists for subject: *api when the registry has the
 * referrers API (*m its answer), else *m the fallback index at tag
 * sha256-<hex> (empty, CNAB_OK, when there is none).
 */
static enum cnab_status get_listing(struct cnab_registry *reg, const char *repo,
                                    const struct cnab_digest *subject,
                                    bool *api, struct cnab_reg_manifest *m,
                                    struct cnab_err *err)
{
	char sd[CNAB_DIGEST_STR_MAX], *tag;
	enum cnab_status st;

	cnab_digest_format(subject, sd);
	st = cnab_reg_get_referrers(reg, repo, sd, api, m, err);
	if (st != CNAB_OK || *api)
		return st;
	cnab_reg_manifest_release(m);
	tag = cnab_attach_tag(subject, CNAB_ATTACH_REFERRER);
	if (!tag)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_reg_get_manifest(reg, repo, tag, m, err);
	free(tag);
	if (st == CNAB_ERR_NOTFOUND) {
		cnab_err_clear(err);
		memset(m, 0, sizeof(*m));
		st = CNAB_OK;
	}
	return st;
}

/*
 * The referrers of one subject (those of a with that subject), where the
 * registry has no referrers API: added to the fallback index.
 */
static enum cnab_status push_referrers(struct cnab_registry *reg,
                                       const char *repo,
                                       const struct cnab_attachment *a,
                                       size_t n, size_t first,
                                       const struct cnab_image_tree *tree,
                                       size_t *pushed, struct cnab_err *err)
{
	const struct cnab_digest *subject = &a[first].subject;
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_reg_manifest old = {0};
	char *tag = NULL, *what = NULL;
	json_t *add = json_array();
	enum cnab_status st;
	bool api = false, changed = false;
	size_t i;

	st = get_listing(reg, repo, subject, &api, &old, err);
	if (st != CNAB_OK || api)
		goto out; /* the registry lists them itself */
	tag = cnab_attach_tag(subject, CNAB_ATTACH_REFERRER);
	what = cnab_strfmt("%s/%s:%s", cnab_registry_host(reg), repo,
	                   tag ? tag : "");
	if (!add || !tag || !what) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = first; i < n && st == CNAB_OK; i++) {
		const struct cnab_image_node *node;
		char d[CNAB_DIGEST_STR_MAX];
		json_t *e;

		if (a[i].kind != CNAB_ATTACH_REFERRER ||
		    !cnab_digest_equal(&a[i].subject, subject))
			continue;
		node = cnab_image_tree_find(tree,
		                            CNAB_DESC_DIGEST(&a[i].desc, d));
		if (!node)
			continue;
		e = cnab_attach_referrer_json(&a[i], node->data, node->len);
		if (!e || json_array_append_new(add, e))
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	if (st == CNAB_OK)
		st = cnab_attach_merge_index(old.data, old.len, add, &out,
		                             &changed, what, err);
	if (st == CNAB_OK && changed) {
		st = cnab_reg_put_manifest(reg, repo, tag, CNAB_MT_OCI_INDEX,
		                           out.data, out.len, err);
		*pushed += st == CNAB_OK;
	}
out:
	cnab_reg_manifest_release(&old);
	cnab_buf_release(&out);
	json_decref(add);
	free(tag);
	free(what);
	return st;
}

enum cnab_status cnab_push_attachments(struct cnab_registry *reg,
                                       const char *repo,
                                       const struct cnab_attachment *a,
                                       size_t n,
                                       const struct cnab_image_tree *tree,
                                       size_t *pushed, struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i, j;

	*pushed = 0;
	for (i = 0; i < n && st == CNAB_OK; i++) {
		const struct cnab_image_node *node;
		char d[CNAB_DIGEST_STR_MAX];
		bool done = false;

		node = cnab_image_tree_find(tree,
		                            CNAB_DESC_DIGEST(&a[i].desc, d));
		if (!node || !node->is_manifest)
			return cnab_err_set(err, CNAB_ERR_FAIL,
			                    "attachment %s was not copied", d);
		if (a[i].kind != CNAB_ATTACH_REFERRER) {
			st = push_cosign(reg, repo, &a[i], node, pushed, err);
			continue;
		}
		/* each subject's referrers once, at its first */
		for (j = 0; j < i && !done; j++)
			done = a[j].kind == CNAB_ATTACH_REFERRER &&
			       cnab_digest_equal(&a[j].subject, &a[i].subject);
		if (!done)
			st = push_referrers(reg, repo, a, n, i, tree, pushed,
			                    err);
	}
	return st;
}

/* Whether the referrers of subject listed in repo include digest. */
static enum cnab_status listed(struct cnab_registry *reg, const char *repo,
                               const struct cnab_digest *subject,
                               const struct cnab_digest *digest, bool *yes,
                               struct cnab_err *err)
{
	struct cnab_manifest idx = CNAB_MANIFEST_INIT;
	struct cnab_reg_manifest m = {0};
	enum cnab_status st;
	bool api = false;
	size_t i;

	*yes = false;
	st = get_listing(reg, repo, subject, &api, &m, err);
	/* a listing that does not parse lists nothing: it is rewritten */
	if (st == CNAB_OK && m.data &&
	    cnab_manifest_parse(&idx, m.data, m.len, CNAB_MT_OCI_INDEX,
	                        "referrers", NULL) == CNAB_OK)
		for (i = 0; i < idx.nmanifests && !*yes; i++)
			*yes = cnab_digest_equal(&idx.manifests[i].digest,
			                         digest);
	cnab_manifest_release(&idx);
	cnab_reg_manifest_release(&m);
	return st;
}

enum cnab_status cnab_push_attachments_there(struct cnab_registry *reg,
                                             const char *repo,
                                             const struct cnab_attachment *a,
                                             size_t n, bool *there,
                                             struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i;

	*there = true;
	for (i = 0; i < n && *there && st == CNAB_OK; i++) {
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
		char digest[CNAB_DIGEST_STR_MAX];
		bool exists = false;

		if (a[i].kind != CNAB_ATTACH_REFERRER) {
			st = cnab_reg_head_manifest(reg, repo, a[i].tag,
			                            &exists, &d, err);
			*there =
			        st == CNAB_OK && exists &&
			        cnab_digest_equal(&d.digest, &a[i].desc.digest);
		} else {
			st = cnab_reg_head_manifest(
			        reg, repo, CNAB_DESC_DIGEST(&a[i].desc, digest),
			        &exists, NULL, err);
			if (st == CNAB_OK && exists)
				st = listed(reg, repo, &a[i].subject,
				            &a[i].desc.digest, there, err);
			else
				*there = false;
		}
		cnab_descriptor_release(&d);
	}
	return st;
}

enum cnab_status cnab_push_plan(struct cnab_push_target *t,
                                struct cnab_push_objects *x,
                                const struct cnab_image_tree *tree,
                                struct cnab_err *err)
{
	struct cnab_push_plan *p = &t->plan;
	enum cnab_status st;
	size_t i;

	memset(p, 0, sizeof(*p));
	st = cnab_push_settle(t, x, &p->same, err);
	if (st != CNAB_OK)
		return st;
	p->known = true;
	for (i = 0; i < tree->n && st == CNAB_OK; i++) {
		const struct cnab_image_node *node = &tree->nodes[i];
		char digest[CNAB_DIGEST_STR_MAX];
		bool exists = p->same;

		p->total++;
		p->total_bytes += node->desc.size;
		if (!p->same && node->is_manifest) {
			cnab_digest_format(&node->desc.digest, digest);
			st = cnab_reg_head_manifest(t->reg, t->ref.path, digest,
			                            &exists, NULL, err);
		} else if (!p->same) {
			st = cnab_reg_head_blob(t->reg, t->ref.path,
			                        &node->desc, &exists, err);
		}
		if (st == CNAB_OK && !exists) {
			p->missing++;
			p->missing_bytes += node->desc.size;
		}
	}
	return st;
}

/* The plan's words for the tag, in plain output and in JSON. */
static const char *plan_tag_state(const struct cnab_push_target *t)
{
	if (!t->exists)
		return "absent";
	if (t->plan.same)
		return "same";
	if (t->held && strstr(t->held, "image"))
		return "image";
	return "different";
}

/*
 * Whether the bundle's config blob d is in the tag's repository: for a new
 * tag, asked with a mount from t->bundle_from, else from the repository
 * itself, whose 202 session its upload then takes; a HEAD for a tag that
 * exists (a mount answered 201 links the blob again, a write; a HEAD
 * writes nothing).
 */
static enum cnab_status bundle_blob_there(struct cnab_push_target *t,
                                          const struct cnab_descriptor *d,
                                          bool *there, struct cnab_err *err)
{
	const char *repo = t->ref.path;

	if (t->exists)
		return cnab_reg_head_blob(t->reg, repo, d, there, err);
	return cnab_reg_ask_blob(t->reg, repo, d,
	                         t->bundle_from ? t->bundle_from : repo, there,
	                         NULL, err);
}

enum cnab_status cnab_push_bundle(struct cnab_push_target *t,
                                  struct cnab_push_objects *x,
                                  struct cnab_err *err)
{
	struct cnab_err perr = CNAB_ERR_INIT;
	struct cnab_mem_reader m = {(const unsigned char *)x->bundle.data,
	                            x->bundle.len, 0};
	struct cnab_reader r = cnab_mem_reader_as(&m);
	const char *repo = t->ref.path;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	bool exists = false, same;

	st = cnab_push_settle(t, x, &same, err);
	if (st != CNAB_OK || same)
		return st;
	if (t->exists)
		cnab_fe_warn("replacing tag '%s', which held %s", t->string,
		             t->held);
	st = bundle_blob_there(t, &x->blob, &exists, err);
	if (st == CNAB_OK && !exists)
		st = cnab_reg_push_blob(t->reg, repo, &x->blob, &r, err);
	while (st == CNAB_OK) {
		cnab_digest_format(&x->manifest_desc.digest, digest);
		cnab_err_clear(&perr);
		st = cnab_reg_head_manifest(t->reg, repo, digest, &exists, NULL,
		                            &perr);
		if (st != CNAB_OK || exists)
			break;
		st = cnab_reg_put_manifest(
		        t->reg, repo, digest, x->manifest_desc.media_type,
		        x->manifest.data, x->manifest.len, &perr);
		if (st != CNAB_ERR_UNSUPPORTED ||
		    x->form + 1 == CNAB_OCI_CONFIG_FORMS)
			break;
		/* the registry refuses this form: try the next one */
		x->form++;
		cnab_fe_info(1, "%s; trying another form of the bundle config",
		             perr.msg);
		st = rebuild(x, &perr);
	}
	if (st != CNAB_OK)
		return cnab_err_set(err, st, "%s", perr.msg);
	for (;;) {
		cnab_err_clear(&perr);
		st = cnab_reg_put_manifest(t->reg, repo, t->ref.tag,
		                           x->index_desc.media_type,
		                           x->index.data, x->index.len, &perr);
		if (st != CNAB_ERR_UNSUPPORTED || x->docker_list)
			break;
		x->docker_list = true;
		cnab_fe_info(1, "%s; trying a Docker manifest list", perr.msg);
		st = rebuild(x, &perr);
		if (st != CNAB_OK)
			break;
	}
	if (st != CNAB_OK)
		return cnab_err_set(err, st, "%s", perr.msg);
	return CNAB_OK;
}

/*
 * -o json: the bundle as every tool shows it (cnab_out_bundle), each image
 * where it is now (or would be, with --dry-run), then reference, digest,
 * relocationMapping and, with --dry-run, dryRun.
 */
static int report_json(const struct cnab_push_target *t,
                       const struct cnab_push_objects *x,
                       const struct cnab_relocation *map, const char *digest,
                       bool dry_run)
{
	const struct cnab_bundle *b = x->b;
	struct cnab_out_where *where = calloc(b->nimages + 1, sizeof(*where));
	json_t *doc = NULL;
	size_t i;
	int rc = -1;

	if (!where)
		return -1;
	for (i = 0; i < b->nimages; i++) {
		const char *to = cnab_relocation_get(map, b->images[i].image);
		const char *at = to ? strrchr(to, '@') : NULL;

		where[i].image = to;
		/* the mapping pins each image to its digest */
		if (at && !b->images[i].content_digest)
			where[i].digest = at + 1;
	}
	doc = cnab_out_bundle(b, where);
	if (doc &&
	    !json_object_set_new(doc, "reference", json_string(t->string)) &&
	    !json_object_set_new(doc, "digest", json_string(digest)) &&
	    !json_object_set(doc, "relocationMapping", map->map) &&
	    (!dry_run || !json_object_set_new(doc, "dryRun", json_true())) &&
	    (!dry_run || !t->plan.known ||
	     !json_object_set_new(
	             doc, "plan",
	             json_pack("{s:s,s:I,s:I,s:I,s:I}", "tag",
	                       plan_tag_state(t), "blobs",
	                       (json_int_t)t->plan.total, "upload",
	                       (json_int_t)t->plan.missing, "bytes",
	                       (json_int_t)t->plan.total_bytes, "uploadBytes",
	                       (json_int_t)t->plan.missing_bytes))))
		rc = cnab_out_json(doc, stdout);
	json_decref(doc);
	free(where);
	return rc;
}

enum cnab_status cnab_push_mapping_open(struct cnab_outfile *f,
                                        const char *path, struct cnab_err *err)
{
	return path ? cnab_outfile_open(f, path, err) : CNAB_OK;
}

enum cnab_status cnab_push_mapping_commit(struct cnab_outfile *f,
                                          const struct cnab_relocation *map,
                                          struct cnab_err *err)
{
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	enum cnab_status st;

	if (!f->path)
		return CNAB_OK;
	if (f->is_stdout)
		fflush(stdout);
	st = cnab_relocation_write(map, &out, err);
	if (st == CNAB_OK && cnab_buf_addch(&out, '\n') != CNAB_OK)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (st == CNAB_OK)
		st = cnab_write_all(f->fd, out.data, out.len, f->path, err);
	if (st == CNAB_OK)
		st = cnab_outfile_commit(f, err);
	cnab_buf_release(&out);
	return st;
}

int cnab_push_report(const struct cnab_push_target *t,
                     const struct cnab_push_objects *x,
                     const struct cnab_relocation *map,
                     const char *mapping_file, bool json, bool dry_run)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	char digest[CNAB_DIGEST_STR_MAX];
	int rc = 0;

	cnab_digest_format(&x->index_desc.digest, digest);
	if (mapping_file) {
		if (cnab_relocation_write(map, &out, &err) != CNAB_OK ||
		    cnab_buf_addch(&out, '\n') != CNAB_OK ||
		    cnab_file_write(mapping_file, out.data, out.len, &err) !=
		            CNAB_OK) {
			cnab_buf_release(&out);
			return cnab_fe_fail(&err);
		}
	}
	cnab_buf_release(&out);
	if (json) {
		if (report_json(t, x, map, digest, dry_run))
			rc = CNAB_EXIT_FAIL;
	} else if (dry_run) {
		const char *key;
		json_t *v;

		printf("Dry run: nothing was written.\n");
		if (t->plan.known) {
			char bytes[32];

			cnab_fe_bytes(t->plan.missing_bytes, bytes,
			              sizeof(bytes));
			if (!t->exists)
				cnab_out_line(stdout, 0, "Tag %s: absent",
				              t->string);
			else if (t->plan.same)
				cnab_out_line(stdout, 0,
				              "Tag %s: holds this bundle "
				              "already",
				              t->string);
			else
				cnab_out_line(stdout, 0,
				              "Tag %s: holds %s, which "
				              "--force replaces",
				              t->string, t->held);
			printf("Would upload %zu of %zu blobs (%s)\n",
			       t->plan.missing, t->plan.total, bytes);
		}
		cnab_out_line(stdout, 0,
		              "Would push bundle tag %s, with digest \"%s\"",
		              t->string, digest);
		json_object_foreach(map->map, key, v)
		{
			cnab_out_line(stdout, 0, "  %s -> %s", key,
			              json_string_value(v));
		}
	} else {
		cnab_out_line(stdout, 0,
		              "Bundle tag %s pushed successfully, with digest "
		              "\"%s\"",
		              t->string, digest);
	}
	if (rc) {
		cnab_fe_error("cannot format the output");
		return rc;
	}
	return cnab_fe_flush_stdout();
}

int cnab_push_option(struct cnab_push_opts *o, int c, const char *arg,
                     int *exit_code)
{
	switch (c) {
	case CNAB_PUSH_OPT_FORCE:
		o->force = true;
		return 1;
	case CNAB_PUSH_OPT_MAPPING:
		o->mapping = arg;
		return 1;
	case CNAB_PUSH_OPT_DRY_RUN:
		o->dry_run = true;
		return 1;
	case CNAB_PUSH_OPT_OFFLINE:
		o->offline = true;
		return 1;
	case CNAB_PUSH_OPT_NO_ATTACHMENTS:
		o->no_attachments = true;
		return 1;
	case 'o':
		*exit_code = cnab_fe_output_option(
		        arg, 1u << CNAB_OUT_PLAIN | 1u << CNAB_OUT_JSON,
		        &o->output);
		return *exit_code ? -1 : 1;
	}
	return 0;
}
