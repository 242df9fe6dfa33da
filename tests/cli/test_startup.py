"""What bdm-agent loads: libcurl (and the ~30 libraries it needs) only for the
commands that reach Cinder, and a clear error when it cannot be loaded; and
what it takes from libmariadb's defaults (not the port).

The dynamic loader says what it maps (LD_DEBUG=files). A host without a
usable libcurl is made in a private mount namespace, in which an empty file
sits over the real libcurl.so.4 (the host's own stays untouched)."""
import os
import subprocess

from hostile import agent_bin, write_conf

LIBCURL = os.path.realpath("/usr/lib/x86_64-linux-gnu/libcurl.so.4")
UUID = "4c6c22eb-458f-4ad3-a69f-7d9d8c3b18b9"
CLOSED_PORT_CONF = """[api_database]
connection = mysql+pymysql://nova:pw@127.0.0.1:9/nova_api
[database]
connection = mysql+pymysql://nova:pw@127.0.0.1:9/nova
"""


def loaded_libraries(argv):
    """Runs bdm-agent; returns its exit code, and the file names of the
    libraries the dynamic loader mapped (at start-up or by dlopen)."""
    p = subprocess.run([agent_bin(), *argv], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, LD_DEBUG="files"))
    names = set()
    for line in p.stderr.splitlines():
        _, _, rest = line.partition("file=")
        if rest:
            names.add(os.path.basename(rest.split()[0]))
    return p.returncode, names


def test_version_and_show_do_not_load_libcurl(tmp_path):
    rc, names = loaded_libraries(["--version"])
    assert rc == 0 and "libc.so.6" in names, names  # the loader did report what it mapped
    assert not [n for n in names if n.startswith("libcurl")], names
    conf = write_conf(tmp_path, CLOSED_PORT_CONF)
    rc, names = loaded_libraries(["--config-file", conf, "show", UUID])
    assert rc == 21  # the API database is unreachable: show got as far as connecting
    assert not [n for n in names if n.startswith(("libcurl", "libkrb5", "libldap", "libgnutls"))], names


def without_libcurl(tmp_path, argv):
    """Runs bdm-agent with libcurl.so.4 unloadable (an empty file over it, in a
    private mount namespace)."""
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    script = 'mount --make-rprivate / && mount --bind "$1" "$2" && shift 2 && exec "$@"'
    p = subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", str(empty), LIBCURL, agent_bin(), *argv],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_without_libcurl_refresh_says_so_in_one_line_and_show_still_works(stack, tmp_path):
    row = stack.seeded[0]
    state = tmp_path / "state"
    rc, out, err = without_libcurl(tmp_path, [
        "--config-file", stack.nova_conf, "refresh", "--instance", row["instance_uuid"], "--volume",
        row["volume_id"], "--connector", stack.env["BDM_CONNECTOR_FILE"], "--state-dir", str(state),
        "--allow-hypervisor-type", "fake", "--dry-run"])
    assert rc == 19, err
    # the path is the one the loader tried (ld.so.cache's), the real file behind it is empty here
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("bdm-agent: error: cannot load libcurl, which bdm-agent needs to reach Cinder: /"), err
    assert lines[0].endswith("/libcurl.so.4: file too short"), err
    assert out == ""

    rc, out, err = without_libcurl(tmp_path, ["--config-file", stack.nova_conf, "show", row["bdm_uuid"], "--json"])
    assert rc == 0, err
    assert row["volume_id"] in out


def test_a_url_without_port_means_3306_as_for_pymysql(stack, tmp_path):
    # libmariadb would take its default port from MYSQL_TCP_PORT (or
    # /etc/services); bdm-agent names PyMySQL's. Here MYSQL_TCP_PORT names the
    # stack's server, and nothing listens on 3306.
    port = stack.env["BDM_MYSQL_PORT"]
    conf = stack.write_config(tmp_path, {f"@127.0.0.1:{port}/nova_api": "@127.0.0.1/nova_api"})
    p = subprocess.run([agent_bin(), "--config-file", conf, "show", UUID], capture_output=True, text=True,
                       timeout=60, env=dict(os.environ, MYSQL_TCP_PORT=port))
    assert p.returncode == 21, p.stderr  # API database unreachable
    assert "API database at 127.0.0.1" in p.stderr
