"""Bad input for bdm-agent refresh --via-rpc, through tests/cli/hostile.py
(one error line, the documented exit code, no control character, no secret,
with and without --debug). No case needs the stack: the databases and the
broker are on a closed port, so a command line that passes every check
fails there (exit 21)."""
import pytest

from hostile import check, write_conf

CLOSED = "127.0.0.1:9"
BASE = f"""[DEFAULT]
transport_url = rabbit://nova:mq-secret-9@{CLOSED}/
[api_database]
connection = mysql+pymysql://nova:db-secret-9@{CLOSED}/nova_api
[database]
connection = mysql+pymysql://nova:db-secret-9@{CLOSED}/nova
[cinder]
auth_type = none
endpoint_template = http://{CLOSED}/v3
"""
NOTIFYING = BASE + "[oslo_messaging_notifications]\ndriver = messagingv2\n"
SECRETS = ("mq-secret-9", "db-secret-9")
USAGE, CONFIG, API_DB_UNAVAILABLE = 64, 20, 21


@pytest.mark.parametrize("args, contains", [
    (["--host", "compute1", "--outcome-timeout", "5"], "--outcome-timeout goes with --via-rpc"),
    (["--host", "compute1", "--takeover-after", "5"], "--takeover-after goes with --via-rpc"),
    (["--host", "compute1", "--via-rpc", "--outcome-timeout", "0"], "--outcome-timeout must be 1 to 86400"),
    (["--host", "compute1", "--via-rpc", "--takeover-after", "86401"], "--takeover-after must be 1 to 86400"),
    (["--host", "compute1", "--via-rpc", "--takeover-after", "soon"], None),
    (["--via-rpc"], "say which BDMs to refresh"),
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
