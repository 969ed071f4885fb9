/*
 * Content digests ("sha256:<hex>"): parsing, formatting, constant-time
 * comparison, streaming hashes on OpenSSL EVP, and a verifier that checks
 * digest and size at the end of a stream.
 */
#ifndef CNAB_COMMON_DIGEST_H
#define CNAB_COMMON_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

enum cnab_digest_alg {
	CNAB_DIGEST_SHA256,
	CNAB_DIGEST_SHA512,
};

#define CNAB_DIGEST_RAW_MAX 64
/* "sha512:" + 128 hex digits + NUL */
#define CNAB_DIGEST_STR_MAX 136

struct cnab_digest {
	enum cnab_digest_alg alg;
	unsigned char raw[CNAB_DIGEST_RAW_MAX];
};

/* Size in bytes of a raw digest of alg. */
size_t cnab_digest_alg_len(enum cnab_digest_alg alg);

/* "sha256" or "sha512". */
const char *cnab_digest_alg_name(enum cnab_digest_alg alg);

/*
 * Parses "alg:hex" (sha256 or sha512, lower-case hex of the exact length,
 * as the OCI image spec requires).  CNAB_ERR_INVALID on anything else.
 */
enum cnab_status cnab_digest_parse(struct cnab_digest *d, const char *s,
                                   struct cnab_err *err);

/* True when s is a digest cnab_digest_parse accepts. */
bool cnab_digest_valid(const char *s);

/* Formats d as "alg:hex" into out. */
void cnab_digest_format(const struct cnab_digest *d,
                        char out[CNAB_DIGEST_STR_MAX]);

/* The hex part alone, into out (NUL-terminated). */
void cnab_digest_hex(const struct cnab_digest *d,
                     char out[2 * CNAB_DIGEST_RAW_MAX + 1]);

/*
 * Checks a digest pin: the digest a reference ("repo@sha256:...") or a
 * contentDigest gives, which what was resolved for it must have.  pin NULL:
 * nothing to check.  got NULL: only that pin can be verified.  what names
 * the pinned thing in messages ("image 'repo@sha256:...'").
 *
 * Only sha256 and sha512 are computed here, so a pin of another algorithm
 * (sha384, which the reference grammar allows) is refused whatever got is:
 * CNAB_ERR_INVALID, "cannot verify WHAT: digest algorithm 'sha384' is not
 * supported (only sha256 and sha512 are)"; a pin that is no digest is
 * CNAB_ERR_INVALID too.  got of another digest: CNAB_ERR_INTEGRITY,
 * "digest mismatch for WHAT: pinned to PIN, resolved to GOT".
 */
enum cnab_status cnab_digest_check_pin(const char *pin,
                                       const struct cnab_digest *got,
                                       const char *what, struct cnab_err *err);

/* Equality of two digests, in constant time for digests of one algorithm. */
bool cnab_digest_equal(const struct cnab_digest *a,
                       const struct cnab_digest *b);

/* A streaming hash. */
struct cnab_hash {
	void *ctx; /* EVP_MD_CTX */
	enum cnab_digest_alg alg;
	uint64_t size; /* bytes hashed so far */
};
#define CNAB_HASH_INIT                                                         \
	{                                                                      \
		NULL, CNAB_DIGEST_SHA256, 0                                    \
	}

enum cnab_status cnab_hash_init(struct cnab_hash *h, enum cnab_digest_alg alg);
void cnab_hash_update(struct cnab_hash *h, const void *data, size_t n);
/* Finishes the hash into out; the hash may be initialised again after. */
void cnab_hash_final(struct cnab_hash *h, struct cnab_digest *out);
void cnab_hash_release(struct cnab_hash *h);

/* The digest of a buffer, in one call. */
enum cnab_status cnab_digest_of(enum cnab_digest_alg alg, const void *data,
                                size_t n, struct cnab_digest *out);

/*
 * Checks a stream against an expected digest and size.  Feed it every byte
 * with cnab_verifier_update (which fails as soon as the size is passed),
 * then cnab_verifier_finish.  Failures are CNAB_ERR_INTEGRITY naming the
 * subject given at init.
 */
struct cnab_verifier {
	struct cnab_hash hash;
	struct cnab_digest want;
	uint64_t want_size;  /* CNAB_SIZE_UNKNOWN when not known */
	const char *subject; /* borrowed */
};
#define CNAB_SIZE_UNKNOWN UINT64_MAX

enum cnab_status cnab_verifier_init(struct cnab_verifier *v,
                                    const struct cnab_digest *want,
                                    uint64_t want_size, const char *subject,
                                    struct cnab_err *err);
enum cnab_status cnab_verifier_update(struct cnab_verifier *v, const void *data,
                                      size_t n, struct cnab_err *err);
enum cnab_status cnab_verifier_finish(struct cnab_verifier *v,
                                      struct cnab_err *err);
void cnab_verifier_release(struct cnab_verifier *v);

#endif
