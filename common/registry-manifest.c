/*
 * Manifests and indexes on a registry: GET (verified against the digest
 * asked for or announced), HEAD and PUT, and a repository as a blob source
 * for image walking.
 */
#include "common/registry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/http.h"
#include "common/registry-int.h"

static const char accept_manifests[] =
        "Accept: " CNAB_MT_OCI_MANIFEST ", " CNAB_MT_OCI_INDEX
        ", " CNAB_MT_DOCKER_MANIFEST ", " CNAB_MT_DOCKER_LIST;

void cnab_reg_manifest_release(struct cnab_reg_manifest *m)
{
	free(m->data);
	free(m->media_type);
	memset(m, 0, sizeof(*m));
}

/* The media type of a Content-Type header (without parameters). */
static char *media_type_of(const char *content_type)
{
	size_t n;

	if (!content_type)
		return NULL;
	n = strcspn(content_type, "; \t");
	return n ? strndup(content_type, n) : NULL;
}

enum cnab_status cnab_reg_get_manifest(struct cnab_registry *r,
                                       const char *repo, const char *reference,
                                       struct cnab_reg_manifest *out,
                                       struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *headers[] = {accept_manifests, NULL};
	char *url = NULL, *sc = cnab_reg_scope(repo, "pull"), *what = NULL;
	const char *scopes[1] = {sc};
	struct cnab_digest want;
	enum cnab_status st;

	memset(out, 0, sizeof(*out));
	what = cnab_strfmt("manifest '%s/%s%s%s'", r->host, repo,
	                   cnab_digest_valid(reference) ? "@" : ":", reference);
	if (!sc || !what) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_reg_api_url(r, repo, "manifests", reference, &url, err);
	if (st != CNAB_OK)
		goto out;
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.body_max = CNAB_MAX_DOCUMENT;
	req.max_redirects = CNAB_REG_MAX_REDIRECTS;
	st = cnab_reg_send(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 404) {
		st = cnab_err_set(err, CNAB_ERR_NOTFOUND, "%s not found", what);
		goto out;
	}
	if (resp.status != 200) {
		st = cnab_reg_fail_answer(r, "GET", &resp, what, err);
		goto out;
	}
	/* the digest of what arrived, in the algorithm asked for */
	if (cnab_digest_parse(&want, reference, NULL) != CNAB_OK &&
	    cnab_digest_parse(&want,
	                      resp.docker_digest ? resp.docker_digest : "",
	                      NULL) != CNAB_OK)
		want.alg = CNAB_DIGEST_SHA256;
	st = cnab_digest_of(want.alg, resp.body.data, resp.body.len,
	                    &out->digest);
	if (st != CNAB_OK) {
		st = cnab_err_set(err, st, "cannot hash %s", what);
		goto out;
	}
	if ((cnab_digest_valid(reference) ||
	     cnab_digest_valid(resp.docker_digest)) &&
	    !cnab_digest_equal(&out->digest, &want)) {
		char got[CNAB_DIGEST_STR_MAX], exp[CNAB_DIGEST_STR_MAX];

		cnab_digest_format(&out->digest, got);
		cnab_digest_format(&want, exp);
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "digest mismatch for %s: content is %s, "
		                  "expected %s",
		                  what, got, exp);
		goto out;
	}
	out->media_type = media_type_of(resp.content_type);
	out->data = cnab_buf_detach(&resp.body, &out->len);
	if (!out->data)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	if (st != CNAB_OK)
		cnab_reg_manifest_release(out);
	cnab_http_response_release(&resp);
	free(url);
	free(sc);
	free(what);
	return st;
}

enum cnab_status cnab_reg_head_manifest(struct cnab_registry *r,
                                        const char *repo, const char *reference,
                                        bool *exists, struct cnab_descriptor *d,
                                        struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *headers[] = {accept_manifests, NULL};
	char *url = NULL, *sc = cnab_reg_scope(repo, "pull");
	const char *scopes[1] = {sc};
	char what[600];
	enum cnab_status st;

	*exists = false;
	snprintf(what, sizeof(what), "manifest '%s/%s:%s'", r->host, repo,
	         reference);
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_reg_api_url(r, repo, "manifests", reference, &url, err);
	if (st != CNAB_OK)
		goto out;
	req.method = "HEAD";
	req.url = url;
	req.headers = headers;
	req.max_redirects = CNAB_REG_MAX_REDIRECTS;
	st = cnab_reg_send(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 404)
		goto out;
	if (resp.status != 200) {
		st = cnab_reg_fail_answer(r, "HEAD", &resp, what, err);
		goto out;
	}
	*exists = true;
	if (!d)
		goto out;
	if (!resp.docker_digest || !resp.has_length || !resp.content_type) {
		/* the registry did not say: ask for the manifest itself */
		struct cnab_reg_manifest m;

		st = cnab_reg_get_manifest(r, repo, reference, &m, err);
		if (st != CNAB_OK)
			goto out;
		d->digest = m.digest;
		d->size = m.len;
		d->media_type = m.media_type;
		m.media_type = NULL;
		cnab_reg_manifest_release(&m);
		goto out;
	}
	if (cnab_digest_parse(&d->digest, resp.docker_digest, NULL) !=
	    CNAB_OK) {
		st = cnab_err_set(err, CNAB_ERR_REGISTRY,
		                  "registry '%s' gave a bad digest for %s",
		                  r->host, what);
		goto out;
	}
	d->size = resp.content_length;
	d->media_type = media_type_of(resp.content_type);
	if (!d->media_type)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	cnab_http_response_release(&resp);
	free(url);
	free(sc);
	return st;
}

enum cnab_status cnab_reg_put_manifest(struct cnab_registry *r,
                                       const char *repo, const char *reference,
                                       const char *media_type, const void *data,
                                       size_t len, struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	char *url = NULL, *sc = cnab_reg_scope(repo, "pull,push");
	char *ct = cnab_strfmt("Content-Type: %s", media_type);
	const char *headers[] = {ct, NULL};
	const char *scopes[1] = {sc};
	char what[600];
	enum cnab_status st;

	snprintf(what, sizeof(what), "manifest '%s/%s%s%s'", r->host, repo,
	         cnab_digest_valid(reference) ? "@" : ":", reference);
	if (!sc || !ct) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_reg_api_url(r, repo, "manifests", reference, &url, err);
	if (st != CNAB_OK)
		goto out;
	req.method = "PUT";
	req.url = url;
	req.headers = headers;
	req.body = data;
	req.body_len = len;
	req.has_body = true;
	st = cnab_reg_send(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 201 || resp.status == 200)
		goto out;
	if (resp.status == 400 || resp.status == 415) {
		char detail[300];

		cnab_reg_error_detail(&resp, detail, sizeof(detail));
		/* unknown referenced content is not a media type problem */
		if (strstr(detail, "BLOB_UNKNOWN"))
			st = cnab_reg_fail_answer(r, "PUT", &resp, what, err);
		else
			st = cnab_err_set(err, CNAB_ERR_UNSUPPORTED,
			                  "registry '%s' refused %s (%s)%s",
			                  r->host, what, media_type, detail);
		goto out;
	}
	st = cnab_reg_fail_answer(r, "PUT", &resp, what, err);
out:
	cnab_http_response_release(&resp);
	free(url);
	free(sc);
	free(ct);
	return st;
}

enum cnab_status cnab_reg_repo_init(struct cnab_reg_repo *rr,
                                    struct cnab_registry *reg, const char *repo,
                                    struct cnab_err *err)
{
	rr->reg = reg;
	rr->repo = repo;
	rr->label = cnab_strfmt("registry repository '%s/%s'", reg->host, repo);
	if (!rr->label)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

void cnab_reg_repo_release(struct cnab_reg_repo *rr)
{
	free(rr->label);
	rr->label = NULL;
}

static enum cnab_status repo_get_manifest(void *ctx,
                                          const struct cnab_descriptor *d,
                                          char **data, size_t *len,
                                          struct cnab_err *err)
{
	struct cnab_reg_repo *rr = ctx;
	struct cnab_reg_manifest m;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;

	cnab_digest_format(&d->digest, digest);
	st = cnab_reg_get_manifest(rr->reg, rr->repo, digest, &m, err);
	if (st != CNAB_OK)
		return st;
	if (m.len != d->size) {
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "size mismatch for manifest '%s/%s@%s': "
		                  "got %zu bytes, expected %" PRIu64,
		                  rr->reg->host, rr->repo, digest, m.len,
		                  d->size);
		cnab_reg_manifest_release(&m);
		return st;
	}
	*data = m.data;
	*len = m.len;
	m.data = NULL;
	cnab_reg_manifest_release(&m);
	return CNAB_OK;
}

struct cnab_blob_source cnab_reg_repo_source(struct cnab_reg_repo *rr)
{
	struct cnab_blob_source s = {repo_get_manifest, NULL, rr, rr->label};

	return s;
}

enum cnab_status cnab_reg_get_referrers(struct cnab_registry *r,
                                        const char *repo, const char *digest,
                                        bool *supported,
                                        struct cnab_reg_manifest *out,
                                        struct cnab_err *err)
{
	static const char accept[] = "Accept: " CNAB_MT_OCI_INDEX;
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *headers[] = {accept, NULL};
	char *url = NULL, *sc = cnab_reg_scope(repo, "pull"), *what = NULL;
	const char *scopes[1] = {sc};
	enum cnab_status st;

	memset(out, 0, sizeof(*out));
	*supported = false;
	what = cnab_strfmt("referrers of '%s/%s@%s'", r->host, repo, digest);
	if (!sc || !what) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_reg_api_url(r, repo, "referrers", digest, &url, err);
	if (st != CNAB_OK)
		goto out;
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.body_max = CNAB_MAX_DOCUMENT;
	req.max_redirects = CNAB_REG_MAX_REDIRECTS;
	st = cnab_reg_send(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK || resp.status == 404)
		goto out; /* 404: no referrers API (Distribution 2.8) */
	if (resp.status != 200) {
		st = cnab_reg_fail_answer(r, "GET", &resp, what, err);
		goto out;
	}
	*supported = true;
	st = cnab_digest_of(CNAB_DIGEST_SHA256, resp.body.data, resp.body.len,
	                    &out->digest);
	if (st != CNAB_OK) {
		st = cnab_err_set(err, st, "cannot hash %s", what);
		goto out;
	}
	out->media_type = media_type_of(resp.content_type);
	out->data = cnab_buf_detach(&resp.body, &out->len);
	if (!out->data)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	if (st != CNAB_OK)
		cnab_reg_manifest_release(out);
	cnab_http_response_release(&resp);
	free(url);
	free(sc);
	free(what);
	return st;
}
