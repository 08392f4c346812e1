/*
 * cmd.c: the table of Twill command handlers, indexed by opcode. The
 * handlers live in cmd-*.c by family; the opcodes and their names in the
 * TWILL_COMMANDS list of twill.h, so the two cannot drift apart.
 */
#include "session-int.h"

const cmd_fn cmd_table[OP__COUNT] = {
#define CMD_ENTRY(e, f, n, mn, mx, fl) [OP_##e] = cmd_##f,
	TWILL_COMMANDS(CMD_ENTRY)
#undef CMD_ENTRY
};
