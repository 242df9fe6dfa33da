"""Fixtures for the black-box CLI tests: they run the built bdm-agent binary
and Nova's real nova-manage against the local stack (tools/stack up, tools/seed).

Environment: BDM_AGENT_BIN (the binary) and BDM_STACK_DIR (the stack's state
directory, default /var/tmp/bdm-agent-stack). A missing stack is an error, not
a skip: CI must never pass without having tested."""
import contextlib
import json
import os
import shlex
import subprocess
import sys
import uuid

import pymysql
import pytest

STACK_DIR = os.environ.get("BDM_STACK_DIR", "/var/tmp/bdm-agent-stack")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "stack.d"))
import stack_auth  # noqa: E402  (how the stack's tools authenticate to Keystone and Cinder)


def _read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export "):
                key, _, value = line[len("export "):].partition("=")
                env[key] = shlex.split(value)[0] if value else ""
    return env


class Stack:
    def __init__(self):
        env_file = os.path.join(STACK_DIR, "stack.env")
        if not os.path.exists(env_file):
            raise RuntimeError(f"{env_file} missing: run tools/stack up && tools/seed first")
        self.env = _read_env(env_file)
        with open(os.path.join(STACK_DIR, "seed.json")) as f:
            self.seeded = json.load(f)
        if not self.seeded:
            raise RuntimeError("seed.json lists nothing: run tools/seed")
        self.nova_conf = self.env["BDM_NOVA_CONF"]
        self.agent_bin = os.environ["BDM_AGENT_BIN"]

    def agent(self, *args, config=None, stdin=None):
        cmd = [self.agent_bin, "--config-file", config or self.nova_conf, *args]
        p = subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def nova_manage(self, *args):
        cmd = [self.env["BDM_PYTHON"], self.env["BDM_NOVA_MANAGE"], "--config-file", self.nova_conf, *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        return p.returncode, p.stdout, p.stderr

    def db(self, database):
        return pymysql.connect(host="127.0.0.1", port=int(self.env["BDM_MYSQL_PORT"]),
                               user=self.env["BDM_MYSQL_USER"], password=self.env["BDM_MYSQL_PASSWORD"],
                               database=database, autocommit=True)

    def cinder_headers(self):
        """X-Auth-Token (and X-Service-Token) of a Cinder call as the nova
        service user; see tools/stack.d/stack_auth.py."""
        return stack_auth.cinder_headers(self.env)

    def section(self, name):
        """nova.conf's [name] section as written: header to the blank line
        before the next section (included)."""
        with open(self.nova_conf) as f:
            text = f.read()
        start = text.index(f"[{name}]\n")
        end = text.find("\n[", start + 1)
        return text[start:] if end < 0 else text[start:end + 1]

    def with_cinder_endpoint(self, tmp_path, url):
        """A copy of nova.conf whose [cinder] endpoint_template is `url`
        (auth unchanged: with Keystone a token is still fetched)."""
        section = self.section("cinder")
        lines = [line for line in section.rstrip("\n").split("\n") if not line.startswith("endpoint_template")]
        return self.write_config(tmp_path, {section: "\n".join(lines) + f"\nendpoint_template = {url}\n\n"})

    def write_config(self, tmp_path, replace):
        """A copy of the stack's nova.conf with some lines changed."""
        with open(self.nova_conf) as f:
            text = f.read()
        for old, new in replace.items():
            assert old in text, old
            text = text.replace(old, new)
        path = tmp_path / "nova.conf"
        path.write_text(text)
        return str(path)


@pytest.fixture(scope="session")
def stack():
    return Stack()


@pytest.fixture(scope="session", autouse=True)
def remove_seeded_instances(tmp_path_factory):
    """At the end of the session, the instances every test seeded into a
    seed.json of its tmp dirs (refresh_support.seed and the like) are removed;
    module fixtures that remove theirs earlier also delete their file."""
    yield
    from refresh_support import unseed
    unseed(*sorted(tmp_path_factory.getbasetemp().rglob("seed.json")))


@pytest.fixture
def scratch_rows(stack):
    """Rows a test inserts into the real schema; removed afterwards."""
    created = []

    def add(database, table, key, value):
        created.append((database, table, key, value))

    yield add
    for database, table, key, value in reversed(created):
        with contextlib.closing(stack.db(database)) as conn, conn.cursor() as cur:
            cur.execute(f"DELETE FROM {table} WHERE {key} = %s", (value,))


def new_uuid():
    return str(uuid.uuid4())
