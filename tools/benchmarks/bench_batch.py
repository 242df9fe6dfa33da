"""tools/bench batch: one batch `bdm-agent refresh` over N stale BDMs against
a loop of real `nova-manage volume_attachment refresh`, and `bdm-agent audit`
over the same N BDMs against the loop of `nova-manage volume_attachment
show` it replaces, on the local stack.

* Seeds N + 10 fresh stopped instances (one stale rbd volume each, real
  Cinder attachments), half on each compute host of the stack, into a
  private seed file (tools/seed with BDM_SEED_FILE), so that nothing outside
  them is read for the plan or changed: N for bdm-agent, 10 twins (5 per
  host) for nova-manage. At the end, failed or not, they are removed
  (tools/seed --remove).
* audit: `bdm-agent audit --json --instance U ...` over the N instances,
  AUDIT_RUNS times (median wall); its output is the batch's plan. The
  nova-manage equivalent is one `volume_attachment show` per BDM: SHOW_RUNS
  of them on BDMs of the sample (median), times N.
* refresh: 5 twins refreshed by nova-manage (one process per BDM, with the
  connector file of the instance's host, as nova-manage wants it), then ONE
  `bdm-agent refresh --from-audit AUDIT --yes --json` over the N BDMs
  (--connector-dir, default --workers 8 --per-host 2, --debug for the
  per-peer times summed over the workers), then the other 5 twins: the
  shared host's drift falls on both sides. Every BDM must end "refreshed"
  and every nova-manage run exit 0. Peak RSS of each process from wait4.
* plan memory: peak RSS of `refresh --from-audit FILE --dry-run` with the
  N real BDMs, and with the same N plus synthetic rows (fresh uuids, found
  nowhere: their dry-run verdict is "not found") up to PLAN_BDMS (1,000):
  what holding and checking a plan of that size costs, flat or not in N.
* audit of the whole stack: `bdm-agent audit --all --json` (every volume BDM
  on the shared stack, read only), median wall of AUDIT_RUNS, with its BDM
  count.

With BDM_BENCH_LOCK set (a path), each phase that uses the stack holds an
exclusive flock(2) on it, so runs of other users of a shared stack do not
overlap the measurements; the lock is let go between phases.

Usage (tools/bench batch runs it, under the stack's environment):
  /usr/bin/python3 bench_batch.py BUILD_DIR N
Ends:
  batch: bdm-agent <s> s per BDM, nova-manage <s> s per BDM, ratio <x>; audit: <ms> ms for N BDMs
"""
import contextlib
import fcntl
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TWINS_PER_HOST = 5
AUDIT_RUNS = 5
SHOW_RUNS = 3
PLAN_BDMS = 1000
AGENT_OPTIONS = ["--allow-hypervisor-type", "fake"]  # the stack's computes run Nova's FakeDriver


@contextlib.contextmanager
def stack_lock():
    path = os.environ.get("BDM_BENCH_LOCK")
    if not path:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class Sample:
    def __init__(self, wall, rss_kib, code, out, err):
        self.wall, self.rss_mib, self.code, self.out, self.err = wall, rss_kib / 1024.0, code, out, err


def run_timed(argv):
    """Runs argv as a child; wall time from fork to exit, peak RSS from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Sample(wall, usage.ru_maxrss, proc.returncode, out.read().decode(errors="replace"),
                      err.read().decode(errors="replace"))


def need(sample, what, codes=(0,)):
    if sample.code not in codes:
        sys.exit(f"bench batch: {what} exited {sample.code}\n{sample.out[-2000:]}\n{sample.err[-2000:]}")
    return sample


def seed(work, hosts, n):
    """N + 10 fresh stale BDMs, split over the hosts; returns (batch, twins)."""
    seed_file = os.path.join(work, "seed.json")
    env = dict(os.environ, BDM_SEED_FILE=seed_file)
    start = time.monotonic()
    batch, twins = [], []
    for i, host in enumerate(hosts):
        share = n // len(hosts) + (1 if i < n % len(hosts) else 0)
        before = len(json.load(open(seed_file))) if os.path.exists(seed_file) else 0
        with stack_lock():
            subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", str(share + TWINS_PER_HOST),
                            "--volumes", "1", "--host", host, "--prefix", f"bench-batch-{os.getpid()}",
                            "--variants", "stale"], check=True, env=env, stdout=subprocess.DEVNULL)
        entries = json.load(open(seed_file))[before:]
        batch += entries[:share]
        twins += entries[share:]
    print(f"seeded {len(batch)} + {len(twins)} stale BDMs on {', '.join(hosts)} in {time.monotonic() - start:.0f} s")
    return batch, twins


def audit_phase(agent, nova_manage, batch):
    """bdm-agent audit over the batch's instances vs nova-manage show on a
    sample, alternating; the audit's output, checked to be the batch."""
    argv = agent + ["audit", "--json"] + [a for e in batch for a in ("--instance", e["instance_uuid"])]
    audit_walls, show_walls = [], []
    for i in range(max(AUDIT_RUNS, SHOW_RUNS)):
        if i < AUDIT_RUNS:
            s = need(run_timed(argv), "bdm-agent audit", codes=(1,))
            audit_walls.append(s.wall)
            audit_out = s.out
        if i < SHOW_RUNS:
            e = batch[i % len(batch)]
            s = need(run_timed(nova_manage + ["show", e["instance_uuid"], e["volume_id"]]), "nova-manage show")
            show_walls.append(s.wall)
    findings = [json.loads(line) for line in audit_out.splitlines()]
    stale = {f["bdm_uuid"] for f in findings[:-1] if f.get("class") == "stale"}
    if stale != {e["bdm_uuid"] for e in batch} or findings[-1]["summary"]["bdms"] != len(batch):
        sys.exit(f"bench batch: the audit did not find exactly the {len(batch)} seeded BDMs stale:\n"
                 f"{audit_out[-2000:]}")
    return audit_walls, show_walls, audit_out


def nova_manage_refresh(nova_manage, connector_dir, entries):
    """One nova-manage refresh process per BDM, with its host's connector file."""
    walls, rss = [], []
    for e in entries:
        s = need(run_timed(nova_manage + ["refresh", e["instance_uuid"], e["volume_id"],
                                          os.path.join(connector_dir, e["host"] + ".json")]),
                 "nova-manage refresh")
        walls.append(s.wall)
        rss.append(s.rss_mib)
    return walls, rss


def plan_memory(agent, connector_dir, work, audit_out, n):
    """Peak RSS and wall of `refresh --dry-run` over the N BDMs of the audit,
    and over them padded to PLAN_BDMS with rows found nowhere."""
    pad_file = os.path.join(work, "audit-padded.json")
    rows = audit_out.splitlines()
    template = json.loads(rows[0])
    with open(pad_file, "w") as f:
        for line in rows[:-1]:
            f.write(line + "\n")
        for _ in range(max(0, PLAN_BDMS - n)):
            f.write(json.dumps(dict(template, bdm_uuid=str(uuid.uuid4()), instance_uuid=str(uuid.uuid4()),
                                    volume_id=str(uuid.uuid4()), attachment_id=str(uuid.uuid4()))) + "\n")
        f.write(rows[-1] + "\n")
    plan = {}
    for label, path in ((n, os.path.join(work, "audit.json")), (max(n, PLAN_BDMS), pad_file)):
        s = need(run_timed(agent + ["refresh", "--from-audit", path, "--dry-run", "--connector-dir", connector_dir,
                                    "--state-dir", os.path.join(work, "dry")] + AGENT_OPTIONS),
                 "bdm-agent refresh --dry-run")
        plan[label] = (s.rss_mib, s.wall)
    return plan


def main():
    build, n = sys.argv[1], int(sys.argv[2])
    if n < 1:
        sys.exit("bench batch: N must be at least 1")
    agent = [os.path.join(build, "agent", "bdm-agent"), "--config-file", os.environ["BDM_NOVA_CONF"]]
    nova_manage = [os.environ["BDM_PYTHON"], os.environ["BDM_NOVA_MANAGE"], "--config-file",
                   os.environ["BDM_NOVA_CONF"], "volume_attachment"]
    connector_dir = os.environ["BDM_CONNECTOR_DIR"]
    hosts = os.environ.get("BDM_COMPUTE_HOSTS", os.environ["BDM_COMPUTE_HOST"]).split()
    work = tempfile.mkdtemp(prefix="bench-batch-")
    try:
        bench(agent, nova_manage, connector_dir, hosts, work, n)
    finally:
        unseed(work)
        subprocess.run(["rm", "-rf", work], check=False)


def unseed(work):
    """Removes the instances the bench seeded (tools/seed --remove)."""
    seed_file = os.path.join(work, "seed.json")
    if os.path.exists(seed_file):
        with stack_lock():
            subprocess.run([os.path.join(ROOT, "tools", "seed"), "--remove", seed_file], check=True,
                           stdout=subprocess.DEVNULL)


def bench(agent, nova_manage, connector_dir, hosts, work, n):
    batch, twins = seed(work, hosts, n)
    audit_file = os.path.join(work, "audit.json")

    # One hold of the lock from the audit to the end of the refreshes: another
    # user's `refresh --all-stale` over a host must not take the bench's BDMs.
    with stack_lock():
        audit_walls, show_walls, audit_out = audit_phase(agent, nova_manage, batch)
        with open(audit_file, "w") as f:
            f.write(audit_out)
        # Before the batch, so that its N real BDMs get every check of a real run.
        plan_rss = plan_memory(agent, connector_dir, work, audit_out, n)
        # nova-manage on half the twins, the batch, nova-manage on the other half.
        order = sorted(twins, key=lambda e: hosts.index(e["host"]))
        nm_walls, nm_rss = nova_manage_refresh(nova_manage, connector_dir, order[0::2])
        b = need(run_timed(agent + ["--debug", "refresh", "--from-audit", audit_file, "--yes", "--json",
                                    "--connector-dir", connector_dir, "--state-dir", os.path.join(work, "state")]
                           + AGENT_OPTIONS), "bdm-agent refresh (batch)")
        w, r = nova_manage_refresh(nova_manage, connector_dir, order[1::2])
    nm_walls += w
    nm_rss += r
    results = [json.loads(line) for line in b.out.splitlines()]
    outcomes = {}
    for r in results:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    if outcomes != {"refreshed": n}:
        sys.exit(f"bench batch: the batch did not refresh all {n} BDMs in {b.wall:.1f} s: {outcomes}\n"
                 + "\n".join(l for l in b.err.splitlines() if "debug:" not in l))
    peers = re.search(r"batch peer time .*", b.err)

    with stack_lock():
        # The whole stack's audit (read only).
        all_walls = []
        for _ in range(AUDIT_RUNS):
            s = need(run_timed(agent + ["audit", "--all", "--json"]), "bdm-agent audit --all", codes=(0, 1))
            all_walls.append(s.wall)
            all_rss = s.rss_mib
            all_bdms = json.loads(s.out.splitlines()[-1])["summary"]["bdms"]

    agent_per_bdm = b.wall / n
    nm_per_bdm = statistics.median(nm_walls)
    audit_ms = statistics.median(audit_walls) * 1e3
    show_per_bdm = statistics.median(show_walls)
    print(f"refresh: bdm-agent batch of {n} BDMs (--workers 8 --per-host 2): wall {b.wall:.2f} s, "
          f"{agent_per_bdm:.3f} s per BDM, peak RSS {b.rss_mib:.1f} MiB")
    if peers:
        print(f"refresh: bdm-agent {peers.group(0)}")
        cinder = re.search(r"cinder ([0-9.]+) ms \(([0-9]+) requests\)", peers.group(0))
        if cinder:
            print(f"refresh: Cinder busy {float(cinder.group(1)) / n / 1e3:.3f} s per BDM "
                  f"({int(cinder.group(2)) / n:.1f} requests per BDM): the floor while Cinder answers one at a time")
    print(f"refresh: nova-manage, one process per BDM ({len(nm_walls)} BDMs): median wall {nm_per_bdm:.3f} s, "
          f"median peak RSS {statistics.median(nm_rss):.1f} MiB")
    print(f"audit: bdm-agent over {n} BDMs: median wall {audit_ms:.1f} ms; "
          f"nova-manage show: median {show_per_bdm:.3f} s per BDM, {show_per_bdm * n:.1f} s for {n} "
          f"(ratio {show_per_bdm * n * 1e3 / audit_ms:.0f})")
    print(f"audit: bdm-agent audit --all over the whole stack ({all_bdms} BDMs): median wall "
          f"{statistics.median(all_walls) * 1e3:.1f} ms, peak RSS {all_rss:.1f} MiB")
    for label, (rss, wall) in sorted(plan_rss.items()):
        print(f"plan: refresh --dry-run of {label} BDMs" + (f" ({n} real, {label - n} found nowhere)" if label > n else "")
              + f": peak RSS {rss:.1f} MiB, wall {wall:.2f} s")
    print(f"batch: bdm-agent {agent_per_bdm:.3f} s per BDM, nova-manage {nm_per_bdm:.3f} s per BDM, "
          f"ratio {nm_per_bdm / agent_per_bdm:.1f}; audit: {audit_ms:.0f} ms for {n} BDMs")


if __name__ == "__main__":
    main()
