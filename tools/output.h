/*
 * Output helpers for the tools: aligned tables, and JSON/YAML documents
 * printed from jansson values.
 */
#ifndef CNAB_TOOLS_OUTPUT_H
#define CNAB_TOOLS_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

#include "common/status.h"

enum cnab_out_format {
	CNAB_OUT_TABLE,
	CNAB_OUT_PLAIN = CNAB_OUT_TABLE,
	CNAB_OUT_JSON,
	CNAB_OUT_YAML,
};

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
/* Appends a row of ncols cells (NULL is an empty cell); copies them. */
int cnab_table_add(struct cnab_table *t, const char *const *cells);
/* Prints the table with aligned columns; -1 when out of memory. */
int cnab_table_print(const struct cnab_table *t, FILE *f);
void cnab_table_release(struct cnab_table *t);

/* Prints v as indented JSON followed by a newline. */
int cnab_out_json(json_t *v, FILE *f);
/* Prints v as a YAML document (block style). */
int cnab_out_yaml(json_t *v, FILE *f);

#endif
