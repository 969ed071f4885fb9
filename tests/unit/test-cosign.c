#include "tests/unit/test.h"

#include "common/buf.h"
#include "common/cosign.h"
#include "common/digest.h"

/*
 * The fixtures in testdata/cosign/ were made once by
 * tests/integration/cosign.py fixtures (see testdata/cosign/README).
 */

static struct cnab_cosign_key *load_key(const char *name)
{
	struct cnab_cosign_key *k = NULL;
	struct cnab_err err = CNAB_ERR_INIT;
	size_t len;
	char *pem = test_read_file(name, &len);

	if (cnab_cosign_key_parse(&k, pem, len, name, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	free(pem);
	return k;
}

static void subject(struct cnab_digest *d)
{
	char *s = test_read_file("cosign/subject.txt", NULL);

	s[strcspn(s, "\n")] = '\0';
	assert_int_equal(cnab_digest_parse(d, s, NULL), CNAB_OK);
	free(s);
}

/* Reads a base64 signature file without its final newline, if any. */
static char *read_sig(const char *name)
{
	char *s = test_read_file(name, NULL);

	s[strcspn(s, "\n")] = '\0';
	return s;
}

static void test_keys(void **state)
{
	static const struct {
		const char *file;
		enum cnab_status st;
		const char *msg;
	} cases[] = {
	        {"cosign/cosign.pub", CNAB_OK, NULL},
	        {"cosign/other.pub", CNAB_OK, NULL},
	        {"cosign/rsa.pub", CNAB_ERR_UNSUPPORTED,
	         "cannot use key 'cosign/rsa.pub': an RSA key, not ECDSA "
	         "P-256"},
	        {"cosign/p384.pub", CNAB_ERR_UNSUPPORTED,
	         "cannot use key 'cosign/p384.pub': an ECDSA key of another "
	         "curve secp384r1, not ECDSA P-256"},
	        {"cosign/upstream-ed25519.pub", CNAB_ERR_UNSUPPORTED,
	         "cannot use key 'cosign/upstream-ed25519.pub': an Ed25519 "
	         "key, "
	         "not ECDSA P-256"},
	        {"cosign/upstream-ed25519.key", CNAB_ERR_INVALID,
	         "cannot use key 'cosign/upstream-ed25519.key': a private key, "
	         "not the public key"},
	        {"cosign/cosign.key", CNAB_ERR_INVALID,
	         "cannot use key 'cosign/cosign.key': a private key, not the "
	         "public key"},
	        {"cosign/truncated.pub", CNAB_ERR_INVALID,
	         "cannot use key 'cosign/truncated.pub': not a PEM public "
	         "key"},
	        {"cosign/garbage.pub", CNAB_ERR_INVALID,
	         "cannot use key 'cosign/garbage.pub': not a PEM public key"},
	        {"cosign/payload.json", CNAB_ERR_INVALID,
	         "cannot use key 'cosign/payload.json': not a PEM public "
	         "key"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_cosign_key *k = NULL;
		struct cnab_err err = CNAB_ERR_INIT;
		size_t len;
		char *pem = test_read_file(cases[i].file, &len);

		assert_int_equal(cnab_cosign_key_parse(&k, pem, len,
		                                       cases[i].file, &err),
		                 cases[i].st);
		if (cases[i].msg) {
			assert_null(k);
			assert_string_equal(err.msg, cases[i].msg);
		} else {
			assert_non_null(k);
		}
		cnab_cosign_key_free(k);
		free(pem);
	}
	cnab_cosign_key_free(NULL);
}

static void test_verify(void **state)
{
	static const struct {
		const char *key, *payload, *sig;
		enum cnab_status st;
		const char *msg; /* the start of it */
	} cases[] = {
	        {"cosign/cosign.pub", "cosign/payload.json", "cosign/good.sig",
	         CNAB_OK, NULL},
	        /* another key's signature, and a signature over other bytes */
	        {"cosign/cosign.pub", "cosign/payload.json",
	         "cosign/other-key.sig", CNAB_ERR_INTEGRITY,
	         "sig does not verify with the key"},
	        {"cosign/other.pub", "cosign/payload.json", "cosign/good.sig",
	         CNAB_ERR_INTEGRITY, "sig does not verify with the key"},
	        {"cosign/cosign.pub", "cosign/payload.json", "cosign/bad.sig",
	         CNAB_ERR_INTEGRITY, "sig does not verify with the key"},
	        /* a good signature of a payload naming another image */
	        {"cosign/cosign.pub", "cosign/wrong-digest.json",
	         "cosign/wrong-digest.sig", CNAB_ERR_INTEGRITY,
	         "sig names another image: 'sha256:"},
	        /* the payload swapped under a good signature */
	        {"cosign/cosign.pub", "cosign/wrong-digest.json",
	         "cosign/good.sig", CNAB_ERR_INTEGRITY,
	         "sig does not verify with the key"},
	        {"cosign/cosign.pub", "cosign/payload.json",
	         "cosign/malformed.sig", CNAB_ERR_INVALID,
	         "invalid sig: the signature is not base64"},
	        {"cosign/cosign.pub", "cosign/not-json.json",
	         "cosign/not-json.sig", CNAB_ERR_INVALID, "cannot parse 'sig'"},
	};
	struct cnab_digest subj;
	size_t i;

	(void)state;
	subject(&subj);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_cosign_key *k = load_key(cases[i].key);
		struct cnab_err err = CNAB_ERR_INIT;
		size_t len;
		char *payload = test_read_file(cases[i].payload, &len);
		char *sig = read_sig(cases[i].sig);

		assert_int_equal(cnab_cosign_verify(k, &subj, payload, len, sig,
		                                    "sig", &err),
		                 cases[i].st);
		if (cases[i].msg) {
			if (strncmp(err.msg, cases[i].msg,
			            strlen(cases[i].msg)) != 0)
				fail_msg("case %zu: '%s'", i, err.msg);
		}
		free(sig);
		free(payload);
		cnab_cosign_key_free(k);
	}
}

static void test_verify_edges(void **state)
{
	struct cnab_cosign_key *k = load_key("cosign/cosign.pub");
	struct cnab_digest subj, other;
	struct cnab_err err = CNAB_ERR_INIT;
	size_t len;
	char *payload = test_read_file("cosign/payload.json", &len);
	char *sig = read_sig("cosign/good.sig");
	static const char *bad_b64[] = {
	        "", "QQ", "QQ=", "Q===", "QQ==QQ==", "QQ\n=="};

	(void)state;
	subject(&subj);
	/* one byte less, one byte more */
	assert_int_equal(
	        cnab_cosign_verify(k, &subj, payload, len - 1, sig, "s", &err),
	        CNAB_ERR_INTEGRITY);
	cnab_err_clear(&err);
	/* the right signature of the right payload, for another subject */
	assert_int_equal(cnab_digest_of(CNAB_DIGEST_SHA256, "x", 1, &other),
	                 CNAB_OK);
	assert_int_equal(
	        cnab_cosign_verify(k, &other, payload, len, sig, "s", &err),
	        CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "names another image"));
	for (size_t i = 0; i < sizeof(bad_b64) / sizeof(bad_b64[0]); i++) {
		cnab_err_clear(&err);
		assert_int_equal(cnab_cosign_verify(k, &subj, payload, len,
		                                    bad_b64[i], "s", &err),
		                 CNAB_ERR_INVALID);
	}
	/* base64 of a signature that is not DER */
	cnab_err_clear(&err);
	assert_int_equal(
	        cnab_cosign_verify(k, &subj, payload, len, "QUJD", "s", &err),
	        CNAB_ERR_INTEGRITY);
	free(sig);
	free(payload);
	cnab_cosign_key_free(k);
}

/* A blob store of the test's: each blob by digest, or a failure. */
struct blobs {
	const char *data[4];
	size_t len[4];
	size_t n;
	int reads;
	bool fail;
};

static enum cnab_status read_blob(void *ctx, const struct cnab_descriptor *d,
                                  size_t max, char **data, size_t *len,
                                  struct cnab_err *err)
{
	struct blobs *b = ctx;
	struct cnab_digest got;
	size_t i;

	b->reads++;
	if (b->fail)
		return cnab_err_set(err, CNAB_ERR_NET, "cannot read blob");
	for (i = 0; i < b->n; i++) {
		assert_int_equal(cnab_digest_of(CNAB_DIGEST_SHA256, b->data[i],
		                                b->len[i], &got),
		                 CNAB_OK);
		if (cnab_digest_equal(&got, &d->digest)) {
			assert_true(b->len[i] <= max);
			*data = malloc(b->len[i] + 1);
			assert_non_null(*data);
			memcpy(*data, b->data[i], b->len[i]);
			*len = b->len[i];
			return CNAB_OK;
		}
	}
	return cnab_err_set(err, CNAB_ERR_NOTFOUND, "no such blob");
}

/* A .sig manifest with one layer per payload and signature. */
static char *sig_manifest(struct blobs *b, const char *const *sigs,
                          const char *media_type)
{
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_digest d;
	char ds[CNAB_DIGEST_STR_MAX];
	size_t i;

	assert_int_equal(
	        cnab_buf_addstr(
	                &out, "{\"schemaVersion\":2,\"mediaType\":"
	                      "\"application/vnd.oci.image.manifest.v1+json\","
	                      "\"config\":{\"mediaType\":\"application/"
	                      "vnd.oci.image.config.v1+json\",\"size\":2,"
	                      "\"digest\":\"sha256:44136fa355b3678a1146ad16f7"
	                      "e8649e94fb4fc21fe77e8310c060f61caaff8a\"},"
	                      "\"layers\":["),
	        CNAB_OK);
	for (i = 0; i < b->n; i++) {
		assert_int_equal(cnab_digest_of(CNAB_DIGEST_SHA256, b->data[i],
		                                b->len[i], &d),
		                 CNAB_OK);
		cnab_digest_format(&d, ds);
		assert_int_equal(
		        cnab_buf_addf(&out,
		                      "%s{\"mediaType\":\"%s\",\"size\":%zu,"
		                      "\"digest\":\"%s\",\"annotations\":{"
		                      "\"dev.cosignproject.cosign/signature\":"
		                      "\"%s\"}}",
		                      i ? "," : "", media_type, b->len[i], ds,
		                      sigs[i]),
		        CNAB_OK);
	}
	assert_int_equal(cnab_buf_addstr(&out, "]}"), CNAB_OK);
	return cnab_buf_detach(&out, NULL);
}

/* A .sig manifest of n signature layers of size bytes each. */
static char *many_layers(size_t n, size_t size)
{
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	size_t i;

	assert_int_equal(
	        cnab_buf_addstr(&out,
	                        "{\"schemaVersion\":2,\"config\":{"
	                        "\"mediaType\":\"application/"
	                        "vnd.oci.image.config.v1+json\",\"size\":2,"
	                        "\"digest\":\"sha256:44136fa355b3678a1146ad16f7"
	                        "e8649e94fb4fc21fe77e8310c060f61caaff8a\"},"
	                        "\"layers\":["),
	        CNAB_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(
		        cnab_buf_addf(&out,
		                      "%s{\"mediaType\":\"%s\",\"size\":%zu,"
		                      "\"digest\":\"sha256:%064zx\","
		                      "\"annotations\":{\"%s\":\"QUJD\"}}",
		                      i ? "," : "", CNAB_COSIGN_PAYLOAD_TYPE,
		                      size, i, CNAB_COSIGN_SIG_ANNOTATION),
		        CNAB_OK);
	assert_int_equal(cnab_buf_addstr(&out, "]}"), CNAB_OK);
	return cnab_buf_detach(&out, NULL);
}

static void test_verify_manifest(void **state)
{
	struct cnab_cosign_key *k = load_key("cosign/cosign.pub");
	struct cnab_cosign_result res;
	struct cnab_digest subj;
	struct cnab_err err = CNAB_ERR_INIT;
	struct blobs b;
	char *good = test_read_file("cosign/payload.json", &b.len[0]);
	char *wrong = test_read_file("cosign/wrong-digest.json", &b.len[1]);
	const char *sigs[2];
	char *gs = read_sig("cosign/good.sig");
	char *ws = read_sig("cosign/wrong-digest.sig");
	char *m;

	(void)state;
	subject(&subj);
	b.data[0] = good;
	b.data[1] = wrong;
	b.reads = 0;
	b.fail = false;
	sigs[0] = gs;
	sigs[1] = ws;

	/* one good signature */
	b.n = 1;
	m = sig_manifest(&b, sigs, CNAB_COSIGN_PAYLOAD_TYPE);
	assert_int_equal(cnab_cosign_verify_manifest(k, &subj, m, strlen(m),
	                                             "'x.sig'", read_blob, &b,
	                                             &res, &err),
	                 CNAB_OK);
	assert_int_equal(res.nsigs, 1);
	assert_int_equal(res.verified, 1);
	assert_int_equal(res.failed, 0);
	assert_string_equal(res.why, "");
	free(m);

	/* and one naming another image: reported, not hidden */
	b.n = 2;
	m = sig_manifest(&b, sigs, CNAB_COSIGN_PAYLOAD_TYPE);
	assert_int_equal(cnab_cosign_verify_manifest(k, &subj, m, strlen(m),
	                                             "'x.sig'", read_blob, &b,
	                                             &res, &err),
	                 CNAB_OK);
	assert_int_equal(res.nsigs, 2);
	assert_int_equal(res.verified, 1);
	assert_int_equal(res.failed, 1);
	assert_non_null(strstr(res.why, "signature 2 of 'x.sig' names "
	                                "another image"));

	/* a reader that fails is an error, not a verdict */
	b.fail = true;
	assert_int_equal(cnab_cosign_verify_manifest(k, &subj, m, strlen(m),
	                                             "'x.sig'", read_blob, &b,
	                                             &res, &err),
	                 CNAB_ERR_NET);
	assert_string_equal(err.msg, "cannot read blob");
	b.fail = false;
	free(m);

	/* layers of another media type are no signatures */
	b.n = 1;
	m = sig_manifest(&b, sigs, "application/octet-stream");
	assert_int_equal(cnab_cosign_verify_manifest(k, &subj, m, strlen(m),
	                                             "'x.sig'", read_blob, &b,
	                                             &res, &err),
	                 CNAB_OK);
	assert_int_equal(res.failed, 1);
	assert_string_equal(res.why, "invalid signature 1 of 'x.sig': not a "
	                             "cosign signature layer");
	free(m);

	/* too many layers; a payload larger than any is: refused unread */
	m = many_layers(CNAB_COSIGN_MAX_SIGS + 1, 100);
	b.reads = 0;
	assert_int_equal(cnab_cosign_verify_manifest(k, &subj, m, strlen(m),
	                                             "'x.sig'", read_blob, &b,
	                                             &res, &err),
	                 CNAB_OK);
	assert_int_equal(res.failed, 1);
	assert_string_equal(res.why, "invalid 'x.sig': 65 signatures, more "
	                             "than 64");
	free(m);
	m = many_layers(1, CNAB_MAX_DOCUMENT + 1);
	assert_int_equal(cnab_cosign_verify_manifest(k, &subj, m, strlen(m),
	                                             "'x.sig'", read_blob, &b,
	                                             &res, &err),
	                 CNAB_OK);
	assert_int_equal(res.failed, 1);
	assert_string_equal(res.why, "invalid signature 1 of 'x.sig': its "
	                             "payload is over 4194304 bytes");
	assert_int_equal(b.reads, 0);
	free(m);

	/* no layers, and no manifest at all */
	b.n = 0;
	m = sig_manifest(&b, sigs, CNAB_COSIGN_PAYLOAD_TYPE);
	assert_int_equal(cnab_cosign_verify_manifest(k, &subj, m, strlen(m),
	                                             "'x.sig'", read_blob, &b,
	                                             &res, &err),
	                 CNAB_OK);
	assert_int_equal(res.failed, 1);
	assert_string_equal(res.why, "invalid 'x.sig': no signature in it");
	assert_int_equal(cnab_cosign_verify_manifest(k, &subj, "[]", 2,
	                                             "'x.sig'", read_blob, &b,
	                                             &res, &err),
	                 CNAB_OK);
	assert_int_equal(res.failed, 1);
	assert_int_equal(res.verified, 0);
	free(m);

	free(gs);
	free(ws);
	free(good);
	free(wrong);
	cnab_cosign_key_free(k);
}

/* What an archive's reader keeps for --key: simple-signing payloads. */
static void test_is_payload(void **state)
{
	static const char *not_payloads[] = {
	        "",
	        "{",
	        "[]",
	        "{}",
	        "{\"critical\":{}}",
	        "{\"critical\":{\"type\":\"atomic container signature\"}}",
	        "{\"critical\":{\"type\":7}}",
	        "{\"schemaVersion\":2,\"layers\":[]}",
	};
	size_t i, len;
	char *p;

	(void)state;
	p = test_read_file("cosign/payload.json", &len);
	assert_true(cnab_cosign_is_payload(p, len));
	/* a payload naming another image is one all the same */
	free(p);
	p = test_read_file("cosign/wrong-digest.json", &len);
	assert_true(cnab_cosign_is_payload(p, len));
	free(p);
	p = test_read_file("cosign/not-json.json", &len);
	assert_false(cnab_cosign_is_payload(p, len));
	free(p);
	for (i = 0; i < sizeof(not_payloads) / sizeof(*not_payloads); i++)
		assert_false(cnab_cosign_is_payload(not_payloads[i],
		                                    strlen(not_payloads[i])));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_keys),
	        cmocka_unit_test(test_verify),
	        cmocka_unit_test(test_verify_edges),
	        cmocka_unit_test(test_verify_manifest),
	        cmocka_unit_test(test_is_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
