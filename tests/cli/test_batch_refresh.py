"""bdm-agent refresh as a batch (issue 12) against the real stack: stale BDMs
seeded on compute2 (the stack's second nova-compute; the other suites seed
on compute1), planned from a real audit, refreshed through the real
nova-compute and Cinder with bounded concurrency under a run journal.
Checks: the dry run changes nothing and gives each BDM's verdict; the real
run refreshes every stale BDM once (one instance action each, the BDM on a
new attachment whose connection_info is Cinder's, the audit ok afterwards),
skips a not-stopped instance with its reason, and resuming a finished run
does nothing."""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from refresh_support import AGENT_OPTIONS, ROOT, unseed
from test_audit import snapshot

HOST = "compute2"


@pytest.fixture(scope="module")
def seeded(stack, tmp_path_factory):
    if HOST not in stack.env.get("BDM_COMPUTE_HOSTS", "").split():
        pytest.fail("the stack runs no %s: bring it up with this tree's tools/stack" % HOST)
    seed_file = tmp_path_factory.mktemp("batch") / "seed.json"
    env = dict(os.environ, BDM_SEED_FILE=str(seed_file))
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "3", "--volumes", "1", "--host", HOST,
                    "--prefix", "batch-test", "--variants", "stale"],
                   check=True, env=env, capture_output=True, timeout=300)
    entries = json.loads(seed_file.read_text())
    assert len(entries) == 3 and all(e["host"] == HOST for e in entries)
    # One of them is running: a batch skips it with the reason, never forces it.
    with stack.db("nova") as conn, conn.cursor() as cur:
        cur.execute("UPDATE instances SET vm_state='active', power_state=1 WHERE uuid=%s",
                    (entries[2]["instance_uuid"],))
    yield entries
    unseed(seed_file)


def batch(stack, state_dir, *args):
    return stack.agent("refresh", "--all-stale", "--class", "stale", "--host", HOST, "--state-dir", str(state_dir),
                       "--connector-dir", stack.env["BDM_CONNECTOR_DIR"], *AGENT_OPTIONS, *args)


def actions(stack, entries):
    with stack.db("nova") as conn, conn.cursor() as cur:
        cur.execute("SELECT instance_uuid, COUNT(*) FROM instance_actions WHERE action='refresh_volume_attachment' "
                    "AND instance_uuid IN %s GROUP BY instance_uuid", ([e["instance_uuid"] for e in entries],))
        return dict(cur.fetchall())


def test_dry_run_gives_each_verdict_and_changes_nothing(stack, seeded, tmp_path):
    before = snapshot(stack, seeded)
    code, out, err = batch(stack, tmp_path / "state", "--dry-run")
    assert code == 0, err
    for e in seeded[:2]:
        assert re.search(rf"\| {e['bdm_uuid']} .*\| stale +\| would refresh", out), out
    assert re.search(rf"\| {seeded[2]['bdm_uuid']} .*\| skipped \(5\): .*stopped", out), out
    assert "nothing was changed" in out
    assert snapshot(stack, seeded) == before
    assert not (tmp_path / "state").exists()  # a dry run creates no state dir, no run journal


def test_batch_refreshes_every_stale_bdm_once(stack, seeded, tmp_path):
    state_dir = tmp_path / "state"
    before_actions = actions(stack, seeded)
    code, out, err = batch(stack, state_dir, "--yes", "--json", "--workers", "4", "--per-host", "2")
    assert code == 0, err
    results = {r["bdm_uuid"]: r for r in map(json.loads, out.splitlines())}
    for e in seeded[:2]:
        r = results.pop(e["bdm_uuid"])
        assert (r["outcome"], r["exit"], r["instance_uuid"], r["host"]) == ("refreshed", 0, e["instance_uuid"], HOST)
    skipped = results.pop(seeded[2]["bdm_uuid"])
    assert skipped["outcome"] == "skipped" and skipped["exit"] == 5 and "stopped" in skipped["detail"]
    # Other stale BDMs on compute2 (left by earlier runs against a kept stack) may be in the plan too.
    assert all(r["outcome"] in ("refreshed", "skipped") for r in results.values()), results
    assert re.search(r"\| refreshed +\| \d+ +\|", err) and re.search(rf"\| {HOST} +\|", err), err

    after = actions(stack, seeded)
    for e in seeded[:2]:
        assert after.get(e["instance_uuid"], 0) == before_actions.get(e["instance_uuid"], 0) + 1
    assert after.get(seeded[2]["instance_uuid"], 0) == before_actions.get(seeded[2]["instance_uuid"], 0)
    with stack.db("nova") as conn, conn.cursor() as cur:
        cur.execute("SELECT uuid, locked FROM instances WHERE uuid IN %s", ([e["instance_uuid"] for e in seeded],))
        assert all(not locked for _, locked in cur.fetchall())
        cur.execute("SELECT uuid, attachment_id FROM block_device_mapping WHERE uuid IN %s",
                    ([e["bdm_uuid"] for e in seeded],))
        attachment = dict(cur.fetchall())
    for e in seeded[:2]:
        assert attachment[e["bdm_uuid"]] != e["attachment_id"]
    assert attachment[seeded[2]["bdm_uuid"]] == seeded[2]["attachment_id"]

    # The audit now finds the refreshed BDMs ok, the skipped one still stale.
    code, out, err = stack.agent("audit", "--json", *[a for e in seeded for a in ("--instance", e["instance_uuid"])])
    findings = [json.loads(line) for line in out.splitlines()][:-1]
    assert [(f["bdm_uuid"], f["class"]) for f in findings] == [(seeded[2]["bdm_uuid"], "stale")], out

    # The run is closed complete: resuming it does nothing more.
    runs = sorted(p.name for p in (state_dir / "runs").iterdir())
    assert len(runs) == 1 and re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{8}\.run", runs[0])
    code, out, err = stack.agent("refresh", "--resume", runs[0][:-4], "--state-dir", str(state_dir), *AGENT_OPTIONS)
    assert code == 0, err
    assert actions(stack, seeded) == after


def test_batch_command_line_errors(stack, tmp_path):
    for args, message in [
        (["--resume", "../x"], "run id"),
        (["--resume", "20261203-160102-0badf00d", "--host", HOST], "leave out"),
        (["--class", "stale", "--host", HOST], "--class goes with --all-stale"),
        (["--all-stale", "--class", "ok"], "--class takes"),
        (["--host", HOST, "--workers", "0"], "--workers"),
        (["--host", HOST, "--connector", "x.json"], "for one BDM"),
    ]:
        code, out, err = stack.agent("refresh", "--state-dir", str(tmp_path), *args)
        assert code == 64, (args, err)
        assert message in err, (args, err)
    code, out, err = stack.agent("refresh", "--resume", "20261203-160102-0badf00d", "--state-dir", str(tmp_path))
    assert code == 64 and "no run" in err, err


def run_journal_lines(state_dir, run_id):
    return [json.loads(line) for line in (state_dir / "runs" / (run_id + ".run")).read_text().splitlines()]


@pytest.mark.parametrize("stop,after", [("kill", 1), ("kill", 3), ("interrupt", 1)])
def test_stopped_then_resume_refreshes_each_bdm_exactly_once(stack, tmp_path, stop, after):
    """The coordinator SIGKILLed (or SIGINTed) after `after` BDMs have ended
    (others in flight), then --resume: every stale BDM refreshed once (one
    action), none locked, no attachment left over, each BDM on an attachment
    Cinder has. SIGINT: the refreshes in flight finish first (every started
    BDM has ended in the run journal), exit 130 naming the resume command."""
    from refresh_support import Cinder, assert_consistent
    seed_file = tmp_path / "seed.json"
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "5", "--volumes", "1", "--host", HOST,
                    "--prefix", "batch-kill", "--variants", "stale"],
                   check=True, env=dict(os.environ, BDM_SEED_FILE=str(seed_file)), capture_output=True, timeout=300)
    entries = json.loads(seed_file.read_text())
    before = actions(stack, entries)
    state_dir = tmp_path / "state"
    cmd = [stack.agent_bin, "--config-file", stack.nova_conf, "refresh", "--all-stale", "--class", "stale",
           "--host", HOST, "--state-dir", str(state_dir), "--connector-dir", stack.env["BDM_CONNECTOR_DIR"],
           *AGENT_OPTIONS, "--yes", "--json", "--workers", "2", "--per-host", "2"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        for _ in range(after):
            assert p.stdout.readline(), p.stderr.read()
        if stop == "kill":
            p.kill()
            p.wait(timeout=30)
        else:
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=120)
            assert p.returncode == 130, err
            assert "continue it with: bdm-agent refresh --resume " in err, err
    runs = [p.name[:-4] for p in (state_dir / "runs").iterdir()]
    assert len(runs) == 1
    if stop == "interrupt":
        lines = run_journal_lines(state_dir, runs[0])
        started = {line["start"] for line in lines if "start" in line}
        ended = {line["end"] for line in lines if "end" in line}
        assert started and started == ended, lines  # in flight finished, nothing started after the stop
        assert len(ended) < len(entries), lines
    if stop == "kill" and after == 3:
        # recover first (the refreshes in flight are finished or rolled back
        # by it); it names the run and how to go on; --resume then decides
        # those BDMs from the live state.
        code, out, err = stack.agent("recover", "--state-dir", str(state_dir))
        assert code == 0, err
        assert f"batch run {runs[0]}: unfinished: " in out, out
        assert f"continue it with: bdm-agent refresh --resume {runs[0]} --state-dir {state_dir}" in out, out
        assert not [p for p in state_dir.iterdir() if p.name.endswith(".journal")]
    # The run keeps its options (connector dir, hypervisor types): --resume needs only its id.
    code, out, err = stack.agent("refresh", "--resume", runs[0], "--state-dir", str(state_dir), "--json")
    assert code == 0, err
    after_actions = actions(stack, entries)
    cinder = Cinder(stack)
    for e in entries:
        assert after_actions.get(e["instance_uuid"], 0) == before.get(e["instance_uuid"], 0) + 1, \
            (e["instance_uuid"], out, err)
        snap = assert_consistent(stack, cinder, e)
        assert snap["bdm"][0]["attachment_id"] != e["attachment_id"]
        assert snap["volume_status"] == "in-use"
    assert not [p for p in state_dir.iterdir() if p.name.endswith(".journal")]  # nothing left to recover


def test_from_audit_refreshes_what_the_audit_found(stack, tmp_path):
    """audit --json saved to a file, then refresh --from-audit FILE: exactly
    the BDMs the audit listed in the classes asked for; a file that is not an
    audit's output is refused (24), a missing one too (29)."""
    seed_file = tmp_path / "seed.json"
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "2", "--volumes", "1", "--host", HOST,
                    "--prefix", "batch-from-audit", "--variants", "stale"],
                   check=True, env=dict(os.environ, BDM_SEED_FILE=str(seed_file)), capture_output=True, timeout=300)
    entries = json.loads(seed_file.read_text())
    code, out, err = stack.agent("audit", "--json", *[a for e in entries for a in ("--instance", e["instance_uuid"])])
    assert code == 1, err
    audit_file = tmp_path / "audit.json"
    audit_file.write_text(out)
    before = actions(stack, entries)
    code, out, err = stack.agent("refresh", "--from-audit", str(audit_file), "--class", "stale", "--state-dir",
                                 str(tmp_path / "state"), "--connector-dir", stack.env["BDM_CONNECTOR_DIR"],
                                 *AGENT_OPTIONS, "--yes", "--json")
    assert code == 0, err
    results = [json.loads(line) for line in out.splitlines()]
    assert sorted((r["bdm_uuid"], r["outcome"], r["reason"]) for r in results) == \
        sorted((e["bdm_uuid"], "refreshed", "stale") for e in entries)
    after = actions(stack, entries)
    assert all(after[e["instance_uuid"]] == before.get(e["instance_uuid"], 0) + 1 for e in entries)

    # The same file again: each BDM now holds another attachment than the audit saw.
    code, out, err = stack.agent("refresh", "--from-audit", str(audit_file), "--state-dir", str(tmp_path / "state"),
                                 "--connector-dir", stack.env["BDM_CONNECTOR_DIR"], *AGENT_OPTIONS, "--yes", "--json")
    assert code == 0, err
    assert {json.loads(line)["outcome"] for line in out.splitlines()} == {"already-refreshed"}
    assert actions(stack, entries) == after

    not_audit = tmp_path / "not-audit.json"
    not_audit.write_text('{"class": "stale"}\n')
    code, out, err = stack.agent("refresh", "--from-audit", str(not_audit), "--state-dir", str(tmp_path / "state"))
    assert code == 24 and "--from-audit" in err, err
    code, out, err = stack.agent("refresh", "--from-audit", str(tmp_path / "missing"), "--state-dir",
                                 str(tmp_path / "state"))
    assert code == 29, err
    code, out, err = stack.agent("refresh", "--from-audit", str(audit_file), "--host", HOST)
    assert code == 64, err


def test_batch_over_both_hosts_asks_each_hosts_serve_agent_for_its_connector(stack, tmp_path):
    """No --connector-dir: each compute host's connector comes from the
    `bdm-agent serve` agent on that host (get_connector to <topic>.<host>),
    once per host; a stale BDM on each of the stack's two computes is
    refreshed with its own host's connector (each agent's connector names its
    own host, and refresh refuses a connector from another host than the
    instance's: exit 7)."""
    from refresh_support import Cinder, assert_consistent
    from serve_support import Serve, new_topic
    entries = []
    for host in ("compute1", "compute2"):
        seed_file = tmp_path / f"seed-{host}.json"
        subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "1", "--volumes", "1", "--host", host,
                        "--prefix", "batch-agents", "--variants", "stale"],
                       check=True, env=dict(os.environ, BDM_SEED_FILE=str(seed_file)), capture_output=True,
                       timeout=300)
        entries += json.loads(seed_file.read_text())
    topic = new_topic()

    def config(directory, host):
        directory.mkdir()
        return stack.write_config(directory, {"[DEFAULT]\nhost = compute1\n": (
            f"[bdm_agent]\nallowed_hypervisor_types = fake\nstate_dir = {directory / 'state'}\ntopic = {topic}\n"
            f"[DEFAULT]\nhost = {host}\n")})

    agents = [Serve(stack, config(tmp_path / host, host), tmp_path / host, host, topic)
              for host in ("compute1", "compute2")]
    try:
        audit = tmp_path / "audit.json"
        code, out, err = stack.agent("audit", "--json", *[a for e in entries for a in ("--instance", e["instance_uuid"])])
        assert code == 1, err
        audit.write_text(out)
        before = actions(stack, entries)
        code, out, err = stack.agent("refresh", "--from-audit", str(audit), "--class", "stale", "--yes", "--json",
                                     "--state-dir", str(tmp_path / "state"), *AGENT_OPTIONS,
                                     config=config(tmp_path / "coordinator", "compute1"))
        assert code == 0, err
        results = [json.loads(line) for line in out.splitlines()]
        assert sorted((r["host"], r["outcome"]) for r in results) == [("compute1", "refreshed"),
                                                                       ("compute2", "refreshed")], out
    finally:
        for agent in agents:
            agent.stop()
    after = actions(stack, entries)
    cinder = Cinder(stack)
    for e in entries:
        assert after.get(e["instance_uuid"], 0) == before.get(e["instance_uuid"], 0) + 1
        snap = assert_consistent(stack, cinder, e)
        assert snap["bdm"][0]["attachment_id"] != e["attachment_id"]


def instance_actions(stack, instances, action):
    with stack.db("nova") as conn, conn.cursor() as cur:
        cur.execute("SELECT instance_uuid, COUNT(*) FROM instance_actions WHERE action=%s AND instance_uuid IN %s "
                    "GROUP BY instance_uuid", (action, instances))
        return dict(cur.fetchall())


@pytest.mark.parametrize("crash_after", ["batch_bdm_ended", "attachment_created"])
def test_an_instances_bdms_share_one_lock_that_a_crash_leaves_to_recover(stack, tmp_path, crash_after):
    """Two instances with two stale volumes each: a unit refreshes an
    instance's BDMs under ONE lock (one lock and one unlock action, one
    refresh action per BDM), with the run's reason. The coordinator (one
    worker) is SIGKILLed right after the first BDM ended (test hook
    batch_bdm_ended: the instance is left locked with the run's reason and
    no refresh journal; `recover` unlocks it because the run's unit_lock line
    says the lock is the run's), or in the first BDM's refresh, right after
    Cinder made its new attachment (its journal is recovered, rolled back,
    and that unlocks the unit's lock). `--resume` then refreshes the rest,
    each BDM once (the rolled back one again), and leaves nothing locked."""
    from refresh_support import Cinder, assert_consistent
    seed_file = tmp_path / "seed.json"
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "2", "--volumes", "2", "--host", HOST,
                    "--prefix", "batch-unit", "--variants", "stale"],
                   check=True, env=dict(os.environ, BDM_SEED_FILE=str(seed_file)), capture_output=True, timeout=300)
    entries = json.loads(seed_file.read_text())
    instances = tuple(sorted({e["instance_uuid"] for e in entries}))
    assert len(entries) == 4 and len(instances) == 2
    before = {a: instance_actions(stack, instances, a) for a in ("lock", "unlock", "refresh_volume_attachment")}
    state_dir = tmp_path / "state"
    code, out, err = stack.agent("audit", "--json", *[a for i in instances for a in ("--instance", i)])
    assert code == 1, err
    audit_file = tmp_path / "audit.json"
    audit_file.write_text(out)
    args = ["refresh", "--from-audit", str(audit_file), "--class", "stale", "--state-dir", str(state_dir),
            "--connector-dir", stack.env["BDM_CONNECTOR_DIR"], *AGENT_OPTIONS, "--yes", "--json", "--workers", "1"]
    killed = subprocess.run([stack.agent_bin, "--config-file", stack.nova_conf, *args], capture_output=True, text=True,
                            timeout=300, env=dict(os.environ, BDM_AGENT_TEST_CRASH_AFTER=crash_after))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    between = crash_after == "batch_bdm_ended"
    assert len(killed.stdout.splitlines()) == (1 if between else 0), killed.stdout
    run_id = [p.name[:-4] for p in (state_dir / "runs").iterdir()][0]
    with stack.db("nova") as conn, conn.cursor() as cur:
        cur.execute("SELECT i.uuid, m.value FROM instances i JOIN instance_system_metadata m ON m.instance_uuid = i.uuid "
                    "AND m.`key`='locked_reason' AND m.deleted=0 WHERE i.locked=1 AND i.uuid IN %s", (instances,))
        locked = cur.fetchall()
    assert len(locked) == 1 and run_id in locked[0][1], locked
    first = locked[0][0]
    assert bool([p for p in state_dir.iterdir() if p.name.endswith(".journal")]) != between

    code, out, err = stack.agent("recover", "--state-dir", str(state_dir))
    assert code == 0, err
    if between:
        assert f"batch run {run_id}: unlocked instance {first}" in out, out
    else:
        assert f"instance {first}: recovering the refresh of volume" in out, out
    with stack.db("nova") as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM instances WHERE locked=1 AND uuid IN %s", (instances,))
        assert cur.fetchone()[0] == 0
    code, out, err = stack.agent("refresh", "--resume", run_id, "--state-dir", str(state_dir), "--json")
    assert code == 0, err
    assert sorted(json.loads(line)["outcome"] for line in out.splitlines()) == ["refreshed"] * (3 if between else 4), \
        out
    cinder = Cinder(stack)
    for e in entries:
        snap = assert_consistent(stack, cinder, e)  # nothing locked, each BDM on one attachment Cinder has
        assert snap["bdm"][0]["attachment_id"] != e["attachment_id"]
    after = {a: instance_actions(stack, instances, a) for a in ("lock", "unlock", "refresh_volume_attachment")}
    added = {a: {i: after[a].get(i, 0) - before[a].get(i, 0) for i in instances} for a in after}
    other = [i for i in instances if i != first][0]
    # each BDM once (a refresh rolled back by recover has its own action, and is made again)
    assert added["refresh_volume_attachment"] == {first: 2 if between else 3, other: 2}, added
    assert added["lock"] == {first: 2, other: 1}, added      # the first instance: the killed run's lock and resume's
    assert added["unlock"] == {first: 2, other: 1}, added    # recover's unlock and resume's
    lines = run_journal_lines(state_dir, run_id)
    assert all(any(u.get("unit_unlocked") == lock["unit_lock"] for u in lines)
               for lock in lines if "unit_lock" in lock), lines


def test_a_second_ctrl_c_cuts_the_refresh_in_flight_short_and_unlocks(stack, tmp_path):
    """Ctrl-C twice: the first stops further BDMs while the refresh in flight
    goes on (here it is paused by the test hook right after Cinder made its
    new attachment, and stays paused: the first SIGINT does not cut it
    short); the second cuts it short at its next step: it is rolled back (the
    BDM keeps its old attachment, the new one is deleted), the unit's lock is
    let go, the BDM has no outcome (exit 130, the resume command named), and
    --resume then refreshes every BDM."""
    from refresh_support import Cinder, assert_consistent
    seed_file = tmp_path / "seed.json"
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "1", "--volumes", "2", "--host", HOST,
                    "--prefix", "batch-twice", "--variants", "stale"],
                   check=True, env=dict(os.environ, BDM_SEED_FILE=str(seed_file)), capture_output=True, timeout=300)
    entries = json.loads(seed_file.read_text())
    instance = entries[0]["instance_uuid"]
    code, out, err = stack.agent("audit", "--json", "--instance", instance)
    assert code == 1, err
    audit_file = tmp_path / "audit.json"
    audit_file.write_text(out)
    state_dir, paused = tmp_path / "state", tmp_path / "paused"
    cmd = [stack.agent_bin, "--config-file", stack.nova_conf, "refresh", "--from-audit", str(audit_file), "--class",
           "stale", "--state-dir", str(state_dir), "--connector-dir", stack.env["BDM_CONNECTOR_DIR"], *AGENT_OPTIONS,
           "--yes", "--json", "--workers", "1"]
    env = dict(os.environ, BDM_AGENT_TEST_PAUSE_AFTER="attachment_created", BDM_AGENT_TEST_PAUSED_FILE=str(paused))
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as p:
        deadline = time.time() + 120
        while not paused.exists():
            assert p.poll() is None, p.communicate()
            assert time.time() < deadline, "the batch never reached attachment_created"
            time.sleep(0.01)
        p.send_signal(signal.SIGINT)
        time.sleep(1.0)
        assert p.poll() is None, p.communicate()  # the refresh in flight is not cut short by the first
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert out == "", out  # the interrupted BDM has no outcome; the other never started
    assert "continue it with: bdm-agent refresh --resume " in err, err
    cinder = Cinder(stack)
    for e in entries:  # rolled back (or never started): old attachment, nothing left, unlocked
        snap = assert_consistent(stack, cinder, e)
        assert snap["bdm"][0]["attachment_id"] == e["attachment_id"]
    assert not [p for p in state_dir.iterdir() if p.name.endswith(".journal")]
    run_id = [p.name[:-4] for p in (state_dir / "runs").iterdir()][0]
    lines = run_journal_lines(state_dir, run_id)
    assert [line["start"] for line in lines if "start" in line] == [0] and not [l for l in lines if "end" in l], lines
    assert [line["unit_unlocked"] for line in lines if "unit_unlocked" in line] == [0], lines
    code, out, err = stack.agent("refresh", "--resume", run_id, "--state-dir", str(state_dir), "--json")
    assert code == 0, err
    assert sorted(json.loads(line)["outcome"] for line in out.splitlines()) == ["refreshed"] * 2, out
    for e in entries:
        assert assert_consistent(stack, cinder, e)["bdm"][0]["attachment_id"] != e["attachment_id"]
