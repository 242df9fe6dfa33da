"""bdm-agent get-connector beside the real `nova-manage volume_attachment
get_connector` (os-brick as installed), with the same nova.conf on the same host.

The last test lays out synthetic host files (iSCSI initiator, Fibre Channel
HBAs, NVMe host NQN, DMI product_uuid, nvme_core multipath) and runs both
programs in a private mount namespace in which those files sit at their real
paths; the machine's own /etc and /sys are never changed."""
import json
import os
import subprocess
import textwrap

import pytest


def _pairs(text):
    """The JSON object on the last line of `text`, as a list of (key, value) in order."""
    return json.loads(text.strip().splitlines()[-1], object_pairs_hook=list)


def _nova_manage(stack, config, *args, prefix=()):
    cmd = [*prefix, stack.env["BDM_PYTHON"], stack.env["BDM_NOVA_MANAGE"], "--config-file", config,
           "volume_attachment", "get_connector", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    return p.returncode, p.stdout, p.stderr


def _agent(stack, config, *args, prefix=()):
    cmd = [*prefix, stack.agent_bin, "--config-file", config, "get-connector", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def _assert_same_json(stack, config, prefix=()):
    rc, nm_out, nm_err = _nova_manage(stack, config, "--json", prefix=prefix)
    assert rc == 0, nm_out + nm_err
    rc, out, err = _agent(stack, config, "--json", prefix=prefix)
    assert rc == 0, err
    assert out.count("\n") == 1  # one line, as nova-manage prints it
    theirs, ours = _pairs(nm_out), _pairs(out)
    assert [k for k, _ in ours] == [k for k, _ in theirs]  # same keys, same order
    assert ours == theirs
    assert out.strip() == nm_out.strip().splitlines()[-1]  # byte for byte
    return dict(ours)


def test_json_is_what_nova_manage_prints(stack):
    ours = _assert_same_json(stack, stack.nova_conf)
    assert ours["host"] == stack.env["BDM_COMPUTE_HOST"]
    assert ours["os_type"] == "linux" and ours["do_local_attach"] is False


def test_block_storage_ip_and_host_from_the_config(stack, tmp_path):
    config = stack.write_config(tmp_path, {
        "host = compute1": "host = connector-test-host\nmy_block_storage_ip = 198.51.100.23"})
    ours = _assert_same_json(stack, config)
    assert (ours["ip"], ours["host"]) == ("198.51.100.23", "connector-test-host")


def test_without_my_ip_both_compute_the_hosts_address(stack, tmp_path):
    config = stack.write_config(tmp_path, {"my_ip = 127.0.0.1\n": ""})
    ours = _assert_same_json(stack, config)
    assert ours["ip"].count(".") == 3  # an IPv4 address (127.0.0.1 only on a host without a route)


def test_block_storage_ip_referring_to_the_computed_my_ip(stack, tmp_path):
    config = stack.write_config(tmp_path, {"my_ip = 127.0.0.1\n": "my_block_storage_ip = $my_ip\n"})
    _assert_same_json(stack, config)


def test_volume_use_multipath(stack, tmp_path):
    config = stack.write_config(tmp_path, {"[vnc]": "[libvirt]\nvolume_use_multipath = true\n\n[vnc]"})
    nm_rc, nm_out, nm_err = _nova_manage(stack, config, "--json")
    rc, out, err = _agent(stack, config, "--json")
    if nm_rc == 0:  # multipathd runs here: both report multipath true
        assert rc == 0, err
        assert _pairs(out) == _pairs(nm_out)
        assert dict(_pairs(out))["multipath"] is True
    else:  # os-brick 6.1 enforces multipathd (Nova passes enforce_multipath=True)
        assert "multipathd show status" in nm_out, nm_out + nm_err
        assert (nm_rc, rc, out) == (1, 1, "")
        assert "multipathd is not running" in err and "multipathd show status" in err


def test_table_is_what_nova_manage_prints(stack, tmp_path):
    config = stack.write_config(tmp_path, {"host = compute1": "host = table-host"})
    rc, nm_out, nm_err = _nova_manage(stack, config)
    assert rc == 0, nm_out + nm_err
    rc, out, err = _agent(stack, config)
    assert rc == 0, err
    assert out == nm_out
    assert "| host                  | table-host" in out


def test_help_and_usage_errors(stack):
    rc, out, err = _agent(stack, stack.nova_conf, "--help")
    assert rc == 0 and "Usage: bdm-agent get-connector" in out and "--json" in out
    rc, out, err = _agent(stack, stack.nova_conf, "--jsn")
    assert rc == 64 and out == "" and "get-connector" in err
    rc, out, err = _agent(stack, stack.nova_conf, "extra")
    assert rc == 64 and out == ""


def test_config_errors(stack, tmp_path):
    rc, out, err = _agent(stack, str(tmp_path / "missing.conf"))
    assert rc == 20 and out == "" and "missing.conf" in err
    bad = tmp_path / "bad.conf"
    bad.write_text("[libvirt]\nvolume_use_multipath = maybe\n")
    rc, out, err = _agent(stack, str(bad))
    assert rc == 20 and "volume_use_multipath" in err


# --- synthetic host files, in a private mount namespace ----------------------

HOST_NQN = "nqn.2014-08.org.nvmexpress:uuid:5f0e2c1a-7b7d-4b0e-9a51-3c2d1e0f9a8b"

MOUNT_SCRIPT = textwrap.dedent("""\
    set -e
    tree="$1"; shift
    mount --make-rprivate /
    mount --bind "$tree/sys/class" /sys/class
    mount --bind "$tree/sys/module" /sys/module
    mount --bind "$tree/etc/iscsi" /etc/iscsi
    mount --bind "$tree/etc/nvme" /etc/nvme
    exec "$@"
    """)


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def synthetic_host(tmp_path):
    tree = tmp_path / "tree"
    _write(tree / "etc/iscsi/initiatorname.iscsi",
           "## synthetic\nInitiatorName=iqn.2004-10.com.example:01:c0ffee\n")
    _write(tree / "etc/nvme/hostnqn", HOST_NQN + "\n")
    fc = tree / "sys/class/fc_host"
    for name, wwpn, wwnn, state in [("host3", "0x10000090fa1b2c3d", "0x20000090fa1b2c3d", "Online"),
                                    ("host4", "0x10000090fa1b2c3e", "0x20000090fa1b2c3e", "Linkdown"),
                                    ("host5", "0x10000090fa1b2c3f", "0x20000090fa1b2c3f", "Online")]:
        _write(fc / name / "port_name", wwpn + "\n")
        _write(fc / name / "node_name", wwnn + "\n")
        _write(fc / name / "port_state", state + "\n")
    _write(tree / "sys/class/dmi/id/product_uuid", "4C4C4544-0042-3110-8052-B4C04F4E3332\n")
    _write(tree / "sys/module/nvme_core/parameters/multipath", "Y\n")
    script = tmp_path / "in-namespace.sh"
    script.write_text(MOUNT_SCRIPT)
    # /etc/nvme is where os-brick keeps the host NQN; it creates it too.
    os.makedirs("/etc/nvme", exist_ok=True)
    return ["unshare", "--mount", "sh", str(script), str(tree)]


def test_synthetic_host_files_match_os_brick(stack, synthetic_host):
    ours = _assert_same_json(stack, stack.nova_conf, prefix=synthetic_host)
    assert ours["initiator"] == "iqn.2004-10.com.example:01:c0ffee"
    assert ours["wwpns"] == ["10000090fa1b2c3d", "10000090fa1b2c3f"] or \
        ours["wwpns"] == ["10000090fa1b2c3f", "10000090fa1b2c3d"]  # directory order
    assert ours["system uuid"] == "4C4C4544-0042-3110-8052-B4C04F4E3332"
    assert ours["nqn"] == HOST_NQN and ours["nvme_native_multipath"] is True
    assert "found_dsc" in ours
    rc, nm_table, nm_err = _nova_manage(stack, stack.nova_conf, prefix=synthetic_host)
    assert rc == 0, nm_table + nm_err
    rc, table, err = _agent(stack, stack.nova_conf, prefix=synthetic_host)
    assert rc == 0, err
    assert table == nm_table
    assert "['10000090fa1b2c3" in table  # the list as Python prints it
