#!/usr/bin/python3
"""tools/bench trace: the Python reference for `bdm-agent trace decode
--json`, what a developer would write with the libraries OpenStack uses:
msgpack reads the trace file, oslo.messaging's own deserialize_msg opens
the envelope (json), each Nova object primitive is expanded into
{object, version, namespace, fields} at every depth, the context is cut down
to request_id/user/project/roles, secrets are masked the way OpenStack masks
them in logs (oslo_utils.strutils.mask_dict_password, at any depth), failures
are decoded, each reply is paired with its call (latency), and one JSON line
per message is written to stdout.

Usage: trace_decode_reference.py FILE > /dev/null
Prints {"seconds": S, "cpu_seconds": C, "bytes": B, "messages": N} on
stderr: the wall and CPU time of the decoding loop alone (the imports are
not counted)."""
import datetime
import json
import os
import sys
import time

import msgpack
from oslo_messaging._drivers import common
from oslo_utils import strutils


def expand(value):
    if isinstance(value, dict):
        if "nova_object.name" in value:
            return {"object": value["nova_object.name"], "version": value.get("nova_object.version"),
                    "namespace": value.get("nova_object.namespace"),
                    "fields": {k: expand(v) for k, v in value.get("nova_object.data", {}).items()}}
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


def entry_of(n, record, calls):
    t_ns = record["t_ns"]
    entry = {"time": datetime.datetime.fromtimestamp(t_ns / 1e9, datetime.timezone.utc).isoformat(),
             "t_ns": t_ns, "event": record["event"], "exchange": record["exchange"],
             "routing_key": record["routing_key"]}
    try:
        message = common.deserialize_msg(json.loads(record["body"]))
    except (ValueError, TypeError, KeyError) as e:
        entry.update(kind="raw", why=str(e), body=record["body"].decode("utf-8", "replace"))
        return entry
    if "method" in message:
        msg_id = message.get("_msg_id")
        entry.update(kind="call" if msg_id else "cast", method=message["method"], version=message.get("version"),
                     msg_id=msg_id, reply_q=message.get("_reply_q"), timeout=message.get("_timeout"),
                     context={k: message.get("_context_" + k) for k in ("request_id", "user", "project", "roles")},
                     args=expand(strutils.mask_dict_password(message.get("args", {}))))
        if msg_id:
            calls[msg_id] = (n, message["method"], t_ns)
    else:
        entry.update(kind="reply", msg_id=message.get("_msg_id"), ending=message.get("ending"),
                     result=expand(message.get("result")))
        if message.get("failure"):
            failure = json.loads(message["failure"])
            entry["failure"] = {k: failure.get(k) for k in ("class", "module", "message")}
        call = calls.get(message.get("_msg_id"))
        if call:
            entry["call"] = {"n": call[0], "method": call[1], "latency_ms": (t_ns - call[2]) / 1e6}
    entry["n"] = n
    return entry


def main():
    path = sys.argv[1]
    started, cpu_started = time.perf_counter(), time.process_time()
    calls, n = {}, 0
    out = sys.stdout
    with open(path, "rb") as f:
        unpacker = msgpack.Unpacker(f, raw=False, max_buffer_size=64 << 20)
        header = next(unpacker)
        assert header["format"] == "bdm-agent-trace"
        for n, record in enumerate(unpacker, 1):
            out.write(json.dumps(entry_of(n, record, calls)) + "\n")
    out.flush()
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started,
                      "bytes": os.path.getsize(path), "messages": n}), file=sys.stderr)


if __name__ == "__main__":
    main()
