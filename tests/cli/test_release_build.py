"""What ships (issue 9, item 18): the test hooks (agent/test_hooks.h, set
from BDM_AGENT_TEST_* variables) are built only into test trees
(-Dtest_hooks=true). tools/test builds a bdm-agent without them (the fuzz
tree's, configured as a release is) and names it in BDM_RELEASE_AGENT_BIN."""
import os
import subprocess

from refresh_support import AGENT_OPTIONS, seed


def release_bin():
    path = os.environ.get("BDM_RELEASE_AGENT_BIN")
    assert path and os.path.exists(path), "BDM_RELEASE_AGENT_BIN must name a bdm-agent built without test hooks"
    return path


def test_a_release_binary_holds_no_test_hook():
    with open(release_bin(), "rb") as f:
        assert b"BDM_AGENT_TEST_" not in f.read()
    with open(os.environ["BDM_AGENT_BIN"], "rb") as f:  # the test tree's does: the check above can fail
        assert b"BDM_AGENT_TEST_CRASH_AFTER" in f.read()


def test_a_release_binary_ignores_the_crash_variable(stack, tmp_path):
    entry = seed(stack, tmp_path, 1)[0]
    p = subprocess.run([release_bin(), "--config-file", stack.nova_conf, "refresh", "--instance",
                        entry["instance_uuid"], "--volume", entry["volume_id"], "--connector",
                        stack.env["BDM_CONNECTOR_FILE"], "--state-dir", str(tmp_path / "state"), *AGENT_OPTIONS],
                       capture_output=True, text=True, timeout=180,
                       env=dict(os.environ, BDM_AGENT_TEST_CRASH_AFTER="begin"))
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert p.stdout.startswith("refreshed BDM ")
