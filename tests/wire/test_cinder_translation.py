"""NovaConnectionInfo against Nova's own _translate_attachment_ref (26.2.2).

The attachment answers come from the stack's real Cinder (21.3.1): a volume
made for the test is reserved, updated with the compute's real connector
(connector.json, mountpoint added as Nova does) and completed; the PUT answer
and the GET answer after os-complete are each fed, byte for byte, to
tests/integration/cinder_translate (bdm-agent's parser and translation) and to
nova.volume.cinder._translate_attachment_ref plus nova-manage's "serial". The
texts must be identical once both are written as json.dumps writes them (key
order included). The rbd and CHAP iSCSI shapes of nova-facts 4.4 go through
both sides as well.

Run: /usr/bin/python3 -m pytest tests/wire/test_cinder_translation.py
(stack.env sourced or BDM_STACK_DIR; BDM_BUILD_DIR or build/ for the program).
A missing stack or program fails; nothing skips.
"""
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

from nova.volume import cinder as nova_cinder
from stack_env import cinder_headers, read_stack_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


ENV = read_stack_env()


def _program():
    build = os.environ.get("BDM_BUILD_DIR", os.path.join(ROOT, "build"))
    path = os.path.join(build, "tests", "integration", "cinder_translate")
    if not os.access(path, os.X_OK):
        raise RuntimeError("cinder_translate not built (%s)" % path)
    return path


def bdm_agent(body, volume_id):
    p = subprocess.run([_program(), volume_id], input=body, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def nova(body, volume_id):
    ref = nova_cinder._translate_attachment_ref(json.loads(body)["attachment"])
    info = ref["connection_info"]
    if "serial" not in info:  # nova-manage volume_attachment refresh
        info["serial"] = volume_id
    return json.dumps(info)


def cinder(method, path, body=None):
    url = "%s/%s%s" % (ENV["BDM_CINDER_URL"], ENV["BDM_CINDER_PROJECT"], path)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        **cinder_headers(ENV), "OpenStack-API-Version": "volume 3.44", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.fixture
def volume():
    status, body = cinder("POST", "/volumes", {"volume": {"size": 1, "name": "bdm-agent-translate"}})
    assert status == 202, body
    vid = json.loads(body)["volume"]["id"]
    for _ in range(300):
        if json.loads(cinder("GET", "/volumes/" + vid)[1])["volume"]["status"] == "available":
            break
        time.sleep(0.1)
    yield vid
    _, listed = cinder("GET", "/attachments?volume_id=" + vid)
    for a in json.loads(listed).get("attachments", []):
        cinder("DELETE", "/attachments/" + a["id"])
    for _ in range(100):
        if json.loads(cinder("GET", "/volumes/" + vid)[1])["volume"]["status"] == "available":
            break
        time.sleep(0.1)
    cinder("DELETE", "/volumes/" + vid)


def same(body, volume_id):
    rc, ours, err = bdm_agent(body, volume_id)
    assert rc == 0, err
    assert json.dumps(json.loads(ours)) == nova(body, volume_id)
    return ours


def test_real_cinder_answers(volume):
    status, created = cinder("POST", "/attachments", {"attachment": {
        "volume_uuid": volume, "connector": None, "instance_uuid": str(uuid.uuid4())}})
    assert status == 200, created
    attachment_id = json.loads(created)["attachment"]["id"]
    # A reservation has connection_info {}: Nova would store {"serial": ...},
    # a connection_info with no connection; bdm-agent refuses it.
    rc, _, err = bdm_agent(created, volume)
    assert rc == 1 and "empty" in err

    with open(ENV["BDM_CONNECTOR_FILE"]) as f:
        connector = json.load(f)
    connector["mountpoint"] = "/dev/vdb"
    status, updated = cinder("PUT", "/attachments/" + attachment_id, {"attachment": {"connector": connector}})
    assert status == 200, updated
    ours = same(updated, volume)
    assert json.loads(ours)["driver_volume_type"] == "iscsi"
    assert json.loads(ours)["status"] == "reserved"

    status, _ = cinder("POST", "/attachments/%s/action" % attachment_id, {"os-complete": None})
    assert status == 204
    status, got = cinder("GET", "/attachments/" + attachment_id)
    assert status == 200
    assert json.loads(same(got, volume))["status"] == "attached"


RBD = {"name": "volumes/volume-8b9b3491", "hosts": ["10.0.0.11", "10.0.0.12", "10.0.0.13"],
       "ports": ["6789", "6789", "6789"], "cluster_name": "ceph", "auth_enabled": True,
       "auth_username": "cinder", "secret_type": "ceph", "secret_uuid": "457eb676-33da-42ec-9a8c-9293d545c337",
       "volume_id": "8b9b3491", "discard": True, "qos_specs": None, "access_mode": "rw", "encrypted": False,
       "cacheable": False, "enforce_multipath": True, "driver_volume_type": "rbd", "attachment_id": "a1"}
ISCSI = {"driver_volume_type": "iscsi", "target_discovered": False, "target_portal": "192.168.122.99:3260",
         "target_iqn": "iqn.2010-10.org.openstack:volume-8b9b", "target_lun": 0, "volume_id": "8b9b",
         "auth_method": "CHAP", "auth_username": "jsBM", "auth_password": "4XyN", "encrypted": False,
         "qos_specs": None, "access_mode": "rw", "cacheable": False, "enforce_multipath": True,
         "attachment_id": "a2", "target_portals": ["192.168.122.99:3260", "[fd00::1]:3260"],
         "weight": 1.5e-7, "unicode": "\u00e9\u2603"}


@pytest.mark.parametrize("connection_info", [RBD, ISCSI], ids=["rbd", "iscsi"])
def test_documented_shapes(connection_info):
    body = json.dumps({"attachment": {
        "id": "a1", "status": "reserved", "instance": "216f9481", "volume_id": "8b9b3491",
        "attached_at": "", "detached_at": "", "attach_mode": "null", "connection_info": connection_info}})
    same(body, "8b9b3491")
