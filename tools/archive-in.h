/*
 * The archive a tool reads (-a ARCHIVE): a file, standard input ("-"), or
 * a set of split volumes given by its first one, NAME.000 (DESIGN 7),
 * opened as a thick bundle reader.  Shared by cnab-inspect -a and
 * cnab-publish-archive.
 */
#ifndef CNAB_TOOLS_ARCHIVE_IN_H
#define CNAB_TOOLS_ARCHIVE_IN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/status.h"
#include "common/volume.h"
#include "formats/thick.h"

struct cnab_archive_in {
	const char *subject; /* for messages: the path, or "<stdin>" */
	int fd;              /* the file or stdin; -1 for a set */
	bool split;          /* a set of volumes */
	struct cnab_volumes_in vols;
	uint64_t size; /* bytes to read, when known (a file, a set); else 0 */
};
#define CNAB_ARCHIVE_IN_INIT                                                   \
	{                                                                      \
		NULL, -1, false, CNAB_VOLUMES_IN_INIT, 0                       \
	}

/*
 * Opens path ("-" for stdin; NAME.000 for the set it starts) and starts
 * reading it as a thick bundle into t (see cnab_thick_open).  A missing
 * or short volume is CNAB_ERR_CORRUPT naming it.
 */
enum cnab_status cnab_archive_in_open(struct cnab_archive_in *in,
                                      struct cnab_thick *t, const char *path,
                                      bool verify, struct cnab_err *err);

/*
 * Adds to a failure reading t what the volumes tell (an archive that ends
 * early names its last volume).
 */
void cnab_archive_in_explain(const struct cnab_archive_in *in,
                             const struct cnab_thick *t, struct cnab_err *err);

/* Reads the rest of a pipe, so that its writer ends well (cnab_fd_drain). */
void cnab_archive_in_drain(const struct cnab_archive_in *in);

/* Closes what open opened (not stdin). */
void cnab_archive_in_close(struct cnab_archive_in *in);

#endif
