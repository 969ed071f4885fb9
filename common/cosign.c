#include "common/cosign.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/buf.h"
#include "common/json.h"

struct cnab_cosign_key {
	EVP_PKEY *pkey;
};

/* Whether the len bytes at p hold a PEM private key's header. */
static bool has_private_key(const char *p, size_t len)
{
	static const char mark[] = "PRIVATE KEY-----";
	size_t n = sizeof(mark) - 1, i;

	for (i = 0; i + n <= len; i++)
		if (!memcmp(p + i, mark, n))
			return true;
	return false;
}

/* What a key that is not ECDSA P-256 is, for the message. */
static const char *key_kind(EVP_PKEY *pkey, char *group, size_t size)
{
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		return "an RSA key";
	case EVP_PKEY_ED25519:
		return "an Ed25519 key";
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pkey, group, size, NULL))
			return "an ECDSA key of an unknown curve";
		return NULL;
	default:
		return "a key of another type";
	}
}

enum cnab_status cnab_cosign_key_parse(struct cnab_cosign_key **out,
                                       const void *pem, size_t len,
                                       const char *subject,
                                       struct cnab_err *err)
{
	struct cnab_cosign_key *k = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	char group[64] = "";
	const char *kind;
	enum cnab_status st;

	if (len > INT_MAX) {
		st = cnab_err_set(err, CNAB_ERR_TOOBIG,
		                  "cannot use key '%s': too big", subject);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	ERR_clear_error();
	if (!pkey) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "cannot use key '%s': %s", subject,
		                  has_private_key(pem, len)
		                          ? "a private key, not the public key"
		                          : "not a PEM public key");
		goto out;
	}
	kind = key_kind(pkey, group, sizeof(group));
	if (!kind && strcmp(group, "prime256v1") != 0)
		kind = "an ECDSA key of another curve";
	if (kind) {
		st = cnab_err_set(
		        err, CNAB_ERR_UNSUPPORTED,
		        "cannot use key '%s': %s%s%s, not ECDSA P-256", subject,
		        kind, *group ? " " : "", group);
		goto out;
	}
	k = malloc(sizeof(*k));
	if (!k) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	k->pkey = pkey;
	pkey = NULL;
	*out = k;
	st = CNAB_OK;
out:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return st;
}

void cnab_cosign_key_free(struct cnab_cosign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

/*
 * Decodes base64 (the standard alphabet, padded, no line breaks) into a
 * new buffer.  False when s is not that.
 */
static bool unbase64(const char *s, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(s), i, pad = 0;
	unsigned char *buf;
	int r;

	if (n == 0 || n % 4 || n > INT_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '=') {
			if (i + 2 < n)
				return false;
			pad++;
		} else if (pad ||
		           !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		             (c >= '0' && c <= '9') || c == '+' || c == '/')) {
			return false;
		}
	}
	buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return false;
	r = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (r < 0 || (size_t)r < pad) {
		free(buf);
		return false;
	}
	*out = buf;
	*outlen = (size_t)r - pad;
	return true;
}

bool cnab_cosign_is_payload(const char *data, size_t len)
{
	json_t *root = NULL;
	const char *kind = NULL;
	bool is;

	if (cnab_json_parse(data, len, CNAB_MAX_DOCUMENT, 0, "payload", &root,
	                    NULL) != CNAB_OK)
		return false;
	is = !cnab_json_get_string(json_object_get(root, "critical"), "type",
	                           true, &kind, "payload", NULL) &&
	     strcmp(kind, CNAB_COSIGN_PAYLOAD_KIND) == 0;
	json_decref(root);
	return is;
}

/* The payload's docker-manifest-digest, checked against subject. */
static enum cnab_status check_payload(const struct cnab_digest *subject,
                                      const void *payload, size_t len,
                                      const char *what, struct cnab_err *err)
{
	json_t *root = NULL, *critical, *image;
	const char *kind = NULL, *named = NULL;
	struct cnab_digest d;
	char want[CNAB_DIGEST_STR_MAX];
	enum cnab_status st;

	st = cnab_json_parse(payload, len, CNAB_MAX_DOCUMENT, 0, what, &root,
	                     err);
	if (st != CNAB_OK)
		goto out;
	critical = json_object_get(root, "critical");
	image = json_object_get(critical, "image");
	if (!json_is_object(critical) || !json_is_object(image) ||
	    cnab_json_get_string(critical, "type", true, &kind, what, NULL) ||
	    cnab_json_get_string(image, "docker-manifest-digest", true, &named,
	                         what, NULL) ||
	    strcmp(kind, CNAB_COSIGN_PAYLOAD_KIND) != 0) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid %s: not a cosign simple-signing "
		                  "payload",
		                  what);
		goto out;
	}
	cnab_digest_format(subject, want);
	if (cnab_digest_parse(&d, named, NULL) != CNAB_OK ||
	    !cnab_digest_equal(&d, subject)) {
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "%s names another image: '%.140s', not '%s'",
		                  what, named, want);
		goto out;
	}
	st = CNAB_OK;
out:
	json_decref(root);
	return st;
}

enum cnab_status cnab_cosign_verify(const struct cnab_cosign_key *k,
                                    const struct cnab_digest *subject,
                                    const void *payload, size_t len,
                                    const char *sig_b64, const char *what,
                                    struct cnab_err *err)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	enum cnab_status st;
	int r;

	if (!unbase64(sig_b64, &sig, &siglen)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid %s: the signature is not base64",
		                  what);
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey);
	if (r == 1)
		r = EVP_DigestVerify(ctx, sig, siglen, payload, len);
	ERR_clear_error();
	if (r != 1) {
		st = cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                  "%s does not verify with the key", what);
		goto out;
	}
	/* only a payload the key signed is worth reading */
	st = check_payload(subject, payload, len, what, err);
out:
	EVP_MD_CTX_free(ctx);
	free(sig);
	return st;
}

/* Records a failed signature, keeping the first reason. */
static void failed(struct cnab_cosign_result *res, const struct cnab_err *why)
{
	if (!res->failed)
		memcpy(res->why, why->msg, sizeof(res->why));
	res->failed++;
}

enum cnab_status cnab_cosign_verify_manifest(
        const struct cnab_cosign_key *k, const struct cnab_digest *subject,
        const void *manifest, size_t len, const char *what,
        cnab_cosign_read_blob read_blob, void *ctx,
        struct cnab_cosign_result *res, struct cnab_err *err)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	struct cnab_err why = CNAB_ERR_INIT;
	char label[CNAB_ERR_MSG_MAX / 2];
	enum cnab_status st = CNAB_OK;
	size_t i;

	memset(res, 0, sizeof(*res));
	if (cnab_manifest_parse(&m, manifest, len, NULL, what, &why) !=
	    CNAB_OK) {
		failed(res, &why);
		goto out;
	}
	if (m.is_index || m.nlayers == 0) {
		cnab_err_set(&why, CNAB_ERR_INVALID,
		             "invalid %s: no signature in it", what);
		failed(res, &why);
		goto out;
	}
	if (m.nlayers > CNAB_COSIGN_MAX_SIGS) {
		cnab_err_set(&why, CNAB_ERR_TOOBIG,
		             "invalid %s: %zu signatures, more than %d", what,
		             m.nlayers, CNAB_COSIGN_MAX_SIGS);
		failed(res, &why);
		goto out;
	}
	for (i = 0; i < m.nlayers; i++) {
		const struct cnab_descriptor *d = &m.layers[i];
		const char *sig;
		char *payload = NULL;
		size_t plen = 0;

		res->nsigs++;
		cnab_err_clear(&why);
		snprintf(label, sizeof(label), "signature %zu of %s", i + 1,
		         what);
		sig = cnab_descriptor_annotation(d, CNAB_COSIGN_SIG_ANNOTATION);
		if (strcmp(d->media_type, CNAB_COSIGN_PAYLOAD_TYPE) != 0 ||
		    !sig) {
			cnab_err_set(&why, CNAB_ERR_INVALID,
			             "invalid %s: not a cosign signature layer",
			             label);
			failed(res, &why);
			continue;
		}
		if (d->size > CNAB_MAX_DOCUMENT) {
			cnab_err_set(
			        &why, CNAB_ERR_TOOBIG,
			        "invalid %s: its payload is over %zu bytes",
			        label, CNAB_MAX_DOCUMENT);
			failed(res, &why);
			continue;
		}
		st = read_blob(ctx, d, CNAB_MAX_DOCUMENT, &payload, &plen, err);
		if (st != CNAB_OK)
			goto out;
		if (cnab_cosign_verify(k, subject, payload, plen, sig, label,
		                       &why) == CNAB_OK)
			res->verified++;
		else
			failed(res, &why);
		free(payload);
	}
out:
	cnab_manifest_release(&m);
	return st;
}
