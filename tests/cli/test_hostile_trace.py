"""Bad input for `bdm-agent trace record` and `trace decode` (issue 11):
a FIFO, a directory, a missing file, a file that is not a trace, a trace of
a newer major version, a corrupt record, --out over an existing file, and
bad option values. Each case runs through tests/cli/hostile.py (one error
line, the documented exit code, no control character, no hang, watched
files unchanged, with and without --debug).

No case needs the stack: the nova.conf here points the broker at a closed
port (127.0.0.1:9); a trace file is written with Python's msgpack."""
import os

import msgpack
import pytest

from hostile import check, write_conf

CONF = """[DEFAULT]
transport_url = rabbit://nova:mq-secret-9@127.0.0.1:9/
"""
SECRETS = ("mq-secret-9",)

# Exit codes (README "Exit codes", agent/exit_codes.h).
BROKER_UNAVAILABLE = 17
CORRUPT = 24
OUTPUT_FILE = 28
INPUT_FILE = 29
USAGE = 64


@pytest.fixture
def conf(tmp_path):
    return write_conf(tmp_path, CONF)


def header(version=1):
    return msgpack.packb({"format": "bdm-agent-trace", "version": version, "started_at": 1,
                          "broker": "127.0.0.1:5672/", "recorder": "test"})


def record(body=b"{}"):
    return msgpack.packb({"t_ns": 2, "exchange": "nova", "routing_key": "compute.c1", "event": "publish",
                          "properties": {}, "body": body}, use_bin_type=True)


def test_decode_refuses_a_fifo_without_blocking(conf, tmp_path):
    fifo = tmp_path / "trace.fifo"
    os.mkfifo(fifo)
    check(["--config-file", conf, "trace", "decode", str(fifo)], code=INPUT_FILE, contains="FIFO", watch=[fifo])


def test_decode_refuses_a_directory(conf, tmp_path):
    check(["--config-file", conf, "trace", "decode", str(tmp_path)], code=INPUT_FILE, contains="directory",
          watch=[tmp_path])


def test_decode_refuses_a_missing_file(conf, tmp_path):
    check(["--config-file", conf, "trace", "decode", str(tmp_path / "none.trace")], code=INPUT_FILE)


def test_decode_refuses_a_newer_major_version(conf, tmp_path):
    path = tmp_path / "v2.trace"
    path.write_bytes(header(version=2) + record())
    check(["--config-file", conf, "trace", "decode", str(path)], code=CORRUPT, contains="version", watch=[path])


def test_decode_refuses_a_file_that_is_not_a_trace(conf, tmp_path):
    path = tmp_path / "not.trace"
    path.write_bytes(b"\x1b[31mhello\x07 world\n")
    check(["--config-file", conf, "trace", "decode", str(path)], code=CORRUPT, watch=[path])


def test_decode_stops_at_a_corrupt_record_after_printing_the_good_ones(conf, tmp_path):
    path = tmp_path / "bad.trace"
    path.write_bytes(header() + record() + msgpack.packb({"t_ns": "not a number"}))
    o = check(["--config-file", conf, "trace", "decode", "--json", str(path)], code=CORRUPT, watch=[path],
              stdout_empty=False, contains="record")
    assert len(o.stdout.splitlines()) == 1


def test_decode_shows_an_escaped_raw_body(conf, tmp_path):
    # Not an error: a body with control characters and invalid UTF-8 is shown raw, escaped.
    path = tmp_path / "raw.trace"
    path.write_bytes(header() + record(b"\x1b]0;owned\x07\xff"))
    from hostile import run
    o = run(["--config-file", conf, "trace", "decode", str(path)])
    assert o.code == 0, o.stderr
    assert "\x1b" not in o.stdout and "\x07" not in o.stdout
    assert "kind" not in o.stderr


def test_record_refuses_an_existing_out_file(conf, tmp_path):
    out = tmp_path / "exists.trace"
    out.write_bytes(b"keep me")
    check(["--config-file", conf, "trace", "record", "--out", str(out)], code=OUTPUT_FILE, contains="exists",
          watch=[out], secrets=SECRETS)


def test_record_refuses_a_dangling_symlink_as_out(conf, tmp_path):
    link = tmp_path / "link.trace"
    os.symlink(tmp_path / "elsewhere", link)
    check(["--config-file", conf, "trace", "record", "--out", str(link)], code=OUTPUT_FILE, watch=[tmp_path])


def test_record_with_an_unreachable_broker_leaves_no_file(conf, tmp_path):
    out = tmp_path / "new.trace"
    check(["--config-file", conf, "trace", "record", "--out", str(out), "--duration", "1"],
          code=BROKER_UNAVAILABLE, secrets=SECRETS, watch=[tmp_path])


@pytest.mark.parametrize("argv", [
    ["trace"],
    ["trace", "replay"],
    ["trace", "record"],
    ["trace", "record", "--out", "x", "--count", "0"],
    ["trace", "record", "--out", "x", "--duration", "-1"],
    ["trace", "record", "--out", "x", "--firehose", "--exchange", "nova"],
    ["trace", "decode"],
    ["trace", "decode", "a", "b"],
])
def test_bad_command_lines(conf, tmp_path, argv):
    check(["--config-file", conf, *argv], code=USAGE, watch=[tmp_path])
