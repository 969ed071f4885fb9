#include "common/digest.h"

#include <inttypes.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

size_t cnab_digest_alg_len(enum cnab_digest_alg alg)
{
	return alg == CNAB_DIGEST_SHA512 ? 64 : 32;
}

const char *cnab_digest_alg_name(enum cnab_digest_alg alg)
{
	return alg == CNAB_DIGEST_SHA512 ? "sha512" : "sha256";
}

static const EVP_MD *alg_md(enum cnab_digest_alg alg)
{
	return alg == CNAB_DIGEST_SHA512 ? EVP_sha512() : EVP_sha256();
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool parse(struct cnab_digest *d, const char *s)
{
	enum cnab_digest_alg alg;
	const char *hex;
	size_t n, i;

	if (!strncmp(s, "sha256:", 7))
		alg = CNAB_DIGEST_SHA256;
	else if (!strncmp(s, "sha512:", 7))
		alg = CNAB_DIGEST_SHA512;
	else
		return false;
	hex = s + 7;
	n = cnab_digest_alg_len(alg);
	if (strlen(hex) != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		if (d)
			d->raw[i] = (unsigned char)(hi << 4 | lo);
	}
	if (d) {
		d->alg = alg;
		memset(d->raw + n, 0, sizeof(d->raw) - n);
	}
	return true;
}

enum cnab_status cnab_digest_parse(struct cnab_digest *d, const char *s,
                                   struct cnab_err *err)
{
	struct cnab_digest tmp;

	if (!s || !parse(&tmp, s))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid digest '%.200s': want sha256:<64 "
		                    "hex digits> or sha512:<128 hex digits>",
		                    s ? s : "");
	*d = tmp;
	return CNAB_OK;
}

bool cnab_digest_valid(const char *s)
{
	return s && parse(NULL, s);
}

void cnab_digest_hex(const struct cnab_digest *d,
                     char out[2 * CNAB_DIGEST_RAW_MAX + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i, n = cnab_digest_alg_len(d->alg);

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d->raw[i] >> 4];
		out[2 * i + 1] = digits[d->raw[i] & 15];
	}
	out[2 * n] = '\0';
}

void cnab_digest_format(const struct cnab_digest *d,
                        char out[CNAB_DIGEST_STR_MAX])
{
	memcpy(out, cnab_digest_alg_name(d->alg), 6);
	out[6] = ':';
	cnab_digest_hex(d, out + 7);
}

bool cnab_digest_equal(const struct cnab_digest *a, const struct cnab_digest *b)
{
	if (a->alg != b->alg)
		return false;
	return CRYPTO_memcmp(a->raw, b->raw, cnab_digest_alg_len(a->alg)) == 0;
}

enum cnab_status cnab_digest_check_pin(const char *pin,
                                       const struct cnab_digest *got,
                                       const char *what, struct cnab_err *err)
{
	char want_s[CNAB_DIGEST_STR_MAX], got_s[CNAB_DIGEST_STR_MAX];
	struct cnab_digest want;
	size_t alg;

	if (!pin)
		return CNAB_OK;
	if (!parse(&want, pin)) {
		/* "alg:...": a known form, an algorithm not computed here */
		alg = strspn(pin, "abcdefghijklmnopqrstuvwxyz0123456789");
		if (alg && alg <= 32 && pin[alg] == ':' &&
		    strncmp(pin, "sha256:", 7) && strncmp(pin, "sha512:", 7))
			return cnab_err_set(
			        err, CNAB_ERR_INVALID,
			        "cannot verify %s: digest algorithm "
			        "'%.*s' is not supported (only sha256 "
			        "and sha512 are)",
			        what, (int)alg, pin);
		return cnab_digest_parse(&want, pin, err);
	}
	if (got && !cnab_digest_equal(&want, got)) {
		cnab_digest_format(&want, want_s);
		cnab_digest_format(got, got_s);
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "digest mismatch for %s: pinned to %s, "
		                    "resolved to %s",
		                    what, want_s, got_s);
	}
	return CNAB_OK;
}

enum cnab_status cnab_hash_init(struct cnab_hash *h, enum cnab_digest_alg alg)
{
	if (!h->ctx) {
		h->ctx = EVP_MD_CTX_new();
		if (!h->ctx)
			return CNAB_ERR_NOMEM;
	}
	if (!EVP_DigestInit_ex(h->ctx, alg_md(alg), NULL))
		return CNAB_ERR_FAIL;
	h->alg = alg;
	h->size = 0;
	return CNAB_OK;
}

void cnab_hash_update(struct cnab_hash *h, const void *data, size_t n)
{
	if (!n)
		return;
	EVP_DigestUpdate(h->ctx, data, n);
	h->size += n;
}

void cnab_hash_final(struct cnab_hash *h, struct cnab_digest *out)
{
	unsigned int len = 0;

	memset(out->raw, 0, sizeof(out->raw));
	out->alg = h->alg;
	EVP_DigestFinal_ex(h->ctx, out->raw, &len);
}

void cnab_hash_release(struct cnab_hash *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

enum cnab_status cnab_digest_of(enum cnab_digest_alg alg, const void *data,
                                size_t n, struct cnab_digest *out)
{
	struct cnab_hash h = CNAB_HASH_INIT;
	enum cnab_status st = cnab_hash_init(&h, alg);

	if (st == CNAB_OK) {
		cnab_hash_update(&h, data, n);
		cnab_hash_final(&h, out);
	}
	cnab_hash_release(&h);
	return st;
}

enum cnab_status cnab_verifier_init(struct cnab_verifier *v,
                                    const struct cnab_digest *want,
                                    uint64_t want_size, const char *subject,
                                    struct cnab_err *err)
{
	enum cnab_status st;

	v->hash.ctx = NULL;
	v->want = *want;
	v->want_size = want_size;
	v->subject = subject ? subject : "";
	st = cnab_hash_init(&v->hash, want->alg);
	if (st != CNAB_OK)
		return cnab_err_set(err, st, "cannot start a hash: %s",
		                    cnab_strerror(st));
	return CNAB_OK;
}

enum cnab_status cnab_verifier_update(struct cnab_verifier *v, const void *data,
                                      size_t n, struct cnab_err *err)
{
	if (v->want_size != CNAB_SIZE_UNKNOWN &&
	    (n > v->want_size || v->hash.size > v->want_size - n))
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "size mismatch for '%s': more than the "
		                    "expected %" PRIu64 " bytes",
		                    v->subject, v->want_size);
	cnab_hash_update(&v->hash, data, n);
	return CNAB_OK;
}

enum cnab_status cnab_verifier_finish(struct cnab_verifier *v,
                                      struct cnab_err *err)
{
	struct cnab_digest got;
	char want_s[CNAB_DIGEST_STR_MAX], got_s[CNAB_DIGEST_STR_MAX];

	if (v->want_size != CNAB_SIZE_UNKNOWN && v->hash.size != v->want_size)
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "size mismatch for '%s': got %" PRIu64
		                    " bytes, expected %" PRIu64,
		                    v->subject, v->hash.size, v->want_size);
	cnab_hash_final(&v->hash, &got);
	if (!cnab_digest_equal(&got, &v->want)) {
		cnab_digest_format(&v->want, want_s);
		cnab_digest_format(&got, got_s);
		return cnab_err_set(err, CNAB_ERR_INTEGRITY,
		                    "digest mismatch for '%s': content is %s, "
		                    "expected %s",
		                    v->subject, got_s, want_s);
	}
	return CNAB_OK;
}

void cnab_verifier_release(struct cnab_verifier *v)
{
	cnab_hash_release(&v->hash);
}
