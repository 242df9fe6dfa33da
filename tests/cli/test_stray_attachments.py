"""Stray attachments (issue 13) against the real stack: attachments Cinder
has for an instance on a volume that the instance's BDM does not name.
A bare reservation (reserved, no connector: what a killed refresh, or a
create that landed after its caller died, leaves) is deleted by the next
refresh and by recover while they hold the instance lock; anything else is
reported and kept. The late landing is made real: the test holds the
volume's row in Cinder's database (SELECT ... FOR UPDATE), so Cinder's own
create waits, kills the refresh while its create is in flight, runs recover
at once and lets Cinder go on while recover waits."""
import json
import os
import signal
import subprocess
import time

import pytest

from refresh_support import AGENT_OPTIONS, Cinder, assert_consistent, seed


@pytest.fixture(scope="module")
def cinder(stack):
    return Cinder(stack)


@pytest.fixture(scope="module")
def victims(stack, tmp_path_factory):
    return seed(stack, tmp_path_factory.mktemp("strays"), 4)


def agent_args(stack, config, *args):
    return [stack.agent_bin, "--config-file", config or stack.nova_conf, *args]


def refresh_args(stack, entry, state, config=None):
    return agent_args(stack, config, "refresh", "--instance", entry["instance_uuid"], "--volume", entry["volume_id"],
                      "--connector", stack.env["BDM_CONNECTOR_FILE"], "--state-dir", str(state), *AGENT_OPTIONS)


def run(args, env=None):
    p = subprocess.run(args, capture_output=True, text=True, timeout=300, env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout, p.stderr


def test_refresh_deletes_an_abandoned_reservation(stack, cinder, victims, tmp_path):
    entry = victims[0]
    stray = cinder.reserve(entry["volume_id"], entry["instance_uuid"])
    assert cinder.attachment(stray)["status"] == "reserved"
    rc, out, err = run(refresh_args(stack, entry, tmp_path / "state"))
    assert rc == 0, (out, err)
    assert f"deleted abandoned reservation {stray} of volume {entry['volume_id']}" in out
    assert cinder.attachment(stray) is None
    snap = assert_consistent(stack, cinder, entry)
    assert snap["bdm"][0]["attachment_id"] != entry["attachment_id"]


def test_recover_deletes_an_abandoned_reservation(stack, cinder, victims, tmp_path):
    entry, state = victims[1], tmp_path / "state"
    rc, out, err = run(refresh_args(stack, entry, state), env={"BDM_AGENT_TEST_CRASH_AFTER": "locked"})
    assert rc == -signal.SIGKILL, (rc, out, err)
    stray = cinder.reserve(entry["volume_id"], entry["instance_uuid"])
    rc, out, err = run(agent_args(stack, None, "recover", "--dry-run", "--state-dir", str(state)))
    assert rc == 0, (out, err)
    assert f"would delete abandoned reservation {stray}" in out
    assert cinder.attachment(stray)["status"] == "reserved"
    rc, out, err = run(agent_args(stack, None, "recover", "--state-dir", str(state)))
    assert rc == 0, (out, err)
    assert f"delete abandoned reservation {stray}" in out
    assert cinder.attachment(stray) is None
    snap = assert_consistent(stack, cinder, entry)
    assert snap["bdm"][0]["attachment_id"] == entry["attachment_id"]


def test_a_connected_stray_attachment_is_reported_and_kept(stack, cinder, victims, tmp_path):
    """Attaching or attached: never deleted. A refresh stops before it
    changes anything (Cinder would refuse its connector beside that one, as
    'duplicate connectors', once the old attachment is gone); recover
    reports it and goes on."""
    entry, state = victims[2], tmp_path / "state"
    with open(stack.env["BDM_CONNECTOR_FILE"]) as f:
        connector = json.load(f)
    stray = cinder.reserve(entry["volume_id"], entry["instance_uuid"], connector=connector)
    try:
        named = f"attachment {stray} of volume {entry['volume_id']} for this instance"
        for status in ("attaching", "attached"):
            if status == "attached":
                code, _ = cinder.request("POST", f"/attachments/{stray}/action", {"os-complete": None})
                assert code == 204, code
            rc, out, err = run(refresh_args(stack, entry, state))
            assert rc == 14, (out, err)
            errors = [l for l in err.splitlines() if l.startswith("bdm-agent: error: ")]
            assert len(errors) == 1 and named in errors[0] and "resolve it before refreshing" in errors[0], err
            assert cinder.attachment(stray)["status"] == status
            bdm = assert_consistent_but_for(stack, cinder, entry, stray)
            assert bdm["attachment_id"] == entry["attachment_id"]
        rc, out, err = run(refresh_args(stack, entry, state), env={"BDM_AGENT_TEST_CRASH_AFTER": "locked"})
        assert rc == -signal.SIGKILL, (rc, out, err)
        rc, out, err = run(agent_args(stack, None, "recover", "--state-dir", str(state)))
        assert rc == 0, (out, err)
        assert f"bdm-agent: warning: {named}" in err and "kept: check it" in err
        assert cinder.attachment(stray)["status"] == "attached"
        assert_consistent_but_for(stack, cinder, entry, stray)
    finally:
        cinder.delete(stray)


def assert_consistent_but_for(stack, cinder, entry, kept):
    """assert_consistent, with the one stray attachment the test made apart."""
    from refresh_support import snapshot
    snap = snapshot(stack, cinder, entry)
    bdm = snap["bdm"][0]
    ours = sorted(a["id"] for a in snap["attachments"] if a["instance"] == entry["instance_uuid"])
    assert ours == sorted([bdm["attachment_id"], kept])
    assert snap["instance"][0]["locked"] == 0 and bdm["connection_info"]
    return bdm


def test_a_reservation_that_lands_after_the_kill_is_removed_by_recover(stack, cinder, victims, tmp_path):
    entry, state = victims[3], tmp_path / "state"
    # A short [cinder] timeout keeps the settle deadline (timeout + margin) short.
    conf = stack.write_config(tmp_path, {"[cinder]\n": "[cinder]\ntimeout = 3\n"})
    journal = state / (entry["instance_uuid"] + ".journal")
    holder = stack.db("cinder")
    holder.autocommit(False)
    try:
        with holder.cursor() as cur:  # Cinder's create waits for this row
            cur.execute("SELECT id FROM volumes WHERE id = %s FOR UPDATE", (entry["volume_id"],))
        refresh = subprocess.Popen(refresh_args(stack, entry, state, conf), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while not (journal.exists() and "creating_attachment" in journal.read_text()):
            assert refresh.poll() is None, refresh.communicate()
            assert time.time() < deadline
            time.sleep(0.01)
        time.sleep(0.5)  # the POST is in Cinder, waiting for the row
        refresh.kill()
        refresh.communicate()
        recover = subprocess.Popen(agent_args(stack, conf, "recover", "--state-dir", str(state)),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        assert recover.poll() is None, recover.communicate()  # waiting for Cinder to settle
    finally:
        holder.rollback()  # Cinder's create goes on now
        holder.close()
    out, err = recover.communicate(timeout=120)
    assert recover.returncode == 0, (out, err)
    assert "waiting up to" in err, err
    assert "created by the failed refresh" in out, out
    snap = assert_consistent(stack, cinder, entry)
    assert snap["bdm"][0]["attachment_id"] == entry["attachment_id"]
    assert [a["id"] for a in snap["attachments"]] == [entry["attachment_id"]]
    assert not os.listdir(state)
