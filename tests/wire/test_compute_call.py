"""Agent -> the stack's real nova-compute (Nova 26, fake driver): a
remove_volume_connection call built entirely by bdm-agent's code (envelope,
admin RequestContext, Instance 2.7 primitive from the cell DB, compute RPC
6.0 as the Zed compute accepts) reaches the compute, which handles it for the
right instance and volume and replies result null."""
import json
import os
import re
import subprocess
import time
from stack_env import STACK_DIR, read_stack_env

BUILD_DIR = os.environ.get("BDM_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))


def _program(name):
    path = os.path.join(BUILD_DIR, "tests", "integration", name)
    assert os.access(path, os.X_OK), f"{path} not built"
    return path


def test_remove_volume_connection_reaches_real_nova_compute():
    env = read_stack_env()
    with open(os.path.join(STACK_DIR, "seed.json")) as f:
        row = json.load(f)[0]
    primitive = subprocess.run([_program("instance_primitive_dump"), "--config-file", env["BDM_NOVA_CONF"],
                                row["instance_uuid"]], capture_output=True, text=True, check=True).stdout.strip()
    args = json.dumps({"instance": json.loads(primitive), "volume_id": row["volume_id"]})
    with open(env["BDM_COMPUTE_LOG"]) as log:
        log.seek(0, os.SEEK_END)
        probe = subprocess.run([_program("rpc_probe"), "--url", env["BDM_RABBIT_URL"], "--exchange", "nova",
                                "--topic", "compute", "--server", env["BDM_COMPUTE_HOST"],
                                "--method", "remove_volume_connection", "--version", "6.0",
                                "--admin-context", "1", "--timeout-ms", "60000", "--args", args],
                               capture_output=True, text=True, timeout=120)
        assert probe.returncode == 0, probe.stdout + probe.stderr
        lines = probe.stdout.splitlines()
        reply_queue = lines[0].split()[1]
        assert lines[1] == "result 0 null"
        deadline, seen = time.time() + 10, ""
        while time.time() < deadline:
            seen += log.read()
            if "Attempting to driver detach volume " + row["volume_id"] in seen:
                break
            time.sleep(0.2)
    assert re.search(r"received message msg_id: [0-9a-f]{32} reply to " + reply_queue, seen)
    detach = [l for l in seen.splitlines() if "Attempting to driver detach volume " + row["volume_id"] in l]
    assert detach and f"[instance: {row['instance_uuid']}]" in detach[0]
    assert "from mountpoint " + row["device_name"] in detach[0]
