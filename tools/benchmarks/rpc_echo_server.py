"""The peer of `tools/bench rpc` (calls): one real oslo.messaging RPC server
that both clients, bdm-agent's (bench_rpc_call) and Python's
(rpc_call_reference.py), call in turn.

Serves Target(topic=TOPIC, server=SERVER) on exchange "nova" with one
endpoint at the compute manager's target version (6.1):
  remove_volume_connection(ctxt, **kwargs) -> kwargs (an echo)
No serializer: the args come back as they were sent. Prints "ready" once
its consumers are declared, runs until stdin closes, then stops and deletes
its queues (oslo_bench_server.py).

Usage: /usr/bin/python3 rpc_echo_server.py URL TOPIC SERVER
"""
import sys

import oslo_messaging

import oslo_bench_server


class Echo:
    target = oslo_messaging.Target(version="6.1")

    def remove_volume_connection(self, ctxt, **kwargs):
        return kwargs


def main():
    url, topic, server = sys.argv[1:4]
    oslo_bench_server.serve(url, topic, server, [Echo()])


if __name__ == "__main__":
    main()
