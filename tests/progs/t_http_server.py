# SPDX-License-Identifier: MIT
"""t_http_server.py: Python's ThreadingHTTPServer on 127.0.0.1, a thread
per connection, and 4 client threads of the same process making 5 requests
each at once, so that connections reuse fd numbers while others are
served. Request n is answered with 1000 + n bytes of body; at the end, a line
"conn <n> <client port>" says who each went to."""
import http.server
import threading
import urllib.request

CLIENTS, EACH = 4, 5


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        n = int(self.path[1:])
        body = b'x' * (1000 + n)
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        served.append((n, self.client_address[1]))

    def log_message(self, *args):
        pass


served = []
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
port = server.server_address[1]
serving = threading.Thread(target=server.serve_forever)
serving.start()


def client(k):
    for i in range(EACH):
        n = 1 + k + CLIENTS * i
        url = 'http://127.0.0.1:%d/%d' % (port, n)
        assert len(urllib.request.urlopen(url).read()) == 1000 + n


clients = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
for c in clients:
    c.start()
for c in clients:
    c.join()
server.shutdown()
serving.join()
for n, port in sorted(served):
    print('conn %d %d' % (n, port))
