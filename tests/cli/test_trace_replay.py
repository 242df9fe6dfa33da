"""`bdm-agent trace replay` and `trace diff` against the stack (issue 11).

One recording, through the firehose, of the real `nova-manage
volume_attachment refresh` (its remove_volume_connection call and the
compute's reply), then:
- replay refused to the recorded broker without --yes-same-broker;
- the call replayed with --compare: the real nova-compute handles it (its
  log shows our new msg_id and the detach) and the reply is equal;
- a hand-edited trace whose recorded reply differs: --compare exits 31;
- the routing key rewritten to a topic nobody serves: no reply, exit 31
  within the timeout;
- `trace diff`: the same refresh recorded twice compares equal (exit 0, its
  compute topic: the other services' periodic traffic differs); a
  trace whose call has another method version, or another Instance version,
  exits 1 naming it.
The instance needs no setting up again between replays: the compute's
remove_volume_connection only detaches the volume on the host (FakeDriver)
and keeps the BDM and the attachment (delete_attachment is not sent)."""
import time

import msgpack
import pytest

from refresh_support import seed
from test_refresh import compute_log_offset, compute_log_since
from trace_support import Recorder, firehose

REPLIES_DIFFER = 31
SAME_BROKER = 32
METHOD = ("--method", "remove_volume_connection")


def _record_refresh(stack, entry, out):
    with Recorder(stack, out, "--firehose") as rec:
        rc, text, err = stack.nova_manage("volume_attachment", "refresh", entry["instance_uuid"], entry["volume_id"],
                                          stack.env["BDM_CONNECTOR_FILE"])
        assert rc == 0, text + err
        rec_rc, rec_err = rec.stop()
    assert rec_rc == 0, rec_err


@pytest.fixture(scope="module")
def recordings(stack, tmp_path_factory):
    """(seeded entry, [two trace files]): the same real refresh recorded twice."""
    tmp = tmp_path_factory.mktemp("replay")
    entry = seed(stack, tmp, 1)[0]
    paths = [tmp / "refresh.trace", tmp / "again.trace"]
    with firehose(stack):
        for path in paths:
            _record_refresh(stack, entry, path)
    return entry, paths


@pytest.fixture
def recorded(recordings):
    entry, paths = recordings
    return entry, paths[0]


def replay(stack, path, *options):
    rc, out, err = stack.agent("trace", "replay", str(path), "--to", stack.env["BDM_RABBIT_URL"], *METHOD, *options)
    assert stack.env["BDM_RABBIT_PASSWORD"] not in out + err
    return rc, out, err


def _rewrite(src, dst, edit):
    """Copies trace `src` to `dst` with `edit(record)` applied to every record."""
    with open(src, "rb") as f:
        objects = list(msgpack.Unpacker(f, raw=False))
    with open(dst, "wb") as f:
        f.write(msgpack.packb(objects[0]))
        for record in objects[1:]:
            f.write(msgpack.packb(edit(record), use_bin_type=True))


def test_replay_refuses_the_recorded_broker(stack, recorded):
    _, path = recorded
    rc, out, err = replay(stack, path, "--compare")
    assert rc == SAME_BROKER, err
    assert out == ""
    assert len(err.splitlines()) == 1 and "--yes-same-broker" in err
    assert "127.0.0.1:%s/" % stack.env["BDM_RABBIT_PORT"] in err


def test_replayed_call_is_handled_by_the_compute_and_its_reply_equal(stack, recorded):
    entry, path = recorded
    offset = compute_log_offset(stack)
    rc, out, err = replay(stack, path, "--yes-same-broker", "--compare", "--timeout", "30")
    assert rc == 0, out + err
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert " call remove_volume_connection -> nova compute." in lines[0]
    assert lines[0].endswith(": reply equal: result null"), lines[0]
    msg_id = lines[0].split("(msg_id ")[1].split(")")[0]
    log = compute_log_since(stack, offset, "sending reply msg_id: " + msg_id)
    assert "received message msg_id: " + msg_id in log
    assert "Attempting to driver detach volume " + entry["volume_id"] in log
    assert "1 equal, 0 differ" in err


def test_a_differing_recorded_reply_fails_compare(stack, recorded, tmp_path):
    _, path = recorded
    edited = tmp_path / "edited.trace"

    def edit(record):
        if record["exchange"] == "" and b'\\"result\\": null' in record["body"]:
            record["body"] = record["body"].replace(b'\\"result\\": null', b'\\"result\\": \\"changed\\"')
        return record

    _rewrite(path, edited, edit)
    rc, out, err = replay(stack, edited, "--yes-same-broker", "--compare", "--timeout", "30")
    assert rc == REPLIES_DIFFER, out + err
    assert 'reply differs: recorded result "changed", live result null' in out


def test_a_call_nobody_serves_times_out(stack, recorded):
    entry, path = recorded
    with open(path, "rb") as f:
        keys = {r["routing_key"] for r in list(msgpack.Unpacker(f, raw=False))[1:]
                if b"remove_volume_connection" in r["body"] and r["exchange"] == "nova"}
    assert len(keys) == 1
    started = time.monotonic()
    rc, out, err = replay(stack, path, "--yes-same-broker", "--compare", "--timeout", "2",
                          "--rewrite-routing-key", keys.pop() + "=bdm_replay_test_nobody")
    assert rc == REPLIES_DIFFER, out + err
    assert time.monotonic() - started < 15
    assert "-> nova bdm_replay_test_nobody" in out and "no reply within 2 s" in out


def test_diff_of_two_recordings_and_of_changed_versions(stack, recordings, tmp_path):
    _, (path, again) = recordings
    # --topic compute: nova-manage's call and the compute's reply, not the
    # periodic traffic of the other services that either window may catch.
    rc, out, err = stack.agent("trace", "diff", str(path), str(again), "--topic", "compute")
    assert rc == 0, out + err
    assert "no differences that matter" in out

    def with_versions(method_version, instance_version):
        def edit(record):
            if b"remove_volume_connection" in record["body"] and record["exchange"] == "nova":
                body = record["body"]
                body = body.replace(b'\\"version\\": \\"6.0\\"', b'\\"version\\": \\"%s\\"' % method_version)
                body = body.replace(b'\\"nova_object.version\\": \\"2.7\\"',
                                    b'\\"nova_object.version\\": \\"%s\\"' % instance_version)
                record["body"] = body
            return record
        return edit

    newer_method = tmp_path / "method.trace"
    _rewrite(path, newer_method, with_versions(b"6.1", b"2.7"))
    rc, out, err = stack.agent("trace", "diff", str(path), str(newer_method))
    assert rc == 1, out + err
    assert "call compute remove_volume_connection: version: only in A: 6.0; only in B: 6.1" in out
    assert "objects" not in out

    newer_object = tmp_path / "object.trace"
    _rewrite(path, newer_object, with_versions(b"6.0", b"2.8"))
    rc, out, err = stack.agent("trace", "diff", str(path), str(newer_object))
    assert rc == 1, out + err
    assert "call compute remove_volume_connection: objects: only in A: Instance 2.7; only in B: Instance 2.8" in out
