/*
 * Thick bundle archives (tar or tar.gz), read the way cnab-inspect and
 * cnab-publish-archive read them: the whole archive with every blob
 * verified, then each image of the bundle found in the layout and walked.
 *
 * The input is given as a file descriptor (a memfd, made once per
 * process), as the tools give a file or stdin.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/image.h"
#include "formats/thick.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;

/* Puts the input in the memfd, to be read from its start. */
static void load(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;

	if (fd < 0 && (fd = memfd_create("fuzz-archive", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
}

/* Finds and walks every image of the bundle. */
static void images(struct cnab_thick *t)
{
	struct cnab_blob_source src = cnab_thick_source(t);
	struct cnab_image_tree tree = CNAB_IMAGE_TREE_INIT;
	struct cnab_bundle *b = &t->bundle;
	size_t i;

	for (i = 0; i < b->nimages; i++) {
		struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
		struct cnab_err err = CNAB_ERR_INIT;
		char digest[CNAB_DIGEST_STR_MAX];

		if (!cnab_bundle_image_is_oci(&b->images[i]))
			continue;
		if (cnab_thick_find_image(t, &b->images[i], &d, &err) !=
		    CNAB_OK)
			continue;
		if (cnab_image_tree_add(&tree, &src, &d, b->images[i].image,
		                        &err) == CNAB_OK &&
		    !cnab_image_tree_find(&tree, CNAB_DESC_DIGEST(&d, digest)))
			abort();
		cnab_descriptor_release(&d);
	}
	cnab_image_tree_release(&tree);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnab_thick t;
	struct cnab_err err = CNAB_ERR_INIT;

	load(data, size);
	if (cnab_thick_open(&t, fd, "fuzz.tgz", true, &err) == CNAB_OK) {
		/* as cnab-inspect without --verify, which stops early, the
		 * images are looked up even when the rest is bad */
		(void)cnab_thick_finish(&t, &err);
		(void)cnab_thick_bytes_in(&t);
		if (t.bundle_data)
			images(&t);
	}
	cnab_thick_release(&t);
	return 0;
}
