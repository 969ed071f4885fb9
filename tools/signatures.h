/*
 * cnab-inspect --verify --key: checking the cosign signatures of a bundle
 * and of its images (common/cosign.h), with one line per subject on
 * standard error.
 */
#ifndef CNAB_TOOLS_SIGNATURES_H
#define CNAB_TOOLS_SIGNATURES_H

#include <stddef.h>

#include "common/attach.h"
#include "common/cosign.h"
#include "common/digest.h"
#include "common/registry.h"
#include "common/status.h"
#include "formats/thick.h"

/* What was checked so far. */
struct cnab_sigs_report {
	size_t subjects;   /* images and bundles checked */
	size_t signatures; /* signatures that verified */
	size_t failed;     /* subjects that did not verify */
};

/*
 * Reads and parses the public key file at path (at most 64 KiB).  Returns
 * 0, or the exit code after printing why.  The caller frees *out.
 */
int cnab_sigs_load_key(const char *path, struct cnab_cosign_key **out);

/*
 * Checks one subject: label names it in messages ("'HOST/REPO@DIGEST'
 * (image 'web')"), sig is its .sig manifest (NULL when it has none, which
 * fails: "no signature"), named sig_name in messages
 * ("'HOST/REPO:sha256-HEX.sig'"), each payload read with read_blob.  Prints a
 * note when it verified, an error when it did not, and counts it in rep.
 * Returns an error only when the check could not be done (read_blob
 * failed); a verdict is CNAB_OK.
 */
enum cnab_status cnab_sigs_check(const struct cnab_cosign_key *k,
                                 const struct cnab_digest *subject,
                                 const char *label, const char *sig_name,
                                 const void *sig, size_t len,
                                 cnab_cosign_read_blob read_blob, void *ctx,
                                 struct cnab_sigs_report *rep,
                                 struct cnab_err *err);

/*
 * The end of a check of subject (an archive or a reference): a note with
 * the counts when every subject verified, else CNAB_ERR_INTEGRITY ("N of
 * M not verified").
 */
enum cnab_status cnab_sigs_verdict(const struct cnab_sigs_report *rep,
                                   const char *subject, struct cnab_err *err);

/*
 * Checks the subject of digest in repository repo of reg: its .sig
 * manifest is the tag ALG-HEX.sig there, and the payloads blobs of repo.
 * label as for cnab_sigs_check.
 */
enum cnab_status
cnab_sigs_check_registry(const struct cnab_cosign_key *k,
                         struct cnab_registry *reg, const char *repo,
                         const struct cnab_digest *subject, const char *label,
                         struct cnab_sigs_report *rep, struct cnab_err *err);

/*
 * Checks the subject of digest in archive t, read whole with t->keep set
 * to cnab_cosign_is_payload: its .sig manifest is the signature attachment
 * (of attach, the archive's) whose subject it is, and the payloads blobs
 * t kept.  label as for cnab_sigs_check.  A payload the archive lacks or
 * that is no simple-signing payload: CNAB_ERR_CORRUPT; one a delta left
 * out: CNAB_ERR_USAGE.
 */
enum cnab_status
cnab_sigs_check_archive(const struct cnab_cosign_key *k,
                        const struct cnab_thick *t,
                        const struct cnab_attachment *attach, size_t nattach,
                        const struct cnab_digest *subject, const char *label,
                        struct cnab_sigs_report *rep, struct cnab_err *err);

#endif
