"""The tools behind `tools/bench serve` and `tools/bench trace` still work (they run only when someone
benchmarks, so nothing else would notice them break): the client
(bench_rpc_client) against the broker-ceiling server (bench_broker_server)
and against the oslo.messaging reference server, with tiny counts on the
stack's RabbitMQ; the servers delete their queues; the driver
(bench_serve.py) ends with its summary line; the trace publisher refuses bad
arguments and the trace driver (bench_trace.py) records and decodes a little
without losing a message. BDM_BUILD_DIR is the tree
holding tools/benchmarks."""
import json
import os
import re
import subprocess
import sys
import uuid

import kombu
import pytest
from amqp.exceptions import NotFound

BENCH_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "benchmarks")


def tool(name):
    return os.path.join(os.environ["BDM_BUILD_DIR"], "tools", "benchmarks", name)


def queue_exists(url, name):
    with kombu.Connection(url.replace("rabbit://", "amqp://", 1)) as conn:
        try:
            conn.channel().queue_declare(name, passive=True)
            return True
        except NotFound:
            return False


def delete_queues(url, names):
    with kombu.Connection(url.replace("rabbit://", "amqp://", 1)) as conn:
        channel = conn.channel()
        for name in names:
            channel.queue_delete(name)


def start(argv):
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line == "ready\n", (line, proc.poll())
    return proc


def stop(proc):
    proc.stdin.close()
    return proc.wait(timeout=30)


def run_client(url, topic, threads, calls):
    p = subprocess.run([tool("bench_rpc_client"), url, topic, "bench", str(threads), "30", str(calls), "1", "0"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    delete_queues(url, out["reply_queues"])
    return out


@pytest.mark.parametrize("argv", [[], ["u", "t", "s", "0", "1", "0", "0", "0"], ["u", "t", "s", "1", "x", "0", "0", "0"],
                                  ["u", "t", "", "1", "1", "0", "0", "0"], ["u", "t", "s", "1", "1", "-1", "0", "0"]])
def test_client_refuses_bad_arguments(argv):
    p = subprocess.run([tool("bench_rpc_client"), *argv], capture_output=True, text=True, timeout=30)
    assert p.returncode == 64 and p.stderr.startswith("usage: bench_rpc_client"), (p.returncode, p.stderr)


def test_client_calls_the_broker_server_which_deletes_its_queue(stack):
    url = stack.env["BDM_RABBIT_URL"]
    topic = "bdm-bench-test-" + uuid.uuid4().hex[:10]
    server = start([tool("bench_broker_server"), url, topic, "bench"])
    try:
        out = run_client(url, topic, threads=2, calls=3)
    finally:
        code = stop(server)
    assert code == 0
    assert out["threads"] == 2 and out["calls"] == 6 and len(out["latencies_us"]) == 6
    assert all(x > 0 for x in out["latencies_us"]) and len(out["reply_queues"]) == 2
    assert not queue_exists(url, topic + ".bench")


def test_client_calls_the_oslo_reference_server_which_deletes_its_queues(stack):
    url = stack.env["BDM_RABBIT_URL"]
    topic = "bdm-bench-test-" + uuid.uuid4().hex[:10]
    server = start([sys.executable, os.path.join(BENCH_DIR, "serve_ping_reference.py"), url, topic, "bench", "0.1.0"])
    try:
        assert queue_exists(url, topic) and queue_exists(url, topic + ".bench")
        out = run_client(url, topic, threads=1, calls=4)
    finally:
        code = stop(server)
    assert code == 0 and out["calls"] == 4
    assert not queue_exists(url, topic) and not queue_exists(url, topic + ".bench")


def test_driver_ends_with_the_summary_line(stack):
    env = dict(os.environ, **{k: v for k, v in stack.env.items() if k.startswith("BDM_")})
    p = subprocess.run([sys.executable, os.path.join(BENCH_DIR, "bench_serve.py"), os.environ["BDM_BUILD_DIR"], "1",
                        "0.2"], capture_output=True, text=True, timeout=180, env=env)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert re.fullmatch(r"serve: bdm-agent \d+ calls/s, oslo\.messaging \d+ calls/s, broker \d+ calls/s, "
                        r"ratio \d+\.\d", lines[-1]), lines
    assert sum(1 for line in lines if re.match(r"(bdm-agent|oslo\.messaging|broker) +(1|32) ", line)) == 6, lines


@pytest.mark.parametrize("argv", [[], ["u", "e", "k", "/nonexistent", "1"], ["u", "e", "k", "/dev/null", "0"],
                                  ["u", "e", "k", "/dev/null", "1", "0"]])
def test_publisher_refuses_bad_arguments(argv):
    p = subprocess.run([tool("bench_publish"), *argv], capture_output=True, text=True, timeout=30)
    assert p.returncode == 64 and p.stderr.startswith("usage: bench_publish"), (p.returncode, p.stderr)


def test_trace_driver_records_without_loss_and_ends_with_the_summary_line(stack):
    env = dict(os.environ, **{k: v for k, v in stack.env.items() if k.startswith("BDM_")})
    p = subprocess.run([sys.executable, os.path.join(BENCH_DIR, "bench_trace.py"), os.environ["BDM_BUILD_DIR"], "1",
                        "0.5", "20"], capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    record = re.fullmatch(r"record: published (\d+), acked (\d+) in .* recorded (\d+) over .*, lost 0", lines[0])
    assert record and int(record[1]) > 0 and record[1] == record[2] == record[3], lines
    assert re.fullmatch(r"trace: record \d+ msg/s \(lost 0\), decode \d+\.\d MB/s vs python \d+\.\d MB/s, "
                        r"ratio \d+\.\d", lines[-1]), lines
