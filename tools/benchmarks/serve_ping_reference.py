"""Reference server of `tools/bench serve`: what `bdm-agent serve` would be
in Python, i.e. a real oslo.messaging RPC server with the threading executor
(oslo's default pool of 64 threads) and one endpoint with the same ping():

  Target(topic=TOPIC, server=SERVER) on exchange "nova";
  endpoint target namespace "bdm_agent", version "1.0";
  ping(ctxt) -> {"host": SERVER, "version": VERSION, "uptime_s": <int>}

The bench's client (bench_rpc_client, bdm-agent's rpc::RpcClient) calls it
exactly as it calls bdm-agent serve. Prints "ready" followed by the names of
the three queues oslo declared (TOPIC, TOPIC.SERVER and the fanout queue, so
that the bench can delete them; the fanout queue's name is read from oslo's
listener, and left out if this oslo version keeps it elsewhere), runs until
stdin closes, then stops.

Usage: /usr/bin/python3 serve_ping_reference.py URL TOPIC SERVER VERSION
"""
import logging
import sys
import time

import oslo_messaging
from oslo_config import cfg


class Ping:
    target = oslo_messaging.Target(namespace="bdm_agent", version="1.0")

    def __init__(self, host, version):
        self.host, self.version, self.started = host, version, time.monotonic()

    def ping(self, ctxt):
        return {"host": self.host, "version": self.version, "uptime_s": int(time.monotonic() - self.started)}


def declared_queues(rpc_server, topic, server):
    names = [topic, topic + "." + server]
    try:  # oslo 14: PollStyleListenerAdapter -> RpcAMQPListener -> rabbit Connection
        consumers = rpc_server.listener._poll_style_listener.conn._consumers
        names += [c.queue_name for c in consumers if c.queue_name not in names]
    except AttributeError:
        pass
    return names


def main():
    url, topic, server, version = sys.argv[1:5]
    logging.basicConfig(level=logging.ERROR)
    conf = cfg.CONF  # the global one, as in Nova
    conf([], project="bdm-bench", default_config_files=[])
    oslo_messaging.set_transport_defaults(control_exchange="nova")
    transport = oslo_messaging.get_rpc_transport(conf, url=url)
    rpc_server = oslo_messaging.get_rpc_server(
        transport, oslo_messaging.Target(topic=topic, server=server), [Ping(server, version)], executor="threading")
    rpc_server.start()
    print("ready", *declared_queues(rpc_server, topic, server), flush=True)
    try:
        sys.stdin.read()
    finally:
        rpc_server.stop()
        rpc_server.wait()
        transport.cleanup()


if __name__ == "__main__":
    main()
