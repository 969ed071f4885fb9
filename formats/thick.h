/*
 * Thick bundle archives (DESIGN 3.4): a tar or tar.gz holding bundle.json,
 * an optional relocation-mapping.json and an OCI image layout under
 * artifacts/layout/.  Read in one pass, in any entry order (cnab-archive
 * writes bundle.json first, Porter writes it last), never extracted.
 */
#ifndef CNAB_FORMATS_THICK_H
#define CNAB_FORMATS_THICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/image.h"
#include "common/map.h"
#include "common/oci.h"
#include "common/status.h"
#include "common/tar.h"
#include "formats/bundle.h"
#include "formats/delta.h"
#include "formats/relocation.h"

#define CNAB_ARCHIVE_BUNDLE  "bundle.json"
#define CNAB_ARCHIVE_MAPPING "relocation-mapping.json"
#define CNAB_ARCHIVE_LAYOUT  "artifacts/layout"
#define CNAB_ARCHIVE_MARKER  "artifacts/layout/oci-layout"
#define CNAB_ARCHIVE_INDEX   "artifacts/layout/index.json"
#define CNAB_ARCHIVE_BLOBS   "artifacts/layout/blobs"

/* The most manifest bytes kept in memory while reading an archive. */
#define CNAB_ARCHIVE_MAX_MANIFESTS ((size_t)64 << 20)

enum cnab_thick_kind {
	CNAB_THICK_BUNDLE,  /* bundle.json: parsed, see cnab_thick.bundle */
	CNAB_THICK_MAPPING, /* relocation-mapping.json: parsed */
	CNAB_THICK_DELTA,   /* delta.json: parsed, see cnab_thick.delta */
	CNAB_THICK_MARKER,  /* artifacts/layout/oci-layout: checked */
	CNAB_THICK_INDEX,   /* artifacts/layout/index.json: parsed */
	CNAB_THICK_BLOB,    /* artifacts/layout/blobs/ALG/HEX */
	CNAB_THICK_OTHER,   /* directories and other entries: skipped */
};

struct cnab_thick_item {
	enum cnab_thick_kind kind;
	const char *name; /* valid until the next call */
	uint64_t size;
	struct cnab_digest digest; /* blobs */
};

struct cnab_thick {
	struct cnab_tar_reader *tar;
	char *subject;
	char *label;       /* "archive 'SUBJECT'" */
	bool verify;       /* verify blobs that are skipped, too */
	size_t nfiles;     /* file entries so far */
	bool bundle_first; /* bundle.json was the first file */
	char *bundle_data; /* bundle.json's bytes, as archived */
	size_t bundle_len;
	struct cnab_bundle bundle;      /* valid when bundle_data */
	struct cnab_relocation mapping; /* .map NULL when absent */
	bool is_delta;                  /* delta.json was read: */
	struct cnab_delta delta;        /* the blobs left out */
	bool has_marker;
	struct cnab_manifest index; /* .root NULL when absent */
	struct cnab_map blobs;      /* digest -> struct cnab_thick_blob */
	size_t kept;                /* manifest bytes kept */
	/* keeps, too, the small JSON blobs that are no manifest for which
	 * it says true (cosign payloads for --key); set after opening */
	bool (*keep)(const char *data, size_t len);
	/* the blob being read */
	struct cnab_thick_blob *cur;
	struct cnab_verifier v;
	bool v_ready;
	struct cnab_buf capture;
	bool capturing;
	bool sniffing; /* capturing, and only whitespace seen yet */
	char cur_digest[CNAB_DIGEST_STR_MAX];
	char *cur_subject; /* "ARCHIVE:ENTRY", for messages */
};

/* What the reader knows of a blob it has seen. */
struct cnab_thick_blob {
	uint64_t size;
	bool verified; /* its bytes were read and matched its name */
	char *data;    /* a manifest or index: its bytes */
	size_t len;
	bool other; /* data is no manifest: a blob t->keep kept */
};

/*
 * Starts reading an archive from fd (not closed).  verify: also hash the
 * blobs the caller skips.
 */
enum cnab_status cnab_thick_open(struct cnab_thick *t, int fd,
                                 const char *subject, bool verify,
                                 struct cnab_err *err);
/* The same, reading from src (split volumes: common/volume.h). */
enum cnab_status cnab_thick_open_reader(struct cnab_thick *t,
                                        struct cnab_reader src,
                                        const char *subject, bool verify,
                                        struct cnab_err *err);
void cnab_thick_release(struct cnab_thick *t);

/*
 * Moves to the next entry, first finishing the blob being read (skipping
 * or, with verify, hashing the rest).  Metadata entries are read and
 * parsed before this returns.  Malformed content inside the archive is
 * CNAB_ERR_CORRUPT; unsafe entries CNAB_ERR_UNSAFE.
 */
enum cnab_status cnab_thick_next(struct cnab_thick *t,
                                 struct cnab_thick_item *item, bool *eof,
                                 struct cnab_err *err);

/*
 * Reads the current blob: the next block (owned by the reader) and its
 * length, 0 at the end, which is reported only once the blob's bytes
 * matched its name (else CNAB_ERR_INTEGRITY).
 */
enum cnab_status cnab_thick_blob_read(struct cnab_thick *t, const void **p,
                                      size_t *len, struct cnab_err *err);

/* Reads (and with verify, checks) every remaining entry. */
enum cnab_status cnab_thick_finish(struct cnab_thick *t, struct cnab_err *err);

/* Bytes of the archive consumed so far. */
uint64_t cnab_thick_bytes_in(const struct cnab_thick *t);

/*
 * A copy of the bytes b keeps (NUL-terminated; the caller frees *data),
 * which must be d's size (else CNAB_ERR_INTEGRITY).
 */
enum cnab_status cnab_thick_blob_copy(const struct cnab_thick_blob *b,
                                      const struct cnab_descriptor *d,
                                      char **data, size_t *len,
                                      struct cnab_err *err);

/*
 * Finds the root descriptor of a bundle image in the layout (DESIGN 3.4):
 * by the ref-name annotation holding the original reference or the
 * relocated one from relocation-mapping.json, else by contentDigest.  *out
 * is a copy the caller releases.  Absent: CNAB_ERR_CORRUPT (an archive
 * lacking an image its bundle names is damaged).  Whichever way it was
 * found, the descriptor must have the digest the image's reference, its
 * relocated reference and its contentDigest pin (cnab_image_check_pins):
 * else CNAB_ERR_INTEGRITY naming both digests (CNAB_ERR_INVALID for a pin
 * that cannot be verified).
 */
enum cnab_status cnab_thick_find_image(const struct cnab_thick *t,
                                       const struct cnab_bundle_image *img,
                                       struct cnab_descriptor *out,
                                       struct cnab_err *err);

/*
 * The archive's layout as a blob source: manifests kept while reading,
 * and the blobs seen (with verify, only those whose bytes were checked).
 * In a delta, a blob delta.json lists as left out counts as present (with
 * the size it records): whoever reads a delta checks them elsewhere.
 */
struct cnab_blob_source cnab_thick_source(struct cnab_thick *t);

/*
 * Reads a whole thick archive from src (a file: cnab_fd_reader; split
 * volumes: cnab_volumes_reader) as the base of a delta: its bundle
 * digest (cnab_delta_bundle_digest of its bundle.json) into digest, and
 * into blobs (a set: values NULL) the digest of every object its images
 * hold: manifests, indexes, configs and layers.  verify: check every
 * blob's bytes too.  What is not a whole thick archive is CNAB_ERR_CORRUPT
 * ("base 'SUBJECT' is not a thick archive: ..."): no bundle.json, an image
 * or a blob missing, and a delta archive (the blobs it leaves out are
 * missing from it).
 */
enum cnab_status cnab_thick_read_base(struct cnab_reader src,
                                      const char *subject, bool verify,
                                      char digest[CNAB_DIGEST_STR_MAX],
                                      struct cnab_map *blobs,
                                      struct cnab_err *err);

/*
 * Writing a thick bundle archive the way cnab-archive does (DESIGN 3.4):
 * bundle.json first, relocation-mapping.json, the layout's directories,
 * oci-layout and index.json, then blobs; deterministic headers.
 */
struct cnab_thick_writer {
	struct cnab_tar_writer *tar;
};

/* level: 0-9 gzip level for compressible data; mtime of every entry. */
enum cnab_status cnab_thick_writer_open(struct cnab_thick_writer *w, int fd,
                                        int level, int64_t mtime,
                                        const char *subject,
                                        struct cnab_err *err);

/* The same, written through a writer (split volumes) instead of to fd. */
enum cnab_status cnab_thick_writer_open_writer(struct cnab_thick_writer *w,
                                               struct cnab_writer sink,
                                               int level, int64_t mtime,
                                               const char *subject,
                                               struct cnab_err *err);

/*
 * Writes everything before the blobs; delta.json after bundle.json when
 * delta is not NULL (a delta archive).
 */
enum cnab_status cnab_thick_writer_head(struct cnab_thick_writer *w,
                                        const void *bundle, size_t bundle_len,
                                        const struct cnab_buf *delta,
                                        const void *mapping, size_t mapping_len,
                                        const void *index, size_t index_len,
                                        struct cnab_err *err);

/* Starts the entry of blob d (its bytes follow with _blob_write). */
enum cnab_status cnab_thick_writer_blob(struct cnab_thick_writer *w,
                                        const struct cnab_descriptor *d,
                                        bool compressible,
                                        struct cnab_err *err);
enum cnab_status cnab_thick_writer_blob_write(struct cnab_thick_writer *w,
                                              const void *p, size_t n,
                                              struct cnab_err *err);
enum cnab_status cnab_thick_writer_close(struct cnab_thick_writer *w,
                                         struct cnab_err *err);
void cnab_thick_writer_free(struct cnab_thick_writer *w);

/*
 * Adds an image's root descriptor to a layout's index.json object,
 * annotated with ref_name.
 */
enum cnab_status cnab_thick_index_add(json_t *index,
                                      const struct cnab_descriptor *d,
                                      const char *ref_name,
                                      struct cnab_err *err);

#endif
