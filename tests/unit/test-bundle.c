#include "tests/unit/test.h"

#include "common/buf.h"
#include "formats/bundle.h"

#define DA                                                                     \
	"sha256:"                                                              \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB                                                                     \
	"sha256:"                                                              \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define MT_DOCKER "application/vnd.docker.distribution.manifest.v2+json"
#define MT_OCI    "application/vnd.oci.image.manifest.v1+json"

/* A bundle's text with the given invocation images and extra members. */
#define BUNDLE(inv, rest)                                                      \
	"{\"schemaVersion\":\"v1.2.0\",\"name\":\"b\",\"version\":\"1.0.0\","  \
	"\"invocationImages\":[" inv "]" rest "}"
#define INV "{\"image\":\"example.com/inv:1\"}"

static void parse_ok(struct cnab_bundle *b, const char *text)
{
	struct cnab_err err = CNAB_ERR_INIT;

	if (cnab_bundle_parse(b, text, strlen(text), "bundle.json", &err) !=
	    CNAB_OK)
		fail_msg("%s", err.msg);
}

/* The canonical form of b; the caller frees it. */
static char *canonical(const struct cnab_bundle *b)
{
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_err err = CNAB_ERR_INIT;

	if (cnab_bundle_canonical(b, &out, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	return cnab_buf_detach(&out, NULL);
}

static void test_spec_vectors(void **state)
{
	static const struct {
		const char *file, *canonical;
		const char *version, *description;
		const char *inv_image, *inv_digest, *inv_mt;
		uint64_t inv_size;
		const char *comp_image, *comp_desc, *comp_mt;
		uint64_t comp_size;
	} cases[] = {
	        {"vectors/cnab-spec/101.01-bundle.json",
	         "json/cnab-spec/101.01-bundle.canonical.json", "0.1.2",
	         "An example 'thin' helloworld Cloud-Native Application Bundle",
	         "example/helloworld:0.1.0", "sha256:aaaaaaa...", NULL, 0,
	         "example/microservice:1.2.3", "my microservice", NULL, 0},
	        {"vectors/cnab-spec/101.02-bundle.json",
	         "json/cnab-spec/101.02-bundle.canonical.json", "1.0.0",
	         "An example 'thick' helloworld Cloud-Native Application "
	         "Bundle",
	         "example/helloworld:1.2.3", "sha256:aaaaaaaaaaaa...",
	         MT_DOCKER, 1337, "example/helloworld:0.1.2",
	         "helloworld microservice", MT_DOCKER, 1337},
	        {"vectors/cnab-spec/101.03-bundle.json",
	         "json/cnab-spec/101.03-bundle.canonical.json", "0.1.2",
	         "An example 'thin' helloworld Cloud-Native Application Bundle",
	         "example/helloworld:0.1.0", "sha256:aaaaaaa...", NULL, 0,
	         "example/microservice:1.2.3", "my microservice", NULL, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_bundle b = CNAB_BUNDLE_INIT;
		const struct cnab_bundle_image *inv, *comp;
		char *text = test_read_file(cases[i].file, NULL);
		char *want = test_read_file(cases[i].canonical, NULL);
		char *got;
		char label[64];

		parse_ok(&b, text);
		assert_string_equal(b.schema_version, "v1.0.0");
		assert_string_equal(b.name, "helloworld");
		assert_string_equal(b.version, cases[i].version);
		assert_string_equal(b.description, cases[i].description);
		assert_int_equal(b.nimages, 2);
		assert_int_equal(b.ninvocation, 1);
		inv = &b.images[0];
		assert_null(inv->name);
		assert_int_equal(inv->index, 0);
		assert_string_equal(inv->image, cases[i].inv_image);
		assert_string_equal(inv->image_type, "docker");
		assert_string_equal(inv->content_digest, cases[i].inv_digest);
		if (cases[i].inv_mt)
			assert_string_equal(inv->media_type, cases[i].inv_mt);
		else
			assert_null(inv->media_type);
		assert_int_equal(inv->has_size, cases[i].inv_size != 0);
		assert_int_equal(inv->size, cases[i].inv_size);
		assert_null(inv->description);
		assert_ptr_equal(
		        inv->obj,
		        json_array_get(
		                json_object_get(b.root, "invocationImages"),
		                0));
		assert_true(cnab_bundle_image_is_oci(inv));
		cnab_bundle_image_label(inv, label, sizeof(label));
		assert_string_equal(label, "invocation image 0");
		comp = &b.images[1];
		assert_string_equal(comp->name, "my-microservice");
		assert_string_equal(comp->image, cases[i].comp_image);
		/* imageType defaults to "oci" */
		assert_string_equal(comp->image_type, "oci");
		assert_true(cnab_bundle_image_is_oci(comp));
		assert_string_equal(comp->description, cases[i].comp_desc);
		if (cases[i].comp_mt)
			assert_string_equal(comp->media_type, cases[i].comp_mt);
		else
			assert_null(comp->media_type);
		assert_int_equal(comp->size, cases[i].comp_size);
		cnab_bundle_image_label(comp, label, sizeof(label));
		assert_string_equal(label, "image 'my-microservice'");
		/* the canonical form is what an ECMAScript engine wrote */
		got = canonical(&b);
		assert_string_equal(got, want);
		free(got);
		free(want);
		free(text);
		cnab_bundle_release(&b);
		assert_null(b.root);
		assert_null(b.images);
	}
}

static void test_canonical_identity(void **state)
{
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	size_t len;
	char *text = test_read_file(
	        "vectors/cnab-to-oci/helloworld.canonical.json", &len);
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	parse_ok(&b, text);
	assert_int_equal(b.nimages, 1);
	assert_int_equal(b.images[0].size, 942);
	assert_true(b.images[0].has_size);
	/* appended to what the buffer holds */
	cnab_buf_addstr(&out, ">");
	assert_int_equal(cnab_bundle_canonical(&b, &out, &err), CNAB_OK);
	assert_int_equal(out.len, len + 1);
	assert_memory_equal(out.data + 1, text, len);
	cnab_buf_release(&out);
	/* a buffer too small for it */
	cnab_buf_init(&out, 100);
	assert_int_equal(cnab_bundle_canonical(&b, &out, &err),
	                 CNAB_ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "cannot write canonical bundle.json"));
	cnab_buf_release(&out);
	cnab_bundle_release(&b);
	free(text);
}

static void test_images_sorted(void **state)
{
	const char *text = BUNDLE(
	        "{\"image\":\"example.com/inv:1\",\"imageType\":\"docker\"},"
	        "{\"image\":\"example.com/inv:2\"}",
	        ",\"images\":{"
	        "\"zeta\":{\"image\":\"example.com/z:1\"},"
	        "\"alpha\":{\"image\":\"example.com/"
	        "a:1\",\"imageType\":\"oci\"},"
	        "\"Mid\":{\"image\":\"example.com/m:1\"},"
	        "\"mid\":{\"image\":\"example.com/m:2\"}}");
	static const char *const want[] = {
	        "example.com/inv:1", "example.com/inv:2", "example.com/m:1",
	        "example.com/a:1",   "example.com/m:2",   "example.com/z:1",
	};
	static const char *const names[] = {NULL,    NULL,  "Mid",
	                                    "alpha", "mid", "zeta"};
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	size_t i;

	(void)state;
	parse_ok(&b, text);
	assert_int_equal(b.nimages, 6);
	assert_int_equal(b.ninvocation, 2);
	assert_null(b.description);
	for (i = 0; i < b.nimages; i++) {
		assert_string_equal(b.images[i].image, want[i]);
		if (names[i])
			assert_string_equal(b.images[i].name, names[i]);
		else
			assert_null(b.images[i].name);
	}
	assert_int_equal(b.images[1].index, 1);
	assert_string_equal(b.images[0].image_type, "docker");
	assert_string_equal(b.images[1].image_type, "oci");
	cnab_bundle_release(&b);
}

static void test_unknown_fields_kept(void **state)
{
	const char *text = BUNDLE(
	        "{\"image\":\"example.com/inv:1\",\"x-inv\":{\"b\":1,\"a\":2}}",
	        ",\"x-top\":{\"z\":[true,null,1.50,\"\\u00e9\"],\"a\":{}},"
	        "\"custom\":{\"com.example\":{\"k\":\"v\"}},"
	        "\"big\":123456789012345678901234567890,"
	        "\"images\":{\"c\":{\"image\":\"example.com/c:1\","
	        "\"labels\":{\"os\":\"linux\"},\"x-img\":[]}}");
	const char *want =
	        "{\"big\":1.2345678901234568e+29,"
	        "\"custom\":{\"com.example\":{\"k\":\"v\"}},"
	        "\"images\":{\"c\":{\"image\":\"example.com/c:1\","
	        "\"labels\":{\"os\":\"linux\"},\"x-img\":[]}},"
	        "\"invocationImages\":[{\"image\":\"example.com/inv:1\","
	        "\"x-inv\":{\"a\":2,\"b\":1}}],"
	        "\"name\":\"b\",\"schemaVersion\":\"v1.2.0\",\"version\":\"1.0."
	        "0\","
	        "\"x-top\":{\"a\":{},\"z\":[true,null,1.5,\"\xc3\xa9\"]}}";
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	char *got;

	(void)state;
	/* an integer beyond 64 bits in an unknown field parses */
	parse_ok(&b, text);
	got = canonical(&b);
	assert_string_equal(got, want);
	free(got);
	cnab_bundle_release(&b);
	/* and the canonical form reads back to itself */
	parse_ok(&b, want);
	got = canonical(&b);
	assert_string_equal(got, want);
	free(got);
	cnab_bundle_release(&b);
}

struct bad_bundle {
	const char *text;
	const char *msg;
};

static void test_invalid(void **state)
{
	static const struct bad_bundle cases[] = {
	        {"", "cannot parse 'bundle.json'"},
	        {"{", "cannot parse 'bundle.json': line 1"},
	        {"{\"name\":\"a\",\"name\":\"b\"}", "cannot parse"},
	        {"[]", "a bundle must be a JSON object"},
	        {"null", "a bundle must be a JSON object"},
	        /* each required field */
	        {"{\"name\":\"b\",\"version\":\"1\",\"invocationImages\":[" INV
	         "]}",
	         "missing field 'schemaVersion'"},
	        {"{\"schemaVersion\":\"v1\",\"version\":\"1\","
	         "\"invocationImages\":[" INV "]}",
	         "missing field 'name'"},
	        {"{\"schemaVersion\":\"v1\",\"name\":\"b\","
	         "\"invocationImages\":[" INV "]}",
	         "missing field 'version'"},
	        {"{\"schemaVersion\":\"v1\",\"name\":\"b\",\"version\":\"1\"}",
	         "missing field 'invocationImages'"},
	        {"{\"schemaVersion\":1,\"name\":\"b\",\"version\":\"1\","
	         "\"invocationImages\":[" INV "]}",
	         "field 'schemaVersion' must be a string"},
	        {"{\"schemaVersion\":\"v1\",\"name\":null,\"version\":\"1\","
	         "\"invocationImages\":[" INV "]}",
	         "field 'name' must be a string"},
	        {"{\"schemaVersion\":\"v1\",\"name\":\"b\",\"version\":1.0,"
	         "\"invocationImages\":[" INV "]}",
	         "field 'version' must be a string"},
	        {"{\"schemaVersion\":\"v1\",\"name\":\"b\\u0000c\","
	         "\"version\":\"1\",\"invocationImages\":[" INV "]}",
	         "cannot parse"},
	        {BUNDLE(INV, ",\"description\":[]"),
	         "field 'description' must be a string"},
	        /* the image lists */
	        {BUNDLE("", ""),
	         "'invocationImages' must be a non-empty array"},
	        {"{\"schemaVersion\":\"v1\",\"name\":\"b\",\"version\":\"1\","
	         "\"invocationImages\":{}}",
	         "'invocationImages' must be a non-empty array"},
	        {BUNDLE(INV, ",\"images\":[]"), "'images' must be an object"},
	        {BUNDLE("\"example.com/inv:1\"", ""),
	         "invocation image 0 must be an object"},
	        {BUNDLE(INV ",{\"imageType\":\"docker\"}", ""),
	         "missing field 'image'"},
	        {BUNDLE(INV, ",\"images\":{\"c\":{\"description\":\"x\"}}"),
	         "missing field 'image'"},
	        {BUNDLE(INV, ",\"images\":{\"c\":1}"),
	         "image 'c' must be an object"},
	        {BUNDLE("{\"image\":1}", ""), "field 'image' must be a string"},
	        {BUNDLE("{\"image\":\"a:1\",\"imageType\":true}", ""),
	         "field 'imageType' must be a string"},
	        {BUNDLE("{\"image\":\"a:1\",\"contentDigest\":1}", ""),
	         "field 'contentDigest' must be a string"},
	        {BUNDLE("{\"image\":\"a:1\",\"mediaType\":{}}", ""),
	         "field 'mediaType' must be a string"},
	        {BUNDLE("{\"image\":\"a:1\",\"size\":-1}", ""),
	         "field 'size' must be a non-negative integer"},
	        {BUNDLE("{\"image\":\"a:1\",\"size\":\"1\"}", ""),
	         "field 'size' must be a non-negative integer"},
	        {BUNDLE("{\"image\":\"a:1\",\"size\":1.5}", ""),
	         "field 'size' must be a non-negative integer"},
	        {BUNDLE("{\"image\":\"a:1\",\"size\":1e300}", ""),
	         "field 'size' must be a non-negative integer"},
	        /* invalid references, named clearly */
	        {BUNDLE("{\"image\":\"Example/App:1\"}", ""),
	         "invalid 'bundle.json': invocation image 0: invalid reference "
	         "'Example/App:1'"},
	        {BUNDLE(INV ",{\"image\":\"\",\"imageType\":\"docker\"}", ""),
	         "invocation image 1: invalid reference ''"},
	        {BUNDLE(INV, ",\"images\":{\"web\":{\"image\":\"a b\"}}"),
	         "image 'web': invalid reference 'a b'"},
	        {BUNDLE(INV, ",\"images\":{\"web\":{\"image\":\"x:1@sha256:"
	                     "abc\"}}"),
	         "image 'web': invalid reference"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_bundle b = CNAB_BUNDLE_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;

		st = cnab_bundle_parse(&b, cases[i].text, strlen(cases[i].text),
		                       "bundle.json", &err);
		if (st != CNAB_ERR_INVALID)
			fail_msg("case %zu: status %d, want invalid", i, st);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].msg);
		assert_null(b.root);
		assert_null(b.images);
		cnab_bundle_release(&b);
	}
}

static void test_too_big(void **state)
{
	const char *head = BUNDLE(INV, ",\"x\":\"");
	size_t len = CNAB_MAX_DOCUMENT + 1;
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char *text = malloc(len);

	(void)state;
	assert_non_null(text);
	memset(text, 'a', len);
	/* BUNDLE ends with "}": overwrite it, the padding follows */
	memcpy(text, head, strlen(head) - 1);
	memcpy(text + len - 2, "\"}", 2);
	assert_int_equal(cnab_bundle_parse(&b, text, len, "big.json", &err),
	                 CNAB_ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "'big.json'"));
	memcpy(text + len - 3, "\"}", 2);
	assert_int_equal(cnab_bundle_parse(&b, text, len - 1, "big.json", NULL),
	                 CNAB_OK);
	cnab_bundle_release(&b);
	free(text);
}

static void test_non_oci_images(void **state)
{
	const char *text = BUNDLE(
	        "{\"image\":\"https://example.com/disk.qcow2\","
	        "\"imageType\":\"qcow\"}",
	        ",\"images\":{\"vm\":{\"image\":\"not a reference at all\","
	        "\"imageType\":\"vhd\"},\"d\":{\"image\":\"example.com/d:1\","
	        "\"imageType\":\"docker\"}}");
	struct cnab_bundle b = CNAB_BUNDLE_INIT;

	(void)state;
	parse_ok(&b, text);
	assert_int_equal(b.nimages, 3);
	assert_string_equal(b.images[0].image_type, "qcow");
	assert_false(cnab_bundle_image_is_oci(&b.images[0]));
	assert_string_equal(b.images[1].name, "d");
	assert_true(cnab_bundle_image_is_oci(&b.images[1]));
	assert_string_equal(b.images[2].name, "vm");
	assert_string_equal(b.images[2].image, "not a reference at all");
	assert_false(cnab_bundle_image_is_oci(&b.images[2]));
	cnab_bundle_release(&b);
}

static void test_from_json(void **state)
{
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *root;

	(void)state;
	root = json_pack("{s:s, s:s, s:s, s:[{s:s}]}", "schemaVersion",
	                 "v1.2.0", "name", "n", "version", "1",
	                 "invocationImages", "image", "example.com/x:1");
	assert_non_null(root);
	assert_int_equal(cnab_bundle_from_json(&b, root, "doc", &err), CNAB_OK);
	/* the bundle holds its own reference */
	json_decref(root);
	assert_string_equal(b.images[0].image, "example.com/x:1");
	assert_string_equal(b.name, "n");
	cnab_bundle_release(&b);
	/* a failure does not keep (or drop) the caller's reference */
	root = json_array();
	assert_int_equal(cnab_bundle_from_json(&b, root, "doc", &err),
	                 CNAB_ERR_INVALID);
	assert_int_equal(root->refcount, 1);
	json_decref(root);
}

/* Parses the one-image bundle holding img (an object's members). */
static void one_image(struct cnab_bundle *b, const char *img)
{
	struct cnab_buf text = CNAB_BUF_INIT(4096);

	cnab_buf_addf(&text,
	              "{\"schemaVersion\":\"v1.2.0\",\"name\":\"b\","
	              "\"version\":\"1\",\"invocationImages\":[{\"image\":"
	              "\"example.com/inv:1\"}],\"images\":{\"web\":{%s}}}",
	              img);
	parse_ok(b, cnab_buf_str(&text));
	cnab_buf_release(&text);
}

static void test_fill_image(void **state)
{
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_bundle_image *img;
	char *got;

	(void)state;
	/* every field absent: all filled */
	one_image(&b, "\"image\":\"example.com/web:1\"");
	img = &b.images[1];
	assert_int_equal(
	        cnab_bundle_fill_image(&b, img, DA, 1234, MT_OCI, &err),
	        CNAB_OK);
	assert_string_equal(img->content_digest, DA);
	assert_int_equal(img->size, 1234);
	assert_true(img->has_size);
	assert_string_equal(img->media_type, MT_OCI);
	got = canonical(&b);
	assert_non_null(strstr(got, "\"web\":{\"contentDigest\":\"" DA "\","
	                            "\"image\":\"example.com/web:1\","
	                            "\"mediaType\":\"" MT_OCI "\","
	                            "\"size\":1234}"));
	free(got);
	/* filling again with the same values is fine */
	assert_int_equal(
	        cnab_bundle_fill_image(&b, img, DA, 1234, MT_OCI, &err),
	        CNAB_OK);
	/* a different value is not */
	assert_int_equal(
	        cnab_bundle_fill_image(&b, img, DB, 1234, MT_OCI, &err),
	        CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "image 'web' 'example.com/web:1': "
	                                "contentDigest " DA));
	cnab_bundle_release(&b);

	/* the same for fields present in the document */
	{
		static const struct {
			const char *members;
			const char *digest;
			uint64_t size;
			const char *mt;
			const char *msg;
		} cases[] = {
		        {"\"contentDigest\":\"" DA "\"", DB, 1, MT_OCI,
		         "contentDigest " DA
		         " does not match the archived " DB},
		        {"\"size\":10", DA, 11, MT_OCI,
		         "size 10 does not match the archived 11"},
		        {"\"size\":0", DA, 11, MT_OCI,
		         "size 0 does not match the archived 11"},
		        {"\"mediaType\":\"" MT_DOCKER "\"", DA, 1, MT_OCI,
		         "mediaType " MT_DOCKER
		         " does not match the archived " MT_OCI},
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct cnab_buf m = CNAB_BUF_INIT(4096);

			cnab_err_clear(&err);
			cnab_buf_addf(&m, "\"image\":\"example.com/web:1\",%s",
			              cases[i].members);
			one_image(&b, cnab_buf_str(&m));
			got = canonical(&b);
			assert_int_equal(cnab_bundle_fill_image(
			                         &b, &b.images[1],
			                         cases[i].digest, cases[i].size,
			                         cases[i].mt, &err),
			                 CNAB_ERR_INTEGRITY);
			if (!strstr(err.msg, cases[i].msg))
				fail_msg("case %zu: '%s' lacks '%s'", i,
				         err.msg, cases[i].msg);
			/* nothing was changed */
			{
				char *after = canonical(&b);

				assert_string_equal(after, got);
				free(after);
			}
			free(got);
			cnab_buf_release(&m);
			cnab_bundle_release(&b);
		}
	}

	/* present and equal fields are kept, absent ones filled */
	one_image(&b, "\"image\":\"example.com/web:1\",\"size\":1234,"
	              "\"description\":\"d\"");
	img = &b.images[1];
	assert_int_equal(
	        cnab_bundle_fill_image(&b, img, DA, 1234, MT_DOCKER, &err),
	        CNAB_OK);
	assert_string_equal(img->description, "d");
	got = canonical(&b);
	assert_non_null(strstr(got, "{\"contentDigest\":\"" DA "\","
	                            "\"description\":\"d\","
	                            "\"image\":\"example.com/web:1\","
	                            "\"mediaType\":\"" MT_DOCKER "\","
	                            "\"size\":1234}"));
	free(got);
	/* the invocation image is labelled by its position */
	cnab_err_clear(&err);
	assert_int_equal(
	        cnab_bundle_fill_image(&b, &b.images[0], DA, 1, MT_OCI, &err),
	        CNAB_OK);
	assert_int_equal(
	        cnab_bundle_fill_image(&b, &b.images[0], DB, 1, MT_OCI, &err),
	        CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "invocation image 0 "
	                                "'example.com/inv:1'"));
	cnab_bundle_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_spec_vectors),
	        cmocka_unit_test(test_canonical_identity),
	        cmocka_unit_test(test_images_sorted),
	        cmocka_unit_test(test_unknown_fields_kept),
	        cmocka_unit_test(test_invalid),
	        cmocka_unit_test(test_too_big),
	        cmocka_unit_test(test_non_oci_images),
	        cmocka_unit_test(test_from_json),
	        cmocka_unit_test(test_fill_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
