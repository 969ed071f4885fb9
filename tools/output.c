#include "tools/output.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "common/json.h"
#include "common/utf8.h"
#include "formats/bundle.h"

/*
 * The next piece of s[0..n): *used bytes of it, shown as the returned
 * escape in esc (NUL-terminated), or copied as they are when it returns
 * false.
 */
static bool next_piece(const unsigned char *s, size_t n, unsigned flags,
                       size_t *used, char esc[8])
{
	uint32_t c;
	size_t len = cnab_utf8_decode(s, n, &c);

	*used = len ? len : 1;
	if (!len) {
		snprintf(esc, 8, "\\x%02x", s[0]);
		return true;
	}
	if (c == '\t' && (flags & CNAB_OUT_KEEP_TAB))
		return false;
	if (c == '\t' || c == '\n' || c == '\r') {
		esc[0] = '\\';
		esc[1] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		esc[2] = '\0';
		return true;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(esc, 8, "\\x%02x", (unsigned)c);
		return true;
	}
	if (c >= 0x80 && c < 0xa0) {
		snprintf(esc, 8, "\\u%04x", (unsigned)c);
		return true;
	}
	return false;
}

/* Writes s[0..n) made visible to f. */
static void put_visible(FILE *f, const char *s, size_t n, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, used;
	char esc[8];

	while (i < n) {
		if (!next_piece(p + i, n - i, flags, &used, esc)) {
			i += used;
			continue;
		}
		fwrite(s + run, 1, i - run, f);
		fputs(esc, f);
		i += used;
		run = i;
	}
	fwrite(s + run, 1, n - run, f);
}

char *cnab_out_visible(const char *s, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, o = 0, used;
	char esc[8], *out;

	/* an escape is at most 4 bytes for each byte it shows */
	if (n > (SIZE_MAX - 1) / 4)
		return NULL;
	out = malloc(4 * n + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i += used) {
		if (next_piece(p + i, n - i, flags, &used, esc)) {
			memcpy(out + o, esc, strlen(esc));
			o += strlen(esc);
		} else {
			memcpy(out + o, s + i, used);
			o += used;
		}
	}
	out[o] = '\0';
	return out;
}

int cnab_out_vline(FILE *f, unsigned flags, const char *fmt, va_list ap)
{
	char stack[512], *text = stack;
	va_list again;
	int n, rc = 0;

	va_copy(again, ap);
	n = vsnprintf(stack, sizeof(stack), fmt, ap);
	if (n < 0) {
		n = 0;
		stack[0] = '\0';
		rc = -1;
	} else if ((size_t)n >= sizeof(stack)) {
		text = malloc((size_t)n + 1);
		if (text) {
			vsnprintf(text, (size_t)n + 1, fmt, again);
		} else {
			text = stack;
			n = (int)sizeof(stack) - 1;
			rc = -1;
		}
	}
	va_end(again);
	flockfile(f);
	put_visible(f, text, (size_t)n, flags);
	fputc('\n', f);
	funlockfile(f);
	if (text != stack)
		free(text);
	return rc;
}

int cnab_out_line(FILE *f, unsigned flags, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cnab_out_vline(f, flags, fmt, ap);
	va_end(ap);
	return rc;
}

int cnab_out_parse(const char *s, unsigned allowed)
{
	static const struct {
		const char *name;
		enum cnab_out_format f;
	} names[] = {
	        {"table", CNAB_OUT_TABLE},
	        {"plain", CNAB_OUT_PLAIN},
	        {"json", CNAB_OUT_JSON},
	        {"yaml", CNAB_OUT_YAML},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name) && (allowed & (1u << names[i].f)))
			return (int)names[i].f;
	return -1;
}

int cnab_table_init(struct cnab_table *t, size_t ncols,
                    const char *const *header)
{
	t->ncols = ncols;
	t->nrows = 0;
	t->cells = NULL;
	return cnab_table_add(t, header);
}

int cnab_table_add(struct cnab_table *t, const char *const *cells)
{
	char **grown;
	size_t i;

	grown = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	if (!grown)
		return -1;
	t->cells = grown;
	for (i = 0; i < t->ncols; i++) {
		char *c = cnab_out_visible(cells[i] ? cells[i] : "", 0);

		if (!c) {
			while (i--)
				free(t->cells[t->nrows * t->ncols + i]);
			return -1;
		}
		t->cells[t->nrows * t->ncols + i] = c;
	}
	t->nrows++;
	return 0;
}

int cnab_table_print(const struct cnab_table *t, FILE *f)
{
	size_t *width = calloc(t->ncols, sizeof(*width));
	size_t r, c;

	if (!width)
		return -1;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t n = strlen(t->cells[r * t->ncols + c]);

			if (n > width[c])
				width[c] = n;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			if (c + 1 < t->ncols)
				fprintf(f, "%-*s   ", (int)width[c], cell);
			else
				fputs(cell, f);
		}
		fputc('\n', f);
	}
	free(width);
	return 0;
}

void cnab_table_release(struct cnab_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

int cnab_out_json(json_t *v, FILE *f)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	const unsigned char *p = (const unsigned char *)text;
	size_t i, run = 0;

	if (!text)
		return -1;
	/* jansson's text is UTF-8, where DEL and C1 controls (C2 80..9F)
	 * can only be inside strings: escape them there */
	for (i = 0; p[i]; i++) {
		if (p[i] == 0x7f) {
			fwrite(text + run, 1, i - run, f);
			fputs("\\u007F", f);
			run = i + 1;
		} else if (p[i] == 0xc2 && p[i + 1] >= 0x80 &&
		           p[i + 1] < 0xa0) {
			fwrite(text + run, 1, i - run, f);
			fprintf(f, "\\u00%02X", p[i + 1]);
			run = i + 2;
			i++;
		}
	}
	fwrite(text + run, 1, i - run, f);
	fputc('\n', f);
	free(text);
	return 0;
}

static int yaml_write(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

static int emit_scalar(yaml_emitter_t *e, const char *s, size_t len,
                       yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
	                                  (int)len, 1, 1, style))
		return 0;
	return yaml_emitter_emit(e, &ev);
}

/* True when a plain scalar s would be read back as something other than a
 * string (YAML 1.1 and 1.2 resolve these as null, booleans or numbers). */
static bool needs_quotes(const char *s, size_t len)
{
	static const char *const words[] = {
	        "null", "~",  "true", "false", "yes",
	        "no",   "on", "off",  "y",     "n",
	};
	char *end;
	size_t i;

	if (!len || strlen(s) != len)
		return true;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	if (strchr("0123456789+-.", s[0])) {
		strtod(s, &end);
		if (!*end || s[0] == '.' || strchr(s, ':'))
			return true;
	}
	return false;
}

/* A string, quoted when YAML would read it as something else. */
static int emit_str(yaml_emitter_t *e, const char *s, size_t len)
{
	return emit_scalar(e, s, len,
	                   needs_quotes(s, len)
	                           ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
	                           : YAML_ANY_SCALAR_STYLE);
}

/* Emits a JSON value as YAML; strings are quoted when YAML would read them
 * as something else. */
static int emit(yaml_emitter_t *e, json_t *v)
{
	yaml_event_t ev;
	char num[CNAB_JSON_NUMBER_MAX];
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (!yaml_mapping_start_event_initialize(
		            &ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return 0;
		json_object_foreach(v, key, item)
		{
			if (!emit_str(e, key, strlen(key)) || !emit(e, item))
				return 0;
		}
		return yaml_mapping_end_event_initialize(&ev) &&
		       yaml_emitter_emit(e, &ev);
	case JSON_ARRAY:
		if (!yaml_sequence_start_event_initialize(
		            &ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(e, &ev))
			return 0;
		json_array_foreach(v, i, item)
		{
			if (!emit(e, item))
				return 0;
		}
		return yaml_sequence_end_event_initialize(&ev) &&
		       yaml_emitter_emit(e, &ev);
	case JSON_STRING:
		return emit_str(e, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
	case JSON_REAL:
		if (!cnab_json_format_number(json_number_value(v), num,
		                             sizeof(num)))
			return 0;
		return emit_scalar(e, num, strlen(num),
		                   YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
	case JSON_NULL:
		return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	}
	return 0;
}

int cnab_out_yaml(json_t *v, FILE *f)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&e))
		return -1;
	yaml_emitter_set_output(&e, yaml_write, f);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	     yaml_emitter_emit(&e, &ev) &&
	     yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	     yaml_emitter_emit(&e, &ev) && emit(&e, v) &&
	     yaml_document_end_event_initialize(&ev, 1) &&
	     yaml_emitter_emit(&e, &ev) &&
	     yaml_stream_end_event_initialize(&ev) &&
	     yaml_emitter_emit(&e, &ev) && yaml_emitter_flush(&e);
	yaml_emitter_delete(&e);
	return ok ? 0 : -1;
}

/* A string, or null when s is NULL or empty. */
static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *image_json(const struct cnab_bundle_image *img,
                          const struct cnab_out_where *w)
{
	const char *digest = w && w->digest ? w->digest : img->content_digest;
	const char *media =
	        w && w->media_type ? w->media_type : img->media_type;
	bool has_size = (w && w->has_size) || img->has_size;
	uint64_t size = w && w->has_size ? w->size : img->size;

	return json_pack(
	        "{s:o,s:s,s:s,s:s,s:o,s:o,s:o}", "name", str_or_null(img->name),
	        "imageType", img->image_type, "image",
	        w && w->image ? w->image : img->image, "originalImage",
	        img->image, "digest", str_or_null(digest), "size",
	        has_size ? json_integer((json_int_t)size) : json_null(),
	        "mediaType", str_or_null(media));
}

json_t *cnab_out_bundle(const struct cnab_bundle *b,
                        const struct cnab_out_where *where)
{
	json_t *root, *inv, *imgs;
	size_t i;

	root = json_pack("{s:s,s:o,s:s,s:[],s:[]}", "name", b->name,
	                 "description", str_or_null(b->description), "version",
	                 b->version, "invocationImages", "images");
	if (!root)
		return NULL;
	inv = json_object_get(root, "invocationImages");
	imgs = json_object_get(root, "images");
	for (i = 0; i < b->nimages; i++) {
		const struct cnab_bundle_image *img = &b->images[i];

		if (json_array_append_new(
		            img->name ? imgs : inv,
		            image_json(img, where ? &where[i] : NULL))) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}
