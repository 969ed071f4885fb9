/*
 * Delta archives (issue 17): a thick bundle archive that leaves out the
 * blobs a base already holds.  Its delta.json entry (second, after
 * bundle.json) names the base by its bundle digest and lists every blob
 * left out, with its size; see cnab-archive(5).
 */
#ifndef CNAB_FORMATS_DELTA_H
#define CNAB_FORMATS_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/map.h"
#include "common/status.h"

#define CNAB_ARCHIVE_DELTA "delta.json"

/* The most blobs a delta may leave out. */
#define CNAB_DELTA_MAX_OMITTED 100000

/* A blob left out of a delta. */
struct cnab_delta_blob {
	char digest[CNAB_DIGEST_STR_MAX];
	uint64_t size;
};

struct cnab_delta {
	/* the base's bundle digest: the sha256 of its bundle.json bytes
	 * (which is, once published, the digest of the bundle's config
	 * blob) */
	char base[CNAB_DIGEST_STR_MAX];
	struct cnab_delta_blob *omitted; /* sorted by digest */
	size_t n;
	uint64_t bytes;        /* their sizes, summed */
	struct cnab_map index; /* digest -> index + 1 into omitted */
};
#define CNAB_DELTA_INIT                                                        \
	{                                                                      \
		.omitted = NULL                                                \
	}

/* The bundle digest of bundle.json's bytes: "sha256:<hex>" into out. */
enum cnab_status cnab_delta_bundle_digest(const void *bundle, size_t len,
                                          char out[CNAB_DIGEST_STR_MAX],
                                          struct cnab_err *err);

/* Records a blob left out (a digest recorded already is ignored). */
enum cnab_status cnab_delta_add(struct cnab_delta *d, const char *digest,
                                uint64_t size, struct cnab_err *err);

/* The blob left out under digest ("sha256:..."), or NULL. */
const struct cnab_delta_blob *cnab_delta_find(const struct cnab_delta *d,
                                              const char *digest);

/*
 * Writes delta.json, canonical JSON (RFC 8785): {"base": DIGEST,
 * "omitted": [{"digest", "size"}, ...] sorted by digest,
 * "schemaVersion": 1}.
 */
enum cnab_status cnab_delta_write(struct cnab_delta *d, struct cnab_buf *out,
                                  struct cnab_err *err);

/*
 * Parses delta.json (subject names it in messages).  Malformed:
 * CNAB_ERR_INVALID; a schemaVersion other than 1: CNAB_ERR_UNSUPPORTED.
 */
enum cnab_status cnab_delta_parse(struct cnab_delta *d, const void *data,
                                  size_t len, const char *subject,
                                  struct cnab_err *err);

void cnab_delta_release(struct cnab_delta *d);

#endif
