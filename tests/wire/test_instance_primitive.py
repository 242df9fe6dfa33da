"""The Instance primitive bdm-agent builds, against real Nova (26.2.2, Zed).

For each instance, the C++ side is tests/integration/instance_primitive_dump
(built by meson) reading the stack's cell database; the Python side is Nova's
own objects.Instance.get_by_uuid(...).obj_to_primitive() with the fields
nova-manage's instance carries (info_cache and security_groups from
get_by_uuid, system_metadata from the lock), rendered with json.dumps as
oslo.messaging does. The two texts must be identical; on a difference the
test lists every differing field.

Besides the seeded instances, one instance is written straight into the cell
database with awkward values (NULLs, IPs in non-canonical form, a soft-deleted
info cache, soft-deleted and repeated system_metadata keys, security groups
associated out of id order, a network_info that hydration rewrites) and
removed afterwards. It has no instance mapping and a host no compute serves,
so nothing else in the stack sees it. Rows Nova cannot load must make both
sides fail.

Also compared: the minimum nova-compute service version, and the
remove_volume_connection version Zed's client picks for capped upgrade levels.

Run: /usr/bin/python3 -m pytest tests/wire (BDM_STACK_DIR, and
BDM_INSTANCE_PRIMITIVE_DUMP or BDM_BUILD_DIR to find the program; by default
build/ then /tmp/build-obj/). A missing stack or program fails; nothing skips.
"""
import contextlib
import json
import os
import subprocess
import uuid as uuidlib

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK_DIR = os.environ.get("BDM_STACK_DIR", "/var/tmp/bdm-agent-stack")
NOVA_CONF = os.path.join(STACK_DIR, "etc", "nova.conf")
NOVA_MANAGE_ATTRS = ["info_cache", "security_groups", "system_metadata"]
OBJTEST_HOST = "bdm-objtest-nohost"


def _dump_program():
    explicit = os.environ.get("BDM_INSTANCE_PRIMITIVE_DUMP")
    if explicit:
        return explicit
    builds = [os.environ["BDM_BUILD_DIR"]] if "BDM_BUILD_DIR" in os.environ else [
        os.path.join(ROOT, "build"), "/tmp/build-obj"]
    for build in builds:
        path = os.path.join(build, "tests", "integration", "instance_primitive_dump")
        if os.access(path, os.X_OK):
            return path
    raise RuntimeError("instance_primitive_dump not built (looked in %s)" % ", ".join(builds))


def cpp(*args):
    p = subprocess.run([_dump_program(), "--config-file", NOVA_CONF, *args],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Nova:
    """Nova's objects, configured from the stack's nova.conf, in this process."""

    def __init__(self):
        if not os.path.exists(os.path.join(STACK_DIR, "seed.json")):
            raise RuntimeError(STACK_DIR + "/seed.json missing: run tools/stack up && tools/seed")
        from nova import config, context, objects
        import nova.conf
        objects.register_all()
        if "config_file" not in nova.conf.CONF:  # not yet parsed (test_nova_rpc_server.py does it too)
            config.parse_args(["bdm-agent-wire-test", "--config-file", NOVA_CONF])
        self.context = context
        self.objects = objects
        self.ctxt = context.get_admin_context()
        self.cells = {c.name: c for c in objects.CellMappingList.get_all(self.ctxt)}

    def cell_of(self, uuid):
        return self.objects.InstanceMapping.get_by_instance_uuid(self.ctxt, uuid).cell_mapping

    @contextlib.contextmanager
    def target(self, cell):
        with self.context.target_cell(self.ctxt, cell) as cctxt:
            yield cctxt

    def primitive(self, uuid, cell):
        with self.target(cell) as cctxt:
            instance = self.objects.Instance.get_by_uuid(cctxt, uuid, expected_attrs=NOVA_MANAGE_ATTRS)
            return json.dumps(instance.obj_to_primitive())

    def engine(self, cell):
        import sqlalchemy
        return sqlalchemy.create_engine(cell.database_connection)


@pytest.fixture(scope="module")
def nova():
    return Nova()


@pytest.fixture(scope="module")
def seeded():
    with open(os.path.join(STACK_DIR, "seed.json")) as f:
        rows = json.load(f)
    assert rows, "seed.json lists nothing: run tools/seed"
    return sorted({row["instance_uuid"] for row in rows})


def differences(expected, actual, path="instance"):
    """Every place where two decoded primitives differ, including key order."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        if list(expected) != list(actual) and set(expected) == set(actual):
            out.append("%s: key order %s != %s" % (path, list(actual), list(expected)))
        for key in expected:
            if key not in actual:
                out.append("%s.%s: missing (Nova: %r)" % (path, key, expected[key]))
            else:
                out.extend(differences(expected[key], actual[key], path + "." + key))
        out.extend("%s.%s: unexpected %r" % (path, key, actual[key]) for key in actual if key not in expected)
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, "%s[%d]" % (path, i))]
    if isinstance(expected, str) and isinstance(actual, str) and expected.startswith(("[", "{")):
        with contextlib.suppress(ValueError):
            return differences(json.loads(expected), json.loads(actual), path + "<json>")
    if type(expected) is not type(actual) or expected != actual:
        return ["%s: %r != Nova's %r" % (path, actual, expected)]
    return []


def assert_same(cpp_text, nova_text):
    if cpp_text == nova_text:
        return
    diffs = differences(json.loads(nova_text), json.loads(cpp_text))
    pytest.fail("bdm-agent's primitive differs from Nova's:\n  " +
                "\n  ".join(diffs or ["(same values, different text)"]) +
                "\nbdm-agent: " + cpp_text[:3000] + "\nNova:      " + nova_text[:3000])


def test_seeded_instances_are_byte_identical(nova, seeded):
    rc, out, err = cpp(*seeded)
    assert rc == 0, err
    lines = out.splitlines()
    assert len(lines) == len(seeded)
    for uuid, line in zip(seeded, lines):
        assert_same(line, nova.primitive(uuid, nova.cell_of(uuid)))
        assert '"nova_object.version": "2.7"' in line
        assert "nova_object.changes" not in line


NETWORK_INFO = json.dumps([
    {"id": "5f0c3d4e-0000-4000-8000-000000000001", "address": "fa:16:3e:00:00:01", "type": "ovs",
     "details": None, "devname": "tap5f0c3d4e-00", "active": True, "vnic_type": "normal",
     "profile": {}, "preserve_on_delete": 0, "qbg_params": {"managerid": 1},
     "network": {
         "id": "net-1", "label": "private", "bridge": "br-int", "extra": 1.5e20,
         "meta": {"mtu": 1450, "extra": "replaced by the key above, in place"},
         "subnets": [
             {"cidr": "10.0.0.0/24",
              "ips": [{"address": "10.0.0.5", "floating_ips": [{"address": "172.24.4.10"}], "meta": {}}, {}],
              "dns": [{"address": "8.8.8.8", "type": "dns"}, None],
              "routes": [{"cidr": "0.0.0.0/0", "gateway": {"address": "10.0.0.1"}}],
              "gateway": {"address": "10.0.0.1", "type": "gateway", "version": 4},
              "meta": {"dhcp_server": "10.0.0.2"}},
             {"cidr": "fd00::/64", "ips": [{"address": "FD00::0005", "type": ""}], "gateway": {}, "version": 6},
             {"cidr": "10.1/16", "dns": None}]},
     "\u00fcnicode": "\u2713", "float": 0.1, "big": 12345678901234567890},
    {"id": "vif-2", "network": {}, "details": {"port_filter": True}},
]).replace('"big": 12345678901234567890}', '"big": 12345678901234567890, "dup": 1, "dup": 2}')


class ObjtestRows:
    """An unmapped instance and its related rows, written with plain SQL."""

    def __init__(self, nova, cell_name="cell1"):
        import sqlalchemy
        self.sql = sqlalchemy.text
        self.cell = nova.cells[cell_name]
        self.engine = nova.engine(self.cell)
        self.uuid = str(uuidlib.uuid4())
        self.group_ids = []

    def run(self, conn, statement, **params):
        return conn.execute(self.sql(statement), params)

    def insert_instance(self, conn, **overrides):
        columns = {
            "uuid": self.uuid, "user_id": "u-\u00fcser", "project_id": "p-objtest", "image_ref": "img",
            "kernel_id": None, "ramdisk_id": "", "hostname": "objtest", "launch_index": None,
            "key_name": "kp", "key_data": "ssh-rsa AAAA objtest", "power_state": 1, "vm_state": "active",
            "task_state": None, "memory_mb": 64, "vcpus": 1, "root_gb": 0, "ephemeral_gb": None,
            "ephemeral_key_uuid": str(uuidlib.uuid4()), "host": OBJTEST_HOST, "node": None,
            "instance_type_id": 7, "user_data": "I2Nsb3VkLWNvbmZpZwo=\n\"quoted\"", "reservation_id": "r-obj",
            "launched_at": "2024-02-29 23:59:59", "terminated_at": None, "availability_zone": None,
            "display_name": "\u03a9mega \"quoted\" \\ name", "display_description": "line1\nline2\t",
            "launched_on": "elsewhere", "locked": None, "locked_by": None, "os_type": "linux",
            "architecture": "aarch64", "vm_mode": "hvm", "root_device_name": None,
            "default_ephemeral_device": "/dev/vdb", "default_swap_device": None, "config_drive": "True",
            "access_ip_v4": "010.1.1.1", "access_ip_v6": "2001:DB8:0:0:1:0:0:1", "auto_disk_config": None,
            "progress": 55, "shutdown_terminate": 1, "disable_terminate": 5, "cell_name": None,
            "cleaned": 2, "hidden": None, "created_at": "2001-01-01 00:00:00",
            "updated_at": "2026-11-26 12:00:00", "deleted_at": None, "deleted": 0,
        }
        columns.update(overrides)
        names = ", ".join("`%s`" % name for name in columns)
        values = ", ".join(":" + name for name in columns)
        self.run(conn, "INSERT INTO instances (%s) VALUES (%s)" % (names, values), **columns)

    def insert_related(self, conn, group_name="web"):
        self.run(conn, "INSERT INTO instance_info_caches (instance_uuid, network_info, created_at, updated_at) "
                 "VALUES (:u, :n, '2001-01-01 00:00:01', NULL)", u=self.uuid, n=NETWORK_INFO)
        # Soft-deleted, yet Nova's relationship still loads it.
        self.run(conn, "UPDATE instance_info_caches SET deleted = id, deleted_at = '2026-01-02 03:04:05' "
                 "WHERE instance_uuid = :u", u=self.uuid)
        for key, value in [("image_min_disk", "1"), ("dup", "old"), ("nullvalue", None),
                           ("\u00fcmlaut", "v\u00e4lue"), ("dup", "new"), ("zzz", "last")]:
            self.run(conn, "INSERT INTO instance_system_metadata (instance_uuid, `key`, value, created_at) "
                     "VALUES (:u, :k, :v, NOW())", u=self.uuid, k=key, v=value)
        self.run(conn, "UPDATE instance_system_metadata SET deleted = id WHERE instance_uuid = :u AND value = 'old'",
                 u=self.uuid)
        for name in ["default", group_name, "gone"]:
            result = self.run(conn, "INSERT INTO security_groups (name, description, user_id, project_id, "
                              "created_at, deleted) VALUES (:n, :d, 'u', :p, '2001-01-01 00:00:00', 0)",
                              n=name, d="objtest " + (name or ""), p="p-objtest-" + self.uuid[:8])
            self.group_ids.append(result.lastrowid)
        default, second, gone = self.group_ids
        self.run(conn, "UPDATE security_groups SET deleted = id WHERE id = :g", g=gone)
        for group, deleted in [(second, False), (default, False), (gone, False), (default, True)]:
            result = self.run(conn, "INSERT INTO security_group_instance_association "
                              "(security_group_id, instance_uuid, deleted) VALUES (:g, :u, 0)", g=group, u=self.uuid)
            if deleted:
                self.run(conn, "UPDATE security_group_instance_association SET deleted = id WHERE id = :i",
                         i=result.lastrowid)

    def delete(self):
        with self.engine.begin() as conn:
            for table in ["security_group_instance_association", "instance_system_metadata",
                          "instance_info_caches"]:
                self.run(conn, "DELETE FROM %s WHERE instance_uuid = :u" % table, u=self.uuid)
            for group in self.group_ids:
                self.run(conn, "DELETE FROM security_groups WHERE id = :g", g=group)
            self.run(conn, "DELETE FROM instances WHERE uuid = :u", u=self.uuid)


@pytest.fixture
def objtest(nova):
    rows = ObjtestRows(nova)
    try:
        yield rows
    finally:
        rows.delete()


def test_awkward_rows_are_byte_identical(nova, objtest):
    with objtest.engine.begin() as conn:
        objtest.insert_instance(conn)
        objtest.insert_related(conn)
    rc, out, err = cpp("--cell", objtest.cell.name, objtest.uuid)
    assert rc == 0, err
    nova_text = nova.primitive(objtest.uuid, objtest.cell)
    assert_same(out.rstrip("\n"), nova_text)
    # What the comparison covered, so that a fixture change cannot hollow it out.
    data = json.loads(nova_text)["nova_object.data"]
    assert data["access_ip_v4"] == "8.1.1.1" and data["access_ip_v6"] == "2001:db8::1:0:0:1"
    assert data["info_cache"]["nova_object.data"]["deleted"] is True
    assert list(data["system_metadata"])[1] == "dup" and data["system_metadata"]["dup"] == "new"
    groups = data["security_groups"]["nova_object.data"]["objects"]
    assert [g["nova_object.data"]["name"] for g in groups] == ["web", "default"]
    assert json.loads(data["info_cache"]["nova_object.data"]["network_info"])[1]["network"] is None


@pytest.mark.parametrize("instance_overrides, group_name", [
    ({"access_ip_v4": "not-an-ip"}, "web"),
    ({"access_ip_v6": "10.0.0.1"}, "web"),
    ({"launched_at": "0000-00-00 00:00:00"}, "web"),
    ({}, None),  # a security group without a name
])
def test_rows_nova_cannot_load_fail_on_both_sides(nova, objtest, instance_overrides, group_name):
    with objtest.engine.begin() as conn:
        if "launched_at" in instance_overrides:
            objtest.run(conn, "SET SESSION sql_mode = ''")
        objtest.insert_instance(conn, **instance_overrides)
        objtest.insert_related(conn, group_name=group_name)
    with pytest.raises(Exception):
        nova.primitive(objtest.uuid, objtest.cell)
    rc, out, err = cpp("--cell", objtest.cell.name, objtest.uuid)
    assert rc == 1 and out == ""
    assert ": corrupt: " in err, err


def test_minimum_compute_service_version(nova, seeded):
    rc, out, err = cpp("--service-version", seeded[0])
    assert rc == 0, err
    cell = nova.cell_of(seeded[0])
    with nova.target(cell) as cctxt:
        minimum = nova.objects.Service._db_service_get_minimum_version(cctxt, ["nova-compute"])
    expected = minimum.get("nova-compute")
    assert out.strip() == ("none" if expected is None else str(expected))


@pytest.mark.parametrize("level", ["auto", "zed", "yoga", "victoria", "6.0", "6.1", "5.12", "pike", "4.22"])
def test_capped_call_version_matches_zed_client(nova, level):
    """Zed's ComputeAPI knows up to 6.1, so for caps at or below that it picks
    what bdm-agent picks; bdm-agent adds nothing (no 6.3, no compute-alt)."""
    import oslo_messaging
    from nova.compute import rpcapi
    from nova import conf
    conf.CONF.set_override("compute", level, group="upgrade_levels")
    rpcapi.reset_globals()
    try:
        api = rpcapi.ComputeAPI()
        version = api._ver(nova.ctxt, "5.0")
        client = api.router.client(nova.ctxt).prepare(server="compute1", version=version)
        try:
            client._check_version_cap(version)
            expected = "%s compute false 2.7" % version
        except oslo_messaging.RPCVersionCapError:
            expected = "error failed precondition"
    finally:
        conf.CONF.clear_override("compute", group="upgrade_levels")
        rpcapi.reset_globals()
    rc, out, err = cpp("--plan", level)
    assert rc == 0, err
    assert out.strip().startswith(expected), (level, out)


def test_unset_level_plans_as_auto():
    """Unset [upgrade_levels] compute is auto to bdm-agent (Nova's unpinned
    client would send its newest version, which an older compute ignores)."""
    rc_auto, auto, err_auto = cpp("--plan", "auto")
    rc_unset, unset, err_unset = cpp("--plan", "-")
    assert rc_auto == 0 and rc_unset == 0, err_auto + err_unset
    assert unset == auto and not unset.startswith("error"), (unset, auto)
