"""Bad input for bdm-agent's readers (issue 9, items 1-3 and 12): connector
files, configuration files and refresh journals that are not regular files,
too large, too deep, binary, with a BOM, NUL, CR or a key twice, or of the
wrong type. Each case runs through tests/cli/hostile.py (one error line, the
documented exit code, no control character, no hang, watched files
unchanged, with and without --debug).

No case needs the stack: each writes its own nova.conf whose databases and
broker are on a closed port (127.0.0.1:9), so a run that gets past the input
checks fails there (exit 21, API database unreachable) and never changes
anything."""
import os
import uuid

import pytest

import hostile
from hostile import check, run, write_conf

INSTANCE = "0f3c8a52-51d5-4b8e-9d1c-3b1f9c1f6e01"
CLOSED = "127.0.0.1:9"
CONF = f"""[DEFAULT]
transport_url = rabbit://nova:mq-secret-7@{CLOSED}/
[api_database]
connection = mysql+pymysql://nova:db-secret-7@{CLOSED}/nova_api
[database]
connection = mysql+pymysql://nova:db-secret-7@{CLOSED}/nova
"""
SECRETS = ("mq-secret-7", "db-secret-7")
MIB = 1 << 20

# Exit codes (README "Exit codes", agent/exit_codes.h).
CONNECTOR_MISSING = 2
CONNECTOR_INVALID = 3
CONFIG = 20
API_DB_UNAVAILABLE = 21
CORRUPT = 24


@pytest.fixture
def conf(tmp_path):
    return write_conf(tmp_path, CONF)


def refresh(conf, connector):
    return ["--config-file", conf, "refresh", INSTANCE, "--connector", str(connector), "--dry-run"]


def connector_file(tmp_path, content, name="connector.json"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


# --- the connector -----------------------------------------------------------

BAD_CONNECTORS = [
    # name, content, what the error line says
    ("deep-200000", b"[" * 200000, "nested deeper than 64 levels"),
    ("deep-objects", b'{"a":' * 100000, "nested deeper than 64 levels"),
    ("duplicate-host", b'{"host":"compute1","host":"other"}', 'key "host" appears twice in the top-level object'),
    ("duplicate-nested", b'{"host":"compute1","nvme":{"nqn":"a","nqn":"b"}}', 'key "nqn" appears twice'),
    ("binary", bytes(range(256)) * 64, "Does it contain valid connector_info data?"),
    ("bom", b'\xef\xbb\xbf{"host":"compute1"}', "UTF-8 byte order mark at offset 0"),
    ("nul-after", b'{"host":"compute1"}\x00{"host":"other"}', "NUL byte at offset 19"),
    ("nul-inside", b'{"host":"comp\x00ute1"}', "NUL byte at offset 13"),
    ("cr-in-string", b'{"host":"comp\rute1"}', "Does it contain valid connector_info data?"),
    ("invalid-utf8", b'{"host":"compute1\xff"}', "Invalid encoding in string"),
    ("huge-line", b'{"host":"compute1","pad":"' + b"x" * MIB + b'"}', "larger than 1048576 bytes"),
    ("empty", b"", "The document is empty"),
    ("host-number", b'{"host": 5}', 'has no "host"'),
    ("host-array", b'{"host": ["compute1"]}', 'has no "host"'),
    ("host-object", b'{"host": {"name": "compute1"}}', 'has no "host"'),
    ("host-null", b'{"host": null}', 'has no "host"'),
    ("host-empty", b'{"host": ""}', 'has no "host"'),
    ("array", b'[{"host": "compute1"}]', "is not a JSON object"),
    ("string", b'"compute1"', "is not a JSON object"),
]


@pytest.mark.parametrize("name,content,message", BAD_CONNECTORS, ids=[c[0] for c in BAD_CONNECTORS])
def test_bad_connector_file(tmp_path, conf, name, content, message):
    path = connector_file(tmp_path, content)
    check(refresh(conf, path), code=CONNECTOR_INVALID, secrets=SECRETS, watch=[tmp_path], contains=message)


@pytest.mark.parametrize("name,content,message", BAD_CONNECTORS[:6], ids=[c[0] for c in BAD_CONNECTORS[:6]])
def test_bad_connector_on_stdin(tmp_path, conf, name, content, message):
    check(refresh(conf, "-"), code=CONNECTOR_INVALID, secrets=SECRETS, watch=[tmp_path], stdin=content,
          contains=message)


def test_connector_on_stdin_is_capped(tmp_path, conf):
    check(refresh(conf, "-"), code=CONNECTOR_INVALID, watch=[tmp_path], stdin=b" " * (3 * MIB),
          contains="cannot read the connector from standard input: larger than 1048576 bytes")


def test_connector_that_is_a_directory(tmp_path, conf):
    check(refresh(conf, tmp_path), code=CONNECTOR_INVALID, watch=[tmp_path],
          contains=f"cannot read the connector file {tmp_path}: is a directory")


def test_connector_that_is_dev_zero(tmp_path, conf):
    check(refresh(conf, "/dev/zero"), code=CONNECTOR_INVALID, watch=[tmp_path],
          contains="/dev/zero: is a character device, not a regular file")


def test_connector_that_is_a_fifo(tmp_path, conf):
    fifo = tmp_path / "connector.json"
    os.mkfifo(fifo)
    check(refresh(conf, fifo), code=CONNECTOR_INVALID, watch=[tmp_path],
          contains=f"{fifo}: is a FIFO, not a regular file")


def test_connector_missing(tmp_path, conf):
    check(refresh(conf, tmp_path / "absent.json"), code=CONNECTOR_MISSING, watch=[tmp_path],
          contains="Connector file not found")


@pytest.mark.parametrize("content", [b'{"host":"compute1"}\r\n', b'\r\n\t {"host":\r"compute1"}\r'],
                         ids=["crlf", "cr-as-blank"])
def test_connector_with_cr_outside_strings_is_read(tmp_path, conf, content):
    """CR is JSON white space: the connector passes and the run goes on to the
    (closed) API database."""
    path = connector_file(tmp_path, content)
    check(refresh(conf, path), code=API_DB_UNAVAILABLE, secrets=SECRETS, watch=[tmp_path], contains="API database")


# --- configuration files -----------------------------------------------------

def show(*config_args):
    return [*config_args, "show", INSTANCE]


def test_config_file_that_is_a_fifo(tmp_path):
    fifo = tmp_path / "nova.conf"
    os.mkfifo(fifo)
    check(show("--config-file", str(fifo)), code=CONFIG, watch=[tmp_path],
          contains=f"cannot read config file {fifo}: is a FIFO, not a regular file")


def test_config_dir_holding_a_fifo(tmp_path):
    confdir = tmp_path / "nova.conf.d"
    confdir.mkdir()
    write_conf(confdir, CONF, name="10-base.conf")
    os.mkfifo(confdir / "20-x.conf")
    check(show("--config-dir", str(confdir)), code=CONFIG, secrets=SECRETS, watch=[tmp_path],
          contains=f"cannot read config file {confdir}/20-x.conf: is a FIFO, not a regular file")


def test_config_dir_holding_a_directory(tmp_path):
    confdir = tmp_path / "nova.conf.d"
    (confdir / "20-x.conf").mkdir(parents=True)
    write_conf(confdir, CONF, name="10-base.conf")
    check(show("--config-dir", str(confdir)), code=CONFIG, secrets=SECRETS, watch=[tmp_path],
          contains=f"cannot read config file {confdir}/20-x.conf: is a directory")


def test_config_file_with_read_error():
    check(show("--config-file", "/proc/self/mem"), code=CONFIG,
          contains="cannot read config file /proc/self/mem: read error: Input/output error")


def test_config_file_that_is_a_directory(tmp_path):
    check(show("--config-file", str(tmp_path)), code=CONFIG, watch=[tmp_path],
          contains=f"cannot read config file {tmp_path}: is a directory")


def test_config_file_that_is_a_device():
    check(show("--config-file", "/dev/zero"), code=CONFIG,
          contains="cannot read config file /dev/zero: is a character device, not a regular file")


def test_config_file_too_large(tmp_path):
    path = tmp_path / "nova.conf"
    with open(path, "wb") as f:
        f.write(CONF.encode())
        f.write(b"# " + b"x" * (16 * MIB) + b"\n")
    check(show("--config-file", str(path)), code=CONFIG, secrets=SECRETS, watch=[tmp_path],
          contains="larger than 16777216 bytes")


BAD_INI = [
    # name, content, exit code, what the error line says
    ("binary", bytes(range(256)) * 16, CONFIG, "nova.conf:1:"),
    ("bom", b"\xef\xbb\xbf" + CONF.encode(), CONFIG, "nova.conf:1: no ':' or '=' found in assignment"),
    # A NUL does not end the text: the sections after it are still read.
    ("nul", CONF.replace("[api_database]", "# \x00 comment\nx = a\x00b\n[api_database]").encode(),
     API_DB_UNAVAILABLE, "API database"),
    ("crlf", CONF.replace("\n", "\r\n").encode(), API_DB_UNAVAILABLE, "API database"),
    ("cr", CONF.replace("\n", "\r").encode(), API_DB_UNAVAILABLE, "API database"),
    ("huge-line", (CONF + "[x]\nhuge = " + "y" * (4 * MIB) + "\n").encode(), API_DB_UNAVAILABLE, "API database"),
    ("huge-bad-line", (CONF + "z" * (4 * MIB) + "\n").encode(), CONFIG, "no ':' or '=' found in assignment"),
    ("continuation-first", b"  indented = x\n" + CONF.encode(), CONFIG, "nova.conf:1: unexpected continuation line"),
    ("no-section", b"key = value\n" + CONF.encode(), CONFIG, "section must be started before assignment"),
]


def _laughs(leaf):
    """Fifteen options, each naming the previous one ten times."""
    lines = [f"a0 = {leaf}"] + [f"a{i} = " + f"$a{i - 1}" * 10 for i in range(1, 16)]
    return CONF.replace("[DEFAULT]\n", "[DEFAULT]\n" + "\n".join(lines) + "\nhost = $a15\n").encode()


BAD_INI += [
    ("substitution-fan-out", _laughs(""), API_DB_UNAVAILABLE, "API database"),  # 10^15 expansions without a cache
    ("substitution-too-large", _laughs("x" * 10), CONFIG, "longer than 1048576 bytes after substitution"),
]


@pytest.mark.parametrize("name,content,code,message", BAD_INI, ids=[c[0] for c in BAD_INI])
def test_bad_ini(tmp_path, name, content, code, message):
    path = write_conf(tmp_path, content)
    check(show("--config-file", path), code=code, secrets=SECRETS, watch=[tmp_path], contains=message)


# --- journals ----------------------------------------------------------------

@pytest.fixture
def state_dir(tmp_path):
    path = tmp_path / "state"
    path.mkdir(mode=0o700)
    return path


def recover(conf, state_dir, *extra):
    return ["--config-file", conf, "recover", "--dry-run", "--state-dir", str(state_dir), *extra]


def test_journal_300000_brackets(conf, state_dir):
    journal = state_dir / f"{INSTANCE}.journal"
    journal.write_bytes(b"[" * 300000 + b"\n")
    os.chmod(journal, 0o600)
    check(recover(conf, state_dir), code=CORRUPT, secrets=SECRETS, watch=[state_dir],
          contains=f"{journal}: journal line 1 is not valid JSON (nested deeper than 64 levels at offset 64)")


def test_journal_whose_connector_holds_a_key_twice(conf, state_dir):
    connector = '{"host":"compute1","host":"other"}'.replace('"', '\\"')
    begin = ('{"step":"begin","format":1,"instance_uuid":"%s","volume_id":"v","bdm_id":1,"connector":"%s",'
             '"compute_host":"compute1","lock_reason":"r","lock_request_id":"a","action_request_id":"b",'
             '"unlock_request_id":"c","event_host":"h"}\n') % (INSTANCE, connector)
    journal = state_dir / f"{INSTANCE}.journal"
    journal.write_text(begin)
    os.chmod(journal, 0o600)
    check(recover(conf, state_dir), code=CORRUPT, secrets=SECRETS, watch=[state_dir],
          contains='the connector is not valid JSON (key "host" appears twice in the top-level object)')


def test_journal_that_is_a_fifo(conf, state_dir):
    fifo = state_dir / f"{INSTANCE}.journal"
    os.mkfifo(fifo, 0o600)
    check(recover(conf, state_dir, "--instance", INSTANCE), code=CORRUPT, watch=[state_dir],
          contains=f"journal {fifo}: is a FIFO, not a regular file")
    # Listing the state dir skips it: there is no journal bdm-agent wrote.
    for args in (recover(conf, state_dir), ["--debug", *recover(conf, state_dir)]):
        before = hostile.snapshot([state_dir])
        o = run(args)
        assert o.code == 0 and o.stdout == f"no unfinished refresh in {state_dir}\n", o
        assert hostile.snapshot([state_dir]) == before


def test_journal_that_is_a_directory(conf, state_dir):
    (state_dir / f"{INSTANCE}.journal").mkdir()
    check(recover(conf, state_dir, "--instance", INSTANCE), code=CORRUPT, watch=[state_dir],
          contains=f".journal: is a directory")
