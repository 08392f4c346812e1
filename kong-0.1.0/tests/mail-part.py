#!/usr/bin/python3
# mail-part.py: one part of a message written by smtp-sink.py, for tests.
#
#   mail-part.py FILE to|subject|text|html|header:NAME|check
#
# "check" exits 1 unless the message has Date, Message-ID, From, To and
# Subject and is multipart/alternative with text/plain and text/html.
import email
import email.header
import email.policy
import sys

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
what = sys.argv[2]
if what == "to":
    print(msg["X-Envelope-To"])
elif what == "subject":
    print(str(msg["Subject"]))
elif what.startswith("header:"):
    print(msg[what[7:]])
elif what in ("text", "html"):
    part = msg.get_body(preferencelist=("plain",) if what == "text" else ("html",))
    sys.stdout.write(part.get_content())
elif what == "check":
    ok = all(msg[h] for h in ("Date", "Message-ID", "From", "To", "Subject"))
    ok = ok and msg.get_content_type() == "multipart/alternative"
    types = [p.get_content_type() for p in msg.iter_parts()]
    ok = ok and types == ["text/plain", "text/html"]
    raw = open(sys.argv[1], "rb").read()
    ok = ok and b"=?UTF-8?B?" in raw if any(ord(c) > 127 for c in str(msg["Subject"])) else ok
    sys.exit(0 if ok else 1)
