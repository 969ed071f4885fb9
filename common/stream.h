/*
 * Pull-style byte streams, and a stream that verifies what passes through
 * it against a digest and size.
 */
#ifndef CNAB_COMMON_STREAM_H
#define CNAB_COMMON_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/status.h"

/*
 * A source of bytes.  read() stores up to n bytes at buf and their count in
 * *got; *got == 0 means the end of the stream.
 */
struct cnab_reader {
	enum cnab_status (*read)(void *ctx, void *buf, size_t n, size_t *got,
	                         struct cnab_err *err);
	void *ctx;
};

static inline enum cnab_status cnab_reader_read(struct cnab_reader *r,
                                                void *buf, size_t n,
                                                size_t *got,
                                                struct cnab_err *err)
{
	return r->read(r->ctx, buf, n, got, err);
}

/*
 * A destination of bytes.  write() takes all n bytes at p, or fails.
 */
struct cnab_writer {
	enum cnab_status (*write)(void *ctx, const void *p, size_t n,
	                          struct cnab_err *err);
	void *ctx;
};

/*
 * Reads a whole stream into memory, failing with CNAB_ERR_TOOBIG past max
 * bytes.  The caller frees *out (NUL-terminated).
 */
enum cnab_status cnab_reader_slurp(struct cnab_reader *r, size_t max,
                                   const char *subject, char **out, size_t *len,
                                   struct cnab_err *err);

/*
 * Wraps a reader: every byte read is hashed, the size is checked as bytes
 * arrive, and at the end of the stream the digest is compared.  A mismatch
 * is CNAB_ERR_INTEGRITY; the end is reported (got == 0) only once verified.
 */
struct cnab_verify_reader {
	struct cnab_reader inner;
	struct cnab_verifier v;
	int done;
};

enum cnab_status
cnab_verify_reader_init(struct cnab_verify_reader *vr, struct cnab_reader inner,
                        const struct cnab_digest *want, uint64_t want_size,
                        const char *subject, struct cnab_err *err);
/* The wrapped reader as a struct cnab_reader. */
struct cnab_reader cnab_verify_reader_as(struct cnab_verify_reader *vr);
void cnab_verify_reader_release(struct cnab_verify_reader *vr);

/* A reader over a file descriptor (not owned). */
struct cnab_reader cnab_fd_reader(int *fd);

/* A reader over a memory buffer; pos is advanced. */
struct cnab_mem_reader {
	const unsigned char *data;
	size_t len, pos;
};
struct cnab_reader cnab_mem_reader_as(struct cnab_mem_reader *m);

#endif
