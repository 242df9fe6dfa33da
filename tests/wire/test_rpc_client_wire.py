"""bdm-agent's RPC client against a real Python oslo.messaging 14 RPC server.

The agent side is tests/integration/rpc_probe (rpc::RpcClient); the server is
oslo_server.py, a real oslo_messaging RPC server on the stack's RabbitMQ
(tools/stack), exchange "nova", a fresh topic per test. The tests check that
the server saw exactly the agent's args and context, that the agent got the
result, the remote error with its class, a timeout once the server is gone,
casts and fanout casts, that the agent's declarations equal Python's own
(flags and argument types, read from the broker), and that a series of calls
survives a broker restart (rabbitmqctl stop_app/start_app) without a request
being executed twice.

Run: /usr/bin/python3 -m pytest tests/wire
Environment: the stack's stack.env (read from BDM_STACK_DIR, default
/var/tmp/bdm-agent-stack); BDM_RPC_PROBE or BDM_BUILD_DIR to find the probe
(default: build/, then /tmp/build-amqp/). A missing stack or probe fails.
"""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
from stack_env import read_stack_env

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# A Nova-like admin context (the _context_* keys without their prefix).
CONTEXT = {
    "user_id": None, "project_id": None, "is_admin": True, "read_deleted": "no",
    "remote_address": None, "timestamp": "2026-11-26T12:00:00.123456",
    "request_id": "req-5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "auth_token": None,
    "roles": ["admin"], "user_name": None, "project_name": None,
    "service_catalog": [], "instance_lock_checked": False, "global_request_id": None,
}


STACK = read_stack_env()
URL = STACK["BDM_RABBIT_URL"]
RABBITMQCTL = STACK["BDM_RABBITMQCTL"]


def _probe():
    if "BDM_RPC_PROBE" in os.environ:
        return os.environ["BDM_RPC_PROBE"]
    builds = [os.environ["BDM_BUILD_DIR"]] if "BDM_BUILD_DIR" in os.environ else [
        os.path.join(ROOT, "build"), "/tmp/build-amqp"]
    for build in builds:
        path = os.path.join(build, "tests", "integration", "rpc_probe")
        if os.access(path, os.X_OK):
            return path
    raise RuntimeError("rpc_probe not built (looked in %s)" % ", ".join(builds))


def run_probe(*args, url=URL, timeout=120):
    proc = subprocess.run([_probe(), "--url", url, *args], capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout.splitlines(), proc.stderr


# rabbitmq-env gives the CLI's own Erlang distribution listener the port range
# 35672-35682 by default (RABBITMQ_CTL_DIST_PORT_MIN), which is the stack's AMQP
# port: a `start_app` run through the CLI would then hold 35672 itself and the
# broker's listener fails with eaddrinuse. Keep the CLI off that range.
CTL_ENV = dict(os.environ, RABBITMQ_CTL_DIST_PORT_MIN="45672", RABBITMQ_CTL_DIST_PORT_MAX="45682")


def rabbitmqctl(*args, check=True):
    return subprocess.run([RABBITMQCTL, *args], capture_output=True, text=True, check=check, timeout=120,
                          env=CTL_ENV).stdout


def queue_facts(name):
    """(durable, auto_delete, exclusive, arguments with AMQP types) as the broker keeps them."""
    out = rabbitmqctl("eval", (
        'Q = element(2, rabbit_amqqueue:lookup(rabbit_misc:r(<<"/">>, queue, <<"%s">>))),'
        'rabbit_amqqueue:info(Q, [durable, auto_delete, exclusive, arguments]).' % name))
    return out.strip()


def exchange_facts(name):
    for line in rabbitmqctl("list_exchanges", "name", "type", "durable", "auto_delete", "internal",
                            "arguments", "--no-table-headers", "--quiet").splitlines():
        fields = line.split("\t")
        if fields[0] == name:
            return fields[1:]
    return None


class OsloServer:
    """oslo_server.py in a subprocess; stop() ends it."""

    def __init__(self, tmp_path, topic, server="host1"):
        self.topic, self.server = topic, server
        self.log = tmp_path / ("%s.log" % topic)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "oslo_server.py"), URL, topic, server, str(self.log)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError("oslo server did not start: %r %s" % (line, self.proc.stderr.read()))

    def calls(self):
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def wait_calls(self, n, seconds=10):
        deadline = time.time() + seconds
        while len(self.calls()) < n and time.time() < deadline:
            time.sleep(0.05)
        return self.calls()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def oslo_server(tmp_path):
    server = OsloServer(tmp_path, "wire-%s" % uuid.uuid4().hex[:12])
    yield server
    server.stop()


def call_args(server, method, args, *extra):
    return ["--topic", server.topic, "--server", server.server, "--method", method,
            "--args", args if isinstance(args, str) else json.dumps(args),
            "--context", json.dumps(CONTEXT), *extra]


def test_call_reaches_oslo_with_exact_args_and_context(oslo_server):
    args = {"instance": {"nova_object.name": "Instance", "id": 1}, "bdm": None,
            "text": "caf\u00e9 \u2603 \U0001F600", "n": 12345678901234567890, "f": 0.5, "list": [1, "2", True]}
    rc, out, err = run_probe(*call_args(oslo_server, "echo", args, "--timeout-ms", "10000"))
    assert rc == 0, (out, err)
    assert out[0].startswith("reply_queue reply_")
    assert out[1].startswith("result 0 ")
    assert json.loads(out[1][len("result 0 "):]) == args
    (seen,) = oslo_server.calls()
    assert seen["method"] == "echo"
    assert seen["args"] == args
    ctxt = dict(seen["ctxt"])
    assert ctxt.pop("client_timeout") is None  # oslo's server adds it from _timeout (null)
    assert ctxt == CONTEXT


def test_remote_error_names_the_class(oslo_server):
    rc, out, _ = run_probe(*call_args(oslo_server, "raise", {"why": "test"}))
    assert rc == 1
    assert out[1] == 'error 0 remote error ValueError: boom: {"why": "test"}'
    assert oslo_server.calls()[0]["method"] == "raise"


def test_unknown_method_is_oslo_no_such_method(oslo_server):
    rc, out, _ = run_probe(*call_args(oslo_server, "no_such_method", {}))
    assert rc == 1
    assert out[1].startswith("error 0 remote error oslo_messaging.rpc.dispatcher.NoSuchMethod: ")


def test_timeout_when_the_server_is_stopped(oslo_server):
    oslo_server.stop()
    start = time.monotonic()
    rc, out, err = run_probe(*call_args(oslo_server, "echo", {"a": 1}, "--timeout-ms", "1500"))
    elapsed = time.monotonic() - start
    assert rc == 1
    assert out[1].startswith("error 0 timeout timed out after 1500 ms waiting for a reply to %s.%s"
                             % (oslo_server.topic, oslo_server.server))
    assert 1.4 < elapsed < 10
    m = re.search(r"broker_ms=(\d+)", err)
    assert m and int(m.group(1)) >= 1400  # the wait is counted as broker time


def test_reply_queue_reused_and_stale_reply_dropped(oslo_server):
    # Call 0 times out while the server still works on it; its late reply
    # lands in the same (reused) reply queue and must not be taken for call 1's.
    rc, out, err = run_probe(*call_args(oslo_server, "slow", '{"i": {i}, "slow_if": 0}'),
                             "--repeat", "3", "--timeout-ms", "1500", "--pause-ms", "1500")
    assert rc == 1, (out, err)
    assert out[1].startswith("error 0 timeout timed out after 1500 ms waiting for a reply to ")
    assert out[2:] == ['result 1 {"i": 1}', 'result 2 {"i": 2}']
    dropped = [int(m) for m in re.findall(r"dropped=(\d+)", err)]
    assert dropped[1] == 1 and dropped[2] == 0, err
    assert sorted(c["args"]["i"] for c in oslo_server.calls()) == [0, 1, 2]


def test_cast_and_fanout_cast(oslo_server):
    rc, out, err = run_probe("--mode", "cast", *call_args(oslo_server, "echo", {"cast": 1}))
    assert rc == 0, (out, err)
    assert out[1] == "sent 0"
    rc, out, err = run_probe("--mode", "fanout", "--topic", oslo_server.topic, "--method", "echo",
                             "--args", json.dumps({"fanout": 2}), "--context", json.dumps(CONTEXT))
    assert rc == 0, (out, err)
    calls = oslo_server.wait_calls(2)
    assert sorted(json.dumps(c["args"]) for c in calls) == ['{"cast": 1}', '{"fanout": 2}']
    assert all(c["ctxt"].get("client_timeout", "absent") in (None, "absent") for c in calls)


def test_declarations_equal_pythons(oslo_server):
    # The Python side: a real oslo RPC client call creates Python's reply queue.
    py = subprocess.run([sys.executable, "-c", (
        "import sys, oslo_messaging\n"
        "from oslo_config import cfg\n"
        "conf = cfg.CONF; conf([])\n"
        "oslo_messaging.set_transport_defaults(control_exchange='nova')\n"
        "t = oslo_messaging.get_rpc_transport(conf, url=sys.argv[1])\n"
        "c = oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic=sys.argv[2], server='host1'))\n"
        "print(c.call({}, 'echo', x=1))\n"
        "print(t._driver._reply_q)\n"), URL, oslo_server.topic], capture_output=True, text=True, timeout=60)
    assert py.returncode == 0, py.stderr
    python_reply_q = py.stdout.splitlines()[-1]
    rc, out, err = run_probe(*call_args(oslo_server, "echo", {"x": 1}))
    assert rc == 0, (out, err)
    agent_reply_q = out[0].split()[1]
    python_facts, agent_facts = queue_facts(python_reply_q), queue_facts(agent_reply_q)
    assert "{<<\"x-expires\">>,signedint,1800000}" in python_facts
    assert agent_facts == python_facts, (agent_facts, python_facts)
    assert exchange_facts("nova") == ["topic", "false", "false", "false", "[]"]
    # The fanout exchange the Python server declared, re-declared by the agent's fanout cast.
    rc, out, err = run_probe("--mode", "fanout", "--topic", oslo_server.topic, "--method", "echo")
    assert rc == 0, (out, err)
    assert exchange_facts(oslo_server.topic + "_fanout") == ["fanout", "false", "true", "false", "[]"]
