/*
 * Image references: the three parsers, the string forms of what they
 * accept, and the tag and digest setters.
 *
 * Checked: a reference written by cnab_ref_string reads back as itself
 * (with the parser that accepted it), and a normalised one is canonical.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef enum cnab_status parse_fn(struct cnab_ref *, const char *,
                                  struct cnab_err *);

/* What parse reads s as, written back, must read back the same. */
static void round_trip(parse_fn *parse, const char *s)
{
	struct cnab_ref ref = CNAB_REF_INIT, again = CNAB_REF_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char *str, *str2, *name, *fam;

	if (parse(&ref, s, &err) != CNAB_OK)
		return;
	str = cnab_ref_string(&ref);
	name = cnab_ref_name(&ref);
	fam = cnab_ref_familiar(&ref);
	if (!str || !name || !fam)
		abort();
	(void)cnab_ref_api_host(&ref);
	(void)cnab_ref_is_loopback(&ref);
	if (parse(&again, str, &err) != CNAB_OK)
		abort();
	str2 = cnab_ref_string(&again);
	if (!str2 || strcmp(str, str2))
		abort();
	if (parse == cnab_ref_parse &&
	    cnab_ref_parse_canonical(&again, str, &err) != CNAB_OK)
		abort();
	free(str);
	free(str2);
	free(name);
	free(fam);
	cnab_ref_release(&ref);
	cnab_ref_release(&again);
}

/* The input as a tag and as a digest of a valid reference. */
static void setters(const char *s)
{
	struct cnab_ref ref = CNAB_REF_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char *str;

	if (cnab_ref_parse(&ref, "localhost:5000/a/b:t", &err) != CNAB_OK)
		abort();
	if (cnab_ref_set_tag(&ref, s, &err) == CNAB_OK) {
		str = cnab_ref_string(&ref);
		free(str);
	}
	cnab_err_clear(&err);
	if (cnab_ref_set_digest(&ref, s, &err) == CNAB_OK) {
		str = cnab_ref_string(&ref);
		free(str);
	}
	cnab_ref_release(&ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	round_trip(cnab_ref_parse, s);
	round_trip(cnab_ref_parse_strict, s);
	round_trip(cnab_ref_parse_canonical, s);
	setters(s);
	(void)cnab_ref_same(s, "docker.io/library/ubuntu");
	(void)cnab_ref_same(s, s);
	free(s);
	return 0;
}
