/*
 * fuzz-inventory.c: libFuzzer target for the inventory reader: any bytes,
 * read as an INI file, must give an inventory or diagnostics, never a
 * crash, a hang or a leak.
 */
#include <stdint.h>
#include <unistd.h>

#include "inventory.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char		 path[64];
	struct inventory	*inv;
	struct diag		 d;
	FILE			*f;

	if (*path == '\0')
		snprintf(path, sizeof path, "/tmp/fuzz-inventory-%d.ini",
		    (int)getpid());
	if ((f = fopen(path, "wb")) == NULL)
		return (0);
	fwrite(data, 1, len, f);
	fclose(f);
	diag_init(&d);
	inv = inventory_load(path, &d);
	inventory_free(inv);
	diag_free(&d);
	return (0);
}
