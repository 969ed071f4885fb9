/*
 * What a registry's authentication says: WWW-Authenticate headers, and the
 * token endpoint's answer; and the token requests built from a challenge.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void challenge(const char *header)
{
	struct cnab_challenge c = CNAB_CHALLENGE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	const char *scopes[] = {"repository:a/b:pull"};
	char *q = NULL, *form = NULL;

	if (cnab_challenge_parse(&c, header, "fuzz", &err) != CNAB_OK)
		goto out;
	if (c.scheme != CNAB_AUTH_BASIC && c.scheme != CNAB_AUTH_BEARER)
		abort();
	if (c.scheme == CNAB_AUTH_BEARER && !c.realm)
		abort();
	if (c.scheme != CNAB_AUTH_BEARER)
		goto out;
	if (cnab_token_query(&c, NULL, 0, &q, &err) != CNAB_OK || !q)
		abort();
	free(q);
	q = NULL;
	if (cnab_token_query(&c, scopes, 1, &q, &err) != CNAB_OK)
		abort();
	if (cnab_token_form(&c, NULL, 0, "refresh", &form, &err) != CNAB_OK)
		abort();
out:
	free(q);
	free(form);
	cnab_challenge_release(&c);
}

static void token(const uint8_t *data, size_t size)
{
	struct cnab_err err = CNAB_ERR_INIT;
	char *tok = NULL, *refresh = NULL;
	long expires = 0;

	if (cnab_token_parse((const char *)data, size, "fuzz", &tok, &refresh,
	                     &expires, &err) == CNAB_OK) {
		if (!tok || expires < CNAB_TOKEN_MIN_EXPIRY ||
		    expires > CNAB_TOKEN_MAX_EXPIRY)
			abort();
	} else if (tok || refresh) {
		abort();
	}
	free(tok);
	free(refresh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	challenge(s);
	free(s);
	token(data, size);
	return 0;
}
