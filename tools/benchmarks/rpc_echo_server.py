"""The peer of `tools/bench rpc` (calls): one real oslo.messaging RPC server
that both clients, bdm-agent's (bench_rpc_call) and Python's
(rpc_call_reference.py), call in turn.

Serves Target(topic=TOPIC, server=SERVER) on exchange "nova" with one
endpoint at the compute manager's target version (6.1):
  remove_volume_connection(ctxt, **kwargs) -> kwargs (an echo)
No serializer: the args come back as they were sent. Prints "ready" once
its consumers are declared, runs until stdin closes, then stops and deletes
its two (non-transient) queues, TOPIC and TOPIC.SERVER.

Usage: /usr/bin/python3 rpc_echo_server.py URL TOPIC SERVER
"""
import logging
import sys

import kombu
import oslo_messaging
from oslo_config import cfg


class Echo:
    target = oslo_messaging.Target(version="6.1")

    def remove_volume_connection(self, ctxt, **kwargs):
        return kwargs


def main():
    url, topic, server = sys.argv[1:4]
    # py-amqp warns about the broker's consumer cancels when it closes its
    # channels at the end; only errors belong in the bench's output.
    logging.basicConfig(level=logging.ERROR)
    conf = cfg.CONF  # the global one, as in Nova: RPCClient reads its metrics options there
    conf([], project="bdm-bench", default_config_files=[])
    oslo_messaging.set_transport_defaults(control_exchange="nova")
    transport = oslo_messaging.get_rpc_transport(conf, url=url)
    rpc_server = oslo_messaging.get_rpc_server(
        transport, oslo_messaging.Target(topic=topic, server=server), [Echo()], executor="threading")
    rpc_server.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        rpc_server.stop()
        rpc_server.wait()
        transport.cleanup()
        with kombu.Connection(url.replace("rabbit://", "amqp://", 1)) as conn:
            channel = conn.channel()
            for name in (topic, topic + "." + server):
                channel.queue_delete(name)


if __name__ == "__main__":
    main()
