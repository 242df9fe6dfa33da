"""`bdm-agent serve` across a real RabbitMQ restart. The shared stack's
broker must not be restarted (other people use it), so this test starts a
private RabbitMQ node of its own (tests/wire/tls_broker.py's node, with a
plain TCP listener on free ports, its own epmd, stopped by pid) and restarts
that one while a request runs: serve and a Python oslo.messaging RPCClient
both talk to it. A restart loses the non-durable queues (oslo's default)
and their messages, so "nothing lost" means: the request in hand is finished
and answered on the new connection, the queues are declared again and later
requests are served; "nothing doubled": the request runs once."""
import os
import sys
import threading
import time

import pytest

from serve_support import Serve, client, context, new_topic, serve_config, transport

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wire"))
import tls_broker  # noqa: E402


class PlainBroker(tls_broker.TlsBroker):
    """tls_broker's private node, listening on plain TCP instead of TLS."""

    def __init__(self, name):
        super().__init__("/nonexistent-certs", name)

    def _write_config(self):
        super()._write_config()
        path = os.path.join(self.dir, "rabbitmq.conf")
        with open(path, encoding="utf-8") as f:
            lines = [line for line in f.read().splitlines() if not line.startswith(("listeners.", "ssl_options."))]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join([f"listeners.tcp.default = 127.0.0.1:{self.port}", *lines, ""]))

    def restart(self):
        self.stop()
        self.start()
        self.wait_ready()


@pytest.fixture
def broker():
    node = PlainBroker("serve")
    node.start()
    try:
        node.wait_ready()
        yield node
    finally:
        node.stop()
        assert not node.left_behind()


def test_a_broker_restart_mid_request_is_survived(stack, broker, tmp_path):
    topic = new_topic()
    config = serve_config(stack, tmp_path, transport_url=broker.url)
    serve = Serve(stack, config, tmp_path, "survivor", topic,
                  env={"BDM_AGENT_TEST_SLOW_METHODS": "get_connector", "BDM_AGENT_TEST_SLOW_HANDLER_MS": "6000"})
    rpc = transport(stack, broker.url)
    try:
        c = client(rpc, topic, "survivor", timeout=120)
        outcome = []
        caller = threading.Thread(target=lambda: outcome.append(c.call(context(), "get_connector")))
        caller.start()
        time.sleep(1)
        broker.restart()
        caller.join(150)
        assert outcome and outcome[0]["host"], (outcome, serve.log())
        assert c.call(context(), "ping")["host"] == "survivor"
        assert client(rpc, topic, timeout=60).call(context(), "ping")["host"] == "survivor"
        log = serve.log()
        assert "connection lost" in log and "connected again" in log, log
        assert "duplicate" not in log and "redelivered" not in log, log
    finally:
        rc, out, err = serve.stop()
        rpc.cleanup()
    assert rc == 0, (out, err, serve.log())
