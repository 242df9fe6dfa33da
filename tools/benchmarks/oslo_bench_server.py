"""The Python oslo.messaging servers of the benchmarks (rpc_echo_server.py
for `tools/bench rpc`, serve_ping_reference.py for `tools/bench serve`), run
the same way: a real RPC server for Target(topic=TOPIC, server=SERVER) on
exchange "nova" with the threading executor (oslo's default pool of 64),
the global cfg.CONF as in Nova, no config file.

serve() prints "ready" once the consumers are declared, runs until stdin
closes, then stops and deletes the queues oslo declared: TOPIC,
TOPIC.SERVER and the fanout queue (its name read from oslo 14's listener;
left to its x-expires if this oslo keeps it elsewhere). The fanout exchange
is auto-delete and goes with its queue.
"""
import logging
import sys

import kombu
import oslo_messaging
from oslo_config import cfg


def _declared_queues(rpc_server, topic, server):
    names = [topic, topic + "." + server]
    try:  # oslo 14: PollStyleListenerAdapter -> RpcAMQPListener -> rabbit Connection
        consumers = rpc_server.listener._poll_style_listener.conn._consumers
        names += [c.queue_name for c in consumers if c.queue_name not in names]
    except AttributeError:
        pass
    return names


def serve(url, topic, server, endpoints):
    # py-amqp warns about the broker's consumer cancels when it closes its
    # channels at the end; only errors belong in the bench's output.
    logging.basicConfig(level=logging.ERROR)
    conf = cfg.CONF  # the global one, as in Nova: RPCClient reads its metrics options there
    conf([], project="bdm-bench", default_config_files=[])
    oslo_messaging.set_transport_defaults(control_exchange="nova")
    transport = oslo_messaging.get_rpc_transport(conf, url=url)
    rpc_server = oslo_messaging.get_rpc_server(
        transport, oslo_messaging.Target(topic=topic, server=server), endpoints, executor="threading")
    rpc_server.start()
    queues = _declared_queues(rpc_server, topic, server)
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        rpc_server.stop()
        rpc_server.wait()
        transport.cleanup()
        with kombu.Connection(url.replace("rabbit://", "amqp://", 1)) as conn:
            channel = conn.channel()
            for name in queues:
                channel.queue_delete(name)
