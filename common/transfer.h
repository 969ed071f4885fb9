/*
 * The transfer engine (issue 13): where each image of a bundle comes from,
 * the graph of everything it references, and the copy of that graph into a
 * sink through a bounded pool of concurrent downloads.
 *
 * One run: fill in the struct (the pool, the layouts, the bundle's own
 * repository for a published bundle), add the images, then
 *   cnab_transfer_resolve   each image's origin and root manifest;
 *   cnab_transfer_attach    (optional) what is attached to each image and
 *                           to the bundle (common/attach.h);
 *   cnab_transfer_walk      every manifest, config and layer, once;
 *   cnab_transfer_copy      every object into a sink, in a fixed order;
 *   cnab_transfer_release.
 * Used by cnab-archive (the sink writes the archive) and cnab-inspect
 * --verify -r (the sink discards: every byte is verified on the way).
 * Or, after the walk, cnab_transfer_push copies the blobs into a registry
 * repository (cnab-relocate).
 */
#ifndef CNAB_COMMON_TRANSFER_H
#define CNAB_COMMON_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/attach.h"
#include "common/image.h"
#include "common/layout.h"
#include "common/map.h"
#include "common/oci.h"
#include "common/reference.h"
#include "common/registry.h"
#include "common/status.h"

/* One image to move, and where it was found. */
struct cnab_transfer_image {
	/* given (borrowed) */
	const char *image;          /* the reference as the bundle writes it */
	const char *content_digest; /* the bundle's pin, or NULL */
	/* with a bundle repository: the image as the bundle's index names
	 * it there, or NULL */
	const struct cnab_descriptor *in_bundle;
	/* found by cnab_transfer_resolve */
	bool found;
	struct cnab_ref ref; /* image, parsed */
	struct cnab_descriptor root;
	struct cnab_layout *layout; /* a layout of the transfer, or: */
	struct cnab_reg_repo repo;  /* a registry repository */
	bool has_repo;
	char *root_data; /* the root's bytes, when fetched to resolve */
	size_t root_len;
};

struct cnab_transfer {
	/* set by the caller (borrowed) */
	struct cnab_registry_pool *pool;
	struct cnab_layout *layouts;
	size_t nlayouts;
	bool layouts_only; /* an image not in the layouts is not found */
	/* a published bundle: its registry and repository, where its
	 * images are taken from (images' in_bundle) */
	struct cnab_registry *bundle_reg;
	const char *bundle_repo;
	/* with bundle_reg: the digest of the bundle's index, whose
	 * attachments cnab_transfer_attach finds too (or NULL) */
	const struct cnab_digest *bundle_digest;
	/*
	 * Called once an image is resolved, before its graph is walked
	 * (to fill a bundle in, to tell the user); a failure stops the
	 * resolution with its status.  May be NULL.
	 */
	enum cnab_status (*resolved)(void *ctx, size_t i,
	                             const struct cnab_transfer_image *img,
	                             struct cnab_err *err);
	void *ctx;
	/* requests sent at once by cnab_transfer_attach (the lookups of
	 * attachments) and cnab_transfer_walk (the manifests of images given
	 * by digest, and of an index's platforms), each worker with its own
	 * handles, from pool's options; 1 or less: one at a time */
	int lookup_jobs;
	/* digests ("sha256:...") of blobs not to copy (a delta archive's
	 * blobs left out), or NULL */
	const struct cnab_map *skip;
	/* held by the transfer */
	struct cnab_transfer_image *images;
	size_t nimages;
	struct cnab_image_tree tree;
	/* per tree node: the index of its image, or CNAB_ATTACH_BUNDLE for
	 * an attachment of the bundle (see cnab_transfer_node_repo) */
	size_t *node_origin;
	/* found by cnab_transfer_attach: subjects before what is attached
	 * to them; capped at CNAB_ATTACH_MAX (attach_capped) */
	struct cnab_attachment *attachments;
	size_t nattachments;
	bool attach_capped;
	size_t attach_max;              /* the cap applied: CNAB_ATTACH_MAX, or
	                                   $CNAB_ATTACH_MAX when set (for tests) */
	struct cnab_reg_repo bundle_rr; /* bundle_reg's bundle_repo */
	bool has_bundle_rr;
	struct prefetch *prefetch; /* during cnab_transfer_attach and _walk */
};
#define CNAB_TRANSFER_INIT                                                     \
	{                                                                      \
		.tree = CNAB_IMAGE_TREE_INIT                                   \
	}

/*
 * Adds an image (the strings and in_bundle are borrowed: they must outlive
 * the transfer).  Its index is the order of the calls.
 */
enum cnab_status cnab_transfer_add(struct cnab_transfer *t, const char *image,
                                   const char *content_digest,
                                   const struct cnab_descriptor *in_bundle,
                                   struct cnab_err *err);

/*
 * Resolves every image: first the pins of all of them (a pin that cannot
 * hold fails before any request), then each one, in this order: the
 * layouts; unless layouts_only, the bundle's own repository (an image
 * with in_bundle) or else the image's own registry, tag to digest.
 * Calls resolved for each.  An image found nowhere does not stop the
 * others: the misses are reported together, CNAB_ERR_NOTFOUND with the
 * first one's message ("N of M images not found: FIRST; nor 'B', 'C'"
 * when there are several).  A miss in the layouts alone is "image 'X' is
 * not in layout 'DIR', which holds 'a', 'b'".  Any other failure stops at
 * once.
 */
enum cnab_status cnab_transfer_resolve(struct cnab_transfer *t,
                                       struct cnab_err *err);

/*
 * Walks the graph of every resolved image into t->tree (each digest once,
 * manifests read and verified from the image's origin), recording each
 * node's origin, then every attachment's (its artifact type read).  A
 * manifest the origin lacks is CNAB_ERR_NOTFOUND, a malformed one
 * CNAB_ERR_INVALID.
 */
enum cnab_status cnab_transfer_walk(struct cnab_transfer *t,
                                    struct cnab_err *err);

/*
 * Finds what is attached (attach.h) to every resolved image held in a
 * registry, and with bundle_digest to the bundle's index, in the same
 * repository: cosign's tags sha256-<hex>.sig, .att and .sbom (a 404 is
 * none), and OCI 1.1 referrers, through the referrers API or, where the
 * registry has none, the fallback tag sha256-<hex>; then, in the same way,
 * what is attached to those, down to CNAB_ATTACH_MAX_DEPTH.  Each digest
 * once; past attach_max, the rest is left out (attach_capped).  A
 * malformed answer is CNAB_ERR_CORRUPT.  cnab_transfer_walk then walks
 * the attachments too, after the images.
 */
enum cnab_status cnab_transfer_attach(struct cnab_transfer *t,
                                      struct cnab_err *err);

/*
 * The registry repository tree node i is read from, or NULL when it
 * comes from a layout.
 */
const struct cnab_reg_repo *
cnab_transfer_node_repo(const struct cnab_transfer *t, size_t i);

/* Where the bytes of a copy go, object by object. */
struct cnab_transfer_sink {
	/* object i of n (in copy order) starts; may be NULL */
	enum cnab_status (*begin)(void *ctx, const struct cnab_image_node *node,
	                          size_t i, size_t n, struct cnab_err *err);
	/* its next bytes, in order (verified by the end of the object) */
	enum cnab_status (*write)(void *ctx, const void *p, size_t n,
	                          struct cnab_err *err);
	void *ctx;
};

struct cnab_transfer_copy_opts {
	/* for the download workers' own handles (required) */
	const struct cnab_registry_opts *reg;
	int jobs;      /* concurrent downloads; 1: one request at a time */
	size_t budget; /* bytes held at once; 0: CNAB_FETCH_BUDGET_DEFAULT */
};

/*
 * Copies every object of the tree (but those in skip) into the sink, sorted by
 * digest (so what the sink gets does not depend on the jobs or on the order the
 * answers come in): manifests from memory, blobs of a layout read here,
 * blobs of a registry downloaded o->jobs at a time (held in memory within
 * the budget until their turn; larger ones streamed when their turn
 * comes).  Every byte is verified against its digest and size; the first
 * failure stops the downloads and is returned.
 */
enum cnab_status cnab_transfer_copy(struct cnab_transfer *t,
                                    const struct cnab_transfer_copy_opts *o,
                                    const struct cnab_transfer_sink *sink,
                                    struct cnab_err *err);

/* The most workers of a copy. */
#define CNAB_TRANSFER_MAX_JOBS 32

/* A copy of the tree's blobs into a registry repository. */
struct cnab_transfer_push_opts {
	/* for the workers' own handles, source and destination (required) */
	const struct cnab_registry_opts *reg;
	const char *host; /* the destination registry */
	const char *repo; /* and repository */
	int jobs;         /* blobs copied at once; 1: one request at a time */
	/*
	 * Called from the workers, concurrently (so thread-safe), each may
	 * be NULL: a blob begins; bytes moved (counted as they are read
	 * from the source; negative: a copy that did not complete takes its
	 * bytes back; a blob found at the destination counts whole); a
	 * detail for the user at a verbosity level (1: a copy started
	 * again, 2: a registry that declines mounts).
	 */
	void (*begin)(void *ctx);
	void (*moved)(void *ctx, int64_t bytes);
	void (*note)(void *ctx, int level, const char *msg);
	void *ctx;
};

/* What became of the blobs of a copy. */
struct cnab_transfer_push_stats {
	uint64_t copied;  /* read from their origin and uploaded */
	uint64_t mounted; /* mounted from their origin, same registry */
	uint64_t present; /* at the destination already */
};

/*
 * Copies every blob (not the manifests) of the walked tree into o->repo of
 * o->host, o->jobs at a time across all images: one mount POST per blob
 * (from its origin's repository on the same registry, else from the
 * destination itself: 201 means it is there), a HEAD where the registry
 * declines mounts, else the blob streamed from its origin's download into
 * one PUT on the POST's session, kept nowhere and verified on the way (a
 * copy cut short is started over, up to 5 times).  The first failure
 * stops the workers and is returned; stats (may be NULL) says what became
 * of the blobs.
 */
enum cnab_status cnab_transfer_push(struct cnab_transfer *t,
                                    const struct cnab_transfer_push_opts *o,
                                    struct cnab_transfer_push_stats *stats,
                                    struct cnab_err *err);

/*
 * Resolves an image at its own reference ref (parsed) in its registry:
 * its repository (repo, initialised here: release it), and its root
 * manifest or index by digest or tag (root, with its bytes in *data,
 * which the caller frees).  A digest pin is checked before the request and
 * against the answer; malformed content is CNAB_ERR_CORRUPT.
 */
enum cnab_status cnab_transfer_lookup(struct cnab_registry_pool *pool,
                                      const struct cnab_ref *ref,
                                      struct cnab_reg_repo *repo,
                                      struct cnab_descriptor *root, char **data,
                                      size_t *len, const char *subject,
                                      struct cnab_err *err);

/* The total size of the tree's objects. */
uint64_t cnab_transfer_bytes(const struct cnab_transfer *t);

void cnab_transfer_release(struct cnab_transfer *t);

#endif
