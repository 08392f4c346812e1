/*
 * redact.h: keeping secrets out of everything Kong writes.
 *
 * Every secret a template may read ({{ secret.NAME }}) is registered here
 * when the inventory loads them; from then on the text Kong writes (result
 * records, the terminal, reports, pages, mail) passes through redact_* and
 * every occurrence of a secret becomes "***". A secret also hides in other
 * spellings on its way out: percent-encoded in a URL or a form body
 * (either case of hex, '+' for a space), HTML-escaped in a page, and
 * base64 in a basic-auth header a server reflects. Each spelling is
 * registered; base64 at all three alignments, keeping the part that
 * depends on the secret alone. The table is the process's: one inventory's
 * secrets for the life of the command.
 */
#ifndef KONG_REDACT_H
#define KONG_REDACT_H

#include "kong.h"

#define REDACT_MIN	4	/* shorter secrets cannot be hidden reliably */
#define REDACT_MASK	"***"

void	 redact_add(const char *);
void	 redact_clear(void);
int	 redact_active(void);
void	 redact_buf(struct buf *);
char	*redact_str(char *);
void	 redact_fwrite(const char *, size_t, FILE *);

#endif
