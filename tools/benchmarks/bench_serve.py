"""tools/bench serve: ping() calls/s and latency of `bdm-agent serve`,
against the same endpoint in Python oslo.messaging (serve_ping_reference.py,
threading executor) and against the broker's ceiling (bench_broker_server:
rabbitmq-c consume -> reply -> ack, no oslo), all three on the stack's
RabbitMQ, each on its own fresh topic, called by the same client
(bench_rpc_client: bdm-agent's rpc::RpcClient, one per thread).

Concurrency 1 is one process with one thread; concurrency 32 is
CLIENT_PROCS processes of 32 / CLIENT_PROCS threads, started together at
one wall-clock instant after their connections are open and warmed up.
RUNS rounds, each measuring every server at both concurrencies for SECONDS
(the servers' order rotates per round, so that the shared host's drift
falls on all alike). Per cell: calls/s = all clients' calls / the longest
client's time; p50/p99 over all calls' round trips; CPU per call of the
clients, of the server process, and of the broker (beam.smp, from /proc;
other users of the shared broker count too). Reported: medians of the
rounds. Everything this bench declared on the broker (the servers' queues,
the clients' reply queues) is deleted at the end.

Usage (tools/bench serve runs it, under the stack's environment):
  /usr/bin/python3 bench_serve.py BUILD_DIR RUNS SECONDS
Prints the table, then the summary line:
  serve: bdm-agent <n> calls/s, oslo.messaging <m> calls/s, broker <b> calls/s, ratio <x>
(at concurrency 32; ratio = bdm-agent / oslo.messaging).
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import kombu

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_NAME = "bench"
CONCURRENCY = (1, 32)
CLIENT_PROCS = 4    # at concurrency 32: 4 processes x 8 threads
WARMUP = 5          # untimed calls per thread
LEAD_S = 0.7        # from launching the clients to their common start
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def wait_for(predicate, what, proc, timeout=60):
    deadline = time.time() + timeout
    while not predicate():
        if proc.poll() is not None or time.time() > deadline:
            raise SystemExit(f"bench_serve: {what} did not start (exit {proc.poll()})")
        time.sleep(0.05)


class Server:
    """One server under test: a process, its topic, the queues it leaves behind."""

    def __init__(self, label, argv, topic, ready, stdin=None):
        self.label, self.topic, self.queues = label, topic, []
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, text=True)
        self.ready = ready(self)

    def stop(self):
        if self.proc.stdin:
            self.proc.stdin.close()
        else:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def start_agent(build, work, topic):
    conf = os.path.join(work, "nova.conf")
    with open(os.environ["BDM_NOVA_CONF"]) as f:
        text = f.read()
    # serve's own section, as the serve tests write it (the stack's hypervisor is "fake")
    text = text.replace("[DEFAULT]", f"[bdm_agent]\nallowed_hypervisor_types = fake\n"
                                     f"state_dir = {work}/state\n\n[DEFAULT]", 1)
    with open(conf, "w") as f:
        f.write(text)
    log = os.path.join(work, "serve.log")
    argv = [os.path.join(build, "agent/bdm-agent"), "--config-file", conf, "serve", "--topic", topic,
            "--host", SERVER_NAME, "--log-file", log]

    def ready(server):
        read = lambda: open(log).read() if os.path.exists(log) else ""
        wait_for(lambda: "serving topic" in read(), "bdm-agent serve", server.proc)
        server.queues = list(re.search(r"\(queues ([^)]*)\)", read()).group(1).split(", "))
    return Server("bdm-agent", argv, topic, ready)


def start_piped(label, argv, topic):
    """A server that prints "ready", stops when its stdin closes and deletes its own queues."""
    def ready(server):
        if server.proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"bench_serve: {label} did not start (exit {server.proc.poll()})")
    return Server(label, argv, topic, ready, stdin=subprocess.PIPE)


def measure(build, url, server, concurrency, seconds, broker_pid):
    """One cell: every client process's JSON, plus server and broker CPU."""
    procs, threads = (1, 1) if concurrency == 1 else (CLIENT_PROCS, concurrency // CLIENT_PROCS)
    start_at = time.time() + LEAD_S
    argv = [os.path.join(build, "tools/benchmarks/bench_rpc_client"), url, server.topic, SERVER_NAME,
            str(threads), str(seconds), "0", str(WARMUP), f"{start_at:.6f}"]
    clients = [subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) for _ in range(procs)]
    time.sleep(max(0.0, start_at - time.time()))
    server_cpu, broker_cpu = cpu_seconds(server.proc.pid), cpu_seconds(broker_pid)
    outputs = [c.communicate()[0] for c in clients]
    server_cpu, broker_cpu = cpu_seconds(server.proc.pid) - server_cpu, cpu_seconds(broker_pid) - broker_cpu
    if any(c.returncode != 0 for c in clients):
        raise SystemExit(f"bench_serve: a client against {server.label} failed")
    rows = [json.loads(o) for o in outputs]
    late = max(r["late_s"] for r in rows)
    if late > 0.05:
        print(f"bench_serve: warning: a client against {server.label} started {late:.3f} s late", file=sys.stderr)
    calls = sum(r["calls"] for r in rows)
    lat = sorted(x for r in rows for x in r["latencies_us"])
    return {"calls_per_s": calls / max(r["seconds"] for r in rows),
            "p50_ms": lat[len(lat) // 2] / 1e3, "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1e3,
            "client_cpu_us": sum(r["cpu_s"] for r in rows) / calls * 1e6,
            "server_cpu_us": server_cpu / calls * 1e6, "broker_cpu_us": broker_cpu / calls * 1e6,
            "reply_queues": [q for r in rows for q in r["reply_queues"]]}


def delete_queues(url, names):
    with kombu.Connection(url.replace("rabbit://", "amqp://", 1)) as conn:
        channel = conn.channel()
        for name in names:
            channel.queue_delete(name)


def main():
    build, runs, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    url = os.environ["BDM_RABBIT_URL"]
    broker_pid = int(open(os.path.join(os.environ["BDM_STACK_DIR"], "run/rabbitmq-beam.pid")).read())
    version = subprocess.run([os.path.join(build, "agent/bdm-agent"), "--version"], capture_output=True,
                             text=True).stdout.split()[-1:] or ["0"]
    prefix = "bdm-bench-serve-" + uuid.uuid4().hex[:8]
    servers, leftovers = [], []
    results = {}  # (label, concurrency) -> [cell per round]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as work:
        try:
            servers.append(start_agent(build, work, prefix + "-agent"))
            servers.append(start_piped("oslo.messaging", [sys.executable, os.path.join(HERE, "serve_ping_reference.py"),
                                                          url, prefix + "-oslo", SERVER_NAME, version[0]],
                                       prefix + "-oslo"))
            servers.append(start_piped("broker", [os.path.join(build, "tools/benchmarks/bench_broker_server"), url,
                                                  prefix + "-broker", SERVER_NAME], prefix + "-broker"))
            for r in range(runs):
                for server in servers[r % 3:] + servers[:r % 3]:
                    for c in CONCURRENCY:
                        cell = measure(build, url, server, c, seconds, broker_pid)
                        leftovers += cell.pop("reply_queues")
                        results.setdefault((server.label, c), []).append(cell)
        finally:
            for server in servers:
                server.stop()
                leftovers += server.queues
            delete_queues(url, leftovers)
    print(f"host: {os.cpu_count()} cores, load average {load_before:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end; {runs} rounds of {seconds:g} s per cell, medians")
    report(results)


def report(results):
    def med(label, c, key):
        return statistics.median(cell[key] for cell in results[(label, c)])
    print(f"{'server':<15} {'conc':>4} {'calls/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'CPU us/call: client':>19} {'server':>7} {'broker':>7}")
    for label in ("bdm-agent", "oslo.messaging", "broker"):
        for c in CONCURRENCY:
            print(f"{label:<15} {c:>4} {med(label, c, 'calls_per_s'):>8.0f} {med(label, c, 'p50_ms'):>7.2f} "
                  f"{med(label, c, 'p99_ms'):>7.2f} {med(label, c, 'client_cpu_us'):>19.0f} "
                  f"{med(label, c, 'server_cpu_us'):>7.0f} {med(label, c, 'broker_cpu_us'):>7.0f}")
    a, o, b = (med(label, 32, "calls_per_s") for label in ("bdm-agent", "oslo.messaging", "broker"))
    print(f"serve: bdm-agent {a:.0f} calls/s, oslo.messaging {o:.0f} calls/s, broker {b:.0f} calls/s, "
          f"ratio {a / o:.1f}")


if __name__ == "__main__":
    main()
