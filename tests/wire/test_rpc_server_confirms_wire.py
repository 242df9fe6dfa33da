"""bdm-agent's RPC server pipelines its replies' publisher confirms: many
concurrent calls are each answered exactly once while one caller's reply
queue disappears mid-run (its replies, returned by the broker among the
others' confirms, are retried and then dropped; nobody else is affected).

The server is tests/integration/rpc_test_server (as in
test_rpc_server_wire.py); the live callers are one oslo_messaging.RPCClient
used from many threads; the vanishing caller is a reply queue this test
declares and deletes itself, its calls published raw with kombu (a live
oslo client always keeps its reply queue, so its loss must be injected).

Run: /usr/bin/python3 -m pytest tests/wire/test_rpc_server_confirms_wire.py
(environment as test_rpc_server_wire.py).
"""
import concurrent.futures
import json
import re
import time
import uuid

import kombu
from oslo_messaging._drivers import common as rpc_common

from test_rpc_server_wire import KOMBU_URL, _publish_raw, agent, client, transport  # noqa: F401 (fixtures)

THREADS = 16
CALLS_PER_THREAD = 25
VICTIM_BEFORE = 5  # calls answered while the victim's queue exists
VICTIM_AFTER = 10  # calls whose reply queue is gone by the time they are answered


def _victim_call(reply_q, value):
    return rpc_common.serialize_msg({"method": "echo", "args": {"value": value}, "_msg_id": uuid.uuid4().hex,
                                     "_reply_q": reply_q, "_timeout": None, "_unique_id": uuid.uuid4().hex})


def _stats(stderr):
    match = re.search(r"^stats (.*)$", stderr, re.M)
    assert match, stderr
    return dict(pair.split("=") for pair in match.group(1).split())


def test_concurrent_calls_answered_once_while_a_reply_queue_vanishes(transport, agent):  # noqa: F811
    srv = agent(None, "agent1", "1.3", "--missing-reply-timeout-ms", "1000", "--workers", "4")
    victim_q = "reply_" + uuid.uuid4().hex
    with kombu.Connection(KOMBU_URL) as conn:
        channel = conn.channel()
        channel.queue_declare(victim_q, durable=False, auto_delete=False)
        _publish_raw(srv.topic, [_victim_call(victim_q, "before-%d" % i) for i in range(VICTIM_BEFORE)])
        deadline = time.monotonic() + 10
        victim_replies = []
        while len(victim_replies) < VICTIM_BEFORE and time.monotonic() < deadline:
            message = channel.basic_get(victim_q, no_ack=True)
            if message is None:
                time.sleep(0.02)
                continue
            victim_replies.append(rpc_common.deserialize_msg(json.loads(message.body)))
        assert sorted(r["result"] for r in victim_replies) == ["before-%d" % i for i in range(VICTIM_BEFORE)]

        c = client(transport, srv.topic, srv.server).prepare(timeout=20)

        def caller(n):
            answers = []
            for i in range(CALLS_PER_THREAD):
                value = "live-%d-%d" % (n, i)
                answers.append((value, c.call({}, "echo", value=value)))
                if n == 0 and i == 3:  # mid-run: the victim goes away, then calls it can no longer hear
                    channel.queue_delete(victim_q)
                    _publish_raw(srv.topic, [_victim_call(victim_q, "after-%d" % j) for j in range(VICTIM_AFTER)])
            return answers

        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
            results = [a for answers in pool.map(caller, range(THREADS)) for a in answers]
        live_seconds = time.monotonic() - start
    assert len(results) == THREADS * CALLS_PER_THREAD
    assert all(value == answer for value, answer in results), [r for r in results if r[0] != r[1]][:5]
    assert live_seconds < 15, live_seconds  # not held up by the victim's retries
    time.sleep(1.5)  # the victim's replies are given up after 1 s
    total = THREADS * CALLS_PER_THREAD + VICTIM_BEFORE + VICTIM_AFTER
    assert len(srv.wait_invocations(total)) == total
    assert srv.stop() == 0
    stats = _stats(srv.stderr)
    # Exactly once: every live reply and the victim's first ones confirmed once,
    # the victim's later ones dropped once each, nothing run twice.
    assert stats["calls"] == str(total)
    assert stats["replies"] == str(THREADS * CALLS_PER_THREAD + VICTIM_BEFORE), srv.stderr
    assert stats["dropped"] == str(VICTIM_AFTER), srv.stderr
    assert stats["duplicates"] == "0" and stats["reconnects"] == "0", srv.stderr
    dropped_lines = (srv.stderr.count("dropped, the reply queue is missing") +
                     srv.stderr.count("dropped, the reply queue is gone"))
    assert dropped_lines == VICTIM_AFTER, srv.stderr
    assert srv.stderr.count("dropped, the reply queue is missing") >= 1, srv.stderr
    invoked = sorted(i["args"]["value"] for i in srv.calls_and_casts())
    assert len(invoked) == len(set(invoked)) == total
