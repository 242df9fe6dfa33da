"""Bad input for bdm-agent audit, through tests/cli/hostile.py (one error
line, the documented exit code, no control character, no secret, with and
without --debug). No case needs the stack: the databases are on a closed
port, so a command line that passes the checks fails there (exit 21)."""
import pytest

from hostile import check, write_conf

CLOSED = "127.0.0.1:9"
CONF = f"""[DEFAULT]
transport_url = rabbit://nova:mq-secret-8@{CLOSED}/
[api_database]
connection = mysql+pymysql://nova:db-secret-8@{CLOSED}/nova_api
[database]
connection = mysql+pymysql://nova:db-secret-8@{CLOSED}/nova
[cinder]
auth_type = none
endpoint_template = http://{CLOSED}/v3
"""
SECRETS = ("mq-secret-8", "db-secret-8")
USAGE = 64
API_DB_UNAVAILABLE = 21


@pytest.mark.parametrize("args, contains", [
    ([], "say what to audit"),
    (["--all", "--host", "compute1"], "--all selects everything"),
    (["--all", "--instance", "x"], "--all selects everything"),
    (["--host", "compute 1"], "--host needs a name"),
    (["--host", ""], "--host needs a name"),
    (["--cell", "a,b"], "--cell needs a name"),
    (["--all", "--expect-monitors", "10.0.0.1,,10.0.0.2"], "--expect-monitors needs a name"),
    (["--all", "--driver-volume-type", "rbd\x1b[2J"], "--driver-volume-type needs a name"),
    (["--all", "stray-word"], None),
    (["--all", "--json=yes"], None),
])
def test_bad_command_lines(tmp_path, args, contains):
    conf = write_conf(tmp_path, CONF)
    check(["--config-file", conf, "audit", *args], code=USAGE, secrets=SECRETS, contains=contains)


def test_database_unreachable(tmp_path):
    conf = write_conf(tmp_path, CONF)
    check(["--config-file", conf, "audit", "--all"], code=API_DB_UNAVAILABLE, secrets=SECRETS)
