/*
 * cosign signatures (the tag scheme: an image's signatures are the layers
 * of the manifest tagged sha256-<hex>.sig beside it), checked with OpenSSL
 * against an ECDSA P-256 public key.
 *
 * Each signature layer holds a simple-signing payload, a JSON document
 * whose critical.image.docker-manifest-digest names the signed image; its
 * annotation dev.cosignproject.cosign/signature is the base64 of an
 * ASN.1 DER ECDSA signature over the SHA-256 of the payload's bytes.
 */
#ifndef CNAB_COMMON_COSIGN_H
#define CNAB_COMMON_COSIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/digest.h"
#include "common/oci.h"
#include "common/status.h"

/* The layer media type and annotation of a cosign signature. */
#define CNAB_COSIGN_PAYLOAD_TYPE                                               \
	"application/vnd.dev.cosign.simplesigning.v1+json"
#define CNAB_COSIGN_SIG_ANNOTATION "dev.cosignproject.cosign/signature"
/* The payload's critical.type. */
#define CNAB_COSIGN_PAYLOAD_KIND "cosign container image signature"

/* The most signature layers looked at in one .sig manifest. */
#define CNAB_COSIGN_MAX_SIGS 64

struct cnab_cosign_key;

/*
 * Reads a PEM public key ("PUBLIC KEY", PKIX) of len bytes; subject names
 * it in messages (a file name).  A key that is not ECDSA P-256 is
 * CNAB_ERR_UNSUPPORTED ("cannot use key 'F': an RSA key, not ECDSA
 * P-256"); anything that is no public key PEM, a private key included, is
 * CNAB_ERR_INVALID.  The caller frees *out with cnab_cosign_key_free.
 */
enum cnab_status cnab_cosign_key_parse(struct cnab_cosign_key **out,
                                       const void *pem, size_t len,
                                       const char *subject,
                                       struct cnab_err *err);
void cnab_cosign_key_free(struct cnab_cosign_key *k);

/*
 * Whether the len bytes at data are a simple-signing payload (a JSON
 * object whose critical.type is CNAB_COSIGN_PAYLOAD_KIND), signed or not.
 */
bool cnab_cosign_is_payload(const char *data, size_t len);

/*
 * Checks one signature: sig_b64 (the annotation's value) must be a valid
 * ECDSA signature by k over the len bytes of payload, and the payload a
 * simple-signing document whose docker-manifest-digest is subject.  what
 * names the signature in messages ("signature 1 of 'HOST/REPO@DIGEST'").
 * Base64 that does not decode, a payload that is not simple signing:
 * CNAB_ERR_INVALID; a signature that does not verify, a payload naming
 * another digest: CNAB_ERR_INTEGRITY.
 */
enum cnab_status cnab_cosign_verify(const struct cnab_cosign_key *k,
                                    const struct cnab_digest *subject,
                                    const void *payload, size_t len,
                                    const char *sig_b64, const char *what,
                                    struct cnab_err *err);

/*
 * Reads the blob d names (at most max bytes, checked against d) into
 * *data, which the caller frees, wherever the signatures are: a registry
 * repository or an archive.
 */
typedef enum cnab_status (*cnab_cosign_read_blob)(
        void *ctx, const struct cnab_descriptor *d, size_t max, char **data,
        size_t *len, struct cnab_err *err);

/* The verdicts on the signatures of one .sig manifest. */
struct cnab_cosign_result {
	size_t nsigs;    /* signature layers looked at */
	size_t verified; /* of them, good */
	size_t failed;   /* of them, bad; or 1 for a bad manifest */
	/* why the first failure failed, or "" */
	char why[CNAB_ERR_MSG_MAX];
};

/*
 * Checks every layer of the .sig manifest (len bytes at manifest, of
 * subject), each payload read with read_blob.  The verdicts go to res: a
 * manifest that does not parse, has no signature layer or more than
 * CNAB_COSIGN_MAX_SIGS, a layer without the annotation or of another media
 * type, and every failure of cnab_cosign_verify count as failed.  what
 * names the .sig in messages.  Returns CNAB_OK once every verdict is in;
 * an error only when read_blob fails (err says why).
 */
enum cnab_status cnab_cosign_verify_manifest(
        const struct cnab_cosign_key *k, const struct cnab_digest *subject,
        const void *manifest, size_t len, const char *what,
        cnab_cosign_read_blob read_blob, void *ctx,
        struct cnab_cosign_result *res, struct cnab_err *err);

#endif
