/*
 * cnab-relocate: copy a published bundle to another registry or
 * repository.  Not implemented yet (issue 5).
 */
#include "tools/fe.h"

static const char usage[] = "usage: cnab-relocate [options] SOURCE DEST\n"
                            "\n"
                            "Not implemented yet.\n";

int main(int argc, char **argv)
{
	static const struct cnab_fe_tool tool = {"cnab-relocate", usage};

	cnab_fe_init(&tool);
	return cnab_fe_not_implemented(argc, argv);
}
