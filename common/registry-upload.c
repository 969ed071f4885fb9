/*
 * Blob uploads to a registry: cross-repository mounts, upload sessions,
 * small blobs in one PUT, large ones in chunks resumed where the registry
 * says it stopped, and sessions the registry lost started again.
 */
#include "common/registry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/buf.h"
#include "common/http.h"
#include "common/registry-int.h"

/* The most of a blob kept in memory for an upload, whatever the registry
 * demands (OCI-Chunk-Min-Length): per handle, so per job */
#define MAX_CHUNK ((size_t)32 << 20)

/* "URL?name=value" or "URL&name=value", value escaped. */
static char *with_param(const char *url, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);
	char *out;

	if (!esc)
		return NULL;
	out = cnab_strfmt("%s%s%s=%s", url, strchr(url, '?') ? "&" : "?", name,
	                  esc);
	curl_free(esc);
	return out;
}

/* Best effort: tells the registry an upload is abandoned. */
static void cancel_upload(struct cnab_registry *r, const char *location,
                          const char *const *scopes, size_t n)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *auth = NULL;

	if (!location)
		return;
	if (cnab_reg_authorization(r, scopes, n, false, &auth, NULL) != CNAB_OK)
		return;
	req.method = "DELETE";
	req.url = location;
	req.authorization =
	        cnab_http_same_origin(location, r->base) ? auth : NULL;
	cnab_http_do(r->http, &req, &resp, NULL);
	cnab_http_response_release(&resp);
}

/* Takes the Location of an upload answer, resolved. */
static enum cnab_status next_location(struct cnab_registry *r,
                                      const struct cnab_http_response *resp,
                                      const char *current, char **location,
                                      const char *what, struct cnab_err *err)
{
	char *next;

	if (!resp->location)
		return cnab_err_set(err, CNAB_ERR_REGISTRY,
		                    "registry '%s' gave no upload location "
		                    "for %s",
		                    r->host, what);
	next = cnab_http_resolve(current, resp->location);
	if (!next)
		return cnab_err_set(err, CNAB_ERR_REGISTRY,
		                    "registry '%s' gave a bad upload location "
		                    "for %s",
		                    r->host, what);
	free(*location);
	*location = next;
	return CNAB_OK;
}

enum cnab_status cnab_reg_mount_blob(struct cnab_registry *r, const char *repo,
                                     const struct cnab_descriptor *d,
                                     const char *from_repo, bool *mounted,
                                     struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	char digest[CNAB_DIGEST_STR_MAX], what[600];
	char *base = NULL, *u1 = NULL, *url = NULL, *location = NULL;
	char *s1 = cnab_reg_scope(repo, "pull,push"),
	     *s2 = cnab_reg_scope(from_repo, "pull");
	const char *scopes[2] = {s1, s2};
	/* from repo itself: is the blob there already? */
	size_t nscopes = strcmp(repo, from_repo) ? 2 : 1;
	enum cnab_status st;

	*mounted = false;
	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s' (mount from '%s')",
	         r->host, repo, digest, from_repo);
	if (!s1 || !s2) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	st = cnab_reg_api_url(r, repo, "blobs", "uploads/", &base, err);
	if (st != CNAB_OK)
		goto out;
	u1 = with_param(base, "mount", digest);
	url = u1 ? with_param(u1, "from", from_repo) : NULL;
	if (!url) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	req.method = "POST";
	req.url = url;
	st = cnab_reg_send(r, &req, scopes, nscopes, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 201) {
		*mounted = true;
		r->stats.blobs_mounted++;
	} else if (resp.status == 202) {
		/* not mounted: an upload session was opened instead, kept
		 * for the upload that follows (one POST fewer) */
		if (next_location(r, &resp, url, &location, what, NULL) ==
		    CNAB_OK) {
			char *keep = strdup(repo);

			if (!keep) {
				st = cnab_err_set(err, CNAB_ERR_NOMEM,
				                  "out of memory");
				goto out;
			}
			free(r->session);
			free(r->session_repo);
			r->session = location;
			r->session_repo = keep;
			r->session_min =
			        resp.chunk_min
			                ? strtoull(resp.chunk_min, NULL, 10)
			                : 0;
			location = NULL;
		}
	} else {
		st = cnab_reg_fail_answer(r, "POST", &resp, what, err);
	}
out:
	cnab_http_response_release(&resp);
	free(base);
	free(u1);
	free(url);
	free(location);
	free(s1);
	free(s2);
	return st;
}

enum cnab_status cnab_reg_ask_blob(struct cnab_registry *r, const char *repo,
                                   const struct cnab_descriptor *d,
                                   const char *from_repo, bool *there,
                                   bool *mounted, struct cnab_err *err)
{
	struct cnab_err merr = CNAB_ERR_INIT;
	bool m = false;
	enum cnab_status st;

	*there = false;
	if (mounted)
		*mounted = false;
	st = cnab_reg_mount_blob(r, repo, d, from_repo, &m, &merr);
	if (st == CNAB_OK) {
		*there = m;
		if (mounted)
			*mounted = m;
		return st;
	}
	if (st == CNAB_ERR_NET || st == CNAB_ERR_NOMEM)
		return cnab_err_set(err, st, "%s", merr.msg);
	if (r->opts.log) {
		char line[sizeof(merr.msg) + 32];

		snprintf(line, sizeof(line), "%s: asking with HEAD", merr.msg);
		r->opts.log(r->opts.log_ctx, line);
	}
	return cnab_reg_head_blob(r, repo, d, there, err);
}

/* Reads up to want bytes, fewer only at the end of src. */
static enum cnab_status read_full(struct cnab_reader *src, char *buf,
                                  size_t want, size_t *got,
                                  struct cnab_err *err)
{
	enum cnab_status st;
	size_t n;

	*got = 0;
	while (*got < want) {
		st = cnab_reader_read(src, buf + *got, want - *got, &n, err);
		if (st != CNAB_OK)
			return st;
		if (!n)
			break;
		*got += n;
	}
	return CNAB_OK;
}

/* Asks how much of an upload the registry has: *received bytes. */
static enum cnab_status upload_status(struct cnab_registry *r, char **location,
                                      const char *const *scopes,
                                      uint64_t *received, const char *what,
                                      struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	enum cnab_status st;
	unsigned long long a = 0, b = 0;

	req.method = "GET";
	req.url = *location;
	st = cnab_reg_send(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status != 204 && resp.status != 200) {
		st = cnab_reg_fail_answer(r, "GET", &resp, what, err);
		goto out;
	}
	if (!resp.range || sscanf(resp.range, "%llu-%llu", &a, &b) != 2) {
		*received = 0;
	} else {
		/* "0-N" is N + 1 bytes; Distribution says "0-0" for none */
		*received = b ? (uint64_t)b + 1 : 0;
	}
	if (resp.location)
		st = next_location(r, &resp, *location, location, what, err);
out:
	cnab_http_response_release(&resp);
	return st;
}

/*
 * A chunk of an upload, read from the source while it is sent and kept,
 * so that what the registry did not get can be sent again.
 */
struct chunk {
	struct cnab_reader *src;
	char *buf;
	size_t want;   /* the chunk's length */
	size_t filled; /* bytes of it read from src (and kept in buf) */
	size_t pos;    /* the next byte of it to send */
};

static enum cnab_status chunk_read(void *ctx, void *out, size_t n, size_t *got,
                                   struct cnab_err *err)
{
	struct chunk *c = ctx;
	enum cnab_status st;
	size_t k;

	*got = 0;
	if (c->pos < c->filled) {
		k = n < c->filled - c->pos ? n : c->filled - c->pos;
		memcpy(out, c->buf + c->pos, k);
		c->pos += k;
		*got = k;
		return CNAB_OK;
	}
	if (c->filled == c->want)
		return CNAB_OK;
	k = n < c->want - c->filled ? n : c->want - c->filled;
	st = cnab_reader_read(c->src, c->buf + c->filled, k, got, err);
	if (st != CNAB_OK)
		return st;
	if (!*got)
		return cnab_err_set(
		        err, CNAB_ERR_INTEGRITY,
		        "the blob ended %zu bytes short of its size",
		        c->want - c->filled);
	memcpy(out, c->buf + c->filled, *got);
	c->filled += *got;
	c->pos += *got;
	return CNAB_OK;
}

/*
 * Sends a chunk (at offset of the upload) as one PATCH, streamed from its
 * source; one interrupted is resumed from where the registry says it
 * stopped, what it lacks sent again from the kept bytes.  *lost tells
 * whether it failed because the registry lost the upload session (which
 * only a new session can get past).
 */
static enum cnab_status send_chunk(struct cnab_registry *r, char **location,
                                   const char *const *scopes, struct chunk *c,
                                   uint64_t offset, const char *what,
                                   bool *lost, struct cnab_err *err)
{
	const char *ct = "Content-Type: application/octet-stream";
	struct cnab_err nerr = CNAB_ERR_INIT;
	enum cnab_status st;
	int attempt;

	*lost = false;
	for (attempt = 1;; attempt++) {
		struct cnab_http_response resp = {0};
		struct cnab_http_request req = {0};
		char range[80];
		const char *headers[] = {ct, range, NULL};
		struct cnab_reader rd = {chunk_read, c};
		size_t from = c->pos;
		uint64_t received = 0;

		snprintf(range, sizeof(range),
		         "Content-Range: %" PRIu64 "-%" PRIu64, offset + from,
		         offset + c->want - 1);
		req.method = "PATCH";
		req.url = *location;
		req.headers = headers;
		/* a reader: cnab_reg_send must not replay it by itself */
		req.body_reader = &rd;
		req.body_size = c->want - from;
		req.has_body = true;
		cnab_err_clear(&nerr);
		st = cnab_reg_send(r, &req, scopes, 1, what, &resp, &nerr);
		if (st == CNAB_OK && resp.status == 202) {
			st = next_location(r, &resp, *location, location, what,
			                   err);
			cnab_http_response_release(&resp);
			if (st == CNAB_OK) {
				r->stats.blob_bytes_up += c->want - from;
				if (r->opts.progress)
					r->opts.progress(r->opts.progress_ctx,
					                 c->want - from);
			}
			return st;
		}
		if (st == CNAB_OK && resp.status == 401 && attempt == 1) {
			/* the token expired during the upload: renew it */
			const char *auth;

			st = cnab_reg_authorization(r, scopes, 1, true, &auth,
			                            err);
			if (st != CNAB_OK) {
				cnab_http_response_release(&resp);
				return st;
			}
		} else if (st == CNAB_OK && !cnab_http_retryable(resp.status) &&
		           resp.status != 416) {
			st = cnab_reg_fail_answer(r, "PATCH", &resp, what, err);
			cnab_http_response_release(&resp);
			return st;
		}
		if (st != CNAB_OK && st != CNAB_ERR_NET) {
			/* the source failed: its reason stands */
			cnab_http_response_release(&resp);
			return cnab_err_set(err, st, "%s", nerr.msg);
		}
		if (attempt >= r->opts.max_attempts) {
			/* (cnab_reg_send said which registry it could not
			 * reach) */
			if (st == CNAB_OK)
				st = cnab_reg_fail_answer(r, "PATCH", &resp,
				                          what, err);
			else
				st = cnab_err_set(err, st, "%s", nerr.msg);
			cnab_http_response_release(&resp);
			return st;
		}
		cnab_reg_backoff(r, attempt,
		                 st == CNAB_OK ? resp.retry_after : NULL);
		cnab_http_response_release(&resp);
		/* where did it stop?  resume from there */
		st = upload_status(r, location, scopes, &received, what, err);
		if (st == CNAB_ERR_NOTFOUND || st == CNAB_ERR_REGISTRY) {
			/* Distribution cancels a session that received more
			 * than its state says: it cannot be resumed */
			cnab_err_clear(err);
			*lost = true;
			return cnab_err_set(
			        err, CNAB_ERR_NET,
			        "registry '%s' lost the upload of %s "
			        "after an interruption",
			        r->host, what);
		}
		if (st != CNAB_OK)
			return st;
		*lost = received < offset || received > offset + c->filled;
		if (*lost)
			return cnab_err_set(err, CNAB_ERR_NET,
			                    "registry '%s' lost the upload of "
			                    "%s: it has %" PRIu64
			                    " bytes, expected %" PRIu64
			                    " to %" PRIu64,
			                    r->host, what, received, offset,
			                    offset + c->filled);
		r->stats.blob_bytes_up += received - offset - from;
		c->pos = (size_t)(received - offset);
		if (c->pos == c->want)
			return CNAB_OK;
	}
}

/*
 * The buffer of uploads, of at least n bytes: one per handle, kept from
 * blob to blob so that memory stays flat whatever the blobs' sizes.
 */
static char *upload_buffer(struct cnab_registry *r, size_t n)
{
	char *p;

	if (n <= r->upload_buf_size)
		return r->upload_buf;
	p = realloc(r->upload_buf, n);
	if (!p)
		return NULL;
	r->upload_buf = p;
	r->upload_buf_size = n;
	return p;
}

/* Raises *chunk to a registry's minimum up to MAX_CHUNK; a larger one is
 * left in *demand (else 0). */
static void apply_min(uint64_t min, size_t *chunk, uint64_t *demand)
{
	*demand = 0;
	if (min > MAX_CHUNK)
		*demand = min;
	else if (min > *chunk)
		*chunk = (size_t)min;
}

/*
 * Starts an upload session: *location, and the chunk size to use, raised
 * to the registry's OCI-Chunk-Min-Length up to MAX_CHUNK; a larger demand
 * is left in *demand (else 0), for the caller to decide.
 */
static enum cnab_status start_upload(struct cnab_registry *r, const char *repo,
                                     const char *const *scopes,
                                     const char *what, char **location,
                                     size_t *chunk, uint64_t *demand,
                                     struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	enum cnab_status st;
	char *base = NULL;

	st = cnab_reg_api_url(r, repo, "blobs", "uploads/", &base, err);
	if (st != CNAB_OK)
		return st;
	req.method = "POST";
	req.url = base;
	st = cnab_reg_send(r, &req, scopes, 1, what, &resp, err);
	if (st == CNAB_OK && resp.status != 202)
		st = cnab_reg_fail_answer(r, "POST", &resp, what, err);
	if (st == CNAB_OK)
		st = next_location(r, &resp, base, location, what, err);
	if (st == CNAB_OK)
		apply_min(resp.chunk_min ? strtoull(resp.chunk_min, NULL, 10)
		                         : 0,
		          chunk, demand);
	cnab_http_response_release(&resp);
	free(base);
	return st;
}

/*
 * Opens an upload session as start_upload does, or takes the one a
 * declined mount to repo left open.
 */
static enum cnab_status open_upload(struct cnab_registry *r, const char *repo,
                                    const char *const *scopes, const char *what,
                                    char **location, size_t *chunk,
                                    uint64_t *demand, struct cnab_err *err)
{
	bool mine = r->session && !strcmp(r->session_repo, repo);

	if (!mine)
		return start_upload(r, repo, scopes, what, location, chunk,
		                    demand, err);
	free(*location);
	*location = r->session;
	r->session = NULL;
	apply_min(r->session_min, chunk, demand);
	return CNAB_OK;
}

/*
 * Ends an upload session with PUT ?digest=, sending body (NULL: none).  A
 * PUT whose answer was lost and that finds its session gone asks whether
 * the blob arrived; if not, *lost is set (and the status is CNAB_ERR_NET).
 */
static enum cnab_status finish_upload(struct cnab_registry *r, const char *repo,
                                      const struct cnab_descriptor *d,
                                      const char *location, const char *body,
                                      const char *const *scopes,
                                      const char *what, bool *lost,
                                      struct cnab_err *err)
{
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *headers[] = {"Content-Type: application/octet-stream",
	                         NULL};
	char digest[CNAB_DIGEST_STR_MAX], detail[300];
	enum cnab_status st;
	char *final;

	*lost = false;
	cnab_digest_format(&d->digest, digest);
	final = with_param(location, "digest", digest);
	if (!final)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	req.method = "PUT";
	req.url = final;
	req.headers = headers;
	if (body) {
		req.body = body;
		req.body_len = (size_t)d->size;
		req.has_body = true;
	}
	st = cnab_reg_send(r, &req, scopes, 1, what, &resp, err);
	if (st == CNAB_OK && resp.status == 404) {
		bool exists = false;

		if (cnab_reg_head_blob(r, repo, d, &exists, NULL) == CNAB_OK &&
		    exists)
			resp.status = 201;
	}
	if (st != CNAB_OK || resp.status == 201 || resp.status == 204)
		goto out;
	cnab_reg_error_detail(&resp, detail, sizeof(detail));
	if (resp.status == 400 && strstr(detail, "DIGEST_INVALID")) {
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "registry '%s' refused %s: its content does "
		                  "not match its digest",
		                  r->host, what);
	} else if (resp.status == 404) {
		/* the session is gone: a transfer problem, to try again */
		*lost = true;
		st = cnab_err_set(err, CNAB_ERR_NET,
		                  "registry '%s' lost the upload of %s%s",
		                  r->host, what, detail);
	} else {
		st = cnab_reg_fail_answer(r, "PUT", &resp, what, err);
	}
out:
	cnab_http_response_release(&resp);
	free(final);
	return st;
}

/* A chunk demand over MAX_CHUNK, for a blob that does not fit in it. */
static enum cnab_status fail_demand(struct cnab_registry *r, const char *what,
                                    uint64_t size, uint64_t demand,
                                    struct cnab_err *err)
{
	return cnab_err_set(err, CNAB_ERR_REGISTRY,
	                    "registry '%s' demands upload chunks of at least "
	                    "%" PRIu64 " bytes (OCI-Chunk-Min-Length) for %s "
	                    "of %" PRIu64 " bytes: more than the limit of %zu",
	                    r->host, demand, what, size, MAX_CHUNK);
}

/*
 * Uploads the blob d, whole in buf, in one PUT: on the session *location
 * when one is open, else on a new one; a session the registry lost is
 * started again (cnab_reg_send retries the POST and the PUT by
 * themselves).  On success *location is freed and NULL.
 */
static enum cnab_status push_whole(struct cnab_registry *r, const char *repo,
                                   const struct cnab_descriptor *d,
                                   const char *buf, const char *const *scopes,
                                   const char *what, char **location,
                                   size_t *chunk, struct cnab_err *err)
{
	enum cnab_status st = CNAB_OK;
	uint64_t demand = 0;
	int attempt;

	for (attempt = 1;; attempt++) {
		struct cnab_err perr = CNAB_ERR_INIT;
		bool lost = false;

		/* (a session may be open: the one that told the demand;
		 * whatever it is, the PUT has it all) */
		if (!*location)
			st = open_upload(r, repo, scopes, what, location, chunk,
			                 &demand, &perr);
		if (st == CNAB_OK)
			st = finish_upload(r, repo, d, *location, buf, scopes,
			                   what, &lost, &perr);
		if (st == CNAB_OK)
			break;
		if (!lost || attempt >= r->opts.max_attempts)
			return cnab_err_set(err, st, "%s", perr.msg);
		cnab_reg_backoff(r, attempt, NULL);
		free(*location);
		*location = NULL;
		st = CNAB_OK;
	}
	free(*location);
	*location = NULL; /* done: nothing to cancel */
	r->stats.blobs_uploaded++;
	r->stats.blob_bytes_up += d->size;
	if (r->opts.progress)
		r->opts.progress(r->opts.progress_ctx, d->size);
	return CNAB_OK;
}

enum cnab_status cnab_reg_push_blob(struct cnab_registry *r, const char *repo,
                                    const struct cnab_descriptor *d,
                                    struct cnab_reader *src,
                                    struct cnab_err *err)
{
	char digest[CNAB_DIGEST_STR_MAX], what[600];
	char *location = NULL, *buf = NULL;
	char *sc = cnab_reg_scope(repo, "pull,push");
	const char *scopes[1] = {sc};
	size_t chunk = r->opts.chunk_size, n;
	uint64_t offset = 0, demand = 0;
	enum cnab_status st = CNAB_OK;
	bool single = d->size <= chunk;
	int attempt;

	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s'", r->host, repo, digest);
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (!single) {
		st = open_upload(r, repo, scopes, what, &location, &chunk,
		                 &demand, err);
		if (st != CNAB_OK)
			goto out;
		/* chunks over the cap: the blob in one request if it fits in
		 * the cap, on this session, else nothing */
		if (demand && d->size > MAX_CHUNK) {
			st = fail_demand(r, what, d->size, demand, err);
			goto out;
		}
		single = demand != 0;
	}
	if (single) {
		/* the whole blob, and one more byte to see the end (which a
		 * verifying source checks there), in one request: with it in
		 * memory, a lost session is just started again */
		buf = upload_buffer(
		        r, (d->size > chunk ? (size_t)d->size : chunk) + 1);
		if (!buf) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		st = read_full(src, buf, (size_t)d->size + 1, &n, err);
		if (st == CNAB_OK && n != d->size)
			st = cnab_err_set(
			        err, CNAB_ERR_INTEGRITY,
			        "size mismatch for %s: %s %" PRIu64 " bytes",
			        what, n > d->size ? "more than" : "fewer than",
			        d->size);
		if (st == CNAB_OK)
			st = push_whole(r, repo, d, buf, scopes, what,
			                &location, &chunk, err);
		goto out;
	}
	while (offset < d->size) {
		struct chunk c = {src, NULL, 0, 0, 0};
		struct cnab_err perr = CNAB_ERR_INIT;
		bool lost = false;

		/* chunk may have grown with a restarted session: the buffer
		 * follows it (one more byte for the end of the source) */
		c.want = d->size - offset < chunk ? (size_t)(d->size - offset)
		                                  : chunk;
		buf = upload_buffer(r, c.want + 1);
		if (!buf) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			goto out;
		}
		c.buf = buf;
		st = send_chunk(r, &location, scopes, &c, offset, what, &lost,
		                &perr);
		for (attempt = 1; st == CNAB_ERR_NET && lost && offset == 0 &&
		                  attempt < r->opts.max_attempts;
		     attempt++) {
			/* the session was lost in the first chunk, which is
			 * kept: start another (this chunk keeps its length,
			 * c.want, within the buffer; a larger minimum the
			 * new session asks for applies from the next) */
			cnab_reg_backoff(r, attempt, NULL);
			cancel_upload(r, location, scopes, 1);
			free(location);
			location = NULL;
			cnab_err_clear(&perr);
			c.pos = 0;
			st = start_upload(r, repo, scopes, what, &location,
			                  &chunk, &demand, &perr);
			if (st == CNAB_OK && demand)
				st = fail_demand(r, what, d->size, demand,
				                 &perr);
			else if (st == CNAB_OK)
				st = send_chunk(r, &location, scopes, &c,
				                offset, what, &lost, &perr);
		}
		if (st != CNAB_OK) {
			r->stats.uploads_lost += lost;
			cnab_err_set(err, st, "%s", perr.msg);
			goto out;
		}
		offset += c.want;
	}
	/* the end of the source: where a verifying one checks */
	st = read_full(src, buf, 1, &n, err);
	if (st == CNAB_OK && n)
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "size mismatch for %s: more than %" PRIu64
		                  " bytes",
		                  what, d->size);
	if (st == CNAB_OK) {
		bool lost;

		st = finish_upload(r, repo, d, location, NULL, scopes, what,
		                   &lost, err);
	}
	if (st == CNAB_OK) {
		r->stats.blobs_uploaded++;
		free(location);
		location = NULL; /* done: nothing to cancel */
	}
out:
	if (st != CNAB_OK && location)
		cancel_upload(r, location, scopes, 1);
	free(location);
	free(sc);
	return st;
}

enum cnab_status cnab_reg_push_blob_mem(struct cnab_registry *r,
                                        const char *repo,
                                        const struct cnab_descriptor *d,
                                        const void *data, struct cnab_err *err)
{
	struct cnab_mem_reader m = {data, (size_t)d->size, 0};
	struct cnab_reader src = cnab_mem_reader_as(&m);
	char digest[CNAB_DIGEST_STR_MAX], what[600];
	char *sc, *location = NULL;
	const char *scopes[1];
	size_t chunk = r->opts.chunk_size;
	enum cnab_status st;

	/* more than a chunk: in chunks, as any other source */
	if (d->size > chunk)
		return cnab_reg_push_blob(r, repo, d, &src, err);
	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s'", r->host, repo, digest);
	sc = cnab_reg_scope(repo, "pull,push");
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	scopes[0] = sc;
	st = push_whole(r, repo, d, data, scopes, what, &location, &chunk, err);
	if (st != CNAB_OK && location)
		cancel_upload(r, location, scopes, 1);
	free(location);
	free(sc);
	return st;
}

/*
 * A blob's source given out to its size exactly: its end is read before
 * its last byte is given (a verifying source checks there), so that the
 * request cannot complete with bytes that were not verified.
 */
struct whole_reader {
	struct cnab_reader *src;
	uint64_t left;
};

static enum cnab_status whole_read(void *ctx, void *out, size_t n, size_t *got,
                                   struct cnab_err *err)
{
	struct whole_reader *w = ctx;
	enum cnab_status st;
	size_t more = 0;
	char extra;

	*got = 0;
	if (!w->left)
		return CNAB_OK;
	if (n > w->left)
		n = (size_t)w->left;
	st = cnab_reader_read(w->src, out, n, got, err);
	if (st != CNAB_OK)
		return st;
	if (!*got)
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "the blob ended %" PRIu64
		                    " bytes short of its size",
		                    w->left);
	w->left -= *got;
	if (w->left)
		return CNAB_OK;
	st = read_full(w->src, &extra, 1, &more, err);
	if (st == CNAB_OK && more)
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "the blob is longer than its size");
	return st;
}

enum cnab_status cnab_reg_push_blob_stream(struct cnab_registry *r,
                                           const char *repo,
                                           const struct cnab_descriptor *d,
                                           struct cnab_reader *src,
                                           struct cnab_err *err)
{
	struct whole_reader w = {src, d->size};
	struct cnab_reader body = {whole_read, &w};
	struct cnab_http_response resp = {0};
	struct cnab_http_request req = {0};
	const char *headers[] = {"Content-Type: application/octet-stream",
	                         NULL};
	char digest[CNAB_DIGEST_STR_MAX], what[600], detail[300];
	char *sc = NULL, *location = NULL, *final = NULL;
	const char *scopes[1];
	size_t chunk = r->opts.chunk_size;
	uint64_t demand = 0;
	enum cnab_status st;

	cnab_digest_format(&d->digest, digest);
	snprintf(what, sizeof(what), "blob '%s/%s@%s'", r->host, repo, digest);
	sc = cnab_reg_scope(repo, "pull,push");
	if (!sc)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	scopes[0] = sc;
	/* (a chunk demand does not matter: the blob goes in one request) */
	st = open_upload(r, repo, scopes, what, &location, &chunk, &demand,
	                 err);
	if (st != CNAB_OK)
		goto out;
	final = with_param(location, "digest", digest);
	if (!final) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	req.method = "PUT";
	req.url = final;
	req.headers = headers;
	req.body_reader = &body;
	req.body_size = d->size;
	req.has_body = true;
	st = cnab_reg_send(r, &req, scopes, 1, what, &resp, err);
	if (st != CNAB_OK)
		goto out;
	if (resp.status == 201 || resp.status == 204) {
		free(location);
		location = NULL; /* done: nothing to cancel */
		r->stats.blobs_uploaded++;
		r->stats.blob_bytes_up += d->size;
		if (r->opts.progress)
			r->opts.progress(r->opts.progress_ctx, d->size);
		goto out;
	}
	cnab_reg_error_detail(&resp, detail, sizeof(detail));
	if (resp.status == 400 && strstr(detail, "DIGEST_INVALID")) {
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "registry '%s' refused %s: its content does "
		                  "not match its digest",
		                  r->host, what);
	} else if (resp.status == 401 || resp.status == 404 ||
	           cnab_http_retryable(resp.status)) {
		/* the body is spent: a transfer problem, for the caller to
		 * send again from its source (with a token renewed) */
		const char *auth;

		if (resp.status == 401)
			cnab_reg_authorization(r, scopes, 1, true, &auth, NULL);
		st = cnab_reg_fail_answer(r, "PUT", &resp, what, err);
		cnab_err_restatus(err, CNAB_ERR_NET);
		st = CNAB_ERR_NET;
	} else {
		st = cnab_reg_fail_answer(r, "PUT", &resp, what, err);
	}
out:
	if (st != CNAB_OK && location)
		cancel_upload(r, location, scopes, 1);
	cnab_http_response_release(&resp);
	free(location);
	free(final);
	free(sc);
	return st;
}
