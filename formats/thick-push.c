#include "formats/thick-push.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fsutil.h"
#include "common/json.h"
#include "common/stream.h"
#include "common/tar.h"
#include "common/volume.h"

static void progress(struct cnab_thick_push *s)
{
	if (s->progress)
		s->progress(s->ctx, cnab_thick_bytes_in(s->t));
}

/* Reads the current blob of the archive as a struct cnab_reader. */
struct blob_reader {
	struct cnab_thick_push *s;
	const char *block;
	size_t left;
};

static enum cnab_status blob_read(void *ctx, void *buf, size_t n, size_t *got,
                                  struct cnab_err *err)
{
	struct blob_reader *br = ctx;
	enum cnab_status st;
	const void *b;

	*got = 0;
	if (!br->left) {
		st = cnab_thick_blob_read(br->s->t, &b, &br->left, err);
		if (st != CNAB_OK || !br->left)
			return st;
		br->block = b;
		progress(br->s);
	}
	*got = n < br->left ? n : br->left;
	memcpy(buf, br->block, *got);
	br->block += *got;
	br->left -= *got;
	return CNAB_OK;
}

/*
 * The registry lost the upload of a blob half sent (Distribution cannot
 * resume a session cut in the middle of a chunk): read the blob again from
 * the archive file (or its set of volumes), from its start, and send it
 * whole.  Only for archives in regular files; from stdin the blob is gone,
 * and the failure stands.
 */
static enum cnab_status replay_blob(struct cnab_thick_push *s, const char *name,
                                    const struct cnab_descriptor *d,
                                    struct cnab_err *lost, struct cnab_err *err)
{
	struct cnab_tar_reader *tar = NULL;
	struct cnab_volumes_in vols = CNAB_VOLUMES_IN_INIT;
	struct cnab_verify_reader vr;
	struct cnab_tar_entry e;
	struct cnab_reader r;
	char *want = strdup(name), *subject = NULL;
	enum cnab_status st;
	bool eof = false, vr_ready = false;
	int fd = -1;

	if (s->note) {
		char *msg = cnab_strfmt("%s: sending it again, read again "
		                        "from '%s'",
		                        lost->msg, s->replay);

		if (msg)
			s->note(s->ctx, msg);
		free(msg);
	}
	if (cnab_volumes_is_first(s->replay)) {
		if (!want ||
		    cnab_volumes_open(&vols, s->replay, err) != CNAB_OK) {
			st = cnab_err_set(err, CNAB_ERR_NET, "%s", lost->msg);
			goto out;
		}
		st = cnab_tar_reader_open_reader(
		        &tar, cnab_volumes_reader(&vols), s->replay, err);
	} else {
		fd = open(s->replay, O_RDONLY | O_CLOEXEC);
		if (!want || fd < 0) {
			st = cnab_err_set(err, CNAB_ERR_NET, "%s", lost->msg);
			goto out;
		}
		st = cnab_tar_reader_open_fd(&tar, fd, s->replay, err);
	}
	while (st == CNAB_OK) {
		st = cnab_tar_next(tar, &e, &eof, err);
		if (st != CNAB_OK || eof || !strcmp(e.name, want))
			break;
	}
	if (st == CNAB_OK && eof)
		st = cnab_err_set(err, CNAB_ERR_CORRUPT,
		                  "archive '%s' changed while publishing it",
		                  s->replay);
	subject = cnab_strfmt("%s:%s", s->replay, want);
	if (st == CNAB_OK && !subject)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	if (st == CNAB_OK) {
		st = cnab_verify_reader_init(&vr, cnab_tar_entry_reader(tar),
		                             &d->digest, d->size, subject, err);
		vr_ready = st == CNAB_OK;
	}
	if (st == CNAB_OK) {
		r = cnab_verify_reader_as(&vr);
		st = cnab_reg_push_blob(s->reg, s->repo, d, &r, err);
	}
out:
	if (vr_ready)
		cnab_verify_reader_release(&vr);
	cnab_tar_reader_free(tar);
	cnab_volumes_release(&vols);
	if (fd >= 0)
		close(fd);
	free(want);
	free(subject);
	return st;
}

/*
 * A blob small enough to hold: read whole into the pool's memory, which
 * checks it against its name, then queued for the workers (a manifest,
 * which the reader keeps, is pushed later, by the manifest API).
 */
static enum cnab_status queue_blob(struct cnab_thick_push *s,
                                   const struct cnab_thick_item *item,
                                   struct cnab_err *err)
{
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct cnab_thick_blob *info;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	const void *block;
	size_t len;
	uint64_t at = 0;
	void *buf;

	st = cnab_upload_pool_reserve(s->pool, item->size, &buf, err);
	if (st != CNAB_OK)
		return st;
	for (;;) {
		st = cnab_thick_blob_read(s->t, &block, &len, err);
		if (st != CNAB_OK || !len)
			break;
		if (len > item->size - at) {
			st = cnab_err_set(err, CNAB_ERR_CORRUPT,
			                  "corrupt archive '%s': blob '%s' is "
			                  "longer than its entry",
			                  s->t->subject, item->name);
			break;
		}
		memcpy((char *)buf + at, block, len);
		at += len;
		progress(s);
	}
	/* the end of the blob was read: its bytes matched its name */
	cnab_digest_format(&item->digest, digest);
	info = cnab_map_get(&s->t->blobs, digest);
	if (st != CNAB_OK || (info && info->data)) {
		cnab_upload_pool_drop(s->pool, buf);
		return st;
	}
	d.digest = item->digest;
	d.size = item->size;
	return cnab_upload_pool_submit(s->pool, &d, buf, err);
}

/*
 * A larger blob, with room on the pool's spool: written to its spool file
 * as it is read (checked against its name at its end), then queued for
 * the workers, while the stream goes on.
 */
static enum cnab_status spool_blob(struct cnab_thick_push *s,
                                   const struct cnab_thick_item *item, int fd,
                                   struct cnab_err *err)
{
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct cnab_thick_blob *info;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	const void *block;
	size_t len;
	uint64_t at = 0;

	for (;;) {
		st = cnab_thick_blob_read(s->t, &block, &len, err);
		if (st != CNAB_OK || !len)
			break;
		if (len > item->size - at) {
			st = cnab_err_set(err, CNAB_ERR_CORRUPT,
			                  "corrupt archive '%s': blob '%s' is "
			                  "longer than its entry",
			                  s->t->subject, item->name);
			break;
		}
		st = cnab_write_all(fd, block, len, "a spool file", err);
		if (st != CNAB_OK)
			break;
		at += len;
		progress(s);
	}
	/* the end of the blob was read: its bytes matched its name */
	cnab_digest_format(&item->digest, digest);
	info = cnab_map_get(&s->t->blobs, digest);
	if (st != CNAB_OK || (info && info->data)) {
		cnab_upload_pool_unspool(s->pool, item->size, fd);
		return st;
	}
	d.digest = item->digest;
	d.size = item->size;
	return cnab_upload_pool_submit_file(s->pool, &d, fd, err);
}

enum cnab_status cnab_thick_push_blob(struct cnab_thick_push *s,
                                      const struct cnab_thick_item *item,
                                      struct cnab_err *err)
{
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct blob_reader br = {s, NULL, 0};
	struct cnab_reader r = {blob_read, &br};
	struct cnab_buf small = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_thick_blob *info;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	bool exists = false;
	size_t n;
	int fd;

	if (s->pool) {
		/* an upload that failed stops the stream */
		st = cnab_upload_pool_failed(s->pool, err);
		if (st != CNAB_OK)
			return st;
		if (item->size <= cnab_upload_pool_max_blob(s->pool))
			return queue_blob(s, item, err);
		/* larger: spooled while there is room, else streamed */
		st = cnab_upload_pool_spool(s->pool, item->size, &fd, err);
		if (st != CNAB_OK)
			return st;
		if (fd >= 0)
			return spool_blob(s, item, fd, err);
	}
	d.digest = item->digest;
	d.size = item->size;
	cnab_digest_format(&item->digest, digest);
	/* the first bytes tell a layer from a JSON document, which may be a
	 * manifest (pushed by the manifest API, later) */
	if (item->size) {
		const void *block;

		st = cnab_thick_blob_read(s->t, &block, &br.left, err);
		if (st != CNAB_OK)
			return st;
		br.block = block;
	}
	if (item->size > CNAB_MAX_DOCUMENT ||
	    !cnab_json_looks_object(br.block, br.left)) {
		/* straight from the archive to the registry */
		struct cnab_err perr = CNAB_ERR_INIT;
		struct cnab_registry_stats before, after;

		st = cnab_reg_head_blob(s->reg, s->repo, &d, &exists, err);
		if (st != CNAB_OK || exists) {
			s->skipped += exists;
			return st; /* the reader verifies the rest */
		}
		cnab_registry_stats(s->reg, &before);
		st = cnab_reg_push_blob(s->reg, s->repo, &d, &r, &perr);
		cnab_registry_stats(s->reg, &after);
		/* a session lost past what push_blob kept: only the file has
		 * the blob's bytes again (any other failure was retried) */
		if (st == CNAB_ERR_NET && s->replay &&
		    after.uploads_lost > before.uploads_lost)
			st = replay_blob(s, item->name, &d, &perr, err);
		else if (st != CNAB_OK)
			cnab_err_set(err, st, "%s", perr.msg);
		s->uploaded += st == CNAB_OK;
		return st;
	}
	for (;;) {
		char chunk[16384];

		st = cnab_reader_read(&r, chunk, sizeof(chunk), &n, err);
		if (st != CNAB_OK || !n)
			break;
		if (cnab_buf_add(&small, chunk, n) != CNAB_OK) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
			break;
		}
	}
	/* a manifest (kept by the reader) is pushed later, by the manifest
	 * API; another JSON document (a config) is a blob */
	info = cnab_map_get(&s->t->blobs, digest);
	if (st == CNAB_OK && !(info && info->data))
		st = cnab_reg_head_blob(s->reg, s->repo, &d, &exists, err);
	if (st == CNAB_OK && !(info && info->data) && !exists) {
		struct cnab_mem_reader m = {(const unsigned char *)small.data,
		                            small.len, 0};
		struct cnab_reader mr = cnab_mem_reader_as(&m);

		st = cnab_reg_push_blob(s->reg, s->repo, &d, &mr, err);
		s->uploaded += st == CNAB_OK;
	}
	s->skipped += exists;
	cnab_buf_release(&small);
	return st;
}
