"""tools/bench trace: how fast `bdm-agent trace record` keeps up and how fast
`trace decode --json` reads, against the broker's ceiling and a Python
decoder.

(a) record: a fresh topic exchange on the stack's RabbitMQ, tapped by
`trace record --exchange`; bench_publish (rabbitmq-c, publisher confirms)
publishes the golden remove_volume_connection call (tests/vectors, ~4 KB)
to it as fast as the broker confirms for SECONDS; once the trace file stops
growing the recorder is stopped and its file read back with msgpack.
Counted: messages the broker acked = messages in the file (lost = the
difference), and the recorder's rate = messages / (last - first record's
receive time), which stretches beyond SECONDS if the recorder fell behind.
(b) decode: a trace file of PAIRS copies of that call and of the real
compute's reply (trace_corpus.py), decoded RUNS times, alternately, by
`bdm-agent trace decode --json` (the whole process's wall time) and by
trace_decode_reference.py (msgpack + oslo.messaging's deserialize_msg +
objects expanded; its decoding loop alone, imports not counted), both
writing to /dev/null; MB/s = file size / CPU time (user + system; both
decoders are single-threaded, so this is the rate on a core of their own:
on the shared 2-core host the wall time mostly measures the other users),
medians; the wall times are printed too.

Usage (tools/bench trace runs it, under the stack's environment):
  /usr/bin/python3 bench_trace.py BUILD_DIR RUNS SECONDS PAIRS
Ends with:
  trace: record <n> msg/s (lost <l>), decode <a> MB/s vs python <b> MB/s, ratio <x>
Exit 1 when a message was lost."""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import kombu
import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
VECTORS = os.path.join(ROOT, "tests", "vectors")


def golden_call_body(path):
    with open(os.path.join(VECTORS, "nova-manage-refresh-compute-call.json")) as f:
        body = json.load(f)["publish"][0]["body_raw"]
    with open(path, "w") as f:
        f.write(body)


def wait_until_still(path, quiet_s=1.5, timeout=300):
    """Waits until `path` has not grown for quiet_s."""
    deadline, size, since = time.time() + timeout, -1, time.time()
    while time.time() < deadline:
        now = os.path.getsize(path)
        if now != size:
            size, since = now, time.time()
        elif time.time() - since >= quiet_s:
            return
        time.sleep(0.1)


def bench_record(build, work, seconds):
    url = os.environ["BDM_RABBIT_URL"]
    exchange = "bdm-bench-trace-" + uuid.uuid4().hex[:10]
    body, out = os.path.join(work, "call.json"), os.path.join(work, "record.trace")
    golden_call_body(body)
    with kombu.Connection(url.replace("rabbit://", "amqp://", 1)) as conn:
        conn.channel().exchange_declare(exchange, "topic", durable=False, auto_delete=False)
    try:
        recorder = subprocess.Popen([os.path.join(build, "agent", "bdm-agent"), "--config-file",
                                     os.environ["BDM_NOVA_CONF"], "trace", "record", "--out", out,
                                     "--exchange", exchange], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
        line = recorder.stderr.readline()
        if not line.startswith("recording "):
            recorder.kill()
            raise SystemExit("bench_trace: trace record did not start: " + line + recorder.communicate()[1])
        p = subprocess.run([os.path.join(build, "tools", "benchmarks", "bench_publish"), url, exchange,
                            "compute.bench", body, str(seconds)], capture_output=True, text=True, timeout=seconds + 120)
        published = json.loads(p.stdout) if p.stdout.strip() else {"acked": 0}
        wait_until_still(out)
        recorder.send_signal(signal.SIGINT)
        err = recorder.communicate(timeout=60)[1]
        if p.returncode != 0 or recorder.returncode != 0:
            raise SystemExit("bench_trace: publisher %d (%s), recorder %d (%s)"
                             % (p.returncode, p.stderr.strip(), recorder.returncode, err.strip()))
    finally:
        with kombu.Connection(url.replace("rabbit://", "amqp://", 1)) as conn:
            conn.channel().exchange_delete(exchange)
    with open(out, "rb") as f:
        times = [r["t_ns"] for r in list(msgpack.Unpacker(f, raw=False, max_buffer_size=64 << 20))[1:]]
    span = (times[-1] - times[0]) / 1e9 if len(times) > 1 else 0.0
    return {"published": published, "recorded": len(times), "lost": published["acked"] - len(times),
            "recorder_msgs_per_s": (len(times) - 1) / span if span > 0 else 0.0, "span_s": span}


def bench_decode(build, work, runs, pairs):
    corpus = os.path.join(work, "decode.trace")
    subprocess.run([sys.executable, os.path.join(HERE, "trace_corpus.py"), VECTORS, str(pairs), corpus], check=True)
    size = os.path.getsize(corpus)
    agent_cpu, agent_wall, python_cpu, python_wall = [], [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        agent = subprocess.Popen([os.path.join(build, "agent", "bdm-agent"), "trace", "decode", "--json", corpus],
                                 stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(agent.pid, 0)
        agent.returncode = os.waitstatus_to_exitcode(status)
        if agent.returncode != 0:
            raise SystemExit("bench_trace: trace decode failed (%d)" % agent.returncode)
        agent_wall.append(time.perf_counter() - started)
        agent_cpu.append(usage.ru_utime + usage.ru_stime)
        p = subprocess.run([sys.executable, os.path.join(HERE, "trace_decode_reference.py"), corpus],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
        measured = json.loads(p.stderr.splitlines()[-1])
        python_wall.append(measured["seconds"])
        python_cpu.append(measured["cpu_seconds"])
    med = statistics.median
    return {"bytes": size, "agent_s": med(agent_cpu), "python_s": med(python_cpu), "agent_wall_s": med(agent_wall),
            "python_wall_s": med(python_wall)}


def main():
    build, runs, seconds, pairs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    with tempfile.TemporaryDirectory(prefix="bench-trace.") as work:
        record = bench_record(build, work, seconds)
        decode = bench_decode(build, work, runs, pairs)
    pub = record["published"]
    print("record: published %d, acked %d in %.1f s (%.0f msg/s at the publisher); recorded %d over %.1f s, "
          "lost %d" % (pub["published"], pub["acked"], pub["seconds"], pub["msgs_per_s"], record["recorded"],
                       record["span_s"], record["lost"]))
    mb = decode["bytes"] / 1e6
    agent_mbs, python_mbs = mb / decode["agent_s"], mb / decode["python_s"]
    print("decode: %.1f MB (%d pairs), CPU bdm-agent %.3f s, python %.3f s; wall %.3f s, %.3f s (medians of %d)"
          % (mb, pairs, decode["agent_s"], decode["python_s"], decode["agent_wall_s"], decode["python_wall_s"],
             runs))
    print("trace: record %.0f msg/s (lost %d), decode %.1f MB/s vs python %.1f MB/s, ratio %.1f"
          % (record["recorder_msgs_per_s"], record["lost"], agent_mbs, python_mbs, agent_mbs / python_mbs))
    return 1 if record["lost"] != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
