/*
 * cnab-publish-archive: publish a thick bundle archive to a registry.
 * Not implemented yet (issue 4).
 */
#include "tools/fe.h"

static const char usage[] =
        "usage: cnab-publish-archive [options] -a ARCHIVE --tag REF\n"
        "\n"
        "Not implemented yet.\n";

int main(int argc, char **argv)
{
	static const struct cnab_fe_tool tool = {"cnab-publish-archive", usage};

	cnab_fe_init(&tool);
	return cnab_fe_not_implemented(argc, argv);
}
