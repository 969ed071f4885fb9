/*
 * Relocation mappings (CNAB 103): original image reference, exactly as
 * written in bundle.json -> where the image now is, digest-pinned.
 */
#ifndef CNAB_FORMATS_RELOCATION_H
#define CNAB_FORMATS_RELOCATION_H

#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/status.h"

struct cnab_relocation {
	json_t *map; /* object: string -> string */
};
#define CNAB_RELOCATION_INIT                                                   \
	{                                                                      \
		NULL                                                           \
	}

/* An empty mapping. */
enum cnab_status cnab_relocation_init(struct cnab_relocation *r,
                                      struct cnab_err *err);

/*
 * Parses a mapping (at most CNAB_MAX_DOCUMENT bytes): a JSON object whose
 * values are valid image references.  CNAB_ERR_INVALID naming subject.
 */
enum cnab_status cnab_relocation_parse(struct cnab_relocation *r,
                                       const void *data, size_t len,
                                       const char *subject,
                                       struct cnab_err *err);
void cnab_relocation_release(struct cnab_relocation *r);

/* Where original was relocated to, or NULL.  Owned by r. */
const char *cnab_relocation_get(const struct cnab_relocation *r,
                                const char *original);

/* Records original -> relocated (copies both). */
enum cnab_status cnab_relocation_set(struct cnab_relocation *r,
                                     const char *original,
                                     const char *relocated,
                                     struct cnab_err *err);

/* Appends the mapping as canonical JSON to out. */
enum cnab_status cnab_relocation_write(const struct cnab_relocation *r,
                                       struct cnab_buf *out,
                                       struct cnab_err *err);

#endif
