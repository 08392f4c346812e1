/*
 * http.h: every client HTTP request, through libcurl's multi socket
 * interface on a libevent loop.
 *
 * The glue follows curl's hiperfifo: one socket callback that only arms an
 * event per socket, one timer callback that only arms one timer, and event
 * callbacks that call curl_multi_socket_action and then drain
 * curl_multi_info_read. A finished transfer is handed to its owner's done
 * callback from there, never from inside a libcurl callback; owners only
 * record the result and wake their session.
 */
#ifndef KONG_HTTP_H
#define KONG_HTTP_H

#include <curl/curl.h>
#include <event2/event.h>

#include "kong.h"

struct http;

/* Timings of one request, microseconds from its start. */
struct http_timing {
	int64_t	 dns;
	int64_t	 connect;
	int64_t	 tls;
	int64_t	 first_byte;
	int64_t	 total;
};

/* One request in flight on a session's easy handle. */
struct xfer {
	struct http		*http;
	CURL			*easy;		/* borrowed from the session */
	int			 busy;		/* added to the multi handle */

	/* The response, filled as it arrives. */
	struct buf		 body;
	struct buf		 headers;	/* header block of the last response */
	size_t			 max_body;
	size_t			 max_headers;	/* bytes of one header block */
	int			 too_big;

	/* Framing of the last response, from its headers (see http.c). */
	int64_t			 length;	/* Content-Length, or -1 */
	int			 te;		/* has Transfer-Encoding */
	int			 in_body;	/* past its header block */
	char			 framing[128];	/* why it is untrusted, or "" */

	/* Request parts libcurl does not copy: they live until done. */
	struct curl_slist	*req_headers;
	curl_mime		*mime;
	char			*postfields;

	/* The outcome, set before done is called. */
	CURLcode		 rc;
	char			 errbuf[CURL_ERROR_SIZE];

	void			(*done)(struct xfer *, void *);
	void			*arg;
};

struct http	*http_create(struct event_base *);
void		 http_free(struct http *);
void		 http_set_max_connects(struct http *, long);
void		 xfer_init(struct xfer *, struct http *, CURL *);
void		 xfer_reset(struct xfer *);
void		 xfer_set_mime(struct xfer *, curl_mime *);
void		 xfer_clear(struct xfer *);
void		 xfer_start(struct xfer *, void (*)(struct xfer *, void *),
		     void *);
void		 xfer_cancel(struct xfer *);
void		 xfer_timing(const struct xfer *, struct http_timing *);
char		*xfer_header(const struct xfer *, const char *);
const char	*xfer_error(const struct xfer *);
CURL		*http_easy_get(struct http *);
void		 http_easy_put(struct http *, CURL *);
char		*http_url_host(const char *);

#endif
