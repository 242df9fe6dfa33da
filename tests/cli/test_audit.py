"""bdm-agent audit against the real stack (whichever BDM_STACK_DIR names):
tools/seed makes one instance per audit class, with real Nova rows and real
Cinder attachments; audit must find each class exactly on its rows, print
parseable --json lines without secrets, read Cinder in a number of requests
that does not depend on the number of BDMs, and change nothing."""
import contextlib
import json
import os
import re
import subprocess

import pytest

from refresh_support import unseed

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
VARIANTS = ["ok", "stale", "wrong-host", "no-attachment", "missing-attachment", "volume-gone",
            "connection-info-null", "corrupt", "dangling"]
SECRETS = ["corrupt-secret-1", "AQBfLXVkAAAAABAAqD0b3nJbbX2vTT7qFKbTKw=="]  # seed.py's corrupt row, stale keyring


@pytest.fixture(scope="module")
def seeded(stack, tmp_path_factory):
    seed_file = tmp_path_factory.mktemp("audit") / "seed.json"
    env = dict(os.environ, BDM_SEED_FILE=str(seed_file))
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "1", "--volumes", "1",
                    "--prefix", "audit-test", "--variants", ",".join(VARIANTS)],
                   check=True, env=env, capture_output=True, timeout=300)
    entries = json.loads(seed_file.read_text())
    assert sorted(e["variant"] for e in entries) == sorted(VARIANTS)
    yield entries
    unseed(seed_file)


def scope(entries):
    return [arg for e in entries for arg in ("--instance", e["instance_uuid"])]


def audit_json(stack, *args):
    code, out, err = stack.agent("audit", "--json", *args)
    lines = [json.loads(line) for line in out.splitlines()]  # every line parses
    assert lines and "summary" in lines[-1], out
    return code, lines[:-1], lines[-1]["summary"], err


def snapshot(stack, entries):
    """The Nova and Cinder rows of the seeded instances and volumes."""
    instances = [e["instance_uuid"] for e in entries]
    volumes = [e["volume_id"] for e in entries] + [d["volume_id"] for e in entries
                                                   for d in e.get("dangling_attachments", [])]
    out = {}
    for database, sql, args in [
        ("nova", "SELECT * FROM block_device_mapping WHERE instance_uuid IN %s ORDER BY id", instances),
        ("nova", "SELECT * FROM instances WHERE uuid IN %s ORDER BY id", instances),
        ("nova", "SELECT * FROM instance_actions WHERE instance_uuid IN %s ORDER BY id", instances),
        ("cinder", "SELECT * FROM volumes WHERE id IN %s ORDER BY id", volumes),
        ("cinder", "SELECT * FROM volume_attachment WHERE volume_id IN %s ORDER BY id", volumes),
    ]:
        with contextlib.closing(stack.db(database)) as conn, conn.cursor() as cur:
            cur.execute(sql, (args,))
            out[sql] = cur.fetchall()
    return out


def test_each_class_found_exactly_on_its_rows(stack, seeded):
    before = snapshot(stack, seeded)
    code, findings, summary, err = audit_json(stack, *scope(seeded))
    assert code == 1, err
    by_bdm = {f["bdm_uuid"]: f for f in findings if f["class"] != "dangling"}
    for e in seeded:
        if e["class"] == "ok":
            assert e["bdm_uuid"] not in by_bdm, (e["variant"], by_bdm.get(e["bdm_uuid"]))
        else:
            found = by_bdm.pop(e["bdm_uuid"])
            assert found["class"] == e["class"], (e["variant"], found)
            assert (found["instance_uuid"], found["volume_id"], found["host"]) == \
                (e["instance_uuid"], e["volume_id"], e["host"])
    assert not by_bdm  # nothing else
    dangling = [(f["attachment_id"], f["instance_uuid"]) for f in findings if f["class"] == "dangling"]
    assert dangling == [(d["attachment_id"], e["instance_uuid"]) for e in seeded
                        for d in e.get("dangling_attachments", [])]
    expected = {v: 0 for v in summary}
    for e in seeded:
        expected[e["class"]] += 1
    expected["dangling"], expected["bdms"] = 1, len(seeded)
    assert summary == expected
    for secret in SECRETS:
        assert secret not in err and secret not in json.dumps(findings)
    assert snapshot(stack, seeded) == before  # read-only

    # The table says the same, without secrets.
    code, out, err = stack.agent("audit", *scope(seeded))
    assert code == 1, err
    for e in seeded:
        if e["class"] != "ok":
            assert re.search(rf"\| {re.escape(e['class'])} +\| {e['bdm_uuid']} ", out), (e["class"], out)
    assert not any(secret in out for secret in SECRETS)


def cinder_requests(stack, args):
    """audit --debug: the Cinder requests it says it sent, checked against
    cinder-api's own access log (lines carrying the run's request id)."""
    log = stack.env["BDM_CINDER_API_LOG"]
    start = os.path.getsize(log)
    code, out, err = stack.agent("--debug", "audit", *args)
    said = re.search(r"in (\d+) request\(s\), request id (req-[0-9a-f-]+)", err)
    assert said, err
    with open(log, errors="replace") as f:
        f.seek(start)
        served = [line for line in f if said.group(2) in line and "eventlet.wsgi.server" in line]
    assert len(served) == int(said.group(1)), served
    assert all('"GET ' in line for line in served)  # nothing but reads
    return int(said.group(1))


def test_cinder_requests_do_not_grow_with_the_bdms(stack, seeded):
    one = cinder_requests(stack, scope(seeded[:1]))
    assert one == cinder_requests(stack, scope(seeded))
    assert one >= 4  # attachments and volumes, each until an empty page


def test_selection(stack, seeded):
    ok = next(e for e in seeded if e["class"] == "ok" and "dangling_attachments" not in e)
    code, findings, summary, err = audit_json(stack, "--instance", ok["instance_uuid"])
    assert (code, findings, summary["ok"], summary["bdms"]) == (0, [], 1, 1), err
    # Filters apply together.
    code, findings, summary, err = audit_json(stack, "--instance", ok["instance_uuid"], "--host", "compute-nowhere")
    assert (code, summary["bdms"]) == (0, 0), err
    code, findings, summary, err = audit_json(stack, "--instance", ok["instance_uuid"], "--host", ok["host"],
                                              "--cell", "cell1")
    assert (code, summary["bdms"]) == (0, 1), err
    # --driver-volume-type keeps those of that stored type (and those whose type cannot be told).
    code, findings, summary, err = audit_json(stack, "--driver-volume-type", "rbd", *scope(seeded))
    kept = {e["variant"] for e in seeded} - {"ok", "wrong-host", "no-attachment", "dangling"}
    assert summary["bdms"] == len(kept), (summary, err)
    # ... and the BDMs it leaves out still own their attachments: only the seeded dangling one is dangling.
    assert summary["dangling"] == 1, (summary, findings)
    # Monitors other than the stored ones make an ok rbd row stale; iscsi rows are not judged by them.
    stale = next(e for e in seeded if e["class"] == "stale")
    code, findings, summary, err = audit_json(stack, "--instance", stale["instance_uuid"], "--expect-monitors",
                                              "10.0.0.13,10.0.0.12,10.0.0.11")
    assert findings[0]["class"] == "stale" and "monitor" not in findings[0]["reason"], findings


def test_unknown_cell_and_unreachable_cinder(stack, tmp_path):
    code, out, err = stack.agent("audit", "--cell", "no-such-cell")
    assert (code, out) == (64, ""), err
    assert "no cell named no-such-cell" in err
    conf = stack.with_cinder_endpoint(tmp_path, "http://127.0.0.1:9/v3")
    code, out, err = stack.agent("audit", "--host", "compute-nowhere", config=conf)
    assert (code, out) == (19, ""), err
