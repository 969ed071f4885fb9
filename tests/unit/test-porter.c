#define _XOPEN_SOURCE 700 /* nftw */

#include "tests/unit/test.h"

#include <ftw.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/json.h"
#include "formats/bundle.h"
#include "formats/porter.h"

#define SPRING_DIGEST                                                          \
	"sha256:"                                                              \
	"8f1133d81f1b078c865cdb11d17d1ff15f55c449d3eecca50190eed0f5e5e26f"

/* Converts text; it must succeed.  *tag is set when tag is not NULL. */
static json_t *convert_ok(const char *text, char **tag)
{
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *b = NULL;

	if (cnab_porter_to_bundle(text, strlen(text), "porter.yaml", &b, tag,
	                          &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	assert_non_null(b);
	return b;
}

/* Checks v's canonical form is want. */
static void assert_canonical(const json_t *v, const char *want)
{
	struct cnab_buf out = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);

	assert_int_equal(cnab_json_canonical(v, &out), CNAB_OK);
	assert_string_equal(cnab_buf_str(&out), want);
	cnab_buf_release(&out);
}

/* Checks b is a valid bundle, and returns it parsed (released by the
 * caller). */
static void assert_bundle(json_t *b, struct cnab_bundle *out)
{
	struct cnab_err err = CNAB_ERR_INIT;

	if (cnab_bundle_from_json(out, b, "converted", &err) != CNAB_OK)
		fail_msg("%s", err.msg);
}

static void test_kube_example(void **state)
{
	char *text = test_read_file("kube-example.porter.yaml", NULL);
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	char *tag = NULL;
	json_t *doc;

	(void)state;
	doc = convert_ok(text, &tag);
	assert_string_equal(tag, "getporter/kubernetes:v0.1.0");
	assert_canonical(
	        doc,
	        "{\"description\":\"An example Porter bundle using "
	        "Kubernetes\",\"invocationImages\":[{\"image\":"
	        "\"getporter/kubernetes-installer:latest\",\"imageType\":"
	        "\"docker\"}],\"name\":\"kube-example\",\"schemaVersion\":"
	        "\"" CNAB_PORTER_SCHEMA_VERSION "\",\"version\":\"0.1.0\"}");
	assert_bundle(doc, &b);
	assert_int_equal(b.nimages, 1);
	assert_string_equal(b.images[0].image,
	                    "getporter/kubernetes-installer:latest");
	assert_string_equal(b.images[0].image_type, "docker");
	cnab_bundle_release(&b);
	json_decref(doc);
	free(tag);
	free(text);
}

static void test_spring_music(void **state)
{
	char *text = test_read_file("spring-music.porter.yaml", NULL);
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	const struct cnab_bundle_image *img;
	char *tag = NULL;
	json_t *doc;

	(void)state;
	doc = convert_ok(text, &tag);
	assert_string_equal(tag, "jeremyrickard/porter-do-bundle:v0.5.0");
	assert_bundle(doc, &b);
	assert_string_equal(b.name, "spring-music");
	assert_string_equal(b.version, "0.5.0");
	assert_string_equal(b.schema_version, CNAB_PORTER_SCHEMA_VERSION);
	assert_string_equal(b.description, "Run the Spring Music Service on "
	                                   "Kubernetes and Digital Ocean "
	                                   "PostgreSQL");
	assert_int_equal(b.nimages, 2);
	assert_int_equal(b.ninvocation, 1);
	assert_string_equal(b.images[0].image,
	                    "jeremyrickard/porter-do:v0.5.0");
	assert_string_equal(b.images[0].image_type, "docker");
	img = &b.images[1];
	assert_string_equal(img->name, "spring-music");
	assert_string_equal(img->image,
	                    "jeremyrickard/spring-music@" SPRING_DIGEST);
	assert_string_equal(img->content_digest, SPRING_DIGEST);
	assert_string_equal(img->image_type, "docker");
	assert_string_equal(img->description, "Spring Music Example");
	assert_null(img->media_type);
	assert_false(img->has_size);
	assert_canonical(json_object_get(doc, "images"),
	                 "{\"spring-music\":{\"contentDigest\":\"" SPRING_DIGEST
	                 "\",\"description\":\"Spring Music Example\","
	                 "\"image\":\"jeremyrickard/spring-music@" SPRING_DIGEST
	                 "\",\"imageType\":\"docker\"}}");
	cnab_bundle_release(&b);
	json_decref(doc);
	free(tag);
	free(text);
}

static void test_derived_invocation_image(void **state)
{
	static const struct {
		const char *tag, *want;
	} cases[] = {
	        {"getporter/kubernetes:v0.1.0",
	         "getporter/kubernetes-installer:v0.1.0"},
	        {"getporter/kubernetes",
	         "getporter/kubernetes-installer:latest"},
	        {"localhost:5000/x/y:1", "localhost:5000/x/y-installer:1"},
	        {"localhost:5000/x/y", "localhost:5000/x/y-installer:latest"},
	        {"registry.example.com:443/a/b/c:v1.2.3-rc.1",
	         "registry.example.com:443/a/b/c-installer:v1.2.3-rc.1"},
	        {"docker.io/library/ubuntu:22.04",
	         "docker.io/library/ubuntu-installer:22.04"},
	        {"ubuntu", "ubuntu-installer:latest"},
	        {"localhost/app:Latest_1", "localhost/app-installer:Latest_1"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_err err = CNAB_ERR_INIT;
		struct cnab_buf yaml = CNAB_BUF_INIT(4096);
		char *out = NULL, *tag = NULL;
		json_t *doc;

		if (cnab_porter_installer_ref(cases[i].tag, &out, &err) !=
		    CNAB_OK)
			fail_msg("case %zu: %s", i, err.msg);
		assert_string_equal(out, cases[i].want);
		free(out);
		/* and in a porter.yaml without invocationImage */
		cnab_buf_addf(&yaml, "name: n\nversion: 1.0.0\ntag: %s\n",
		              cases[i].tag);
		doc = convert_ok(cnab_buf_str(&yaml), &tag);
		assert_string_equal(tag, cases[i].tag);
		assert_string_equal(
		        json_string_value(json_object_get(
		                json_array_get(json_object_get(
		                                       doc, "invocationImages"),
		                               0),
		                "image")),
		        cases[i].want);
		json_decref(doc);
		free(tag);
		cnab_buf_release(&yaml);
	}
}

static void test_installer_ref_errors(void **state)
{
	static const struct {
		const char *tag, *msg;
	} cases[] = {
	        {"x/y@" SPRING_DIGEST, "a bundle tag cannot hold a digest"},
	        {"x/y:1@" SPRING_DIGEST, "a bundle tag cannot hold a digest"},
	        {"X/Y:1", "invalid reference 'X/Y:1'"},
	        {"", "invalid reference ''"},
	        {"x/y:", "invalid reference"},
	        {"x y", "invalid reference"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_err err = CNAB_ERR_INIT;
		char *out = NULL;

		assert_int_equal(
		        cnab_porter_installer_ref(cases[i].tag, &out, &err),
		        CNAB_ERR_INVALID);
		assert_null(out);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].msg);
	}
}

static void test_subset(void **state)
{
	const char *text = "# a comment\n"
	                   "name: app\n"
	                   "version: 1.0\n"
	                   "tag: example.com/app/bundle:v1\n"
	                   "invocationImage: 'example.com/app/installer:v1'\n"
	                   "mixins:\n"
	                   "  - exec\n"
	                   "  - helm3:\n"
	                   "      clientVersion: v3.8.2\n"
	                   "install:\n"
	                   "  - exec:\n"
	                   "      command: ./install.sh\n"
	                   "credentials:\n"
	                   "  - name: kubeconfig\n"
	                   "    path: /root/.kube/config\n"
	                   "images:\n"
	                   "  web:\n"
	                   "    repository: example.com/app/web\n"
	                   "    tag: \"1.2\"\n"
	                   "    digest: " SPRING_DIGEST "\n"
	                   "    size: 12\n"
	                   "  db:\n"
	                   "    repository: example.com/app/db\n"
	                   "    tag: v5\n";
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	json_t *doc;

	(void)state;
	/* the tag is not asked for */
	doc = convert_ok(text, NULL);
	assert_canonical(
	        doc,
	        "{\"images\":{"
	        "\"db\":{\"image\":\"example.com/app/db:v5\","
	        "\"imageType\":\"oci\"},"
	        "\"web\":{\"contentDigest\":\"" SPRING_DIGEST "\","
	        "\"image\":\"example.com/app/web:1.2@" SPRING_DIGEST "\","
	        "\"imageType\":\"oci\"}},"
	        "\"invocationImages\":[{\"image\":"
	        "\"example.com/app/installer:v1\",\"imageType\":\"docker\"}],"
	        "\"name\":\"app\",\"schemaVersion\":"
	        "\"" CNAB_PORTER_SCHEMA_VERSION "\",\"version\":\"1.0\"}");
	assert_bundle(doc, &b);
	assert_int_equal(b.nimages, 3);
	assert_string_equal(b.images[1].name, "db");
	assert_null(b.images[1].content_digest);
	assert_string_equal(b.images[2].name, "web");
	cnab_bundle_release(&b);
	json_decref(doc);
	/* a flow-style document is YAML too */
	doc = convert_ok("{name: a, version: '2', tag: 'x/y:3', images: "
	                 "{i: {repository: x/i, tag: '4'}}}",
	                 NULL);
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(json_object_get(doc, "invocationImages"),
	                               0),
	                "image")),
	        "x/y-installer:3");
	json_decref(doc);
}

struct bad_yaml {
	const char *text;
	const char *msg;
};

#define HEAD "name: n\nversion: 1\ntag: x/y:1\n"

static void test_errors(void **state)
{
	static const struct bad_yaml cases[] = {
	        /* malformed YAML, with the place */
	        {"name: n\nversion: [1\n",
	         "cannot parse 'porter.yaml': line 3"},
	        {"name: n\n  version: 1\n",
	         "cannot parse 'porter.yaml': line 2 column 10"},
	        {"name: \"n\nversion: 1\n", "cannot parse 'porter.yaml': line"},
	        {"name: n\n\tversion: 1\n",
	         "cannot parse 'porter.yaml': line 2"},
	        {"a: *nowhere\n", "cannot parse 'porter.yaml': line 1"},
	        /* not a mapping at all */
	        {"", "not a YAML mapping"},
	        {"- name\n- version\n", "not a YAML mapping"},
	        {"just text\n", "not a YAML mapping"},
	        /* required fields */
	        {"version: 1\ntag: x/y:1\n", "missing field 'name'"},
	        {"name: n\ntag: x/y:1\n", "missing field 'version'"},
	        {"name: n\nversion: 1\n", "missing field 'tag'"},
	        /* non-scalar fields */
	        {"name: [a, b]\nversion: 1\ntag: x/y:1\n",
	         "field 'name' must be a string"},
	        {"name: n\nversion: {major: 1}\ntag: x/y:1\n",
	         "field 'version' must be a string"},
	        {"name: n\nversion: 1\ntag:\n  - x/y:1\n",
	         "field 'tag' must be a string"},
	        {HEAD "description: [d]\n",
	         "field 'description' must be a string"},
	        {HEAD "invocationImage: {a: b}\n",
	         "field 'invocationImage' must be a string"},
	        /* the tag and the invocation image */
	        {"name: n\nversion: 1\ntag: x/y@" SPRING_DIGEST "\n",
	         "a bundle tag cannot hold a digest"},
	        {"name: n\nversion: 1\ntag: Bad/Tag\n",
	         "invalid reference 'Bad/Tag'"},
	        {HEAD "invocationImage: not valid\n",
	         "invalid reference 'not valid'"},
	        /* images */
	        {HEAD "images:\n  - web\n", "'images' must be a mapping"},
	        {HEAD "images: web\n", "'images' must be a mapping"},
	        {HEAD "images:\n  web: x/web:1\n",
	         "image 'web' must be a mapping"},
	        {HEAD "images:\n  web:\n    tag: v1\n",
	         "missing field 'images.web.repository'"},
	        {HEAD "images:\n  web:\n    repository: x/web\n",
	         "image 'web' needs a digest or a tag"},
	        {HEAD "images:\n  web:\n    repository: [x/web]\n    tag: v1\n",
	         "must be a string"},
	        {HEAD "images:\n  web:\n    repository: x/web\n    tag: [v1]\n",
	         "field 'tag' must be a string"},
	        {HEAD "images:\n  web:\n    repository: x/web\n"
	              "    digest: {a: b}\n",
	         "field 'digest' must be a string"},
	        {HEAD "images:\n  web:\n    repository: x/web\n    tag: v1\n"
	              "    imageType: [docker]\n",
	         "field 'imageType' must be a string"},
	        {HEAD "images:\n  web:\n    repository: X/Web\n    tag: v1\n",
	         "image 'web': invalid reference 'X/Web:v1'"},
	        {HEAD "images:\n  web:\n    repository: x/web\n"
	              "    digest: sha256:abc\n",
	         "image 'web': invalid reference"},
	        {HEAD "images:\n  web:\n    repository: x/web\n"
	              "    tag: 'bad tag'\n",
	         "image 'web': invalid reference"},
	        {HEAD "images:\n  web: {repository: x/a, tag: '1'}\n"
	              "  web: {repository: x/b, tag: '1'}\n",
	         "image 'web' defined twice"},
	        {HEAD "images:\n  [a]: {repository: x/a, tag: '1'}\n",
	         "field 'images' must be a string"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_err err = CNAB_ERR_INIT;
		json_t *doc = NULL;
		char *tag = NULL;
		enum cnab_status st;

		st = cnab_porter_to_bundle(cases[i].text, strlen(cases[i].text),
		                           "porter.yaml", &doc, &tag, &err);
		if (st != CNAB_ERR_INVALID)
			fail_msg("case %zu: status %d, want invalid", i, st);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].msg);
		assert_null(doc);
		assert_null(tag);
	}
}

/* An image part too long for the reference buffer is refused, not dropped. */
static void test_image_part_too_long(void **state)
{
	static const char *const fields[] = {"repository", "tag", "digest"};
	size_t n = 9000, i;
	char *part = malloc(n + 1);

	(void)state;
	assert_non_null(part);
	memset(part, 'a', n);
	part[n] = '\0';
	for (i = 0; i < 3; i++) {
		struct cnab_err err = CNAB_ERR_INIT;
		json_t *doc = NULL;
		char *text, want[100];

		text = cnab_strfmt(HEAD "images:\n  web:\n"
		                        "    repository: %s\n"
		                        "    tag: %s\n"
		                        "    digest: %s\n",
		                   i == 0 ? part : "x/web",
		                   i == 1 ? part : "v1",
		                   i == 2 ? part : SPRING_DIGEST);
		assert_non_null(text);
		assert_int_equal(cnab_porter_to_bundle(text, strlen(text),
		                                       "porter.yaml", &doc,
		                                       NULL, &err),
		                 CNAB_ERR_INVALID);
		snprintf(want, sizeof(want),
		         "image 'web': field '%s' is too long", fields[i]);
		if (!strstr(err.msg, want))
			fail_msg("'%s' lacks '%s'", err.msg, want);
		assert_null(doc);
		free(text);
	}
	/* a tag alone: once it was dropped, leaving "x/web" (:latest) */
	{
		struct cnab_err err = CNAB_ERR_INIT;
		json_t *doc = NULL;
		char *text = cnab_strfmt(HEAD "images:\n  web:\n"
		                              "    repository: x/web\n"
		                              "    tag: %s\n",
		                         part);

		assert_non_null(text);
		assert_int_equal(cnab_porter_to_bundle(text, strlen(text),
		                                       "porter.yaml", &doc,
		                                       NULL, &err),
		                 CNAB_ERR_INVALID);
		assert_non_null(strstr(err.msg, "field 'tag' is too long"));
		assert_null(doc);
		free(text);
	}
	free(part);
}

/*
 * Every JSON allocation of a conversion fails in turn: each run ends in
 * CNAB_ERR_NOMEM (or succeeds), with nothing freed twice or leaked (which
 * make valgrind checks).
 */
static void alloc_failures(const char *file)
{
	char *text = test_read_file(file, NULL);
	long n;

	json_set_alloc_funcs(test_failing_malloc, free);
	for (n = 0;; n++) {
		struct cnab_err err = CNAB_ERR_INIT;
		json_t *doc = NULL;
		enum cnab_status st;

		*test_fail_left() = n;
		st = cnab_porter_to_bundle(text, strlen(text), "porter.yaml",
		                           &doc, NULL, &err);
		if (st == CNAB_OK && *test_fail_left() > 0) {
			json_decref(doc);
			break; /* no allocation failed: all were tried */
		}
		json_decref(doc);
		if (st != CNAB_OK && st != CNAB_ERR_NOMEM &&
		    st != CNAB_ERR_INVALID)
			fail_msg("allocation %ld: status %d", n, st);
	}
	*test_fail_left() = -1;
	json_set_alloc_funcs(malloc, free);
	assert_true(n > 10);
	free(text);
}

static void test_json_alloc_failures(void **state)
{
	(void)state;
	alloc_failures("spring-music.porter.yaml");
	/* Porter v1: every section, dependencies v2 */
	alloc_failures("porter-v1/manifests/tests/testdata/mybuns/porter.yaml");
	alloc_failures("porter-v1/manifests/tests/testdata/myenv/porter.yaml");
	alloc_failures("porter-v1/manifests/build/testdata/bundles/"
	               "wordpressv2-interface/porter.yaml");
	alloc_failures("porter-v1/manifests/tests/integration/testdata/"
	               "bundles/bundle-with-persistent-params/porter.yaml");
}

/*
 * porter.yaml nested to depth levels (the root mapping is the first), in
 * one of four styles; the caller frees it.
 */
static char *nested(const char *style, int depth)
{
	struct cnab_buf b = CNAB_BUF_INIT(1 << 20);
	int i, n = depth - 1; /* the levels under the root mapping */

	assert_int_equal(cnab_buf_addstr(&b, HEAD), CNAB_OK);
	if (!strcmp(style, "flow-seq")) {
		assert_int_equal(cnab_buf_addstr(&b, "x: "), CNAB_OK);
		for (i = 0; i < n; i++)
			assert_int_equal(cnab_buf_addch(&b, '['), CNAB_OK);
		for (i = 0; i < n; i++)
			assert_int_equal(cnab_buf_addch(&b, ']'), CNAB_OK);
	} else if (!strcmp(style, "flow-map")) {
		assert_int_equal(cnab_buf_addstr(&b, "x: "), CNAB_OK);
		for (i = 0; i < n; i++)
			assert_int_equal(cnab_buf_addstr(&b, "{a: "), CNAB_OK);
		assert_int_equal(cnab_buf_addch(&b, 'b'), CNAB_OK);
		for (i = 0; i < n; i++)
			assert_int_equal(cnab_buf_addch(&b, '}'), CNAB_OK);
	} else if (!strcmp(style, "block-map")) {
		/* x: then "a:" one column further in per level */
		assert_int_equal(cnab_buf_addstr(&b, "x:\n"), CNAB_OK);
		for (i = 1; i <= n; i++)
			assert_int_equal(cnab_buf_addf(&b, "%*s%s\n", i, "",
			                               i == n ? "a: b" : "a:"),
			                 CNAB_OK);
	} else {
		/* x: then "- - - b", a sequence per dash */
		assert_int_equal(cnab_buf_addstr(&b, "x:\n"), CNAB_OK);
		for (i = 0; i < n; i++)
			assert_int_equal(cnab_buf_addstr(&b, "- "), CNAB_OK);
		assert_int_equal(cnab_buf_addstr(&b, "b\n"), CNAB_OK);
	}
	return cnab_buf_detach(&b, NULL);
}

/* Nesting is capped as in JSON: 64 levels taken, 65 refused. */
static void test_nesting(void **state)
{
	static const char *const styles[] = {"flow-seq", "flow-map",
	                                     "block-map", "block-seq"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(styles) / sizeof(styles[0]); i++) {
		struct cnab_err err = CNAB_ERR_INIT;
		char *text = nested(styles[i], 64);
		json_t *doc;

		json_decref(convert_ok(text, NULL));
		free(text);
		text = nested(styles[i], 65);
		doc = NULL;
		if (cnab_porter_to_bundle(text, strlen(text), "porter.yaml",
		                          &doc, NULL, &err) != CNAB_ERR_INVALID)
			fail_msg("%s: 65 levels taken", styles[i]);
		assert_null(doc);
		if (!strstr(err.msg, "cannot parse 'porter.yaml': line ") ||
		    !strstr(err.msg, ": nested deeper than 64 levels"))
			fail_msg("%s: %s", styles[i], err.msg);
		free(text);
	}
}

/*
 * Anchors and aliases are capped (libyaml's loader looks each up in a
 * list): 1024 taken, one more refused.
 */
static void test_anchors(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(1 << 20);
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *doc = NULL;
	int i;

	(void)state;
	/* 512 anchors, 512 aliases */
	assert_int_equal(cnab_buf_addstr(&b, HEAD), CNAB_OK);
	for (i = 0; i < 512; i++)
		assert_int_equal(cnab_buf_addf(&b, "k%d: &a%d v\nl%d: *a%d\n",
		                               i, i, i, i),
		                 CNAB_OK);
	json_decref(convert_ok(cnab_buf_str(&b), NULL));
	assert_int_equal(cnab_buf_addstr(&b, "z: *a0\n"), CNAB_OK);
	assert_int_equal(cnab_porter_to_bundle(b.data, b.len, "porter.yaml",
	                                       &doc, NULL, &err),
	                 CNAB_ERR_INVALID);
	assert_null(doc);
	assert_string_equal(err.msg, "cannot parse 'porter.yaml': line 1028 "
	                             "column 4: more than 1024 anchors and "
	                             "aliases");
	cnab_buf_release(&b);
}

/* Values are capped: 65536 taken (memory), one more refused. */
static void test_values(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(1 << 20);
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *doc = NULL;
	int i;

	(void)state;
	/* the root mapping, 6 scalars of HEAD, "x", a sequence: 9 */
	assert_int_equal(cnab_buf_addstr(&b, HEAD "x: ["), CNAB_OK);
	for (i = 0; i < 65536 - 9; i++)
		assert_int_equal(cnab_buf_addstr(&b, "v,"), CNAB_OK);
	assert_int_equal(cnab_buf_addstr(&b, "]\n"), CNAB_OK);
	json_decref(convert_ok(cnab_buf_str(&b), NULL));
	b.len -= 2;
	assert_int_equal(cnab_buf_addstr(&b, "v]\n"), CNAB_OK);
	assert_int_equal(cnab_porter_to_bundle(b.data, b.len, "porter.yaml",
	                                       &doc, NULL, &err),
	                 CNAB_ERR_INVALID);
	assert_null(doc);
	assert_non_null(strstr(err.msg, ": more than 65536 values"));
	cnab_buf_release(&b);
}

static void test_too_big(void **state)
{
	size_t len = CNAB_MAX_DOCUMENT + 1;
	struct cnab_err err = CNAB_ERR_INIT;
	char *text = malloc(len);
	json_t *doc = NULL;

	(void)state;
	assert_non_null(text);
	memset(text, '#', len);
	memcpy(text, HEAD, strlen(HEAD));
	assert_int_equal(
	        cnab_porter_to_bundle(text, len, "big.yaml", &doc, NULL, &err),
	        CNAB_ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "'big.yaml'"));
	assert_null(doc);
	/* at the limit: a comment to the end */
	assert_int_equal(cnab_porter_to_bundle(text, len - 1, "big.yaml", &doc,
	                                       NULL, &err),
	                 CNAB_OK);
	json_decref(doc);
	free(text);
}

/* Porter's installer-image vectors (pkg/manifest/manifest_test.go). */
static void test_derive_vectors(void **state)
{
	static const struct {
		const char *reference, *registry, *name, *version;
		const char *want_ref, *want_installer;
		bool from_version;
	} cases[] = {
	        {"getporter/mybun:v1.2.3", NULL, "mybun", "1.2.3-beta.1",
	         "getporter/mybun:v1.2.3",
	         "getporter/mybun:porter-e7a4fac8f425d76ed9a5baa3a188824b",
	         false},
	        {"getporter/mybun", NULL, "mybun", "1.2.3-beta.1+15",
	         "getporter/mybun:v1.2.3-beta.1_15",
	         "getporter/mybun:porter-bcd1325906d287fb3b93500c8bfd2947",
	         true},
	        {"localhost:5000/missing-invocation-image", NULL, "mybun",
	         "0.1.0", "localhost:5000/missing-invocation-image:v0.1.0",
	         "localhost:5000/missing-invocation-image:"
	         "porter-fea49a80fb6822ee71f71e2ce4a48a37",
	         true},
	        {NULL, "getporter", "mybun", "1.2.3-beta.1",
	         "getporter/mybun:v1.2.3-beta.1",
	         "getporter/mybun:porter-b4b9ce8671aacb5a093574b04f9f87e1",
	         true},
	        {NULL, "getporter/myorg", "mybun", "1.2.3-beta.1",
	         "getporter/myorg/mybun:v1.2.3-beta.1",
	         "getporter/myorg/mybun:"
	         "porter-f4f017f099257ee41d0c05d5e3180f88",
	         true},
	        {"getporter/org/mybun:v1.2.3", "myregistry/myorg", "mybun",
	         "1.2.3-beta.1", "getporter/org/mybun:v1.2.3",
	         "getporter/org/mybun:porter-93d4bfba61358eca91debf6dd4ddc61f",
	         false},
	        /* the converter goldens' (mybuns, myenv) */
	        {NULL, "localhost:5000", "myenv", "0.1.0",
	         "localhost:5000/myenv:v0.1.0",
	         "localhost:5000/myenv:porter-b1619b27d3e514d7a062207188a87e16",
	         true},
	        {NULL, "localhost:5000", "mybuns", "0.1.2",
	         "localhost:5000/mybuns:v0.1.2",
	         "localhost:5000/"
	         "mybuns:porter-332dd75c541511a27fc332bdcd049d5b",
	         true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_porter_ref r = CNAB_PORTER_REF_INIT;
		struct cnab_err err = CNAB_ERR_INIT;

		if (cnab_porter_derive(cases[i].reference, cases[i].registry,
		                       cases[i].name, cases[i].version, &r,
		                       &err) != CNAB_OK)
			fail_msg("case %zu: %s", i, err.msg);
		assert_string_equal(r.reference, cases[i].want_ref);
		assert_string_equal(r.installer, cases[i].want_installer);
		assert_int_equal(r.tag_from_version, cases[i].from_version);
		cnab_porter_ref_release(&r);
	}
}

/* What cnab_porter_derive refuses. */
static void test_derive_errors(void **state)
{
	static const struct {
		const char *reference, *registry, *version, *want;
	} cases[] = {
	        {NULL, NULL, "1.0.0",
	         "a registry or reference value must "
	         "be provided"},
	        {"getporter/mybun@sha256:"
	         "8f1133d81f1b078c865cdb11d17d1ff15f55c449d3eecca50190eed0f5e5e"
	         "26f",
	         NULL, "1.0.0", "cannot hold a digest"},
	        {"getporter/mybun", NULL, NULL, "no version"},
	        {"getporter/mybun", NULL, "1.2.x", "not a semantic version"},
	        {"getporter/mybun:v1", NULL, "01.2.3-01", "not a semantic"},
	        {"Getporter/MyBun", NULL, "1.0.0", "invalid reference"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_porter_ref r = CNAB_PORTER_REF_INIT;
		struct cnab_err err = CNAB_ERR_INIT;

		assert_int_equal(cnab_porter_derive(cases[i].reference,
		                                    cases[i].registry, "mybun",
		                                    cases[i].version, &r, &err),
		                 CNAB_ERR_INVALID);
		if (!strstr(err.msg, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].want);
		assert_null(r.reference);
	}
}

/* Porter's converter goldens, but custom["sh.porter"]. */
static void test_goldens(void **state)
{
	static const struct {
		const char *manifest, *golden;
		enum cnab_porter_deps deps;
	} cases[] = {
	        {"tests/testdata/mybuns/porter.yaml",
	         "mybuns-depsv1.bundle.json", CNAB_PORTER_DEPS_V1},
	        {"tests/testdata/mybuns/porter.yaml",
	         "mybuns-depsv1.bundle.preserveTags.json", CNAB_PORTER_DEPS_V1},
	        {"tests/testdata/mybuns/porter.yaml",
	         "mybuns-depsv2.bundle.json", CNAB_PORTER_DEPS_V2},
	        {"tests/testdata/mybuns/porter.yaml",
	         "mybuns-depsv2.bundle.preserveTags.json", CNAB_PORTER_DEPS_V2},
	        {"tests/testdata/myenv/porter.yaml", "myenv-depsv2.bundle.json",
	         CNAB_PORTER_DEPS_V2},
	        /* chosen automatically: both use v2 features */
	        {"tests/testdata/mybuns/porter.yaml",
	         "mybuns-depsv2.bundle.json", CNAB_PORTER_DEPS_AUTO},
	        {"tests/testdata/myenv/porter.yaml", "myenv-depsv2.bundle.json",
	         CNAB_PORTER_DEPS_AUTO},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_err err = CNAB_ERR_INIT;
		struct cnab_porter_ref r = CNAB_PORTER_REF_INIT;
		char path[512], *text, *gtext;
		json_t *got = NULL, *want;
		json_error_t jerr;
		size_t len;

		snprintf(path, sizeof(path), "porter-v1/manifests/%s",
		         cases[i].manifest);
		text = test_read_file(path, &len);
		snprintf(path, sizeof(path), "porter-v1/config-adapter/%s",
		         cases[i].golden);
		gtext = test_read_file(path, NULL);
		want = json_loads(gtext, 0, &jerr);
		assert_non_null(want);
		assert_int_equal(
		        json_object_del(json_object_get(want, "custom"),
		                        "sh.porter"),
		        0);
		if (cnab_porter_convert(text, len, "porter.yaml", cases[i].deps,
		                        &got, &r, &err) != CNAB_OK)
			fail_msg("%s: %s", cases[i].golden, err.msg);
		assert_true(r.v1);
		if (!json_equal(got, want)) {
			char *a = json_dumps(got,
			                     JSON_SORT_KEYS | JSON_INDENT(1));
			char *b = json_dumps(want,
			                     JSON_SORT_KEYS | JSON_INDENT(1));

			print_message("got:\n%s\nwant:\n%s\n", a, b);
			free(a);
			free(b);
			fail_msg("%s differs", cases[i].golden);
		}
		json_decref(got);
		json_decref(want);
		cnab_porter_ref_release(&r);
		free(text);
		free(gtext);
	}
}

static int manifests_seen;

static int convert_one(const char *path, const struct stat *sb, int type,
                       struct FTW *ftw)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_porter_ref r = CNAB_PORTER_REF_INIT;
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	json_t *doc = NULL;
	char *text;
	size_t len;

	(void)sb;
	if (type != FTW_F || strcmp(path + ftw->base, "porter.yaml"))
		return 0;
	text = test_read_file_abs(path, &len);
	if (cnab_porter_convert(text, len, path, CNAB_PORTER_DEPS_AUTO, &doc,
	                        &r, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	assert_true(r.v1);
	assert_non_null(r.installer);
	if (cnab_bundle_from_json(&b, doc, path, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	cnab_bundle_release(&b);
	json_decref(doc);
	cnab_porter_ref_release(&r);
	free(text);
	manifests_seen++;
	return 0;
}

/* Every porter.yaml of Porter's repository converts. */
static void test_every_manifest(void **state)
{
	const char *dir = getenv("CNAB_TESTDATA");
	char path[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s/porter-v1/manifests",
	         dir ? dir : "testdata");
	manifests_seen = 0;
	assert_int_equal(nftw(path, convert_one, 16, FTW_PHYS), 0);
	assert_int_equal(manifests_seen, 53);
}

/* Converts a v1 manifest (AUTO dependencies); it must succeed. */
static json_t *convert_v1_ok(const char *text)
{
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *b = NULL;

	if (cnab_porter_convert(text, strlen(text), "porter.yaml",
	                        CNAB_PORTER_DEPS_AUTO, &b, NULL,
	                        &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	return b;
}

/* Checks the compact JSON of b's member path (a/b/c) is want. */
static void assert_member(json_t *b, const char *path, const char *want)
{
	char *copy = strdup(path), *p = copy, *slash;
	json_t *v = b;
	char *got;

	while (v && p) {
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		v = json_object_get(v, p);
		p = slash ? slash + 1 : NULL;
	}
	got = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
	        : strdup("(none)");
	if (strcmp(got, want))
		fail_msg("%s: got %s, want %s", path, got, want);
	free(got);
	free(copy);
}

/* What Porter's converter does beyond its goldens, case by case. */
static void test_v1_details(void **state)
{
	json_t *b;

	(void)state;
	b = convert_v1_ok("schemaVersion: 1.0.1\n"
	                  "name: app\n"
	                  "version: v1.2\n"
	                  "registry: localhost:5000/org/\n"
	                  "upgrade: []\n"
	                  "zap: []\n"
	                  "parameters:\n"
	                  "  - name: from.out\n"
	                  "    source:\n"
	                  "      output: out\n"
	                  "  - name: none\n"
	                  "    default: x\n"
	                  "    applyTo: []\n"
	                  "  - name: kube\n"
	                  "    type: file\n"
	                  "    path: ../home/.kube/config\n"
	                  "  - name: big\n"
	                  "    type: number\n"
	                  "    default: 2.0\n"
	                  "outputs:\n"
	                  "  - name: out\n"
	                  "    path: /tmp/out\n"
	                  "credentials:\n"
	                  "  - name: token\n"
	                  "    path: token.txt\n"
	                  "images:\n"
	                  "  web:\n"
	                  "    repository: nginx\n"
	                  "    imageType: oci\n");
	/* the version normalised, the registry path-joined */
	assert_member(b, "version", "\"1.2.0\"");
	assert_member(b, "invocationImages",
	              "[{\"image\":\"localhost:5000/org/app:porter-"
	              "614c98e8bf20ae0442a5afc7389c3e7a\",\"imageType\":"
	              "\"docker\"}]");
	/* set from an output, without default nor applyTo */
	assert_member(b, "parameters/from.out",
	              "{\"applyTo\":[\"uninstall\",\"upgrade\",\"zap\"],"
	              "\"definition\":\"from.out-parameter\",\"destination\":"
	              "{\"env\":\"FROM_OUT\"},\"required\":true}");
	assert_member(b, "parameters/none",
	              "{\"definition\":\"none-parameter\",\"destination\":"
	              "{\"env\":\"NONE\"}}");
	assert_member(b, "parameters/kube/destination",
	              "{\"path\":\"/cnab/home/.kube/config\"}");
	assert_member(b, "definitions/kube-parameter",
	              "{\"contentEncoding\":\"base64\",\"type\":\"string\"}");
	assert_member(b, "definitions/big-parameter",
	              "{\"default\":2,\"type\":\"number\"}");
	assert_member(b, "definitions/out-output",
	              "{\"contentEncoding\":\"base64\",\"type\":\"string\"}");
	assert_member(b, "credentials",
	              "{\"token\":{\"path\":\"/cnab/app/token.txt\","
	              "\"required\":true}}");
	assert_member(b, "images/web",
	              "{\"image\":\"nginx:latest\",\"imageType\":\"oci\"}");
	assert_member(b, "actions/zap",
	              "{\"description\":\"zap\",\"modifies\":true}");
	assert_member(b, "custom/io.cnab.parameter-sources/from.out",
	              "{\"priority\":[\"output\"],\"sources\":{\"output\":"
	              "{\"name\":\"out\"}}}");
	json_decref(b);
	/* dependencies v2 required: kept (Porter would replace them by
	 * null), listed once; a v1 dependency with parameters is v2 */
	b = convert_v1_ok("schemaVersion: 1.1.0\n"
	                  "name: app\n"
	                  "version: 0.1.0\n"
	                  "reference: example.com/app:v1\n"
	                  "required:\n"
	                  "  - dependencies@v2\n"
	                  "  - docker:\n"
	                  "      privileged: true\n"
	                  "dependencies:\n"
	                  "  requires:\n"
	                  "    - name: db\n"
	                  "      bundle:\n"
	                  "        reference: example.com/db:v1\n");
	assert_member(b, "requiredExtensions",
	              "[\"sh.porter.file-parameters\",\"org.getporter."
	              "dependencies@v2\",\"io.cnab.parameter-sources\","
	              "\"io.cnab.docker\"]");
	assert_member(b, "custom/org.getporter.dependencies@v2",
	              "{\"requires\":{\"db\":{\"bundle\":\"example.com/db:"
	              "v1\",\"sharing\":{\"group\":{}}}}}");
	assert_member(b, "custom/io.cnab.docker", "{\"privileged\":true}");
	json_decref(b);
	b = convert_v1_ok("schemaVersion: 1.0.1\n"
	                  "name: app\n"
	                  "version: 0.1.0\n"
	                  "reference: example.com/app:v1\n"
	                  "dependencies:\n"
	                  "  requires:\n"
	                  "    - name: db\n"
	                  "      bundle:\n"
	                  "        reference: example.com/db\n"
	                  "        version: 1.2.0-rc.1\n"
	                  "    - name: cache\n"
	                  "      bundle:\n"
	                  "        reference: example.com/cache:v2\n");
	assert_member(b, "custom/io.cnab.dependencies",
	              "{\"requires\":{\"cache\":{\"bundle\":\"example.com/"
	              "cache:v2\"},\"db\":{\"bundle\":\"example.com/db\","
	              "\"version\":{\"prereleases\":true,\"ranges\":"
	              "[\"1.2.0-rc.1\"]}}},\"sequence\":[\"db\",\"cache\"]}");
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kube_example),
	        cmocka_unit_test(test_spring_music),
	        cmocka_unit_test(test_derived_invocation_image),
	        cmocka_unit_test(test_installer_ref_errors),
	        cmocka_unit_test(test_subset),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_image_part_too_long),
	        cmocka_unit_test(test_json_alloc_failures),
	        cmocka_unit_test(test_too_big),
	        cmocka_unit_test(test_nesting),
	        cmocka_unit_test(test_anchors),
	        cmocka_unit_test(test_values),
	        cmocka_unit_test(test_derive_vectors),
	        cmocka_unit_test(test_derive_errors),
	        cmocka_unit_test(test_goldens),
	        cmocka_unit_test(test_v1_details),
	        cmocka_unit_test(test_every_manifest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
