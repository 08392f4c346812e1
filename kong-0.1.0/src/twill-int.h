/*
 * twill-int.h: what the Twill lexer and compiler share, and nobody else.
 */
#ifndef KONG_TWILL_INT_H
#define KONG_TWILL_INT_H

#include "twill.h"

/* One lexed command line. */
struct lexed_line {
	size_t		 off;		/* offset of the command word */
	char		*text;		/* the stripped line */
	char		*cmd;
	struct arg	*args;
	size_t		 nargs;
};

int	 twill_lex_line(struct source *, size_t, size_t, struct lexed_line *,
	     struct diag *);
void	 twill_lexed_clear(struct lexed_line *);
void	 twill_arg_clear(struct arg *);

#endif
