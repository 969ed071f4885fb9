#include "tools/archive-in.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fsutil.h"

/*
 * A volume of a set other than its first, NAME.NNN, given where NAME.000
 * exists: says to give that one instead.
 */
static void hint_first(const char *path, struct cnab_err *err)
{
	size_t len = strlen(path), have;
	char *first;

	if (err->status != CNAB_ERR_CORRUPT || len < 5 ||
	    path[len - 4] != '.' || cnab_volumes_is_first(path) ||
	    strspn(path + len - 3, "0123456789") != 3)
		return;
	first = cnab_strfmt("%.*s.000", (int)(len - 4), path);
	if (first && !access(first, F_OK)) {
		have = strlen(err->msg);
		snprintf(err->msg + have, sizeof(err->msg) - have,
		         " (a volume of a split archive: give its first, "
		         "'%s')",
		         first);
	}
	free(first);
}

enum cnab_status cnab_archive_in_open(struct cnab_archive_in *in,
                                      struct cnab_thick *t, const char *path,
                                      bool verify, struct cnab_err *err)
{
	struct stat sb;
	enum cnab_status st;

	memset(t, 0, sizeof(*t));
	in->fd = -1;
	in->size = 0;
	in->vols = (struct cnab_volumes_in)CNAB_VOLUMES_IN_INIT;
	in->subject = strcmp(path, "-") ? path : "<stdin>";
	in->split = strcmp(path, "-") && cnab_volumes_is_first(path);
	if (in->split) {
		st = cnab_volumes_open(&in->vols, path, err);
		if (st != CNAB_OK)
			return st;
		in->size = in->vols.total;
		return cnab_thick_open_reader(t, cnab_volumes_reader(&in->vols),
		                              in->subject, verify, err);
	}
	st = cnab_file_open(path, &in->fd, err);
	if (st != CNAB_OK)
		return st;
	if (in->fd != STDIN_FILENO && !fstat(in->fd, &sb) &&
	    S_ISREG(sb.st_mode))
		in->size = (uint64_t)sb.st_size;
	st = cnab_thick_open(t, in->fd, in->subject, verify, err);
	if (st != CNAB_OK)
		hint_first(path, err);
	return st;
}

void cnab_archive_in_explain(const struct cnab_archive_in *in,
                             const struct cnab_thick *t, struct cnab_err *err)
{
	/* (no reader: opening it failed, on the stream's first bytes) */
	if (in->split)
		cnab_volumes_explain(&in->vols,
		                     !t->tar || cnab_tar_reader_damaged(t->tar),
		                     err);
}

void cnab_archive_in_drain(const struct cnab_archive_in *in)
{
	if (in->fd >= 0)
		cnab_fd_drain(in->fd);
}

void cnab_archive_in_close(struct cnab_archive_in *in)
{
	if (in->fd >= 0 && in->fd != STDIN_FILENO)
		close(in->fd);
	in->fd = -1;
	cnab_volumes_release(&in->vols);
}
