"""Reference half of `tools/bench rpc` (calls): what Python's
oslo_messaging.RPCClient takes per call, through the same broker to the same
echo server (rpc_echo_server.py) as bench_rpc_call, with the same message:
the method, version, args and context of the request in BODY_FILE
(bench_rpc_codec's output). Sequential calls on one client (one transport:
a pooled sending connection and one reply queue), WARMUP untimed first; each
reply must equal the args.

Usage: /usr/bin/python3 rpc_call_reference.py URL TOPIC SERVER BODY_FILE CALLS WARMUP
Prints one JSON line {"median_s": per-call median, "calls_per_s": CALLS /
total time, "calls": CALLS}.
"""
import json
import statistics
import sys
import time

import oslo_messaging
from oslo_config import cfg
from oslo_messaging._drivers import common as rpc_common


def main():
    url, topic, server, body_file = sys.argv[1:5]
    calls, warmup = int(sys.argv[5]), int(sys.argv[6])
    with open(body_file) as f:
        message = rpc_common.deserialize_msg(json.load(f))
    ctxt = {k[len("_context_"):]: v for k, v in message.items() if k.startswith("_context_")}
    args = message["args"]

    conf = cfg.CONF  # the global one, as in Nova: RPCClient reads its metrics options there
    conf([], project="bdm-bench", default_config_files=[])
    oslo_messaging.set_transport_defaults(control_exchange="nova")
    transport = oslo_messaging.get_rpc_transport(conf, url=url)
    client = oslo_messaging.get_rpc_client(
        transport, oslo_messaging.Target(topic=topic, server=server), timeout=30).prepare(
            version=message["version"])

    def call():
        if client.call(ctxt, message["method"], **args) != args:
            raise SystemExit("rpc_call_reference: the echo differs from the args")

    for _ in range(warmup):
        call()
    seconds = []
    start = time.perf_counter()
    for _ in range(calls):
        before = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - before)
    total = time.perf_counter() - start
    transport.cleanup()
    print(json.dumps({"median_s": statistics.median(seconds), "calls_per_s": calls / total, "calls": calls}))


if __name__ == "__main__":
    main()
