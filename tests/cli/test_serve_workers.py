"""`bdm-agent serve` as a long-running service, against the stack's real
RabbitMQ with a real Python oslo.messaging 14 RPCClient as the caller:
handlers on a pool of workers (a slow one does not hold up ping; one instance
is never refreshed twice at once), the AMQP connection kept while a handler
runs longer than two heartbeat intervals, oslo's call-monitor heartbeats,
oslo's own oslo_rpc_server_ping, SIGTERM with a grace period, a broker cut
mid-stream, malformed and duplicate messages.

Slow handlers come from the test hooks of the -Dtest_hooks build
(BDM_AGENT_TEST_SLOW_METHODS / BDM_AGENT_TEST_SLOW_HANDLER_MS)."""
import json
import logging
import threading
import time
import uuid

import kombu
import oslo_messaging
import pytest
from oslo_messaging._drivers import common as rpc_common

from refresh_support import assert_consistent, seed
from serve_support import (Serve, cinder, client, connector, context, new_topic, paused_serve,  # noqa: F401
                           rpc, serve_config)
from tcp_relay import TcpRelay


def slow(methods, ms):
    return {"BDM_AGENT_TEST_SLOW_METHODS": methods, "BDM_AGENT_TEST_SLOW_HANDLER_MS": str(ms)}


def in_thread(fn):
    """Runs fn() in a thread; returns (thread, outcome list: value or exception)."""
    outcome = []

    def run():
        try:
            outcome.append(fn())
        except Exception as e:  # noqa: the test inspects it
            outcome.append(e)
    t = threading.Thread(target=run)
    t.start()
    return t, outcome


def wait_for(predicate, what, seconds=30):
    deadline = time.time() + seconds
    while not predicate():
        assert time.time() < deadline, what()
        time.sleep(0.05)


def messages_left(stack, queue):
    """How many messages wait in `queue` (ready or unacked by nobody: the
    server stopped), read with a passive declare."""
    with kombu.Connection(stack.env["BDM_RABBIT_URL"].replace("rabbit://", "amqp://")) as conn:
        return conn.channel().queue_declare(queue, passive=True).message_count


def queue_exists(stack, queue):
    try:
        messages_left(stack, queue)
        return True
    except Exception:  # noqa: kombu's NotFound (404) for a queue that is not there
        return False


def stop_ok(serve):
    rc, out, err = serve.stop()
    assert rc == 0, (rc, out, err, serve.log())
    return serve.log()


def test_a_slow_handler_does_not_hold_up_ping_on_another_worker(stack, rpc, tmp_path):
    topic = new_topic()
    serve = Serve(stack, serve_config(stack, tmp_path), tmp_path, "slowpoke", topic, "--workers", "2",
                  env=slow("get_connector", 4000))
    try:
        c = client(rpc, topic, "slowpoke")
        started = time.monotonic()
        t, outcome = in_thread(lambda: c.call(context(), "get_connector"))
        time.sleep(0.5)  # the slow call is on a worker by now
        assert c.call(context(), "ping")["host"] == "slowpoke"
        assert time.monotonic() - started < 2.5, "ping waited for the slow handler"
        assert t.is_alive()
        t.join(60)
        assert isinstance(outcome[0], dict) and time.monotonic() - started >= 4, outcome
    finally:
        log = stop_ok(serve)
    assert "ERROR" not in log, log


def test_a_second_refresh_of_an_instance_being_refreshed_fails_at_once(stack, rpc, cinder, tmp_path):
    entry = seed(stack, tmp_path, 1)[0]
    topic = new_topic()
    serve, paused, resume = paused_serve(stack, tmp_path, topic)
    try:
        c = client(rpc, topic, serve.host)
        first, outcome = in_thread(lambda: c.call(context(), "refresh", bdm_uuid=entry["bdm_uuid"],
                                                  connector=connector(stack)))
        wait_for(paused.exists, serve.log)
        started = time.monotonic()
        with pytest.raises(oslo_messaging.RemoteError) as raised:
            c.call(context(), "refresh", instance_uuid=entry["instance_uuid"], volume_id=entry["volume_id"],
                   connector=connector(stack))
        assert time.monotonic() - started < 5
        assert raised.value.exc_type == "RefreshInProgress", raised.value
        assert entry["instance_uuid"] in raised.value.value, raised.value.value
        resume.write_text("go")
        first.join(120)
        assert outcome[0]["old_attachment_id"] == entry["attachment_id"], outcome
        snap = assert_consistent(stack, cinder, entry)
        assert snap["bdm"][0]["attachment_id"] == outcome[0]["new_attachment_id"]
    finally:
        stop_ok(serve)


def test_a_refresh_longer_than_two_heartbeat_intervals_keeps_its_connection(stack, rpc, cinder, tmp_path):
    """The heartbeat is shortened to 2 s; the refresh takes 8 s (four
    intervals). Before the I/O thread existed, the broker closed the
    connection meanwhile and the reply needed a reconnect."""
    entry = seed(stack, tmp_path, 1)[0]
    topic = new_topic()
    config = serve_config(stack, tmp_path, extra="[oslo_messaging_rabbit]\nheartbeat_timeout_threshold = 2")
    serve = Serve(stack, config, tmp_path, stack.env["BDM_COMPUTE_HOST"], topic, env=slow("refresh", 8000))
    try:
        started = time.monotonic()
        result = client(rpc, topic, serve.host).call(context(), "refresh", bdm_uuid=entry["bdm_uuid"],
                                                     connector=connector(stack))
        assert time.monotonic() - started >= 8
        assert result["old_attachment_id"] == entry["attachment_id"]
        assert_consistent(stack, cinder, entry)
        log = serve.log()
        for sign in ("connection lost", "reconnecting", "retrying"):
            assert sign not in log, log
    finally:
        stop_ok(serve)


def test_call_monitor_heartbeats_keep_a_long_call_alive(stack, rpc, tmp_path, caplog):
    """call_monitor_timeout=2: the server sends a heartbeat every second, so a
    5 s call succeeds. With call_monitor_timeout=1 oslo's server sends none
    (int(1)/2 is below a second) and the same call times out: the heartbeats
    are what kept the first one alive."""
    topic = new_topic()
    serve = Serve(stack, serve_config(stack, tmp_path), tmp_path, "monitored", topic,
                  env=slow("get_connector", 5000))
    try:
        c = client(rpc, topic, "monitored")
        caplog.set_level(logging.DEBUG, logger="oslo_messaging._drivers.amqpdriver")
        started = time.monotonic()
        assert c.prepare(timeout=60, call_monitor_timeout=2).call(context(), "get_connector")["host"]
        assert time.monotonic() - started >= 5
        assert caplog.text.count("Call monitor heartbeat received") >= 3, caplog.text[-2000:]
        with pytest.raises(oslo_messaging.MessagingTimeout):
            c.prepare(timeout=60, call_monitor_timeout=1).call(context(), "get_connector")
        assert time.monotonic() - started < 5 + 4, "the second call should have timed out after about 1 s"
    finally:
        stop_ok(serve)


def test_oslo_rpc_server_ping_only_when_enabled(stack, rpc, tmp_path):
    topic = new_topic()
    config = serve_config(stack, tmp_path, extra="[DEFAULT]\nrpc_ping_enabled = true")
    serve = Serve(stack, config, tmp_path, "pinged", topic)
    try:
        plain = oslo_messaging.get_rpc_client(rpc, oslo_messaging.Target(topic=topic, server="pinged"), timeout=30)
        assert plain.call({}, "oslo_rpc_server_ping") == "pong"
        assert plain.call({}, "oslo_rpc_server_ping", anything=1) == "pong"
        assert client(rpc, topic, "pinged").call(context(), "ping")["host"] == "pinged"
    finally:
        stop_ok(serve)
    (tmp_path / "off").mkdir()
    serve = Serve(stack, serve_config(stack, tmp_path / "off"), tmp_path / "off", "unpinged", topic)
    try:
        plain = oslo_messaging.get_rpc_client(rpc, oslo_messaging.Target(topic=topic, server="unpinged"), timeout=30)
        with pytest.raises(oslo_messaging.RemoteError) as raised:
            plain.call({}, "oslo_rpc_server_ping")
        assert raised.value.exc_type == "UnsupportedVersion"  # as a Python server without the ping endpoint
    finally:
        stop_ok(serve)


def test_sigterm_waits_for_a_slow_handler_within_the_grace_period(stack, rpc, tmp_path):
    topic = new_topic()
    serve = Serve(stack, serve_config(stack, tmp_path), tmp_path, "graceful", topic, env=slow("get_connector", 3000))
    t, outcome = in_thread(lambda: client(rpc, topic, "graceful").call(context(), "get_connector"))
    time.sleep(1)
    serve.proc.send_signal(15)
    out, err = serve.proc.communicate(timeout=60)
    t.join(30)
    assert serve.proc.returncode == 0, (out, err, serve.log())
    assert isinstance(outcome[0], dict) and outcome[0]["host"], outcome
    assert "left unacked" not in serve.log()


def test_a_handler_past_the_grace_period_is_left_for_the_next_server(stack, rpc, tmp_path):
    """graceful_shutdown_timeout = 1, a 30 s handler: SIGTERM stops the
    server after about a second, the message stays unacked, and the next
    server on the same queue answers the call that is still waiting."""
    topic = new_topic()
    config = serve_config(stack, tmp_path, extra="graceful_shutdown_timeout = 1")
    first = Serve(stack, config, tmp_path, "relay", topic, env=slow("get_connector", 30000))
    t, outcome = in_thread(lambda: client(rpc, topic, "relay").call(context(), "get_connector"))
    time.sleep(1)
    stopping = time.monotonic()
    first.proc.send_signal(15)
    out, err = first.proc.communicate(timeout=60)
    assert first.proc.returncode == 0, (out, err, first.log())
    assert time.monotonic() - stopping < 10
    log = first.log()
    assert "get_connector (_msg_id " in log and "did not finish within graceful_shutdown_timeout" in log, log
    assert "did not finish and were left unacked" in log and "bdm-agent recover" in log, log
    assert t.is_alive()
    (tmp_path / "second").mkdir()
    second = Serve(stack, serve_config(stack, tmp_path / "second"), tmp_path / "second", "relay", topic)
    try:
        t.join(60)
        assert isinstance(outcome[0], dict) and outcome[0]["host"], outcome
    finally:
        stop_ok(second)


def test_a_broker_cut_mid_stream_loses_nothing_and_doubles_nothing(stack, rpc, cinder, tmp_path):
    """Fault injection (tests/pysupport/tcp_relay.py): the connection to the broker is cut
    while a refresh runs (8 s) and restored 2 s later. The server reconnects
    while the refresh still runs; the copy the broker redelivers is adopted
    (acked when the first finishes), not run again; the reply goes out on the
    new connection; a cast sent while the server was cut off is handled once
    it is back."""
    entries = seed(stack, tmp_path, 2)
    proxy = TcpRelay(stack.env["BDM_RABBIT_HOST"], int(stack.env["BDM_RABBIT_PORT"]))
    topic = new_topic()
    url = stack.env["BDM_RABBIT_URL"]
    config = serve_config(stack, tmp_path, transport_url=url.replace(":" + stack.env["BDM_RABBIT_PORT"], f":{proxy.port}"))
    serve = Serve(stack, config, tmp_path, stack.env["BDM_COMPUTE_HOST"], topic, env=slow("refresh", 8000))
    try:
        c = client(rpc, topic, serve.host)
        t, outcome = in_thread(lambda: c.call(context(), "refresh", bdm_uuid=entries[0]["bdm_uuid"],
                                              connector=connector(stack)))
        time.sleep(1)
        proxy.cut()
        c.cast(context(), "refresh", bdm_uuid=entries[1]["bdm_uuid"], connector=connector(stack))
        time.sleep(2)
        proxy.restore()
        t.join(120)
        assert isinstance(outcome[0], dict), (outcome, serve.log())
        assert outcome[0]["old_attachment_id"] == entries[0]["attachment_id"]
        wait_for(lambda: serve.log().count("refreshing BDM") == 2, serve.log, seconds=60)
        wait_for(lambda: all(cinder.attachments_of(e["volume_id"]) and
                             [a["id"] for a in cinder.attachments_of(e["volume_id"])] != [e["attachment_id"]]
                             for e in entries), serve.log, seconds=60)
        time.sleep(2)  # a doubled run would show up by now
        log = serve.log()
        assert "connection lost" in log or "reconnecting" in log, log
        assert log.count("refreshing BDM") == 2, log
        assert "redelivered after a reconnect is still being handled here" in log, log
        assert "dropping a duplicate" not in log, log
        for e in entries:
            assert_consistent(stack, cinder, e)
        assert proxy.accepted >= 2
    finally:
        stop_ok(serve)
        proxy.close()
    # The adopted copy was acked on the new connection: nothing goes back to the queues.
    assert messages_left(stack, f"{topic}.{serve.host}") == 0
    assert messages_left(stack, topic) == 0


def test_malformed_and_duplicate_messages_are_logged_and_answered_once(stack, rpc, tmp_path):
    """Raw bodies published with kombu (what a real client cannot send): not
    JSON, an envelope without a message, an unknown envelope version, and one
    call published twice with the same _unique_id. Each bad one is one log
    line; the call gets exactly one reply; the server lives on."""
    topic = new_topic()
    serve = Serve(stack, serve_config(stack, tmp_path), tmp_path, "sturdy", topic)
    reply_q = "reply_" + uuid.uuid4().hex
    msg_id = uuid.uuid4().hex
    call = {"method": "ping", "args": {}, "namespace": "bdm_agent", "version": "1.0", "_msg_id": msg_id,
            "_reply_q": reply_q, "_timeout": None, "_unique_id": uuid.uuid4().hex}
    call.update({"_context_" + k: v for k, v in context().items()})
    body = json.dumps(rpc_common.serialize_msg(call))
    try:
        with kombu.Connection(stack.env["BDM_RABBIT_URL"].replace("rabbit://", "amqp://")) as conn:
            queue = kombu.Queue(reply_q, exchange=kombu.Exchange(reply_q, type="direct", durable=False),
                                routing_key=reply_q, durable=False, auto_delete=True)
            queue(conn.channel()).declare()
            producer = conn.Producer()
            exchange = kombu.Exchange("nova", type="topic", durable=False, auto_delete=False)
            for text in ["not json at all", json.dumps({"oslo.version": "2.0"}),
                         json.dumps({"oslo.version": "9.0", "oslo.message": "{}"}), body, body]:
                producer.publish(text, exchange=exchange, routing_key=f"{topic}.sturdy",
                                 content_type="application/json", content_encoding="utf-8")
            replies = []
            with conn.Consumer(queue, callbacks=[lambda b, m: (replies.append(b), m.ack())]):
                deadline = time.time() + 5
                while time.time() < deadline:
                    try:
                        conn.drain_events(timeout=0.5)
                    except TimeoutError:
                        pass
            assert len(replies) == 1, replies
            reply = json.loads(json.loads(replies[0])["oslo.message"] if isinstance(replies[0], str)
                               else replies[0]["oslo.message"])
            assert reply["_msg_id"] == msg_id and reply["ending"] is True and reply["failure"] is None
            assert reply["result"]["host"] == "sturdy"
        assert client(rpc, topic, "sturdy").call(context(), "ping")["host"] == "sturdy"
    finally:
        log = stop_ok(serve)
    assert log.count("dropping a malformed message") == 3, log
    assert log.count("dropping a duplicate message") == 1, log
    assert "ERROR" not in log, log


def test_queues_lost_as_in_a_broker_restart_are_declared_again(stack, rpc, tmp_path):
    """A broker restart loses the non-durable queues (oslo's default). The
    test deletes this server's own three queues (uniquely named; nobody
    else's): the broker cancels the consumers, the server reconnects,
    declares them again and answers on all three."""
    topic = new_topic()
    serve = Serve(stack, serve_config(stack, tmp_path), tmp_path, "phoenix", topic)
    try:
        fanout = serve.log().split(f"{topic}.phoenix, ")[1].split(")")[0]
        with kombu.Connection(stack.env["BDM_RABBIT_URL"].replace("rabbit://", "amqp://")) as conn:
            channel = conn.channel()
            for queue in (topic, f"{topic}.phoenix", fanout):
                channel.queue_delete(queue)
        wait_for(lambda: "connection lost" in serve.log() and
                 all(queue_exists(stack, q) for q in (topic, f"{topic}.phoenix", fanout)), serve.log)
        assert client(rpc, topic, "phoenix").call(context(), "ping")["host"] == "phoenix"
        assert client(rpc, topic).call(context(), "ping")["host"] == "phoenix"
        # A non-admin cast is refused and logged: proof that the fanout queue is consumed again.
        client(rpc, topic).prepare(fanout=True).cast(context(is_admin=False, roles=["member"]), "ping")
        wait_for(lambda: "refused" in serve.log(), serve.log)
    finally:
        log = stop_ok(serve)
    assert "the broker cancelled the consumer" in log, log
    assert "ERROR" not in log, log


def test_a_busy_server_takes_no_more_than_twice_its_workers(stack, rpc, tmp_path):
    """basic.qos: one worker, so at most two messages are taken; the rest
    wait in the queue for any server. At SIGTERM the one not started goes
    back to the queue at once, the running one finishes."""
    topic = new_topic()
    serve = Serve(stack, serve_config(stack, tmp_path), tmp_path, "busy", topic, "--workers", "1",
                  env=slow("get_connector", 3000))
    queue = f"{topic}.busy"
    c = client(rpc, topic, "busy")
    for _ in range(5):
        c.cast(context(), "get_connector")
    wait_for(lambda: messages_left(stack, queue) == 3, lambda: (messages_left(stack, queue), serve.log()))
    time.sleep(0.5)
    assert messages_left(stack, queue) == 3
    log = stop_ok(serve)
    assert messages_left(stack, queue) == 4, log
    assert "1 request(s) not yet started are left unacked" in log, log


def test_sigterm_stops_an_idle_server_at_once(stack, tmp_path):
    serve = Serve(stack, serve_config(stack, tmp_path), tmp_path, "idle", new_topic())
    started = time.monotonic()
    stop_ok(serve)
    assert time.monotonic() - started < 2
