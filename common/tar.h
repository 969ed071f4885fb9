/*
 * Tar and gzipped tar streams on libarchive.
 *
 * The reader refuses what DESIGN 5 calls unsafe: absolute names, ".."
 * and other non-normal paths, links, devices, FIFOs, sparse files,
 * malformed UTF-8 names, duplicate file names, and too many entries.  Names
 * it returns are normalised: no leading "./", no trailing "/".
 *
 * The writer produces deterministic archives: fixed headers (mtime given,
 * uid/gid 0, no owner names, modes 0644/0755) and a gzip stream written with
 * zlib (no name, mtime 0) whose level can drop to 0 for data that is
 * already compressed.
 */
#ifndef CNAB_COMMON_TAR_H
#define CNAB_COMMON_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "common/stream.h"

#define CNAB_TAR_MAX_ENTRIES 65536
#define CNAB_TAR_MAX_NAME    4096
/*
 * A gzip bomb: past CNAB_TAR_BOMB_AFTER bytes of tar, a stream that has
 * expanded more than CNAB_TAR_BOMB_RATIO times is refused (layers are
 * compressed already; text compresses some ten times, zeros a thousand).
 */
#define CNAB_TAR_BOMB_AFTER ((uint64_t)256 << 20)
#define CNAB_TAR_BOMB_RATIO 200

enum cnab_tar_type {
	CNAB_TAR_FILE,
	CNAB_TAR_DIR,
};

struct cnab_tar_entry {
	const char *name; /* owned by the reader, valid until the next call */
	enum cnab_tar_type type;
	uint64_t size;
};

struct cnab_tar_reader;

/*
 * Opens a tar stream, gzip-compressed or not, read from fd (not closed by
 * the reader).  subject names the archive in messages.
 */
enum cnab_status cnab_tar_reader_open_fd(struct cnab_tar_reader **out, int fd,
                                         const char *subject,
                                         struct cnab_err *err);

/*
 * The same, reading from src (kept by the caller while reading); a failure
 * of src is returned as src gave it.
 */
enum cnab_status cnab_tar_reader_open_reader(struct cnab_tar_reader **out,
                                             struct cnab_reader src,
                                             const char *subject,
                                             struct cnab_err *err);

/*
 * Whether a call failed because the stream itself was damaged or ended
 * early (a CNAB_ERR_CORRUPT from libarchive), not for an entry refused.
 */
bool cnab_tar_reader_damaged(const struct cnab_tar_reader *r);

/* The same, over a buffer the caller keeps alive while reading. */
enum cnab_status cnab_tar_reader_open_memory(struct cnab_tar_reader **out,
                                             const void *data, size_t len,
                                             const char *subject,
                                             struct cnab_err *err);

/*
 * Moves to the next entry.  At the end of the archive *eof is set and e is
 * untouched.  Unsafe entries: CNAB_ERR_UNSAFE; a damaged or truncated
 * stream: CNAB_ERR_CORRUPT; too many entries: CNAB_ERR_TOOBIG.
 */
enum cnab_status cnab_tar_next(struct cnab_tar_reader *r,
                               struct cnab_tar_entry *e, bool *eof,
                               struct cnab_err *err);

/*
 * Reads the current entry's data: a pointer to the next block (owned by the
 * reader, valid until the next call) and its length; *len == 0 at the end of
 * the entry.
 */
enum cnab_status cnab_tar_read_block(struct cnab_tar_reader *r, const void **p,
                                     size_t *len, struct cnab_err *err);

/* The current entry's data as a struct cnab_reader (copying). */
struct cnab_reader cnab_tar_entry_reader(struct cnab_tar_reader *r);

/* Bytes consumed from the underlying stream so far (compressed). */
uint64_t cnab_tar_bytes_in(const struct cnab_tar_reader *r);

/* Bytes of tar data produced so far (after decompression). */
uint64_t cnab_tar_bytes_out(const struct cnab_tar_reader *r);

void cnab_tar_reader_free(struct cnab_tar_reader *r);

struct cnab_tar_writer;

/*
 * Starts a deterministic archive written to fd (not closed).  level: -1 for
 * a plain tar, 0-9 for gzip.  mtime is the time of every entry.
 */
enum cnab_status cnab_tar_writer_open(struct cnab_tar_writer **out, int fd,
                                      int level, int64_t mtime,
                                      const char *subject,
                                      struct cnab_err *err);

/* The same, written through a writer instead of to a file descriptor. */
enum cnab_status cnab_tar_writer_open_writer(struct cnab_tar_writer **out,
                                             struct cnab_writer sink, int level,
                                             int64_t mtime, const char *subject,
                                             struct cnab_err *err);

/* Adds a directory entry (mode 0755). */
enum cnab_status cnab_tar_writer_dir(struct cnab_tar_writer *w,
                                     const char *name, struct cnab_err *err);

/*
 * Starts a file entry (mode 0644) of exactly size bytes, to be given with
 * cnab_tar_writer_write.  compressible=false stores the data without trying
 * to compress it (for layers that are compressed already).
 */
enum cnab_status cnab_tar_writer_file(struct cnab_tar_writer *w,
                                      const char *name, uint64_t size,
                                      bool compressible, struct cnab_err *err);

enum cnab_status cnab_tar_writer_write(struct cnab_tar_writer *w,
                                       const void *data, size_t n,
                                       struct cnab_err *err);

/* Ends the archive (and the gzip stream) and flushes everything to fd. */
enum cnab_status cnab_tar_writer_close(struct cnab_tar_writer *w,
                                       struct cnab_err *err);

/* Bytes written to fd so far. */
uint64_t cnab_tar_writer_bytes_out(const struct cnab_tar_writer *w);

void cnab_tar_writer_free(struct cnab_tar_writer *w);

#endif
