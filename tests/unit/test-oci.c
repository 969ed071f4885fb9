#include "tests/unit/test.h"

#include "common/buf.h"
#include "common/oci.h"

#define DA                                                                     \
	"sha256:"                                                              \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB                                                                     \
	"sha256:"                                                              \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DC                                                                     \
	"sha256:"                                                              \
	"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

#define HELLO_CONFIG                                                           \
	"sha256:"                                                              \
	"e91b9dfcbbb3b88bac94726f276b89de46e4460b55f6e6d6f876e666b150ec5b"
#define HELLO_MANIFEST                                                         \
	"sha256:"                                                              \
	"6ec4fd695cace0e3d4305838fdf9fcd646798d3fea42b3abb28c117f903a6a5f"
#define HELLO_INVOCATION                                                       \
	"sha256:"                                                              \
	"a59a4e74d9cc89e4e75dfb2cc7ea5c108e4236ba6231b53081a9e2506d1197b6"

/* A descriptor's digest as a string, in a static buffer. */
static const char *dstr(const struct cnab_descriptor *d)
{
	static char buf[CNAB_DIGEST_STR_MAX];

	cnab_digest_format(&d->digest, buf);
	return buf;
}

/* Parses a NUL-terminated document, which must be valid. */
static void parse_ok(struct cnab_manifest *m, const char *doc, const char *hint)
{
	struct cnab_err err = CNAB_ERR_INIT;

	if (cnab_manifest_parse(m, doc, strlen(doc), hint, "doc", &err) !=
	    CNAB_OK)
		fail_msg("%s", err.msg);
}

static void test_config_manifest_vector(void **state)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	char *doc = test_read_file(
	        "vectors/cnab-to-oci/helloworld.config-manifest.json", NULL);

	(void)state;
	parse_ok(&m, doc, NULL);
	assert_false(m.is_index);
	/* no mediaType in the document nor a hint: OCI's */
	assert_string_equal(m.media_type, CNAB_MT_OCI_MANIFEST);
	assert_string_equal(m.config.media_type, CNAB_MT_CNAB_CONFIG);
	assert_string_equal(dstr(&m.config), HELLO_CONFIG);
	assert_int_equal(m.config.size, 498);
	assert_null(m.config.annotations);
	/* "layers": null */
	assert_int_equal(m.nlayers, 0);
	assert_null(m.layers);
	assert_int_equal(m.nmanifests, 0);
	assert_null(m.annotations);
	assert_non_null(m.root);
	cnab_manifest_release(&m);
	/* the registry's media type agrees */
	parse_ok(&m, doc, CNAB_MT_OCI_MANIFEST);
	assert_string_equal(m.media_type, CNAB_MT_OCI_MANIFEST);
	cnab_manifest_release(&m);
	free(doc);
}

static void test_index_vector(void **state)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	char *doc = test_read_file("vectors/cnab-to-oci/helloworld.index.json",
	                           NULL);

	(void)state;
	parse_ok(&m, doc, NULL);
	assert_true(m.is_index);
	assert_string_equal(m.media_type, CNAB_MT_OCI_INDEX);
	assert_int_equal(m.nmanifests, 2);
	assert_null(m.layers);
	assert_string_equal(m.manifests[0].media_type, CNAB_MT_OCI_MANIFEST);
	assert_string_equal(dstr(&m.manifests[0]), HELLO_MANIFEST);
	assert_int_equal(m.manifests[0].size, 188);
	assert_string_equal(cnab_descriptor_annotation(&m.manifests[0],
	                                               "io.cnab.manifest.type"),
	                    "config");
	assert_string_equal(m.manifests[1].media_type, CNAB_MT_DOCKER_MANIFEST);
	assert_string_equal(dstr(&m.manifests[1]), HELLO_INVOCATION);
	assert_int_equal(m.manifests[1].size, 942);
	assert_string_equal(cnab_descriptor_annotation(&m.manifests[1],
	                                               "io.cnab.manifest.type"),
	                    "invocation");
	assert_null(cnab_descriptor_annotation(&m.manifests[1], "absent"));
	assert_non_null(m.annotations);
	assert_string_equal(json_string_value(json_object_get(
	                            m.annotations, "io.cnab.runtime_version")),
	                    "v1.0.0");
	cnab_manifest_release(&m);
	/* an index hint for a document without mediaType */
	parse_ok(&m, doc, CNAB_MT_OCI_INDEX);
	assert_true(m.is_index);
	cnab_manifest_release(&m);
	free(doc);
}

static void test_docker_manifest_vector(void **state)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	char *doc = test_read_file(
	        "vectors/cnab-to-oci/fallback-config-manifest.json", NULL);

	(void)state;
	parse_ok(&m, doc, NULL);
	assert_false(m.is_index);
	assert_string_equal(m.media_type, CNAB_MT_DOCKER_MANIFEST);
	assert_string_equal(m.config.media_type, CNAB_MT_DOCKER_CONFIG);
	assert_int_equal(m.config.size, 1596);
	assert_int_equal(m.nlayers, 1);
	assert_string_equal(dstr(&m.layers[0]), dstr(&m.config));
	cnab_manifest_release(&m);
	parse_ok(&m, doc, CNAB_MT_DOCKER_MANIFEST);
	cnab_manifest_release(&m);
	free(doc);
}

static void test_docker_list(void **state)
{
	const char *doc =
	        "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_DOCKER_LIST
	        "\",\"manifests\":["
	        "{\"mediaType\":\"" CNAB_MT_DOCKER_MANIFEST "\","
	        "\"digest\":\"" DA "\",\"size\":527,"
	        "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
	        "{\"mediaType\":\"" CNAB_MT_DOCKER_MANIFEST "\","
	        "\"digest\":\"" DB "\",\"size\":528,"
	        "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\","
	        "\"variant\":\"v8\"}}]}";
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	struct cnab_descriptor copy = CNAB_DESCRIPTOR_INIT;

	(void)state;
	parse_ok(&m, doc, NULL);
	assert_true(m.is_index);
	assert_string_equal(m.media_type, CNAB_MT_DOCKER_LIST);
	assert_int_equal(m.nmanifests, 2);
	assert_string_equal(dstr(&m.manifests[0]), DA);
	assert_int_equal(m.manifests[0].size, 527);
	assert_non_null(m.manifests[0].platform);
	assert_string_equal(json_string_value(json_object_get(
	                            m.manifests[1].platform, "architecture")),
	                    "arm64");
	assert_null(m.manifests[0].annotations);
	/* a deep copy outlives the manifest */
	assert_int_equal(cnab_descriptor_copy(&copy, &m.manifests[1]), CNAB_OK);
	cnab_manifest_release(&m);
	assert_string_equal(copy.media_type, CNAB_MT_DOCKER_MANIFEST);
	assert_string_equal(dstr(&copy), DB);
	assert_int_equal(copy.size, 528);
	assert_string_equal(
	        json_string_value(json_object_get(copy.platform, "variant")),
	        "v8");
	cnab_descriptor_release(&copy);
	assert_null(copy.media_type);
	/* and with the registry's word for it */
	parse_ok(&m, doc, CNAB_MT_DOCKER_LIST);
	cnab_manifest_release(&m);
}

static void test_oci_manifest_layers(void **state)
{
	const char *doc =
	        "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_OCI_MANIFEST
	        "\",\"config\":{\"mediaType\":\"" CNAB_MT_OCI_CONFIG "\","
	        "\"digest\":\"" DA "\",\"size\":7},"
	        "\"layers\":["
	        "{\"mediaType\":\"application/"
	        "vnd.oci.image.layer.v1.tar+gzip\","
	        "\"digest\":\"" DB "\",\"size\":100,"
	        "\"annotations\":{\"org.opencontainers.image.title\":\"a.tgz\"}"
	        "},"
	        "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
	        "\"digest\":\"" DC "\",\"size\":0,\"annotations\":null}],"
	        "\"annotations\":{\"created\":\"today\"},"
	        "\"unknown\":[1,2,3]}";
	struct cnab_manifest m = CNAB_MANIFEST_INIT;

	(void)state;
	parse_ok(&m, doc, CNAB_MT_OCI_MANIFEST);
	assert_false(m.is_index);
	assert_string_equal(m.media_type, CNAB_MT_OCI_MANIFEST);
	assert_string_equal(dstr(&m.config), DA);
	assert_int_equal(m.config.size, 7);
	assert_int_equal(m.nlayers, 2);
	assert_string_equal(m.layers[0].media_type,
	                    "application/vnd.oci.image.layer.v1.tar+gzip");
	assert_string_equal(dstr(&m.layers[0]), DB);
	assert_int_equal(m.layers[0].size, 100);
	assert_string_equal(
	        cnab_descriptor_annotation(&m.layers[0],
	                                   "org.opencontainers.image.title"),
	        "a.tgz");
	assert_string_equal(dstr(&m.layers[1]), DC);
	assert_int_equal(m.layers[1].size, 0);
	/* "annotations": null is no annotations */
	assert_null(m.layers[1].annotations);
	assert_string_equal(
	        json_string_value(json_object_get(m.annotations, "created")),
	        "today");
	cnab_manifest_release(&m);
	/* a document without mediaType takes the hint's */
	doc = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\","
	      "\"digest\":\"" DA "\",\"size\":1},\"layers\":[]}";
	parse_ok(&m, doc, CNAB_MT_DOCKER_MANIFEST);
	assert_string_equal(m.media_type, CNAB_MT_DOCKER_MANIFEST);
	assert_int_equal(m.nlayers, 0);
	cnab_manifest_release(&m);
	/* an index media type with no manifests is an empty index */
	doc = "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_OCI_INDEX "\"}";
	parse_ok(&m, doc, NULL);
	assert_true(m.is_index);
	assert_int_equal(m.nmanifests, 0);
	cnab_manifest_release(&m);
	/* a release after release does nothing */
	cnab_manifest_release(&m);
}

struct bad_doc {
	const char *doc;
	const char *hint;
	const char *msg;
};

#define CONFIG_OK                                                              \
	"\"config\":{\"mediaType\":\"" CNAB_MT_OCI_CONFIG "\","                \
	"\"digest\":\"" DA "\",\"size\":1}"
#define M(rest) "{\"schemaVersion\":2," rest "}"
/* A manifest whose one layer is the descriptor d. */
#define LAYER(d) M(CONFIG_OK ",\"layers\":[" d "]")
/* An index whose one manifest is the descriptor d. */
#define ENTRY(d) M("\"manifests\":[" d "]")

static void test_errors(void **state)
{
	static const struct bad_doc cases[] = {
	        {"", NULL, "cannot parse 'doc'"},
	        {"{\"schemaVersion\":2", NULL, "cannot parse 'doc': line 1"},
	        {"{} trailing", NULL, "cannot parse 'doc'"},
	        {"[]", NULL, "not a JSON object"},
	        {"\"manifest\"", NULL, "not a JSON object"},
	        {"2", NULL, "not a JSON object"},
	        {"{" CONFIG_OK "}", NULL, "missing field 'schemaVersion'"},
	        {"{\"schemaVersion\":1," CONFIG_OK "}", NULL,
	         "schemaVersion must be 2"},
	        {"{\"schemaVersion\":3," CONFIG_OK "}", NULL,
	         "schemaVersion must be 2"},
	        {"{\"schemaVersion\":\"2\"," CONFIG_OK "}", NULL,
	         "'schemaVersion' must be a non-negative integer"},
	        {"{\"schemaVersion\":-2," CONFIG_OK "}", NULL,
	         "'schemaVersion' must be a non-negative integer"},
	        /* mediaType against the hint */
	        {M("\"mediaType\":\"" CNAB_MT_OCI_MANIFEST "\"," CONFIG_OK),
	         CNAB_MT_DOCKER_MANIFEST,
	         "media type '" CNAB_MT_OCI_MANIFEST
	         "' does not match '" CNAB_MT_DOCKER_MANIFEST "'"},
	        {M("\"mediaType\":\"" CNAB_MT_OCI_INDEX "\",\"manifests\":[]"),
	         CNAB_MT_DOCKER_LIST, "does not match"},
	        {M("\"mediaType\":1," CONFIG_OK), NULL,
	         "field 'mediaType' must be a string"},
	        /* neither */
	        {M("\"layers\":[]"), NULL, "neither a manifest nor an index"},
	        {"{\"schemaVersion\":2}", CNAB_MT_OCI_MANIFEST,
	         "neither a manifest nor an index"},
	        /* a media type that says otherwise, or that is not ours */
	        {M("\"mediaType\":\"" CNAB_MT_OCI_MANIFEST
	           "\",\"manifests\":[]"),
	         NULL, "unsupported media type '" CNAB_MT_OCI_MANIFEST "'"},
	        {M(CONFIG_OK), CNAB_MT_OCI_INDEX,
	         "unsupported media type '" CNAB_MT_OCI_INDEX "'"},
	        {M(CONFIG_OK), "application/json",
	         "unsupported media type 'application/json'"},
	        {M("\"mediaType\":\"text/plain\"," CONFIG_OK), NULL,
	         "unsupported media type 'text/plain'"},
	        /* lists that are not arrays */
	        {M(CONFIG_OK ",\"layers\":{}"), NULL,
	         "field 'layers' must be an array"},
	        {M("\"manifests\":\"x\""), NULL,
	         "field 'manifests' must be an array"},
	        /* bad descriptors */
	        {M("\"config\":null"), NULL, "a descriptor must be an object"},
	        {M("\"config\":[]"), NULL, "a descriptor must be an object"},
	        {LAYER("1"), NULL, "a descriptor must be an object"},
	        {LAYER("{\"digest\":\"" DB "\",\"size\":1}"), NULL,
	         "missing field 'mediaType'"},
	        {LAYER("{\"mediaType\":\"x\",\"size\":1}"), NULL,
	         "missing field 'digest'"},
	        {LAYER("{\"mediaType\":\"x\",\"digest\":\"" DB "\"}"), NULL,
	         "missing field 'size'"},
	        {LAYER("{\"mediaType\":\"x\",\"digest\":\"sha256:abc\","
	               "\"size\":1}"),
	         NULL, "bad digest 'sha256:abc'"},
	        {LAYER("{\"mediaType\":\"x\",\"digest\":\"md5:"
	               "d41d8cd98f00b204e9800998ecf8427e\",\"size\":1}"),
	         NULL, "bad digest"},
	        {LAYER("{\"mediaType\":\"x\",\"digest\":7,\"size\":1}"), NULL,
	         "field 'digest' must be a string"},
	        {LAYER("{\"mediaType\":\"x\",\"digest\":\"" DB
	               "\",\"size\":-1}"),
	         NULL, "field 'size' must be a non-negative integer"},
	        {LAYER("{\"mediaType\":\"x\",\"digest\":\"" DB
	               "\",\"size\":1.5}"),
	         NULL, "field 'size' must be a non-negative integer"},
	        {LAYER("{\"mediaType\":\"x\",\"digest\":\"" DB
	               "\",\"size\":\"1\"}"),
	         NULL, "field 'size' must be a non-negative integer"},
	        {LAYER("{\"mediaType\":\"x\",\"digest\":\"" DB "\",\"size\":1,"
	               "\"annotations\":{\"a\":\"b\",\"n\":1}}"),
	         NULL, "annotation 'n' must be a string"},
	        {LAYER("{\"mediaType\":\"x\",\"digest\":\"" DB "\",\"size\":1,"
	               "\"annotations\":[\"a\"]}"),
	         NULL, "annotations must be an object"},
	        {ENTRY("{\"mediaType\":\"x\",\"digest\":\"" DB "\",\"size\":1,"
	               "\"annotations\":{\"k\":null}}"),
	         NULL, "annotation 'k' must be a string"},
	        {ENTRY("{\"mediaType\":\"x\",\"digest\":\"" DB "\",\"size\":1,"
	               "\"platform\":\"linux/amd64\"}"),
	         NULL, "platform must be an object"},
	        {ENTRY("{\"mediaType\":\"x\",\"digest\":\"" DB "\"}"), NULL,
	         "missing field 'size'"},
	        /* the second descriptor of a list is checked too */
	        {M("\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"" DB
	           "\",\"size\":1},{\"mediaType\":\"x\",\"size\":1}]"),
	         NULL, "missing field 'digest'"},
	        /* duplicate keys are refused by the JSON layer */
	        {"{\"schemaVersion\":2,\"schemaVersion\":2," CONFIG_OK "}",
	         NULL, "cannot parse 'doc'"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_manifest m = CNAB_MANIFEST_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;

		st = cnab_manifest_parse(&m, cases[i].doc, strlen(cases[i].doc),
		                         cases[i].hint, "doc", &err);
		if (st != CNAB_ERR_INVALID)
			fail_msg("case %zu: status %d, want invalid", i, st);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].msg);
		/* a failed parse leaves nothing to release */
		assert_null(m.root);
		assert_null(m.media_type);
		assert_null(m.layers);
		assert_null(m.manifests);
		cnab_manifest_release(&m);
	}
}

static void test_too_big(void **state)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	size_t len = CNAB_MAX_DOCUMENT + 1;
	char *doc = malloc(len);
	const char *head = "{\"schemaVersion\":2," CONFIG_OK ",\"x\":\"";

	(void)state;
	assert_non_null(doc);
	/* a valid document padded one byte past the cap */
	memset(doc, 'a', len);
	memcpy(doc, head, strlen(head));
	memcpy(doc + len - 2, "\"}", 2);
	assert_int_equal(cnab_manifest_parse(&m, doc, len, NULL, "big", &err),
	                 CNAB_ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "'big'"));
	assert_null(m.root);
	/* at the cap exactly it parses */
	memcpy(doc + len - 3, "\"}", 2);
	assert_int_equal(
	        cnab_manifest_parse(&m, doc, len - 1, NULL, "big", NULL),
	        CNAB_OK);
	assert_int_equal(m.nlayers, 0);
	cnab_manifest_release(&m);
	free(doc);
}

static void test_media_type_predicates(void **state)
{
	static const struct {
		const char *mt;
		bool manifest, index;
	} cases[] = {
	        {CNAB_MT_OCI_MANIFEST, true, false},
	        {CNAB_MT_DOCKER_MANIFEST, true, false},
	        {CNAB_MT_OCI_INDEX, false, true},
	        {CNAB_MT_DOCKER_LIST, false, true},
	        {CNAB_MT_OCI_CONFIG, false, false},
	        {CNAB_MT_DOCKER_CONFIG, false, false},
	        {CNAB_MT_CNAB_CONFIG, false, false},
	        {"application/vnd.oci.image.manifest.v1+json ", false, false},
	        {"APPLICATION/VND.OCI.IMAGE.MANIFEST.V1+JSON", false, false},
	        {"application/vnd.docker.distribution.manifest.v1+json", false,
	         false},
	        {"", false, false},
	        {NULL, false, false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *mt = cases[i].mt;

		if (cnab_mt_is_manifest(mt) != cases[i].manifest ||
		    cnab_mt_is_index(mt) != cases[i].index ||
		    cnab_mt_is_manifest_or_index(mt) !=
		            (cases[i].manifest || cases[i].index))
			fail_msg("case %zu: '%s'", i, mt ? mt : "(null)");
	}
}

static void test_compressed(void **state)
{
	static const struct {
		const char *mt;
		bool compressed;
	} cases[] = {
	        {"application/vnd.oci.image.layer.v1.tar+gzip", true},
	        {"application/vnd.oci.image.layer.v1.tar+zstd", true},
	        {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	         true},
	        {"application/vnd.docker.image.rootfs.diff.tar.gzip", true},
	        {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	         true},
	        {"application/x-custom.tar.gz", true},
	        {"application/vnd.oci.image.layer.v1.tar", false},
	        {"application/vnd.docker.image.rootfs.diff.tar", false},
	        {CNAB_MT_OCI_CONFIG, false},
	        {CNAB_MT_CNAB_CONFIG, false},
	        {CNAB_MT_OCI_MANIFEST, false},
	        {"application/gzip", false},
	        {"+gzip-not", false},
	        {"", false},
	        {NULL, false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cnab_mt_is_compressed(cases[i].mt) != cases[i].compressed)
			fail_msg("case %zu: '%s'", i,
			         cases[i].mt ? cases[i].mt : "(null)");
}

static void test_descriptor_parse(void **state)
{
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *obj;

	(void)state;
	obj = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType", "m", "digest",
	                DA, "size", (json_int_t)42, "annotations",
	                CNAB_ANNOTATION_REF_NAME, "example.com/a:1");
	assert_non_null(obj);
	assert_int_equal(cnab_descriptor_parse(&d, obj, "desc", &err), CNAB_OK);
	assert_string_equal(d.media_type, "m");
	assert_int_equal(d.size, 42);
	assert_string_equal(dstr(&d), DA);
	assert_string_equal(
	        cnab_descriptor_annotation(&d, CNAB_ANNOTATION_REF_NAME),
	        "example.com/a:1");
	/* the descriptor holds its own reference to the annotations */
	json_decref(obj);
	assert_string_equal(
	        cnab_descriptor_annotation(&d, CNAB_ANNOTATION_REF_NAME),
	        "example.com/a:1");
	cnab_descriptor_release(&d);
	cnab_descriptor_release(&d);
	assert_null(cnab_descriptor_annotation(&d, "x"));
	/* the size cap of the JSON layer: beyond 2^53 as a real, refused */
	obj = json_pack("{s:s, s:s, s:f}", "mediaType", "m", "digest", DA,
	                "size", 1e300);
	assert_int_equal(cnab_descriptor_parse(&d, obj, "desc", &err),
	                 CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "invalid 'desc'"));
	json_decref(obj);
}

static void test_descriptor_copy(void **state)
{
	struct cnab_descriptor src = CNAB_DESCRIPTOR_INIT;
	struct cnab_descriptor dst = CNAB_DESCRIPTOR_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *obj;
	long n;

	(void)state;
	obj = json_pack("{s:s, s:s, s:I, s:{s:s}, s:{s:s, s:s}}", "mediaType",
	                "m", "digest", DA, "size", (json_int_t)42,
	                "annotations", CNAB_ANNOTATION_REF_NAME,
	                "example.com/a:1", "platform", "os", "linux",
	                "architecture", "amd64");
	assert_non_null(obj);
	assert_int_equal(cnab_descriptor_parse(&src, obj, "desc", &err),
	                 CNAB_OK);
	json_decref(obj);
	/* a deep copy: nothing shared with src */
	assert_int_equal(cnab_descriptor_copy(&dst, &src), CNAB_OK);
	assert_string_equal(dst.media_type, "m");
	assert_ptr_not_equal(dst.media_type, src.media_type);
	assert_string_equal(dstr(&dst), DA);
	assert_int_equal(dst.size, 42);
	assert_ptr_not_equal(dst.annotations, src.annotations);
	assert_ptr_not_equal(dst.platform, src.platform);
	assert_true(json_equal(dst.annotations, src.annotations));
	assert_true(json_equal(dst.platform, src.platform));
	cnab_descriptor_release(&dst);
	/*
	 * Each JSON allocation of the copy fails in turn: dst borrows
	 * nothing of src, so releasing it (again) leaves src whole.
	 */
	json_set_alloc_funcs(test_failing_malloc, free);
	for (n = 0;; n++) {
		enum cnab_status st;

		*test_fail_left() = n;
		st = cnab_descriptor_copy(&dst, &src);
		if (st == CNAB_OK) {
			cnab_descriptor_release(&dst);
			break;
		}
		assert_int_equal(st, CNAB_ERR_NOMEM);
		assert_null(dst.media_type);
		assert_null(dst.annotations);
		assert_null(dst.platform);
		cnab_descriptor_release(&dst);
	}
	*test_fail_left() = -1;
	json_set_alloc_funcs(malloc, free);
	assert_true(n > 0);
	assert_int_equal(src.annotations->refcount, 1);
	assert_int_equal(src.platform->refcount, 1);
	assert_string_equal(
	        cnab_descriptor_annotation(&src, CNAB_ANNOTATION_REF_NAME),
	        "example.com/a:1");
	cnab_descriptor_release(&src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config_manifest_vector),
	        cmocka_unit_test(test_index_vector),
	        cmocka_unit_test(test_docker_manifest_vector),
	        cmocka_unit_test(test_docker_list),
	        cmocka_unit_test(test_oci_manifest_layers),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_too_big),
	        cmocka_unit_test(test_media_type_predicates),
	        cmocka_unit_test(test_compressed),
	        cmocka_unit_test(test_descriptor_parse),
	        cmocka_unit_test(test_descriptor_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
