"""Bad input for bdm-agent refresh --via-rpc, through tests/cli/hostile.py
(one error line, the documented exit code, no control character, no secret,
with and without --debug). No case needs the stack: the databases and the
broker are on a closed port, so a command line that passes every check
fails there (exit 21)."""
import pytest

from hostile import check, write_conf
from test_hostile_fleet import API_DB_UNAVAILABLE, CONF as BASE, SECRETS, USAGE  # closed ports, secrets to watch

NOTIFYING = BASE + "[oslo_messaging_notifications]\ndriver = messagingv2\n"
CONFIG = 20


@pytest.mark.parametrize("args, contains", [
    (["--host", "compute1", "--outcome-timeout", "5"], "--outcome-timeout goes with --via-rpc"),
    (["--host", "compute1", "--takeover-after", "5"], "--takeover-after goes with --via-rpc"),
    (["--host", "compute1", "--via-rpc", "--outcome-timeout", "0"], "--outcome-timeout must be 1 to 86400"),
    (["--host", "compute1", "--via-rpc", "--takeover-after", "86401"], "--takeover-after must be 1 to 86400"),
    (["--host", "compute1", "--via-rpc", "--takeover-after", "soon"], None),
    (["--via-rpc"], "say which BDMs to refresh"),
    (["--host", "compute1", "--in-process"], "--in-process goes with --resume"),
    (["--resume", "20261203-160102-0badf00d", "--via-rpc", "--in-process"], "--in-process goes with --resume"),
])
def test_bad_command_lines(tmp_path, args, contains):
    conf = write_conf(tmp_path, NOTIFYING)
    check(["--config-file", conf, "refresh", "--state-dir", str(tmp_path / "state"), *args], code=USAGE,
          secrets=SECRETS, contains=contains, watch=[tmp_path / "state"])


def test_notifications_off_is_refused_before_planning(tmp_path):
    """Without notifications no outcome could come back: refused (20) before
    the databases are asked and before any run journal exists."""
    conf = write_conf(tmp_path, BASE + "[oslo_messaging_notifications]\ndriver = noop\n")
    check(["--config-file", conf, "refresh", "--host", "compute1", "--via-rpc", "--yes", "--state-dir",
           str(tmp_path / "state")], code=CONFIG, secrets=SECRETS, contains="driver = messagingv2",
          watch=[tmp_path / "state"])


def test_a_good_command_line_gets_to_the_database(tmp_path):
    conf = write_conf(tmp_path, NOTIFYING)
    check(["--config-file", conf, "refresh", "--host", "compute1", "--via-rpc", "--outcome-timeout", "30",
           "--takeover-after", "60", "--yes", "--state-dir", str(tmp_path / "state")], code=API_DB_UNAVAILABLE,
          secrets=SECRETS)
