#!/usr/bin/python3
"""Serve the real Placement API (placement.wsgi:init_application) with the
standard library's WSGI server, one thread per request.

Run by tools/stack:  placement_wsgi.py --config-dir DIR --host H --port P
(DIR holds placement.conf).  Logs (placement's own and the access log) go
to stderr, which tools/stack sends to $STATE/log/placement.log.
"""
import argparse
import os
import signal
import socketserver
import sys
from wsgiref import simple_server


class Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(simple_server.WSGIRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))
        sys.stderr.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config-dir", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()

    os.environ["OS_PLACEMENT_CONFIG_DIR"] = args.config_dir
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    from placement import wsgi
    app = wsgi.init_application()
    httpd = simple_server.make_server(args.host, args.port, app,
                                      server_class=Server,
                                      handler_class=Handler)
    try:
        httpd.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
