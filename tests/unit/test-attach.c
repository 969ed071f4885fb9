#include "tests/unit/test.h"

#include <stdlib.h>
#include <string.h>

#include "common/attach.h"
#include "common/json.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HEX_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static void test_kinds_and_tags(void **state)
{
	static const struct {
		enum cnab_attach_kind k;
		const char *name, *tag;
	} cases[] = {
	        {CNAB_ATTACH_SIG, "sig", "sha256-" HEX_A ".sig"},
	        {CNAB_ATTACH_ATT, "att", "sha256-" HEX_A ".att"},
	        {CNAB_ATTACH_SBOM, "sbom", "sha256-" HEX_A ".sbom"},
	        /* a referrer's: the fallback tag of the referrers index */
	        {CNAB_ATTACH_REFERRER, "referrer", "sha256-" HEX_A},
	};
	struct cnab_digest d;
	size_t i;

	(void)state;
	assert_int_equal(cnab_digest_parse(&d, "sha256:" HEX_A, NULL), CNAB_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *tag = cnab_attach_tag(&d, cases[i].k);

		assert_string_equal(cnab_attach_kind_name(cases[i].k),
		                    cases[i].name);
		assert_int_equal(cnab_attach_kind_parse(cases[i].name),
		                 cases[i].k);
		assert_string_equal(tag, cases[i].tag);
		free(tag);
	}
	assert_int_equal(cnab_attach_kind_parse("signature"), -1);
	assert_int_equal(cnab_attach_kind_parse(NULL), -1);
}

static json_t *entry(const char *hex)
{
	return json_pack("{s:s,s:s,s:i}", "mediaType", CNAB_MT_OCI_MANIFEST,
	                 "digest", hex, "size", 10);
}

/* The fallback index keeps every entry it had, in order, and gains only
 * what it lacks. */
static void test_merge_index(void **state)
{
	static const char old[] =
	        "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_OCI_INDEX
	        "\",\"manifests\":[{\"mediaType\":\"" CNAB_MT_OCI_MANIFEST
	        "\",\"digest\":\"sha256:" HEX_B "\",\"size\":5,"
	        "\"artifactType\":\"x/y\"}]}";
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *add = json_array(), *got = NULL, *list;
	bool changed;

	(void)state;
	json_array_append_new(add, entry("sha256:" HEX_B));
	/* all there already: nothing to write */
	assert_int_equal(cnab_attach_merge_index(old, strlen(old), add, &out,
	                                         &changed, "t", &err),
	                 CNAB_OK);
	assert_false(changed);
	assert_int_equal(out.len, 0);
	/* one more: appended after what was there */
	json_array_append_new(add, entry("sha256:" HEX_C));
	assert_int_equal(cnab_attach_merge_index(old, strlen(old), add, &out,
	                                         &changed, "t", &err),
	                 CNAB_OK);
	assert_true(changed);
	assert_int_equal(cnab_json_parse(out.data, out.len, CNAB_MAX_DOCUMENT,
	                                 0, "out", &got, &err),
	                 CNAB_OK);
	list = json_object_get(got, "manifests");
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(list, 0), "digest")),
	                    "sha256:" HEX_B);
	/* the entry that was there is kept whole */
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(list, 0), "artifactType")),
	                    "x/y");
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(list, 1), "digest")),
	                    "sha256:" HEX_C);
	json_decref(got);
	cnab_buf_reset(&out);
	/* none there: a new index */
	assert_int_equal(cnab_attach_merge_index(NULL, 0, add, &out, &changed,
	                                         "t", &err),
	                 CNAB_OK);
	assert_true(changed);
	assert_non_null(strstr(cnab_buf_str(&out), HEX_C));
	cnab_buf_reset(&out);
	/* a malformed one is refused, not replaced */
	assert_int_equal(cnab_attach_merge_index("[1]", 3, add, &out, &changed,
	                                         "t", &err),
	                 CNAB_ERR_CORRUPT);
	assert_int_equal(
	        cnab_attach_merge_index("{", 1, add, &out, &changed, "t", &err),
	        CNAB_ERR_CORRUPT);
	json_decref(add);
	cnab_buf_release(&out);
}

/* An index.json entry written for an attachment reads back as one. */
static void test_index_entry(void **state)
{
	struct cnab_attachment a, back;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	json_t *idx = json_pack("{s:i,s:s}", "schemaVersion", 2, "mediaType",
	                        CNAB_MT_OCI_INDEX);
	bool is;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.kind = CNAB_ATTACH_SIG;
	a.desc.media_type = strdup(CNAB_MT_OCI_MANIFEST);
	a.desc.size = 42;
	assert_int_equal(
	        cnab_digest_parse(&a.desc.digest, "sha256:" HEX_B, NULL),
	        CNAB_OK);
	assert_int_equal(cnab_digest_parse(&a.subject, "sha256:" HEX_A, NULL),
	                 CNAB_OK);
	a.tag = cnab_attach_tag(&a.subject, a.kind);
	assert_int_equal(cnab_attach_index_add(idx, &a, &err), CNAB_OK);
	assert_int_equal(cnab_json_go(idx, &b), CNAB_OK);
	assert_string_equal(
	        cnab_buf_str(&b),
	        "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_OCI_INDEX
	        "\",\"manifests\":[{\"mediaType\":\"" CNAB_MT_OCI_MANIFEST
	        "\",\"digest\":\"sha256:" HEX_B "\",\"size\":42,"
	        "\"annotations\":{\"io.cnab-tools.attachment.kind\":\"sig\","
	        "\"io.cnab-tools.attachment.subject\":\"sha256:" HEX_A "\","
	        "\"io.cnab-tools.attachment.tag\":\"sha256-" HEX_A
	        ".sig\"}}]}");
	assert_int_equal(cnab_manifest_parse(&m, b.data, b.len,
	                                     CNAB_MT_OCI_INDEX, "idx", &err),
	                 CNAB_OK);
	assert_int_equal(
	        cnab_attach_from_entry(&m.manifests[0], &back, &is, &err),
	        CNAB_OK);
	assert_true(is);
	assert_int_equal(back.kind, CNAB_ATTACH_SIG);
	assert_string_equal(back.tag, a.tag);
	assert_true(cnab_digest_equal(&back.subject, &a.subject));
	assert_true(cnab_digest_equal(&back.desc.digest, &a.desc.digest));
	assert_null(back.desc.annotations);
	cnab_attachment_release(&back);
	/* a tag that is not its subject's is refused */
	json_object_set_new(
	        json_object_get(
	                json_array_get(json_object_get(idx, "manifests"), 0),
	                "annotations"),
	        CNAB_ANNOTATION_ATTACH_TAG, json_string("latest"));
	cnab_manifest_release(&m);
	cnab_buf_reset(&b);
	assert_int_equal(cnab_json_go(idx, &b), CNAB_OK);
	assert_int_equal(cnab_manifest_parse(&m, b.data, b.len,
	                                     CNAB_MT_OCI_INDEX, "idx", &err),
	                 CNAB_OK);
	assert_int_equal(
	        cnab_attach_from_entry(&m.manifests[0], &back, &is, &err),
	        CNAB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "'latest'"));
	cnab_attachment_release(&back);
	cnab_manifest_release(&m);
	cnab_attachment_release(&a);
	cnab_buf_release(&b);
	json_decref(idx);
}

/* What the referrers API lists for a manifest: its type, digest, size,
 * artifactType (else its config's media type) and its annotations. */
static void test_referrer_json(void **state)
{
	static const char man[] =
	        "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_OCI_MANIFEST
	        "\",\"config\":{\"mediaType\":\"application/"
	        "vnd.oci.empty.v1+json\",\"digest\":\"sha256:" HEX_C
	        "\",\"size\":2},\"layers\":[],\"subject\":{\"mediaType\":"
	        "\"" CNAB_MT_OCI_MANIFEST "\",\"digest\":\"sha256:" HEX_A
	        "\",\"size\":9},\"annotations\":{\"k\":\"v\"}}";
	/* no subject, or another one: not a referrer of sha256:HEX_A */
	static const char *const foreign[] = {
	        "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\","
	        "\"digest\":\"sha256:" HEX_C "\",\"size\":2},\"layers\":[]}",
	        "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\","
	        "\"digest\":\"sha256:" HEX_C "\",\"size\":2},\"layers\":[],"
	        "\"subject\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:" HEX_B
	        "\",\"size\":9}}",
	        "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\","
	        "\"digest\":\"sha256:" HEX_C "\",\"size\":2},\"layers\":[],"
	        "\"subject\":{\"mediaType\":\"a/b\",\"digest\":\"nonsense\","
	        "\"size\":9}}",
	};
	struct cnab_attachment a;
	size_t i;
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *o;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.kind = CNAB_ATTACH_REFERRER;
	assert_int_equal(cnab_digest_parse(&a.subject, "sha256:" HEX_A, NULL),
	                 CNAB_OK);
	a.desc.media_type = strdup(CNAB_MT_OCI_MANIFEST);
	a.desc.size = sizeof(man) - 1;
	assert_int_equal(cnab_digest_of(CNAB_DIGEST_SHA256, man,
	                                sizeof(man) - 1, &a.desc.digest),
	                 CNAB_OK);
	o = cnab_attach_referrer_json(&a, man, sizeof(man) - 1);
	assert_non_null(o);
	assert_int_equal(cnab_json_go(o, &b), CNAB_OK);
	assert_non_null(
	        strstr(cnab_buf_str(&b), "\"annotations\":{\"k\":\"v\"}"));
	assert_non_null(strstr(cnab_buf_str(&b),
	                       "\"artifactType\":\"application/"
	                       "vnd.oci.empty.v1+json\""));
	assert_int_equal(cnab_attachment_read(&a, man, sizeof(man) - 1, &err),
	                 CNAB_OK);
	assert_string_equal(a.artifact_type,
	                    "application/vnd.oci.empty.v1+json");
	for (i = 0; i < sizeof(foreign) / sizeof(*foreign); i++) {
		cnab_err_clear(&err);
		assert_int_equal(cnab_attachment_read(&a, foreign[i],
		                                      strlen(foreign[i]), &err),
		                 CNAB_ERR_CORRUPT);
		assert_non_null(strstr(err.msg, "sha256:" HEX_A));
	}
	/* a cosign attachment has no subject of its own to check */
	a.kind = CNAB_ATTACH_SIG;
	assert_int_equal(
	        cnab_attachment_read(&a, foreign[1], strlen(foreign[1]), &err),
	        CNAB_OK);
	json_decref(o);
	cnab_buf_release(&b);
	cnab_attachment_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kinds_and_tags),
	        cmocka_unit_test(test_merge_index),
	        cmocka_unit_test(test_index_entry),
	        cmocka_unit_test(test_referrer_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
