"""Bad input around secrets and terminal output (issue 9, items 8-11 and 13):
values from '$' substitutions and secret options never quoted; database and
transport URLs in every form SQLAlchemy and oslo.messaging accept, with
passwords in raw and percent-encoded spellings, printed by no message with or
without --debug; the password PyMySQL would use; HTTP error bodies quoted only
after masking; control characters in ids and database values escaped; the
argument count bounded.

Each case runs through tests/cli/hostile.py (one error line, the documented
exit code, no control character, no secret, with and without --debug). The
secrets are distinctive strings (S3cr3t) so that any leak is found. Cases
without `stack` write their own nova.conf whose databases are on a closed port
(127.0.0.1:9); the others use the stack's MariaDB, Cinder or a seeded
instance and run under flock /tmp/bdm-stack.lock, as tools/test runs pytest."""
import contextlib
import http.server
import json
import threading
import time

import pytest
import sqlalchemy

import hostile
from conftest import new_uuid
from refresh_support import AGENT_OPTIONS, seed

CLOSED_API = "mysql+pymysql://nova:SqlS3cr3t-api@127.0.0.1:9/nova_api"
CLOSED_CELL = "mysql+pymysql://nova:SqlS3cr3t-cell@127.0.0.1:9/nova"
NO_SUCH_BDM = "00000000-0000-0000-0000-000000000000"


def closed_conf(tmp_path, extra="", api=CLOSED_API):
    return hostile.write_conf(tmp_path, f"[api_database]\nconnection = {api}\n[database]\nconnection = {CLOSED_CELL}\n"
                                        f"{extra}\n")


def assert_inert(text):
    """No C0 control but the newline, no DEL, no C1 control (U+0080-U+009F)."""
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
    assert not bad, repr(text)


# Item 8: a value from a substitution or a secret option is never quoted.
SUBSTITUTED = [
    ("[cinder]\npassword = CinS3cr3t-sub\ninsecure = $password", "[cinder] insecure"),
    ("[oslo_messaging_rabbit]\nssl = ${database.connection}", "[oslo_messaging_rabbit] ssl"),
    ("[cinder]\npassword = CinS3cr3t-sub\n[DEFAULT]\nrpc_response_timeout = ${cinder.password}",
     "[DEFAULT] rpc_response_timeout"),
    ("[cinder]\npassword = -1CinS3cr3t\nhttp_retries = $password", "[cinder] http_retries"),
    ("[DEFAULT]\ntransport_url = rabbit://n:RabbS3cr3t-sub@h/\n[libvirt]\nvolume_use_multipath = $DEFAULT.transport_url",
     "[libvirt] volume_use_multipath"),
]


@pytest.mark.parametrize("extra,option", SUBSTITUTED, ids=[o for _, o in SUBSTITUTED])
def test_substituted_values_are_never_quoted(tmp_path, extra, option):
    conf = closed_conf(tmp_path, extra)
    o = hostile.check(["--config-file", conf, "show", NO_SUCH_BDM], code=20, watch=[conf],
                      secrets=["CinS3cr3t", "SqlS3cr3t", "RabbS3cr3t"], contains=option)
    assert "(from a '$' substitution, not shown)" in o.error_lines[0]


def test_a_url_from_a_substitution_is_not_quoted(tmp_path):
    conf = closed_conf(tmp_path, "[cinder]\npassword = CinS3cr3t-url", api="${cinder.password}")
    hostile.check(["--config-file", conf, "show", NO_SUCH_BDM], code=20, secrets=["CinS3cr3t"],
                  contains="[api_database] connection: not a SQLAlchemy URL")


def test_a_nul_in_a_keystone_password_is_refused(tmp_path):
    conf = closed_conf(tmp_path, "[service_user]\npassword = Svc\x00S3cr3t\n")  # a NUL byte in the file
    hostile.check(["--config-file", conf, "show", NO_SUCH_BDM], code=20, secrets=["S3cr3t"],
                  contains="[service_user] password: contains a NUL character")


# Item 13: oslo.config bounds substitution only by Python's recursion limit.
def chain(links):
    return "[DEFAULT]\nhost = $o1\n" + "".join(f"o{i} = $o{i + 1}\n" for i in range(1, links)) + f"o{links} = end\n"


def test_substitution_chains_loops_and_growth(tmp_path):
    # 17 links are not a loop: the config loads and the closed database is what fails.
    hostile.check(["--config-file", closed_conf(tmp_path, chain(17)), "show", NO_SUCH_BDM], code=21)
    hostile.check(["--config-file", closed_conf(tmp_path, chain(99)), "show", NO_SUCH_BDM], code=21)
    hostile.check(["--config-file", closed_conf(tmp_path, chain(100)), "show", NO_SUCH_BDM], code=20,
                  contains="[DEFAULT] host: substitution goes through more than 100 options")
    hostile.check(["--config-file", closed_conf(tmp_path, "[DEFAULT]\nhost = $a\na = ${cinder.b}\n[cinder]\nb = $DEFAULT.a"),
                   "show", NO_SUCH_BDM], code=20,
                  contains="substitution is recursive ([DEFAULT] a -> [cinder] b -> [DEFAULT] a)")
    doubling = "[DEFAULT]\nhost = $x0\n" + "".join(f"x{i} = $x{i + 1}$x{i + 1}\n" for i in range(60)) + "x60 = ab\n"
    start = time.monotonic()
    hostile.check(["--config-file", closed_conf(tmp_path, doubling), "show", NO_SUCH_BDM], code=20,
                  contains="longer than 1048576 bytes after substitution")
    assert time.monotonic() - start < 20


# Item 9: database URLs in every form SQLAlchemy's regex accepts. Accepted
# forms reach the closed port (21); refused ones are configuration errors (20).
DATABASE_URLS = [
    ("mysql+pymysql://no/va:SqlS3cr3tA@127.0.0.1:9/nova_api", 20, ["S3cr3tA"]),         # '/' in the user name
    ("mysql+pymysql://nova:Sql@S3cr3tB@127.0.0.1:9/nova_api", 20, ["S3cr3tB"]),         # raw '@' in the password
    ("mysql+pymysql://nova:Sql@S3/cr3tC@127.0.0.1:9/nova_api", 20, ["S3/cr3tC", "cr3tC"]),
    ("mysql+pymysql://no/va:SqlS3cr3tD?x=1@127.0.0.1:9/nova_api", 20, ["S3cr3tD"]),     # rest in the query
    ("mysql+pymysql://nova:Sql#S3:cr%3tE@127.0.0.1:9/nova_api", 21, ["S3:cr%3tE", "cr%3tE"]),  # '#', ':', '%' raw
    ("mysql+pymysql://nova:Sql%40S3cr3tF%2F%23%3A@127.0.0.1:9/nova_api", 21, ["S3cr3tF"]),
    ("mysql+pymysql://nova:Sql%25S3cr3tG%2@127.0.0.1:9/nova_api", 21, ["S3cr3tG"]),    # '%25', a lone '%2'
    ("mysql+pymysql://nova:Sql-S3cr3tH-%C3%A9%E2%82%AC@127.0.0.1:9/nova_api", 21, ["S3cr3tH"]),
    ("mysql+pymysql://nova:Sql-S3cr3tI-\u00e9t\u00e9@127.0.0.1:9/nova_api", 21, ["S3cr3tI"]),  # raw UTF-8
    ("mysql+pymysql://nova:SqlS3cr3tJ%ff@127.0.0.1:9/nova_api", 20, ["S3cr3tJ"]),       # not UTF-8 decoded
    ("mysql+pymysql://nova:SqlS3cr3tK%00junk@127.0.0.1:9/nova_api", 20, ["S3cr3tK"]),   # NUL
    ("mysql+pymysql://nova:x@127.0.0.1:9/nova_api?password=SqlS3cr3tL", 21, ["S3cr3tL"]),
    ("mysql+pymysql://nova@127.0.0.1:9/nova_api?passwd=SqlS3cr3tM&charset=utf8", 21, ["S3cr3tM"]),
    ("mysql+pymysql://nova@127.0.0.1:9/nova_api?password=SqlS3cr3tN&password=x", 20, ["S3cr3tN"]),
    ("mysql+pymysql://nova:SqlS3cr3tO@127.0.0.1:9/nova_api?user=root", 20, ["S3cr3tO"]),
    ("mysql+pymysql://nova:SqlS3cr3tP@[::1]:9/nova_api", 21, ["S3cr3tP"]),
    ("mysql+pymysql://nova:SqlS3cr3tQ@[::1]junk/nova_api", 20, ["S3cr3tQ"]),
    ("mysql+pymysql://nova:SqlS3cr3tR@127.0.0.1:port/nova_api", 20, ["S3cr3tR"]),
    ("postgresql://nova:SqlS3cr3tS@127.0.0.1:9/nova_api", 20, ["S3cr3tS"]),
    ("mysql+pymysql://nova:x@127.0.0.1:9/nova_api?ssl_verify_cert=SqlS3cr3tT", 20, ["S3cr3tT"]),
    ("SqlS3cr3tU", 20, ["S3cr3tU"]),
]


@pytest.mark.parametrize("url,code,secrets", DATABASE_URLS, ids=[str(i) for i in range(len(DATABASE_URLS))])
def test_database_url_forms_never_print_the_password(tmp_path, url, code, secrets):
    conf = closed_conf(tmp_path, api=url)
    o = hostile.check(["--config-file", conf, "show", NO_SUCH_BDM], code=code, secrets=secrets + ["SqlS3cr3t-cell"])
    assert o.error_lines[0].startswith("bdm-agent: error: " + ("[api_database] connection: " if code == 20
                                                                else "API database at "))


def test_hostile_ids_without_a_database(tmp_path):
    conf = closed_conf(tmp_path)
    hostile.check(["--config-file", conf, "x\x1b]0;PWNED\x07"], code=64, contains="'x\\x1b]0;PWNED\\x07'")
    o = hostile.check(["--config-file", conf, "\u009b31m"], code=64, contains="'\\u009b31m'")  # C1 CSI in UTF-8
    assert_inert(o.stderr)
    o = hostile.check(["--config-file", conf, b"\x9b31m\xff"], code=64, contains="'\\x9b31m\\xff'")  # not UTF-8
    assert_inert(o.stderr)


def test_forty_thousand_arguments_are_refused_at_once(tmp_path):
    args = ["--config-file", closed_conf(tmp_path), "refresh", NO_SUCH_BDM, "--connector", "-", "--dry-run"]
    args += ["--allow-hypervisor-type", "t"] * 20000
    start = time.monotonic()
    o = hostile.check(args, code=64, contains="too many arguments (")
    assert "too many arguments (40007; at most 256)" in o.error_lines[0]
    assert time.monotonic() - start < 10  # was 19 s (release build) for the parse alone


# --- on the stack -----------------------------------------------------------

def login_outcome(stack, tmp_path, api_url):
    """(bdm-agent's exit code for a missing BDM, whether SQLAlchemy + PyMySQL log in) with `api_url`."""
    conf = stack.write_config(tmp_path, {stack.env["BDM_NOVA_API_DB_URL"]: api_url})
    code, _, err = stack.agent("show", new_uuid(), config=conf)
    engine = sqlalchemy.create_engine(api_url)
    try:
        with contextlib.closing(engine.connect()):
            pymysql_ok = True
    except sqlalchemy.exc.OperationalError:
        pymysql_ok = False
    finally:
        engine.dispose()
    return code, pymysql_ok, err


def test_the_password_pymysql_uses_is_the_one_bdm_agent_uses(stack, tmp_path):
    real = stack.env["BDM_MYSQL_PASSWORD"]
    base = "mysql+pymysql://nova{}@127.0.0.1:" + stack.env["BDM_MYSQL_PORT"] + "/nova_api?charset=utf8{}"
    cases = [  # (userinfo after the user name, query, logs in)
        (":wrong-S3cr3t", f"&password={real}", True),   # the query's password wins
        ("", f"&passwd={real}", True),                  # passwd counts without a password
        (":", f"&passwd={real}", True),                 # ... an empty one too
        (":wrong-S3cr3t", f"&passwd={real}", False),    # ... but not over the URL's
        (f":{real}", "&passwd=wrong-S3cr3t", True),
    ]
    for userinfo, query, logs_in in cases:
        url = base.format(userinfo, query)
        code, pymysql_ok, err = login_outcome(stack, tmp_path, url)
        assert pymysql_ok == logs_in, url
        assert code == (3 if logs_in else 23), (url, err)
        assert "wrong-S3cr3t" not in err and real not in err


def test_nul_in_a_password_and_a_bad_charset_are_configuration_errors(stack, tmp_path):
    real = stack.env["BDM_MYSQL_PASSWORD"]
    for old, new in ((f":{real}@", f":{real}%00junk@"), ("charset=utf8", "charset=bogus-S3cr3t")):
        conf = stack.write_config(tmp_path, {stack.env["BDM_NOVA_API_DB_URL"]:
                                             stack.env["BDM_NOVA_API_DB_URL"].replace(old, new)})
        hostile.check(["--config-file", conf, "show", new_uuid()], code=20, secrets=[real])


def test_escape_sequences_in_ids(stack, victim):
    refresh = ["--connector", stack.env["BDM_CONNECTOR_FILE"], "--dry-run", *AGENT_OPTIONS]
    for argv, code, shown in ((["show", "x\x1b]0;PWNED\x07\u009b"], 3, "x\\x1b]0;PWNED\\x07\\u009b"),
                              (["show", "--instance", b"\x1b[2J\xff", "--volume", new_uuid()], 2, "\\x1b[2J\\xff"),
                              (["refresh", "\u0085\x7f\r", *refresh], 6, "\\u0085\\x7f\\x0d"),
                              (["refresh", "--instance", victim["instance_uuid"], "--volume", "v\x1b]2;x\x07",
                                *refresh], 6, "v\\x1b]2;x\\x07")):
        o = hostile.check(["--config-file", stack.nova_conf, *argv], code=code, contains=shown)
        assert_inert(o.stderr)


def test_escape_sequences_in_database_values(stack, scratch_rows):
    row = stack.seeded[0]
    bdm_uuid, volume = new_uuid(), new_uuid()
    device = "/dev/vd\x1b]0;PWNED\x07\x9b31m\x7f"
    info = {"driver_volume_type": "rbd\x1b[2J", "data": {"name": "n\u009b", "auth_password": "S3cr3t-\x1b"}}
    conn = stack.db("nova")
    with contextlib.closing(conn), conn.cursor() as cur:
        cur.execute("INSERT INTO block_device_mapping (uuid, instance_uuid, source_type, destination_type, "
                    "volume_id, device_name, tag, connection_info, deleted, created_at) "
                    "VALUES (%s, %s, 'volume', 'volume', %s, %s, %s, %s, 0, NOW())",
                    (bdm_uuid, row["instance_uuid"], volume, device, "tag\u0085\r",
                     json.dumps(info, ensure_ascii=False)))
    scratch_rows("nova", "block_device_mapping", "uuid", bdm_uuid)
    for extra in ([], ["--json"], ["--connection-info"], ["--connection-info", "--json"], ["--show-secrets"],
                  ["--json", "--show-secrets"], ["--connection-info", "--json", "--show-secrets"]):
        o = hostile.run(["--config-file", stack.nova_conf, "show", bdm_uuid, *extra])
        assert o.code == 0, (extra, o.stderr)
        assert_inert(o.stdout)
        if "--json" not in extra:
            assert "\\x1b" in o.stdout
        elif "--connection-info" in extra:
            assert json.loads(o.stdout)["data"]["name"] == "n\u009b"  # escaped, same value
        else:
            shown = json.loads(o.stdout)
            assert shown["device_name"] == device and shown["tag"] == "tag\u0085\r"
        if "--show-secrets" not in extra:
            assert "S3cr3t" not in o.stdout


# Item 9, transport URLs: a dry run reads the URL (20 when refused) and
# connects to the broker (17: nothing listens on ports 1-3).
TRANSPORT_URLS = [
    ("rabbit://nova:Rab/S3cr3tA@127.0.0.1:1/", 20),              # '/' in the password
    ("rabbit://nova:12?x=RabS3cr3tB@127.0.0.1:1/", 20),           # '?' in the password
    ("rabbit://nova:12#RabS3cr3tC@127.0.0.1:1/", 20),             # '#' in the password
    ("rabbit://nova:RabS3cr3tD%2F%3F%23%2C%40%25@127.0.0.1:1/", 17),
    ("rabbit://nova:Rab@S3cr3t:E@127.0.0.1:1/", 17),              # raw '@' and ':' (oslo takes them)
    ("rabbit://nova:RabS3cr3tF@127.0.0.1:1,nova:RabS3cr3tG@[::1]:2,127.0.0.1:3/vhost?ssl=0", 17),
    ("rabbit://nova:RabS3cr3tH%00x@127.0.0.1:1/", 20),
    ("rabbit://nova:RabS3cr3tI%ff@127.0.0.1:1/", 20),
    ("rabbit://nova:RabS3cr3t-\u00e9J@127.0.0.1:1/", 17),
    ("bogus://nova:RabS3cr3tK@127.0.0.1:1/", 20),
    ("RabS3cr3tL:x@127.0.0.1", 20),                                # no scheme: the text before ':' is one
    ("rabbit://nova:RabS3cr3tM@[::1:1/", 20),
    ("rabbit://nova:RabS3cr3tN@127.0.0.1:99999/", 20),
]


@pytest.fixture(scope="module")
def victim(stack, tmp_path_factory):
    return seed(stack, tmp_path_factory.mktemp("secrets-victim"), 1)[0]


@pytest.mark.parametrize("url,code", TRANSPORT_URLS, ids=[str(i) for i in range(len(TRANSPORT_URLS))])
def test_transport_url_forms_never_print_the_password(stack, victim, tmp_path, url, code):
    conf = stack.write_config(tmp_path, {stack.env["BDM_RABBIT_URL"]: url})
    argv = ["--config-file", conf, "refresh", "--instance", victim["instance_uuid"], "--volume", victim["volume_id"],
            "--connector", stack.env["BDM_CONNECTOR_FILE"], "--state-dir", str(tmp_path / "state"), "--dry-run",
            *AGENT_OPTIONS]
    o = hostile.check(argv, code=code, secrets=["S3cr3t", "s3cr3t", stack.env["BDM_MYSQL_PASSWORD"]])
    assert o.error_lines[0].startswith("bdm-agent: error: " + ("[DEFAULT] transport_url: " if code == 20
                                                                else "connect to RabbitMQ at "))


# Item 10: a server that echoes the request into its error body. The real
# Keystone and Cinder never do; this fake (a fault injection) does.
PASSWORD = 'CinS3cr3t-"\\\u00e9'
TOKEN = "TokS3cr3t-0123456789"


class EchoHandler(http.server.BaseHTTPRequestHandler):
    mode = None

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def request_text(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        return f"{self.requestline}\r\n{self.headers}\r\n{body}"

    def do_POST(self):
        text = self.request_text()
        body = text.split("\r\n\r\n", 1)[-1].strip()
        if self.mode == "json":
            self.answer(401, body)
        elif self.mode == "fault":
            self.answer(401, json.dumps({"error": {"code": 401, "message": "cannot authenticate " + body}}))
        elif self.mode == "text":
            self.answer(500, text)
        else:  # a token, then echo on the Cinder side
            self.answer(201, json.dumps({"token": {"catalog": []}}), [("X-Subject-Token", TOKEN)])

    def do_GET(self):
        self.answer(500, self.request_text())


@pytest.fixture
def echo_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("mode", ["json", "fault", "text", "cinder"])
def test_error_bodies_are_quoted_only_after_masking(stack, victim, tmp_path, echo_server, mode):
    EchoHandler.mode = mode
    url = f"http://127.0.0.1:{echo_server.server_address[1]}"
    cinder = (f"[cinder]\nauth_type = password\nauth_url = {url}/v3\nusername = nova\npassword = {PASSWORD}\n"
              f"project_name = p\nuser_domain_name = Default\nproject_domain_name = Default\n"
              f"endpoint_template = {url}/v3\n")
    conf = stack.write_config(tmp_path, {stack.section("cinder"): cinder + "\n"})
    escaped = json.dumps(PASSWORD)[1:-1]
    o = hostile.check(["--config-file", conf, "refresh", "--instance", victim["instance_uuid"], "--volume",
                       victim["volume_id"], "--connector", stack.env["BDM_CONNECTOR_FILE"],
                       "--state-dir", str(tmp_path / "state"), "--dry-run", *AGENT_OPTIONS],
                      code=19, secrets=[PASSWORD, escaped, json.dumps(PASSWORD, ensure_ascii=False)[1:-1], "S3cr3t"])
    assert ": HTTP " in o.error_lines[0] and "***" in o.error_lines[0]
