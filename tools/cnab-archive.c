/*
 * cnab-archive: turn a bundle and every image it names into one
 * deterministic thick bundle archive.  Not implemented yet (issue 3).
 */
#include "tools/fe.h"

static const char usage[] =
        "usage: cnab-archive [options] (-f FILE | -r REF) ARCHIVE\n"
        "\n"
        "Not implemented yet.\n";

int main(int argc, char **argv)
{
	static const struct cnab_fe_tool tool = {"cnab-archive", usage};

	cnab_fe_init(&tool);
	return cnab_fe_not_implemented(argc, argv);
}
