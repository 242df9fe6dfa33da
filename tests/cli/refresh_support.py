"""Helpers for the refresh tests: fresh seeded instances, Cinder's view of a
volume, and a snapshot of everything refresh may change (BDM, instance lock,
lock reason, instance actions and events, the volume's attachments)."""
import contextlib
import json
import os
import subprocess
import urllib.error
import urllib.request

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
AGENT_OPTIONS = ["--allow-hypervisor-type", "fake"]  # the stack's compute runs Nova's FakeDriver


def seed(stack, tmp_path, instances, volumes=1):
    """New stopped instances with real attachments and stale connection_info."""
    seed_file = tmp_path / "seed.json"
    env = dict(os.environ, BDM_SEED_FILE=str(seed_file))
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", str(instances), "--volumes", str(volumes),
                    "--prefix", "refresh-test"], check=True, env=env, capture_output=True, timeout=300)
    return json.loads(seed_file.read_text())


def unseed(*seed_files):
    """Removes the instances (Nova rows, Cinder attachments and volumes) the
    seed files list, with tools/seed --remove, then the files."""
    files = [str(f) for f in seed_files if os.path.exists(f)]
    if files:
        subprocess.run([os.path.join(ROOT, "tools", "seed"), "--remove", *files], check=True,
                       capture_output=True, timeout=600)
    for f in files:
        os.unlink(f)


class Cinder:
    def __init__(self, stack):
        self.base = stack.env["BDM_CINDER_URL"] + "/" + stack.env["BDM_CINDER_PROJECT"]
        self.auth = stack.cinder_headers()

    def request(self, method, path, body=None):
        """(status, body) of a request at microversion 3.44, as a service
        caller (the nova user's token as X-Service-Token: the service role
        Cinder wants for deleting a connected attachment)."""
        request = urllib.request.Request(
            self.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={**self.auth, "OpenStack-API-Version": "volume 3.44", "Accept": "application/json",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, None

    def get(self, path):
        return self.request("GET", path)

    def reserve(self, volume_id, instance_uuid, connector=None):
        """A new attachment made directly through Cinder's API (as another
        tool, or a create that landed late, would leave it); its id."""
        body = {"attachment": {"volume_uuid": volume_id, "instance_uuid": instance_uuid}}
        if connector is not None:
            body["attachment"]["connector"] = connector
        status, answer = self.request("POST", "/attachments", body)
        assert status == 200, (status, answer)
        return answer["attachment"]["id"]

    def delete(self, attachment_id):
        status, _ = self.request("DELETE", "/attachments/" + attachment_id)
        assert status in (200, 404), status

    def attachment(self, attachment_id):
        status, body = self.get("/attachments/" + attachment_id)
        return body["attachment"] if status == 200 else None

    def attachments_of(self, volume_id):
        status, body = self.get("/attachments?volume_id=" + volume_id)
        assert status == 200, status
        return sorted(body["attachments"], key=lambda a: a["id"])

    def volume(self, volume_id):
        status, body = self.get("/volumes/" + volume_id)
        assert status == 200, status
        return body["volume"]


def rows(stack, sql, args):
    with contextlib.closing(stack.db("nova")) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def execute(stack, sql, args):
    with contextlib.closing(stack.db("nova")) as conn, conn.cursor() as cur:
        cur.execute(sql, args)


def snapshot(stack, cinder, entry):
    """Everything a refresh of `entry` may change, as plain data."""
    instance, volume = entry["instance_uuid"], entry["volume_id"]
    bdm = rows(stack, "SELECT * FROM block_device_mapping WHERE instance_uuid=%s AND volume_id=%s AND deleted=0",
               (instance, volume))
    inst = rows(stack, "SELECT locked, locked_by, vm_state, task_state, updated_at FROM instances WHERE uuid=%s",
                (instance,))
    reason = rows(stack, "SELECT value FROM instance_system_metadata WHERE instance_uuid=%s AND `key`='locked_reason' "
                  "AND deleted=0", (instance,))
    actions = rows(stack, "SELECT id, action, request_id, user_id, project_id, start_time IS NOT NULL AS started, "
                   "finish_time IS NOT NULL AS finished, message FROM instance_actions WHERE instance_uuid=%s "
                   "ORDER BY id", (instance,))
    events = rows(stack, "SELECT a.action, e.event, e.result, e.host, e.traceback, e.details, "
                  "e.finish_time IS NOT NULL AS finished FROM instance_actions_events e "
                  "JOIN instance_actions a ON e.action_id = a.id WHERE a.instance_uuid=%s ORDER BY e.id", (instance,))
    return {"bdm": bdm, "instance": inst, "locked_reason": reason, "actions": actions, "events": events,
            "attachments": cinder.attachments_of(volume), "volume_status": cinder.volume(volume)["status"]}


def nova_translation(attachment, volume_id):
    """What Nova 26 stores for `attachment` (its own translation + serial)."""
    from nova.volume import cinder as nova_cinder  # noqa: imported here: slow
    translated = nova_cinder._translate_attachment_ref(dict(attachment))
    connection_info = translated["connection_info"]
    connection_info.setdefault("serial", volume_id)
    return connection_info


def assert_consistent(stack, cinder, entry):
    """The invariants refresh and recover promise after any failure or crash:
    the instance unlocked, its refresh action finished, the BDM pointing at
    an attachment Cinder has, no other attachment of this instance on the
    volume, connection_info present, the volume still attached."""
    snap = snapshot(stack, cinder, entry)
    assert snap["instance"][0]["locked"] == 0 and snap["instance"][0]["locked_by"] is None
    assert snap["locked_reason"] == []
    assert all(a["finished"] for a in snap["actions"] if a["action"] == "refresh_volume_attachment")
    bdm = snap["bdm"][0]
    assert bdm["connection_info"], "connection_info must never be left NULL"
    ours = [a for a in snap["attachments"] if a["instance"] == entry["instance_uuid"]]
    assert [a["id"] for a in ours] == [bdm["attachment_id"]], (ours, bdm["attachment_id"])
    assert snap["volume_status"] in ("in-use", "reserved"), snap["volume_status"]
    return snap
