#!/usr/bin/python3
# smtp-sink.py: a real SMTP server (aiosmtpd) on loopback for tests/alerts.sh.
#
#   smtp-sink.py DIR PORTFILE [CERT KEY [require]]
#
# Listens on a free port of 127.0.0.1 (or on $SMTP_PORT, to come back where
# it was), writes the port to PORTFILE (renamed
# into place whole), and writes each message it accepts to DIR/NNNN.eml,
# after two lines saying its envelope recipients and whether it came over
# TLS. With CERT and KEY it offers STARTTLS; with "require" it refuses
# mail that does not use it. With $SMTP_AUTH=USER:PASSWORD it requires
# AUTH (PLAIN or LOGIN) as that user, over TLS only when it has CERT, and
# notes who authenticated in a third line.
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        # Numbering goes on after a restart.
        self.n = len([f for f in os.listdir(directory) if f.endswith(".eml")])

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        name = os.path.join(self.directory, "%04d.eml" % self.n)
        head = "X-Envelope-To: %s\r\nX-Envelope-TLS: %s\r\n" % (
            ",".join(envelope.rcpt_tos),
            "yes" if session.ssl is not None else "no")
        if session.authenticated:
            head += "X-Envelope-Auth: %s\r\n" % session.auth_data.login.decode()
        with open(name + ".tmp", "wb") as f:
            f.write(head.encode())
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 OK"


def main():
    directory, portfile = sys.argv[1], sys.argv[2]
    ctx = None
    require = False
    if len(sys.argv) > 4:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        require = len(sys.argv) > 5 and sys.argv[5] == "require"
    sink = Sink(directory)
    auth = {}
    if os.environ.get("SMTP_AUTH"):
        user, password = os.environ["SMTP_AUTH"].split(":", 1)

        def check(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and
                  data.login == user.encode() and
                  data.password == password.encode())
            return AuthResult(success=ok, handled=False, auth_data=data)
        auth = dict(authenticator=check, auth_required=True,
                    auth_require_tls=ctx is not None)
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(sink, hostname="smtp.test", tls_context=ctx,
                     require_starttls=require, **auth),
        "127.0.0.1", int(os.environ.get("SMTP_PORT", "0"))))
    port = server.sockets[0].getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
    loop.run_forever()


if __name__ == "__main__":
    main()
