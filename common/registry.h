/*
 * A client of the OCI distribution API for one registry host: the /v2/
 * ping with HTTPS then HTTP on loopback and insecure hosts, Basic and
 * Bearer auth (tokens cached per scope), TLS from certs.d directories,
 * retries with backoff, manifests, blobs streamed and verified, uploads in
 * chunks that resume where the registry says it stopped, and
 * cross-repository mounts.
 */
#ifndef CNAB_COMMON_REGISTRY_H
#define CNAB_COMMON_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/image.h"
#include "common/oci.h"
#include "common/status.h"
#include "common/stream.h"

/* The default of cnab_registry_opts.timeout, in seconds. */
#define CNAB_REG_TIMEOUT 30

struct cnab_registry_opts {
	const char *authfile;        /* NULL: the default places */
	const char *certdir;         /* extra CA and client certs */
	const char *const *insecure; /* HOST[:PORT] list, NULL-ended */
	void (*log)(void *ctx, const char *line); /* -v request lines */
	void *log_ctx;
	/* before each retry: the attempt about to start (2..max), of max,
	 * and why the last one failed ("timed out", "answered 503") */
	void (*retry)(void *ctx, const char *host, int attempt, int max,
	              const char *why);
	void *retry_ctx;
	/* seconds to connect (TCP and TLS) and without a byte moving;
	 * 0: $CNAB_STALL_TIMEOUT or 30 */
	long timeout;
	/* bytes of blobs moved (both directions), for progress */
	void (*progress)(void *ctx, uint64_t delta);
	void *progress_ctx;
	int max_attempts;   /* 0: $CNAB_RETRY_ATTEMPTS or 5 */
	long retry_base_ms; /* 0: $CNAB_RETRY_BASE_MS or 250 */
	long retry_cap_ms;  /* 0: 30000 */
	size_t chunk_size;  /* upload chunks; 0: 8 MiB */
	/* what pinging each host found, shared by every handle made with
	 * these options (the workers' too), so that each host is pinged
	 * once; NULL: each handle pings for itself */
	struct cnab_reg_pings *pings;
};

/*
 * The answers to GET /v2/ of the hosts pinged so far: the scheme that
 * worked and the challenge, if any.  Safe to share between threads.
 * Free with cnab_reg_pings_free (NULL is fine).
 */
struct cnab_reg_pings;
enum cnab_status cnab_reg_pings_new(struct cnab_reg_pings **out,
                                    struct cnab_err *err);
void cnab_reg_pings_free(struct cnab_reg_pings *p);

/* Counters of what a registry handle did. */
struct cnab_registry_stats {
	uint64_t requests;
	uint64_t blob_bytes_up;
	uint64_t blob_bytes_down;
	uint64_t blobs_uploaded;
	uint64_t blobs_mounted;
	uint64_t retries;
	/* uploads that failed because the registry lost the session past
	 * the part kept in memory: only the source can send them again */
	uint64_t uploads_lost;
};

struct cnab_registry;

/*
 * A handle for the registry at host, as references name it ("docker.io",
 * "127.0.0.1:5000").  Nothing is sent until the first call.
 */
enum cnab_status cnab_registry_new(struct cnab_registry **out, const char *host,
                                   const struct cnab_registry_opts *opts,
                                   struct cnab_err *err);
void cnab_registry_free(struct cnab_registry *r);

/* The host the handle was made for. */
const char *cnab_registry_host(const struct cnab_registry *r);

/* Counters so far. */
void cnab_registry_stats(const struct cnab_registry *r,
                         struct cnab_registry_stats *out);

/* A manifest or index as the registry served it. */
struct cnab_reg_manifest {
	char *data;
	size_t len;
	char *media_type;
	struct cnab_digest digest; /* of data, checked against the request */
};

/*
 * Gets a manifest by tag or digest (at most CNAB_MAX_DOCUMENT bytes): its
 * digest is computed and must match the requested digest or the
 * registry's Docker-Content-Digest (else CNAB_ERR_INTEGRITY).  Absent:
 * CNAB_ERR_NOTFOUND.  The caller releases out.
 */
enum cnab_status cnab_reg_get_manifest(struct cnab_registry *r,
                                       const char *repo, const char *reference,
                                       struct cnab_reg_manifest *out,
                                       struct cnab_err *err);
void cnab_reg_manifest_release(struct cnab_reg_manifest *m);

/*
 * Asks whether a manifest exists; when it does and d is not NULL, fills
 * d's digest, size and media type.
 */
enum cnab_status cnab_reg_head_manifest(struct cnab_registry *r,
                                        const char *repo, const char *reference,
                                        bool *exists, struct cnab_descriptor *d,
                                        struct cnab_err *err);

/*
 * Puts a manifest under reference (a tag or its digest).  A registry
 * refusing the manifest or its media type: CNAB_ERR_UNSUPPORTED (callers
 * may fall back to another form).
 */
enum cnab_status cnab_reg_put_manifest(struct cnab_registry *r,
                                       const char *repo, const char *reference,
                                       const char *media_type, const void *data,
                                       size_t len, struct cnab_err *err);

/*
 * Asks the referrers API for the referrers of digest in repo: *supported
 * false when the registry has no such API (it answers 404, as
 * Distribution 2.8 does; out is then empty), else the index it answered
 * in out (not verified against anything: an index the registry makes).
 */
enum cnab_status cnab_reg_get_referrers(struct cnab_registry *r,
                                        const char *repo, const char *digest,
                                        bool *supported,
                                        struct cnab_reg_manifest *out,
                                        struct cnab_err *err);

/* Asks whether a blob of d's digest and size exists in repo. */
enum cnab_status cnab_reg_head_blob(struct cnab_registry *r, const char *repo,
                                    const struct cnab_descriptor *d,
                                    bool *exists, struct cnab_err *err);

/* Where blob bytes go, in order, exactly once each. */
typedef enum cnab_status (*cnab_reg_sink)(void *ctx, const void *p, size_t n,
                                          struct cnab_err *err);

/*
 * Streams a blob to sink, verified against d (a mismatch is
 * CNAB_ERR_INTEGRITY once the last byte is in: the sink must not treat
 * what it got as good before this returns CNAB_OK).  An interrupted
 * download resumes with a Range request.
 */
enum cnab_status cnab_reg_get_blob(struct cnab_registry *r, const char *repo,
                                   const struct cnab_descriptor *d,
                                   cnab_reg_sink sink, void *ctx,
                                   struct cnab_err *err);

/*
 * Mounts a blob from another repository of the same registry, or with
 * from_repo the same as repo, asks whether repo has it (one POST in place
 * of a HEAD and the upload's POST).  *mounted is false when the registry
 * would not (the caller then uploads it): the upload session it opened
 * instead (202) is kept in the handle for the next upload to repo.  An
 * answer other than 201 and 202 is an error, as for any request.
 */
enum cnab_status cnab_reg_mount_blob(struct cnab_registry *r, const char *repo,
                                     const struct cnab_descriptor *d,
                                     const char *from_repo, bool *mounted,
                                     struct cnab_err *err);

/*
 * Asks whether repo has blob d as cnab_reg_mount_blob does (one POST
 * mounting it from from_repo, or from repo itself: 201 says it is there,
 * and a 202 session is kept for the upload that follows); a registry
 * answering the mount with an error, not a failure to reach it, is asked
 * with a HEAD instead (said in the -v log).  *there: repo has the blob
 * now; *mounted (NULL: not wanted): the mount answered 201.
 */
enum cnab_status cnab_reg_ask_blob(struct cnab_registry *r, const char *repo,
                                   const struct cnab_descriptor *d,
                                   const char *from_repo, bool *there,
                                   bool *mounted, struct cnab_err *err);

/*
 * Uploads a blob of d's size and digest, read from src (which must give
 * exactly d->size bytes, then the end).  Small blobs go in one request,
 * others in chunks (at least the registry's OCI-Chunk-Min-Length); a chunk
 * interrupted is resumed from the offset the registry reports.
 */
enum cnab_status cnab_reg_push_blob(struct cnab_registry *r, const char *repo,
                                    const struct cnab_descriptor *d,
                                    struct cnab_reader *src,
                                    struct cnab_err *err);

/*
 * Uploads a blob whose d->size bytes are at data, already checked against
 * d by the caller: one POST and one PUT with the body when it fits in a
 * chunk (the bytes are sent from data, not copied), else as
 * cnab_reg_push_blob does.
 */
enum cnab_status cnab_reg_push_blob_mem(struct cnab_registry *r,
                                        const char *repo,
                                        const struct cnab_descriptor *d,
                                        const void *data, struct cnab_err *err);

/*
 * Uploads a blob read from src (exactly d->size bytes, then the end),
 * streamed in one PUT with its body, whatever its size, on the session a
 * declined mount left open (else on a new one): nothing of it is kept in
 * memory, and src's end is read before its last byte goes out.  The PUT
 * is not sent again: a failure of the transfer, or an answer worth trying
 * again, is CNAB_ERR_NET, for a caller that can read its source again.
 */
enum cnab_status cnab_reg_push_blob_stream(struct cnab_registry *r,
                                           const char *repo,
                                           const struct cnab_descriptor *d,
                                           struct cnab_reader *src,
                                           struct cnab_err *err);

/* One repository of a registry, as a blob source for image walking. */
struct cnab_reg_repo {
	struct cnab_registry *reg;
	const char *repo;
	char *label; /* "registry repository 'HOST/REPO'" */
};

/* Prepares rr (repo is borrowed); release it with cnab_reg_repo_release. */
enum cnab_status cnab_reg_repo_init(struct cnab_reg_repo *rr,
                                    struct cnab_registry *reg, const char *repo,
                                    struct cnab_err *err);
void cnab_reg_repo_release(struct cnab_reg_repo *rr);

/*
 * The repository as a blob source: manifests fetched by digest (verified,
 * at most CNAB_MAX_DOCUMENT bytes); blobs assumed present (fetching them
 * tells).
 */
struct cnab_blob_source cnab_reg_repo_source(struct cnab_reg_repo *rr);

/* Registry handles, one per host, made when first asked for. */
struct cnab_registry_pool {
	struct cnab_registry_opts opts;
	struct cnab_registry **regs;
	size_t n;
};

void cnab_registry_pool_init(struct cnab_registry_pool *p,
                             const struct cnab_registry_opts *opts);
/* The handle for host (owned by the pool). */
enum cnab_status cnab_registry_pool_get(struct cnab_registry_pool *p,
                                        const char *host,
                                        struct cnab_registry **out,
                                        struct cnab_err *err);
void cnab_registry_pool_release(struct cnab_registry_pool *p);

#endif
