"""bdm-agent's RPC server (rpc::RpcServer) against a real Python oslo.messaging 14 RPCClient.

The agent side is tests/integration/rpc_test_server (see its header comment
for the endpoints); the client is oslo_messaging.RPCClient in this process,
on the stack's RabbitMQ (tools/stack), exchange "nova" (control_exchange), a
fresh topic per test. Where it matters, the same call goes to a real Python
oslo server (oslo_server.py) too and both answers are compared.

Run: /usr/bin/python3 -m pytest tests/wire/test_rpc_server_wire.py
Environment: the stack's stack.env (BDM_STACK_DIR, default
/var/tmp/bdm-agent-stack); BDM_BUILD_DIR to find the server (default build/).
A missing stack or binary fails.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid

import oslo_messaging
import pytest
from oslo_config import cfg
from oslo_messaging._drivers import common as rpc_common
from oslo_messaging._metrics import client as metrics_client

from test_rpc_client_wire import URL, OsloServer, queue_facts, rabbitmqctl

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
KOMBU_URL = "amqp://" + URL.split("://", 1)[1]  # kombu's name for oslo's rabbit://
CONTEXT = {"user_id": "u-1", "project_id": "p-1", "is_admin": True, "request_id": "req-x",
           "roles": ["admin"], "read_deleted": "no"}


def _server_binary():
    build = os.environ.get("BDM_BUILD_DIR", os.path.join(ROOT, "build"))
    path = os.path.join(build, "tests", "integration", "rpc_test_server")
    assert os.access(path, os.X_OK), "%s not built" % path
    return path


class AgentServer:
    """rpc_test_server in a subprocess; its stdout lines are collected."""

    def __init__(self, topic, server="agent1", version="1.3", *extra):
        self.topic, self.server = topic, server
        self.proc = subprocess.Popen(
            [_server_binary(), "--url", URL, "--topic", topic, "--server", server, "--exchange", "nova",
             "--version", version, *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._lines = queue.Queue()
        self.invocations = []
        self.stderr = ""
        first = self.proc.stdout.readline().split()
        if not first or first[0] != "ready":
            self.proc.kill()
            raise RuntimeError("rpc_test_server did not start: %r %s" % (first, self.proc.stderr.read()))
        self.fanout_queue = first[1]
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))

    def _drain(self, wait=0.0):
        try:
            while True:
                line = self._lines.get(timeout=wait) if wait else self._lines.get_nowait()
                wait = 0.0
                if line.startswith("{"):
                    self.invocations.append(json.loads(line))
                else:
                    self.invocations.append({"kind": "line", "text": line})
        except queue.Empty:
            pass

    def wait_invocations(self, n, seconds=10):
        deadline = time.time() + seconds
        self._drain()
        while len(self.calls_and_casts()) < n and time.time() < deadline:
            self._drain(0.05)
        return self.calls_and_casts()

    def calls_and_casts(self):
        self._drain()
        return [i for i in self.invocations if i["kind"] in ("call", "cast")]

    def stop(self, how="stdin", timeout=15):
        if self.proc.poll() is None:
            if how == "stdin":
                self.proc.stdin.close()
            else:
                self.proc.send_signal(how)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr = self.proc.stderr.read()
        self._drain(0.2)
        return self.proc.returncode


def _topic():
    return "agent-srv-%s" % uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def transport():
    conf = cfg.ConfigOpts()
    conf([], project="bdm-wire-test")
    conf.register_opts(metrics_client.oslo_messaging_metrics, group="oslo_messaging_metrics")
    oslo_messaging.set_transport_defaults(control_exchange="nova")
    transport = oslo_messaging.get_rpc_transport(conf, url=URL)
    yield transport
    transport.cleanup()


def client(transport, topic, server=None, **kwargs):
    return oslo_messaging.get_rpc_client(
        transport, oslo_messaging.Target(topic=topic, server=server), **kwargs)


def _delete_queues(names):
    """Removes this test's own queues (uniquely named topics) from the broker."""
    import kombu
    with kombu.Connection(KOMBU_URL) as conn:
        channel = conn.channel()
        for name in names:
            channel.queue_delete(name)


@pytest.fixture
def agent():
    servers, queues = [], []

    def start(topic=None, server="agent1", version="1.3", *extra):
        s = AgentServer(topic or _topic(), server, version, *extra)
        servers.append(s)
        queues.extend([s.topic, "%s.%s" % (s.topic, s.server), s.fanout_queue])
        return s
    start.also_delete = queues.extend
    yield start
    for s in servers:
        s.stop()
    _delete_queues(sorted(set(queues)))


def test_call_returns_the_value_and_passes_the_context(transport, agent):
    srv = agent()
    value = {"text": "caf\u00e9 \u2603 \U0001F600", "n": 12345678901234567890, "f": 0.5,
             "list": [1, "2", True, None], "nested": {"a": {"b": []}}}
    assert client(transport, srv.topic, srv.server).call(CONTEXT, "echo", value=value) == value
    (seen,) = srv.wait_invocations(1)
    assert seen == {"kind": "call", "method": "echo", "args": {"value": value}, "context": CONTEXT}


def test_remote_error_names_our_class_and_message(transport, agent):
    srv = agent()
    c = client(transport, srv.topic, srv.server)
    with pytest.raises(oslo_messaging.RemoteError) as info:
        c.call({}, "fail", message="volume \u00e9 is stuck")
    assert info.value.exc_type == "BdmTestFailure"
    assert info.value.value == "volume \u00e9 is stuck"
    assert "bdm_agent.rpc_test_server.BdmTestFailure: volume \u00e9 is stuck\n" in "".join(info.value.traceback)
    # A builtins class is rebuilt as the original class by the Python client.
    with pytest.raises(ValueError) as info:
        c.call({}, "fail", message="bad size", **{"class": "ValueError", "module": "builtins"})
    # (oslo cannot give a builtin its _Remote subclass; it puts the message
    # and the remote traceback into the exception's text instead)
    assert type(info.value) is ValueError
    assert str(info.value) == "bad size\nValueError: bad size\n"


def test_unsupported_version_and_no_such_method_like_a_python_server(transport, agent, tmp_path):
    srv = agent(version="1.3")
    py = OsloServer(tmp_path, _topic(), server="host1")  # a real oslo server: endpoint version 1.0
    agent.also_delete([py.topic, py.topic + ".host1"])
    try:
        answers = {}
        for name, topic, server in (("agent", srv.topic, srv.server), ("python", py.topic, py.server)):
            c = client(transport, topic, server)
            with pytest.raises(oslo_messaging.RemoteError) as too_new:
                c.prepare(version="9.0").call({}, "echo", value=1)
            with pytest.raises(oslo_messaging.RemoteError) as missing:
                c.call({}, "no_such_method", value=1)
            answers[name] = [(e.value.exc_type, e.value.value) for e in (too_new, missing)]
        assert answers["agent"] == answers["python"]
        assert answers["agent"] == [
            ("UnsupportedVersion", "Endpoint does not support RPC version 9.0. Attempted method: echo"),
            ("NoSuchMethod", "Endpoint does not support RPC method no_such_method")]
        # Compatible versions: same major, minor up to the endpoint's 1.3.
        c = client(transport, srv.topic, srv.server)
        assert [c.prepare(version=v).call({}, "echo", value=v) for v in ("1.0", "1.3", "1.2.7")] == \
            ["1.0", "1.3", "1.2.7"]
        with pytest.raises(oslo_messaging.RemoteError) as info:
            c.prepare(version="1.4").call({}, "echo", value=1)
        assert info.value.exc_type == "UnsupportedVersion"
        # The namespaced endpoint (testns, 2.0) only answers its namespace.
        assert c.prepare(namespace="testns", version="2.0").call({}, "ns_echo", value=5) == \
            {"ns": "testns", "value": 5}
        with pytest.raises(oslo_messaging.RemoteError) as info:
            c.prepare(version="2.0").call({}, "ns_echo", value=5)
        assert info.value.exc_type == "UnsupportedVersion"
    finally:
        py.stop()


def test_call_to_a_sleeping_method_times_out(transport, agent):
    srv = agent()
    c = client(transport, srv.topic, srv.server)
    start = time.monotonic()
    with pytest.raises(oslo_messaging.MessagingTimeout):
        c.prepare(timeout=1).call({}, "sleep", ms=2500)
    assert 0.9 < time.monotonic() - start < 2.4
    # The late reply is dropped by the client; the server goes on serving.
    assert c.call({}, "echo", value="after") == "after"


def test_cast_is_received_exactly_once_by_one_of_the_topic_servers(transport, agent):
    topic = _topic()
    first, second = agent(topic, "agent1"), agent(topic, "agent2")
    c = client(transport, topic)
    for i in range(8):
        c.cast(CONTEXT, "echo", value=i)
    deadline = time.time() + 10
    while len(first.calls_and_casts()) + len(second.calls_and_casts()) < 8 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # a duplicate would show up meanwhile
    seen = first.calls_and_casts() + second.calls_and_casts()
    assert sorted(i["args"]["value"] for i in seen) == list(range(8))
    assert all(i["kind"] == "cast" and i["context"] == CONTEXT for i in seen)


def test_fanout_cast_reaches_every_server_once(transport, agent):
    topic = _topic()
    first, second = agent(topic, "agent1"), agent(topic, "agent2")
    client(transport, topic).prepare(fanout=True).cast({}, "echo", value="to-all")
    for srv in (first, second):
        (seen,) = srv.wait_invocations(1)
        assert seen["kind"] == "cast" and seen["args"] == {"value": "to-all"}
    time.sleep(0.5)
    assert len(first.calls_and_casts()) == 1 and len(second.calls_and_casts()) == 1


def test_server_directed_call_reaches_that_server(transport, agent):
    topic = _topic()
    first, second = agent(topic, "agent1"), agent(topic, "agent2")
    c = client(transport, topic)
    for _ in range(3):
        assert c.prepare(server="agent2").call({}, "echo", value="two") == "two"
    assert c.prepare(server="agent1").call({}, "echo", value="one") == "one"
    assert [i["args"]["value"] for i in second.wait_invocations(3)] == ["two"] * 3
    assert [i["args"]["value"] for i in first.wait_invocations(1)] == ["one"]


def test_declarations_equal_pythons_and_share_a_topic(transport, agent, tmp_path):
    py = OsloServer(tmp_path, _topic(), server="host1")
    agent.also_delete([py.topic, py.topic + ".host1"])
    try:
        srv = agent()
        py_fanout = [line.split("\t")[0] for line in rabbitmqctl(
            "list_queues", "name", "--no-table-headers", "--quiet").splitlines()
            if line.startswith(py.topic + "_fanout_")]
        assert len(py_fanout) == 1
        for ours, theirs in ((srv.topic, py.topic), (srv.topic + ".agent1", py.topic + ".host1"),
                             (srv.fanout_queue, py_fanout[0])):
            assert queue_facts(ours) == queue_facts(theirs), (ours, theirs)
        assert "signedint,1800000" in queue_facts(srv.fanout_queue)
        # An agent server on the Python server's own topic: same declarations,
        # so no PRECONDITION_FAILED; a fanout cast reaches both.
        shared = agent(py.topic, "agent9")
        client(transport, py.topic).prepare(fanout=True).cast({}, "echo", value="both")
        assert shared.wait_invocations(1)[0]["args"] == {"value": "both"}
        assert any(c["args"] == {"value": "both"} for c in py.wait_calls(1))
        assert client(transport, py.topic, "agent9").call({}, "echo", value=9) == 9
    finally:
        py.stop()


def _publish_raw(topic, bodies):
    """Fault injection the real client cannot do: the same oslo message twice
    (a redelivery), and messages that are not oslo requests. Published with
    kombu, the library oslo uses."""
    import kombu
    with kombu.Connection(KOMBU_URL) as conn:
        producer = conn.Producer()
        exchange = kombu.Exchange("nova", type="topic", durable=False, auto_delete=False)
        for body in bodies:
            text = body if isinstance(body, str) else json.dumps(body)
            producer.publish(text, exchange=exchange, routing_key=topic,
                             content_type="application/json", content_encoding="utf-8")


def test_duplicate_and_malformed_messages_are_dropped(transport, agent):
    srv = agent(None, "agent1", "1.3", "--workers", "1")  # one worker: invocations in arrival order
    message = {"method": "echo", "args": {"value": "once"}, "version": "1.0",
               "_unique_id": uuid.uuid4().hex, "_context_user_id": "u"}
    cast = rpc_common.serialize_msg(message)
    _publish_raw(srv.topic, [cast, "not json at all", {"oslo.version": "2.0", "oslo.message": "{}"},
                             {"oslo.version": "9.0", "oslo.message": "{}"}, cast])
    assert client(transport, srv.topic, srv.server).call({}, "echo", value="alive") == "alive"
    time.sleep(0.5)
    seen = srv.calls_and_casts()
    assert [(i["kind"], i["args"]) for i in seen] == [("cast", {"value": "once"}), ("call", {"value": "alive"})]
    assert srv.stop() == 0
    warnings = [line for line in srv.stderr.splitlines() if line.startswith("rpc_test_server: warning: ")]
    assert sum("malformed" in line for line in warnings) == 3, srv.stderr
    assert sum("duplicate" in line for line in warnings) == 1, srv.stderr
    assert "duplicates=1 malformed=3" in srv.stderr


def test_stop_finishes_the_message_in_hand(transport, agent):
    srv = agent()
    c = client(transport, srv.topic, srv.server)
    result = {}
    caller = threading.Thread(target=lambda: result.setdefault("r", c.prepare(timeout=20).call(
        {}, "sleep", ms=1500)))
    caller.start()
    srv.wait_invocations(1)
    assert srv.stop(how=signal.SIGTERM) == 0
    caller.join(timeout=20)
    assert result == {"r": 1500}
    assert any(i.get("text") == "stopped" for i in srv.invocations)
    # Nothing consumes the server's own queue now; a later call times out.
    with pytest.raises(oslo_messaging.MessagingTimeout):
        c.prepare(timeout=1).call({}, "echo", value=1)


def test_reply_to_a_vanished_client_is_retried_then_dropped(transport, agent):
    # Fault injection: a call whose reply queue does not exist (its client
    # went away), published raw since a live oslo client always has its queue.
    # The lost reply is retried for 1.5 s without holding up other calls;
    # then its queue is remembered as gone and a later reply to it dropped at once.
    srv = agent(None, "agent1", "1.3", "--missing-reply-timeout-ms", "1500", "--workers", "1")
    dead_queue = "reply_" + uuid.uuid4().hex

    def lost(value):
        return rpc_common.serialize_msg({"method": "echo", "args": {"value": value}, "_msg_id": uuid.uuid4().hex,
                                         "_reply_q": dead_queue, "_timeout": None, "_unique_id": uuid.uuid4().hex})
    _publish_raw(srv.topic, [lost("lost-1")])
    c = client(transport, srv.topic, srv.server)
    start = time.monotonic()
    assert c.prepare(timeout=10).call({}, "echo", value="live") == "live"
    assert time.monotonic() - start < 1.3  # not held up by the retries
    time.sleep(2.5)  # lost-1's reply is given up after 1.5 s and its queue remembered as gone
    _publish_raw(srv.topic, [lost("lost-2")])
    assert c.prepare(timeout=10).call({}, "echo", value="live-2") == "live-2"
    assert [i["args"]["value"] for i in srv.calls_and_casts()] == ["lost-1", "live", "lost-2", "live-2"]
    assert srv.stop() == 0
    assert srv.stderr.count("dropped, the reply queue is missing") == 1, srv.stderr
    assert srv.stderr.count("dropped, the reply queue is gone") == 1, srv.stderr
    assert "replies=2 dropped=2" in srv.stderr


def test_messages_not_yet_handled_at_stop_go_to_the_next_server(transport, agent):
    # Acked only once handled: what the broker had already pushed to a server
    # that stops is requeued, and the next server on that queue gets it.
    topic = _topic()
    first = agent(topic, "agent1", "1.3", "--workers", "1")
    c = client(transport, topic, "agent1")
    for i in range(3):
        c.cast({}, "sleep", ms=600 + i)
    first.wait_invocations(1)
    assert first.stop(how=signal.SIGTERM) == 0
    handled_first = [i["args"]["ms"] for i in first.calls_and_casts()]
    assert handled_first[0] == 600 and len(handled_first) < 3
    second = agent(topic, "agent1")
    left = 3 - len(handled_first)
    handled_second = [i["args"]["ms"] for i in second.wait_invocations(left, seconds=15)]
    assert sorted(handled_first + handled_second) == [600, 601, 602]


def test_server_reconnects_when_the_broker_closes_its_connection(transport, agent):
    # Only this server's own connection is closed (found by the
    # connection_name "rpc_test_server:<pid>:<uuid>" it sends); the broker and
    # everyone else's connections are left alone.
    srv = agent()
    c = client(transport, srv.topic, srv.server)
    assert c.call({}, "echo", value="before") == "before"
    mine = '"connection_name","rpc_test_server:%d:' % srv.proc.pid
    pids = [line.split("\t")[0] for line in rabbitmqctl(
        "list_connections", "pid", "client_properties", "--no-table-headers", "--quiet").splitlines()
        if mine in line]
    assert len(pids) == 1, pids
    rabbitmqctl("close_connection", pids[0], "wire test: forced close")
    assert c.prepare(timeout=20).call({}, "echo", value="after") == "after"
    client(transport, srv.topic).prepare(fanout=True).cast({}, "echo", value="fanout-after")
    assert srv.wait_invocations(3)[-1]["args"] == {"value": "fanout-after"}
    assert srv.stop() == 0
    assert "reconnects=1" in srv.stderr, srv.stderr
    assert "connection lost" in srv.stderr
