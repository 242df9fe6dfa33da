"""tools/record-vectors (issue 11): the golden vectors in tests/vectors are
the project's own recordings. Re-recording them from the stack's real
nova-manage and nova-compute gives, field by field, what is checked in;
only ids, times and the values the seed makes fresh may differ
(tools/vectors.d/vector_compare.py says which). Also checks that the
comparison does see a difference that matters."""
import json
import os
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "vectors.d"))
import vector_compare  # noqa: E402

VECTORS = os.path.join(ROOT, "tests", "vectors")
CORPUS = os.path.join(ROOT, "tests", "corpus", "envelope")


def _json_files(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".json"))


def test_recording_again_gives_the_checked_in_vectors(stack, tmp_path):
    out, corpus = tmp_path / "vectors", tmp_path / "corpus"
    p = subprocess.run([os.path.join(ROOT, "tools", "record-vectors"), "--out", str(out), "--corpus", str(corpus),
                        "--agent", stack.agent_bin], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert _json_files(out) == _json_files(VECTORS)
    assert _json_files(corpus) == _json_files(CORPUS)
    found = {}
    for directory, checked_in in ((out, VECTORS), (corpus, CORPUS)):
        for name in _json_files(checked_in):
            differences = vector_compare.file_differences(str(directory / name), os.path.join(checked_in, name))
            if differences:
                found[name] = differences[:10]
    assert not found, json.dumps(found, indent=1)


def test_the_comparison_ignores_ids_and_times_but_not_what_matters():
    with open(os.path.join(VECTORS, "rpc-no-method-compute-call.json")) as f:
        vector = json.load(f)
    event = vector["publish"][0]
    message = json.loads(event["body_json"]["oslo.message"])

    def with_message(**changes):
        changed = json.loads(json.dumps(vector))
        body = dict(event["body_json"], **{"oslo.message": json.dumps(dict(message, **changes))})
        changed["publish"][0]["body_raw"] = json.dumps(body)
        changed["publish"][0]["t"] += 10.0
        return changed

    fresh = with_message(_msg_id="0123456789abcdef0123456789abcdef", _reply_q="reply_" + "f" * 32,
                         _context_request_id="req-00000000-1111-4222-8333-444444444444",
                         _context_timestamp="2030-01-02T03:04:05.678901")
    assert vector_compare.differences(fresh, vector) == []
    assert vector_compare.differences(with_message(version="6.1"), vector) == [
        "$.publish[0].body_raw<json>.oslo.message<json>.version: '6.1' != '6.0'"]
    reordered = with_message()
    reordered["publish"][0]["headers"]["properties"] = dict(reversed(event["headers"]["properties"].items()))
    assert vector_compare.differences(reordered, vector) != []
