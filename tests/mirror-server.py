#!/usr/bin/env python3
"""Serve a directory over HTTP on 127.0.0.1 for the tests.

    mirror-server.py DIR PORTFILE

Binds an ephemeral port, writes it to PORTFILE once listening, serves DIR
(directory listings included) and answers "Range: bytes=N-" and
"bytes=N-M" with 206 and Content-Range, so downloads can resume.  Logs
each request to stderr and exits cleanly on SIGTERM or SIGINT.
"""

import http.server
import os
import re
import signal
import sys
import threading

RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send_head(self):
        self.range_left = None
        spec = self.headers.get("Range")
        path = self.translate_path(self.path)
        match = RANGE.match(spec.strip()) if spec else None
        if not match or os.path.isdir(path):
            return super().send_head()
        try:
            f = open(path, "rb")
        except OSError:
            self.send_error(404, "File not found")
            return None
        size = os.fstat(f.fileno()).st_size
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else size - 1
        end = min(end, size - 1)
        if start >= size or start > end:
            f.close()
            self.send_response(416)
            self.send_header("Content-Range", "bytes */%d" % size)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range",
                         "bytes %d-%d/%d" % (start, end, size))
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified",
                         self.date_time_string(os.fstat(f.fileno()).st_mtime))
        self.end_headers()
        self.range_left = end - start + 1
        return f

    def copyfile(self, source, outputfile):
        left = self.range_left
        if left is None:
            return super().copyfile(source, outputfile)
        self.range_left = None
        while left > 0:
            chunk = source.read(min(left, 64 * 1024))
            if not chunk:
                break
            outputfile.write(chunk)
            left -= len(chunk)

    def end_headers(self):
        if not self.headers.get("Range"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def log_message(self, fmt, *args):
        sys.stderr.write("mirror-server: %s %s\n" %
                         (self.address_string(), fmt % args))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up mid-file is normal here (resume tests).
        err = sys.exc_info()[1]
        if isinstance(err, ConnectionError):
            sys.stderr.write("mirror-server: %s hung up\n" % client_address[0])
            return
        super().handle_error(request, client_address)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: mirror-server.py DIR PORTFILE\n")
        return 2
    root, portfile = sys.argv[1], sys.argv[2]
    if not os.path.isdir(root):
        sys.stderr.write("mirror-server: no directory '%s'\n" % root)
        return 1

    def handler(*args, **kwargs):
        return Handler(*args, directory=root, **kwargs)

    server = Server(("127.0.0.1", 0), handler)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, portfile)
    sys.stderr.write("mirror-server: serving %s on 127.0.0.1:%d\n" %
                     (root, server.server_address[1]))
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
