#include "common/stream.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"

enum cnab_status cnab_reader_slurp(struct cnab_reader *r, size_t max,
                                   const char *subject, char **out, size_t *len,
                                   struct cnab_err *err)
{
	struct cnab_buf b = CNAB_BUF_INIT(max);
	enum cnab_status st;
	char chunk[16384];
	size_t got;

	for (;;) {
		st = cnab_reader_read(r, chunk, sizeof(chunk), &got, err);
		if (st != CNAB_OK)
			goto out;
		if (!got)
			break;
		st = cnab_buf_add(&b, chunk, got);
		if (st == CNAB_ERR_TOOBIG) {
			cnab_err_set(err, st,
			             "'%s' is larger than the limit of %zu "
			             "bytes",
			             subject, max);
			goto out;
		}
		if (st != CNAB_OK) {
			cnab_err_set(err, st, "cannot read '%s': %s", subject,
			             cnab_strerror(st));
			goto out;
		}
	}
	*out = cnab_buf_detach(&b, len);
	if (!*out)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
out:
	cnab_buf_release(&b);
	return st;
}

static enum cnab_status verify_read(void *ctx, void *buf, size_t n, size_t *got,
                                    struct cnab_err *err)
{
	struct cnab_verify_reader *vr = ctx;
	enum cnab_status st;

	*got = 0;
	if (vr->done)
		return CNAB_OK;
	st = cnab_reader_read(&vr->inner, buf, n, got, err);
	if (st != CNAB_OK)
		return st;
	if (*got)
		return cnab_verifier_update(&vr->v, buf, *got, err);
	vr->done = 1;
	return cnab_verifier_finish(&vr->v, err);
}

enum cnab_status
cnab_verify_reader_init(struct cnab_verify_reader *vr, struct cnab_reader inner,
                        const struct cnab_digest *want, uint64_t want_size,
                        const char *subject, struct cnab_err *err)
{
	vr->inner = inner;
	vr->done = 0;
	return cnab_verifier_init(&vr->v, want, want_size, subject, err);
}

struct cnab_reader cnab_verify_reader_as(struct cnab_verify_reader *vr)
{
	struct cnab_reader r = {verify_read, vr};

	return r;
}

void cnab_verify_reader_release(struct cnab_verify_reader *vr)
{
	cnab_verifier_release(&vr->v);
}

static enum cnab_status fd_read(void *ctx, void *buf, size_t n, size_t *got,
                                struct cnab_err *err)
{
	int fd = *(int *)ctx;
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		*got = 0;
		return cnab_err_set(err, CNAB_ERR_IO, "read error: %s",
		                    strerror(errno));
	}
	*got = (size_t)r;
	return CNAB_OK;
}

struct cnab_reader cnab_fd_reader(int *fd)
{
	struct cnab_reader r = {fd_read, fd};

	return r;
}

static enum cnab_status mem_read(void *ctx, void *buf, size_t n, size_t *got,
                                 struct cnab_err *err)
{
	struct cnab_mem_reader *m = ctx;
	size_t left = m->len - m->pos;

	(void)err;
	if (n > left)
		n = left;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got = n;
	return CNAB_OK;
}

struct cnab_reader cnab_mem_reader_as(struct cnab_mem_reader *m)
{
	struct cnab_reader r = {mem_read, m};

	return r;
}
