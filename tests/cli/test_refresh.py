"""bdm-agent refresh against the real stack: real nova-compute (FakeDriver)
for the RPC, real Cinder for the attachments, Nova's real schema; and side by
side with the real nova-manage volume_attachment refresh."""
import json
import os
import signal
import subprocess
import time

import pytest

from refresh_support import (AGENT_OPTIONS, Cinder, assert_consistent, execute, nova_translation, rows, seed,
                             snapshot)


@pytest.fixture(scope="module")
def cinder(stack):
    return Cinder(stack)


def refresh(stack, entry, state_dir, *extra, connector=None, config=None, env=None, timeout=180):
    cmd = [stack.agent_bin, "--config-file", config or stack.nova_conf, "refresh", "--instance",
           entry["instance_uuid"], "--volume", entry["volume_id"], "--connector",
           connector or stack.env["BDM_CONNECTOR_FILE"], "--state-dir", str(state_dir), *AGENT_OPTIONS, *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout, p.stderr


def compute_log_offset(stack):
    return os.path.getsize(stack.env["BDM_COMPUTE_LOG"])


def compute_log_since(stack, offset, needle, wait=10):
    deadline = time.time() + wait
    while True:
        with open(stack.env["BDM_COMPUTE_LOG"]) as f:
            f.seek(offset)
            text = f.read()
        if needle in text or time.time() > deadline:
            return text
        time.sleep(0.2)


def test_refresh_replaces_the_attachment_and_stores_cinders_connection_info(stack, cinder, tmp_path):
    entry = seed(stack, tmp_path, 1)[0]
    before = snapshot(stack, cinder, entry)
    assert json.loads(before["bdm"][0]["connection_info"])["driver_volume_type"] == "rbd"  # stale, seeded
    offset = compute_log_offset(stack)

    rc, out, err = refresh(stack, entry, tmp_path / "state")
    assert rc == 0, err
    assert f"attachment {entry['attachment_id']} -> " in out

    after = snapshot(stack, cinder, entry)
    bdm = after["bdm"][0]
    assert bdm["attachment_id"] != entry["attachment_id"]
    new = cinder.attachment(bdm["attachment_id"])
    assert new is not None and new["status"] == "attached"
    stored = json.loads(bdm["connection_info"])
    expected = nova_translation(new, entry["volume_id"])
    # Nova stores what the update answered (status reserved, not attached yet).
    assert stored["data"] == expected["data"]
    assert stored["driver_volume_type"] == expected["driver_volume_type"] == "iscsi"
    assert (stored["serial"], stored["volume_id"], stored["instance"]) == (
        entry["volume_id"], entry["volume_id"], entry["instance_uuid"])
    assert (stored["status"], stored["attached_at"], stored["detached_at"]) == ("reserved", "", "")
    assert cinder.attachment(entry["attachment_id"]) is None  # the old attachment is gone
    assert after["volume_status"] == "in-use"
    assert [a["id"] for a in after["attachments"]] == [bdm["attachment_id"]]
    # Unlocked, and the three actions Nova records, with their events.
    assert after["instance"][0]["locked"] == 0 and after["locked_reason"] == []
    new_actions = after["actions"][len(before["actions"]):]
    assert [(a["action"], a["finished"]) for a in new_actions] == [
        ("lock", 0), ("refresh_volume_attachment", 1), ("unlock", 0)]
    assert len({a["request_id"] for a in new_actions}) == 3
    assert [(e["event"], e["result"]) for e in after["events"][len(before["events"]):]] == [
        ("api_lock", "Success"), ("api_unlock", "Success")]
    # Other BDM fields untouched.
    for key in ("device_name", "volume_size", "boot_index", "delete_on_termination", "source_type", "uuid"):
        assert bdm[key] == before["bdm"][0][key], key
    # The real compute handled our call for this instance and volume.
    log = compute_log_since(stack, offset, "Attempting to driver detach volume " + entry["volume_id"])
    assert "Attempting to driver detach volume " + entry["volume_id"] in log
    assert not os.listdir(tmp_path / "state")  # journal removed


def _normalized(snap, entry):
    """A snapshot with the ids and times that differ between twins taken out."""
    bdm = dict(snap["bdm"][0])
    connection_info = json.loads(bdm.pop("connection_info"))
    for key in ("id", "uuid", "instance_uuid", "volume_id", "attachment_id", "created_at", "updated_at"):
        bdm.pop(key)
    data = connection_info["data"]
    for key in ("volume_id", "target_iqn"):
        data.pop(key, None)
    for key in ("volume_id", "instance", "serial"):
        assert connection_info.pop(key) in (entry["volume_id"], entry["instance_uuid"])
    actions = [(a["action"], a["user_id"], a["project_id"], a["started"], a["finished"], a["message"])
               for a in snap["actions"]]
    events = [tuple(e.values()) for e in snap["events"]]
    attachments = [(a["status"], a["instance"] == entry["instance_uuid"]) for a in snap["attachments"]]
    instance = {k: v for k, v in snap["instance"][0].items() if k != "updated_at"}
    return {"bdm": bdm, "connection_info": connection_info, "instance": instance,
            "locked_reason": snap["locked_reason"], "actions": actions, "events": events,
            "attachments": attachments, "volume_status": snap["volume_status"]}


def test_same_end_state_as_nova_manage_on_twin_instances(stack, cinder, tmp_path):
    theirs, ours = seed(stack, tmp_path, 2)
    rc, out, err = stack.nova_manage("volume_attachment", "refresh", theirs["instance_uuid"], theirs["volume_id"],
                                     stack.env["BDM_CONNECTOR_FILE"])
    assert rc == 0, out + err
    rc, out, err = refresh(stack, ours, tmp_path / "state")
    assert rc == 0, err
    a = _normalized(snapshot(stack, cinder, theirs), theirs)
    b = _normalized(snapshot(stack, cinder, ours), ours)
    for key in a:
        assert a[key] == b[key], key


PREREQUISITES = [
    # name, exit code, what the message says
    ("connector-missing", 2, "Connector file not found"),
    ("connector-not-json", 3, "Failed to open"),
    ("connector-no-host", 3, "has no \"host\""),
    ("instance-not-found", 4, "has no mapping to a cell"),
    ("not-stopped", 5, "in vm_state active"),
    ("bdm-not-found", 6, "No volume Block Device Mapping"),
    ("host-conflict", 7, "does not match the instance host 'compute1'"),
    ("locked", 8, "must be unlocked"),
    ("task-in-progress", 9, "in task_state powering-on"),
    ("not-libvirt", 10, "is not a libvirt node"),
    ("not-a-volume", 11, "is not an attached volume"),
    ("compute-too-old", 16, "4.0"),
    ("broker-unreachable", 17, "127.0.0.1:1"),
    ("cinder-unreachable", 19, "Failed to connect to 127.0.0.1 port 1"),
    ("api-db-unreachable", 21, "API database"),
]


@pytest.fixture(scope="module")
def victim(stack, tmp_path_factory):
    """One seeded instance that every prerequisite test leaves untouched."""
    return seed(stack, tmp_path_factory.mktemp("victim"), 1)[0]


@pytest.mark.parametrize("name,code,message", PREREQUISITES, ids=[p[0] for p in PREREQUISITES])
def test_each_prerequisite_failure_changes_nothing(stack, cinder, victim, tmp_path, name, code, message):
    before = snapshot(stack, cinder, victim)
    entry = dict(victim)
    connector = None
    config = None
    extra = []
    undo = None
    bad_connector = tmp_path / "connector.json"
    if name == "connector-missing":
        connector = str(tmp_path / "absent.json")
    elif name == "connector-not-json":
        bad_connector.write_text("{not json")
        connector = str(bad_connector)
    elif name == "connector-no-host":
        bad_connector.write_text('{"ip": "127.0.0.1"}')
        connector = str(bad_connector)
    elif name == "instance-not-found":
        entry["instance_uuid"] = "00000000-1111-2222-3333-444444444444"
    elif name == "bdm-not-found":
        entry["volume_id"] = "00000000-1111-2222-3333-444444444444"
    elif name == "host-conflict":
        real = json.load(open(stack.env["BDM_CONNECTOR_FILE"]))
        real["host"] = "compute9"
        bad_connector.write_text(json.dumps(real))
        connector = str(bad_connector)
    elif name in ("not-stopped", "locked", "task-in-progress"):
        column, value = {"not-stopped": ("vm_state", "active"), "locked": ("locked", 1),
                         "task-in-progress": ("task_state", "powering-on")}[name]
        old = rows(stack, f"SELECT {column} FROM instances WHERE uuid=%s", (entry["instance_uuid"],))[0][column]
        execute(stack, f"UPDATE instances SET {column}=%s WHERE uuid=%s", (value, entry["instance_uuid"]))
        undo = (f"UPDATE instances SET {column}=%s WHERE uuid=%s", (old, entry["instance_uuid"]))
    elif name == "not-libvirt":
        extra = ["--allow-hypervisor-type", "QEMU"]  # replaces nothing: fake is still not allowed
    elif name == "not-a-volume":
        root = rows(stack, "SELECT uuid FROM block_device_mapping WHERE instance_uuid=%s AND destination_type='local' "
                    "AND deleted=0", (entry["instance_uuid"],))[0]["uuid"]
    elif name == "compute-too-old":
        config = stack.write_config(tmp_path, {"[DEFAULT]": "[upgrade_levels]\ncompute = 4.0\n\n[DEFAULT]"})
    elif name == "broker-unreachable":
        config = stack.write_config(tmp_path, {stack.env["BDM_RABBIT_URL"]: "rabbit://nova:x@127.0.0.1:1/"})
    elif name == "cinder-unreachable":
        config = stack.with_cinder_endpoint(tmp_path, "http://127.0.0.1:1/v3")
    elif name == "api-db-unreachable":
        config = stack.write_config(tmp_path, {f"127.0.0.1:{stack.env['BDM_MYSQL_PORT']}/nova_api":
                                               "127.0.0.1:1/nova_api"})
    try:
        if name == "not-a-volume":
            cmd = [stack.agent_bin, "--config-file", stack.nova_conf, "refresh", root, "--connector",
                   stack.env["BDM_CONNECTOR_FILE"], "--state-dir", str(tmp_path / "state"), *AGENT_OPTIONS]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            rc, out, err = p.returncode, p.stdout, p.stderr
        else:
            options = [] if name == "not-libvirt" else AGENT_OPTIONS
            cmd = [stack.agent_bin, "--config-file", config or stack.nova_conf, "refresh", "--instance",
                   entry["instance_uuid"], "--volume", entry["volume_id"], "--connector",
                   connector or stack.env["BDM_CONNECTOR_FILE"], "--state-dir", str(tmp_path / "state"), *options,
                   *extra]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            rc, out, err = p.returncode, p.stdout, p.stderr
    finally:
        if undo:
            execute(stack, *undo)
    assert rc == code, (out, err)
    assert message in err, err
    assert len(err.strip().splitlines()) == 1, err  # one clear line
    assert snapshot(stack, cinder, victim) == before


def test_refresh_dry_run_changes_nothing_and_names_the_call(stack, cinder, victim, tmp_path):
    before = snapshot(stack, cinder, victim)
    rc, out, err = refresh(stack, victim, tmp_path / "state", "--dry-run")
    assert rc == 0, err
    assert "remove_volume_connection 6.0 on compute.compute1" in out
    assert f"delete the old attachment {victim['attachment_id']}" in out
    assert snapshot(stack, cinder, victim) == before


def test_a_refresh_already_running_for_the_instance_is_refused(stack, cinder, victim, tmp_path):
    """A second bdm-agent (here: a process holding the journal's lock, as a
    running refresh does) makes refresh stop before changing anything."""
    state = tmp_path / "state"
    state.mkdir()
    journal = state / (victim["instance_uuid"] + ".journal")
    journal.write_text("")
    holder = subprocess.Popen(["/usr/bin/python3", "-c",
                               "import fcntl,sys,time; f=open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); "
                               "print('locked', flush=True); time.sleep(60)", str(journal)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = snapshot(stack, cinder, victim)
        rc, out, err = refresh(stack, victim, state)
        assert rc == 12, err
        assert "another bdm-agent process" in err
        assert snapshot(stack, cinder, victim) == before
    finally:
        holder.kill()
        holder.wait()


def test_compute_not_answering_rolls_back(stack, cinder, tmp_path):
    """nova-compute paused (SIGSTOP): the RPC call times out; refresh deletes
    the attachment it reserved, keeps the old one and unlocks."""
    entry = seed(stack, tmp_path, 1)[0]
    config = stack.write_config(tmp_path, {"[DEFAULT]": "[DEFAULT]\nrpc_response_timeout = 3"})
    pid = int(open(os.path.join(stack.env["BDM_STACK_DIR"], "run", "nova-compute.pid")).read())
    before = snapshot(stack, cinder, entry)
    os.kill(pid, signal.SIGSTOP)
    try:
        rc, out, err = refresh(stack, entry, tmp_path / "state", config=config)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert rc == 13, (out, err)
    assert "remove_volume_connection" in err and "rolled back" in err
    after = assert_consistent(stack, cinder, entry)
    assert after["bdm"] == before["bdm"]
    assert after["attachments"] == before["attachments"]
    assert after["volume_status"] == "in-use"
    assert not os.listdir(tmp_path / "state")


CRASH_STEPS = ["begin", "locked", "action_started", "creating_attachment", "attachment_created",
               "removing_connection", "connection_removed", "deleting_old_attachment", "old_attachment_deleted",
               "updating_attachment", "attachment_updated", "saving_bdm", "bdm_saved", "completing", "completed",
               "action_finished", "unlocked"]


@pytest.fixture(scope="module")
def crash_victims(stack, tmp_path_factory):
    return seed(stack, tmp_path_factory.mktemp("crash"), len(CRASH_STEPS))


@pytest.mark.parametrize("step", CRASH_STEPS)
def test_sigkill_after_each_step_then_recover_is_consistent(stack, cinder, crash_victims, tmp_path, step):
    entry = crash_victims[CRASH_STEPS.index(step)]
    state = tmp_path / "state"
    # After creating_attachment, recover cannot know whether the create was
    # sent and waits until Cinder has settled it (the [cinder] timeout plus a
    # margin, journalled): a short timeout keeps that wait short.
    config = stack.write_config(tmp_path, {"[cinder]\n": "[cinder]\ntimeout = 2\n"})
    rc, out, err = refresh(stack, entry, state, config=config, env={"BDM_AGENT_TEST_CRASH_AFTER": step})
    assert rc == -signal.SIGKILL, (rc, out, err)
    assert os.listdir(state) == [entry["instance_uuid"] + ".journal"]
    p = subprocess.run([stack.agent_bin, "--config-file", stack.nova_conf, "recover", "--dry-run",
                        "--state-dir", str(state)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([stack.agent_bin, "--config-file", stack.nova_conf, "recover", "--state-dir", str(state)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (p.stdout, p.stderr)
    snap = assert_consistent(stack, cinder, entry)
    assert snap["volume_status"] == "in-use"
    assert not os.listdir(state)
    # A later refresh of the same instance works.
    rc, out, err = refresh(stack, entry, state)
    assert rc == 0, err
    assert_consistent(stack, cinder, entry)


@pytest.fixture(scope="module")
def recover_victims(stack, tmp_path_factory):
    return seed(stack, tmp_path_factory.mktemp("recover"), 2)


def test_recover_instance_takes_only_its_journal(stack, cinder, recover_victims, tmp_path):
    """`recover --instance` finishes that instance's refresh and leaves the
    other journals; a second run, and `recover` over an empty state dir, say
    there is nothing to do and exit 0."""
    state = tmp_path / "state"
    for entry in recover_victims:
        rc, out, err = refresh(stack, entry, state, env={"BDM_AGENT_TEST_CRASH_AFTER": "attachment_created"})
        assert rc == -signal.SIGKILL, (rc, out, err)
    first, second = recover_victims
    recover = [stack.agent_bin, "--config-file", stack.nova_conf, "recover", "--state-dir", str(state)]

    def run(*extra):
        return subprocess.run(recover + list(extra), capture_output=True, text=True, timeout=120)

    p = run("--instance", first["instance_uuid"])
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert f"instance {first['instance_uuid']}: recovering" in p.stdout
    assert os.listdir(state) == [second["instance_uuid"] + ".journal"]
    assert_consistent(stack, cinder, first)

    p = run("--instance", first["instance_uuid"])
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert p.stdout == f"instance {first['instance_uuid']}: no unfinished refresh\n"

    p = run()
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert second["instance_uuid"] in p.stdout
    assert not os.listdir(state)
    assert_consistent(stack, cinder, second)

    p = run()
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert p.stdout == f"no unfinished refresh in {state}\n"
