/*
 * Blob reads from a registry: HEAD, and GET streamed to the caller's sink,
 * verified on the way, resumed with a Range request after a cut.
 */
#include "common/registry.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/http.h"
#include "common/registry-int.h"

enum cnab_status cnab_reg_head_blob(struct cnab_registry *r, const char *repo,
                                    const struct cnab_descriptor *d,
                                    bool *exists, struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	char digest[CNAB_DIGEST_STR_MAX], what[600];
	char *url = NULL, *sc = cnab_reg_scope(repo, "pull");
	const char *scopes[1] = {sc};
	enum cnab_status st;

	*exists = false;
	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s'", r->host, repo, digest);
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_reg_api_url(r, repo, "blobs", digest, &url, err);
	if (st != CNAB_OK)
		goto out;
	req.method = "HEAD";
	req.url = url;
	req.max_redirects = CNAB_REG_MAX_REDIRECTS;
	st = cnab_reg_send(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 200)
		*exists = !resp.has_length || resp.content_length == d->size;
	else if (resp.status != 404)
		st = cnab_reg_fail_answer(r, "HEAD", &resp, what, err);
out:
	cnab_http_response_release(&resp);
	free(url);
	free(sc);
	return st;
}

/* Verifies blob bytes on their way to the caller's sink, skipping what a
 * resumed download repeats. */
struct blob_get {
	struct cnab_registry *r;
	struct cnab_verifier v;
	cnab_reg_sink sink;
	void *ctx;
	uint64_t done;  /* bytes verified and passed on */
	uint64_t start; /* done when this answer began */
	uint64_t skip;  /* bytes of this answer already passed on */
	bool decided;   /* whether this answer repeats bytes is known */
	const struct cnab_http_response *resp;
	const char *what; /* "blob 'HOST/REPO@DIGEST'" */
};

/*
 * A 206 must start where it was asked to (its Content-Range "bytes
 * A-B/SIZE" starting at g->start): bytes from elsewhere would be taken for
 * the next ones, and only the final digest would tell, misleadingly.
 */
static enum cnab_status check_range(struct blob_get *g,
                                    const struct cnab_http_response *resp,
                                    struct cnab_err *err)
{
	const char *v = resp->content_range;
	char shown[81];
	unsigned long long a;
	char *end;
	size_t i;

	if (resp->status != 206)
		return CNAB_OK;
	if (v && !strncasecmp(v, "bytes ", 6)) {
		v += 6 + strspn(v + 6, " ");
		errno = 0;
		a = strtoull(v, &end, 10);
		if (end != v && *end == '-' && !errno && a == g->start)
			return CNAB_OK;
	}
	/* what the registry said, printable */
	snprintf(shown, sizeof(shown), "%s",
	         resp->content_range ? resp->content_range : "");
	for (i = 0; shown[i]; i++)
		if ((unsigned char)shown[i] < 0x20 || shown[i] == 0x7f)
			shown[i] = '?';
	return cnab_err_set(err, CNAB_ERR_CORRUPT,
	                    "registry '%s' answered a range request for %s "
	                    "from byte %" PRIu64 " with %s%s%s",
	                    g->r->host, g->what, g->start,
	                    resp->content_range ? "Content-Range '" : "",
	                    resp->content_range ? shown : "no Content-Range",
	                    resp->content_range ? "'" : "");
}

static enum cnab_status blob_sink(void *ctx, const void *p, size_t n,
                                  struct cnab_err *err)
{
	struct blob_get *g = ctx;
	enum cnab_status st;

	if (!g->decided) {
		/* a server that ignored Range sends everything again */
		g->decided = true;
		g->skip = g->resp->status == 200 ? g->start : 0;
		st = check_range(g, g->resp, err);
		if (st != CNAB_OK)
			return st;
	}
	if (g->skip) {
		size_t s = n < g->skip ? n : (size_t)g->skip;

		p = (const char *)p + s;
		n -= s;
		g->skip -= s;
		if (!n)
			return CNAB_OK;
	}
	st = cnab_verifier_update(&g->v, p, n, err);
	if (st != CNAB_OK)
		return st;
	st = g->sink(g->ctx, p, n, err);
	if (st != CNAB_OK)
		return st;
	g->done += n;
	g->r->stats.blob_bytes_down += n;
	if (g->r->opts.progress)
		g->r->opts.progress(g->r->opts.progress_ctx, n);
	return CNAB_OK;
}

enum cnab_status cnab_reg_get_blob(struct cnab_registry *r, const char *repo,
                                   const struct cnab_descriptor *d,
                                   cnab_reg_sink sink, void *ctx,
                                   struct cnab_err *err)
{
	struct blob_get g = {
	        r, {{0}, {0}, 0, NULL}, sink, ctx, 0, 0, 0, false, NULL, NULL};
	char digest[CNAB_DIGEST_STR_MAX], what[600], range[64];
	char *url = NULL, *sc = cnab_reg_scope(repo, "pull");
	const char *scopes[1] = {sc};
	const char *headers[2] = {NULL, NULL};
	struct cnab_err nerr = CNAB_ERR_INIT;
	enum cnab_status st;

	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s'", r->host, repo, digest);
	g.what = what;
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	st = cnab_verifier_init(&g.v, &d->digest, d->size, what, err);
	if (st != CNAB_OK) {
		free(sc);
		return st;
	}
	st = cnab_reg_api_url(r, repo, "blobs", digest, &url, err);
	while (st == CNAB_OK) {
		struct cnab_http_response resp = {0};
		struct cnab_http_request req = {0};
		uint64_t before = g.done;

		req.method = "GET";
		req.url = url;
		req.sink = blob_sink;
		req.sink_ctx = &g;
		req.max_redirects = CNAB_REG_MAX_REDIRECTS;
		if (g.done) {
			snprintf(range, sizeof(range),
			         "Range: bytes=%" PRIu64 "-", g.done);
			headers[0] = range;
			req.headers = headers;
		}
		g.start = g.done;
		g.skip = 0;
		g.decided = false;
		g.resp = &resp;
		cnab_err_clear(&nerr);
		st = cnab_reg_send(r, &req, scopes, 1, what, &resp, &nerr);
		if (st == CNAB_OK &&
		    (resp.status == 200 || resp.status == 206)) {
			/* (an empty body did not reach blob_sink) */
			if (!g.decided)
				st = check_range(&g, &resp, err);
			cnab_http_response_release(&resp);
			break;
		}
		if (st == CNAB_OK) {
			if (resp.status == 404)
				st = cnab_err_set(err, CNAB_ERR_NOTFOUND,
				                  "%s not found", what);
			else
				st = cnab_reg_fail_answer(r, "GET", &resp, what,
				                          err);
			cnab_http_response_release(&resp);
			break;
		}
		cnab_http_response_release(&resp);
		if (st == CNAB_ERR_NET && g.done == d->size) {
			st = CNAB_OK; /* everything arrived before the cut */
			break;
		}
		/* interrupted after some bytes: resume after them
		 * (cnab_reg_send itself retried the attempts that brought
		 * nothing) */
		if (st != CNAB_ERR_NET || g.done == before) {
			cnab_err_set(err, st, "%s", nerr.msg);
			break;
		}
		cnab_reg_backoff(r, 1, NULL);
		st = CNAB_OK;
	}
	if (st == CNAB_OK)
		st = cnab_verifier_finish(&g.v, err);
	cnab_verifier_release(&g.v);
	free(url);
	free(sc);
	return st;
}
