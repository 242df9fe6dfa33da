"""tools/seed --remove against the real stack: a seeded instance leaves no
live Nova row (instance, BDMs, instance mapping) and no Cinder attachment or
volume; a second run changes nothing and succeeds; an instance the seed tool
did not make (another user_id) is refused and left whole."""
import contextlib
import json
import os
import subprocess

from refresh_support import ROOT, Cinder

OWNER_USER = "3d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a"  # tools/stack.d/seed.py's OWNER_USER


def seed_one(tmp_path):
    seed_file = tmp_path / "seed.json"
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "1", "--volumes", "1",
                    "--prefix", "remove-test", "--variants", "dangling"],
                   check=True, env=dict(os.environ, BDM_SEED_FILE=str(seed_file)), capture_output=True, timeout=300)
    return seed_file, json.loads(seed_file.read_text())[0]


def remove(seed_file):
    p = subprocess.run([os.path.join(ROOT, "tools", "seed"), "--remove", str(seed_file)],
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def live_rows(stack, entry):
    """(live instances, live BDMs, instance mappings) of the entry's instance."""
    u = entry["instance_uuid"]
    with contextlib.closing(stack.db("nova")) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM instances WHERE uuid=%s AND deleted=0", (u,))
        instances = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM block_device_mapping WHERE instance_uuid=%s AND deleted=0", (u,))
        bdms = cur.fetchone()[0]
    with contextlib.closing(stack.db("nova_api")) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM instance_mappings WHERE instance_uuid=%s", (u,))
        mappings = cur.fetchone()[0]
    return instances, bdms, mappings


def volume_ids(entry):
    return [entry["volume_id"]] + [d["volume_id"] for d in entry["dangling_attachments"]]


def test_remove_leaves_no_row_no_attachment_no_volume_and_runs_twice(stack, tmp_path):
    seed_file, entry = seed_one(tmp_path)
    cinder = Cinder(stack)
    assert live_rows(stack, entry) == (1, 2, 1)  # the image root BDM and the volume's
    assert all(cinder.get("/volumes/" + v)[0] == 200 for v in volume_ids(entry))

    code, out, err = remove(seed_file)
    assert (code, err) == (0, ""), err
    assert out.startswith("seed: removed 1 instance(s) and 2 volume(s) in "), out
    assert live_rows(stack, entry) == (0, 0, 0)
    status, got = cinder.get("/attachments?instance_id=" + entry["instance_uuid"])
    assert status == 200 and got["attachments"] == [], got
    for v in volume_ids(entry):
        status, got = cinder.get("/volumes/" + v)
        assert status == 404 or got["volume"]["status"] == "deleting", got
    # `show` finds the instance no more (exit 2, README "Exit codes").
    code, out, err = stack.agent("show", entry["instance_uuid"], entry["volume_id"])
    assert code == 2, (code, out, err)

    code, out, err = remove(seed_file)
    assert (code, err) == (0, ""), err
    assert out.startswith("seed: removed 0 instance(s) and 0 volume(s) in "), out


def test_remove_refuses_an_instance_the_seed_tool_did_not_make(stack, tmp_path):
    seed_file, entry = seed_one(tmp_path)
    with contextlib.closing(stack.db("nova")) as conn, conn.cursor() as cur:
        cur.execute("UPDATE instances SET user_id='someone-else' WHERE uuid=%s", (entry["instance_uuid"],))
    try:
        code, out, err = remove(seed_file)
        assert code == 1 and "not made by tools/seed" in err and entry["instance_uuid"] in err, (code, out, err)
        assert live_rows(stack, entry) == (1, 2, 1)
        assert all(Cinder(stack).get("/volumes/" + v)[1]["volume"]["status"] == "in-use" for v in volume_ids(entry))
    finally:
        with contextlib.closing(stack.db("nova")) as conn, conn.cursor() as cur:
            cur.execute("UPDATE instances SET user_id=%s WHERE uuid=%s", (OWNER_USER, entry["instance_uuid"]))
    code, out, err = remove(seed_file)
    assert code == 0 and live_rows(stack, entry) == (0, 0, 0), err
