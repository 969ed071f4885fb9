#include "formats/relocation.h"

#include "common/json.h"
#include "common/reference.h"

enum cnab_status cnab_relocation_init(struct cnab_relocation *r,
                                      struct cnab_err *err)
{
	r->map = json_object();
	if (!r->map)
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

enum cnab_status cnab_relocation_parse(struct cnab_relocation *r,
                                       const void *data, size_t len,
                                       const char *subject,
                                       struct cnab_err *err)
{
	struct cnab_err rerr = CNAB_ERR_INIT;
	enum cnab_status st;
	const char *key;
	json_t *v;

	r->map = NULL;
	st = cnab_json_parse(data, len, CNAB_MAX_DOCUMENT, 0, subject, &r->map,
	                     err);
	if (st != CNAB_OK)
		return st;
	if (!json_is_object(r->map)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': a relocation mapping must "
		                  "be a JSON object",
		                  subject);
		goto out;
	}
	json_object_foreach(r->map, key, v)
	{
		struct cnab_ref ref = CNAB_REF_INIT;

		if (!json_is_string(v)) {
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "invalid '%s': the value of "
			                  "'%.200s' must be a string",
			                  subject, key);
			goto out;
		}
		st = cnab_ref_parse(&ref, json_string_value(v), &rerr);
		cnab_ref_release(&ref);
		if (st != CNAB_OK) {
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "invalid '%s': '%.200s': %s", subject,
			                  key, rerr.msg);
			goto out;
		}
	}
out:
	if (st != CNAB_OK)
		cnab_relocation_release(r);
	return st;
}

void cnab_relocation_release(struct cnab_relocation *r)
{
	json_decref(r->map);
	r->map = NULL;
}

const char *cnab_relocation_get(const struct cnab_relocation *r,
                                const char *original)
{
	if (!r->map)
		return NULL;
	return json_string_value(json_object_get(r->map, original));
}

enum cnab_status cnab_relocation_set(struct cnab_relocation *r,
                                     const char *original,
                                     const char *relocated,
                                     struct cnab_err *err)
{
	if (!r->map && cnab_relocation_init(r, err) != CNAB_OK)
		return CNAB_ERR_NOMEM;
	if (json_object_set_new(r->map, original, json_string(relocated)))
		return cnab_err_set(err, CNAB_ERR_NOMEM, "out of memory");
	return CNAB_OK;
}

enum cnab_status cnab_relocation_write(const struct cnab_relocation *r,
                                       struct cnab_buf *out,
                                       struct cnab_err *err)
{
	json_t *empty = NULL;
	enum cnab_status st;

	if (!r->map)
		empty = json_object();
	st = cnab_json_canonical(r->map ? r->map : empty, out);
	json_decref(empty);
	if (st != CNAB_OK)
		return cnab_err_set(err, st,
		                    "cannot write relocation mapping: %s",
		                    cnab_strerror(st));
	return CNAB_OK;
}
