/*
 * unit-http.c: the error-class table of src/http.c. Every libcurl code
 * has a class; only connection failures are net/dns/tls/timeout; the rows
 * that depend on more than the code (a request sent, libcurl's message)
 * go the documented way.
 */
#include "results.h"
#include "tap.h"

/* The name of the class of RC, as the JSONL record spells it. */
static const char *
cls(CURLcode rc, int sent, const char *msg)
{
	const char	*n;

	n = error_class_name(http_error_class(rc, sent, msg));
	return (n != NULL ? n : "none");
}

int
main(void)
{
	static const CURLcode conn[] = {	/* in ascending order */
		CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST,
		CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT,
		CURLE_INTERFACE_FAILED, CURLE_GOT_NOTHING, CURLE_SEND_ERROR,
		CURLE_RECV_ERROR, CURLE_QUIC_CONNECT_ERROR, CURLE_PROXY,
	};
	char	 retried[1024] = "", want[1024] = "";
	size_t	 i;
	int	 rc;

	for (i = 0; i < nitems(conn); i++)
		snprintf(want + strlen(want), sizeof want - strlen(want),
		    "%s%d", i > 0 ? "," : "", (int)conn[i]);

	/* The codes whose class is retried: exactly the connection failures. */
	for (rc = 1; rc < CURL_LAST; rc++) {
		switch (http_error_class((CURLcode)rc, 1, NULL)) {
		case ERR_NET:
		case ERR_DNS:
		case ERR_TIMEOUT:
			snprintf(retried + strlen(retried), sizeof retried -
			    strlen(retried), "%s%d", retried[0] != '\0' ? "," :
			    "", rc);
			break;
		default:
			break;
		}
	}
	is_str(retried, want,
	    "only connection failures are net, dns or timeout (and retried)");
	is_str(cls(CURLE_OK, 1, NULL), "none", "success has no class");

	is_str(cls(CURLE_COULDNT_CONNECT, 0, NULL), "net", "refused");
	is_str(cls(CURLE_GOT_NOTHING, 1, NULL), "net", "empty reply");
	is_str(cls(CURLE_SEND_ERROR, 1, NULL), "net", "send failure");
	is_str(cls(CURLE_RECV_ERROR, 1,
	    "Recv failure: Connection reset by peer"), "net", "reset");
	is_str(cls(CURLE_COULDNT_RESOLVE_HOST, 0, NULL), "dns", "dns");
	is_str(cls(CURLE_OPERATION_TIMEDOUT, 1, NULL), "timeout",
	    "timeout");
	is_str(cls(CURLE_PEER_FAILED_VERIFICATION, 0, NULL), "tls",
	    "certificate");

	is_str(cls(CURLE_RECV_ERROR, 1, "Illegal or missing hexadecimal "
	    "sequence in chunked-encoding"), "http", "bad chunk");
	is_str(cls(CURLE_RECV_ERROR, 1, "Too large response headers: "
	    "307223 > 307200"), "http", "1xx or cookie flood");
	is_str(cls(CURLE_UNSUPPORTED_PROTOCOL, 1, "Received HTTP/0.9 "
	    "when not allowed"), "http", "HTTP/0.9 or garbage");
	is_str(cls(CURLE_UNSUPPORTED_PROTOCOL, 0, NULL), "script",
	    "the script's ftp:// URL");
	is_str(cls(CURLE_URL_MALFORMAT, 1, NULL), "http",
	    "a malformed Location");
	is_str(cls(CURLE_URL_MALFORMAT, 0, NULL), "script",
	    "the script's malformed URL");
	is_str(cls(CURLE_PARTIAL_FILE, 1, NULL), "http", "short body");
	is_str(cls(CURLE_WEIRD_SERVER_REPLY, 1, NULL), "http",
	    "bad framing");
	is_str(cls(CURLE_OUT_OF_MEMORY, 1, NULL), "http", "1 MB header");
	is_str(cls(CURLE_TOO_MANY_REDIRECTS, 1, NULL), "http",
	    "redirect loop");
	is_str(cls(CURLE_BAD_CONTENT_ENCODING, 1, NULL), "http",
	    "bad gzip");
	is_str(cls(CURLE_TFTP_NOTFOUND, 1, NULL), "internal",
	    "a code Kong never asks for");
	return (done_testing());
}
