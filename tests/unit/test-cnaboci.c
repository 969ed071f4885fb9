#include "tests/unit/test.h"

#include "common/json.h"
#include "formats/bundle.h"
#include "formats/cnaboci.h"

#define HELLO_INV                                                              \
	"sha256:"                                                              \
	"a59a4e74d9cc89e4e75dfb2cc7ea5c108e4236ba6231b53081a9e2506d1197b6"

/* The helloworld vector: from the canonical bundle.json, the config
 * manifest and the index must be cnab-to-oci's, byte for byte. */
static void test_helloworld_vectors(void **state)
{
	size_t blen, mlen, ilen;
	char *bundle = test_read_file("vectors/cnab-to-oci/"
	                              "helloworld.canonical.json",
	                              &blen);
	char *manifest = test_read_file("vectors/cnab-to-oci/"
	                                "helloworld.config-manifest.json",
	                                &mlen);
	char *index = test_read_file(
	        "vectors/cnab-to-oci/helloworld.index.json", &ilen);
	struct cnab_buf m = CNAB_BUF_INIT(1 << 20), ix = CNAB_BUF_INIT(1 << 20);
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_descriptor config = CNAB_DESCRIPTOR_INIT;
	struct cnab_digest d;
	const char *cmt, *mmt, *imt;

	(void)state;
	assert_int_equal(cnab_bundle_parse(&b, bundle, blen, "hello", &err),
	                 CNAB_OK);
	cnab_digest_of(CNAB_DIGEST_SHA256, bundle, blen, &d);
	assert_int_equal(cnab_oci_config_manifest(&d, blen,
	                                          CNAB_OCI_CONFIG_CNAB, &m,
	                                          &cmt, &mmt, &err),
	                 CNAB_OK);
	assert_string_equal(cmt, "application/vnd.cnab.config.v1+json");
	assert_string_equal(mmt, "application/vnd.oci.image.manifest.v1+json");
	assert_int_equal(m.len, mlen);
	assert_memory_equal(m.data, manifest, mlen);
	config.media_type = (char *)mmt;
	cnab_digest_of(CNAB_DIGEST_SHA256, m.data, m.len, &config.digest);
	config.size = m.len;
	assert_int_equal(cnab_oci_index(&b, &config, false, &ix, &imt, &err),
	                 CNAB_OK);
	assert_string_equal(imt, "application/vnd.oci.image.index.v1+json");
	assert_int_equal(ix.len, ilen);
	assert_memory_equal(ix.data, index, ilen);

	/* and back: the index names the config and the invocation image */
	{
		struct cnab_oci_pulled p;
		struct cnab_relocation map = CNAB_RELOCATION_INIT;
		const struct cnab_descriptor *where[1];

		assert_int_equal(cnab_oci_pull_index(&p, ix.data, ix.len, NULL,
		                                     "hello", &err),
		                 CNAB_OK);
		assert_non_null(p.config);
		assert_int_equal(p.ninvocation, 1);
		assert_int_equal(cnab_oci_relocation(&b, &p,
		                                     "example.com/acme/hello:1",
		                                     &map, where, &err),
		                 CNAB_OK);
		assert_string_equal(
		        cnab_relocation_get(&map, "cnab/helloworld:0.1.1"),
		        "example.com/acme/hello@" HELLO_INV);
		cnab_relocation_release(&map);
		cnab_oci_pulled_release(&p);
	}
	cnab_buf_release(&m);
	cnab_buf_release(&ix);
	cnab_bundle_release(&b);
	free(bundle);
	free(manifest);
	free(index);
}

/* The Docker schema2 fallback of cnab-to-oci's own test bundle. */
static void test_docker_fallback_vector(void **state)
{
	size_t len;
	char *want = test_read_file("vectors/cnab-to-oci/"
	                            "fallback-config-manifest.json",
	                            &len);
	struct cnab_buf m = CNAB_BUF_INIT(1 << 20);
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_digest d;
	const char *cmt, *mmt;

	(void)state;
	cnab_digest_parse(&d,
	                  "sha256:dbe3480b9cb300f389e8d02e4a682f9107772468feb68"
	                  "45f912dc8deed6d76fd",
	                  NULL);
	assert_int_equal(cnab_oci_config_manifest(&d, 1596,
	                                          CNAB_OCI_CONFIG_DOCKER, &m,
	                                          &cmt, &mmt, &err),
	                 CNAB_OK);
	assert_string_equal(mmt, CNAB_MT_DOCKER_MANIFEST);
	assert_int_equal(m.len, len);
	assert_memory_equal(m.data, want, len);
	cnab_buf_release(&m);
	free(want);
}

static void test_not_a_bundle(void **state)
{
	static const char image[] =
	        "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\","
	        "\"digest\":\"" HELLO_INV "\",\"size\":1},\"layers\":[]}";
	static const char plain_index[] =
	        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
	        "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":"
	        "\"" HELLO_INV "\",\"size\":1}]}";
	struct cnab_oci_pulled p;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	assert_int_equal(cnab_oci_pull_index(&p, image, strlen(image), NULL,
	                                     "r/x:1", &err),
	                 CNAB_ERR_NOTFOUND);
	assert_string_equal(err.msg, "'r/x:1' is an image, not a CNAB bundle");
	cnab_err_clear(&err);
	assert_int_equal(cnab_oci_pull_index(&p, plain_index,
	                                     strlen(plain_index), NULL, "r/x:1",
	                                     &err),
	                 CNAB_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "not a CNAB bundle"));
}

static void test_image_descriptor_defaults(void **state)
{
	static const char doc[] =
	        "{\"schemaVersion\":\"v1.0.0\",\"name\":\"n\",\"version\":"
	        "\"1\","
	        "\"invocationImages\":[{\"imageType\":\"docker\",\"image\":"
	        "\"a/b:1\",\"contentDigest\":\"" HELLO_INV "\",\"size\":5}],"
	        "\"images\":{\"x\":{\"image\":\"c/d:1\"}}}";
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	struct cnab_descriptor d;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	assert_int_equal(cnab_bundle_parse(&b, doc, strlen(doc), "t", &err),
	                 CNAB_OK);
	assert_int_equal(cnab_oci_image_descriptor(&b.images[0], &d, &err),
	                 CNAB_OK);
	assert_string_equal(d.media_type, CNAB_MT_DOCKER_MANIFEST);
	assert_int_equal(d.size, 5);
	cnab_descriptor_release(&d);
	assert_int_equal(cnab_oci_image_descriptor(&b.images[1], &d, &err),
	                 CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "contentDigest"));
	cnab_bundle_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_helloworld_vectors),
	        cmocka_unit_test(test_docker_fallback_vector),
	        cmocka_unit_test(test_not_a_bundle),
	        cmocka_unit_test(test_image_descriptor_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
