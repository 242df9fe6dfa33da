"""Bad input for `bdm-agent trace replay` and `trace diff` (issue 11): bad
--rate, --timeout and --rewrite-routing-key values, a FIFO, a directory, a
missing file, a file that is not a trace or of a newer version, a trace with
nothing to replay, --to naming the recorded broker, a --to URL that is not
one, an unreachable --to. Each case runs through tests/cli/hostile.py (one
error line, the documented exit code, no control character, no secret, no
hang, watched files unchanged, with and without --debug).

No case needs the stack: the brokers named are closed ports (127.0.0.1:9)
and every refusal comes before connecting; trace files are written with
Python's msgpack."""
import json
import os

import msgpack
import pytest

from hostile import check, write_conf

CONF = "[DEFAULT]\nrpc_response_timeout = 5\n"
PASSWORD = "mq-replay-secret-7"
TO = "rabbit://nova:%s@127.0.0.1:9/" % PASSWORD
SECRETS = (PASSWORD,)

# Exit codes (README "Exit codes", agent/exit_codes.h).
BROKER_UNAVAILABLE = 17
CONFIG = 20
CORRUPT = 24
INPUT_FILE = 29
SAME_BROKER = 32
NOTHING_SELECTED = 33
USAGE = 64


@pytest.fixture
def conf(tmp_path):
    return write_conf(tmp_path, CONF)


def header(version=1, broker="127.0.0.1:5672/"):
    return msgpack.packb({"format": "bdm-agent-trace", "version": version, "started_at": 1, "broker": broker,
                          "recorder": "test"})


def record(message, exchange="nova", routing_key="compute.c1"):
    body = json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(message)}).encode()
    return msgpack.packb({"t_ns": 2, "exchange": exchange, "routing_key": routing_key, "event": "publish",
                          "properties": {"content_type": "application/json"}, "body": body}, use_bin_type=True)


CAST = {"method": "ping", "args": {}, "_unique_id": "0" * 32}
REPLY = {"result": None, "failure": None, "ending": True, "_msg_id": "1" * 32}


@pytest.fixture
def trace(tmp_path):
    path = tmp_path / "t.trace"
    path.write_bytes(header() + record(CAST))
    return path


def replay(conf, path, *options):
    return ["--config-file", conf, "trace", "replay", str(path), *options]


@pytest.mark.parametrize("options", [
    ["--to", TO, "--rate", "0"],
    ["--to", TO, "--rate", "-3"],
    ["--to", TO, "--rate", "fast"],
    ["--to", TO, "--rate", "nan"],
    ["--to", TO, "--rate", "inf"],
    ["--to", TO, "--rate", "1e7"],
    ["--to", TO, "--timeout", "0"],
    ["--to", TO, "--rewrite-routing-key", "compute.c1"],
    ["--to", TO, "--rewrite-routing-key", "=compute.c2"],
    ["--to", TO, "--rewrite-routing-key", "compute.c1="],
    [],  # no --to
])
def test_bad_options(conf, trace, options):
    check(replay(conf, trace, *options), code=USAGE, secrets=SECRETS, watch=[trace])


def test_two_files_or_none(conf, trace):
    check(["--config-file", conf, "trace", "replay", str(trace), str(trace), "--to", TO], code=USAGE,
          secrets=SECRETS)
    check(["--config-file", conf, "trace", "replay", "--to", TO], code=USAGE, secrets=SECRETS)


def test_a_fifo_is_refused_without_blocking(conf, tmp_path):
    fifo = tmp_path / "t.fifo"
    os.mkfifo(fifo)
    check(replay(conf, fifo, "--to", TO), code=INPUT_FILE, contains="FIFO", secrets=SECRETS, watch=[fifo])


def test_a_directory_or_a_missing_file_is_refused(conf, tmp_path):
    check(replay(conf, tmp_path, "--to", TO), code=INPUT_FILE, secrets=SECRETS, watch=[tmp_path])
    check(replay(conf, tmp_path / "none.trace", "--to", TO), code=INPUT_FILE, secrets=SECRETS)


def test_a_foreign_or_newer_file_is_refused(conf, tmp_path):
    foreign = tmp_path / "foreign.trace"
    foreign.write_bytes(b"\x1b[31mnot a trace\x07\n")
    check(replay(conf, foreign, "--to", TO), code=CORRUPT, secrets=SECRETS, watch=[foreign])
    newer = tmp_path / "v2.trace"
    newer.write_bytes(header(version=2) + record(CAST))
    check(replay(conf, newer, "--to", TO), code=CORRUPT, contains="version", secrets=SECRETS, watch=[newer])


def test_a_corrupt_record_stops_before_anything_is_sent(conf, tmp_path):
    path = tmp_path / "bad.trace"
    path.write_bytes(header() + record(CAST) + msgpack.packb({"t_ns": "x"}))
    check(replay(conf, path, "--to", TO), code=CORRUPT, contains="record 2", secrets=SECRETS)


def test_nothing_to_replay_is_an_error(conf, tmp_path):
    only_reply = tmp_path / "reply.trace"
    only_reply.write_bytes(header() + record(REPLY, exchange="", routing_key="reply_x"))
    check(replay(conf, only_reply, "--to", TO), code=NOTHING_SELECTED, contains="nothing to replay",
          secrets=SECRETS)
    cast = tmp_path / "cast.trace"
    cast.write_bytes(header() + record(CAST))
    check(replay(conf, cast, "--to", TO, "--method", "other"), code=NOTHING_SELECTED, contains="--method",
          secrets=SECRETS)


def test_the_recorded_broker_is_refused(conf, tmp_path):
    path = tmp_path / "same.trace"
    path.write_bytes(header(broker="127.0.0.1:9/") + record(CAST))
    check(replay(conf, path, "--to", TO), code=SAME_BROKER, contains="--yes-same-broker", secrets=SECRETS)
    # localhost is the same broker as 127.0.0.1
    check(replay(conf, path, "--to", "rabbit://nova:%s@localhost:9/" % PASSWORD), code=SAME_BROKER,
          secrets=SECRETS)


@pytest.mark.parametrize("url", [
    "http://nova:%s@127.0.0.1:9/" % PASSWORD,
    "rabbit://nova:%s@127.0.0.1:notaport/" % PASSWORD,
    "\x1b]0;x\x07rabbit://nova:%s@h/" % PASSWORD,
])
def test_a_bad_to_url_is_a_config_error_that_never_shows_the_password(conf, trace, url):
    check(replay(conf, trace, "--to", url), code=CONFIG, secrets=SECRETS)


def test_an_unreachable_broker(conf, trace):
    check(replay(conf, trace, "--to", TO), code=BROKER_UNAVAILABLE, secrets=SECRETS, watch=[trace])


@pytest.mark.parametrize("argv", [
    ["trace", "diff"],
    ["trace", "diff", "a"],
    ["trace", "diff", "a", "b", "c"],
])
def test_diff_bad_command_lines(conf, argv):
    check(["--config-file", conf, *argv], code=USAGE)


def test_diff_refuses_unreadable_and_foreign_files(conf, trace, tmp_path):
    check(["--config-file", conf, "trace", "diff", str(trace), str(tmp_path / "none.trace")], code=INPUT_FILE)
    foreign = tmp_path / "foreign.trace"
    foreign.write_bytes(b"hello")
    check(["--config-file", conf, "trace", "diff", str(foreign), str(trace)], code=CORRUPT)
