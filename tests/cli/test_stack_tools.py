"""tools/stack's own helpers, without a stack: a daemon started by spawn keeps
no descriptor of its caller (a `flock` lock fd kept by a daemon once
deadlocked the next user of the shared stack)."""
import os
import subprocess

LIFECYCLE = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "stack.d", "lifecycle.sh")

SCRIPT = r"""
set -euo pipefail
S=$1; RUN=$S/run; LOG=$S/log; HOST_IP=127.0.0.1; declare -A SVC_LOG=()
mkdir -p "$RUN" "$LOG"
. "$2"
exec 7>"$S/caller.lock" 9>"$S/stack.lock"
spawn sleeper "$LOG/sleeper.out" sleep 30
pid=$(<"$RUN/sleeper.pid")
ls -l "/proc/$pid/fd" | awk 'NR > 1 { print $9, $11 }'
kill "$pid"
"""


def test_spawned_daemon_keeps_no_inherited_fd(tmp_path):
    out = subprocess.run(["bash", "-c", SCRIPT, "t", str(tmp_path), LIFECYCLE],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    fds = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert sorted(fds) == ["0", "1", "2"], fds
    assert fds["0"] == "/dev/null"
