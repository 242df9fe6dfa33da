"""bdm-agent's RPC client across a real RabbitMQ restart (stop_app/start_app).

A real oslo.messaging server (oslo_server.py) answers a series of calls from
tests/integration/rpc_probe. After the third reply the broker is stopped and
started again (rabbitmqctl stop_app/start_app: the stack's broker process
stays, every connection is closed, the non-durable queues are lost). The
series must complete, every request must have been executed exactly once by
the Python server, and the probe must report that it reconnected and
republished the request whose publish was not confirmed.

Fault injection: the probe reaches the broker through a small TCP relay
owned by this test. The relay refuses the probe's connections from the stop
until the Python server has declared its queue again, so the republished
request cannot race the server's re-declaration (a request published to a
queue that does not exist yet is dropped by the broker without error, in
Python too). The relay only orders events; the outage itself is the real
broker's.

Run: /usr/bin/python3 -m pytest tests/wire (see test_rpc_client_wire.py).
"""
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid

from test_rpc_client_wire import CONTEXT, CTL_ENV, STACK, OsloServer, _probe, rabbitmqctl

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pysupport"))
from tcp_relay import TcpRelay as Relay  # noqa: E402


def _wait_for_queue(name, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            names = rabbitmqctl("list_queues", "name", "--no-table-headers", "--quiet").split()
            if name in names:
                return
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.5)
    raise AssertionError("queue %s not declared again within %ss" % (name, seconds))


def _mnesia_running():
    return rabbitmqctl("eval", "lists:keymember(mnesia, 1, application:which_applications()).",
                       check=False).strip() == "true"


def _start_broker_app():
    """start_app once mnesia has fully stopped (an early start_app trips an assert)."""
    for _ in range(3):
        deadline = time.time() + 60
        while _mnesia_running() and time.time() < deadline:
            time.sleep(0.5)
        proc = subprocess.run([STACK["BDM_RABBITMQCTL"], "start_app"], capture_output=True, text=True,
                              timeout=120, env=CTL_ENV)
        if proc.returncode == 0:
            return
        time.sleep(2)
    raise AssertionError("rabbitmqctl start_app failed: %s" % proc.stderr)


def _broker_app_running():
    return "true" == rabbitmqctl("eval", "lists:keymember(rabbit, 1, application:which_applications()).",
                                 check=False).strip()


def test_series_survives_broker_restart_without_duplicates(tmp_path):
    server = OsloServer(tmp_path, "wire-restart-%s" % uuid.uuid4().hex[:12])
    relay = Relay(STACK["BDM_RABBIT_HOST"], int(STACK["BDM_RABBIT_PORT"]))
    url = "rabbit://%s:%s@127.0.0.1:%d/" % (STACK["BDM_RABBIT_USER"], STACK["BDM_RABBIT_PASSWORD"], relay.port)
    n = 8
    probe = subprocess.Popen(
        [_probe(), "--url", url, "--topic", server.topic, "--server", server.server, "--method", "echo",
         "--args", '{"i": {i}}', "--context", json.dumps(CONTEXT), "--repeat", str(n), "--pause-ms", "1000",
         "--timeout-ms", "60000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line.rstrip("\n")) for line in probe.stdout], daemon=True)
    reader.start()
    out = []
    try:
        while not any(line.startswith("result 2 ") for line in out):
            out.append(lines.get(timeout=60))
        relay.refusing = True
        rabbitmqctl("stop_app")
        time.sleep(1)
        _start_broker_app()
        _wait_for_queue("%s.%s" % (server.topic, server.server))
        relay.refusing = False
        probe.wait(timeout=180)
        reader.join(timeout=10)
        err = probe.stderr.read()
        while not lines.empty():
            out.append(lines.get())
    finally:
        if not _broker_app_running():  # never leave the shared stack without its broker
            _start_broker_app()
        if probe.poll() is None:
            probe.kill()
        relay.close()
        server.stop()

    assert probe.returncode == 0, (out, err)
    assert out[1:] == ['result %d {"i": %d}' % (i, i) for i in range(n)], (out, err)
    executed = sorted(c["args"]["i"] for c in server.calls())
    assert executed == list(range(n)), "executed twice or lost: %s" % executed
    stats = [dict(re.findall(r"(\w+)=(\d+)", line)) for line in err.splitlines() if line.startswith("stats ")]
    assert len(stats) == n
    assert sum(int(s["reconnects"]) for s in stats) >= 1, err
    assert any(int(s["attempts"]) >= 2 for s in stats), err  # an unconfirmed publish was sent again
