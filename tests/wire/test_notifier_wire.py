"""bdm-agent's notifier (rpc::Notifier, driven by tests/integration/
notify_probe) against a real Python oslo.messaging 14 notification listener
on the stack's RabbitMQ, exchange "nova", a fresh topic per test.

The listener must get the event type, publisher, payload, priority and
context as sent (the context sanitized as oslo's Notifier does: no
auth_token), with oslo's metadata (message_id, timestamp); a notification
sent before any listener exists must wait in the queue the notifier
declared, and the listener declaring that queue after it must not be
refused (same flags); the 1.0 format (driver "messaging") is read too.

Run: /usr/bin/python3 -m pytest tests/wire/test_notifier_wire.py (under
flock /tmp/bdm-stack.lock); BDM_BUILD_DIR finds the probe (default build/).
"""
import datetime
import json
import os
import subprocess
import uuid

from notification_listener import NotificationListener, delete_queues
from stack_env import read_stack_env

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STACK = read_stack_env()
URL = STACK["BDM_RABBIT_URL"]

CONTEXT = {"user_id": "u-1", "project_id": "p-1", "is_admin": True, "request_id": "req-" + str(uuid.uuid4()),
           "roles": ["admin"], "auth_token": "secret-token", "service_catalog": [{"x": 1}], "read_deleted": "no",
           "global_request_id": None}


def _probe():
    build = os.environ.get("BDM_BUILD_DIR", os.path.join(ROOT, "build"))
    path = os.path.join(build, "tests", "integration", "notify_probe")
    assert os.access(path, os.X_OK), "notify_probe not built (looked for %s)" % path
    return path


def notify(topic, *args):
    proc = subprocess.run([_probe(), "--url", URL, "--topics", topic, "--context", json.dumps(CONTEXT), *args],
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout.strip()) == (0, "sent"), (proc.stdout, proc.stderr)


def test_a_python_listener_gets_what_the_notifier_sent():
    topic = "bdm-notify-" + uuid.uuid4().hex[:10]
    listener = NotificationListener(URL, topic)
    try:
        payload = {"bdm_uuid": "b-1", "timings": {"wall_ms": 1.5}, "s": "caf\u00e9", "n": None}
        notify(topic, "--event-type", "bdm_agent.refresh.end", "--publisher-id", "bdm-agent.cmp1",
               "--payload", json.dumps(payload))
        got = listener.wait_for(1)
        assert len(got) == 1, got
        n = got[0]
        assert (n["priority"], n["event_type"], n["publisher_id"]) == ("info", "bdm_agent.refresh.end",
                                                                         "bdm-agent.cmp1")
        assert n["payload"] == payload
        ctxt = n["ctxt"]
        for key in ("user_id", "project_id", "is_admin", "request_id", "roles", "global_request_id"):
            assert ctxt[key] == CONTEXT[key], (key, ctxt)
        assert "secret-token" not in json.dumps(ctxt) and "service_catalog" not in ctxt and "read_deleted" not in ctxt
        assert str(uuid.UUID(n["metadata"]["message_id"])) == n["metadata"]["message_id"]
        sent = datetime.datetime.fromisoformat(n["metadata"]["timestamp"])
        assert abs((datetime.datetime.utcnow() - sent).total_seconds()) < 60
    finally:
        listener.stop()


def test_a_notification_before_any_listener_waits_in_the_queue_oslo_declares():
    """Both formats at ERROR: the queue <topic>.error is declared by the
    notifier; the listener then declares it too (same flags, or the broker
    would refuse it) and gets both messages (each its own _unique_id)."""
    topic = "bdm-notify-" + uuid.uuid4().hex[:10]
    try:
        notify(topic, "--event-type", "bdm_agent.refresh.error", "--priority", "ERROR", "--formats", "v2,v1",
               "--payload", json.dumps({"error_class": "InstanceNotStopped"}))
        listener = NotificationListener(URL, topic)
        try:
            got = listener.wait_for(2)
            assert len(got) == 2, got
            assert {n["priority"] for n in got} == {"error"}
            assert all(n["payload"] == {"error_class": "InstanceNotStopped"} for n in got)
            assert all(n["ctxt"]["request_id"] == CONTEXT["request_id"] for n in got)
            assert got[0]["metadata"]["message_id"] == got[1]["metadata"]["message_id"]  # one notification
        finally:
            listener.stop()
    finally:
        delete_queues(URL, [topic + ".error"])
