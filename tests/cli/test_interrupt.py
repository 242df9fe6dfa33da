"""Ctrl-C during refresh (issue 9, item 17), against the real stack: a real
SIGINT (or SIGTERM) sent by this test while bdm-agent waits right after the
journal line of each step (the test build's pause hook, agent/test_hooks.h:
the only way to aim a real signal at an exact step). The step in flight
finishes, the failure path runs, the instance is left unlocked and
consistent, no journal is left, and bdm-agent exits 130 with one error line
saying what was done."""
import os
import signal
import subprocess
import time

import pytest

from refresh_support import AGENT_OPTIONS, Cinder, assert_consistent, seed

# Journal lines in the order a refresh writes them ("begin" is the journal's
# creation). Up to connection_removed the old attachment still exists, so the
# refresh is rolled back; from deleting_old_attachment on (the delete runs
# once its line is written) it can only be finished.
STEPS = ["begin", "locked", "action_started", "creating_attachment", "attachment_created", "removing_connection",
         "connection_removed", "deleting_old_attachment", "old_attachment_deleted", "updating_attachment",
         "attachment_updated", "saving_bdm", "bdm_saved", "completing", "completed", "action_finished", "unlocked"]
ROLLED_BACK = set(STEPS[:STEPS.index("deleting_old_attachment")])


@pytest.fixture(scope="module")
def cinder(stack):
    return Cinder(stack)


@pytest.fixture(scope="module")
def victims(stack, tmp_path_factory):
    return seed(stack, tmp_path_factory.mktemp("interrupt"), len(STEPS) + 1)


def interrupted_refresh(stack, entry, tmp_path, step, sig):
    """Runs a refresh that pauses after `step`, sends `sig` once it has, and
    returns (rc, stdout, stderr)."""
    paused = tmp_path / "paused"
    cmd = [stack.agent_bin, "--config-file", stack.nova_conf, "refresh", "--instance", entry["instance_uuid"],
           "--volume", entry["volume_id"], "--connector", stack.env["BDM_CONNECTOR_FILE"],
           "--state-dir", str(tmp_path / "state"), *AGENT_OPTIONS]
    env = dict(os.environ, BDM_AGENT_TEST_PAUSE_AFTER=step, BDM_AGENT_TEST_PAUSED_FILE=str(paused))
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 120
    while not paused.exists():
        assert p.poll() is None, p.communicate()
        assert time.time() < deadline, "the refresh never reached " + step
        time.sleep(0.01)
    p.send_signal(sig)
    out, err = p.communicate(timeout=180)
    return p.returncode, out, err


@pytest.mark.parametrize("step", STEPS)
def test_sigint_at_each_step_leaves_a_consistent_unlocked_instance(stack, cinder, victims, tmp_path, step):
    entry = victims[STEPS.index(step)]
    old_attachment = entry["attachment_id"]
    rc, out, err = interrupted_refresh(stack, entry, tmp_path, step, signal.SIGINT)
    assert rc == 130, (rc, out, err)
    errors = [l for l in err.splitlines() if l.startswith("bdm-agent: error: ")]
    assert len(errors) == 1 and "interrupted (SIGINT)" in errors[0], err
    assert "SIGINT received" in err
    snap = assert_consistent(stack, cinder, entry)
    assert snap["volume_status"] == "in-use"
    assert not os.listdir(tmp_path / "state")
    bdm_attachment = snap["bdm"][0]["attachment_id"]
    if step in ROLLED_BACK:
        assert bdm_attachment == old_attachment
        assert "rolled back" in errors[0] or "before the refresh changed anything" in errors[0], errors[0]
    else:
        assert bdm_attachment != old_attachment
        assert f"-> {bdm_attachment}" in out


def test_sigterm_is_handled_as_sigint(stack, cinder, victims, tmp_path):
    entry = victims[-1]
    rc, out, err = interrupted_refresh(stack, entry, tmp_path, "attachment_created", signal.SIGTERM)
    assert rc == 130, (rc, out, err)
    assert "interrupted (SIGTERM)" in err
    snap = assert_consistent(stack, cinder, entry)
    assert snap["bdm"][0]["attachment_id"] == entry["attachment_id"]
    assert not os.listdir(tmp_path / "state")
