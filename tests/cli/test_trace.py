"""`bdm-agent trace record` and `trace decode` against the stack (issue 11):
record while the real `nova-manage volume_attachment refresh` runs, on a tap
queue and through the firehose, then decode what was recorded: the
remove_volume_connection call with its Instance expanded, the compute's
reply paired with it, secrets masked; Python's msgpack reads the same file;
a truncated file decodes up to the torn record; --count, --duration and
SIGTERM leave readable files; the firehose being off is said clearly."""
import json
import os
import signal
import uuid

import msgpack
import pytest

from refresh_support import seed
from trace_support import Recorder, decode, firehose, json_entries, oslo_cast

TRACING_OFF = 30
BROKER_UNAVAILABLE = 17
# A binding that sees only this file's casts (the stack's services talk on exchange nova too).
ONLY_OURS = ("--binding", "bdm_trace_test")


def _calls(entries, method):
    return [e for e in entries if e["kind"] == "call" and e.get("method") == method]


def test_record_nova_manage_refresh_and_decode(stack, tmp_path):
    entry = seed(stack, tmp_path, 1)[0]
    tap_file, hose_file = tmp_path / "tap.trace", tmp_path / "firehose.trace"
    token = "tok-" + uuid.uuid4().hex
    with Recorder(stack, tap_file) as tap, firehose(stack), Recorder(stack, hose_file, "--firehose") as hose:
        rc, out, err = stack.nova_manage("volume_attachment", "refresh", entry["instance_uuid"], entry["volume_id"],
                                         stack.env["BDM_CONNECTOR_FILE"])
        assert rc == 0, out + err
        oslo_cast(stack, "bdm_trace_test", token)
        hose_rc, hose_err = hose.stop()
        tap_rc, tap_err = tap.stop()
    assert tap_rc == 0, tap_err
    assert hose_rc == 0, hose_err
    assert "recorded " in tap_err

    # The tap queue saw nova-manage's call and the cast.
    rc, text, err = decode(stack, tap_file)
    assert rc == 0, err
    assert "call remove_volume_connection version 6.0" in text
    assert '"object": "Instance"' in text
    assert entry["instance_uuid"] in text
    assert "auth_token=***" in text
    assert token not in text  # masked: the token, and the CHAP password built from it
    entries = json_entries(stack, tap_file)
    calls = [c for c in _calls(entries, "remove_volume_connection")
             if c["args"]["instance"]["fields"]["uuid"] == entry["instance_uuid"]]
    assert len(calls) == 1
    call = calls[0]
    assert call["version"] == "6.0"
    assert call["args"]["volume_id"] == entry["volume_id"]
    assert call["args"]["instance"]["object"] == "Instance"
    assert call["context"]["request_id"].startswith("req-")
    assert call["exchange"] == "nova" and call["routing_key"].startswith("compute.")
    cast = [e for e in entries if e.get("method") == "trace_probe"]
    assert len(cast) == 1 and cast[0]["kind"] == "cast"
    assert cast[0]["context"]["auth_token"] == "***"
    assert "***" in cast[0]["args"]["connection_info"]
    rc, shown, _ = decode(stack, tap_file, "--show-secrets", "--method", "trace_probe")
    assert rc == 0 and token in shown and "remove_volume_connection" not in shown

    # Python's msgpack reads the file and finds the same messages.
    with open(tap_file, "rb") as f:
        objects = list(msgpack.Unpacker(f, raw=False))
    header, records = objects[0], objects[1:]
    assert header["format"] == "bdm-agent-trace" and header["version"] == 1
    assert header["broker"] == "127.0.0.1:%s/" % stack.env["BDM_RABBIT_PORT"]
    assert stack.env["BDM_RABBIT_PASSWORD"] not in json.dumps(header)
    assert len(records) == len(entries)
    assert [r["routing_key"] for r in records] == [e["routing_key"] for e in entries]
    assert any(b"remove_volume_connection" in r["body"] and entry["instance_uuid"].encode() in r["body"]
               for r in records)
    assert all(r["properties"]["content_type"] == "application/json" for r in records)

    # The firehose also saw the compute's reply, on the default exchange, paired with the call.
    hose_entries = json_entries(stack, hose_file)
    msg_id = call["msg_id"]
    replies = [e for e in hose_entries if e["kind"] == "reply" and e.get("msg_id") == msg_id]
    assert replies, [e["kind"] for e in hose_entries]
    assert replies[0]["exchange"] == ""
    assert replies[0]["call"]["method"] == "remove_volume_connection"
    assert replies[0]["call"]["latency_ms"] > 0
    assert {e["event"] for e in hose_entries} == {"publish", "deliver"}
    delivered = [e for e in hose_entries if e["event"] == "deliver" and e.get("msg_id") == msg_id]
    assert any(e["kind"] == "call" and e["queue"] == call["routing_key"] for e in delivered)
    assert not any(e.get("routing_key", "").startswith("bdm-agent.trace-probe") for e in hose_entries)
    rc, out, err = decode(stack, hose_file, "--method", "remove_volume_connection")
    assert rc == 0 and "reply to: #" in out


def test_truncated_file_decodes_up_to_the_torn_record(stack, tmp_path):
    out = tmp_path / "t.trace"
    with Recorder(stack, out, *ONLY_OURS) as rec:
        for i in range(3):
            oslo_cast(stack, "bdm_trace_test", "tok-%d" % i)
        rc, err = rec.stop()
    assert rc == 0, err
    whole = json_entries(stack, out)
    assert len(whole) == 3
    data = out.read_bytes()
    torn = tmp_path / "torn.trace"
    torn.write_bytes(data[:-7])
    rc, text, err = decode(stack, torn, "--json")
    assert rc == 0, err
    assert len(text.splitlines()) == 2
    assert "ends inside a record" in err and "2 whole records" in err


@pytest.mark.parametrize("how", ["count", "duration", "sigterm"])
def test_every_way_of_stopping_leaves_a_readable_file(stack, tmp_path, how):
    out = tmp_path / "s.trace"
    options = {"count": ("--count", "2", *ONLY_OURS), "duration": ("--duration", "1"), "sigterm": ONLY_OURS}[how]
    with Recorder(stack, out, *options) as rec:
        if how == "count":
            for i in range(4):
                oslo_cast(stack, "bdm_trace_test", "tok-%d" % i)
        if how == "sigterm":
            oslo_cast(stack, "bdm_trace_test", "tok")
            rc, err = rec.stop(signal.SIGTERM)
        else:
            rc, err = rec.process.wait(timeout=60), rec.process.stderr.read()
    expected = {"count": 2, "duration": None, "sigterm": 1}[how]
    assert rc == 0, err
    entries = json_entries(stack, out)
    if expected is not None:
        assert len(entries) == expected
    assert os.stat(out).st_mode & 0o777 == 0o600


def test_firehose_off_is_said_clearly(stack, tmp_path):
    out = tmp_path / "off.trace"
    rc, _, err = stack.agent("trace", "record", "--out", str(out), "--firehose", "--duration", "10")
    assert rc == TRACING_OFF, err
    assert "rabbitmqctl trace_on -p /" in err
    assert not out.exists()


def test_a_missing_exchange_is_named(stack, tmp_path):
    rc, _, err = stack.agent("trace", "record", "--out", str(tmp_path / "x.trace"), "--exchange", "no-such-exchange",
                             "--duration", "1")
    assert rc == BROKER_UNAVAILABLE, err
    assert "exchange 'no-such-exchange' does not exist" in err


def test_every_property_and_header_kind_is_recorded(stack, tmp_path):
    """A message published by py-amqp (oslo's client library) with every basic
    property and headers of every kind py-amqp writes, nested deeper than a
    trace keeps: the record holds them (the nesting cut at 12 levels, as
    rpc/amqp_field_value.h says) and the file still decodes."""
    import datetime
    import decimal

    import amqp  # noqa: imported here: slow
    out = tmp_path / "p.trace"
    deep = "bottom"
    for _ in range(40):
        deep = {"n": deep}
    headers = {"text": "caf\u00e9", "int": -7, "flag": True, "real": 1.5, "price": decimal.Decimal("12.34"),
               "none": None, "list": ["a", 1, [True]], "table": {"inner": {"x": 1}}, "deep": deep,
               "when": datetime.datetime(2026, 12, 3, 12, 0, 0)}
    with Recorder(stack, out, "--binding", "bdm_trace_properties") as rec:
        conn = amqp.Connection(host="127.0.0.1:" + stack.env["BDM_RABBIT_PORT"], userid=stack.env["BDM_RABBIT_USER"],
                               password=stack.env["BDM_RABBIT_PASSWORD"], virtual_host="/")
        conn.connect()
        try:
            message = amqp.Message(
                body=b"not an oslo message", content_type="text/plain", content_encoding="utf-8",
                application_headers=headers, delivery_mode=1, priority=3, correlation_id="corr-1",
                reply_to="reply-to-1", expiration="60000", message_id="mid-1",
                timestamp=1796299200, type="type-1",
                user_id=stack.env["BDM_RABBIT_USER"], app_id="app-1")
            conn.channel().basic_publish(message, exchange="nova", routing_key="bdm_trace_properties")
        finally:
            conn.close()
        rc, err = rec.stop()
    assert rc == 0, err
    with open(out, "rb") as f:
        records = list(msgpack.Unpacker(f, raw=False))[1:]
    assert len(records) == 1
    p = records[0]["properties"]
    assert {k: v for k, v in p.items() if k != "headers"} == {
        "content_type": "text/plain", "content_encoding": "utf-8", "delivery_mode": 1, "priority": 3,
        "correlation_id": "corr-1", "reply_to": "reply-to-1", "expiration": "60000", "message_id": "mid-1",
        "timestamp": 1796299200, "type": "type-1", "user_id": stack.env["BDM_RABBIT_USER"], "app_id": "app-1"}
    h = p["headers"]
    assert h["text"] == "caf\u00e9" and h["int"] == -7 and h["flag"] is True and h["real"] == 1.5
    assert h["price"] == pytest.approx(12.34) and h["none"] is None
    assert h["list"] == ["a", 1, [True]] and h["table"] == {"inner": {"x": 1}}
    assert h["when"] == 1796299200
    levels, value = 1, h["deep"]
    while isinstance(value, dict):
        levels, value = levels + 1, value["n"]
    assert value is None and levels == 12  # the headers table counted
    entries = json_entries(stack, out)
    assert entries[0]["kind"] == "raw" and entries[0]["body"] == "not an oslo message"
