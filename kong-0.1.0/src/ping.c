/*
 * ping.c: [kong] ping_url, on the engine's loop.
 *
 * Each ping is a GET of the URL with a suffix (/start, /fail or none), sent
 * through the same libcurl multi handle as the checks, never blocking
 * them. A ping that fails is said on stderr and changes nothing else: the
 * monitor that misses it is what notices.
 */
#include "http.h"
#include "lock.h"

struct ping {
	struct pinger		*p;
	CURL			*easy;
	struct xfer		 x;
	char			*url;
};

struct pinger {
	struct engine		*engine;
	char			*url;
	long			 timeout_ms;
	struct ping		*v[4];
	size_t			 n;
	size_t			 busy;
	void			(*idle)(void *);
	void			*idle_arg;
};

/* Pings of url (without its trailing /), each within timeout_ms. */
struct pinger *
pinger_create(struct engine *e, const char *url, long timeout_ms)
{
	struct pinger	*p;
	size_t		 len = strlen(url);

	p = xcalloc(1, sizeof *p);
	p->engine = e;
	while (len > 0 && url[len - 1] == '/')
		len--;
	p->url = xstrndup(url, len);
	p->timeout_ms = timeout_ms;
	return (p);
}

static void
pinger_done_cb(struct xfer *x, void *arg)
{
	struct ping	*g = arg;
	struct pinger	*p = g->p;
	long		 code = 0;

	curl_easy_getinfo(g->easy, CURLINFO_RESPONSE_CODE, &code);
	if (x->rc != CURLE_OK)
		fprintf(stderr, "kong: ping_url %s: %s\n", g->url,
		    xfer_error(x));
	else if (code < 200 || code > 299)
		fprintf(stderr, "kong: ping_url %s: the server answered %ld\n",
		    g->url, code);
	p->busy--;
	if (p->busy == 0 && p->idle != NULL)
		p->idle(p->idle_arg);	/* may break the loop, not free p */
}

/* GET the URL with suffix ("/start", "/fail" or ""). */
void
pinger_send(struct pinger *p, const char *suffix)
{
	struct ping	*g;

	if (p->n == sizeof p->v / sizeof p->v[0])
		return;
	g = xcalloc(1, sizeof *g);
	g->p = p;
	g->url = xstrfmt("%s%s", p->url, suffix);
	if ((g->easy = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	curl_easy_setopt(g->easy, CURLOPT_URL, g->url);
	curl_easy_setopt(g->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(g->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(g->easy, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(g->easy, CURLOPT_FOLLOWLOCATION, 1L);
	xfer_init(&g->x, engine_http(p->engine), g->easy);
	p->v[p->n++] = g;
	p->busy++;
	xfer_start(&g->x, pinger_done_cb, g);
}

/* Call fn once no ping is in flight (at once, from here, if none is). */
void
pinger_wait(struct pinger *p, void (*fn)(void *), void *arg)
{
	p->idle = fn;
	p->idle_arg = arg;
	if (p->busy == 0)
		fn(arg);
}

/* Free the pings; those in flight are cancelled. NULL is allowed. */
void
pinger_free(struct pinger *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		xfer_clear(&p->v[i]->x);
		curl_easy_cleanup(p->v[i]->easy);
		free(p->v[i]->url);
		free(p->v[i]);
	}
	free(p->url);
	free(p);
}
