"""Field-by-field comparison of two recordings of the golden vectors
(tools/record-vectors' output against tests/vectors), ignoring what differs
between any two recordings: ids (uuids, message and unique ids, request
ids, reply and fanout queue names, the seed's names and reservation ids,
database ids), times, lengths that follow from those, Erlang pids and the
host's iSCSI initiator name. Strings holding JSON (the oslo envelope, the
inner message, a failure) are compared as JSON, key order included."""
import json
import re

IGNORED_KEYS = {"t", "t_rel", "wall_s", "captured_at", "timestamp_in_ms", "body_len", "id", "instance_type_id"}
FRESH = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"[0-9a-f]{32}"), "<hex>"),
    (re.compile(r"vectors-b\d+-[0-9a-f]{6}"), "<seed>"),
    (re.compile(r"\br-[0-9a-f]{8}\b"), "r-<hex>"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?"), "<time>"),
    (re.compile(r"<[^<>@]+@[^<>]+\.\d+\.\d+\.\d+>"), "<pid>"),
    (re.compile(r"iqn\.\d{4}-\d\d\.[\w.-]+:[\w.:-]+"), "<iqn>"),
]


def normalise(text):
    for pattern, placeholder in FRESH:
        text = pattern.sub(placeholder, text)
    return text


def _json_in(text):
    if text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return None
    return None


def differences(ours, theirs, path="$"):
    """Human-readable differences between two decoded JSON values."""
    if isinstance(ours, str) and isinstance(theirs, str):
        a, b = _json_in(ours), _json_in(theirs)
        if a is not None and b is not None:
            return differences(a, b, path + "<json>")
        if normalise(ours) != normalise(theirs):
            return ["%s: %r != %r" % (path, normalise(ours), normalise(theirs))]
        return []
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if list(ours) != list(theirs):
            return ["%s: keys %s != %s" % (path, list(ours), list(theirs))]
        found = []
        for key in ours:
            if key not in IGNORED_KEYS:
                found += differences(ours[key], theirs[key], "%s.%s" % (path, key))
        return found
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return ["%s: %d items != %d" % (path, len(ours), len(theirs))]
        found = []
        for i, (a, b) in enumerate(zip(ours, theirs)):
            found += differences(a, b, "%s[%d]" % (path, i))
        return found
    if type(ours) is not type(theirs) or ours != theirs:
        return ["%s: %r != %r" % (path, ours, theirs)]
    return []


def file_differences(ours_path, theirs_path):
    """differences() of two files: JSON compared as JSON, anything else (a
    body of the fuzz corpus) as JSON when it parses, else as text."""
    with open(ours_path) as f:
        ours = f.read()
    with open(theirs_path) as f:
        theirs = f.read()
    return differences(ours.strip(), theirs.strip())
