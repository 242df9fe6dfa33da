"""bdm-agent refresh --via-rpc (issue 12) against the real stack: the
coordinator plans as the in-process batch does, casts each BDM's refresh to
a topic of the test's own where two `bdm-agent serve` agents (each with its
own state dir and log, as on two hosts) consume, and learns each outcome
from their bdm_agent.refresh.* notifications on a notification topic of the
test's own. Checks: every BDM refreshed once, end state as a single refresh
leaves it, audit ok after; and with one agent SIGKILLed mid-refresh (test
hook: right after its journal says the BDM was saved, the message unacked),
the broker redelivers to the other agent, which takes the half-done refresh
over from live state: the batch completes, each BDM exactly one refresh
action, one Cinder attachment, nothing locked."""
import json
import os
import subprocess
import uuid

import pytest

from refresh_support import ROOT, Cinder, assert_consistent, unseed
from serve_support import Serve, serve_config
from test_batch_refresh import actions

HOST = "compute2"


@pytest.fixture(scope="module")
def seeded(stack, tmp_path_factory):
    """(entries, audit lines): thirteen stopped instances on HOST with stale
    connection_info, our own, and one audit of them all (an audit reads all
    of Cinder's attachments: once for the file, not once per test)."""
    seed_file = tmp_path_factory.mktemp("via-rpc") / "seed.json"
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "13", "--volumes", "1", "--host", HOST,
                    "--prefix", "via-rpc-test", "--variants", "stale"],
                   check=True, env=dict(os.environ, BDM_SEED_FILE=str(seed_file)), capture_output=True, timeout=300)
    entries = json.loads(seed_file.read_text())
    assert len(entries) == 13
    code, out, err = stack.agent("audit", "--json", *[a for e in entries for a in ("--instance", e["instance_uuid"])])
    assert code == 1, err
    yield entries, out.splitlines()
    unseed(seed_file)


def notifying(stack, tmp_path, rpc_topic, notify_topic):
    """A nova.conf in tmp_path: the stack's, with serve's test settings
    (state dir in tmp_path), [bdm_agent] topic and notifications on a topic
    of the test's own."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = serve_config(stack, tmp_path, extra=f"topic = {rpc_topic}")
    with open(config) as f:
        text = f.read()
    old = "[oslo_messaging_notifications]\ndriver = noop\n"
    assert old in text
    with open(config, "w") as f:
        f.write(text.replace(old, f"[oslo_messaging_notifications]\ndriver = messagingv2\ntopics = {notify_topic}\n"))
    return config


@pytest.fixture
def agents(stack, tmp_path):
    """start(env_a) -> (coordinator config, [agent a, agent b]): two serve
    agents on one fresh topic, agent a (one worker) with `env_a`."""
    rpc_topic, notify_topic = "bdm-via-rpc-" + uuid.uuid4().hex[:8], "bdm-via-rpc-n-" + uuid.uuid4().hex[:8]
    started = []

    def start(env_a=None):
        for name, env, workers in (("ctl-a", env_a, "1"), ("ctl-b", None, "4")):
            config = notifying(stack, tmp_path / name, rpc_topic, notify_topic)
            started.append(Serve(stack, config, tmp_path / name, name, rpc_topic, "--workers", workers, env=env))
        return notifying(stack, tmp_path / "coordinator", rpc_topic, notify_topic), started

    try:
        yield start
    finally:
        for serve in started:
            serve.stop()


def audit_file(tmp_path, audit, entries):
    """The audit's output for `entries` only (their lines and the summary line)."""
    ours = {e["bdm_uuid"] for e in entries}
    lines = [line for line in audit if "summary" in json.loads(line) or json.loads(line).get("bdm_uuid") in ours]
    assert len(lines) == len(entries) + 1, audit
    path = tmp_path / "audit.json"
    path.write_text("\n".join(lines) + "\n")
    return path


def via_rpc(stack, config, tmp_path, audit, entries, *extra, timeout="60"):
    cmd = [stack.agent_bin, "--config-file", config, "refresh", "--from-audit", str(audit_file(tmp_path, audit, entries)),
           "--class", "stale", "--state-dir", str(tmp_path / "state"), "--connector-dir", stack.env["BDM_CONNECTOR_DIR"],
           "--via-rpc", "--yes", "--json", "--outcome-timeout", timeout, *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, {r["bdm_uuid"]: r for r in map(json.loads, p.stdout.splitlines())}, p.stderr


def check_done_once(stack, entries, before, audit=False):
    after = actions(stack, entries)
    cinder = Cinder(stack)
    for e in entries:
        assert after.get(e["instance_uuid"], 0) == before.get(e["instance_uuid"], 0) + 1, e["instance_uuid"]
        snap = assert_consistent(stack, cinder, e)  # unlocked, action finished, exactly one attachment of ours
        assert snap["bdm"][0]["attachment_id"] != e["attachment_id"]
        assert snap["volume_status"] == "in-use"
    if audit:
        code, out, err = stack.agent("audit", "--json", *[a for e in entries for a in ("--instance", e["instance_uuid"])])
        assert code == 0, out + err


def test_via_rpc_spreads_the_batch_over_two_agents(stack, seeded, agents, tmp_path):
    config, (a, b) = agents()
    entries, audit = seeded[0][:3], seeded[1]
    before = actions(stack, entries)
    code, results, err = via_rpc(stack, config, tmp_path, audit, entries, "--workers", "3")
    assert code == 0, err
    assert sorted(results) == sorted(e["bdm_uuid"] for e in entries), (results, err)
    assert all((r["outcome"], r["exit"]) == ("refreshed", 0) for r in results.values()), results
    assert "| refreshed" in err, err
    check_done_once(stack, entries, before, audit=True)
    # The work went over the broker: every refresh is in one agent's log, none in both.
    for e in entries:
        assert (e["bdm_uuid"] in a.log()) != (e["bdm_uuid"] in b.log()), (a.log(), b.log())


@pytest.mark.parametrize("step, slice_, rerun", [
    ("bdm_saved", slice(3, 6), 0),           # rolled forward from the BDM's new attachment
    ("attachment_updated", slice(6, 9), 0),  # old attachment deleted, new one connected, BDM not saved yet
    ("attachment_created", slice(9, 12), 1),  # nothing connected yet: rolled back, then refreshed again once
])
def test_an_agent_killed_mid_refresh_is_taken_over_by_the_other(stack, seeded, agents, tmp_path, step, slice_, rerun):
    config, (a, b) = agents({"BDM_AGENT_TEST_CRASH_AFTER": step})
    entries, audit = seeded[0][slice_], seeded[1]
    before = actions(stack, entries)
    code, results, err = via_rpc(stack, config, tmp_path, audit, entries, "--workers", "3", "--takeover-after", "1")
    assert a.proc.wait(timeout=30) == -9, a.log()  # agent a killed itself after that step of its first refresh
    assert code == 0, (err, a.log(), b.log())
    assert sorted(results) == sorted(e["bdm_uuid"] for e in entries), (results, err)
    assert all(r["outcome"] == "refreshed" for r in results.values()), results
    assert "taking the refresh over" in b.log() and "(message redelivered)" in b.log(), b.log()
    taken = [r for r in results.values() if "taken over" in r["detail"]]
    assert len(taken) == 1 - rerun, (results, b.log())
    if rerun:
        assert "rolled back; refreshing it again" in b.log(), b.log()
    assert "refresh failed" not in b.log(), b.log()
    with stack.db("nova") as conn, conn.cursor() as cur:  # a refresh run again gets its own request ids
        cur.execute("SELECT request_id FROM instance_actions WHERE action='refresh_volume_attachment' "
                    "AND instance_uuid IN %s", ([e["instance_uuid"] for e in entries],))
        ids = [r[0] for r in cur.fetchall()]
    assert len(ids) == len(set(ids)), ids
    after = actions(stack, entries)
    extra = {e["instance_uuid"]: after.get(e["instance_uuid"], 0) - before.get(e["instance_uuid"], 0) for e in entries}
    assert sorted(extra.values()) == sorted([1] * (len(entries) - 1) + [1 + rerun]), extra
    cinder = Cinder(stack)
    for e in entries:
        snap = assert_consistent(stack, cinder, e)  # unlocked, actions finished, exactly one attachment of ours
        assert snap["bdm"][0]["attachment_id"] != e["attachment_id"]
        assert snap["volume_status"] == "in-use"


def test_no_agent_no_outcome_then_resume(stack, seeded, tmp_path):
    """Nobody consumes the topic: the BDM gets no outcome within
    --outcome-timeout, is reported as such and left without one (exit 34,
    "not run"), not hung on; --resume casts it again (the run keeps
    --via-rpc and its timeouts), --resume --in-process refreshes it once."""
    entries, audit = seeded[0][12:], seeded[1]
    config = notifying(stack, tmp_path / "coordinator", "bdm-via-rpc-nobody-" + uuid.uuid4().hex[:8],
                       "bdm-via-rpc-n-" + uuid.uuid4().hex[:8])
    before = actions(stack, entries)
    code, results, err = via_rpc(stack, config, tmp_path, audit, entries, timeout="2")
    assert code == 34 and results == {}, err
    assert f"BDM {entries[0]['bdm_uuid']} (instance {entries[0]['instance_uuid']}): no outcome within 2 s" in err, err
    assert "| not run" in err and "bdm-agent refresh --resume" in err, err
    run = [p.name[:-4] for p in (tmp_path / "state" / "runs").iterdir()]
    code, out, err = stack.agent("refresh", "--resume", run[0], "--state-dir", str(tmp_path / "state"), "--json",
                                 config=config)
    assert code == 34 and out == "", err
    assert "no outcome within 2 s" in err, err
    code, out, err = stack.agent("refresh", "--resume", run[0], "--in-process", "--state-dir", str(tmp_path / "state"),
                                 "--json", "--allow-hypervisor-type", "fake")
    assert code == 0, err
    assert [json.loads(line)["outcome"] for line in out.splitlines()] == ["refreshed"], out
    check_done_once(stack, entries, before)
