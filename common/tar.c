#include "common/tar.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "common/fsutil.h"
#include "common/map.h"
#include "common/utf8.h"

#define READ_BLOCK (1 << 20)

struct cnab_tar_reader {
	struct archive *a;
	char *subject;
	struct cnab_map names; /* value: ENTRY_FILE or ENTRY_DIR */
	size_t nentries;
	char name[CNAB_TAR_MAX_NAME + 1];
	int64_t offset; /* expected offset of the next data block */
	bool in_entry;
	bool eof; /* the end was reached: it stays the end */
	/* reading from a struct cnab_reader (cnab_tar_reader_open_reader) */
	struct cnab_reader src;
	unsigned char *buf;
	struct cnab_err src_err; /* the source's own failure */
	bool src_failed;
	bool damaged; /* libarchive found the stream damaged or truncated */
};

static char entry_file, entry_dir;
#define ENTRY_FILE ((void *)&entry_file)
#define ENTRY_DIR  ((void *)&entry_dir)

static enum cnab_status reader_new(struct cnab_tar_reader **out,
                                   const char *subject, struct cnab_err *err)
{
	struct cnab_tar_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->subject = strdup(subject)) ||
	    !(r->a = archive_read_new())) {
		cnab_tar_reader_free(r);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	archive_read_support_filter_gzip(r->a);
	archive_read_support_filter_none(r->a);
	archive_read_support_format_tar(r->a);
	*out = r;
	return CNAB_OK;
}

static enum cnab_status open_failed(struct cnab_tar_reader *r,
                                    struct cnab_err *err)
{
	const char *msg = archive_error_string(r->a);
	enum cnab_status st;
	int e = archive_errno(r->a);

	if (r->src_failed) {
		st = cnab_err_set(err, r->src_err.status, "%s", r->src_err.msg);
		cnab_tar_reader_free(r);
		return st;
	}
	if (!msg)
		msg = "unknown error";
	if (e == EIO || e == EISDIR || e == EBADF || e == ENXIO)
		st = cnab_err_set(err, CNAB_ERR_IO,
		                  "cannot read archive '%s': %s", r->subject,
		                  msg);
	else if (strstr(msg, "Unrecognized archive format"))
		st = cnab_err_set(err, CNAB_ERR_CORRUPT,
		                  "cannot read archive '%s': not a tar or "
		                  "gzipped tar archive",
		                  r->subject);
	else
		st = cnab_err_set(err, CNAB_ERR_CORRUPT,
		                  "corrupt archive '%s': %s", r->subject, msg);
	cnab_tar_reader_free(r);
	return st;
}

enum cnab_status cnab_tar_reader_open_fd(struct cnab_tar_reader **out, int fd,
                                         const char *subject,
                                         struct cnab_err *err)
{
	struct cnab_tar_reader *r;
	enum cnab_status st = reader_new(&r, subject, err);

	if (st != CNAB_OK)
		return st;
	if (archive_read_open_fd(r->a, fd, READ_BLOCK) != ARCHIVE_OK)
		return open_failed(r, err);
	*out = r;
	return CNAB_OK;
}

static la_ssize_t read_cb(struct archive *a, void *ctx, const void **buf)
{
	struct cnab_tar_reader *r = ctx;
	size_t got = 0;

	if (cnab_reader_read(&r->src, r->buf, READ_BLOCK, &got, &r->src_err) !=
	    CNAB_OK) {
		r->src_failed = true;
		archive_set_error(a, EIO, "%s", r->src_err.msg);
		return -1;
	}
	*buf = r->buf;
	return (la_ssize_t)got;
}

enum cnab_status cnab_tar_reader_open_reader(struct cnab_tar_reader **out,
                                             struct cnab_reader src,
                                             const char *subject,
                                             struct cnab_err *err)
{
	struct cnab_tar_reader *r;
	enum cnab_status st = reader_new(&r, subject, err);

	if (st != CNAB_OK)
		return st;
	r->src = src;
	r->src_err = (struct cnab_err)CNAB_ERR_INIT;
	r->buf = malloc(READ_BLOCK);
	if (!r->buf) {
		cnab_tar_reader_free(r);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	if (archive_read_open(r->a, r, NULL, read_cb, NULL) != ARCHIVE_OK)
		return open_failed(r, err);
	*out = r;
	return CNAB_OK;
}

bool cnab_tar_reader_damaged(const struct cnab_tar_reader *r)
{
	return r && r->damaged;
}

enum cnab_status cnab_tar_reader_open_memory(struct cnab_tar_reader **out,
                                             const void *data, size_t len,
                                             const char *subject,
                                             struct cnab_err *err)
{
	struct cnab_tar_reader *r;
	enum cnab_status st = reader_new(&r, subject, err);

	if (st != CNAB_OK)
		return st;
	if (archive_read_open_memory(r->a, data, len) != ARCHIVE_OK)
		return open_failed(r, err);
	*out = r;
	return CNAB_OK;
}

static enum cnab_status corrupt(struct cnab_tar_reader *r, struct cnab_err *err)
{
	const char *msg = archive_error_string(r->a);

	if (r->src_failed)
		return cnab_err_set(err, r->src_err.status, "%s",
		                    r->src_err.msg);
	r->damaged = true;

	return cnab_err_set(err, CNAB_ERR_CORRUPT, "corrupt archive '%s': %s",
	                    r->subject,
	                    msg ? msg : "damaged or truncated stream");
}

/* Refuses a stream that expands like a gzip bomb. */
static enum cnab_status check_bomb(struct cnab_tar_reader *r,
                                   struct cnab_err *err)
{
	uint64_t out = cnab_tar_bytes_out(r), in = cnab_tar_bytes_in(r);

	if (out > CNAB_TAR_BOMB_AFTER && out / CNAB_TAR_BOMB_RATIO > in)
		return cnab_err_set(err, CNAB_ERR_TOOBIG,
		                    "archive '%s' expands more than %d times "
		                    "(%llu bytes from %llu): refusing a "
		                    "gzip bomb",
		                    r->subject, CNAB_TAR_BOMB_RATIO,
		                    (unsigned long long)out,
		                    (unsigned long long)in);
	return CNAB_OK;
}

static enum cnab_status unsafe(struct cnab_tar_reader *r, const char *what,
                               const char *name, struct cnab_err *err)
{
	return cnab_err_set(err, CNAB_ERR_UNSAFE,
	                    "unsafe entry '%.300s' in archive '%s': %s", name,
	                    r->subject, what);
}

/*
 * Normalises a name into r->name: no leading "./", no trailing "/".
 * Refuses absolute names, empty, "." and ".." components, control
 * characters and malformed UTF-8.  An empty result is the root directory.
 */
static enum cnab_status normalise(struct cnab_tar_reader *r, const char *raw,
                                  struct cnab_err *err)
{
	const char *p = raw, *c;
	size_t len, i;

	if (!raw)
		return unsafe(r, "name cannot be decoded", "?", err);
	len = strlen(raw);
	if (len > CNAB_TAR_MAX_NAME)
		return unsafe(r, "name too long", raw, err);
	if (!cnab_utf8_valid(raw, len))
		return unsafe(r, "name is not valid UTF-8", "?", err);
	for (i = 0; i < len; i++)
		if ((unsigned char)raw[i] < 0x20 || raw[i] == 0x7f)
			return unsafe(r, "control character in name", "?", err);
	if (p[0] == '/')
		return unsafe(r, "absolute name", raw, err);
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (!strcmp(p, "."))
		p += 1;
	len = strlen(p);
	if (len && p[len - 1] == '/')
		len--;
	memcpy(r->name, p, len);
	r->name[len] = '\0';
	for (c = r->name; *c;) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.'))
			return unsafe(r, "name is not normal", raw, err);
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return unsafe(r, "name contains '..'", raw, err);
		c += n;
		if (*c == '/')
			c++;
	}
	return CNAB_OK;
}

/*
 * Reads and drops the rest of the current entry, checking the expansion
 * after every block.  Offsets are not checked: the entry reader's
 * archive_read_data() may have taken part of the data already.
 */
static enum cnab_status drain(struct cnab_tar_reader *r, struct cnab_err *err)
{
	const void *p;
	size_t len;
	la_int64_t offset;
	enum cnab_status st;
	int rc;

	for (;;) {
		rc = archive_read_data_block(r->a, &p, &len, &offset);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc < ARCHIVE_WARN)
			return corrupt(r, err);
		st = check_bomb(r, err);
		if (st != CNAB_OK)
			return st;
	}
	r->in_entry = false;
	return CNAB_OK;
}

enum cnab_status cnab_tar_next(struct cnab_tar_reader *r,
                               struct cnab_tar_entry *e, bool *eof,
                               struct cnab_err *err)
{
	struct archive_entry *ae;
	enum cnab_status st;
	void *seen;
	int rc;

	*eof = r->eof;
	if (r->eof)
		return CNAB_OK;
	/*
	 * The rest of an entry left unread: compressed, it goes through the
	 * checked read, so a bomb is refused as it expands (libarchive would
	 * inflate it all in archive_read_next_header).  Plain, libarchive
	 * skips it (seeking a file) and nothing expands.
	 */
	if (r->in_entry &&
	    archive_filter_code(r->a, 0) != ARCHIVE_FILTER_NONE) {
		st = drain(r, err);
		if (st != CNAB_OK)
			return st;
	}
again:
	r->in_entry = false;
	rc = archive_read_next_header(r->a, &ae);
	if (rc == ARCHIVE_EOF) {
		*eof = r->eof = true;
		return CNAB_OK;
	}
	if (rc < ARCHIVE_WARN)
		return corrupt(r, err);
	st = check_bomb(r, err);
	if (st != CNAB_OK)
		return st;
	if (++r->nentries > CNAB_TAR_MAX_ENTRIES)
		return cnab_err_set(err, CNAB_ERR_TOOBIG,
		                    "archive '%s' has more than %d entries",
		                    r->subject, CNAB_TAR_MAX_ENTRIES);
	st = normalise(r, archive_entry_pathname(ae), err);
	if (st != CNAB_OK)
		return st;
	if (archive_entry_hardlink(ae))
		return unsafe(r, "hard link", r->name, err);
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG:
		e->type = CNAB_TAR_FILE;
		break;
	case AE_IFDIR:
		e->type = CNAB_TAR_DIR;
		break;
	case AE_IFLNK:
		return unsafe(r, "symbolic link", r->name, err);
	case AE_IFCHR:
	case AE_IFBLK:
		return unsafe(r, "device", r->name, err);
	case AE_IFIFO:
		return unsafe(r, "FIFO", r->name, err);
	default:
		return unsafe(r, "unsupported entry type", r->name, err);
	}
	if (archive_entry_sparse_count(ae) > 0)
		return unsafe(r, "sparse file", r->name, err);
	if (!r->name[0]) {
		if (e->type == CNAB_TAR_DIR)
			goto again; /* "./" itself */
		return unsafe(r, "file with an empty name", ".", err);
	}
	seen = cnab_map_get(&r->names, r->name);
	if (seen == ENTRY_FILE ||
	    (seen == ENTRY_DIR && e->type == CNAB_TAR_FILE))
		return unsafe(r, "duplicate entry", r->name, err);
	if (!seen &&
	    cnab_map_put(&r->names, r->name,
	                 e->type == CNAB_TAR_FILE ? ENTRY_FILE : ENTRY_DIR,
	                 NULL) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (e->type == CNAB_TAR_FILE && archive_entry_size(ae) < 0)
		return corrupt(r, err);
	e->name = r->name;
	e->size =
	        e->type == CNAB_TAR_FILE ? (uint64_t)archive_entry_size(ae) : 0;
	r->offset = 0;
	r->in_entry = e->type == CNAB_TAR_FILE;
	return CNAB_OK;
}

enum cnab_status cnab_tar_read_block(struct cnab_tar_reader *r, const void **p,
                                     size_t *len, struct cnab_err *err)
{
	la_int64_t offset;
	int rc;

	*p = NULL;
	*len = 0;
	if (!r->in_entry)
		return CNAB_OK;
	rc = archive_read_data_block(r->a, p, len, &offset);
	if (rc == ARCHIVE_EOF) {
		r->in_entry = false;
		*len = 0;
		return CNAB_OK;
	}
	if (rc < ARCHIVE_WARN)
		return corrupt(r, err);
	if (offset != r->offset)
		return unsafe(r, "entry has holes", r->name, err);
	r->offset += (int64_t)*len;
	return check_bomb(r, err);
}

static enum cnab_status entry_read(void *ctx, void *buf, size_t n, size_t *got,
                                   struct cnab_err *err)
{
	struct cnab_tar_reader *r = ctx;
	la_ssize_t rc;

	*got = 0;
	if (!r->in_entry)
		return CNAB_OK;
	rc = archive_read_data(r->a, buf, n);
	if (rc < 0)
		return corrupt(r, err);
	if (rc == 0)
		r->in_entry = false;
	*got = (size_t)rc;
	return check_bomb(r, err);
}

struct cnab_reader cnab_tar_entry_reader(struct cnab_tar_reader *r)
{
	struct cnab_reader rd = {entry_read, r};

	return rd;
}

uint64_t cnab_tar_bytes_in(const struct cnab_tar_reader *r)
{
	la_int64_t n = archive_filter_bytes(r->a, -1);

	return n > 0 ? (uint64_t)n : 0;
}

uint64_t cnab_tar_bytes_out(const struct cnab_tar_reader *r)
{
	la_int64_t n = archive_filter_bytes(r->a, 0);

	return n > 0 ? (uint64_t)n : 0;
}

void cnab_tar_reader_free(struct cnab_tar_reader *r)
{
	if (!r)
		return;
	if (r->a)
		archive_read_free(r->a);
	cnab_map_release(&r->names, NULL);
	free(r->subject);
	free(r->buf);
	free(r);
}

/* The writer. */

#define OUT_BUF (256 << 10)
#define IN_BUF  (256 << 10)

struct cnab_tar_writer {
	struct archive *a;
	int fd;
	struct cnab_writer sink; /* instead of fd, when .write is set */
	int level;               /* -1: plain tar */
	int cur_level;           /* the level deflate is set to now */
	int64_t mtime;
	char *subject;
	z_stream z;
	gz_header gzhead; /* zlib keeps a pointer to it */
	bool z_ready;
	unsigned char *out;
	size_t outlen;
	unsigned char *in; /* input not yet given to deflate */
	size_t inlen;
	uint64_t bytes_out;
	uint64_t entry_left;
	struct cnab_err err; /* a failure inside the write callback */
	bool discard;        /* being freed: write nothing more */
};

/* Writes n bytes where the archive goes. */
static enum cnab_status put(struct cnab_tar_writer *w, const void *p, size_t n)
{
	if (w->sink.write)
		return w->sink.write(w->sink.ctx, p, n, &w->err);
	return cnab_write_all(w->fd, p, n, w->subject, &w->err);
}

static enum cnab_status flush_out(struct cnab_tar_writer *w)
{
	enum cnab_status st;

	if (!w->outlen)
		return CNAB_OK;
	st = put(w, w->out, w->outlen);
	if (st == CNAB_OK) {
		w->bytes_out += w->outlen;
		w->outlen = 0;
	}
	return st;
}

/* Runs deflate with flush over the pending input until it is consumed (or,
 * for Z_FINISH, until the stream ends). */
static enum cnab_status deflate_run(struct cnab_tar_writer *w, int flush)
{
	int rc;

	for (;;) {
		if (w->outlen == OUT_BUF && flush_out(w) != CNAB_OK)
			return w->err.status;
		w->z.next_out = w->out + w->outlen;
		w->z.avail_out = (uInt)(OUT_BUF - w->outlen);
		rc = deflate(&w->z, flush);
		w->outlen = OUT_BUF - w->z.avail_out;
		if (rc == Z_STREAM_END)
			return CNAB_OK;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return cnab_err_set(&w->err, CNAB_ERR_FAIL,
			                    "cannot compress '%s': zlib error "
			                    "%d",
			                    w->subject, rc);
		if (flush != Z_FINISH && w->z.avail_in == 0 &&
		    w->z.avail_out > 0)
			return CNAB_OK;
	}
}

/*
 * Compresses what is buffered.  Input reaches deflate only in whole
 * IN_BUF blocks (or at a level switch, or the end), whatever the sizes of
 * the writes: zlib's output depends on how its input is cut, and the
 * archive must not depend on how the network cut the blobs.
 */
static enum cnab_status feed(struct cnab_tar_writer *w)
{
	enum cnab_status st;

	if (!w->inlen)
		return CNAB_OK;
	if (w->level < 0) {
		/* a plain tar: the buffer just saves system calls */
		st = put(w, w->in, w->inlen);
		if (st == CNAB_OK)
			w->bytes_out += w->inlen;
	} else {
		w->z.next_in = w->in;
		w->z.avail_in = (uInt)w->inlen;
		st = deflate_run(w, Z_NO_FLUSH);
	}
	w->inlen = 0;
	return st;
}

static la_ssize_t write_cb(struct archive *a, void *ctx, const void *buf,
                           size_t n)
{
	struct cnab_tar_writer *w = ctx;
	const unsigned char *p = buf;
	size_t left = n;

	(void)a;
	if (w->discard)
		return (la_ssize_t)n;
	while (left) {
		size_t take =
		        IN_BUF - w->inlen < left ? IN_BUF - w->inlen : left;

		memcpy(w->in + w->inlen, p, take);
		w->inlen += take;
		p += take;
		left -= take;
		if (w->inlen == IN_BUF && feed(w) != CNAB_OK)
			return -1;
	}
	return (la_ssize_t)n;
}

static enum cnab_status set_level(struct cnab_tar_writer *w, int level)
{
	int rc;

	if (w->level < 0 || level == w->cur_level)
		return CNAB_OK;
	if (feed(w) != CNAB_OK)
		return w->err.status;
	for (;;) {
		if (w->outlen == OUT_BUF && flush_out(w) != CNAB_OK)
			return w->err.status;
		w->z.next_out = w->out + w->outlen;
		w->z.avail_out = (uInt)(OUT_BUF - w->outlen);
		rc = deflateParams(&w->z, level, Z_DEFAULT_STRATEGY);
		w->outlen = OUT_BUF - w->z.avail_out;
		if (rc == Z_OK)
			break;
		if (rc != Z_BUF_ERROR)
			return cnab_err_set(&w->err, CNAB_ERR_FAIL,
			                    "cannot compress '%s': zlib error "
			                    "%d",
			                    w->subject, rc);
		if (flush_out(w) != CNAB_OK)
			return w->err.status;
	}
	w->cur_level = level;
	return CNAB_OK;
}

static enum cnab_status writer_failed(struct cnab_tar_writer *w,
                                      struct cnab_err *err)
{
	if (w->err.status != CNAB_OK)
		return cnab_err_set(err, w->err.status, "%s", w->err.msg);
	return cnab_err_set(err, CNAB_ERR_IO, "cannot write archive '%s': %s",
	                    w->subject, archive_error_string(w->a));
}

/* Opens a writer to fd, or through sink when sink.write is set. */
static enum cnab_status writer_open(struct cnab_tar_writer **out, int fd,
                                    struct cnab_writer sink, int level,
                                    int64_t mtime, const char *subject,
                                    struct cnab_err *err)
{
	struct cnab_tar_writer *w = calloc(1, sizeof(*w));

	if (!w || !(w->subject = strdup(subject)) ||
	    !(w->out = malloc(OUT_BUF)) || !(w->in = malloc(IN_BUF)) ||
	    !(w->a = archive_write_new()))
		goto nomem;
	w->fd = fd;
	w->sink = sink;
	w->level = level > 9 ? 9 : level;
	w->cur_level = w->level;
	w->mtime = mtime;
	if (w->level >= 0) {
		if (deflateInit2(&w->z, w->level, Z_DEFLATED, 15 + 16, 8,
		                 Z_DEFAULT_STRATEGY) != Z_OK)
			goto nomem;
		w->z_ready = true;
		/*
		 * A fixed header: no name, mtime 0, and OS 3 (Unix) on every
		 * platform; zlib would write its own platform's code.
		 */
		memset(&w->gzhead, 0, sizeof(w->gzhead));
		w->gzhead.os = 3;
		if (deflateSetHeader(&w->z, &w->gzhead) != Z_OK)
			goto nomem;
	}
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(w->a, 0) != ARCHIVE_OK ||
	    archive_write_open(w->a, w, NULL, write_cb, NULL) != ARCHIVE_OK) {
		enum cnab_status st = writer_failed(w, err);

		cnab_tar_writer_free(w);
		return st;
	}
	*out = w;
	return CNAB_OK;
nomem:
	cnab_tar_writer_free(w);
	return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
}

enum cnab_status cnab_tar_writer_open(struct cnab_tar_writer **out, int fd,
                                      int level, int64_t mtime,
                                      const char *subject, struct cnab_err *err)
{
	struct cnab_writer none = {NULL, NULL};

	return writer_open(out, fd, none, level, mtime, subject, err);
}

enum cnab_status cnab_tar_writer_open_writer(struct cnab_tar_writer **out,
                                             struct cnab_writer sink, int level,
                                             int64_t mtime, const char *subject,
                                             struct cnab_err *err)
{
	return writer_open(out, -1, sink, level, mtime, subject, err);
}

static enum cnab_status add_entry(struct cnab_tar_writer *w, const char *name,
                                  bool dir, uint64_t size, struct cnab_err *err)
{
	struct archive_entry *e;
	int rc;

	if (w->entry_left)
		return cnab_err_set(err, CNAB_ERR_FAIL,
		                    "cannot write archive '%s': previous "
		                    "entry is short of %" PRIu64 " bytes",
		                    w->subject, w->entry_left);
	if (size > INT64_MAX)
		return cnab_err_set(err, CNAB_ERR_TOOBIG,
		                    "entry '%s' is too large", name);
	/* headers (and the padding before them) compress well, whatever
	 * the data of the entry before */
	if (set_level(w, w->level) != CNAB_OK)
		return writer_failed(w, err);
	e = archive_entry_new();
	if (!e)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, dir ? 0755 : 0644);
	archive_entry_set_size(e, dir ? 0 : (la_int64_t)size);
	archive_entry_set_mtime(e, (time_t)w->mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	rc = archive_write_header(w->a, e);
	archive_entry_free(e);
	if (rc != ARCHIVE_OK)
		return writer_failed(w, err);
	w->entry_left = dir ? 0 : size;
	return CNAB_OK;
}

enum cnab_status cnab_tar_writer_dir(struct cnab_tar_writer *w,
                                     const char *name, struct cnab_err *err)
{
	return add_entry(w, name, true, 0, err);
}

enum cnab_status cnab_tar_writer_file(struct cnab_tar_writer *w,
                                      const char *name, uint64_t size,
                                      bool compressible, struct cnab_err *err)
{
	enum cnab_status st = add_entry(w, name, false, size, err);

	if (st != CNAB_OK)
		return st;
	if (set_level(w, compressible ? w->level : 0) != CNAB_OK)
		return writer_failed(w, err);
	return CNAB_OK;
}

enum cnab_status cnab_tar_writer_write(struct cnab_tar_writer *w,
                                       const void *data, size_t n,
                                       struct cnab_err *err)
{
	la_ssize_t rc;

	if (n > w->entry_left)
		return cnab_err_set(err, CNAB_ERR_FAIL,
		                    "cannot write archive '%s': more data "
		                    "than the entry's size",
		                    w->subject);
	while (n) {
		rc = archive_write_data(w->a, data, n);
		if (rc <= 0)
			return writer_failed(w, err);
		data = (const char *)data + rc;
		n -= (size_t)rc;
		w->entry_left -= (uint64_t)rc;
	}
	return CNAB_OK;
}

enum cnab_status cnab_tar_writer_close(struct cnab_tar_writer *w,
                                       struct cnab_err *err)
{
	if (w->entry_left)
		return cnab_err_set(err, CNAB_ERR_FAIL,
		                    "cannot write archive '%s': last entry "
		                    "is short of %" PRIu64 " bytes",
		                    w->subject, w->entry_left);
	if (set_level(w, w->level) != CNAB_OK)
		return writer_failed(w, err);
	if (archive_write_close(w->a) != ARCHIVE_OK || feed(w) != CNAB_OK)
		return writer_failed(w, err);
	if (w->level >= 0) {
		w->z.next_in = NULL;
		w->z.avail_in = 0;
		if (deflate_run(w, Z_FINISH) != CNAB_OK)
			return writer_failed(w, err);
	}
	if (flush_out(w) != CNAB_OK)
		return writer_failed(w, err);
	return CNAB_OK;
}

uint64_t cnab_tar_writer_bytes_out(const struct cnab_tar_writer *w)
{
	return w->bytes_out + w->outlen;
}

void cnab_tar_writer_free(struct cnab_tar_writer *w)
{
	if (!w)
		return;
	w->discard = true;
	if (w->a)
		archive_write_free(w->a);
	if (w->z_ready)
		deflateEnd(&w->z);
	free(w->out);
	free(w->in);
	free(w->subject);
	free(w);
}
