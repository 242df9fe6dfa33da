"""`bdm-agent serve` with [oslo_messaging_notifications] driver = messagingv2:
a real Python oslo.messaging 14 notification listener (on a topic of the
test's own) receives bdm_agent.refresh.start and .end for a refresh called
and for one cast, .start then .error for a refresh refused because the
instance is running, .error alone for a cast refused for its arguments, each with the payload fields, publisher_id
bdm-agent.<host> and the caller's context (without its auth_token). With
the notification broker unreachable, the refresh still succeeds: serve logs
one line per lost notification, without the broker's password."""
import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wire"))
from notification_listener import NotificationListener  # noqa: E402
from refresh_support import Cinder, assert_consistent, execute, rows, seed  # noqa: E402
from serve_support import Serve, client, context, new_topic, serve_config  # noqa: E402
from test_serve import connector, rpc  # noqa: E402,F401  (rpc: the module's transport fixture)

TIMING_KEYS = {"wall_ms", "database_ms", "broker_ms", "cinder_ms", "keystone_ms", "keystone_requests", "own_ms"}


@pytest.fixture(scope="module")
def victims(stack, tmp_path_factory):
    return seed(stack, tmp_path_factory.mktemp("notify"), 4)


def notifying_config(stack, tmp_path, options):
    """serve's config with [oslo_messaging_notifications] driver = messagingv2 and `options`."""
    config = serve_config(stack, tmp_path)
    with open(config) as f:
        text = f.read()
    assert "[oslo_messaging_notifications]\ndriver = noop\n" in text
    with open(config, "w") as f:
        f.write(text.replace("[oslo_messaging_notifications]\ndriver = noop\n",
                             f"[oslo_messaging_notifications]\ndriver = messagingv2\n{options}"))
    return config


@pytest.fixture
def notified(stack, tmp_path):
    """(serve, listener): serve sends its notifications to a fresh topic the listener hears."""
    topic = "bdm-notifications-" + uuid.uuid4().hex[:10]
    config = notifying_config(stack, tmp_path, f"topics = {topic}\n")
    listener = NotificationListener(stack.env["BDM_RABBIT_URL"], topic)
    serve = Serve(stack, config, tmp_path, stack.env["BDM_COMPUTE_HOST"], new_topic())
    try:
        yield serve, listener
    finally:
        rc, out, err = serve.stop()
        listener.stop()
        assert rc == 0, (rc, out, err, serve.log())
    assert "notifications on: bdm_agent.refresh.* as bdm-agent." + serve.host in serve.log()
    assert "notification not sent" not in serve.log(), serve.log()


def by_type(notifications):
    return {n["event_type"]: n for n in notifications}


def check_common(n, serve, ctxt, priority):
    assert n["priority"] == priority and n["publisher_id"] == "bdm-agent." + serve.host
    assert n["ctxt"]["request_id"] == ctxt["request_id"] and n["ctxt"]["user_id"] == ctxt["user_id"]
    assert n["ctxt"].get("auth_token") is None


def test_a_refresh_call_and_a_cast_send_start_and_end(stack, rpc, notified, victims):
    serve, listener = notified
    c = client(rpc, serve.topic, serve.host)
    entry = victims[0]
    ctxt = context(auth_token="a-secret-token")
    result = c.call(ctxt, "refresh", instance_uuid=entry["instance_uuid"], volume_id=entry["volume_id"],
                    connector=connector(stack))
    got = by_type(listener.wait_for(2))
    assert set(got) == {"bdm_agent.refresh.start", "bdm_agent.refresh.end"}, got
    start, end = got["bdm_agent.refresh.start"], got["bdm_agent.refresh.end"]
    for n in (start, end):
        check_common(n, serve, ctxt, "info")
    assert start["payload"] == {"instance_uuid": entry["instance_uuid"], "volume_id": entry["volume_id"],
                                "bdm_uuid": None}
    payload = end["payload"]
    assert (payload["instance_uuid"], payload["volume_id"], payload["bdm_uuid"]) == (
        entry["instance_uuid"], entry["volume_id"], entry["bdm_uuid"])
    assert payload["old_attachment_id"] == entry["attachment_id"] == result["old_attachment_id"]
    assert payload["new_attachment_id"] == result["new_attachment_id"] != entry["attachment_id"]
    assert set(payload["timings"]) == TIMING_KEYS and payload["timings"]["wall_ms"] > 0
    assert "a-secret-token" not in repr(listener.received())

    entry = victims[1]
    cast_ctxt = context()
    c.cast(cast_ctxt, "refresh", bdm_uuid=entry["bdm_uuid"], connector=connector(stack))
    got = [n for n in listener.wait_for(4) if n["ctxt"]["request_id"] == cast_ctxt["request_id"]]
    assert [n["event_type"] for n in got] == ["bdm_agent.refresh.start", "bdm_agent.refresh.end"], got
    assert got[0]["payload"]["bdm_uuid"] == got[1]["payload"]["bdm_uuid"] == entry["bdm_uuid"]
    assert got[1]["payload"]["old_attachment_id"] == entry["attachment_id"]
    assert_consistent(stack, Cinder(stack), entry)


def test_a_refused_refresh_sends_start_then_error(stack, rpc, notified, victims):
    serve, listener = notified
    entry = victims[2]
    old = rows(stack, "SELECT vm_state FROM instances WHERE uuid=%s", (entry["instance_uuid"],))[0]["vm_state"]
    execute(stack, "UPDATE instances SET vm_state='active' WHERE uuid=%s", (entry["instance_uuid"],))
    try:
        ctxt = context()
        with pytest.raises(Exception) as raised:
            client(rpc, serve.topic, serve.host).call(ctxt, "refresh", bdm_uuid=entry["bdm_uuid"],
                                                      connector=connector(stack))
        assert raised.value.exc_type == "InstanceNotStopped"
    finally:
        execute(stack, "UPDATE instances SET vm_state=%s WHERE uuid=%s", (old, entry["instance_uuid"]))
    got = listener.wait_for(2)
    assert [n["event_type"] for n in got] == ["bdm_agent.refresh.start", "bdm_agent.refresh.error"], got
    check_common(got[0], serve, ctxt, "info")
    error = got[1]
    check_common(error, serve, ctxt, "error")
    payload = error["payload"]
    assert payload["error_class"] == "InstanceNotStopped"
    assert "active" in payload["error_message"], payload
    assert payload["bdm_uuid"] == entry["bdm_uuid"] and payload["new_attachment_id"] is None
    assert set(payload["timings"]) == TIMING_KEYS


def test_a_cast_refused_for_its_arguments_sends_error(stack, rpc, notified, victims):
    """A cast has no reply: a refresh refused before it starts (here an
    argument this agent does not know, as from a newer coordinator) is
    announced by .error alone, so that `refresh --via-rpc` learns the outcome
    at once instead of waiting --outcome-timeout."""
    serve, listener = notified
    entry = victims[3]
    ctxt = context()
    client(rpc, serve.topic, serve.host).cast(ctxt, "refresh", bdm_uuid=entry["bdm_uuid"], newer_option=1)
    got = [n for n in listener.wait_for(1) if n["ctxt"]["request_id"] == ctxt["request_id"]]
    assert [n["event_type"] for n in got] == ["bdm_agent.refresh.error"], got
    check_common(got[0], serve, ctxt, "error")
    payload = got[0]["payload"]
    assert payload["bdm_uuid"] == entry["bdm_uuid"] and payload["new_attachment_id"] is None
    assert payload["error_class"] == "TypeError" and "newer_option" in payload["error_message"], payload


def test_an_unreachable_notification_broker_never_fails_a_refresh(stack, rpc, victims, tmp_path):
    secret = "n0tify-pw-" + uuid.uuid4().hex[:6]
    config = notifying_config(stack, tmp_path, f"transport_url = rabbit://n:{secret}@127.0.0.1:9/\nretry = 1\n"
                                               "[bdm_agent]\nnotification_timeout = 2\n")
    serve = Serve(stack, config, tmp_path, stack.env["BDM_COMPUTE_HOST"], new_topic())
    try:
        entry = victims[3]
        result = client(rpc, serve.topic, serve.host).call(context(), "refresh", bdm_uuid=entry["bdm_uuid"],
                                                           connector=connector(stack))
        assert result["old_attachment_id"] == entry["attachment_id"]
        assert_consistent(stack, Cinder(stack), entry)
        assert result["timings"]["wall_ms"] < 20000  # two notifications of at most 2 s each
    finally:
        rc, out, err = serve.stop()
        assert rc == 0, (rc, out, err, serve.log())
    log = serve.log()
    assert log.count("notification not sent (the refresh goes on)") == 2, log
    assert "bdm_agent.refresh.start notification not sent" in log and "bdm_agent.refresh.end notification" in log
    assert secret not in log + out + err
