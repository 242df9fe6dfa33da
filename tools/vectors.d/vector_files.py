"""The golden vector files (tests/vectors) made from bdm-agent trace files:
records read with msgpack, the firehose's publish and deliver records of
one call and of its reply picked out by method and _msg_id, and written in
the layout the unit tests read (tests/unit/golden_vectors.h): per event the
exchange and routing key as the firehose names them, the message's own
exchange, routing keys and properties under "headers", the body as sent
(body_raw), its length, its JSON and the inner oslo message."""
import json

import msgpack

FIREHOSE = "amq.rabbitmq.trace"


def read_trace(path):
    """(header, records) of a trace file."""
    with open(path, "rb") as f:
        objects = list(msgpack.Unpacker(f, raw=False))
    if not objects or objects[0].get("format") != "bdm-agent-trace":
        raise ValueError("%s is not a bdm-agent trace" % path)
    return objects[0], objects[1:]


def oslo_message(record):
    """The inner oslo message of a record, or None when it has none."""
    try:
        outer = json.loads(record["body"])
        return json.loads(outer["oslo.message"])
    except (ValueError, KeyError, TypeError):
        return None


def calls(records, method, version):
    """The firehose records (publish, then each deliver) of the calls of
    `method` at `version`, grouped by _msg_id, in the order first seen."""
    groups = {}
    for record in records:
        message = oslo_message(record)
        if message and message.get("method") == method and message.get("version") == version \
                and "_msg_id" in message:
            groups.setdefault(message["_msg_id"], []).append(record)
    return list(groups.values())


def replies(records, msg_id):
    """The firehose records of the replies carrying `msg_id`."""
    return [r for r in records if "method" not in (oslo_message(r) or {"method": 0})
            and oslo_message(r).get("_msg_id") == msg_id]


def event(record, t0):
    """One vector event of a firehose record."""
    publish = record["event"] == "publish"
    target = record["exchange"] if publish else record.get("queue", record["routing_key"])
    body = record["body"].decode("utf-8")
    outer = json.loads(body)
    return {
        "t": record["t_ns"] / 1e9,
        "exchange": FIREHOSE,
        "routing_key": ("publish." if publish else "deliver.") + target,
        "headers": {"exchange_name": record["exchange"], "routing_keys": [record["routing_key"]],
                    "properties": record.get("properties", {})},
        "kind": record["event"],
        "target": target,
        "body_raw": body,
        "body_len": len(record["body"]),
        "body_json": outer,
        "oslo_message": json.loads(outer["oslo.message"]),
        "t_rel": round((record["t_ns"] - t0) / 1e9, 6),
    }


def call_vector(meta, records, t0):
    """A *-call.json: the call as published and as delivered."""
    return {"meta": meta,
            "publish": [event(r, t0) for r in records if r["event"] == "publish"],
            "deliver": [event(r, t0) for r in records if r["event"] == "deliver"]}


def reply_vector(meta, reply_queue, records, t0):
    """A *-reply.json: the reply as published and delivered on its queue."""
    return {"meta": meta, "reply_queues": [reply_queue], "events": [event(r, t0) for r in records]}


def declarations_vector(meta, event_records, reply_queue, t0):
    """The broker's events (rabbitmq_event_exchange) about one reply queue:
    its declaration, its consumer, the consumer's end."""
    events = []
    for record in event_records:
        headers = record.get("properties", {}).get("headers", {})
        if reply_queue not in (headers.get("name"), headers.get("queue")):
            continue
        events.append({"t": record["t_ns"] / 1e9, "exchange": record["exchange"],
                       "routing_key": record["routing_key"], "headers": headers, "kind": "event",
                       "event": record["routing_key"], "t_rel": round((record["t_ns"] - t0) / 1e9, 6)})
    return {"meta": meta, "events": events}


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=1, ensure_ascii=False)
        f.write("\n")
