/*
 * porter.yaml, the subset that names a bundle and its images (DESIGN 3.2),
 * turned into a bundle.json document.
 */
#ifndef CNAB_FORMATS_PORTER_H
#define CNAB_FORMATS_PORTER_H

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
 * (*tag, which the caller frees; may be NULL to not ask).  name, version
 * and tag are required; invocationImage defaults to
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
 * Parses a bundle file that is either bundle.json or porter.yaml (told
 * apart by its first character), into b.  subject names it in messages.
 */
struct cnab_bundle;
enum cnab_status cnab_bundle_parse_any(struct cnab_bundle *b, const void *data,
                                       size_t len, const char *subject,
                                       struct cnab_err *err);

#endif
