/*
 * Output helpers for the tools: aligned tables, JSON/YAML documents printed
 * from jansson values, and text from documents made safe for a terminal.
 */
#ifndef CNAB_TOOLS_OUTPUT_H
#define CNAB_TOOLS_OUTPUT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "common/status.h"

enum cnab_out_format {
	CNAB_OUT_TABLE,
	CNAB_OUT_JSON,
	CNAB_OUT_YAML,
	CNAB_OUT_PLAIN, /* text lines: what archive, publish and relocate did */
	CNAB_OUT_NFORMATS,
};

/* Flags of the visible forms below. */
#define CNAB_OUT_KEEP_TAB 1u /* a tab stays a tab (a description's) */

/*
 * The text s made visible, safe to show on a terminal: C0 controls as \t,
 * \n, \r or \xHH (\x1b), DEL as \x7f, C1 controls (U+0080..U+009F) as
 * \u00HH (\u009b), and a byte that is not part of valid UTF-8 as \xHH.
 * Everything else, a backslash included, is copied.  Returns a new string
 * (the caller frees it), or NULL when out of memory.
 */
char *cnab_out_visible(const char *s, unsigned flags);

/*
 * Prints the formatted text made visible (as cnab_out_visible: the format
 * itself must hold no control character), then a newline.  Returns 0, or
 * -1 when the text was too long to hold (a truncated line was printed).
 */
int cnab_out_line(FILE *f, unsigned flags, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int cnab_out_vline(FILE *f, unsigned flags, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

/*
 * Parses an -o value among the allowed formats (a mask of
 * 1 << enum cnab_out_format).  Returns -1 for anything else.
 */
int cnab_out_parse(const char *s, unsigned allowed);

/*
 * A table: a header row then rows, columns separated by three spaces and
 * padded to the widest cell (the last column is not padded).
 */
struct cnab_table {
	size_t ncols;
	size_t nrows;
	char **cells; /* nrows * ncols, row-major; row 0 is the header */
};

/* Starts a table with the given header cells (ncols of them). */
int cnab_table_init(struct cnab_table *t, size_t ncols,
                    const char *const *header);
/*
 * Appends a row of ncols cells (NULL is an empty cell); copies them, made
 * visible (cnab_out_visible), and aligns what will be printed.
 */
int cnab_table_add(struct cnab_table *t, const char *const *cells);
/* Prints the table with aligned columns; -1 when out of memory. */
int cnab_table_print(const struct cnab_table *t, FILE *f);
void cnab_table_release(struct cnab_table *t);

/*
 * Where one image of a bundle is, for cnab_out_bundle: a NULL or zero field
 * is taken from the bundle (its reference, contentDigest, size, mediaType).
 */
struct cnab_out_where {
	const char *image;  /* where the image is, or will be */
	const char *digest; /* of its manifest or index */
	const char *media_type;
	uint64_t size;
	bool has_size;
};

struct cnab_bundle;

/*
 * The bundle as every tool's -o json and -o yaml show it: {name,
 * description, version, invocationImages, images} (description null when
 * absent), each image one object {name (null for an invocation image),
 * imageType, image, originalImage, digest, size, mediaType}, null for what
 * is not known.  where (may be NULL) has one entry per b->images[i].  The
 * tool adds its own members after these.  Returns a new reference, NULL
 * when out of memory.
 */
json_t *cnab_out_bundle(const struct cnab_bundle *b,
                        const struct cnab_out_where *where);

/*
 * Prints v as indented JSON followed by a newline.  Control characters are
 * escaped, DEL and C1 controls too (as \u007F, \u009B), which jansson
 * writes as they are.
 */
int cnab_out_json(json_t *v, FILE *f);
/*
 * Prints v as a YAML document (block style).  libyaml writes a string that
 * holds a control character double-quoted, with escapes (\e, \x9B).
 */
int cnab_out_yaml(json_t *v, FILE *f);

#endif
