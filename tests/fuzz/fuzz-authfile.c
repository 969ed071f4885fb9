/*
 * Docker and Podman auth files, read by cnab_cred_lookup.
 *
 * PATH is an empty directory, so a credential helper named by the file
 * ("credsStore", "credHelpers") is never found and never run.  The input
 * goes to one file per process, under /tmp, removed at exit.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/auth.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char file[96];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz-authfile.%ld", (long)getpid());
	snprintf(file, sizeof(file), "%s.json", dir);
	if (mkdir(dir, 0700) != 0 || setenv("PATH", dir, 1) != 0)
		abort();
	atexit(cleanup);
	return 0;
}

static void lookup(const char *host)
{
	struct cnab_cred c = CNAB_CRED_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	char *header = NULL;
	bool found = false;

	if (cnab_cred_lookup(file, host, NULL, &c, &found, &err) == CNAB_OK) {
		if (found && !c.username && !c.password && !c.identity_token)
			abort();
		if (cnab_cred_basic_header(&c, &header, &err) == CNAB_OK &&
		    (!header || strncmp(header, "Basic ", 6)))
			abort();
		free(header);
	} else if (c.username || c.password || c.identity_token) {
		abort();
	}
	cnab_cred_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	lookup("registry.example.com:5000");
	lookup("docker.io");
	return 0;
}
