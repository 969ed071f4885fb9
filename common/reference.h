/*
 * Image references ("docker.io/library/ubuntu:20.04@sha256:..."), parsed and
 * normalised as Docker Distribution v2.8's reference package does.
 *
 * Grammar (no IPv6 hosts, as in v2.8):
 *
 *   reference  := name [":" tag] ["@" digest]
 *   name       := [domain "/"] component ["/" component]*
 *   domain     := host-part ["." host-part]* [":" port]
 *   host-part  := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   port       := [0-9]+
 *   component  := [a-z0-9]+ (separator [a-z0-9]+)*
 *   separator  := "." | "_" | "__" | "-"+
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex, with sha256 (64 hex digits), sha384 (96)
 *                 or sha512 (128), lower-case hex
 *
 * A name is at most 255 characters long, domain included.
 *
 * All failures to parse are CNAB_ERR_INVALID with the message
 * "invalid reference 'INPUT': REASON"; control and non-ASCII bytes of INPUT
 * are shown as '?', and a long INPUT is shortened.
 */
#ifndef CNAB_COMMON_REFERENCE_H
#define CNAB_COMMON_REFERENCE_H

#include <stdbool.h>

#include "common/status.h"

/* Inputs longer than this are refused before they are looked at. */
#define CNAB_REF_INPUT_MAX 4096
/* The longest name (domain "/" path) the grammar allows. */
#define CNAB_REF_NAME_MAX 255
/* The longest tag. */
#define CNAB_REF_TAG_MAX 128

/* The registry Docker Hub's short names refer to. */
#define CNAB_REF_DEFAULT_DOMAIN "docker.io"

/*
 * A parsed reference; every member is owned by the struct and freed by
 * cnab_ref_release.
 */
struct cnab_ref {
	/* "docker.io", "localhost:5000"; NULL only from a strict parse */
	char *domain;
	char *path;   /* "library/ubuntu" */
	char *tag;    /* NULL when absent */
	char *digest; /* "sha256:<hex>"; NULL when absent */
};
/* clang-format off */
#define CNAB_REF_INIT {NULL, NULL, NULL, NULL}
/* clang-format on */

/*
 * Parses a reference as a user writes it and normalises it as
 * ParseNormalizedNamed does: "ubuntu" is "docker.io/library/ubuntu",
 * "index.docker.io" is "docker.io"; an upper-case repository name and a
 * bare 64-hex identifier are refused.  The first path component is the
 * domain when it contains '.' or ':' or is "localhost"; it must then be a
 * valid host (v2.8 would take "foo_bar.com/x" as a path on no registry;
 * this refuses it), so domain is never NULL after a success.
 *
 * ref must be initialised (CNAB_REF_INIT, or released); on success its old
 * contents are released and replaced, on failure it is left unchanged.
 * Returns CNAB_OK, CNAB_ERR_INVALID or CNAB_ERR_NOMEM.
 */
enum cnab_status cnab_ref_parse(struct cnab_ref *ref, const char *s,
                                struct cnab_err *err);

/*
 * Like cnab_ref_parse, but also refuses a reference not written in its
 * normalised form ("repository name must be canonical"), as ParseNamed
 * does: "docker.io/library/ubuntu" is accepted, "ubuntu" is not.
 */
enum cnab_status cnab_ref_parse_canonical(struct cnab_ref *ref, const char *s,
                                          struct cnab_err *err);

/*
 * Parses without normalisation, as Parse does: the part before the first
 * '/' is the domain whenever it is a valid host and what follows is a valid
 * path ("foo/bar" has domain "foo"); otherwise domain is NULL and the whole
 * name is the path ("ubuntu", "foo_bar.com/x").  Same contract as
 * cnab_ref_parse otherwise.
 */
enum cnab_status cnab_ref_parse_strict(struct cnab_ref *ref, const char *s,
                                       struct cnab_err *err);

/* Frees the members and resets ref to CNAB_REF_INIT; ref may be NULL. */
void cnab_ref_release(struct cnab_ref *ref);

/*
 * Copies src into dst, which must be initialised; dst's old contents are
 * released on success and kept on failure.  CNAB_OK or CNAB_ERR_NOMEM.
 */
enum cnab_status cnab_ref_copy(struct cnab_ref *dst,
                               const struct cnab_ref *src);

/*
 * Replaces the tag with a copy of tag, or removes it when tag is NULL.
 * CNAB_ERR_INVALID ("invalid tag 'TAG': invalid tag format") leaves ref
 * unchanged, as does CNAB_ERR_NOMEM.
 */
enum cnab_status cnab_ref_set_tag(struct cnab_ref *ref, const char *tag,
                                  struct cnab_err *err);

/*
 * Replaces the digest with a copy of digest ("sha256:<hex>"), or removes it
 * when digest is NULL.  The digest is checked as the grammar and the
 * algorithm require ("invalid digest 'D': REASON"); a failure leaves ref
 * unchanged.
 */
enum cnab_status cnab_ref_set_digest(struct cnab_ref *ref, const char *digest,
                                     struct cnab_err *err);

/*
 * The whole reference, "docker.io/library/ubuntu:20.04@sha256:...".  The
 * caller frees it; NULL when memory runs out.
 */
char *cnab_ref_string(const struct cnab_ref *ref);

/* The name alone, "docker.io/library/ubuntu"; the caller frees it. */
char *cnab_ref_name(const struct cnab_ref *ref);

/*
 * The familiar form, as FamiliarString gives it: "docker.io/" is dropped,
 * and so is "library/" before a one-component path ("ubuntu:20.04",
 * "bitnami/redis").  The caller frees it; NULL when memory runs out.
 */
char *cnab_ref_familiar(const struct cnab_ref *ref);

/*
 * The host[:port] to send registry API requests to: "registry-1.docker.io"
 * for docker.io, the domain otherwise, NULL when ref has no domain.  The
 * string is static or owned by ref.
 */
const char *cnab_ref_api_host(const struct cnab_ref *ref);

/*
 * True when the domain names a loopback host, with or without a port:
 * "localhost", 127.0.0.0/8, "::1" (bare or in brackets).
 */
bool cnab_ref_is_loopback(const struct cnab_ref *ref);

/*
 * The same for a domain as references name it, "HOST[:PORT]" or
 * "[IPV6][:PORT]" (a registry handle's host; false for NULL): addresses
 * by inet_pton, never by a prefix ("127.example.com" is not loopback).
 */
bool cnab_host_is_loopback(const char *host);

/*
 * True when two references name the same thing once normalised
 * ("nginx:1" and "docker.io/library/nginx:1"); false if either is invalid
 * (unless the strings are equal).
 */
bool cnab_ref_same(const char *a, const char *b);

#endif
