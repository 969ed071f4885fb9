/*
 * HTTP on libcurl for the registry client: one request at a time over a
 * reused handle (keep-alive connections), bodies from memory or a stream,
 * responses to memory (capped) or to a sink, redirects followed by hand so
 * that Authorization never reaches another origin, and one log line per
 * request for -v (never a credential, never a query string).
 *
 * Retries are the caller's: only it knows whether a request can be sent
 * again.  cnab_http_retry_delay computes the wait.
 */
#ifndef CNAB_COMMON_HTTP_H
#define CNAB_COMMON_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/status.h"
#include "common/stream.h"

/*
 * TLS is decided for each request from its URL's own host and port, never
 * for the handle as a whole (a token realm, which receives credentials, or
 * a blob store a registry redirects to is another host):
 *   - a URL on host (the registry's "HOST[:PORT]", see
 *     cnab_http_url_is_host) is not verified when host_insecure is set,
 *     trusts host_ca_blob (or ca_blob when NULL) and presents the client
 *     certificate, if any;
 *   - a URL on a host of insecure is not verified;
 *   - every other URL is verified against ca_blob (or the system's CAs
 *     when NULL), with no client certificate.
 * The strings are copied, the insecure list is borrowed (it must outlive
 * the handle).
 */
struct cnab_http_config {
	const char *host;            /* the registry's HOST[:PORT], or NULL */
	bool host_insecure;          /* host: accept any certificate */
	const char *const *insecure; /* HOST[:PORT], NULL-ended: the same */
	const char *ca_blob; /* PEM CAs to trust (the system's with them) */
	size_t ca_blob_len;
	const char *host_ca_blob; /* the same, for host only */
	size_t host_ca_blob_len;
	const char *client_cert; /* PEM file paths, or NULL: host only */
	const char *client_key;
	long connect_timeout; /* seconds to connect (TCP, TLS); 0: 30 */
	long stall_timeout;   /* seconds without a byte either way; 0: 60 */
	/* one line per request when set: "GET URL -> 200 (3 ms)" */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

/* A sink for a streamed response body. */
typedef enum cnab_status (*cnab_http_sink)(void *ctx, const void *p, size_t n,
                                           struct cnab_err *err);

struct cnab_http_request {
	const char *method; /* GET HEAD PUT POST PATCH DELETE */
	const char *url;
	const char *const *headers; /* "Name: value", NULL-ended */
	const char *authorization;  /* header value, or NULL */
	const void *body;           /* a body in memory ... */
	size_t body_len;
	struct cnab_reader *body_reader; /* ... or streamed, of */
	uint64_t body_size;              /* this many bytes */
	bool has_body;                   /* send a body (even empty) */
	cnab_http_sink sink;             /* 2xx bodies go here, if set */
	void *sink_ctx;
	size_t body_max;   /* cap on a body kept in memory */
	int max_redirects; /* 0: redirects are returned, not followed */
};

struct cnab_http_response {
	long status;
	char *location;
	char *content_type;
	char *docker_digest; /* Docker-Content-Digest */
	char *www_authenticate;
	char *range;
	char *content_range;
	char *retry_after;
	char *chunk_min; /* OCI-Chunk-Min-Length */
	uint64_t content_length;
	bool has_length;
	struct cnab_buf body; /* when there was no sink, or not 2xx */
	uint64_t sunk;        /* bytes given to the sink */
	bool truncated;       /* an error body passed body_max (a 2xx one
	                       * stops the transfer: CNAB_ERR_TOOBIG) */
};

struct cnab_http;

enum cnab_status cnab_http_new(struct cnab_http **out,
                               const struct cnab_http_config *config,
                               struct cnab_err *err);
void cnab_http_free(struct cnab_http *h);

/*
 * Sends a request and receives the answer, whatever its status.  Transport
 * failures (connect, TLS, reset, stall) are CNAB_ERR_NET with curl's reason;
 * *tls_failed says when the TLS handshake itself failed (the peer may not
 * speak TLS) and *verify_failed when a certificate was refused.  A sink's
 * failure is returned as is, and so is a 2xx body kept in memory (no sink)
 * that passes body_max: CNAB_ERR_TOOBIG, the transfer stopped there.  resp
 * is released by the caller.
 */
enum cnab_status cnab_http_do(struct cnab_http *h,
                              const struct cnab_http_request *req,
                              struct cnab_http_response *resp,
                              struct cnab_err *err);

/* What the last cnab_http_do failure was, for fallbacks. */
bool cnab_http_tls_failed(const struct cnab_http *h);
bool cnab_http_verify_failed(const struct cnab_http *h);

/* Why TLS failed, when that is known (then verify_failed is set too). */
enum cnab_tls_problem {
	CNAB_TLS_NONE,
	CNAB_TLS_UNKNOWN_CA,     /* no trusted CA signs the peer's chain */
	CNAB_TLS_NAME_MISMATCH,  /* the certificate names another host */
	CNAB_TLS_EXPIRED,        /* the peer's certificate */
	CNAB_TLS_NOT_YET_VALID,  /* the peer's certificate */
	CNAB_TLS_CLIENT_REFUSED, /* the peer refused ours, or wanted one */
};
enum cnab_tls_problem cnab_http_tls_problem(const struct cnab_http *h);
/*
 * The last exchange's outcome in a few words, for a retry's note:
 * "timed out", "cannot connect", "answered 503"...  Owned by h.
 */
const char *cnab_http_outcome(const struct cnab_http *h);

void cnab_http_response_release(struct cnab_http_response *resp);

/*
 * The wait before retry number attempt (1, 2, ...): exponential from
 * base_ms with jitter, or what a Retry-After value says (seconds or an
 * HTTP date), never more than cap_ms.
 */
long cnab_http_retry_delay(int attempt, const char *retry_after, long base_ms,
                           long cap_ms);

/* Sleeps for ms milliseconds. */
void cnab_http_sleep_ms(long ms);

/* True for statuses worth retrying: 408, 429, 500, 502, 503, 504. */
bool cnab_http_retryable(long status);

/*
 * Resolves a possibly relative reference (a Location header) against base.
 * The caller frees the result.  NULL when either is malformed.
 */
char *cnab_http_resolve(const char *base, const char *ref);

/* True when two URLs have the same scheme, host and port. */
bool cnab_http_same_origin(const char *a, const char *b);

/*
 * True when url is on hostport ("HOST", "HOST:PORT", "[IPV6]:PORT"): the
 * same host, case aside, and the same port, hostport's default being that
 * of url's scheme.  False when either is malformed.
 */
bool cnab_http_url_is_host(const char *url, const char *hostport);

#endif
