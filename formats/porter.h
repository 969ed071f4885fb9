/*
 * porter.yaml, the subset that names a bundle and its images (DESIGN 3.2),
 * turned into a bundle.json document.
 */
#ifndef CNAB_FORMATS_PORTER_H
#define CNAB_FORMATS_PORTER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/json.h"
#include "common/status.h"

/* The schemaVersion of bundles made from porter.yaml. */
#define CNAB_PORTER_SCHEMA_VERSION "v1.2.0"

/*
 * The deepest nesting of mappings and sequences taken, as in JSON
 * (CNAB_JSON_MAX_DEPTH; the root mapping is the first level): libyaml's
 * loader takes time quadratic in it.
 */
#define CNAB_PORTER_MAX_DEPTH CNAB_JSON_MAX_DEPTH

/*
 * The most anchors and aliases taken, together: libyaml's loader looks each
 * one up in a list, so their number costs quadratic time too.
 */
#define CNAB_PORTER_MAX_ANCHORS 1024

/*
 * The most values (scalars, mappings, sequences, aliases) taken: the
 * loader spends some 170 bytes on each, and 4 MiB of "x," would make
 * two million of them.  Real manifests have a few thousand.
 */
#define CNAB_PORTER_MAX_VALUES 65536

/*
 * Converts porter.yaml text (at most CNAB_MAX_DOCUMENT bytes) into a
 * bundle.json document (*bundle, a new reference) and the bundle's tag
 * (*tag, which the caller frees; may be NULL to not ask).  A Porter v1
 * manifest is converted by cnab_porter_convert (dependencies chosen
 * automatically), *tag being its derived reference.  For a v0 manifest
 * name, version and tag are required; invocationImage defaults to
 * "<tag repository>-installer:<tag's tag>".  Fields outside the subset are
 * ignored.  Malformed or invalid: CNAB_ERR_INVALID naming subject; so is
 * nesting deeper than CNAB_PORTER_MAX_DEPTH ("cannot parse 'SUBJECT': line
 * L column C: nested deeper than 64 levels"), more than
 * CNAB_PORTER_MAX_ANCHORS anchors and aliases and more than
 * CNAB_PORTER_MAX_VALUES values, refused before the document is built.
 */
enum cnab_status cnab_porter_to_bundle(const void *data, size_t len,
                                       const char *subject, json_t **bundle,
                                       char **tag, struct cnab_err *err);

/*
 * The invocation image Porter derives from a bundle tag:
 * "getporter/kubernetes:v0.1.0" -> "getporter/kubernetes-installer:v0.1.0"
 * (no tag: ":latest").  The caller frees the result.  CNAB_ERR_INVALID
 * when tag, or the reference derived from it, is not a valid reference.
 */
enum cnab_status cnab_porter_installer_ref(const char *tag, char **out,
                                           struct cnab_err *err);

/*
 * What Porter derives for a manifest: the bundle's reference and tag, and
 * the installer (invocation) image.  Members are owned by the struct.
 */
struct cnab_porter_ref {
	char *reference;       /* "getporter/mybun:v1.2.3", familiar form */
	char *tag;             /* "v1.2.3" */
	char *installer;       /* "getporter/mybun:porter-<MD5 of reference>" */
	bool v1;               /* a Porter v1 manifest (else v0) */
	bool tag_from_version; /* the tag was made from the version */
	/* the images (names) given neither tag nor digest: ":latest" */
	char **latest;
	size_t nlatest;
};

/* clang-format off */
#define CNAB_PORTER_REF_INIT {NULL, NULL, NULL, false, false, NULL, 0}
/* clang-format on */

/* Frees r's members and resets it; r may be NULL. */
void cnab_porter_ref_release(struct cnab_porter_ref *r);

/*
 * Derives what Porter v1 derives (pkg/manifest SetBundleImageAndReference):
 * the reference is reference when given (registry is then ignored), else
 * registry "/" name (path-joined); its tag is the reference's own, else
 * "v" + the normalised semantic version with the first '+' as '_'; the
 * installer is the reference's repository tagged "porter-" + the hex MD5
 * of the reference in its familiar form.  version may be NULL when the
 * reference has a tag.  A digest in the reference, an invalid reference or
 * version: CNAB_ERR_INVALID.  On success *out (initialised) is filled.
 */
enum cnab_status cnab_porter_derive(const char *reference, const char *registry,
                                    const char *name, const char *version,
                                    struct cnab_porter_ref *out,
                                    struct cnab_err *err);

/* Which dependencies extension a v1 manifest's bundle uses. */
enum cnab_porter_deps {
	/*
	 * As Porter's DetermineDependenciesExtensionUsed: v2 when the
	 * manifest requires it or uses a v2 feature (sharing, credentials,
	 * outputs, an interface, provides), and also when a dependency has
	 * parameters (v1 cannot hold them); v1 otherwise.
	 */
	CNAB_PORTER_DEPS_AUTO,
	CNAB_PORTER_DEPS_V1, /* Porter without its DependenciesV2 flag */
	CNAB_PORTER_DEPS_V2, /* Porter with it */
};

/*
 * Converts porter.yaml text into a bundle.json document (*bundle, a new
 * reference) and what Porter derives (*ref, may be NULL; initialised).
 * A Porter v1 manifest (one with schemaVersion, registry or reference;
 * schemaVersion 1.0.0-alpha.1 to 1.3.x) is converted as Porter's
 * converter does, every section but custom["sh.porter"] (Porter's and its
 * mixins' versions at build time, left out); keys that play no part in
 * the bundle (mixins, steps, dockerfile, state, files) are ignored.  A
 * section that cannot be converted is CNAB_ERR_INVALID naming it ("cannot
 * convert 'SUBJECT': section 'S' ..."), as are aliases expanding to more
 * than CNAB_PORTER_MAX_VALUES values.  Other manifests are read as
 * cnab_porter_to_bundle always did (v0).
 */
enum cnab_status
cnab_porter_convert(const void *data, size_t len, const char *subject,
                    enum cnab_porter_deps deps, json_t **bundle,
                    struct cnab_porter_ref *ref, struct cnab_err *err);

/*
 * Parses a bundle file that is either bundle.json or porter.yaml (told
 * apart by its first character), into b.  subject names it in messages.
 */
struct cnab_bundle;
enum cnab_status cnab_bundle_parse_any(struct cnab_bundle *b, const void *data,
                                       size_t len, const char *subject,
                                       struct cnab_err *err);

#endif
