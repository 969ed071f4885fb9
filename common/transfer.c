/*
 * The transfer engine (transfer.h): resolve, walk, copy.
 */
#include "common/transfer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/fetch.h"
#include "common/fsutil.h"
#include "common/stream.h"

/* How many names of a layout a miss lists. */
#define LAYOUT_NAMES_SHOWN 8

enum cnab_status cnab_transfer_add(struct cnab_transfer *t, const char *image,
                                   const char *content_digest,
                                   const struct cnab_descriptor *in_bundle,
                                   struct cnab_err *err)
{
	struct cnab_transfer_image *grown, *img;

	grown = realloc(t->images, (t->nimages + 1) * sizeof(*t->images));
	if (!grown)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	t->images = grown;
	img = &t->images[t->nimages++];
	memset(img, 0, sizeof(*img));
	img->image = image;
	img->content_digest = content_digest;
	img->in_bundle = in_bundle;
	return CNAB_OK; /* ref and root: all zero is their _INIT */
}

enum cnab_status cnab_transfer_lookup(struct cnab_registry_pool *pool,
                                      const struct cnab_ref *ref,
                                      struct cnab_reg_repo *repo,
                                      struct cnab_descriptor *root, char **data,
                                      size_t *len, const char *subject,
                                      struct cnab_err *err)
{
	struct cnab_registry *reg;
	struct cnab_reg_manifest m;
	struct cnab_manifest parsed = CNAB_MANIFEST_INIT;
	const char *want = ref->digest ? ref->digest
	                   : ref->tag  ? ref->tag
	                               : "latest";
	char *what = cnab_strfmt("image '%s'", subject);
	enum cnab_status st;

	if (!what)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	/* a pin that cannot be verified is refused before any request */
	st = cnab_digest_check_pin(ref->digest, NULL, what, err);
	if (st == CNAB_OK)
		st = cnab_registry_pool_get(pool, ref->domain, &reg, err);
	if (st == CNAB_OK)
		st = cnab_reg_repo_init(repo, reg, ref->path, err);
	if (st == CNAB_OK)
		st = cnab_reg_get_manifest(reg, ref->path, want, &m, err);
	if (st != CNAB_OK) {
		free(what);
		return st;
	}
	/* and what the registry answered is what the pin names */
	st = cnab_digest_check_pin(ref->digest, &m.digest, what, err);
	if (st != CNAB_OK)
		goto out;
	st = cnab_manifest_parse(&parsed, m.data, m.len, m.media_type, subject,
	                         err);
	if (st != CNAB_OK) {
		/* malformed content from a registry is corruption */
		cnab_err_restatus(err, CNAB_ERR_CORRUPT);
		st = CNAB_ERR_CORRUPT;
		goto out;
	}
	root->digest = m.digest;
	root->size = m.len;
	root->media_type = parsed.media_type;
	parsed.media_type = NULL;
	*data = m.data;
	*len = m.len;
	m.data = NULL;
out:
	free(what);
	cnab_manifest_release(&parsed);
	cnab_reg_manifest_release(&m);
	return st;
}

/* The first layout that holds the image (its pins checked there). */
static enum cnab_status find_in_layouts(struct cnab_transfer *t,
                                        struct cnab_transfer_image *img,
                                        struct cnab_err *err)
{
	enum cnab_status st = CNAB_ERR_NOTFOUND;
	size_t i;

	for (i = 0; i < t->nlayouts && st == CNAB_ERR_NOTFOUND; i++) {
		st = cnab_layout_find_image(&t->layouts[i], img->image,
		                            img->content_digest, &img->root,
		                            err);
		if (st == CNAB_OK)
			img->layout = &t->layouts[i];
	}
	return st;
}

/* "image 'X' is not in layout 'DIR', which holds 'a', 'b'" (a miss). */
static enum cnab_status layouts_miss(const struct cnab_transfer *t,
                                     const struct cnab_transfer_image *img,
                                     struct cnab_err *err)
{
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_ERR_MSG_MAX);
	size_t i, j;

	cnab_buf_addf(&b, "image '%s' is not in", img->image);
	for (i = 0; i < t->nlayouts; i++) {
		const struct cnab_layout *l = &t->layouts[i];
		size_t named = 0;

		cnab_buf_addf(&b, "%s %s, which holds", i ? "; nor in" : "",
		              l->label);
		for (j = 0; j < l->index.nmanifests; j++) {
			const char *name = cnab_descriptor_annotation(
			        &l->index.manifests[j],
			        CNAB_ANNOTATION_REF_NAME);

			if (!name)
				continue;
			if (named < LAYOUT_NAMES_SHOWN)
				cnab_buf_addf(&b, "%s '%s'", named ? "," : "",
				              name);
			named++;
		}
		if (!named)
			cnab_buf_addstr(&b, " no named image");
		else if (named > LAYOUT_NAMES_SHOWN)
			cnab_buf_addf(&b, " and %zu more",
			              named - LAYOUT_NAMES_SHOWN);
	}
	/* a message cut at the ceiling is still a message */
	cnab_err_set(err, CNAB_ERR_NOTFOUND, "%s", cnab_buf_str(&b));
	cnab_buf_release(&b);
	return CNAB_ERR_NOTFOUND;
}

/* The image as the bundle's index names it, in the bundle's repository. */
static enum cnab_status find_in_bundle_repo(struct cnab_transfer *t,
                                            struct cnab_transfer_image *img,
                                            struct cnab_err *err)
{
	enum cnab_status st;

	st = cnab_reg_repo_init(&img->repo, t->bundle_reg, t->bundle_repo, err);
	if (st != CNAB_OK)
		return st;
	img->has_repo = true;
	if (cnab_descriptor_copy(&img->root, img->in_bundle) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	/* the index's annotations are not the image's */
	json_decref(img->root.annotations);
	img->root.annotations = NULL;
	return CNAB_OK;
}

static enum cnab_status find(struct cnab_transfer *t,
                             struct cnab_transfer_image *img,
                             struct cnab_err *err)
{
	enum cnab_status st;

	st = cnab_ref_parse(&img->ref, img->image, err);
	if (st != CNAB_OK)
		return st;
	st = find_in_layouts(t, img, err);
	if (st != CNAB_ERR_NOTFOUND)
		return st;
	if (t->layouts_only)
		return layouts_miss(t, img, err);
	if (t->bundle_reg && img->in_bundle)
		return find_in_bundle_repo(t, img, err);
	st = cnab_transfer_lookup(t->pool, &img->ref, &img->repo, &img->root,
	                          &img->root_data, &img->root_len, img->image,
	                          err);
	img->has_repo = img->repo.label != NULL;
	return st;
}

enum cnab_status cnab_transfer_resolve(struct cnab_transfer *t,
                                       struct cnab_err *err)
{
	struct cnab_err first = CNAB_ERR_INIT;
	struct cnab_buf nor = CNAB_BUF_INIT(CNAB_ERR_MSG_MAX);
	enum cnab_status st = CNAB_OK;
	size_t i, missed = 0;

	/* pins that cannot hold fail before anything is fetched */
	for (i = 0; i < t->nimages && st == CNAB_OK; i++)
		st = cnab_image_check_pins(t->images[i].image,
		                           t->images[i].content_digest, NULL,
		                           NULL, err);
	for (i = 0; i < t->nimages && st == CNAB_OK; i++) {
		struct cnab_transfer_image *img = &t->images[i];
		struct cnab_err one = CNAB_ERR_INIT;

		st = find(t, img, &one);
		if (st == CNAB_ERR_NOTFOUND) {
			/* the others are looked for all the same */
			if (!missed++)
				first = one;
			else
				cnab_buf_addf(&nor, "%s'%s'",
				              missed > 2 ? ", " : "",
				              img->image);
			st = CNAB_OK;
			continue;
		}
		if (st != CNAB_OK) {
			cnab_err_set(err, st, "%s", one.msg);
			break;
		}
		img->found = true;
		if (t->resolved)
			st = t->resolved(t->ctx, i, img, err);
	}
	if (st == CNAB_OK && missed == 1)
		st = cnab_err_set(err, CNAB_ERR_NOTFOUND, "%s", first.msg);
	else if (st == CNAB_OK && missed)
		st = cnab_err_set(err, CNAB_ERR_NOTFOUND,
		                  "%zu of %zu images not found: %s; nor %s",
		                  missed, t->nimages, first.msg,
		                  cnab_buf_str(&nor));
	cnab_buf_release(&nor);
	return st;
}

/* Records origin for the tree's nodes from before on. */
static enum cnab_status set_origins(struct cnab_transfer *t, size_t before,
                                    size_t origin, struct cnab_err *err)
{
	size_t *grown, j;

	grown = realloc(t->node_origin,
	                (t->tree.n + 1) * sizeof(*t->node_origin));
	if (!grown)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	t->node_origin = grown;
	for (j = before; j < t->tree.n; j++)
		t->node_origin[j] = origin;
	return CNAB_OK;
}

/* The registry repository of an origin, or NULL (a layout). */
static struct cnab_reg_repo *origin_repo(struct cnab_transfer *t, size_t origin)
{
	if (origin == CNAB_ATTACH_BUNDLE)
		return &t->bundle_rr;
	return t->images[origin].layout ? NULL : &t->images[origin].repo;
}

/* An attachment's graph, from the repository that holds its subject. */
static enum cnab_status walk_attachment(struct cnab_transfer *t,
                                        struct cnab_attachment *a,
                                        struct cnab_err *err)
{
	struct cnab_reg_repo *rr = origin_repo(t, a->origin);
	struct cnab_blob_source src = cnab_reg_repo_source(rr);
	const struct cnab_image_node *node;
	struct cnab_err one = CNAB_ERR_INIT;
	char digest[CNAB_DIGEST_STR_MAX];
	size_t before = t->tree.n;
	enum cnab_status st;

	if (a->data)
		st = cnab_image_tree_add_root(&t->tree, &src, &a->desc, a->data,
		                              a->len, a->label, &one);
	else
		st = cnab_image_tree_add(&t->tree, &src, &a->desc, a->label,
		                         &one);
	if (st == CNAB_ERR_NOTFOUND && !a->data &&
	    !cnab_image_tree_find(&t->tree, CNAB_DESC_DIGEST(&a->desc, digest)))
		/* the listing names a manifest that is not there */
		st = cnab_err_set(err, CNAB_ERR_NOTFOUND,
		                  "%s is missing from %s", a->label, rr->label);
	else if (st != CNAB_OK)
		cnab_err_set(err, st, "%s", one.msg);
	if (st == CNAB_OK)
		st = set_origins(t, before, a->origin, err);
	node = cnab_image_tree_find(&t->tree,
	                            CNAB_DESC_DIGEST(&a->desc, digest));
	if (st == CNAB_OK && node)
		st = cnab_attachment_read(a, node->data, node->len, err);
	return st;
}

/* Whether digest is an attachment already. */
static bool attached(const struct cnab_transfer *t, const struct cnab_digest *d)
{
	size_t i;

	for (i = 0; i < t->nattachments; i++)
		if (cnab_digest_equal(&t->attachments[i].desc.digest, d))
			return true;
	return false;
}

/* Takes a (all of it, on success or not) into the transfer. */
static enum cnab_status add_attachment(struct cnab_transfer *t,
                                       struct cnab_attachment *a,
                                       struct cnab_err *err)
{
	struct cnab_attachment *grown;

	if (attached(t, &a->desc.digest)) {
		cnab_attachment_release(a);
		return CNAB_OK;
	}
	if (t->nattachments >= t->attach_max) {
		t->attach_capped = true;
		cnab_attachment_release(a);
		return CNAB_OK;
	}
	grown = realloc(t->attachments,
	                (t->nattachments + 1) * sizeof(*t->attachments));
	if (!grown) {
		cnab_attachment_release(a);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	t->attachments = grown;
	t->attachments[t->nattachments++] = *a;
	memset(a, 0, sizeof(*a));
	return CNAB_OK;
}

static const char *const kind_words[CNAB_ATTACH_KINDS] = {
        "signature",
        "attestation",
        "SBOM",
        "referrer",
};

/*
 * Looking for attachments asks, for each subject, three cosign tags, the
 * referrers API and the fallback tag: round trips that cost the most over
 * a WAN.  So, a level of subjects at a time, every such request goes out
 * up front, lookup_jobs at a time, each worker with its own handles; the
 * walk that follows takes the answers from here (the same answers, in the
 * same order, as asking one at a time), and asks itself what is not here.
 */
struct lookup {
	const struct cnab_reg_repo *rr;
	char *ref;      /* a tag, or for the referrers API a digest */
	bool referrers; /* the referrers API */
	bool taken;     /* by the walk */
	enum cnab_status st;
	struct cnab_err err;
	struct cnab_reg_manifest m;
	bool api; /* referrers: the registry has the API */
};

struct prefetch {
	struct lookup *l;
	size_t n, next;
	struct cnab_registry_opts opts; /* the workers' */
	pthread_mutex_t lock;
};

static void lookups_release(struct cnab_transfer *t)
{
	struct prefetch *pf = t->prefetch;
	size_t i;

	if (!pf)
		return;
	for (i = 0; i < pf->n; i++) {
		free(pf->l[i].ref);
		cnab_reg_manifest_release(&pf->l[i].m);
	}
	free(pf->l);
	pf->l = NULL;
	pf->n = pf->next = 0;
}

static enum cnab_status lookup_add(struct prefetch *pf,
                                   const struct cnab_reg_repo *rr, char *ref,
                                   bool referrers, struct cnab_err *err)
{
	struct lookup *grown;

	if (!ref)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	grown = realloc(pf->l, (pf->n + 1) * sizeof(*pf->l));
	if (!grown) {
		free(ref);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	pf->l = grown;
	memset(&pf->l[pf->n], 0, sizeof(*pf->l));
	pf->l[pf->n].rr = rr;
	pf->l[pf->n].ref = ref;
	pf->l[pf->n].referrers = referrers;
	pf->n++;
	return CNAB_OK;
}

/* The requests for what may be attached to subject, in rr. */
static enum cnab_status lookups_of(struct prefetch *pf,
                                   const struct cnab_reg_repo *rr,
                                   const struct cnab_digest *subject,
                                   struct cnab_err *err)
{
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st = CNAB_OK;
	int k;

	if (!rr)
		return CNAB_OK;
	for (k = CNAB_ATTACH_SIG; k <= CNAB_ATTACH_REFERRER && st == CNAB_OK;
	     k++)
		st = lookup_add(
		        pf, rr,
		        cnab_attach_tag(subject, (enum cnab_attach_kind)k),
		        false, err);
	cnab_digest_format(subject, digest);
	if (st == CNAB_OK)
		st = lookup_add(pf, rr, strdup(digest), true, err);
	return st;
}

static void *lookup_worker(void *arg)
{
	struct prefetch *pf = arg;
	struct cnab_registry_pool pool;

	cnab_registry_pool_init(&pool, &pf->opts);
	for (;;) {
		struct cnab_registry *reg;
		struct lookup *l;

		pthread_mutex_lock(&pf->lock);
		l = pf->next < pf->n ? &pf->l[pf->next++] : NULL;
		pthread_mutex_unlock(&pf->lock);
		if (!l)
			break;
		l->st = cnab_registry_pool_get(
		        &pool, cnab_registry_host(l->rr->reg), &reg, &l->err);
		if (l->st == CNAB_OK && l->referrers)
			l->st = cnab_reg_get_referrers(reg, l->rr->repo, l->ref,
			                               &l->api, &l->m, &l->err);
		else if (l->st == CNAB_OK)
			l->st = cnab_reg_get_manifest(reg, l->rr->repo, l->ref,
			                              &l->m, &l->err);
	}
	cnab_registry_pool_release(&pool);
	return NULL;
}

/* Sends the lookups added, lookup_jobs at a time, and waits for them. */
static void lookups_run(struct cnab_transfer *t)
{
	struct prefetch *pf = t->prefetch;
	pthread_t threads[CNAB_TRANSFER_MAX_JOBS];
	size_t i, n = (size_t)t->lookup_jobs;

	if (n > pf->n)
		n = pf->n;
	if (n > CNAB_TRANSFER_MAX_JOBS)
		n = CNAB_TRANSFER_MAX_JOBS;
	for (i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, lookup_worker, pf))
			break;
	n = i;
	if (!n)
		return; /* no thread: the walk asks for itself */
	while (i-- > 0)
		pthread_join(threads[i], NULL);
	/* what a failed start left unsent stays for the walk to ask */
}

/* The lookup of ref in rr sent up front and not taken yet, or NULL. */
static struct lookup *prefetched(struct prefetch *pf,
                                 const struct cnab_reg_repo *rr,
                                 const char *ref, bool referrers)
{
	size_t i;

	for (i = 0; pf && i < pf->next; i++) {
		struct lookup *l = &pf->l[i];

		if (!l->taken && l->rr == rr && l->referrers == referrers &&
		    !strcmp(l->ref, ref))
			return l;
	}
	return NULL;
}

/*
 * The answer to a lookup, from the prefetch when it has it (moved out:
 * each is taken once), else asked here.
 */
static enum cnab_status lookup_get(struct cnab_transfer *t,
                                   const struct cnab_reg_repo *rr,
                                   const char *ref, bool referrers, bool *api,
                                   struct cnab_reg_manifest *m,
                                   struct cnab_err *one)
{
	struct lookup *l = prefetched(t->prefetch, rr, ref, referrers);

	memset(m, 0, sizeof(*m));
	if (l) {
		l->taken = true;
		*m = l->m;
		memset(&l->m, 0, sizeof(l->m));
		if (api)
			*api = l->api;
		if (l->st != CNAB_OK)
			cnab_err_set(one, l->st, "%s", l->err.msg);
		return l->st;
	}
	if (referrers)
		return cnab_reg_get_referrers(rr->reg, rr->repo, ref, api, m,
		                              one);
	return cnab_reg_get_manifest(rr->reg, rr->repo, ref, m, one);
}

/* The cosign attachments of subject, by tag. */
static enum cnab_status find_cosign(struct cnab_transfer *t,
                                    const struct cnab_reg_repo *rr,
                                    const struct cnab_digest *subject,
                                    size_t origin, size_t depth,
                                    const char *name, struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	int k;

	for (k = CNAB_ATTACH_SIG; k <= CNAB_ATTACH_SBOM && st == CNAB_OK; k++) {
		struct cnab_attachment a;
		struct cnab_reg_manifest m;
		struct cnab_manifest parsed = CNAB_MANIFEST_INIT;
		struct cnab_err one = CNAB_ERR_INIT;

		memset(&a, 0, sizeof(a));
		a.kind = (enum cnab_attach_kind)k;
		a.subject = *subject;
		a.origin = origin;
		a.depth = depth;
		a.tag = cnab_attach_tag(subject, a.kind);
		if (!a.tag)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		a.label = cnab_strfmt("%s '%s' of %s", kind_words[k], a.tag,
		                      name);
		st = a.label ? lookup_get(t, rr, a.tag, false, NULL, &m, &one)
		             : cnab_err_set(&one, CNAB_ERR_NOMEM,
		                            "out of memory");
		if (st == CNAB_ERR_NOTFOUND) {
			cnab_attachment_release(&a);
			st = CNAB_OK;
			continue;
		}
		if (st != CNAB_OK) {
			cnab_attachment_release(&a);
			return cnab_err_set(err, st, "%s", one.msg);
		}
		st = cnab_manifest_parse(&parsed, m.data, m.len, m.media_type,
		                         a.label, err);
		if (st != CNAB_OK) {
			cnab_err_restatus(err, CNAB_ERR_CORRUPT);
			st = CNAB_ERR_CORRUPT;
		} else {
			a.desc.digest = m.digest;
			a.desc.size = m.len;
			a.desc.media_type = parsed.media_type;
			parsed.media_type = NULL;
			a.data = m.data;
			a.len = m.len;
			m.data = NULL;
			st = cnab_attachment_read(&a, a.data, a.len, err);
		}
		cnab_manifest_release(&parsed);
		cnab_reg_manifest_release(&m);
		if (st == CNAB_OK)
			st = add_attachment(t, &a, err);
		cnab_attachment_release(&a);
	}
	return st;
}

/* The OCI 1.1 referrers of subject: the API, else the fallback tag. */
static enum cnab_status find_referrers(struct cnab_transfer *t,
                                       const struct cnab_reg_repo *rr,
                                       const struct cnab_digest *subject,
                                       size_t origin, size_t depth,
                                       const char *name, struct cnab_err *err)
{
	struct cnab_manifest idx = CNAB_MANIFEST_INIT;
	struct cnab_reg_manifest m;
	struct cnab_err one = CNAB_ERR_INIT;
	char digest[CNAB_DIGEST_STR_MAX], *tag, *where = NULL;
	enum cnab_status st;
	bool api = false;
	size_t i;

	cnab_digest_format(subject, digest);
	tag = cnab_attach_tag(subject, CNAB_ATTACH_REFERRER);
	if (!tag)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = lookup_get(t, rr, digest, true, &api, &m, &one);
	if (st == CNAB_OK && !api) {
		cnab_reg_manifest_release(&m);
		st = lookup_get(t, rr, tag, false, NULL, &m, &one);
	}
	if (st == CNAB_ERR_NOTFOUND) {
		free(tag);
		return CNAB_OK;
	}
	if (st != CNAB_OK) {
		free(tag);
		return cnab_err_set(err, st, "%s", one.msg);
	}
	where = api ? cnab_strfmt("the referrers API of '%s/%s'",
	                          cnab_registry_host(rr->reg), rr->repo)
	            : cnab_strfmt("'%s/%s:%s'", cnab_registry_host(rr->reg),
	                          rr->repo, tag);
	if (!where) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_manifest_parse(&idx, m.data, m.len, CNAB_MT_OCI_INDEX, where,
	                         err);
	if (st == CNAB_OK && !idx.is_index)
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "referrers index %s is not an index", where);
	if (st != CNAB_OK) {
		cnab_err_restatus(err, CNAB_ERR_CORRUPT);
		st = CNAB_ERR_CORRUPT;
		goto out;
	}
	for (i = 0; i < idx.nmanifests && st == CNAB_OK; i++) {
		struct cnab_attachment a;
		char rd[CNAB_DIGEST_STR_MAX];
		const char *at;

		memset(&a, 0, sizeof(a));
		a.kind = CNAB_ATTACH_REFERRER;
		a.subject = *subject;
		a.origin = origin;
		a.depth = depth;
		a.label = cnab_strfmt("referrer %s of %s (listed by %s)",
		                      CNAB_DESC_DIGEST(&idx.manifests[i], rd),
		                      name, where);
		if (!a.label ||
		    cnab_descriptor_copy(&a.desc, &idx.manifests[i]) != CNAB_OK)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		json_decref(a.desc.annotations);
		a.desc.annotations = NULL;
		json_decref(a.desc.platform);
		a.desc.platform = NULL;
		/* what the listing says, until the manifest is read */
		at = json_string_value(json_object_get(
		        json_array_get(json_object_get(idx.root, "manifests"),
		                       i),
		        "artifactType"));
		if (st == CNAB_OK && at && !(a.artifact_type = strdup(at)))
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		if (st == CNAB_OK)
			st = add_attachment(t, &a, err);
		cnab_attachment_release(&a);
	}
out:
	cnab_manifest_release(&idx);
	cnab_reg_manifest_release(&m);
	free(where);
	free(tag);
	return st;
}

/* The prefetch, with lookup_jobs of 2 or more (else t->prefetch stays NULL). */
static enum cnab_status prefetch_new(struct cnab_transfer *t,
                                     struct cnab_err *err)
{
	struct prefetch *pf;

	if (t->lookup_jobs < 2 || !t->pool || t->prefetch)
		return CNAB_OK;
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	pf->opts = t->pool->opts;
	pf->opts.progress = NULL; /* not called from threads */
	pf->opts.progress_ctx = NULL;
	pthread_mutex_init(&pf->lock, NULL);
	t->prefetch = pf;
	return CNAB_OK;
}

static void prefetch_free(struct cnab_transfer *t)
{
	if (!t->prefetch)
		return;
	lookups_release(t);
	pthread_mutex_destroy(&t->prefetch->lock);
	free(t->prefetch);
	t->prefetch = NULL;
}

/*
 * Sends up front the lookups of the attachments [from, to) that will be
 * looked into (with lookup_jobs of 2 or more).
 */
static enum cnab_status prefetch_attachments(struct cnab_transfer *t,
                                             size_t from, size_t to,
                                             struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i;

	if (!t->prefetch)
		return CNAB_OK;
	lookups_release(t);
	for (i = from; i < to && st == CNAB_OK; i++)
		if (t->attachments[i].depth < CNAB_ATTACH_MAX_DEPTH)
			st = lookups_of(
			        t->prefetch,
			        origin_repo(t, t->attachments[i].origin),
			        &t->attachments[i].desc.digest, err);
	if (st == CNAB_OK)
		lookups_run(t);
	return st;
}

static enum cnab_status attach(struct cnab_transfer *t, struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i, wave;

	/* the first level: the images and the bundle, looked up at once */
	for (i = 0; t->prefetch && i < t->nimages && st == CNAB_OK; i++)
		if (t->images[i].found && !t->images[i].layout &&
		    t->images[i].has_repo)
			st = lookups_of(t->prefetch, &t->images[i].repo,
			                &t->images[i].root.digest, err);
	if (st == CNAB_OK && t->bundle_reg && t->bundle_digest &&
	    !t->has_bundle_rr) {
		st = cnab_reg_repo_init(&t->bundle_rr, t->bundle_reg,
		                        t->bundle_repo, err);
		t->has_bundle_rr = st == CNAB_OK;
	}
	if (st == CNAB_OK && t->prefetch && t->has_bundle_rr &&
	    t->bundle_digest)
		st = lookups_of(t->prefetch, &t->bundle_rr, t->bundle_digest,
		                err);
	if (st == CNAB_OK && t->prefetch)
		lookups_run(t);

	for (i = 0; i < t->nimages && st == CNAB_OK; i++) {
		struct cnab_transfer_image *img = &t->images[i];
		char *name;

		if (!img->found || img->layout || !img->has_repo)
			continue;
		name = cnab_strfmt("'%s'", img->image);
		if (!name)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		st = find_cosign(t, &img->repo, &img->root.digest, i, 1, name,
		                 err);
		if (st == CNAB_OK)
			st = find_referrers(t, &img->repo, &img->root.digest, i,
			                    1, name, err);
		free(name);
	}
	if (st == CNAB_OK && t->has_bundle_rr && t->bundle_digest) {
		st = find_cosign(t, &t->bundle_rr, t->bundle_digest,
		                 CNAB_ATTACH_BUNDLE, 1, "the bundle", err);
		if (st == CNAB_OK)
			st = find_referrers(t, &t->bundle_rr, t->bundle_digest,
			                    CNAB_ATTACH_BUNDLE, 1, "the bundle",
			                    err);
	}
	/* what is attached to the attachments (the list grows as it goes),
	 * a level at a time */
	wave = 0;
	for (i = 0; i < t->nattachments && st == CNAB_OK; i++) {
		struct cnab_digest d = t->attachments[i].desc.digest;
		size_t origin = t->attachments[i].origin;
		size_t depth = t->attachments[i].depth;
		struct cnab_reg_repo *rr = origin_repo(t, origin);
		char *name;

		if (i == wave && !t->attach_capped) {
			wave = t->nattachments;
			st = prefetch_attachments(t, i, wave, err);
			if (st != CNAB_OK)
				break;
		}
		if (depth >= CNAB_ATTACH_MAX_DEPTH || t->attach_capped)
			continue;
		name = strdup(t->attachments[i].label);
		if (!name)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
		st = find_cosign(t, rr, &d, origin, depth + 1, name, err);
		if (st == CNAB_OK)
			st = find_referrers(t, rr, &d, origin, depth + 1, name,
			                    err);
		free(name);
	}
	return st;
}

enum cnab_status cnab_transfer_attach(struct cnab_transfer *t,
                                      struct cnab_err *err)
{
	const char *env = getenv("CNAB_ATTACH_MAX");
	enum cnab_status st;
	char *end;
	long max;

	t->attach_max = CNAB_ATTACH_MAX;
	if (env && *env) {
		max = strtol(env, &end, 10);
		if (!*end && max > 0 && max < CNAB_ATTACH_MAX)
			t->attach_max = (size_t)max;
	}
	st = prefetch_new(t, err);
	if (st == CNAB_OK)
		st = attach(t, err);
	prefetch_free(t);
	return st;
}

/*
 * The walk reads manifests one at a time: a round trip for each image
 * given by digest (those of a published bundle) and for each platform of
 * an index.  With lookup_jobs, they are asked for up front, a level at a
 * time, as the lookups of attachments are; the walk takes them from there
 * (each verified against its digest by the handle that fetched it, and
 * here against its size), and asks itself for what is not there.
 */

/* How many manifests of indexes a walk asks for up front, at most. */
#define PREFETCH_MANIFESTS_MAX 4096

/* Whether img's root is to be read from its registry repository. */
static bool root_wanted(const struct cnab_transfer_image *img)
{
	return img->found && !img->layout && img->has_repo && !img->root_data;
}

/* Adds the fetch of each root wanted, by digest. */
static enum cnab_status roots_add(struct cnab_transfer *t, struct cnab_err *err)
{
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st = CNAB_OK;
	size_t i;

	for (i = 0; i < t->nimages && st == CNAB_OK; i++)
		if (root_wanted(&t->images[i])) {
			cnab_digest_format(&t->images[i].root.digest, digest);
			st = lookup_add(t->prefetch, &t->images[i].repo,
			                strdup(digest), false, err);
		}
	return st;
}

/* Takes a fetched manifest that d names, from rr: false if none. */
static bool manifest_take(struct cnab_transfer *t,
                          const struct cnab_reg_repo *rr,
                          const struct cnab_descriptor *d, char **data,
                          size_t *len)
{
	char digest[CNAB_DIGEST_STR_MAX];
	struct lookup *l;

	cnab_digest_format(&d->digest, digest);
	l = prefetched(t->prefetch, rr, digest, false);
	if (!l || l->st != CNAB_OK || l->m.len != d->size)
		return false;
	l->taken = true;
	*data = l->m.data;
	*len = l->m.len;
	l->m.data = NULL;
	return true;
}

/* Moves the roots fetched into their images. */
static void roots_take(struct cnab_transfer *t)
{
	size_t i;

	for (i = 0; i < t->nimages; i++) {
		struct cnab_transfer_image *img = &t->images[i];

		if (root_wanted(img))
			manifest_take(t, &img->repo, &img->root,
			              &img->root_data, &img->root_len);
	}
}

/* Whether ref in rr has been asked for already. */
static bool requested(const struct prefetch *pf, const struct cnab_reg_repo *rr,
                      const char *ref)
{
	size_t i;

	for (i = 0; i < pf->n; i++)
		if (pf->l[i].rr == rr && !pf->l[i].referrers &&
		    !strcmp(pf->l[i].ref, ref))
			return true;
	return false;
}

/*
 * Adds the fetch of the manifests an index lists, those not asked for
 * already.  What does not parse adds nothing: the walk tells.
 */
static enum cnab_status children_add(struct cnab_transfer *t,
                                     const struct cnab_reg_repo *rr,
                                     const char *data, size_t len,
                                     const char *media_type,
                                     struct cnab_err *err)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	struct cnab_err ignored = CNAB_ERR_INIT;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st = CNAB_OK;
	size_t i;

	if (cnab_manifest_parse(&m, data, len, media_type, "", &ignored) !=
	    CNAB_OK)
		return CNAB_OK;
	for (i = 0; m.is_index && i < m.nmanifests && st == CNAB_OK; i++) {
		if (t->prefetch->n >= PREFETCH_MANIFESTS_MAX)
			break;
		if (!cnab_mt_is_manifest_or_index(m.manifests[i].media_type))
			continue;
		cnab_digest_format(&m.manifests[i].digest, digest);
		if (!requested(t->prefetch, rr, digest))
			st = lookup_add(t->prefetch, rr, strdup(digest), false,
			                err);
	}
	cnab_manifest_release(&m);
	return st;
}

/* The roots not at hand, then the manifests of indexes, a level at a time. */
static enum cnab_status prefetch_manifests(struct cnab_transfer *t,
                                           struct cnab_err *err)
{
	struct prefetch *pf = t->prefetch;
	enum cnab_status st;
	size_t i, from, depth;

	st = roots_add(t, err);
	if (st == CNAB_OK && pf->next < pf->n)
		lookups_run(t);
	roots_take(t);
	from = pf->n;
	for (i = 0; i < t->nimages && st == CNAB_OK; i++) {
		const struct cnab_transfer_image *img = &t->images[i];

		if (img->found && !img->layout && img->has_repo &&
		    img->root_data)
			st = children_add(t, &img->repo, img->root_data,
			                  img->root_len, img->root.media_type,
			                  err);
	}
	for (depth = 1;
	     st == CNAB_OK && pf->next < pf->n && depth < CNAB_IMAGE_MAX_DEPTH;
	     depth++) {
		size_t to = pf->n;

		lookups_run(t);
		for (i = from; i < to && st == CNAB_OK; i++)
			if (pf->l[i].st == CNAB_OK)
				st = children_add(t, pf->l[i].rr,
				                  pf->l[i].m.data,
				                  pf->l[i].m.len,
				                  pf->l[i].m.media_type, err);
		from = to;
	}
	return st;
}

/* An image's registry repository as the walk's source: the manifests
 * fetched up front first. */
struct walk_source {
	struct cnab_transfer *t;
	const struct cnab_reg_repo *rr;
	struct cnab_blob_source inner;
};

static enum cnab_status walk_get_manifest(void *ctx,
                                          const struct cnab_descriptor *d,
                                          char **data, size_t *len,
                                          struct cnab_err *err)
{
	struct walk_source *ws = ctx;

	if (manifest_take(ws->t, ws->rr, d, data, len))
		return CNAB_OK;
	return ws->inner.get_manifest(ws->inner.ctx, d, data, len, err);
}

static enum cnab_status walk(struct cnab_transfer *t, struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	size_t i;

	if (t->prefetch)
		st = prefetch_manifests(t, err);
	for (i = 0; i < t->nimages && st == CNAB_OK; i++) {
		struct cnab_transfer_image *img = &t->images[i];
		struct walk_source ws = {t, &img->repo, {0}};
		struct cnab_blob_source src;
		size_t before = t->tree.n;

		if (!img->found)
			continue;
		if (img->layout) {
			src = cnab_layout_source(img->layout);
		} else {
			ws.inner = cnab_reg_repo_source(&img->repo);
			src = ws.inner;
			src.get_manifest = walk_get_manifest;
			src.ctx = &ws;
		}
		st = cnab_image_tree_add_root(&t->tree, &src, &img->root,
		                              img->root_data, img->root_len,
		                              img->image, err);
		if (st == CNAB_OK)
			st = set_origins(t, before, i, err);
	}
	for (i = 0; i < t->nattachments && st == CNAB_OK; i++)
		st = walk_attachment(t, &t->attachments[i], err);
	return st;
}

enum cnab_status cnab_transfer_walk(struct cnab_transfer *t,
                                    struct cnab_err *err)
{
	enum cnab_status st;

	st = prefetch_new(t, err);
	if (st == CNAB_OK)
		st = walk(t, err);
	prefetch_free(t);
	return st;
}

const struct cnab_reg_repo *
cnab_transfer_node_repo(const struct cnab_transfer *t, size_t i)
{
	return origin_repo((struct cnab_transfer *)t, t->node_origin[i]);
}

uint64_t cnab_transfer_bytes(const struct cnab_transfer *t)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < t->tree.n; i++)
		total += t->tree.nodes[i].desc.size;
	return total;
}

static int by_digest(const void *a, const void *b)
{
	const struct cnab_image_node *x = *(struct cnab_image_node *const *)a;
	const struct cnab_image_node *y = *(struct cnab_image_node *const *)b;
	char dx[CNAB_DIGEST_STR_MAX], dy[CNAB_DIGEST_STR_MAX];

	cnab_digest_format(&x->desc.digest, dx);
	cnab_digest_format(&y->desc.digest, dy);
	return strcmp(dx, dy);
}

/* The layout node i is read from, or NULL. */
static const struct cnab_layout *node_layout(const struct cnab_transfer *t,
                                             size_t i)
{
	size_t o = t->node_origin[i];

	return o == CNAB_ATTACH_BUNDLE ? NULL : t->images[o].layout;
}

/* The size of the buffer a blob of a layout is read through. */
#define LAYOUT_CHUNK ((size_t)256 << 10)

/* Copies a blob of a layout into the sink, verifying it. */
static enum cnab_status copy_from_layout(const struct cnab_layout *l,
                                         const struct cnab_descriptor *d,
                                         const struct cnab_transfer_sink *sink,
                                         char *buf, struct cnab_err *err)
{
	char *path = cnab_layout_blob_path(l, &d->digest);
	struct cnab_verify_reader vr;
	struct cnab_reader r;
	enum cnab_status st;
	size_t got;
	int fd;

	if (!path)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_file_open(path, &fd, err);
	if (st != CNAB_OK) {
		free(path);
		return st;
	}
	st = cnab_verify_reader_init(&vr, cnab_fd_reader(&fd), &d->digest,
	                             d->size, path, err);
	r = cnab_verify_reader_as(&vr);
	while (st == CNAB_OK) {
		st = cnab_reader_read(&r, buf, LAYOUT_CHUNK, &got, err);
		if (st != CNAB_OK || !got)
			break;
		st = sink->write(sink->ctx, buf, got, err);
	}
	cnab_verify_reader_release(&vr);
	close(fd);
	free(path);
	return st;
}

/* One object into the sink: downloaded already, in memory, or read here. */
static enum cnab_status copy_one(const struct cnab_transfer *t,
                                 const struct cnab_image_node *node,
                                 const struct cnab_fetched *got,
                                 const struct cnab_transfer_sink *sink,
                                 char *buf, struct cnab_err *err)
{
	size_t i = (size_t)(node - t->tree.nodes);
	const struct cnab_layout *layout = node_layout(t, i);
	const struct cnab_reg_repo *rr = cnab_transfer_node_repo(t, i);

	if (got->data)
		return sink->write(sink->ctx, got->data, got->len, err);
	if (node->is_manifest)
		return sink->write(sink->ctx, node->data, node->len, err);
	if (layout)
		return copy_from_layout(layout, &node->desc, sink, buf, err);
	/* over the per-blob cap, or one job: streamed */
	return cnab_reg_get_blob(rr->reg, rr->repo, &node->desc, sink->write,
	                         sink->ctx, err);
}

enum cnab_status cnab_transfer_copy(struct cnab_transfer *t,
                                    const struct cnab_transfer_copy_opts *o,
                                    const struct cnab_transfer_sink *sink,
                                    struct cnab_err *err)
{
	const struct cnab_image_node **order = NULL;
	struct cnab_fetch_item *items = NULL;
	struct cnab_fetch *fetch = NULL;
	struct cnab_fetch_opts fo = {0};
	size_t n = t->tree.n, i;
	enum cnab_status st;
	bool more = true;
	char *buf = NULL;

	order = calloc(n + 1, sizeof(*order));
	items = calloc(n + 1, sizeof(*items));
	buf = malloc(LAYOUT_CHUNK);
	if (!order || !items || !buf) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0, n = 0; i < t->tree.n; i++) {
		char digest[CNAB_DIGEST_STR_MAX];

		cnab_digest_format(&t->tree.nodes[i].desc.digest, digest);
		if (!t->skip || !cnab_map_has(t->skip, digest))
			order[n++] = &t->tree.nodes[i];
	}
	qsort(order, n, sizeof(*order), by_digest);
	/* the blobs of a registry are downloaded; the others (manifests in
	 * memory, blobs of a layout) are left to the loop below */
	for (i = 0; i < n; i++) {
		size_t k = (size_t)(order[i] - t->tree.nodes);
		const struct cnab_reg_repo *rr = cnab_transfer_node_repo(t, k);

		items[i].desc = &order[i]->desc;
		if (order[i]->is_manifest || !rr)
			continue;
		items[i].host = cnab_registry_host(rr->reg);
		items[i].repo = rr->repo;
	}
	fo.reg = o->reg;
	fo.jobs = o->jobs;
	fo.budget = o->budget;
	/* downloads start now, in the order the sink takes the objects */
	st = cnab_fetch_start(&fetch, items, n, &fo, err);
	while (st == CNAB_OK) {
		struct cnab_fetched got;
		const struct cnab_image_node *node;

		st = cnab_fetch_next(fetch, &got, &more, err);
		if (st != CNAB_OK || !more)
			break;
		node = order[got.index];
		if (sink->begin)
			st = sink->begin(sink->ctx, node, got.index, n, err);
		if (st == CNAB_OK)
			st = copy_one(t, node, &got, sink, buf, err);
	}
out:
	/* stops the downloads still going on a failure */
	cnab_fetch_free(fetch);
	free(buf);
	free(items);
	free(order);
	return st;
}

void cnab_transfer_release(struct cnab_transfer *t)
{
	size_t i;

	for (i = 0; i < t->nimages; i++) {
		struct cnab_transfer_image *img = &t->images[i];

		cnab_ref_release(&img->ref);
		cnab_descriptor_release(&img->root);
		free(img->root_data);
		if (img->has_repo)
			cnab_reg_repo_release(&img->repo);
	}
	free(t->images);
	for (i = 0; i < t->nattachments; i++)
		cnab_attachment_release(&t->attachments[i]);
	free(t->attachments);
	if (t->has_bundle_rr)
		cnab_reg_repo_release(&t->bundle_rr);
	free(t->node_origin);
	cnab_image_tree_release(&t->tree);
	memset(t, 0, sizeof(*t));
}
