#!/usr/bin/python3
"""tools/bench trace: a trace file of realistic Nova messages for the decode
benchmark. PAIRS copies of the golden refresh call that real nova-manage
sent and of the real compute's reply (tests/vectors), each pair with its own
_msg_id (same length, so every copy is as long as the original) so that
`trace decode` pairs each reply with its call, written in the trace format
(docs/trace-format.md) as `trace record --firehose` would have: the call
published on exchange nova, the reply on the default exchange.

Usage: trace_corpus.py VECTORS_DIR PAIRS OUT"""
import json
import os
import sys
import time

import msgpack


def first_publish(vector_dir, name):
    with open(os.path.join(vector_dir, name)) as f:
        vector = json.load(f)
    event = (vector.get("publish") or vector["events"])[0]
    return event, json.loads(event["body_json"]["oslo.message"])["_msg_id"]


def main():
    vector_dir, pairs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    call, msg_id = first_publish(vector_dir, "nova-manage-refresh-compute-call.json")
    reply, reply_msg_id = first_publish(vector_dir, "nova-manage-refresh-compute-reply.json")
    assert msg_id == reply_msg_id, "the golden reply answers the golden call"
    t_ns = time.time_ns()
    with open(out, "xb") as f:
        f.write(msgpack.packb({"format": "bdm-agent-trace", "version": 1, "started_at": t_ns,
                               "broker": "127.0.0.1:5672/", "recorder": "tools/benchmarks/trace_corpus.py"}))
        for i in range(pairs):
            fresh = "bd%030x" % i
            for event, dt in ((call, 0), (reply, 16000000)):
                f.write(msgpack.packb({
                    "t_ns": t_ns + i * 50000000 + dt,
                    "exchange": event["headers"]["exchange_name"],
                    "routing_key": event["headers"]["routing_keys"][0],
                    "event": "publish",
                    "properties": event["headers"]["properties"],
                    "body": event["body_raw"].replace(msg_id, fresh).encode(),
                }, use_bin_type=True))


if __name__ == "__main__":
    main()
