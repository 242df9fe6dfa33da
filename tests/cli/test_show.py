"""bdm-agent show against the real Nova schema, side by side with nova-manage."""
import contextlib
import json

from conftest import new_uuid

BDM_KEYS = {"id", "uuid", "instance_uuid", "source_type", "destination_type", "guest_format",
            "device_type", "disk_bus", "boot_index", "device_name", "delete_on_termination",
            "snapshot_id", "volume_id", "volume_size", "image_id", "no_device", "connection_info",
            "tag", "attachment_id", "volume_type", "encrypted", "encryption_secret_uuid",
            "encryption_format", "encryption_options", "created_at", "updated_at", "deleted_at",
            "deleted"}


def _json_line(out):
    return json.loads(out.strip().splitlines()[-1])


def test_json_agrees_with_nova_manage_on_every_shared_field(stack):
    for row in stack.seeded[:2]:
        rc, nm_out, nm_err = stack.nova_manage("volume_attachment", "show", row["instance_uuid"],
                                               row["volume_id"], "--json")
        assert rc == 0, nm_err
        rc, out, err = stack.agent("show", "--instance", row["instance_uuid"], "--volume", row["volume_id"],
                                   "--json", "--show-secrets")
        assert rc == 0, err
        theirs, ours = _json_line(nm_out), json.loads(out)
        shared = [k for k in theirs if k in ours]
        assert set(shared) == BDM_KEYS == set(ours)
        for key in shared:
            if key == "connection_info":  # nova-manage double-encodes it; we nest it
                assert json.loads(theirs[key]) == ours[key]
            else:
                assert theirs[key] == ours[key], key
        assert [k for k in ours if k in theirs] == shared  # same field order


def test_by_bdm_uuid_finds_the_same_row(stack):
    row = stack.seeded[0]
    rc, by_pair, err = stack.agent("show", "--instance", row["instance_uuid"], "--volume", row["volume_id"], "--json")
    assert rc == 0, err
    rc, by_uuid, err = stack.agent("show", row["bdm_uuid"], "--json")
    assert rc == 0, err
    assert by_uuid == by_pair
    assert json.loads(by_uuid)["attachment_id"] == row["attachment_id"]
    rc, positional, err = stack.agent("show", row["instance_uuid"], row["volume_id"], "--json")
    assert (rc, positional) == (0, by_pair)


def test_table_lists_every_field_sorted(stack):
    row = stack.seeded[0]
    rc, out, err = stack.agent("show", row["bdm_uuid"])
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[1].split("|")[1].strip() == "Property"
    keys = [line.split("|")[1].strip() for line in lines[3:-1] if line.split("|")[1].strip()]
    assert keys == sorted(BDM_KEYS)
    assert f"| {row['bdm_uuid']}" in out


def test_secrets_are_masked_unless_asked(stack):
    row = stack.seeded[0]
    rc, raw, _ = stack.agent("show", row["bdm_uuid"], "--connection-info", "--json", "--show-secrets")
    assert rc == 0
    stored = json.loads(raw)["data"]
    secrets = {k: v for k, v in stored.items() if k in ("auth_password", "keyring", "secret", "target_secret")}
    assert secrets, "the seed must store at least one secret in connection_info"
    for args in (["--json"], [], ["--connection-info"], ["--connection-info", "--json"]):
        rc, out, err = stack.agent("show", row["bdm_uuid"], *args)
        assert rc == 0, err
        for value in secrets.values():
            assert str(value) not in out, args
        assert "***" in out
    rc, out, _ = stack.agent("show", row["bdm_uuid"], "--json", "--connection-info")
    masked = json.loads(out)["data"]
    assert {k for k, v in masked.items() if v == "***"} == set(secrets)
    assert masked["secret_uuid"] == stored["secret_uuid"]  # an identifier, not a secret


def test_connection_info_json_with_secrets_is_what_nova_manage_prints(stack):
    row = stack.seeded[1]
    rc, nm_out, nm_err = stack.nova_manage("volume_attachment", "show", row["instance_uuid"], row["volume_id"],
                                           "--connection_info", "--json")
    assert rc == 0, nm_err
    rc, out, err = stack.agent("show", "--instance", row["instance_uuid"], "--volume", row["volume_id"],
                               "--connection_info", "--json", "--show-secrets")
    assert rc == 0, err
    assert out.strip() == nm_out.strip().splitlines()[-1]


def test_not_found_exit_codes_match_nova_manage(stack):
    row = stack.seeded[0]
    missing_instance, missing_volume = new_uuid(), new_uuid()
    for args, code in ((("volume_attachment", "show", missing_instance, row["volume_id"]), 2),
                       (("volume_attachment", "show", row["instance_uuid"], missing_volume), 3)):
        rc, _, _ = stack.nova_manage(*args)
        assert rc == code
        rc, out, err = stack.agent("show", *args[2:])
        assert rc == code, err
        assert out == ""
        assert err.startswith("bdm-agent: error: ") and err.count("\n") == 1
    rc, _, err = stack.agent("show", new_uuid())
    assert rc == 3 and "No Block Device Mapping with uuid" in err


def test_deleted_instance_has_its_own_exit_code(stack, scratch_rows):
    instance = new_uuid()
    cell_conn = stack.db("nova")
    with contextlib.closing(cell_conn), cell_conn.cursor() as cur:
        cur.execute("INSERT INTO instances (uuid, deleted, vm_state, host) VALUES (%s, 0, 'deleted', 'compute1')",
                    (instance,))
        cur.execute("UPDATE instances SET deleted = id, deleted_at = NOW() WHERE uuid = %s", (instance,))
    scratch_rows("nova", "instances", "uuid", instance)
    api = stack.db("nova_api")
    with contextlib.closing(api), api.cursor() as cur:
        cur.execute("INSERT INTO instance_mappings (instance_uuid, cell_id, project_id, created_at) "
                    "SELECT %s, id, 'p', NOW() FROM cell_mappings WHERE name = 'cell1'", (instance,))
    scratch_rows("nova_api", "instance_mappings", "instance_uuid", instance)
    rc, _, err = stack.agent("show", "--instance", instance, "--volume", new_uuid())
    assert rc == 25, err
    assert f"Instance {instance} is deleted." in err


def test_malformed_connection_info_is_reported_not_crashed_on(stack, scratch_rows):
    row = stack.seeded[0]
    volume, bdm_uuid = new_uuid(), new_uuid()
    conn = stack.db("nova")
    with contextlib.closing(conn), conn.cursor() as cur:
        cur.execute("INSERT INTO block_device_mapping (uuid, instance_uuid, source_type, destination_type, "
                    "volume_id, device_name, connection_info, deleted, created_at) "
                    "VALUES (%s, %s, 'volume', 'volume', %s, '/dev/vdz', %s, 0, NOW())",
                    (bdm_uuid, row["instance_uuid"], volume, '{"driver_volume_type": "rbd", "data": {'))
    scratch_rows("nova", "block_device_mapping", "uuid", bdm_uuid)
    rc, out, err = stack.agent("show", bdm_uuid)
    assert rc == 24 and out == ""
    assert "connection_info is not valid JSON" in err and err.count("\n") == 1
    rc, out, err = stack.agent("show", bdm_uuid, "--json", "--show-secrets")
    assert rc == 0, err
    assert json.loads(out)["connection_info"] == '{"driver_volume_type": "rbd", "data": {'


def test_database_failures_have_distinct_codes_and_never_print_passwords(stack, tmp_path):
    password = stack.env["BDM_MYSQL_PASSWORD"]
    row = stack.seeded[0]
    wrong = stack.write_config(tmp_path, {f":{password}@": ":not-the-password-42@"})
    rc, out, err = stack.agent("show", row["bdm_uuid"], config=wrong)
    assert rc == 23 and out == ""
    assert "Access denied for user 'nova'" in err
    assert "not-the-password-42" not in err and password not in err

    port = stack.env["BDM_MYSQL_PORT"]
    unreachable = stack.write_config(tmp_path, {f"@127.0.0.1:{port}/nova_api": "@127.0.0.1:1/nova_api"})
    rc, _, err = stack.agent("show", row["bdm_uuid"], config=unreachable)
    assert rc == 21, err
    assert "API database" in err and password not in err


def test_unreachable_cell(stack, scratch_rows):
    instance, cell_uuid = new_uuid(), new_uuid()
    api = stack.db("nova_api")
    with contextlib.closing(api), api.cursor() as cur:
        cur.execute("INSERT INTO cell_mappings (uuid, name, transport_url, database_connection, disabled, created_at) "
                    "VALUES (%s, 'broken', 'none:///', 'mysql+pymysql://nova:pw@127.0.0.1:1/nova', 0, NOW())",
                    (cell_uuid,))
        scratch_rows("nova_api", "cell_mappings", "uuid", cell_uuid)
        cur.execute("INSERT INTO instance_mappings (instance_uuid, cell_id, project_id, created_at) "
                    "SELECT %s, id, 'p', NOW() FROM cell_mappings WHERE uuid = %s", (instance, cell_uuid))
        scratch_rows("nova_api", "instance_mappings", "instance_uuid", instance)
    rc, _, err = stack.agent("show", "--instance", instance, "--volume", new_uuid())
    assert rc == 22, err
    assert "cell 'broken' database" in err
    # A BDM in a healthy cell is still found by uuid; a missing one cannot be
    # declared absent while a cell is unreachable.
    rc, _, err = stack.agent("show", stack.seeded[0]["bdm_uuid"])
    assert rc == 0, err
    rc, _, err = stack.agent("show", new_uuid())
    assert rc == 22 and "could not search 'broken'" in err


def test_config_errors(stack, tmp_path):
    rc, _, err = stack.agent("show", new_uuid(), config=str(tmp_path / "absent.conf"))
    assert rc == 20 and "absent.conf" in err
    bad = stack.write_config(tmp_path, {"connection = mysql+pymysql://": "connection = postgresql://"})
    rc, _, err = stack.agent("show", new_uuid(), config=bad)
    assert rc == 20 and "connection" in err


def test_usage_version_help_and_debug(stack):
    rc, _, err = stack.agent("show")
    assert rc == 64 and "bdm-agent: error: show:" in err
    rc, _, err = stack.agent("shwo", new_uuid())
    assert rc == 64 and "did you mean 'show'" in err
    rc, out, _ = stack.agent("--version")
    assert rc == 0 and out.startswith("bdm-agent ")
    rc, out, _ = stack.agent("show", "--help")
    assert rc == 0 and "--show-secrets" in out
    rc, out, err = stack.agent("--debug", "show", stack.seeded[0]["bdm_uuid"])
    assert rc == 0
    assert "bdm-agent: debug: " in err and "API database" in err
    assert stack.env["BDM_MYSQL_PASSWORD"] not in err


def test_legacy_row_without_uuid_is_shown_and_left_unwritten(stack, scratch_rows):
    row = stack.seeded[0]
    volume = new_uuid()
    conn = stack.db("nova")
    with contextlib.closing(conn), conn.cursor() as cur:
        cur.execute("INSERT INTO block_device_mapping (uuid, instance_uuid, source_type, destination_type, "
                    "volume_id, device_name, connection_info, deleted, created_at) "
                    "VALUES (NULL, %s, 'volume', 'volume', %s, '/dev/vdy', '{}', 0, NOW())",
                    (row["instance_uuid"], volume))
    scratch_rows("nova", "block_device_mapping", "volume_id", volume)
    rc, out, err = stack.agent("show", "--instance", row["instance_uuid"], "--volume", volume, "--json")
    assert rc == 0, err
    assert json.loads(out)["uuid"] is None
    assert "has no uuid (a legacy row" in err
    conn = stack.db("nova")
    with contextlib.closing(conn), conn.cursor() as cur:
        cur.execute("SELECT uuid FROM block_device_mapping WHERE volume_id = %s", (volume,))
        assert cur.fetchone() == (None,)  # show never writes (nova-manage would assign one)
