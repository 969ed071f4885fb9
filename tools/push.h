/*
 * Pushing a bundle to a registry tag: the images' manifests, then the
 * bundle's own objects (config blob, config manifest, index), the tag
 * last; refusing to move a tag to another bundle without --force.  Shared
 * by cnab-publish-archive and cnab-relocate.
 */
#ifndef CNAB_TOOLS_PUSH_H
#define CNAB_TOOLS_PUSH_H

#include <stdbool.h>

#include "common/attach.h"
#include "common/buf.h"
#include "common/fsutil.h"
#include "common/image.h"
#include "common/oci.h"
#include "common/reference.h"
#include "common/registry.h"
#include "formats/bundle.h"
#include "formats/cnaboci.h"
#include "formats/relocation.h"
#include "tools/fe.h"

/* The options publish and relocate share. */
enum {
	CNAB_PUSH_OPT_FORCE = CNAB_FE_OPT_FIRST_TOOL + 0x80,
	CNAB_PUSH_OPT_MAPPING,
	CNAB_PUSH_OPT_DRY_RUN,
	CNAB_PUSH_OPT_OFFLINE,
	CNAB_PUSH_OPT_NO_ATTACHMENTS,
};
#define CNAB_PUSH_LONG_OPTIONS                                                 \
	{"force", no_argument, NULL, CNAB_PUSH_OPT_FORCE},                     \
	        {"relocation-mapping", required_argument, NULL,                \
	         CNAB_PUSH_OPT_MAPPING},                                       \
	        {"dry-run", no_argument, NULL, CNAB_PUSH_OPT_DRY_RUN},         \
	        {"offline", no_argument, NULL, CNAB_PUSH_OPT_OFFLINE},         \
	        {"no-attachments", no_argument, NULL,                          \
	         CNAB_PUSH_OPT_NO_ATTACHMENTS},                                \
	{                                                                      \
		"output", required_argument, NULL, 'o'                         \
	}

struct cnab_push_opts {
	bool force;
	const char *mapping; /* --relocation-mapping FILE */
	bool dry_run;
	bool offline; /* --dry-run without looking at the destination */
	bool no_attachments;
	int output; /* CNAB_OUT_PLAIN or CNAB_OUT_JSON */
};

/*
 * A dry run's plan: what the destination holds (read-only: the tag, then
 * a HEAD per blob and manifest), and so what the real run would send.
 */
struct cnab_push_plan {
	bool known; /* the destination was looked at */
	bool same;  /* the tag holds this bundle: nothing to send */
	size_t total, missing;
	uint64_t total_bytes, missing_bytes;
};

/*
 * Handles one of those options: 1 when c was one, 0 when not, -1 after a
 * usage error (*exit_code set).
 */
int cnab_push_option(struct cnab_push_opts *o, int c, const char *arg,
                     int *exit_code);

/* Where a bundle goes. */
struct cnab_push_target {
	struct cnab_ref ref;
	char *string; /* the full reference, for messages and output */
	char *name;   /* REGISTRY/REPO */
	struct cnab_registry *reg; /* borrowed */
	bool force;
	bool exists; /* the tag exists, holding existing */
	struct cnab_descriptor existing;
	/* what existing is when not this bundle (cnab_push_settle): "an
	 * image, not a CNAB bundle", "a different bundle"... (static) */
	const char *held;
	struct cnab_push_plan plan; /* --dry-run, filled by cnab_push_plan */
	/* a repository of the same registry that may hold the bundle's
	 * config blob (a relocation's SOURCE), or NULL (borrowed) */
	const char *bundle_from;
};

/*
 * Parses REGISTRY/REPO[:TAG] (a digest is refused; no tag: default_tag,
 * or an error when that is NULL).  Errors are CNAB_ERR_USAGE.
 */
enum cnab_status cnab_push_target_init(struct cnab_push_target *t,
                                       const char *ref, const char *default_tag,
                                       struct cnab_err *err);
/* Learns what the tag holds now. */
enum cnab_status cnab_push_target_probe(struct cnab_push_target *t,
                                        struct cnab_registry *reg,
                                        struct cnab_err *err);
void cnab_push_target_release(struct cnab_push_target *t);

/* The bundle's registry objects. */
struct cnab_push_objects {
	struct cnab_buf bundle; /* the config blob: canonical bundle.json */
	struct cnab_descriptor blob;
	enum cnab_oci_config_form form;
	struct cnab_buf manifest;
	struct cnab_descriptor manifest_desc;
	bool docker_list;
	struct cnab_buf index;
	struct cnab_descriptor index_desc;
	const struct cnab_bundle *b; /* borrowed */
};

/* Builds the objects of b in their first forms. */
enum cnab_status cnab_push_objects_build(struct cnab_push_objects *x,
                                         const struct cnab_bundle *b,
                                         struct cnab_err *err);
void cnab_push_objects_release(struct cnab_push_objects *x);

/*
 * Whether the target's tag may take the bundle x: *same (with a message)
 * when it holds it already, in any of the forms a registry may have needed
 * (x is then switched to that form); a different bundle is CNAB_ERR_EXISTS
 * unless --force.
 */
enum cnab_status cnab_push_settle(struct cnab_push_target *t,
                                  struct cnab_push_objects *x, bool *same,
                                  struct cnab_err *err);

/*
 * Makes the dry run's plan (t->plan): settles the tag as the real run
 * would (a different bundle or an image without --force is its error),
 * then asks which of tree's blobs and manifests t's repository lacks.
 */
enum cnab_status cnab_push_plan(struct cnab_push_target *t,
                                struct cnab_push_objects *x,
                                const struct cnab_image_tree *tree,
                                struct cnab_err *err);

/* Pushes the manifests and indexes of tree (children first) to repo,
 * skipping those there already. */
enum cnab_status cnab_push_manifests(struct cnab_registry *reg,
                                     const char *repo,
                                     const struct cnab_image_tree *tree,
                                     struct cnab_err *err);

/*
 * Publishes the attachments a (n of them), whose manifests are in tree and
 * were pushed by digest already (cnab_push_manifests), in that order:
 * cosign's under their tag (a tag holding another manifest is replaced,
 * with a warning); referrers are listed by the registry itself where it
 * has the referrers API, else added to the fallback index of their
 * subject (tag sha256-<hex>), merged with what it lists already.  What is
 * there already is not sent again.  *pushed counts what was written.
 */
/*
 * Whether every attachment of a (n of them) is in repo already, as
 * cnab_push_attachments leaves it: cosign's under their tag, referrers by
 * digest and listed (by the referrers API or in the fallback index).
 * Manifests only: a registry takes a manifest once its blobs are there.
 */
enum cnab_status cnab_push_attachments_there(struct cnab_registry *reg,
                                             const char *repo,
                                             const struct cnab_attachment *a,
                                             size_t n, bool *there,
                                             struct cnab_err *err);

enum cnab_status cnab_push_attachments(struct cnab_registry *reg,
                                       const char *repo,
                                       const struct cnab_attachment *a,
                                       size_t n,
                                       const struct cnab_image_tree *tree,
                                       size_t *pushed, struct cnab_err *err);

/*
 * Pushes the bundle's objects to the target, falling back through the
 * config manifest's forms and to a manifest list when the registry refuses
 * one; the tag last.
 */
enum cnab_status cnab_push_bundle(struct cnab_push_target *t,
                                  struct cnab_push_objects *x,
                                  struct cnab_err *err);

/*
 * --relocation-mapping FILE is opened (a temporary file next to it) before
 * the first registry write, so that a bad path stops the run before
 * anything is pushed; cnab_push_mapping_commit writes the mapping there
 * and renames it into place; the caller aborts f in any case (a no-op
 * after the commit).  No path: nothing done.
 */
enum cnab_status cnab_push_mapping_open(struct cnab_outfile *f,
                                        const char *path, struct cnab_err *err);
enum cnab_status cnab_push_mapping_commit(struct cnab_outfile *f,
                                          const struct cnab_relocation *map,
                                          struct cnab_err *err);

/*
 * Prints the result (the seed's line, or -o json) and writes the mapping
 * to mapping_file when not NULL.  Returns the exit code.
 */
int cnab_push_report(const struct cnab_push_target *t,
                     const struct cnab_push_objects *x,
                     const struct cnab_relocation *map,
                     const char *mapping_file, bool json, bool dry_run);

#endif
