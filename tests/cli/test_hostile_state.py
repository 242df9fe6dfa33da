"""Where nothing may be written (issue 9, items 4-7 and part of 13), against
the real stack: a dry run opens nothing for writing and runs every check a
real run runs before its first change; instance ids become file names only
when they are uuids; the state dir is created 0700 when missing, used as it
is when safe, refused (never chmod'ed) when not."""
import os
import signal
import stat
import subprocess

import pytest

import hostile
from refresh_support import AGENT_OPTIONS, assert_consistent, Cinder, seed


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def refresh_args(stack, entry, state_dir, *extra, config=None):
    return ["--config-file", config or stack.nova_conf, "refresh", "--instance", entry["instance_uuid"], "--volume",
            entry["volume_id"], "--connector", stack.env["BDM_CONNECTOR_FILE"], "--state-dir", str(state_dir),
            *AGENT_OPTIONS, *extra]


@pytest.fixture(scope="module")
def victims(stack, tmp_path_factory):
    return seed(stack, tmp_path_factory.mktemp("state"), 2)


def test_recover_dry_run_leaves_a_torn_journal_as_it_is(stack, victims, tmp_path):
    entry, state = victims[0], tmp_path / "state"
    p = subprocess.run([stack.agent_bin, *refresh_args(stack, entry, state)], capture_output=True, text=True,
                       timeout=180, env=dict(os.environ, BDM_AGENT_TEST_CRASH_AFTER="locked"))
    assert p.returncode == -signal.SIGKILL, (p.returncode, p.stdout, p.stderr)
    journal = state / (entry["instance_uuid"] + ".journal")
    with open(journal, "a") as f:
        f.write('{"step":"action_st')  # a crash while writing the next line
    before = hostile.snapshot([state])
    o = hostile.run(["--config-file", stack.nova_conf, "recover", "--dry-run", "--state-dir", str(state)])
    assert o.code == 0, o
    assert "would recover" in o.stdout
    assert hostile.snapshot([state]) == before
    o = hostile.run(["--config-file", stack.nova_conf, "recover", "--state-dir", str(state)])
    assert o.code == 0, o
    assert_consistent(stack, Cinder(stack), entry)
    assert not os.listdir(state)


def test_recover_refuses_an_instance_id_that_is_not_a_uuid(stack, tmp_path):
    outside = tmp_path / "x.journal"
    outside.write_text('{"step":"begin"}\n{"step":"lo')
    state = tmp_path / "a" / "b"
    state.mkdir(parents=True, mode=0o700)
    for bad in ["../../x", "../x", "x", "/etc/passwd", "0f3c8a52-51d5-4b8e-9d1c-3b1f9c1f6e0\x1b]0;x\x07"]:
        for extra in ([], ["--dry-run"]):
            hostile.check(["--config-file", stack.nova_conf, "recover", "--instance", bad, "--state-dir", str(state),
                           *extra], code=64, watch=[tmp_path], contains="is not an instance uuid")


def test_refresh_and_recover_refuse_an_unsafe_state_dir_and_never_chmod_it(stack, victims, tmp_path):
    entry = victims[1]
    world = tmp_path / "world"
    world.mkdir()
    os.chmod(world, 0o1777)
    group = tmp_path / "group"
    group.mkdir()
    os.chmod(group, 0o770)
    link = tmp_path / "link"
    link.symlink_to(world)
    regular = tmp_path / "file"
    regular.write_text("not a dir")
    for state, why in [(world, "writable by group or others"), (group, "writable by group or others"),
                       (link, "writable by group or others"), (regular, "not a directory"),
                       (regular / "below", "not a directory")]:
        for extra in ([], ["--dry-run"]):
            hostile.check(refresh_args(stack, entry, state, *extra), code=20, watch=[tmp_path], contains=why)
            hostile.check(["--config-file", stack.nova_conf, "recover", "--state-dir", str(state), *extra],
                          code=20, watch=[tmp_path], contains=why)
    assert mode(world) == 0o1777 and mode(group) == 0o770


def test_a_safe_existing_state_dir_is_used_as_it_is(stack, victims, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    os.chmod(state, 0o755)
    o = hostile.run(refresh_args(stack, victims[1], state, "--dry-run"))
    assert o.code == 0, o
    assert mode(state) == 0o755 and not os.listdir(state)


def test_refresh_dry_run_runs_the_checks_a_real_run_runs(stack, victims, tmp_path):
    """A dry run says no where the real run would fail before its first change."""
    entry = victims[1]
    url = stack.env["BDM_RABBIT_URL"]
    cases = [
        ("bogus://x", 20, "transport_url"),
        (url.replace(stack.env["BDM_RABBIT_PORT"], "99999"), 20, "port"),
        (url.replace(stack.env["BDM_RABBIT_PORT"], "9"), 17, None),  # nothing listens on the discard port
    ]
    for transport_url, code, contains in cases:
        conf = stack.write_config(tmp_path, {f"transport_url = {url}": f"transport_url = {transport_url}"})
        for extra in (["--dry-run"], []):
            hostile.check(refresh_args(stack, entry, tmp_path / "state", *extra, config=conf), code=code,
                          watch=[tmp_path / "state"], contains=contains,
                          secrets=[stack.env["BDM_RABBIT_PASSWORD"]])
    missing_parent = tmp_path / "file"
    missing_parent.write_text("x")
    for extra in (["--dry-run"], []):
        hostile.check(refresh_args(stack, entry, missing_parent / "state", *extra), code=20,
                      watch=[tmp_path], contains="not a directory")


def test_too_many_arguments_is_a_usage_error(stack):
    hostile.check(["--config-file", stack.nova_conf, "refresh", "a", "b", "c", "d"], code=64,
                  contains="too many arguments")
    hostile.check(["--config-file", stack.nova_conf, "refresh", "a", "b", "c", "--connector", "x"], code=64,
                  contains="too many arguments")
