#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A Python http.server and its client on loopback, in two processes: the
server (a fork child) handles each connection on a thread of its own; the
client makes three connections one after the other (the server's fd
numbers are reused), then two at once, sending on the second before the
first. For each connection it prints "PORT SENT", the client's port and
the bytes of its request, so a test can check that the server's recv
calls on that connection are named with that peer and sum to those bytes.
"""
import http.server
import os
import socket
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"x" * 100
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def request(pad):
    return ("GET /%s HTTP/1.0\r\nHost: localhost\r\n\r\n" %
            ("p" * pad)).encode()


def read_all(s):
    while s.recv(65536):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = False
    port = server.server_address[1]
    pid = os.fork()
    if pid == 0:
        for _ in range(5):
            server.handle_request()
        server.server_close()  # joins the handler threads
        os._exit(0)
    server.socket.close()
    lines = []
    for pad in (10, 200, 3000):
        s = socket.create_connection(("127.0.0.1", port))
        req = request(pad)
        s.sendall(req)
        read_all(s)
        lines.append("%d %d" % (s.getsockname()[1], len(req)))
        s.close()
    a = socket.create_connection(("127.0.0.1", port))
    b = socket.create_connection(("127.0.0.1", port))
    for s, pad in ((b, 77), (a, 1500)):
        req = request(pad)
        s.sendall(req)
        lines.append("%d %d" % (s.getsockname()[1], len(req)))
    read_all(b)
    read_all(a)
    a.close()
    b.close()
    _, status = os.waitpid(pid, 0)
    print("\n".join(lines))
    sys.exit(0 if status == 0 else 1)


if __name__ == "__main__":
    main()
