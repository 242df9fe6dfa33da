"""Reference server of `tools/bench serve`: what `bdm-agent serve` would be
in Python, i.e. a real oslo.messaging RPC server with the threading executor
(oslo_bench_server.py) and one endpoint with the same ping():

  endpoint target namespace "bdm_agent", version "1.0";
  ping(ctxt) -> {"host": SERVER, "version": VERSION, "uptime_s": <int>}

The bench's client (bench_rpc_client, bdm-agent's rpc::RpcClient) calls it
exactly as it calls bdm-agent serve. Prints "ready", runs until stdin closes,
then stops and deletes its queues.

Usage: /usr/bin/python3 serve_ping_reference.py URL TOPIC SERVER VERSION
"""
import sys
import time

import oslo_messaging

import oslo_bench_server


class Ping:
    target = oslo_messaging.Target(namespace="bdm_agent", version="1.0")

    def __init__(self, host, version):
        self.host, self.version, self.started = host, version, time.monotonic()

    def ping(self, ctxt):
        return {"host": self.host, "version": self.version, "uptime_s": int(time.monotonic() - self.started)}


def main():
    url, topic, server, version = sys.argv[1:5]
    oslo_bench_server.serve(url, topic, server, [Ping(server, version)])


if __name__ == "__main__":
    main()
