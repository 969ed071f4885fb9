/*
 * A thick archive, read once as a stream, pushed into a registry
 * repository (cnab-publish-archive; issue 13): each blob as the reader
 * reaches it, verified against its name on the way.
 *   - With an upload pool, a blob small enough for its memory budget is
 *     read whole and queued for its workers, while the stream goes on; a
 *     larger one is written to the pool's spool, when it has room, and
 *     queued the same way.
 *   - Any other blob (every blob without a pool) goes straight from the
 *     archive to the registry, unless the repository has it (HEAD).
 *   - A manifest (a small JSON document the reader keeps) is left to the
 *     manifest API, later.
 *   - An upload the registry lost half sent is sent again, read again
 *     from the archive's file (or set of volumes); from a pipe the
 *     failure stands.
 */
#ifndef CNAB_FORMATS_THICK_PUSH_H
#define CNAB_FORMATS_THICK_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "common/registry.h"
#include "common/status.h"
#include "common/upload-pool.h"
#include "formats/thick.h"

struct cnab_thick_push {
	/* set by the caller (borrowed) */
	struct cnab_thick *t; /* the archive being read */
	struct cnab_registry *reg;
	const char *repo;
	struct cnab_upload_pool *pool; /* or NULL: one blob at a time */
	/* the archive's path (a file, or NAME.000 of a set of volumes),
	 * to read a lost blob again; NULL when it cannot be (a pipe) */
	const char *replay;
	/* the archive's bytes read so far, as blocks go by; may be NULL */
	void (*progress)(void *ctx, uint64_t bytes_in);
	/* what is worth a line with -v ("...: sending it again"); may be
	 * NULL */
	void (*note)(void *ctx, const char *msg);
	void *ctx;
	/* counted (the pool counts its own) */
	size_t uploaded; /* blobs sent here */
	size_t skipped;  /* blobs the repository had */
};

/*
 * Handles the blob item the reader is at (cnab_thick_next gave it): reads
 * it whole, and pushes it, queues it, or leaves it (a manifest, a blob
 * the repository has).  A failed upload of the pool stops the stream here
 * with its error.
 */
enum cnab_status cnab_thick_push_blob(struct cnab_thick_push *s,
                                      const struct cnab_thick_item *item,
                                      struct cnab_err *err);

#endif
