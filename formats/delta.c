#include "formats/delta.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/json.h"

enum cnab_status cnab_delta_bundle_digest(const void *bundle, size_t len,
                                          char out[CNAB_DIGEST_STR_MAX],
                                          struct cnab_err *err)
{
	struct cnab_digest d;

	if (cnab_digest_of(CNAB_DIGEST_SHA256, bundle, len, &d) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	cnab_digest_format(&d, out);
	return CNAB_OK;
}

const struct cnab_delta_blob *cnab_delta_find(const struct cnab_delta *d,
                                              const char *digest)
{
	uintptr_t i = (uintptr_t)cnab_map_get(&d->index, digest);

	return i ? &d->omitted[i - 1] : NULL;
}

enum cnab_status cnab_delta_add(struct cnab_delta *d, const char *digest,
                                uint64_t size, struct cnab_err *err)
{
	struct cnab_delta_blob *grown;

	if (cnab_map_has(&d->index, digest))
		return CNAB_OK;
	if (d->n >= CNAB_DELTA_MAX_OMITTED)
		return cnab_err_set(err, CNAB_ERR_TOOBIG,
		                    "a delta leaves out %d blobs at most",
		                    CNAB_DELTA_MAX_OMITTED);
	grown = realloc(d->omitted, (d->n + 1) * sizeof(*d->omitted));
	if (!grown)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	d->omitted = grown;
	snprintf(d->omitted[d->n].digest, sizeof(d->omitted[d->n].digest), "%s",
	         digest);
	d->omitted[d->n].size = size;
	if (cnab_map_put(&d->index, digest, (void *)(uintptr_t)(d->n + 1),
	                 NULL) != CNAB_OK)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	d->n++;
	d->bytes += size;
	return CNAB_OK;
}

static int by_digest(const void *a, const void *b)
{
	return strcmp(((const struct cnab_delta_blob *)a)->digest,
	              ((const struct cnab_delta_blob *)b)->digest);
}

/* Sorts the blobs by digest, and indexes them again. */
static enum cnab_status sort(struct cnab_delta *d, struct cnab_err *err)
{
	size_t i;

	if (d->n)
		qsort(d->omitted, d->n, sizeof(*d->omitted), by_digest);
	for (i = 0; i < d->n; i++)
		if (cnab_map_put(&d->index, d->omitted[i].digest,
		                 (void *)(uintptr_t)(i + 1), NULL) != CNAB_OK)
			return cnab_err_set(err, CNAB_ERR_NOMEM,
			                    "out of memory");
	return CNAB_OK;
}

enum cnab_status cnab_delta_write(struct cnab_delta *d, struct cnab_buf *out,
                                  struct cnab_err *err)
{
	json_t *doc = NULL, *list = json_array();
	enum cnab_status st;
	size_t i;

	st = sort(d, err);
	if (st != CNAB_OK || !list)
		goto out;
	for (i = 0; i < d->n; i++)
		if (json_array_append_new(
		            list, json_pack("{s:s,s:I}", "digest",
		                            d->omitted[i].digest, "size",
		                            (json_int_t)d->omitted[i].size)))
			goto out;
	doc = json_pack("{s:s,s:O,s:i}", "base", d->base, "omitted", list,
	                "schemaVersion", 1);
	if (doc)
		st = cnab_json_canonical(doc, out);
out:
	if (st == CNAB_OK && !doc)
		st = cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	else if (st != CNAB_OK && st != CNAB_ERR_NOMEM)
		st = cnab_err_set(err, st, "cannot write %s",
		                  CNAB_ARCHIVE_DELTA);
	json_decref(list);
	json_decref(doc);
	return st;
}

enum cnab_status cnab_delta_parse(struct cnab_delta *d, const void *data,
                                  size_t len, const char *subject,
                                  struct cnab_err *err)
{
	json_t *doc = NULL, *list, *item;
	const char *base = NULL, *digest = NULL;
	enum cnab_status st;
	uint64_t version = 0, size = 0;
	size_t i;

	st = cnab_json_parse(data, len, CNAB_MAX_DOCUMENT, 0, subject, &doc,
	                     err);
	if (st != CNAB_OK)
		return st;
	if (!json_is_object(doc)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': not a JSON object", subject);
		goto out;
	}
	st = cnab_json_get_u64(doc, "schemaVersion", true, &version, NULL,
	                       subject, err);
	if (st == CNAB_OK && version != 1)
		st = cnab_err_set(err, CNAB_ERR_UNSUPPORTED,
		                  "'%s': schemaVersion %llu is not supported "
		                  "(1 is)",
		                  subject, (unsigned long long)version);
	if (st == CNAB_OK)
		st = cnab_json_get_string(doc, "base", true, &base, subject,
		                          err);
	if (st != CNAB_OK)
		goto out;
	if (!cnab_digest_valid(base)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': base '%.200s' is not a digest",
		                  subject, base);
		goto out;
	}
	snprintf(d->base, sizeof(d->base), "%s", base);
	list = json_object_get(doc, "omitted");
	if (!json_is_array(list)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': field 'omitted' must be an "
		                  "array",
		                  subject);
		goto out;
	}
	json_array_foreach(list, i, item)
	{
		st = cnab_json_get_string(item, "digest", true, &digest,
		                          subject, err);
		if (st == CNAB_OK)
			st = cnab_json_get_u64(item, "size", true, &size, NULL,
			                       subject, err);
		if (st == CNAB_OK && !cnab_digest_valid(digest))
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "invalid '%s': omitted blob '%.200s' "
			                  "is not a digest",
			                  subject, digest);
		if (st == CNAB_OK)
			st = cnab_delta_add(d, digest, size, err);
		if (st != CNAB_OK)
			goto out;
	}
	st = sort(d, err);
out:
	json_decref(doc);
	return st;
}

void cnab_delta_release(struct cnab_delta *d)
{
	free(d->omitted);
	cnab_map_release(&d->index, NULL);
	memset(d, 0, sizeof(*d));
}
