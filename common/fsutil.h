/*
 * Files: reading small documents with a cap, and output files that appear
 * only when complete (written to a temporary file, renamed on success).
 */
#ifndef CNAB_COMMON_FSUTIL_H
#define CNAB_COMMON_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/status.h"

/*
 * Reads a whole file ("-" for stdin) of at most max bytes.  The caller
 * frees *out, which is NUL-terminated.  Missing file: CNAB_ERR_NOTFOUND;
 * too large: CNAB_ERR_TOOBIG; else CNAB_ERR_IO.
 */
enum cnab_status cnab_file_read(const char *path, size_t max, char **out,
                                size_t *len, struct cnab_err *err);

/*
 * Opens a file to read ("-" is stdin): *fd, or CNAB_ERR_NOTFOUND when it
 * does not exist, CNAB_ERR_IO for any other reason.
 */
enum cnab_status cnab_file_open(const char *path, int *fd,
                                struct cnab_err *err);

/*
 * Reads a pipe or socket to its end and throws the bytes away, so that
 * whoever writes into it is not ended by SIGPIPE when the reader needed
 * only the first part.  Anything else (a file, a terminal) is left alone.
 */
void cnab_fd_drain(int fd);

/* Writes all n bytes to fd, retrying short writes. */
enum cnab_status cnab_write_all(int fd, const void *p, size_t n,
                                const char *subject, struct cnab_err *err);

/*
 * A scratch file in dir, open for reading and writing (mode 0600) and
 * never named there (or unnamed at once): it is gone when closed, or when
 * the process ends, however it ends.  -1 on failure (errno).
 */
int cnab_scratch_file(const char *dir);

/*
 * An output file that appears only when complete.  For "-" it is stdout
 * and commit/abort only flush.
 */
struct cnab_outfile {
	char *path;
	char *tmp;
	int fd;
	bool is_stdout;
};
#define CNAB_OUTFILE_INIT                                                      \
	{                                                                      \
		NULL, NULL, -1, false                                          \
	}

/* Creates a temporary file next to path (mode 0666 less the umask). */
enum cnab_status cnab_outfile_open(struct cnab_outfile *f, const char *path,
                                   struct cnab_err *err);
/* Flushes, closes, and renames the temporary file over path. */
enum cnab_status cnab_outfile_commit(struct cnab_outfile *f,
                                     struct cnab_err *err);
/* Closes and removes the temporary file; safe to call after commit. */
void cnab_outfile_abort(struct cnab_outfile *f);

/*
 * Makes SIGINT, SIGTERM and SIGHUP remove the temporary file of the output
 * being written before they end the process (a signal ignored when this is
 * called, as under nohup, stays ignored).
 */
void cnab_outfile_remove_on_signals(void);

/* Writes a whole small file atomically (through a cnab_outfile). */
enum cnab_status cnab_file_write(const char *path, const void *data, size_t len,
                                 struct cnab_err *err);

#endif
