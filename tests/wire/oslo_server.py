"""A real oslo.messaging RPC server for the wire tests (test peer, not product code).

Run: python3 oslo_server.py URL TOPIC SERVER LOGFILE [CONFIG_FILE]
CONFIG_FILE, when given, is read as oslo.config would read a service's file
(e.g. [oslo_messaging_rabbit] ssl, ssl_ca_file, ssl_cert_file, ssl_key_file).
Serves Target(exchange via control_exchange="nova", topic=TOPIC, server=SERVER)
with one endpoint:
  echo(**kwargs)  -> returns kwargs
  raise_(...)     -> exposed as method "raise": raises ValueError("boom: <kwargs>")
  slow(i, slow_if, **kwargs) -> sleeps 2.5 s first when i == slow_if, returns kwargs + i
Every invocation is appended to LOGFILE as one JSON line {"method", "ctxt", "args"}.
Prints "ready" on stdout once the server's consumers are declared.
"""
import json
import sys
import time

import oslo_messaging
from oslo_config import cfg


class Endpoint:
    def __init__(self, log_path):
        self._log_path = log_path

    def _log(self, method, ctxt, kwargs):
        with open(self._log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"method": method, "ctxt": ctxt, "args": kwargs}) + "\n")

    def echo(self, ctxt, **kwargs):
        self._log("echo", ctxt, kwargs)
        return kwargs

    def slow(self, ctxt, i, slow_if, **kwargs):
        self._log("slow", ctxt, dict(kwargs, i=i, slow_if=slow_if))
        if i == slow_if:
            time.sleep(2.5)
        return dict(kwargs, i=i)


def _raise(self, ctxt, **kwargs):
    self._log("raise", ctxt, kwargs)
    raise ValueError("boom: %s" % json.dumps(kwargs, sort_keys=True))


setattr(Endpoint, "raise", _raise)


def main():
    url, topic, server, log_path = sys.argv[1:5]
    conf = cfg.ConfigOpts()
    conf(["--config-file", sys.argv[5]] if len(sys.argv) > 5 else [], project="wire-test")
    oslo_messaging.set_transport_defaults(control_exchange="nova")
    transport = oslo_messaging.get_rpc_transport(conf, url=url)
    target = oslo_messaging.Target(topic=topic, server=server)
    rpc_server = oslo_messaging.get_rpc_server(
        transport, target, [Endpoint(log_path)], executor="threading")
    rpc_server.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # runs until the test closes stdin or kills us
    finally:
        rpc_server.stop()
        rpc_server.wait()
        transport.cleanup()


if __name__ == "__main__":
    main()
