/*
 * smtp.c: the options that make a libcurl easy handle send one message.
 *
 * TLS is required by default: smtps:// speaks it from the start, smtp://
 * must get STARTTLS (CURLUSESSL_ALL) with a verified certificate;
 * smtp_insecure = yes uses STARTTLS only when the server offers it and
 * does not verify. The password comes from smtp_password_file (mode 0600)
 * or $KONG_SMTP_PASSWORD, never from the inventory, and is never printed.
 *
 * Every message has one recipient, so a refused recipient is a failed
 * delivery: CURLOPT_MAIL_RCPT_ALLOWFAILS (spelt ALLLOWFAILS before libcurl
 * 8.2) stays off.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>

#include "alert.h"

/*
 * The SMTP password: the first line of smtp_password_file, else
 * $KONG_SMTP_PASSWORD, else NULL. NULL and a cause if the file is unusable.
 * Caller frees.
 */
char *
smtp_password(const struct settings *set, char **cause)
{
	const char	*env;
	struct stat	 st;
	char		*path, *text;
	size_t		 len;

	*cause = NULL;
	if (set->smtp_password_file == NULL) {
		env = getenv("KONG_SMTP_PASSWORD");
		return (env != NULL && *env != '\0' ? xstrdup(env) : NULL);
	}
	path = settings_path(set, SETTING_smtp_password_file,
	    set->smtp_password_file);
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
		*cause = xstrfmt("smtp_password_file %s is readable by others "
		    "(mode %04o): chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
		free(path);
		return (NULL);
	}
	if ((text = read_file(path, 4096, &len, cause)) == NULL) {
		free(path);
		return (NULL);
	}
	free(path);
	text[strcspn(text, "\r\n")] = '\0';
	return (text);
}

/*
 * Set up e to send a message to `to` through [kong] smtp; *rcpt is the
 * recipient list, which must live until the transfer is over. Returns 0,
 * or -1 and a cause.
 */
int
smtp_setup(CURL *e, const struct settings *set, const char *to,
    const char *password, struct curl_slist **rcpt, char **cause)
{
	const char	*url = set->smtp;
	char		*from;
	int		 smtps;

	if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://",
	    8) != 0) {
		*cause = xstrfmt("[kong] smtp = %s: use smtp://HOST:PORT or "
		    "smtps://HOST:PORT", url);
		return (-1);
	}
	smtps = strncmp(url, "smtps://", 8) == 0;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	/* One message per connection: none waits in the cache for a QUIT. */
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, set->connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, set->timeout);
	if (!smtps)
		curl_easy_setopt(e, CURLOPT_USE_SSL, set->smtp_insecure ?
		    (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
	if (set->smtp_insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (set->smtp_cafile != NULL) {
		from = settings_path(set, SETTING_smtp_cafile, set->smtp_cafile);
		curl_easy_setopt(e, CURLOPT_CAINFO, from);	/* copied */
		free(from);
	}
	if (set->smtp_user != NULL) {
		curl_easy_setopt(e, CURLOPT_USERNAME, set->smtp_user);
		if (password != NULL)
			curl_easy_setopt(e, CURLOPT_PASSWORD, password);
	}
	from = xstrfmt("<%s>", set->mail_from != NULL ? set->mail_from :
	    "kong@localhost");
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);	/* libcurl copies */
	free(from);
	from = xstrfmt("<%s>", to);
	*rcpt = curl_slist_append(NULL, from);
	free(from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, *rcpt);
	return (0);
}
