#!/usr/bin/python3
# http-sink.py: a webhook and ping receiver on loopback for tests/alerts.sh.
#
#   http-sink.py DIR PORTFILE
#
# Listens on a free port of 127.0.0.1 and writes the port to PORTFILE
# (renamed into place whole). Each request is appended to DIR/requests as
# "METHOD PATH"; each POST body is written to DIR/NNNN.json. It answers
# with the status in DIR/status if that file exists, else 200.
import http.server
import os
import sys

directory, portfile = sys.argv[1], sys.argv[2]
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, method):
        global count
        with open(os.path.join(directory, "requests"), "a") as f:
            f.write("%s %s\n" % (method, self.path))
        if method == "POST":
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            count += 1
            name = os.path.join(directory, "%04d.json" % count)
            with open(name + ".tmp", "wb") as f:
                f.write(body)
            os.rename(name + ".tmp", name)
        code = 200
        try:
            with open(os.path.join(directory, "status")) as f:
                code = int(f.read().strip())
        except OSError:
            pass
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):
        self.answer("GET")

    def do_POST(self):
        self.answer("POST")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
