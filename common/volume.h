/*
 * Split volumes: one stream written as NAME.000, NAME.001, ... of a fixed
 * size each (the last may be shorter), whose concatenation is the stream,
 * and read back as one stream from the set.
 */
#ifndef CNAB_COMMON_VOLUME_H
#define CNAB_COMMON_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fsutil.h"
#include "common/status.h"
#include "common/stream.h"

/* The most volumes in a set: their suffixes have three digits. */
#define CNAB_VOLUMES_MAX 1000
/* The smallest volume size. */
#define CNAB_VOLUME_MIN 1000

/*
 * Writing a set.  Every volume is an output file that appears only when
 * complete (cnab_outfile), and all of them appear only once the whole set
 * is written: a failed or interrupted run leaves no volume.
 */
struct cnab_volumes_out {
	char *name;    /* NAME */
	uint64_t size; /* bytes in every volume but the last */
	struct cnab_outfile *files;
	size_t n;      /* volumes opened */
	uint64_t used; /* bytes in the last one */
};
#define CNAB_VOLUMES_OUT_INIT                                                  \
	{                                                                      \
		NULL, 0, NULL, 0, 0                                            \
	}

/*
 * Starts a set NAME.000, ... of size bytes per volume (CNAB_VOLUME_MIN at
 * least), opening the first volume (so a path that cannot be written
 * fails here).
 */
enum cnab_status cnab_volumes_create(struct cnab_volumes_out *v,
                                     const char *name, uint64_t size,
                                     struct cnab_err *err);

/*
 * The set as a writer: bytes fill a volume, then the next is opened.
 * Needing more than CNAB_VOLUMES_MAX volumes is CNAB_ERR_USAGE.
 */
struct cnab_writer cnab_volumes_writer(struct cnab_volumes_out *v);

/*
 * Names every volume, in order, then removes the volumes of an older set
 * beyond the new count (NAME.NNN from n up), so that NAME.000 starts this
 * set alone.  On failure, the volumes named by this call are removed.
 */
enum cnab_status cnab_volumes_commit(struct cnab_volumes_out *v,
                                     struct cnab_err *err);

/* Removes every unfinished volume; safe after commit. */
void cnab_volumes_abort(struct cnab_volumes_out *v);

/* Whether path names the first volume of a set: it ends in ".000". */
bool cnab_volumes_is_first(const char *path);

/*
 * Reading a set, from its first volume NAME.000.  Opening finds the set
 * (every NAME.NNN in NAME's directory) and checks it: a volume missing
 * before the last one, or one shorter than the others before the last, is
 * CNAB_ERR_CORRUPT naming it.  A last volume cut short can only show as
 * an archive that ends early (see cnab_volumes_explain).
 */
struct cnab_volumes_in {
	char *name;     /* NAME */
	size_t n;       /* volumes */
	uint64_t total; /* bytes in all of them */
	size_t cur;     /* the volume being read */
	int fd;
	bool ended; /* the last volume was read to its end */
};
#define CNAB_VOLUMES_IN_INIT                                                   \
	{                                                                      \
		NULL, 0, 0, 0, -1, false                                       \
	}

/* Opens the set whose first volume is first (a name ending in ".000"). */
enum cnab_status cnab_volumes_open(struct cnab_volumes_in *v, const char *first,
                                   struct cnab_err *err);

/* The set as one stream. */
struct cnab_reader cnab_volumes_reader(struct cnab_volumes_in *v);

/*
 * Adds to a failure to read the set as an archive, when damaged (the
 * stream was damaged or truncated, cnab_tar_reader_damaged) once the last
 * volume was being read: that volume's name, as the one to look at (a
 * last volume cut short shows only so).  Anything else is left as it is.
 */
void cnab_volumes_explain(const struct cnab_volumes_in *v, bool damaged,
                          struct cnab_err *err);

void cnab_volumes_release(struct cnab_volumes_in *v);

#endif
