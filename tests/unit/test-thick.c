#include "tests/unit/test.h"

#include <fcntl.h>
#include <inttypes.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/image.h"
#include "common/map.h"
#include "common/oci.h"
#include "common/tar.h"
#include "formats/thick.h"

#define REF_INV         "example.com/app/installer:v1"
#define REF_WEB         "example.com/app/web:v1"
#define RELOC           "airgap.local:5000/app/"
#define LAYER_MT        "application/vnd.oci.image.layer.v1.tar+gzip"
#define DOCKER_LAYER_MT "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MARKER          "{\"imageLayoutVersion\":\"1.0.0\"}"
#define BUNDLE_TEXT                                                            \
	"{\"images\":{\"web\":{\"image\":\"" REF_WEB "\"}},"                   \
	"\"invocationImages\":[{\"image\":\"" REF_INV "\","                    \
	"\"imageType\":\"docker\"}],\"name\":\"app\","                         \
	"\"schemaVersion\":\"v1.2.0\",\"version\":\"1.0.0\"}"

/* A blob of the fixture images, and its name in an archive. */
struct blob {
	char *data;
	size_t len;
	struct cnab_descriptor d;
	char digest[CNAB_DIGEST_STR_MAX];
	char name[200]; /* artifacts/layout/blobs/sha256/HEX */
};

static void make_blob(struct blob *b, const char *mt, const char *data,
                      size_t len)
{
	char hex[2 * CNAB_DIGEST_RAW_MAX + 1];

	memset(b, 0, sizeof(*b));
	b->data = malloc(len + 1);
	assert_non_null(b->data);
	memcpy(b->data, data, len);
	b->data[len] = '\0';
	b->len = len;
	assert_int_equal(
	        cnab_digest_of(CNAB_DIGEST_SHA256, data, len, &b->d.digest),
	        CNAB_OK);
	b->d.size = len;
	b->d.media_type = strdup(mt);
	assert_non_null(b->d.media_type);
	cnab_digest_format(&b->d.digest, b->digest);
	cnab_digest_hex(&b->d.digest, hex);
	snprintf(b->name, sizeof(b->name), CNAB_ARCHIVE_BLOBS "/sha256/%s",
	         hex);
}

static void free_blob(struct blob *b)
{
	free(b->data);
	cnab_descriptor_release(&b->d);
}

static void add_desc(struct cnab_buf *b, const struct blob *d, const char *ref)
{
	cnab_buf_addf(b,
	              "{\"mediaType\":\"%s\",\"digest\":\"%s\","
	              "\"size\":%zu",
	              d->d.media_type, d->digest, d->len);
	if (ref)
		cnab_buf_addf(b,
		              ",\"annotations\":{\"" CNAB_ANNOTATION_REF_NAME
		              "\":\"%s\"}",
		              ref);
	cnab_buf_addch(b, '}');
}

/* A manifest of the given media type for config and two layers. */
static void make_manifest(struct blob *out, const char *mt,
                          const struct blob *config, const struct blob *l1,
                          const struct blob *l2)
{
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);

	cnab_buf_addf(&b,
	              "{\"schemaVersion\":2,\"mediaType\":\"%s\","
	              "\"config\":",
	              mt);
	add_desc(&b, config, NULL);
	cnab_buf_addstr(&b, ",\"layers\":[");
	add_desc(&b, l1, NULL);
	cnab_buf_addch(&b, ',');
	add_desc(&b, l2, NULL);
	cnab_buf_addstr(&b, "]}");
	make_blob(out, mt, b.data, b.len);
	cnab_buf_release(&b);
}

/* The fixture: two images sharing a layer, their bundle and mapping. */
static struct {
	struct blob ci, cw, li, lw, ls, mi, mw;
	struct blob *all[7];
	char *reloc_inv, *reloc_web; /* where the images were relocated */
	char *mapping;
} f;

static int setup(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(4096);
	const char *s;

	(void)state;
	s = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{}}";
	make_blob(&f.ci, CNAB_MT_OCI_CONFIG, s, strlen(s));
	s = "{\"architecture\":\"arm64\",\"os\":\"linux\",\"rootfs\":{}}";
	make_blob(&f.cw, CNAB_MT_DOCKER_CONFIG, s, strlen(s));
	s = "installer layer bytes";
	make_blob(&f.li, LAYER_MT, s, strlen(s));
	s = "web layer bytes";
	make_blob(&f.lw, DOCKER_LAYER_MT, s, strlen(s));
	s = "the layer both images share";
	make_blob(&f.ls, LAYER_MT, s, strlen(s));
	make_manifest(&f.mi, CNAB_MT_OCI_MANIFEST, &f.ci, &f.li, &f.ls);
	make_manifest(&f.mw, CNAB_MT_DOCKER_MANIFEST, &f.cw, &f.lw, &f.ls);
	f.all[0] = &f.li;
	f.all[1] = &f.lw;
	f.all[2] = &f.ls;
	f.all[3] = &f.ci;
	f.all[4] = &f.cw;
	f.all[5] = &f.mi;
	f.all[6] = &f.mw;
	cnab_buf_addf(&b, RELOC "installer@%s", f.mi.digest);
	f.reloc_inv = cnab_buf_detach(&b, NULL);
	cnab_buf_addf(&b, RELOC "web@%s", f.mw.digest);
	f.reloc_web = cnab_buf_detach(&b, NULL);
	cnab_buf_addf(&b, "{\"%s\":\"%s\",\"%s\":\"%s\"}", REF_INV, f.reloc_inv,
	              REF_WEB, f.reloc_web);
	f.mapping = cnab_buf_detach(&b, NULL);
	return 0;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++)
		free_blob(f.all[i]);
	free(f.reloc_inv);
	free(f.reloc_web);
	free(f.mapping);
	return 0;
}

/* index.json naming mi and mw under refs (NULL: no annotation); a third
 * and fourth entry when inv2/web2 are not NULL. */
static char *index_json(const char *inv, const char *web, const char *inv2,
                        const char *web2)
{
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);

	cnab_buf_addstr(
	        &b, "{\"schemaVersion\":2,\"mediaType\":\"" CNAB_MT_OCI_INDEX
	            "\",\"manifests\":[");
	add_desc(&b, &f.mi, inv);
	cnab_buf_addch(&b, ',');
	add_desc(&b, &f.mw, web);
	if (inv2) {
		cnab_buf_addch(&b, ',');
		add_desc(&b, &f.mi, inv2);
	}
	if (web2) {
		cnab_buf_addch(&b, ',');
		add_desc(&b, &f.mw, web2);
	}
	cnab_buf_addstr(&b, "]}");
	return cnab_buf_detach(&b, NULL);
}

/* The entries of an archive being made. */
struct arc {
	struct {
		char name[256];
		const char *data; /* NULL: a directory */
		size_t len;
	} e[64];
	size_t n;
};

static void add_file(struct arc *a, const char *prefix, const char *name,
                     const char *data, size_t len)
{
	assert_true(a->n < 64);
	snprintf(a->e[a->n].name, sizeof(a->e[a->n].name), "%s%s", prefix,
	         name);
	a->e[a->n].data = data;
	a->e[a->n].len = len;
	a->n++;
}

static void add_text(struct arc *a, const char *prefix, const char *name,
                     const char *text)
{
	add_file(a, prefix, name, text, strlen(text));
}

static void add_dir(struct arc *a, const char *name)
{
	add_file(a, "", name, NULL, 0);
}

/* Every blob of the fixture but skip (which may be NULL). */
static void add_blobs(struct arc *a, const char *prefix,
                      const struct blob *skip)
{
	size_t i;

	for (i = 0; i < 7; i++)
		if (f.all[i] != skip)
			add_file(a, prefix, f.all[i]->name, f.all[i]->data,
			         f.all[i]->len);
}

/* Writes the archive to path: level -1 for a plain tar, else gzip. */
static void write_arc(const struct arc *a, const char *path, int level)
{
	struct cnab_tar_writer *w;
	struct cnab_err err = CNAB_ERR_INIT;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t i;

	assert_true(fd >= 0);
	assert_int_equal(cnab_tar_writer_open(&w, fd, level, 0, path, &err),
	                 CNAB_OK);
	for (i = 0; i < a->n; i++) {
		if (!a->e[i].data) {
			assert_int_equal(
			        cnab_tar_writer_dir(w, a->e[i].name, &err),
			        CNAB_OK);
			continue;
		}
		assert_int_equal(cnab_tar_writer_file(w, a->e[i].name,
		                                      a->e[i].len, true, &err),
		                 CNAB_OK);
		assert_int_equal(cnab_tar_writer_write(w, a->e[i].data,
		                                       a->e[i].len, &err),
		                 CNAB_OK);
	}
	if (cnab_tar_writer_close(w, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	cnab_tar_writer_free(w);
	close(fd);
}

/* An archive being read, and its file. */
struct reading {
	struct cnab_thick t;
	int fd;
};

static enum cnab_status open_arc(struct reading *r, const char *path,
                                 bool verify, struct cnab_err *err)
{
	r->fd = open(path, O_RDONLY);
	assert_true(r->fd >= 0);
	return cnab_thick_open(&r->t, r->fd, path, verify, err);
}

static void close_arc(struct reading *r)
{
	cnab_thick_release(&r->t);
	close(r->fd);
}

static char kind_char(enum cnab_thick_kind k)
{
	switch (k) {
	case CNAB_THICK_BUNDLE:
		return 'B';
	case CNAB_THICK_MAPPING:
		return 'M';
	case CNAB_THICK_DELTA:
		return 'D';
	case CNAB_THICK_MARKER:
		return 'K';
	case CNAB_THICK_INDEX:
		return 'I';
	case CNAB_THICK_BLOB:
		return 'b';
	case CNAB_THICK_OTHER:
		return 'o';
	}
	return '?';
}

/* Finds every image of the bundle read, and checks each is found at the
 * manifest the fixture made for it. */
static void check_find(const struct cnab_thick *t)
{
	size_t i;

	assert_int_equal(t->bundle.nimages, 2);
	for (i = 0; i < t->bundle.nimages; i++) {
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		const struct blob *want = i ? &f.mw : &f.mi;

		if (cnab_thick_find_image(t, &t->bundle.images[i], &d, &err) !=
		    CNAB_OK)
			fail_msg("image %zu: %s", i, err.msg);
		assert_true(cnab_digest_equal(&d.digest, &want->d.digest));
		assert_int_equal(d.size, want->len);
		assert_string_equal(d.media_type, want->d.media_type);
		cnab_descriptor_release(&d);
	}
}

/* Walks every image over the archive's blob source: all seven blobs. */
static void check_tree(struct cnab_thick *t)
{
	struct cnab_image_tree tree = CNAB_IMAGE_TREE_INIT;
	struct cnab_blob_source src = cnab_thick_source(t);
	size_t i;

	for (i = 0; i < t->bundle.nimages; i++) {
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
		struct cnab_err err = CNAB_ERR_INIT;

		assert_int_equal(cnab_thick_find_image(t, &t->bundle.images[i],
		                                       &d, &err),
		                 CNAB_OK);
		if (cnab_image_tree_add(&tree, &src, &d,
		                        t->bundle.images[i].image,
		                        &err) != CNAB_OK)
			fail_msg("image %zu: %s", i, err.msg);
		cnab_descriptor_release(&d);
	}
	assert_int_equal(tree.n, 7);
	for (i = 0; i < 7; i++) {
		const struct cnab_image_node *n =
		        cnab_image_tree_find(&tree, f.all[i]->digest);

		assert_non_null(n);
		assert_int_equal(n->desc.size, f.all[i]->len);
		assert_int_equal(n->is_manifest, i >= 5);
		if (n->is_manifest)
			assert_memory_equal(n->data, f.all[i]->data,
			                    f.all[i]->len);
	}
	/* manifests after what they reference */
	assert_true(
	        cnab_digest_equal(&tree.nodes[3].desc.digest, &f.mi.d.digest));
	assert_true(
	        cnab_digest_equal(&tree.nodes[6].desc.digest, &f.mw.d.digest));
	cnab_image_tree_release(&tree);
}

enum style { CNAB_ARCHIVE, PORTER_V1, CNAB_GO };

/* Makes an archive of the style at path. */
static void make_style(enum style style, const char *path)
{
	struct arc a = {0};
	char *index;

	switch (style) {
	case CNAB_ARCHIVE:
		/* the original refs, and the relocated ones too */
		index = index_json(REF_INV, REF_WEB, f.reloc_inv, f.reloc_web);
		add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
		add_text(&a, "", CNAB_ARCHIVE_MAPPING, f.mapping);
		add_text(&a, "", CNAB_ARCHIVE_MARKER, MARKER);
		add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
		add_blobs(&a, "", NULL);
		write_arc(&a, path, 6);
		break;
	case PORTER_V1:
		/* the relocated refs only, bundle.json last */
		index = index_json(f.reloc_inv, f.reloc_web, NULL, NULL);
		add_dir(&a, "./");
		add_dir(&a, "./artifacts/");
		add_dir(&a, "./artifacts/layout/");
		add_dir(&a, "./artifacts/layout/blobs/");
		add_dir(&a, "./artifacts/layout/blobs/sha256/");
		add_blobs(&a, "./", NULL);
		add_text(&a, "./", CNAB_ARCHIVE_INDEX, index);
		add_text(&a, "./", CNAB_ARCHIVE_MARKER, MARKER);
		add_text(&a, "./", CNAB_ARCHIVE_MAPPING, f.mapping);
		add_text(&a, "./", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
		write_arc(&a, path, 9);
		break;
	case CNAB_GO:
	default:
		/* the original refs, no mapping, a plain tar */
		index = index_json(REF_INV, REF_WEB, NULL, NULL);
		add_text(&a, "", CNAB_ARCHIVE_MARKER, MARKER);
		add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
		add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
		add_blobs(&a, "", NULL);
		write_arc(&a, path, -1);
		break;
	}
	free(index);
}

static void test_styles(void **state)
{
	static const struct {
		enum style style;
		const char *kinds;
		bool bundle_first, mapping;
		size_t nindex;
	} cases[] = {
	        {CNAB_ARCHIVE, "BMKIbbbbbbb", true, true, 4},
	        {PORTER_V1, "oooobbbbbbbIKMB", false, true, 2},
	        {CNAB_GO, "KBIbbbbbbb", false, false, 2},
	};
	size_t i, k;
	int verify;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_style(cases[i].style, "style.tgz");
		for (verify = 0; verify < 2; verify++) {
			struct reading r;
			struct cnab_err err = CNAB_ERR_INIT;
			struct cnab_thick_item item;
			char kinds[64];
			bool eof = false;

			assert_int_equal(
			        open_arc(&r, "style.tgz", verify, &err),
			        CNAB_OK);
			for (k = 0; k < sizeof(kinds) - 1; k++) {
				if (cnab_thick_next(&r.t, &item, &eof, &err) !=
				    CNAB_OK)
					fail_msg("case %zu: %s", i, err.msg);
				if (eof)
					break;
				kinds[k] = kind_char(item.kind);
				/* names come without "./" */
				assert_int_not_equal(item.name[0], '.');
				if (item.kind == CNAB_THICK_BUNDLE) {
					assert_string_equal(item.name,
					                    "bundle.json");
					assert_int_equal(item.size,
					                 strlen(BUNDLE_TEXT));
				}
				if (item.kind == CNAB_THICK_BLOB)
					assert_non_null(strstr(
					        item.name, "blobs/sha256/"));
			}
			kinds[k] = '\0';
			assert_string_equal(kinds, cases[i].kinds);
			/* the end stays the end */
			assert_int_equal(
			        cnab_thick_next(&r.t, &item, &eof, &err),
			        CNAB_OK);
			assert_true(eof);
			/* and there is nothing left to finish */
			assert_int_equal(cnab_thick_finish(&r.t, &err),
			                 CNAB_OK);
			assert_int_equal(r.t.bundle_first,
			                 cases[i].bundle_first);
			assert_int_equal(r.t.bundle_len, strlen(BUNDLE_TEXT));
			assert_memory_equal(r.t.bundle_data, BUNDLE_TEXT,
			                    r.t.bundle_len);
			assert_string_equal(r.t.bundle.name, "app");
			assert_int_equal(r.t.mapping.map != NULL,
			                 cases[i].mapping);
			assert_true(r.t.has_marker);
			assert_int_equal(r.t.index.nmanifests, cases[i].nindex);
			assert_int_equal(r.t.nfiles, 10 + cases[i].mapping);
			assert_true(cnab_thick_bytes_in(&r.t) > 0);
			check_find(&r.t);
			check_tree(&r.t);
			close_arc(&r);
		}
	}
}

static void test_finish_then_walk(void **state)
{
	enum style s;

	(void)state;
	for (s = CNAB_ARCHIVE; s <= CNAB_GO; s++) {
		struct reading r;
		struct cnab_err err = CNAB_ERR_INIT;

		make_style(s, "finish.tgz");
		assert_int_equal(open_arc(&r, "finish.tgz", true, &err),
		                 CNAB_OK);
		if (cnab_thick_finish(&r.t, &err) != CNAB_OK)
			fail_msg("style %d: %s", s, err.msg);
		check_find(&r.t);
		check_tree(&r.t);
		close_arc(&r);
	}
}

/* Reads the whole archive at path; the status of the first failure. */
static enum cnab_status read_whole(const char *path, bool verify,
                                   struct reading *r, struct cnab_err *err)
{
	enum cnab_status st = open_arc(r, path, verify, err);

	if (st == CNAB_OK)
		st = cnab_thick_finish(&r->t, err);
	return st;
}

static void test_find_by_digest(void **state)
{
	char *bundle, *index;
	struct arc a = {0};
	struct reading r;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_buf b = CNAB_BUF_INIT(4096);

	(void)state;
	/* no ref-name annotations that match: found by contentDigest */
	cnab_buf_addf(&b,
	              "{\"images\":{\"web\":{\"image\":\"" REF_WEB "\","
	              "\"contentDigest\":\"%s\"}},\"invocationImages\":[{"
	              "\"image\":\"" REF_INV "\",\"contentDigest\":\"%s\"}],"
	              "\"name\":\"app\",\"schemaVersion\":\"v1.2.0\","
	              "\"version\":\"1.0.0\"}",
	              f.mw.digest, f.mi.digest);
	bundle = cnab_buf_detach(&b, NULL);
	index = index_json(NULL, "example.com/other/image:v1", NULL, NULL);
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, bundle);
	add_text(&a, "", CNAB_ARCHIVE_MARKER, MARKER);
	add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
	add_blobs(&a, "", NULL);
	write_arc(&a, "digest.tgz", 1);
	free(index);
	if (read_whole("digest.tgz", true, &r, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	check_find(&r.t);
	check_tree(&r.t);
	close_arc(&r);

	/* the web image not in index.json at all: its manifest blob */
	memset(&a, 0, sizeof(a));
	cnab_buf_addstr(&b, "{\"schemaVersion\":2,\"manifests\":[");
	add_desc(&b, &f.mi, REF_INV);
	cnab_buf_addstr(&b, "]}");
	index = cnab_buf_detach(&b, NULL);
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, bundle);
	add_text(&a, "", CNAB_ARCHIVE_MARKER, MARKER);
	add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
	add_blobs(&a, "", NULL);
	write_arc(&a, "blob.tgz", 1);
	if (read_whole("blob.tgz", false, &r, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(r.t.index.nmanifests, 1);
	check_find(&r.t);
	check_tree(&r.t);
	close_arc(&r);

	/* and without index.json */
	memset(&a, 0, sizeof(a));
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, bundle);
	add_blobs(&a, "", NULL);
	write_arc(&a, "noindex.tgz", 1);
	if (read_whole("noindex.tgz", true, &r, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	assert_null(r.t.index.root);
	assert_false(r.t.has_marker);
	check_find(&r.t);
	close_arc(&r);
	free(index);
	free(bundle);
}

static void test_find_normalised_ref(void **state)
{
	const char *bundle =
	        "{\"invocationImages\":[{\"image\":\"app/installer:v1\"}],"
	        "\"images\":{\"web\":{\"image\":\"docker.io/library/web:v1\"}},"
	        "\"name\":\"app\",\"schemaVersion\":\"v1.2.0\","
	        "\"version\":\"1.0.0\"}";
	char *index =
	        index_json("docker.io/app/installer:v1", "web:v1", NULL, NULL);
	struct arc a = {0};
	struct reading r;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	/* references written differently but naming the same image */
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, bundle);
	add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
	add_blobs(&a, "", NULL);
	write_arc(&a, "norm.tgz", 1);
	if (read_whole("norm.tgz", true, &r, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	check_find(&r.t);
	close_arc(&r);
	free(index);
}

/*
 * A reference that carries a digest binds the descriptor found for it,
 * whichever way it was found: by the image's own reference, by its
 * relocated one, or by contentDigest.
 */
static void test_find_pins(void **state)
{
	struct cnab_buf b = CNAB_BUF_INIT(8192);
	char *pinned_web, *bundle, *index, *mapping, *lie;
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	struct arc a;
	struct reading r;

	(void)state;
	/* web pinned to mw, and an annotation saying so on mw: found */
	cnab_buf_addf(&b, "example.com/app/web@%s", f.mw.digest);
	pinned_web = cnab_buf_detach(&b, NULL);
	cnab_buf_addf(&b,
	              "{\"images\":{\"web\":{\"image\":\"%s\"}},"
	              "\"invocationImages\":[{\"image\":\"" REF_INV "\"}],"
	              "\"name\":\"app\",\"schemaVersion\":\"v1.2.0\","
	              "\"version\":\"1.0.0\"}",
	              pinned_web);
	bundle = cnab_buf_detach(&b, NULL);
	index = index_json(REF_INV, pinned_web, NULL, NULL);
	memset(&a, 0, sizeof(a));
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, bundle);
	add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
	add_blobs(&a, "", NULL);
	write_arc(&a, "pin.tgz", 1);
	free(index);
	if (read_whole("pin.tgz", true, &r, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	check_find(&r.t);
	close_arc(&r);

	/* the same annotation on mi's descriptor: a lie, exit 3 */
	index = index_json(pinned_web, REF_INV, NULL, NULL);
	memset(&a, 0, sizeof(a));
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, bundle);
	add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
	add_blobs(&a, "", NULL);
	write_arc(&a, "lie.tgz", 1);
	free(index);
	assert_int_equal(read_whole("lie.tgz", true, &r, &err), CNAB_OK);
	assert_int_equal(
	        cnab_thick_find_image(&r.t, &r.t.bundle.images[1], &d, &err),
	        CNAB_ERR_INTEGRITY);
	cnab_buf_addf(&b,
	              "digest mismatch for image '%s' in archive 'lie.tgz': "
	              "pinned to %s, resolved to %s",
	              pinned_web, f.mw.digest, f.mi.digest);
	assert_string_equal(err.msg, cnab_buf_str(&b));
	cnab_buf_reset(&b);
	close_arc(&r);

	/* Porter v1: the relocated reference pins mw, its descriptor is mi */
	cnab_buf_addf(&b, RELOC "web@%s", f.mw.digest);
	lie = cnab_buf_detach(&b, NULL);
	cnab_buf_addf(&b, "{\"%s\":\"%s\"}", REF_WEB, lie);
	mapping = cnab_buf_detach(&b, NULL);
	index = index_json(lie, NULL, NULL, NULL);
	memset(&a, 0, sizeof(a));
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
	add_text(&a, "", CNAB_ARCHIVE_MAPPING, mapping);
	add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
	add_blobs(&a, "", NULL);
	write_arc(&a, "reloc-lie.tgz", 1);
	free(index);
	cnab_err_clear(&err);
	assert_int_equal(read_whole("reloc-lie.tgz", true, &r, &err), CNAB_OK);
	assert_int_equal(
	        cnab_thick_find_image(&r.t, &r.t.bundle.images[1], &d, &err),
	        CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, lie));
	assert_non_null(strstr(err.msg, f.mi.digest));
	close_arc(&r);

	/* pinned by sha384: cannot be verified */
	cnab_buf_addstr(&b, "{\"images\":{\"web\":{\"image\":\"example.com/app/"
	                    "web@sha384:");
	for (int i = 0; i < 96; i++)
		cnab_buf_addch(&b, 'a');
	cnab_buf_addstr(&b, "\",\"contentDigest\":\"");
	cnab_buf_addstr(&b, f.mw.digest);
	cnab_buf_addstr(&b, "\"}},\"invocationImages\":[{\"image\":\"" REF_INV
	                    "\"}],\"name\":\"app\",\"schemaVersion\":"
	                    "\"v1.2.0\",\"version\":\"1.0.0\"}");
	free(bundle);
	bundle = cnab_buf_detach(&b, NULL);
	index = index_json(REF_INV, NULL, NULL, NULL);
	memset(&a, 0, sizeof(a));
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, bundle);
	add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
	add_blobs(&a, "", NULL);
	write_arc(&a, "sha384.tgz", 1);
	free(index);
	cnab_err_clear(&err);
	assert_int_equal(read_whole("sha384.tgz", true, &r, &err), CNAB_OK);
	assert_int_equal(
	        cnab_thick_find_image(&r.t, &r.t.bundle.images[1], &d, &err),
	        CNAB_ERR_INVALID);
	assert_non_null(strstr(err.msg, "digest algorithm 'sha384' is not "
	                                "supported"));
	close_arc(&r);
	free(bundle);
	free(mapping);
	free(lie);
	free(pinned_web);
	cnab_buf_release(&b);
}

static void test_image_missing(void **state)
{
	static const struct {
		const char *web;           /* the web image's members */
		const struct blob *digest; /* with its contentDigest */
		bool drop_blob;            /* without mw's blob */
		const char *msg;
	} cases[] = {
	        /* no annotation, no contentDigest */
	        {"\"image\":\"" REF_WEB "\"", NULL, false,
	         "image '" REF_WEB "' is missing from archive 'missing.tgz'"},
	        /* a contentDigest no blob has */
	        {"\"image\":\"" REF_WEB "\",\"contentDigest\":\"sha256:"
	         "0000000000000000000000000000000000000000000000000000000000000"
	         "000"
	         "\"",
	         NULL, false, "is missing from archive"},
	        /* a contentDigest that is not a digest at all */
	        {"\"image\":\"" REF_WEB
	         "\",\"contentDigest\":\"sha256:aaa...\"",
	         NULL, false, "is missing from archive"},
	        /* the right contentDigest, but the manifest's blob is absent */
	        {"\"image\":\"" REF_WEB "\"", &f.mw, true,
	         "is missing from archive"},
	        /* the right contentDigest, naming a blob that is no manifest */
	        {"\"image\":\"" REF_WEB "\"", &f.lw, false,
	         "is missing from archive"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cnab_buf b = CNAB_BUF_INIT(4096);
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		struct arc a = {0};
		struct reading r;
		char *bundle, *index;

		cnab_buf_addf(&b, "{\"images\":{\"web\":{%s", cases[i].web);
		if (cases[i].digest)
			cnab_buf_addf(&b, ",\"contentDigest\":\"%s\"",
			              cases[i].digest->digest);
		cnab_buf_addstr(&b,
		                "}},\"invocationImages\":[{\"image\":\"" REF_INV
		                "\"}],\"name\":\"a\",\"schemaVersion\":"
		                "\"v1\",\"version\":\"1\"}");
		bundle = cnab_buf_detach(&b, NULL);
		/* index.json names the installer only */
		cnab_buf_addstr(&b, "{\"schemaVersion\":2,\"manifests\":[");
		add_desc(&b, &f.mi, REF_INV);
		cnab_buf_addstr(&b, "]}");
		index = cnab_buf_detach(&b, NULL);
		add_text(&a, "", CNAB_ARCHIVE_BUNDLE, bundle);
		add_text(&a, "", CNAB_ARCHIVE_MARKER, MARKER);
		add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
		add_blobs(&a, "", cases[i].drop_blob ? &f.mw : NULL);
		write_arc(&a, "missing.tgz", 1);
		if (read_whole("missing.tgz", true, &r, &err) != CNAB_OK)
			fail_msg("case %zu: %s", i, err.msg);
		assert_int_equal(cnab_thick_find_image(
		                         &r.t, &r.t.bundle.images[0], &d, &err),
		                 CNAB_OK);
		cnab_descriptor_release(&d);
		assert_int_equal(cnab_thick_find_image(
		                         &r.t, &r.t.bundle.images[1], &d, &err),
		                 CNAB_ERR_CORRUPT);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].msg);
		close_arc(&r);
		free(bundle);
		free(index);
	}
}

static void test_walk_missing(void **state)
{
	struct arc a = {0};
	struct reading r;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_image_tree tree = CNAB_IMAGE_TREE_INIT;
	struct cnab_blob_source src;
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	bool has = true;
	char *index = index_json(REF_INV, REF_WEB, NULL, NULL);

	(void)state;
	/* the shared layer is missing: the walk says so */
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
	add_text(&a, "", CNAB_ARCHIVE_MARKER, MARKER);
	add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
	add_blobs(&a, "", &f.ls);
	write_arc(&a, "walk.tgz", 1);
	if (read_whole("walk.tgz", true, &r, &err) != CNAB_OK)
		fail_msg("%s", err.msg);
	src = cnab_thick_source(&r.t);
	assert_int_equal(
	        cnab_thick_find_image(&r.t, &r.t.bundle.images[0], &d, &err),
	        CNAB_OK);
	assert_int_equal(cnab_image_tree_add(&tree, &src, &d, REF_INV, &err),
	                 CNAB_ERR_NOTFOUND);
	assert_non_null(strstr(err.msg, f.ls.digest));
	assert_non_null(strstr(err.msg, "archive 'walk.tgz'"));
	cnab_descriptor_release(&d);
	cnab_image_tree_release(&tree);
	/* the source's own answers */
	assert_int_equal(src.has_blob(src.ctx, &f.ls.d, &has, &err), CNAB_OK);
	assert_false(has);
	assert_int_equal(src.has_blob(src.ctx, &f.li.d, &has, &err), CNAB_OK);
	assert_true(has);
	assert_int_equal(cnab_descriptor_copy(&d, &f.li.d), CNAB_OK);
	d.size++;
	cnab_err_clear(&err);
	assert_int_equal(src.has_blob(src.ctx, &d, &has, &err),
	                 CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "size mismatch"));
	cnab_descriptor_release(&d);
	/* a manifest the walk asks for with the wrong size */
	assert_int_equal(cnab_descriptor_copy(&d, &f.mi.d), CNAB_OK);
	d.size--;
	cnab_err_clear(&err);
	assert_int_equal(cnab_image_tree_add(&tree, &src, &d, REF_INV, &err),
	                 CNAB_ERR_INTEGRITY);
	cnab_descriptor_release(&d);
	cnab_image_tree_release(&tree);
	close_arc(&r);
	free(index);
}

/* A copy of b's bytes with one changed. */
static char *tampered(const struct blob *b)
{
	char *data = malloc(b->len);

	assert_non_null(data);
	memcpy(data, b->data, b->len);
	data[b->len / 2] ^= 0x20;
	return data;
}

static void test_integrity(void **state)
{
	static const struct {
		const struct blob *b;
		bool verify;
	} cases[] = {
	        {&f.li, true},
	        {&f.mi, true},
	        {&f.ci, true},
	        /* small blobs are read (they may be manifests) even
	         * without verify, and so checked */
	        {&f.li, false},
	        {&f.mw, false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct blob *b = cases[i].b;
		struct arc a = {0};
		struct reading r;
		struct cnab_err err = CNAB_ERR_INIT;
		char *bad = tampered(b);

		add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
		add_blobs(&a, "", b);
		add_file(&a, "", b->name, bad, b->len);
		write_arc(&a, "tampered.tgz", 1);
		assert_int_equal(
		        read_whole("tampered.tgz", cases[i].verify, &r, &err),
		        CNAB_ERR_INTEGRITY);
		assert_non_null(strstr(err.msg, "digest mismatch"));
		assert_non_null(strstr(err.msg, b->name));
		close_arc(&r);
		free(bad);
	}
}

/* A pseudo-random blob larger than CNAB_MAX_DOCUMENT (never kept). */
static void make_big(struct blob *b, bool tamper)
{
	size_t len = CNAB_MAX_DOCUMENT + 12345, i;
	char *data = malloc(len);
	uint32_t x = 2463534242u;

	assert_non_null(data);
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (char)x;
	}
	make_blob(b, LAYER_MT, data, len);
	if (tamper)
		b->data[len - 1] ^= 1;
	free(data);
}

static void test_big_blob_verify(void **state)
{
	struct blob big;
	struct arc a = {0};
	struct reading r;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_blob_source src;
	bool has = false;

	(void)state;
	make_big(&big, true);
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
	add_file(&a, "", big.name, big.data, big.len);
	add_text(&a, "", CNAB_ARCHIVE_MARKER, MARKER);
	write_arc(&a, "big.tar", -1);
	/* with verify: the skipped blob is hashed and refused */
	assert_int_equal(read_whole("big.tar", true, &r, &err),
	                 CNAB_ERR_INTEGRITY);
	assert_non_null(strstr(err.msg, "digest mismatch"));
	close_arc(&r);
	/* without: skipped unread, and present for the caller to stream */
	cnab_err_clear(&err);
	assert_int_equal(read_whole("big.tar", false, &r, &err), CNAB_OK);
	assert_true(r.t.has_marker);
	src = cnab_thick_source(&r.t);
	assert_int_equal(src.has_blob(src.ctx, &big.d, &has, &err), CNAB_OK);
	assert_true(has);
	close_arc(&r);
	free_blob(&big);
}

/* Reads the current blob to its end; the status of the last read, the
 * bytes in out and the number of blocks in *blocks. */
static enum cnab_status stream_blob(struct cnab_thick *t, struct cnab_buf *out,
                                    size_t *blocks, struct cnab_err *err)
{
	enum cnab_status st;
	const void *p;
	size_t len;

	*blocks = 0;
	for (;;) {
		st = cnab_thick_blob_read(t, &p, &len, err);
		if (st != CNAB_OK || !len)
			return st;
		++*blocks;
		assert_int_equal(cnab_buf_add(out, p, len), CNAB_OK);
	}
}

static void test_blob_read(void **state)
{
	int tamper;

	(void)state;
	for (tamper = 0; tamper < 2; tamper++) {
		struct blob big;
		struct arc a = {0};
		struct reading r;
		struct cnab_err err = CNAB_ERR_INIT;
		struct cnab_thick_item item;
		struct cnab_buf out = CNAB_BUF_INIT(2 * CNAB_MAX_DOCUMENT);
		struct cnab_blob_source src;
		const void *p;
		size_t len, blocks;
		char *data = NULL;
		bool eof, has;

		make_big(&big, tamper);
		add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
		add_file(&a, "", big.name, big.data, big.len);
		add_file(&a, "", f.mi.name, f.mi.data, f.mi.len);
		write_arc(&a, "stream.tgz", 1);
		assert_int_equal(open_arc(&r, "stream.tgz", false, &err),
		                 CNAB_OK);
		assert_int_equal(cnab_thick_next(&r.t, &item, &eof, &err),
		                 CNAB_OK);
		assert_int_equal(item.kind, CNAB_THICK_BUNDLE);
		/* no blob being read: nothing to read */
		assert_int_equal(cnab_thick_blob_read(&r.t, &p, &len, &err),
		                 CNAB_OK);
		assert_int_equal(len, 0);
		assert_int_equal(cnab_thick_next(&r.t, &item, &eof, &err),
		                 CNAB_OK);
		assert_int_equal(item.kind, CNAB_THICK_BLOB);
		assert_int_equal(item.size, big.len);
		assert_true(cnab_digest_equal(&item.digest, &big.d.digest));
		if (!tamper) {
			assert_int_equal(stream_blob(&r.t, &out, &blocks, &err),
			                 CNAB_OK);
			assert_true(blocks > 1);
			assert_int_equal(out.len, big.len);
			assert_memory_equal(out.data, big.data, big.len);
			/* read past the end: still the end */
			assert_int_equal(
			        cnab_thick_blob_read(&r.t, &p, &len, &err),
			        CNAB_OK);
			assert_int_equal(len, 0);
		} else {
			/* every byte is handed over, but the end is not
			 * reported: the last read fails */
			assert_int_equal(stream_blob(&r.t, &out, &blocks, &err),
			                 CNAB_ERR_INTEGRITY);
			assert_int_equal(out.len, big.len);
			assert_non_null(strstr(err.msg, "digest mismatch"));
			assert_non_null(strstr(err.msg, "stream.tgz:"));
		}
		if (!tamper) {
			/* a manifest read by the caller is kept too */
			assert_int_equal(
			        cnab_thick_next(&r.t, &item, &eof, &err),
			        CNAB_OK);
			assert_int_equal(item.kind, CNAB_THICK_BLOB);
			cnab_buf_reset(&out);
			assert_int_equal(stream_blob(&r.t, &out, &blocks, &err),
			                 CNAB_OK);
			assert_int_equal(out.len, f.mi.len);
			assert_int_equal(
			        cnab_thick_next(&r.t, &item, &eof, &err),
			        CNAB_OK);
			assert_true(eof);
			src = cnab_thick_source(&r.t);
			assert_int_equal(src.get_manifest(src.ctx, &f.mi.d,
			                                  &data, &len, &err),
			                 CNAB_OK);
			assert_int_equal(len, f.mi.len);
			assert_memory_equal(data, f.mi.data, len);
			free(data);
			/* the big blob was read whole: verified */
			assert_int_equal(
			        src.has_blob(src.ctx, &big.d, &has, &err),
			        CNAB_OK);
			assert_true(has);
			/* a blob that is not a manifest is not one */
			cnab_err_clear(&err);
			assert_int_equal(src.get_manifest(src.ctx, &big.d,
			                                  &data, &len, &err),
			                 CNAB_ERR_NOTFOUND);
		}
		cnab_buf_release(&out);
		close_arc(&r);
		free_blob(&big);
	}
}

static void test_partial_read_then_next(void **state)
{
	struct arc a = {0};
	struct reading r;
	struct cnab_err err = CNAB_ERR_INIT;
	struct cnab_thick_item item;
	const void *p;
	size_t len;
	bool eof;
	int verify;
	char *bad = tampered(&f.li);

	(void)state;
	/* a blob the caller reads a part of is finished by next */
	add_file(&a, "", f.li.name, bad, f.li.len);
	add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
	write_arc(&a, "partial.tgz", 1);
	for (verify = 0; verify < 2; verify++) {
		cnab_err_clear(&err);
		assert_int_equal(open_arc(&r, "partial.tgz", verify, &err),
		                 CNAB_OK);
		assert_int_equal(cnab_thick_next(&r.t, &item, &eof, &err),
		                 CNAB_OK);
		assert_int_equal(item.kind, CNAB_THICK_BLOB);
		assert_int_equal(cnab_thick_blob_read(&r.t, &p, &len, &err),
		                 CNAB_OK);
		assert_true(len > 0);
		/* with verify, the rest is read and the blob found wrong;
		 * without, a blob that is not JSON (no manifest) is skipped */
		assert_int_equal(cnab_thick_next(&r.t, &item, &eof, &err),
		                 verify ? CNAB_ERR_INTEGRITY : CNAB_OK);
		close_arc(&r);
	}
	free(bad);
}

static void test_bad_blob_names(void **state)
{
	static const char *const names[] = {
	        CNAB_ARCHIVE_BLOBS "/sha256/notahexdigest",
	        CNAB_ARCHIVE_BLOBS "/file",
	        CNAB_ARCHIVE_BLOBS "/md5/d41d8cd98f00b204e9800998ecf8427e",
	        CNAB_ARCHIVE_BLOBS
	        "/sha256/"
	        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B"
	        "934CA495991B7852B855",
	        CNAB_ARCHIVE_BLOBS
	        "/sha256/"
	        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
	        "934ca495991b7852b855/x",
	        CNAB_ARCHIVE_BLOBS
	        "/sha256/"
	        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
	        "934ca495991b7852b8550",
	        CNAB_ARCHIVE_BLOBS
	        "/verylongalg/"
	        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
	        "934ca495991b7852b855",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct arc a = {0};
		struct reading r;
		struct cnab_err err = CNAB_ERR_INIT;

		add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
		add_text(&a, "", names[i], "");
		write_arc(&a, "names.tgz", 1);
		assert_int_equal(read_whole("names.tgz", true, &r, &err),
		                 CNAB_ERR_CORRUPT);
		if (!strstr(err.msg, "is not a digest"))
			fail_msg("case %zu: '%s'", i, err.msg);
		close_arc(&r);
	}
	/* the empty blob under its right name is fine */
	{
		struct arc a = {0};
		struct reading r;
		struct cnab_err err = CNAB_ERR_INIT;

		add_text(&a, "",
		         CNAB_ARCHIVE_BLOBS
		         "/sha256/"
		         "e3b0c44298fc1c149afbf4c8996fb92427ae41e464"
		         "9b934ca495991b7852b855",
		         "");
		add_dir(&a, CNAB_ARCHIVE_BLOBS "/sha512");
		add_text(&a, "", "README.md", "other files are skipped");
		write_arc(&a, "names.tgz", 1);
		if (read_whole("names.tgz", true, &r, &err) != CNAB_OK)
			fail_msg("%s", err.msg);
		assert_int_equal(r.t.blobs.len, 1);
		assert_null(r.t.bundle_data);
		close_arc(&r);
	}
}

static void test_malformed_metadata(void **state)
{
	static const struct {
		const char *name, *text;
		enum cnab_status want;
		const char *msg;
	} cases[] = {
	        {CNAB_ARCHIVE_BUNDLE, "{", CNAB_ERR_CORRUPT,
	         "cannot parse 'bad.tgz:bundle.json': line 1"},
	        {CNAB_ARCHIVE_BUNDLE, "[]", CNAB_ERR_CORRUPT,
	         "a bundle must be a JSON object"},
	        {CNAB_ARCHIVE_BUNDLE,
	         "{\"schemaVersion\":\"v1\",\"name\":\"a\",\"version\":\"1\"}",
	         CNAB_ERR_CORRUPT, "missing field 'invocationImages'"},
	        {CNAB_ARCHIVE_BUNDLE,
	         "{\"schemaVersion\":\"v1\",\"name\":\"a\",\"version\":\"1\","
	         "\"invocationImages\":[{\"image\":\"Bad Ref\"}]}",
	         CNAB_ERR_CORRUPT, "invalid reference 'Bad Ref'"},
	        {CNAB_ARCHIVE_MAPPING, "[]", CNAB_ERR_CORRUPT,
	         "a relocation mapping must be a JSON object"},
	        {CNAB_ARCHIVE_MAPPING, "{\"a:1\":\"Bad\"}", CNAB_ERR_CORRUPT,
	         "invalid reference 'Bad'"},
	        {CNAB_ARCHIVE_MARKER, "{\"imageLayoutVersion\":\"2.0.0\"}",
	         CNAB_ERR_CORRUPT, "unsupported image layout version"},
	        {CNAB_ARCHIVE_MARKER, "x", CNAB_ERR_CORRUPT,
	         "cannot parse 'bad.tgz:artifacts/layout/oci-layout'"},
	        {CNAB_ARCHIVE_INDEX, "{\"schemaVersion\":2", CNAB_ERR_CORRUPT,
	         "cannot parse 'bad.tgz:artifacts/layout/index.json'"},
	        {CNAB_ARCHIVE_INDEX,
	         "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\","
	         "\"digest\":\"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	         "649b934ca495991b7852b855\",\"size\":0}}",
	         CNAB_ERR_CORRUPT, "index.json"},
	        {CNAB_ARCHIVE_INDEX, "{\"schemaVersion\":1,\"manifests\":[]}",
	         CNAB_ERR_CORRUPT, "schemaVersion must be 2"},
	        /* unsafe names are refused before anything is read */
	        {"../bundle.json", "{}", CNAB_ERR_UNSAFE, "'..'"},
	        {"/bundle.json", "{}", CNAB_ERR_UNSAFE, "absolute"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arc a = {0};
		struct reading r;
		struct cnab_err err = CNAB_ERR_INIT;
		enum cnab_status st;

		add_text(&a, "", cases[i].name, cases[i].text);
		write_arc(&a, "bad.tgz", 6);
		st = read_whole("bad.tgz", true, &r, &err);
		if (st != cases[i].want)
			fail_msg("case %zu: status %d: %s", i, st, err.msg);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			         cases[i].msg);
		assert_int_equal(err.status, cases[i].want);
		close_arc(&r);
	}
}

static void test_too_big_bundle(void **state)
{
	size_t len = CNAB_MAX_DOCUMENT + 1;
	char *text = malloc(len);
	struct arc a = {0};
	struct reading r;
	struct cnab_err err = CNAB_ERR_INIT;

	(void)state;
	assert_non_null(text);
	memset(text, ' ', len);
	add_file(&a, "", CNAB_ARCHIVE_BUNDLE, text, len);
	write_arc(&a, "huge.tgz", 1);
	assert_int_equal(read_whole("huge.tgz", true, &r, &err),
	                 CNAB_ERR_TOOBIG);
	close_arc(&r);
	free(text);
}

/*
 * A manifest whose first block of data is all whitespace is still kept:
 * the decision waits for the first byte that is not whitespace.  One
 * starting with a NUL is not taken for JSON.
 */
static void test_manifest_after_whitespace(void **state)
{
	size_t pad = (size_t)3 << 19; /* past a 1 MiB read block */
	struct blob ws, nul;
	struct cnab_buf b = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	int level;

	(void)state;
	assert_int_equal(cnab_buf_grow(&b, pad + f.mi.len), CNAB_OK);
	memset(b.data, '\n', pad);
	memset(b.data, ' ', pad / 2);
	b.len = pad;
	assert_int_equal(cnab_buf_add(&b, f.mi.data, f.mi.len), CNAB_OK);
	make_blob(&ws, CNAB_MT_OCI_MANIFEST, b.data, b.len);
	cnab_buf_reset(&b);
	assert_int_equal(cnab_buf_add(&b, "\0", 1), CNAB_OK);
	assert_int_equal(cnab_buf_add(&b, f.mi.data, f.mi.len), CNAB_OK);
	make_blob(&nul, CNAB_MT_OCI_MANIFEST, b.data, b.len);
	cnab_buf_release(&b);
	for (level = -1; level <= 6; level += 7) {
		struct arc a = {0};
		struct reading r;
		struct cnab_err err = CNAB_ERR_INIT;
		const struct cnab_thick_blob *kept;
		char *index = index_json(REF_INV, REF_WEB, NULL, NULL);

		add_text(&a, "", CNAB_ARCHIVE_BUNDLE, BUNDLE_TEXT);
		add_text(&a, "", CNAB_ARCHIVE_MARKER, MARKER);
		add_text(&a, "", CNAB_ARCHIVE_INDEX, index);
		add_blobs(&a, "", NULL);
		add_file(&a, "", ws.name, ws.data, ws.len);
		add_file(&a, "", nul.name, nul.data, nul.len);
		write_arc(&a, "ws.tgz", level);
		if (read_whole("ws.tgz", true, &r, &err) != CNAB_OK)
			fail_msg("level %d: %s", level, err.msg);
		kept = cnab_map_get(&r.t.blobs, ws.digest);
		assert_non_null(kept);
		assert_true(kept->verified);
		assert_non_null(kept->data);
		assert_int_equal(kept->len, ws.len);
		assert_memory_equal(kept->data, ws.data, ws.len);
		kept = cnab_map_get(&r.t.blobs, nul.digest);
		assert_non_null(kept);
		assert_true(kept->verified);
		assert_null(kept->data);
		/* the fixture's own manifests */
		kept = cnab_map_get(&r.t.blobs, f.mi.digest);
		assert_non_null(kept);
		assert_non_null(kept->data);
		close_arc(&r);
		free(index);
	}
	unlink("ws.tgz");
	free_blob(&ws);
	free_blob(&nul);
}

static void test_not_an_archive(void **state)
{
	struct reading r;
	struct cnab_err err = CNAB_ERR_INIT;
	enum cnab_status st;
	FILE *fp = fopen("text.tgz", "w");

	(void)state;
	assert_non_null(fp);
	fputs("this is not an archive, not even close to one\n", fp);
	fclose(fp);
	st = read_whole("text.tgz", true, &r, &err);
	assert_int_equal(st, CNAB_ERR_CORRUPT);
	close_arc(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_styles),
	        cmocka_unit_test(test_finish_then_walk),
	        cmocka_unit_test(test_find_by_digest),
	        cmocka_unit_test(test_find_normalised_ref),
	        cmocka_unit_test(test_find_pins),
	        cmocka_unit_test(test_image_missing),
	        cmocka_unit_test(test_walk_missing),
	        cmocka_unit_test(test_integrity),
	        cmocka_unit_test(test_big_blob_verify),
	        cmocka_unit_test(test_blob_read),
	        cmocka_unit_test(test_partial_read_then_next),
	        cmocka_unit_test(test_bad_blob_names),
	        cmocka_unit_test(test_malformed_metadata),
	        cmocka_unit_test(test_too_big_bundle),
	        cmocka_unit_test(test_manifest_after_whitespace),
	        cmocka_unit_test(test_not_an_archive),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
