#include "tools/signatures.h"

#include <stdlib.h>
#include <string.h>

#include "common/attach.h"
#include "common/buf.h"
#include "common/fsutil.h"
#include "tools/fe.h"

#define KEY_MAX ((size_t)64 << 10)

int cnab_sigs_load_key(const char *path, struct cnab_cosign_key **out)
{
	struct cnab_err err = CNAB_ERR_INIT;
	char *pem = NULL;
	size_t len = 0;
	int rc = 0;

	if (cnab_file_read(path, KEY_MAX, &pem, &len, &err) != CNAB_OK) {
		/* a key file that is not there is a bad option */
		if (err.status == CNAB_ERR_NOTFOUND)
			cnab_err_restatus(&err, CNAB_ERR_USAGE);
		rc = cnab_fe_fail(&err);
	} else if (cnab_cosign_key_parse(out, pem, len, path, &err) !=
	           CNAB_OK) {
		/* a key of another type is bad input too */
		if (err.status == CNAB_ERR_UNSUPPORTED)
			cnab_err_restatus(&err, CNAB_ERR_USAGE);
		rc = cnab_fe_fail(&err);
	}
	free(pem);
	return rc;
}

enum cnab_status cnab_sigs_check(const struct cnab_cosign_key *k,
                                 const struct cnab_digest *subject,
                                 const char *label, const char *sig_name,
                                 const void *sig, size_t len,
                                 cnab_cosign_read_blob read_blob, void *ctx,
                                 struct cnab_sigs_report *rep,
                                 struct cnab_err *err)
{
	struct cnab_cosign_result res;
	enum cnab_status st;

	rep->subjects++;
	if (!sig) {
		cnab_fe_error("cannot verify signature of %s: no signature "
		              "(no %s)",
		              label, sig_name);
		rep->failed++;
		return CNAB_OK;
	}
	st = cnab_cosign_verify_manifest(k, subject, sig, len, sig_name,
	                                 read_blob, ctx, &res, err);
	if (st != CNAB_OK)
		return st;
	rep->signatures += res.verified;
	if (res.failed) {
		cnab_fe_error("cannot verify signature of %s: %s%s", label,
		              res.why,
		              res.failed > 1 ? " (and more failures)" : "");
		rep->failed++;
	} else {
		cnab_fe_note("verified signature of %s: %zu signature%s", label,
		             res.verified, res.verified == 1 ? "" : "s");
	}
	return CNAB_OK;
}

/* A payload blob read from a registry repository. */
struct reg_blobs {
	struct cnab_registry *reg;
	const char *repo;
};

static enum cnab_status to_buf(void *ctx, const void *p, size_t n,
                               struct cnab_err *err)
{
	if (cnab_buf_add(ctx, p, n) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_TOOBIG,
		                    "a signature payload is too large");
	return CNAB_OK;
}

static enum cnab_status read_reg_blob(void *ctx,
                                      const struct cnab_descriptor *d,
                                      size_t max, char **data, size_t *len,
                                      struct cnab_err *err)
{
	struct reg_blobs *rb = ctx;
	struct cnab_buf buf = CNAB_BUF_INIT(max);
	enum cnab_status st;

	st = cnab_reg_get_blob(rb->reg, rb->repo, d, to_buf, &buf, err);
	if (st == CNAB_OK) {
		*data = cnab_buf_detach(&buf, len);
		if (!*data)
			st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	cnab_buf_release(&buf);
	return st;
}

enum cnab_status cnab_sigs_verdict(const struct cnab_sigs_report *rep,
                                   const char *subject, struct cnab_err *err)
{
	if (rep->failed)
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "cannot verify signatures of '%s': %zu of "
		                    "%zu not verified",
		                    subject, rep->failed, rep->subjects);
	cnab_fe_note("verified signatures of '%s': %zu subjects, %zu "
	             "signatures",
	             subject, rep->subjects, rep->signatures);
	return CNAB_OK;
}

enum cnab_status
cnab_sigs_check_registry(const struct cnab_cosign_key *k,
                         struct cnab_registry *reg, const char *repo,
                         const struct cnab_digest *subject, const char *label,
                         struct cnab_sigs_report *rep, struct cnab_err *err)
{
	struct cnab_reg_manifest m;
	struct reg_blobs rb = {reg, repo};
	char *tag = cnab_attach_tag(subject, CNAB_ATTACH_SIG), *name = NULL;
	enum cnab_status st;

	memset(&m, 0, sizeof(m));
	if (tag)
		name = cnab_strfmt("'%s/%s:%s'", cnab_registry_host(reg), repo,
		                   tag);
	if (!name) {
		free(tag);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	st = cnab_reg_get_manifest(reg, repo, tag, &m, err);
	if (st == CNAB_ERR_NOTFOUND) {
		cnab_err_clear(err);
		st = cnab_sigs_check(k, subject, label, name, NULL, 0,
		                     read_reg_blob, &rb, rep, err);
	} else if (st == CNAB_OK) {
		st = cnab_sigs_check(k, subject, label, name, m.data, m.len,
		                     read_reg_blob, &rb, rep, err);
	}
	cnab_reg_manifest_release(&m);
	free(name);
	free(tag);
	return st;
}

/* A payload blob kept by an archive's reader (cnab_cosign_is_payload). */
static enum cnab_status read_thick_blob(void *ctx,
                                        const struct cnab_descriptor *d,
                                        size_t max, char **data, size_t *len,
                                        struct cnab_err *err)
{
	const struct cnab_thick *t = ctx;
	const struct cnab_thick_blob *b;
	char digest[CNAB_DIGEST_STR_MAX];

	cnab_digest_format(&d->digest, digest);
	b = cnab_map_get(&t->blobs, digest);
	if (!b && t->is_delta && cnab_map_has(&t->delta.index, digest))
		return cnab_err_set(
		        err, CNAB_ERR_USAGE,
		        "cannot check signature payload %s: it is "
		        "left out of delta '%s' (check the base, or "
		        "the published bundle with -r)",
		        digest, t->subject);
	if (!b || !b->verified)
		return cnab_err_set(err, CNAB_ERR_CORRUPT,
		                    "signature payload %s is missing from "
		                    "archive '%s'",
		                    digest, t->subject);
	if (!b->data || !b->other)
		return cnab_err_set(err, CNAB_ERR_CORRUPT,
		                    "invalid signature payload %s in archive "
		                    "'%s': not a cosign simple-signing payload",
		                    digest, t->subject);
	if (b->len > max)
		return cnab_err_set(err, CNAB_ERR_TOOBIG,
		                    "signature payload %s is over %zu bytes",
		                    digest, max);
	return cnab_thick_blob_copy(b, d, data, len, err);
}

enum cnab_status
cnab_sigs_check_archive(const struct cnab_cosign_key *k,
                        const struct cnab_thick *t,
                        const struct cnab_attachment *attach, size_t nattach,
                        const struct cnab_digest *subject, const char *label,
                        struct cnab_sigs_report *rep, struct cnab_err *err)
{
	const struct cnab_attachment *sig = NULL;
	const struct cnab_thick_blob *b = NULL;
	char *tag = cnab_attach_tag(subject, CNAB_ATTACH_SIG), *name = NULL;
	char digest[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;
	size_t i;

	for (i = 0; i < nattach && !sig; i++)
		if (attach[i].kind == CNAB_ATTACH_SIG &&
		    cnab_digest_equal(&attach[i].subject, subject))
			sig = &attach[i];
	if (tag)
		name = cnab_strfmt("'%s' in archive '%s'", tag, t->subject);
	if (!name) {
		free(tag);
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	}
	if (sig) {
		b = cnab_map_get(&t->blobs,
		                 CNAB_DESC_DIGEST(&sig->desc, digest));
		if (!b || !b->data || b->other)
			st = cnab_err_set(
			        err, CNAB_ERR_CORRUPT,
			        "signature %s is missing from archive "
			        "'%s'",
			        digest, t->subject);
		else
			st = cnab_sigs_check(k, subject, label, name, b->data,
			                     b->len, read_thick_blob, (void *)t,
			                     rep, err);
	} else {
		st = cnab_sigs_check(k, subject, label, name, NULL, 0,
		                     read_thick_blob, (void *)t, rep, err);
	}
	free(name);
	free(tag);
	return st;
}
