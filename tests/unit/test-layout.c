#include "tests/unit/test.h"

#include <errno.h>
#include <inttypes.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/fsutil.h"
#include "common/image.h"
#include "common/layout.h"
#include "common/oci.h"

#define MARKER    "{\"imageLayoutVersion\":\"1.0.0\"}"
#define LAYER_MT  "application/vnd.oci.image.layer.v1.tar+gzip"
#define REF_A     "example.com/app/a:1"
#define REF_B     "example.com/app/b:1"
#define REF_MULTI "example.com/app/multi:1"

/* Creates dir/ with dir/blobs/sha256/ and, when not NULL, its oci-layout
 * and index.json. */
static void make_layout(const char *dir, const char *marker, const char *index)
{
	struct cnab_buf p = CNAB_BUF_INIT(4096);

	test_make_dir(dir);
	cnab_buf_addf(&p, "%s/blobs", dir);
	test_make_dir(cnab_buf_str(&p));
	cnab_buf_addstr(&p, "/sha256");
	test_make_dir(cnab_buf_str(&p));
	if (marker) {
		cnab_buf_reset(&p);
		cnab_buf_addf(&p, "%s/oci-layout", dir);
		test_put_file(cnab_buf_str(&p), marker, strlen(marker));
	}
	if (index) {
		cnab_buf_reset(&p);
		cnab_buf_addf(&p, "%s/index.json", dir);
		test_put_file(cnab_buf_str(&p), index, strlen(index));
	}
	cnab_buf_release(&p);
}

/* The path of a blob of the layout in dir; the caller frees it. */
static char *blob_path(const char *dir, const struct cnab_descriptor *d)
{
	struct cnab_layout l = CNAB_LAYOUT_INIT;
	char *path;

	l.dir = (char *)dir;
	path = cnab_layout_blob_path(&l, &d->digest);
	assert_non_null(path);
	return path;
}

/* Stores data as a blob of the layout in dir, named by its sha256; *d
 * describes it (the caller releases it). */
static void put_blob(const char *dir, const char *mt, const char *data,
                     size_t len, struct cnab_descriptor *d)
{
	char *path;

	memset(d, 0, sizeof(*d));
	assert_int_equal(
	        cnab_digest_of(CNAB_DIGEST_SHA256, data, len, &d->digest),
	        CNAB_OK);
	d->size = len;
	d->media_type = strdup(mt);
	assert_non_null(d->media_type);
	path = blob_path(dir, d);
	test_put_file(path, data, len);
	free(path);
}

/* Appends d as JSON, with extra members (JSON text) when not NULL. */
static void add_desc(struct cnab_buf *b, const struct cnab_descriptor *d,
                     const char *extra)
{
	char digest[CNAB_DIGEST_STR_MAX];

	cnab_digest_format(&d->digest, digest);
	cnab_buf_addf(b,
	              "{\"mediaType\":\"%s\",\"digest\":\"%s\","
	              "\"size\":%" PRIu64 "%s%s}",
	              d->media_type, digest, d->size, extra ? "," : "",
	              extra ? extra : "");
}

/* Stores an OCI image manifest of config and layers. */
static void put_manifest(const char *dir, const struct cnab_descriptor *config,
                         const struct cnab_descriptor *const *layers, size_t n,
                         struct cnab_descriptor *out)
{
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	size_t i;

	cnab_buf_addstr(
	        &b, "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_OCI_MANIFEST
	            "\",\"config\":");
	add_desc(&b, config, NULL);
	cnab_buf_addstr(&b, ",\"layers\":[");
	for (i = 0; i < n; i++) {
		if (i)
			cnab_buf_addch(&b, ',');
		add_desc(&b, layers[i], NULL);
	}
	cnab_buf_addstr(&b, "]}");
	put_blob(dir, CNAB_MT_OCI_MANIFEST, b.data, b.len, out);
	cnab_buf_release(&b);
}

/* The text of an OCI index of n manifests, each with its extra members. */
static char *index_text(const struct cnab_descriptor *const *m,
                        const char *const *extra, size_t n)
{
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	size_t i;

	cnab_buf_addstr(
	        &b, "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_OCI_INDEX
	            "\",\"manifests\":[");
	for (i = 0; i < n; i++) {
		if (i)
			cnab_buf_addch(&b, ',');
		add_desc(&b, m[i], extra ? extra[i] : NULL);
	}
	cnab_buf_addstr(&b, "]}");
	return cnab_buf_detach(&b, NULL);
}

/* The good layout, "good/", made once for every test. */
static struct {
	struct cnab_descriptor config_a, config_b, layer_a, layer_b, shared;
	struct cnab_descriptor man_a, man_b, multi;
} g;

static int setup(void **state)
{
	const struct cnab_descriptor *la[] = {&g.layer_a, &g.shared};
	const struct cnab_descriptor *lb[] = {&g.layer_b, &g.shared};
	const struct cnab_descriptor *plat[] = {&g.man_a, &g.man_b};
	const char *plat_extra[] = {
	        "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}",
	        "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}",
	};
	const struct cnab_descriptor *top[] = {&g.man_a, &g.man_b, &g.multi};
	const char *top_extra[] = {
	        "\"annotations\":{\"" CNAB_ANNOTATION_REF_NAME "\":\"" REF_A
	        "\"}",
	        "\"annotations\":{\"" CNAB_ANNOTATION_REF_NAME "\":\"" REF_B
	        "\"}",
	        "\"annotations\":{\"" CNAB_ANNOTATION_REF_NAME "\":\"" REF_MULTI
	        "\"}",
	};
	char *text;
	const char *s;

	(void)state;
	make_layout("good", MARKER, NULL);
	s = "{\"architecture\":\"amd64\",\"os\":\"linux\"}";
	put_blob("good", CNAB_MT_OCI_CONFIG, s, strlen(s), &g.config_a);
	s = "{\"architecture\":\"arm64\",\"os\":\"linux\"}";
	put_blob("good", CNAB_MT_OCI_CONFIG, s, strlen(s), &g.config_b);
	s = "layer a bytes";
	put_blob("good", LAYER_MT, s, strlen(s), &g.layer_a);
	s = "layer b bytes, a little longer";
	put_blob("good", LAYER_MT, s, strlen(s), &g.layer_b);
	s = "a layer both images share";
	put_blob("good", LAYER_MT, s, strlen(s), &g.shared);
	put_manifest("good", &g.config_a, la, 2, &g.man_a);
	put_manifest("good", &g.config_b, lb, 2, &g.man_b);
	text = index_text(plat, plat_extra, 2);
	put_blob("good", CNAB_MT_OCI_INDEX, text, strlen(text), &g.multi);
	free(text);
	text = index_text(top, top_extra, 3);
	test_put_file("good/index.json", text, strlen(text));
	free(text);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cnab_descriptor_release(&g.config_a);
	cnab_descriptor_release(&g.config_b);
	cnab_descriptor_release(&g.layer_a);
	cnab_descriptor_release(&g.layer_b);
	cnab_descriptor_release(&g.shared);
	cnab_descriptor_release(&g.man_a);
	cnab_descriptor_release(&g.man_b);
	cnab_descriptor_release(&g.multi);
	return 0;
}

static bool same_digest(const struct cnab_descriptor *a,
                        const struct cnab_descriptor *b)
{
	return cnab_digest_equal(&a->digest, &b->digest);
}

static void open_ok(struct cnab_layout *l, const char *dir)
{
	struct cnab_err err = CNAB_ERR_INIT;

	if (cnab_layout_open(l, dir, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
}

static void test_open(void **state)
{
	struct cnab_layout l = CNAB_LAYOUT_INIT;
	char hex[2 * CNAB_DIGEST_RAW_MAX + 1];
	struct cnab_buf want = CNAB_BUF_INIT(4096);
	char *path;

	(void)state;
	open_ok(&l, "good");
	assert_string_equal(l.dir, "good");
	assert_true(l.index.is_index);
	assert_int_equal(l.index.nmanifests, 3);
	assert_true(same_digest(&l.index.manifests[0], &g.man_a));
	assert_int_equal(l.index.manifests[0].size, g.man_a.size);
	assert_string_equal(
	        cnab_descriptor_annotation(&l.index.manifests[0],
	                                   CNAB_ANNOTATION_REF_NAME),
	        REF_A);
	assert_string_equal(
	        cnab_descriptor_annotation(&l.index.manifests[2],
	                                   CNAB_ANNOTATION_REF_NAME),
	        REF_MULTI);
	assert_string_equal(l.index.manifests[2].media_type, CNAB_MT_OCI_INDEX);
	path = cnab_layout_blob_path(&l, &g.layer_a.digest);
	cnab_digest_hex(&g.layer_a.digest, hex);
	cnab_buf_addf(&want, "good/blobs/sha256/%s", hex);
	assert_string_equal(path, cnab_buf_str(&want));
	free(path);
	cnab_buf_release(&want);
	cnab_layout_release(&l);
	assert_null(l.dir);
	/* a released layout may be released again */
	cnab_layout_release(&l);
}

static void test_open_errors(void **state)
{
	static const struct {
		const char *dir, *marker, *index;
		enum cnab_status want;
		const char *msg;
	} cases[] = {
	        {"no-marker", NULL, "{\"schemaVersion\":2,\"manifests\":[]}",
	         CNAB_ERR_NOTFOUND, "'no-marker' is not an OCI image layout"},
	        {"bad-version", "{\"imageLayoutVersion\":\"2.0.0\"}",
	         "{\"schemaVersion\":2,\"manifests\":[]}", CNAB_ERR_INVALID,
	         "unsupported image layout version '2.0.0'"},
	        {"no-version", "{}", "{\"schemaVersion\":2,\"manifests\":[]}",
	         CNAB_ERR_INVALID, "missing field 'imageLayoutVersion'"},
	        {"num-version", "{\"imageLayoutVersion\":1}",
	         "{\"schemaVersion\":2,\"manifests\":[]}", CNAB_ERR_INVALID,
	         "must be a string"},
	        {"marker-not-json", "1.0.0",
	         "{\"schemaVersion\":2,\"manifests\":[]}", CNAB_ERR_INVALID,
	         "cannot parse 'marker-not-json/oci-layout'"},
	        {"no-index", MARKER, NULL, CNAB_ERR_NOTFOUND,
	         "no-index/index.json"},
	        {"index-not-json", MARKER, "{", CNAB_ERR_INVALID,
	         "cannot parse 'index-not-json/index.json'"},
	        {"index-array", MARKER, "[]", CNAB_ERR_INVALID,
	         "not a JSON object"},
	        {"index-manifest", MARKER,
	         "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\","
	         "\"digest\":\"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":1}}",
	         CNAB_ERR_INVALID, "index-manifest/index.json"},
	        {"index-docker", MARKER,
	         "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_DOCKER_LIST
	         "\",\"manifests\":[]}",
	         CNAB_ERR_INVALID, "does not match"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_layout l = CNAB_LAYOUT_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;

		make_layout(cases[i].dir, cases[i].marker, cases[i].index);
		st = cnab_layout_open(&l, cases[i].dir, &err);
		if (st != cases[i].want)
			fail_msg("case %zu: status %d, want %d: %s", i, st,
			         cases[i].want, err.msg);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].msg);
		assert_null(l.dir);
		assert_null(l.index.root);
		cnab_layout_release(&l);
	}
	/* not even a directory */
	{
		struct cnab_layout l = CNAB_LAYOUT_INIT;

		assert_int_equal(cnab_layout_open(&l, "absent", NULL),
		                 CNAB_ERR_NOTFOUND);
	}
}

static void test_check_marker(void **state)
{
	static const struct {
		const char *text;
		enum cnab_status want;
	} cases[] = {
	        {MARKER, CNAB_OK},
	        {"{\"imageLayoutVersion\":\"1.0.0\",\"x\":[]}", CNAB_OK},
	        {"{\"imageLayoutVersion\":\"1.0\"}", CNAB_ERR_INVALID},
	        {"{\"imageLayoutVersion\":\"1.0.0 \"}", CNAB_ERR_INVALID},
	        {"{\"imageLayoutVersion\":null}", CNAB_ERR_INVALID},
	        {"[\"1.0.0\"]", CNAB_ERR_INVALID},
	        {"", CNAB_ERR_INVALID},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;

		st = cnab_layout_check_marker(cases[i].text,
		                              strlen(cases[i].text), "m", &err);
		if (st != cases[i].want)
			fail_msg("case %zu: status %d: %s", i, st, err.msg);
		if (st != CNAB_OK && !strstr(err.msg, "'m'"))
			fail_msg("case %zu: '%s' lacks the subject", i,
			         err.msg);
	}
}

/* Checks the digests of a tree's nodes are want, in that order. */
static void assert_nodes(const struct cnab_image_tree *t,
                         const struct cnab_descriptor *const *want, size_t n)
{
	size_t i;

	assert_int_equal(t->n, n);
	for (i = 0; i < n; i++) {
		char d[CNAB_DIGEST_STR_MAX];

		if (!same_digest(&t->nodes[i].desc, want[i]))
			fail_msg("node %zu is %s", i,
			         CNAB_DESC_DIGEST(&t->nodes[i].desc, d));
		assert_int_equal(t->nodes[i].desc.size, want[i]->size);
		assert_string_equal(t->nodes[i].desc.media_type,
		                    want[i]->media_type);
	}
}

static void test_walk_dedup(void **state)
{
	const struct cnab_descriptor *want[] = {
	        &g.config_a, &g.layer_a, &g.shared, &g.man_a,
	        &g.config_b, &g.layer_b, &g.man_b,
	};
	struct cnab_layout l = CNAB_LAYOUT_INIT;
	struct cnab_image_tree t = CNAB_IMAGE_TREE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_blob_source src;
	const struct cnab_image_node *node;
	char d[CNAB_DIGEST_STR_MAX];
	char *bytes, *path;
	size_t len, i;

	(void)state;
	open_ok(&l, "good");
	src = cnab_layout_source(&l);
	/* both images as index.json names them */
	assert_int_equal(cnab_image_tree_add(&t, &src, &l.index.manifests[0],
	                                     REF_A, &err),
	                 CNAB_OK);
	assert_int_equal(t.n, 4);
	assert_int_equal(cnab_image_tree_add(&t, &src, &l.index.manifests[1],
	                                     REF_B, &err),
	                 CNAB_OK);
	/* the shared layer once, every object after what it references */
	assert_nodes(&t, want, 7);
	for (i = 0; i < t.n; i++) {
		bool manifest = i == 3 || i == 6;

		assert_int_equal(t.nodes[i].is_manifest, manifest);
		if (!manifest)
			assert_null(t.nodes[i].data);
	}
	/* a manifest node holds the bytes as stored */
	node = cnab_image_tree_find(&t, CNAB_DESC_DIGEST(&g.man_b, d));
	assert_ptr_equal(node, &t.nodes[6]);
	path = blob_path("good", &g.man_b);
	bytes = test_read_file_abs(path, &len);
	assert_int_equal(node->len, len);
	assert_memory_equal(node->data, bytes, len);
	free(bytes);
	free(path);
	/* the root keeps the annotations of the descriptor it came from */
	assert_string_equal(cnab_descriptor_annotation(
	                            &node->desc, CNAB_ANNOTATION_REF_NAME),
	                    REF_B);
	assert_non_null(
	        cnab_image_tree_find(&t, CNAB_DESC_DIGEST(&g.shared, d)));
	assert_null(cnab_image_tree_find(&t, CNAB_DESC_DIGEST(&g.multi, d)));
	/* adding an image again adds nothing */
	assert_int_equal(cnab_image_tree_add(&t, &src, &g.man_a, REF_A, &err),
	                 CNAB_OK);
	assert_int_equal(t.n, 7);
	cnab_image_tree_release(&t);
	assert_int_equal(t.n, 0);
	cnab_image_tree_release(&t);
	cnab_layout_release(&l);
}

static void test_walk_index(void **state)
{
	const struct cnab_descriptor *want[] = {
	        &g.config_a, &g.layer_a, &g.shared, &g.man_a,
	        &g.config_b, &g.layer_b, &g.man_b,  &g.multi,
	};
	struct cnab_layout l = CNAB_LAYOUT_INIT;
	struct cnab_image_tree t = CNAB_IMAGE_TREE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_blob_source src;

	(void)state;
	open_ok(&l, "good");
	src = cnab_layout_source(&l);
	if (cnab_image_tree_add(&t, &src, &l.index.manifests[2], REF_MULTI,
	                        &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	/* every platform, the index last */
	assert_nodes(&t, want, 8);
	assert_true(t.nodes[7].is_manifest);
	assert_true(t.nodes[3].is_manifest);
	assert_true(t.nodes[6].is_manifest);
	/* the platform of a child as the index gave it */
	assert_string_equal(json_string_value(json_object_get(
	                            t.nodes[6].desc.platform, "architecture")),
	                    "arm64");
	/* an image already walked adds nothing */
	assert_int_equal(cnab_image_tree_add(&t, &src, &g.man_b, REF_B, &err),
	                 CNAB_OK);
	assert_int_equal(t.n, 8);
	cnab_image_tree_release(&t);
	cnab_layout_release(&l);
}

/* Walks root in the layout in dir; returns the status, message in err. */
static enum cnab_status
walk(const char *dir, const struct cnab_descriptor *root, struct cnab_err *err)
{
	struct cnab_layout l = CNAB_LAYOUT_INIT;
	struct cnab_image_tree t = CNAB_IMAGE_TREE_INIT;
	struct cnab_blob_source src;
	enum cnab_status st;

	open_ok(&l, dir);
	src = cnab_layout_source(&l);
	st = cnab_image_tree_add(&t, &src, root, "img", err);
	cnab_image_tree_release(&t);
	cnab_layout_release(&l);
	return st;
}

static void test_missing(void **state)
{
	struct cnab_descriptor absent, config, man;
	const struct cnab_descriptor *layers[1] = {&absent};
	struct cnab_err err = CNAB_ERR_INIT;
	char d[CNAB_DIGEST_STR_MAX];
	const char *s = "never stored";
	char *path;

	(void)state;
	make_layout("missing", MARKER,
	            "{\"schemaVersion\":2,\"manifests\":[]}");
	put_blob("missing", LAYER_MT, s, strlen(s), &absent);
	path = blob_path("missing", &absent);
	assert_int_equal(unlink(path), 0);
	free(path);
	put_blob("missing", CNAB_MT_OCI_CONFIG, "{}", 2, &config);
	/* a layer the layout lacks */
	put_manifest("missing", &config, layers, 1, &man);
	assert_int_equal(walk("missing", &man, &err), CNAB_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, CNAB_DESC_DIGEST(&absent, d)));
	assert_non_null(strstr(
	        err.msg, "of image 'img' is missing from layout 'missing'"));
	cnab_descriptor_release(&man);
	/* a config the layout lacks */
	cnab_err_clear(&err);
	put_manifest("missing", &absent, NULL, 0, &man);
	assert_int_equal(walk("missing", &man, &err), CNAB_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, CNAB_DESC_DIGEST(&absent, d)));
	cnab_descriptor_release(&man);
	/* a manifest the layout lacks */
	cnab_err_clear(&err);
	free(absent.media_type);
	absent.media_type = strdup(CNAB_MT_OCI_MANIFEST);
	assert_int_equal(walk("missing", &absent, &err), CNAB_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "manifest "));
	assert_non_null(strstr(err.msg, CNAB_DESC_DIGEST(&absent, d)));
	assert_non_null(strstr(err.msg, "is missing from layout 'missing'"));
	cnab_descriptor_release(&config);
	cnab_descriptor_release(&absent);
}

static void test_tampered(void **state)
{
	const struct cnab_descriptor *layers[] = {&g.layer_a};
	struct cnab_descriptor man, copy;
	struct cnab_err err = CNAB_ERR_INIT;
	char *path, *orig, *bytes;
	size_t len;

	(void)state;
	make_layout("tampered", MARKER,
	            "{\"schemaVersion\":2,\"manifests\":[]}");
	put_blob("tampered", LAYER_MT, "layer a bytes", 13, &copy);
	cnab_descriptor_release(&copy);
	put_blob("tampered", CNAB_MT_OCI_CONFIG,
	         "{\"architecture\":\"amd64\",\"os\":\"linux\"}", 37, &copy);
	cnab_descriptor_release(&copy);
	put_manifest("tampered", &g.config_a, layers, 1, &man);
	assert_int_equal(walk("tampered", &man, &err), CNAB_OK);
	/* the same number of bytes, one changed: still valid JSON */
	path = blob_path("tampered", &man);
	orig = test_read_file_abs(path, &len);
	bytes = strdup(orig);
	assert_non_null(strstr(bytes, "\"schemaVersion\":2"));
	*strstr(bytes, "\"schemaVersion\":2") = ' ';
	test_put_file(path, bytes, len);
	assert_int_equal(walk("tampered", &man, &err), CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "digest mismatch"));
	assert_non_null(strstr(err.msg, path));
	/* other bytes of another size */
	cnab_err_clear(&err);
	test_put_file(path, "{}", 2);
	assert_int_equal(walk("tampered", &man, &err), CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "size mismatch"));
	/* the right bytes, but a descriptor that says more */
	cnab_err_clear(&err);
	test_put_file(path, orig, len);
	assert_int_equal(walk("tampered", &man, &err), CNAB_OK);
	man.size++;
	assert_int_equal(walk("tampered", &man, &err), CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "size mismatch"));
	free(bytes);
	free(orig);
	free(path);
	cnab_descriptor_release(&man);
}

static void test_wrong_size(void **state)
{
	const struct cnab_descriptor *layers[1];
	struct cnab_descriptor wrong, man, dir;
	struct cnab_layout l = CNAB_LAYOUT_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_blob_source src;
	bool has = false;
	char *path;

	(void)state;
	open_ok(&l, "good");
	src = cnab_layout_source(&l);
	assert_int_equal(src.has_blob(src.ctx, &g.layer_a, &has, &err),
	                 CNAB_OK);
	assert_true(has);
	assert_int_equal(cnab_descriptor_copy(&wrong, &g.layer_a), CNAB_OK);
	wrong.size++;
	assert_int_equal(src.has_blob(src.ctx, &wrong, &has, &err), CNAB_OK);
	assert_false(has);
	wrong.size -= 2;
	assert_int_equal(src.has_blob(src.ctx, &wrong, &has, &err), CNAB_OK);
	assert_false(has);
	/* a directory in a blob's place is not the blob */
	put_blob("good", LAYER_MT, "a directory", 11, &dir);
	path = blob_path("good", &dir);
	assert_int_equal(unlink(path), 0);
	test_make_dir(path);
	dir.size = 0;
	assert_int_equal(src.has_blob(src.ctx, &dir, &has, &err), CNAB_OK);
	assert_false(has);
	assert_int_equal(rmdir(path), 0);
	free(path);
	cnab_descriptor_release(&dir);
	/* a manifest naming the layer with the wrong size: not found */
	wrong.size = 1000;
	layers[0] = &wrong;
	make_layout("wrong-size", MARKER,
	            "{\"schemaVersion\":2,\"manifests\":[]}");
	put_blob("wrong-size", LAYER_MT, "layer a bytes", 13, &man);
	cnab_descriptor_release(&man);
	put_blob("wrong-size", CNAB_MT_OCI_CONFIG,
	         "{\"architecture\":\"amd64\",\"os\":\"linux\"}", 37, &man);
	cnab_descriptor_release(&man);
	put_manifest("wrong-size", &g.config_a, layers, 1, &man);
	assert_int_equal(walk("wrong-size", &man, &err), CNAB_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, "is missing from layout 'wrong-size'"));
	cnab_descriptor_release(&man);
	cnab_descriptor_release(&wrong);
	cnab_layout_release(&l);
}

static void test_walk_refused(void **state)
{
	const char *as_index = "{\"schemaVersion\":2,\"mediaType\":"
	                       "\"" CNAB_MT_OCI_INDEX "\",\"manifests\":[]}";
	const char *empty = "{\"schemaVersion\":2}";
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT, inner, outer;
	const struct cnab_descriptor *m[1];
	struct cnab_err err = CNAB_ERR_INIT;
	char *text;
	int i;

	(void)state;
	/* a root that is not a manifest or index */
	assert_int_equal(cnab_descriptor_copy(&d, &g.layer_a), CNAB_OK);
	assert_int_equal(walk("good", &d, &err), CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "unsupported media type"));
	cnab_descriptor_release(&d);
	/* a manifest blob that is not a manifest */
	cnab_err_clear(&err);
	make_layout("refused", MARKER,
	            "{\"schemaVersion\":2,\"manifests\":[]}");
	put_blob("refused", CNAB_MT_OCI_MANIFEST, empty, strlen(empty), &d);
	assert_int_equal(walk("refused", &d, &err), CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "neither a manifest nor an index"));
	cnab_descriptor_release(&d);
	/* a manifest whose document says it is an index */
	cnab_err_clear(&err);
	put_blob("refused", CNAB_MT_OCI_MANIFEST, as_index, strlen(as_index),
	         &d);
	assert_int_equal(walk("refused", &d, &err), CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "does not match"));
	cnab_descriptor_release(&d);
	/* indexes nested up to the limit are followed, not deeper */
	cnab_err_clear(&err);
	assert_int_equal(cnab_descriptor_copy(&inner, &g.man_a), CNAB_OK);
	for (i = 1; i <= CNAB_IMAGE_MAX_DEPTH + 1; i++) {
		m[0] = &inner;
		text = index_text(m, NULL, 1);
		put_blob("good", CNAB_MT_OCI_INDEX, text, strlen(text), &outer);
		free(text);
		cnab_descriptor_release(&inner);
		inner = outer;
		if (i <= CNAB_IMAGE_MAX_DEPTH &&
		    walk("good", &inner, &err) != CNAB_OK)
			fail_msg("%d indexes: %s", i, err.msg);
	}
	assert_int_equal(walk("good", &inner, &err), CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "nested too deeply"));
	cnab_descriptor_release(&inner);
}

/*
 * Finding an image: by ref-name annotation, by the digest its reference
 * pins, by contentDigest; and every pin holds, whichever way it was found.
 */
static void test_find_image(void **state)
{
	const struct cnab_descriptor *m[] = {&g.man_a, &g.man_b, &g.multi};
	struct cnab_buf lie = CNAB_BUF_INIT(4096), extra = CNAB_BUF_INIT(4096);
	struct cnab_buf ref = CNAB_BUF_INIT(4096);
	struct cnab_layout l = CNAB_LAYOUT_INIT;
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char a[CNAB_DIGEST_STR_MAX], b[CNAB_DIGEST_STR_MAX];
	const char *extras[3];
	char *text;

	(void)state;
	cnab_digest_format(&g.man_a.digest, a);
	cnab_digest_format(&g.man_b.digest, b);
	/* man_a annotated as the image pinned to man_b: a lie */
	cnab_buf_addf(&lie, "example.com/app/lie@%s", b);
	cnab_buf_addf(&extra,
	              "\"annotations\":{\"" CNAB_ANNOTATION_REF_NAME
	              "\":\"%s\"}",
	              cnab_buf_str(&lie));
	extras[0] = cnab_buf_str(&extra);
	extras[1] = "\"annotations\":{\"" CNAB_ANNOTATION_REF_NAME "\":\"" REF_B
	            "\"}";
	extras[2] = NULL;
	text = index_text(m, extras, 3);
	make_layout("find", MARKER, text);
	free(text);
	open_ok(&l, "good");
	/* by annotation, written differently */
	assert_int_equal(cnab_layout_find_image(&l, REF_B, NULL, &d, &err),
	                 CNAB_OK);
	assert_true(same_digest(&d, &g.man_b));
	cnab_descriptor_release(&d);
	/* by the digest of the reference, by contentDigest */
	cnab_buf_addf(&ref, "example.com/other/name@%s", a);
	assert_int_equal(
	        cnab_layout_find_image(&l, cnab_buf_str(&ref), NULL, &d, &err),
	        CNAB_OK);
	assert_true(same_digest(&d, &g.man_a));
	cnab_descriptor_release(&d);
	assert_int_equal(
	        cnab_layout_find_image(&l, "example.com/x:1", a, &d, &err),
	        CNAB_OK);
	assert_true(same_digest(&d, &g.man_a));
	cnab_descriptor_release(&d);
	/* not there: err untouched */
	assert_int_equal(
	        cnab_layout_find_image(&l, "example.com/x:1", NULL, &d, &err),
	        CNAB_ERR_NOTFOUND);
	assert_int_equal(err.status, CNAB_OK);
	/* found by annotation, but contentDigest pins another */
	assert_int_equal(cnab_layout_find_image(&l, REF_A, b, &d, &err),
	                 CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, a));
	assert_non_null(strstr(err.msg, b));
	cnab_layout_release(&l);
	/* the annotation pins man_b, the descriptor is man_a */
	cnab_err_clear(&err);
	open_ok(&l, "find");
	assert_int_equal(
	        cnab_layout_find_image(&l, cnab_buf_str(&lie), NULL, &d, &err),
	        CNAB_ERR_INTEGRITY);
	cnab_buf_reset(&ref);
	cnab_buf_addf(&ref,
	              "digest mismatch for image '%s' in layout 'find': "
	              "pinned to %s, resolved to %s",
	              cnab_buf_str(&lie), b, a);
	assert_string_equal(err.msg, cnab_buf_str(&ref));
	cnab_layout_release(&l);
	cnab_buf_release(&lie);
	cnab_buf_release(&extra);
	cnab_buf_release(&ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_open),
	        cmocka_unit_test(test_open_errors),
	        cmocka_unit_test(test_check_marker),
	        cmocka_unit_test(test_walk_dedup),
	        cmocka_unit_test(test_walk_index),
	        cmocka_unit_test(test_missing),
	        cmocka_unit_test(test_tampered),
	        cmocka_unit_test(test_wrong_size),
	        cmocka_unit_test(test_walk_refused),
	        cmocka_unit_test(test_find_image),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
