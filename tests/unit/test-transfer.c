#include "tests/unit/test.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/fsutil.h"
#include "common/layout.h"
#include "common/oci.h"
#include "common/transfer.h"

#define MARKER   "{\"imageLayoutVersion\":\"1.0.0\"}"
#define LAYER_MT "application/vnd.oci.image.layer.v1.tar+gzip"
#define REF_A    "example.com/app/a:1"
#define REF_B    "example.com/app/b:1"
#define DIR      "lay"

/* Stores data as a blob of the layout, named by its sha256. */
static void put_blob(const char *mt, const char *data,
                     struct cnab_descriptor *d)
{
	struct cnab_layout l = CNAB_LAYOUT_INIT;
	size_t len = strlen(data);
	char *path;

	memset(d, 0, sizeof(*d));
	assert_int_equal(
	        cnab_digest_of(CNAB_DIGEST_SHA256, data, len, &d->digest),
	        CNAB_OK);
	d->size = len;
	d->media_type = strdup(mt);
	assert_non_null(d->media_type);
	l.dir = (char *)DIR;
	path = cnab_layout_blob_path(&l, &d->digest);
	assert_non_null(path);
	test_put_file(path, data, len);
	free(path);
}

static void add_desc(struct cnab_buf *b, const struct cnab_descriptor *d,
                     const char *ref)
{
	char digest[CNAB_DIGEST_STR_MAX];

	cnab_digest_format(&d->digest, digest);
	cnab_buf_addf(b,
	              "{\"mediaType\":\"%s\",\"digest\":\"%s\","
	              "\"size\":%" PRIu64,
	              d->media_type, digest, d->size);
	if (ref)
		cnab_buf_addf(b,
		              ",\"annotations\":{\"" CNAB_ANNOTATION_REF_NAME
		              "\":\"%s\"}",
		              ref);
	cnab_buf_addch(b, '}');
}

/* An image of one config and two layers (one shared), stored. */
static void put_image(const char *config, const char *layer,
                      const struct cnab_descriptor *shared,
                      struct cnab_descriptor *parts,
                      struct cnab_descriptor *out)
{
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);

	put_blob(CNAB_MT_OCI_CONFIG, config, &parts[0]);
	put_blob(LAYER_MT, layer, &parts[1]);
	cnab_buf_addstr(
	        &b, "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_OCI_MANIFEST
	            "\",\"config\":");
	add_desc(&b, &parts[0], NULL);
	cnab_buf_addstr(&b, ",\"layers\":[");
	add_desc(&b, &parts[1], NULL);
	cnab_buf_addch(&b, ',');
	add_desc(&b, shared, NULL);
	cnab_buf_addstr(&b, "]}");
	put_blob(CNAB_MT_OCI_MANIFEST, cnab_buf_str(&b), out);
	cnab_buf_release(&b);
}

static struct {
	struct cnab_descriptor shared, a[2], b[2], man_a, man_b;
	struct cnab_layout layout;
} g;

static int setup(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	test_make_dir(DIR);
	test_make_dir(DIR "/blobs");
	test_make_dir(DIR "/blobs/sha256");
	test_put_file(DIR "/oci-layout", MARKER, strlen(MARKER));
	put_blob(LAYER_MT, "a layer both images share", &g.shared);
	put_image("{\"os\":\"linux\",\"n\":1}", "layer of a", &g.shared, g.a,
	          &g.man_a);
	put_image("{\"os\":\"linux\",\"n\":2}", "layer of b, longer", &g.shared,
	          g.b, &g.man_b);
	cnab_buf_addstr(&b, "{\"schemaVersion\":2,\"manifests\":[");
	add_desc(&b, &g.man_a, REF_A);
	cnab_buf_addch(&b, ',');
	add_desc(&b, &g.man_b, REF_B);
	cnab_buf_addstr(&b, "]}");
	test_put_file(DIR "/index.json", b.data, b.len);
	cnab_buf_release(&b);
	if (cnab_layout_open(&g.layout, DIR, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cnab_layout_release(&g.layout);
	cnab_descriptor_release(&g.shared);
	cnab_descriptor_release(&g.a[0]);
	cnab_descriptor_release(&g.a[1]);
	cnab_descriptor_release(&g.b[0]);
	cnab_descriptor_release(&g.b[1]);
	cnab_descriptor_release(&g.man_a);
	cnab_descriptor_release(&g.man_b);
	return 0;
}

/* A transfer from the layout alone. */
static void start(struct cnab_transfer *t)
{
	memset(t, 0, sizeof(*t));
	t->layouts = &g.layout;
	t->nlayouts = 1;
	t->layouts_only = true;
}

/* What a sink saw: the objects in order, and all their bytes. */
struct seen {
	char digests[16][CNAB_DIGEST_STR_MAX];
	size_t n, total;
	struct cnab_buf bytes;
};

static enum cnab_status seen_begin(void *ctx,
                                   const struct cnab_image_node *node, size_t i,
                                   size_t n, struct cnab_err *err)
{
	struct seen *s = ctx;

	(void)err;
	assert_int_equal(i, s->n);
	assert_true(s->n < 16);
	s->total = n;
	cnab_digest_format(&node->desc.digest, s->digests[s->n++]);
	return CNAB_OK;
}

static enum cnab_status seen_write(void *ctx, const void *p, size_t n,
                                   struct cnab_err *err)
{
	struct seen *s = ctx;

	(void)err;
	return cnab_buf_add(&s->bytes, p, n);
}

/* No registry is asked: handles with no options. */
static const struct cnab_registry_opts ropts;

static size_t resolved_calls;

static enum cnab_status count_resolved(void *ctx, size_t i,
                                       const struct cnab_transfer_image *img,
                                       struct cnab_err *err)
{
	(void)ctx;
	(void)err;
	assert_true(img->found);
	assert_ptr_equal(img->layout, &g.layout);
	assert_int_equal(i, resolved_calls);
	resolved_calls++;
	return CNAB_OK;
}

/* Two images from a layout: 7 objects (the shared layer once), in digest
 * order, every byte once, whatever the jobs. */
static void test_copy_from_layout(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	int jobs[] = {1, 4};
	size_t j, i;

	(void)state;
	for (j = 0; j < 2; j++) {
		struct cnab_transfer t;
		struct seen s;
		struct cnab_transfer_sink sink = {seen_begin, seen_write, &s};
		struct cnab_transfer_copy_opts co = {&ropts, jobs[j], 0};

		memset(&s, 0, sizeof(s));
		cnab_buf_init(&s.bytes, SIZE_MAX);
		start(&t);
		t.resolved = count_resolved;
		resolved_calls = 0;
		assert_int_equal(cnab_transfer_add(&t, REF_A, NULL, NULL, &err),
		                 CNAB_OK);
		assert_int_equal(cnab_transfer_add(&t, REF_B, NULL, NULL, &err),
		                 CNAB_OK);
		assert_int_equal(cnab_transfer_resolve(&t, &err), CNAB_OK);
		assert_int_equal(resolved_calls, 2);
		assert_int_equal(cnab_transfer_walk(&t, &err), CNAB_OK);
		assert_int_equal(t.tree.n, 7);
		assert_int_equal(cnab_transfer_copy(&t, &co, &sink, &err),
		                 CNAB_OK);
		assert_int_equal(s.n, 7);
		assert_int_equal(s.total, 7);
		for (i = 1; i < s.n; i++)
			assert_true(strcmp(s.digests[i - 1], s.digests[i]) < 0);
		assert_int_equal(s.bytes.len, cnab_transfer_bytes(&t));
		cnab_buf_release(&s.bytes);
		cnab_transfer_release(&t);
	}
}

/* A miss in the layouts names the reference, the layout and its names. */
static void test_layout_miss(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_transfer t;

	(void)state;
	start(&t);
	cnab_transfer_add(&t, REF_A, NULL, NULL, &err);
	cnab_transfer_add(&t, "example.com/app/c:1", NULL, NULL, &err);
	assert_int_equal(cnab_transfer_resolve(&t, &err), CNAB_ERR_NOTFOUND);
	assert_string_equal(err.msg, "image 'example.com/app/c:1' is not in "
	                             "layout 'lay', which holds '" REF_A
	                             "', '" REF_B "'");
	/* the image found was found all the same */
	assert_true(t.images[0].found);
	assert_false(t.images[1].found);
	cnab_transfer_release(&t);
}

/* Every miss in one message: the first in full, the others by name. */
static void test_all_misses(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_transfer t;

	(void)state;
	start(&t);
	cnab_transfer_add(&t, "example.com/app/c:1", NULL, NULL, &err);
	cnab_transfer_add(&t, REF_B, NULL, NULL, &err);
	cnab_transfer_add(&t, "example.com/app/d:1", NULL, NULL, &err);
	cnab_transfer_add(&t, "example.com/app/e:1", NULL, NULL, &err);
	assert_int_equal(cnab_transfer_resolve(&t, &err), CNAB_ERR_NOTFOUND);
	assert_string_equal(err.msg,
	                    "3 of 4 images not found: image "
	                    "'example.com/app/c:1' is not in layout 'lay', "
	                    "which holds '" REF_A "', '" REF_B "'; nor "
	                    "'example.com/app/d:1', 'example.com/app/e:1'");
	cnab_transfer_release(&t);
}

/* Pins are checked for every image before anything is looked for. */
static void test_pins_first(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_transfer t;

	(void)state;
	start(&t);
	cnab_transfer_add(&t, "example.com/app/c:1", NULL, NULL, &err);
	cnab_transfer_add(&t, REF_A,
	                  "sha256:"
	                  "0000000000000000000000000000000000000000000000000000"
	                  "000000000000",
	                  NULL, &err);
	/* found by its ref-name, but the contentDigest says otherwise */
	assert_int_equal(cnab_transfer_resolve(&t, &err), CNAB_ERR_INTEGRITY);
	cnab_transfer_release(&t);
}

/* A blob of the layout altered: the copy fails, integrity. */
static void test_altered_blob(void **state)
{
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_layout l = CNAB_LAYOUT_INIT;
	struct cnab_transfer t;
	struct seen s;
	struct cnab_transfer_sink sink = {seen_begin, seen_write, &s};
	struct cnab_transfer_copy_opts co = {&ropts, 1, 0};
	char *path;

	(void)state;
	l.dir = (char *)DIR;
	path = cnab_layout_blob_path(&l, &g.a[1].digest);
	test_put_file(path, "layer of A", strlen("layer of A"));
	memset(&s, 0, sizeof(s));
	cnab_buf_init(&s.bytes, SIZE_MAX);
	start(&t);
	cnab_transfer_add(&t, REF_A, NULL, NULL, &err);
	assert_int_equal(cnab_transfer_resolve(&t, &err), CNAB_OK);
	assert_int_equal(cnab_transfer_walk(&t, &err), CNAB_OK);
	assert_int_equal(cnab_transfer_copy(&t, &co, &sink, &err),
	                 CNAB_ERR_INTEGRITY);
	test_put_file(path, "layer of a", strlen("layer of a"));
	free(path);
	cnab_buf_release(&s.bytes);
	cnab_transfer_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_copy_from_layout),
	        cmocka_unit_test(test_layout_miss),
	        cmocka_unit_test(test_all_misses),
	        cmocka_unit_test(test_pins_first),
	        cmocka_unit_test(test_altered_blob),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
