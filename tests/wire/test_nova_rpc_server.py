"""bdm-agent's remove_volume_connection as a real Nova RPC server decodes it.

The server is an oslo.messaging RPC server in this test process, on the
stack's RabbitMQ (transport from the stack's nova.conf, exchange "nova") and
a fresh topic per test, set up as nova.rpc.get_server sets up Nova's
services: Nova's RequestContextSerializer around Nova's real
NovaObjectSerializer, DefaultRPCAccessPolicy, and an endpoint with the
compute manager's target version (6.1) and Zed's remove_volume_connection
signature. Only the executor differs: "threading" instead of Nova's
eventlet, which would need this process monkey-patched. The serializer
records the raw context dict before Nova turns it into a RequestContext
(a pass-through, to know what was sent).

The agent side is bdm-agent's own code: instance_primitive_dump --plan auto
--call-args builds the call's args (Instance primitive from the cell
database, at the version the plan picks for the stack's Zed computes), and
rpc_probe --admin-context 1 sends them through rpc::RpcClient with the
admin RequestContext of proto_compat.

Checked: the hydrated objects.Instance equals, field by field and nested
objects included, the one objects.Instance.get_by_uuid loads from the same
database with the attributes nova-manage's instance carries; the
RequestContext is an admin context holding every field the agent sent; the
endpoint's return value reaches the agent as the call's result; an exception
the endpoint raises (Nova's own BDM lookup failing) reaches the agent as a
remote error naming nova.exception.VolumeBDMNotFound.

Run: BDM_BUILD_DIR=$PWD/build /usr/bin/python3 -m pytest tests/wire/test_nova_rpc_server.py
(BDM_STACK_DIR, default /var/tmp/bdm-agent-stack). A missing stack or
program fails; nothing skips.
"""
import datetime
import json
import os
import queue
import re
import subprocess
import uuid as uuidlib

import pytest
from stack_env import STACK_DIR, read_stack_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# get_by_uuid's default (info_cache, security_groups) plus system_metadata,
# which nova-manage's lock of the instance loads before the call.
NOVA_MANAGE_ATTRS = ["info_cache", "security_groups", "system_metadata"]
SERVER = "bdm-wire-nova"


STACK = read_stack_env()


def _program(name):
    builds = [os.environ["BDM_BUILD_DIR"]] if "BDM_BUILD_DIR" in os.environ else [os.path.join(ROOT, "build")]
    for build in builds:
        path = os.path.join(build, "tests", "integration", name)
        if os.access(path, os.X_OK):
            return path
    raise RuntimeError("%s not built (looked in %s)" % (name, ", ".join(builds)))


def _nova_modules():
    """Nova configured from the stack's nova.conf (once per process)."""
    from nova import config, context, exception, objects, rpc
    import nova.conf
    objects.register_all()
    if "config_file" not in nova.conf.CONF:  # not yet parsed (by another wire test)
        config.parse_args(["bdm-agent-wire-test", "--config-file", STACK["BDM_NOVA_CONF"]])
    if rpc.TRANSPORT is None:
        rpc.init(nova.conf.CONF)
    return config, context, exception, objects, rpc


class Endpoint:
    """remove_volume_connection as Zed's ComputeManager declares it; it
    keeps what it got, looks the BDM up as the compute does, and returns a
    value naming what it found (the real one returns None)."""

    def __init__(self, objects, received):
        import oslo_messaging
        self.target = oslo_messaging.Target(version="6.1")
        self._objects = objects
        self._received = received

    def remove_volume_connection(self, context, volume_id, instance):
        self._received.put((context, volume_id, instance))
        bdm = self._objects.BlockDeviceMapping.get_by_volume_and_instance(context, volume_id, instance.uuid)
        return {"instance_uuid": instance.uuid, "volume_id": volume_id, "bdm_uuid": bdm.uuid,
                "request_id": context.request_id}


@pytest.fixture(scope="module")
def nova_server():
    import oslo_messaging
    from oslo_messaging.rpc import dispatcher
    _, context, exception, objects, rpc = _nova_modules()
    from nova.objects import base as objects_base

    raw_contexts = []

    class RecordingContextSerializer(rpc.RequestContextSerializer):
        def deserialize_context(self, ctxt):
            raw_contexts.append(dict(ctxt))
            return super().deserialize_context(ctxt)

    received = queue.Queue()
    topic = "bdm-wire-nova-" + uuidlib.uuid4().hex[:12]
    server = oslo_messaging.get_rpc_server(
        rpc.TRANSPORT, oslo_messaging.Target(topic=topic, server=SERVER), [Endpoint(objects, received)],
        executor="threading", serializer=RecordingContextSerializer(objects_base.NovaObjectSerializer()),
        access_policy=dispatcher.DefaultRPCAccessPolicy)
    server.start()
    try:
        yield {"topic": topic, "received": received, "raw_contexts": raw_contexts, "context": context,
               "exception": exception, "objects": objects}
    finally:
        server.stop()
        server.wait()
        _delete_queues(topic, topic + "." + SERVER)


def _delete_queues(*names):
    """The test topic's queues are not transient: remove them (ours only)."""
    import kombu
    with kombu.Connection(STACK["BDM_RABBIT_URL"].replace("rabbit://", "amqp://", 1)) as conn:
        channel = conn.channel()
        for name in names:
            channel.queue_delete(name)


def _agent_call(topic, instance_uuid, volume_id):
    """Builds the call with bdm-agent's code and sends it; the probe's lines."""
    built = subprocess.run([_program("instance_primitive_dump"), "--config-file", STACK["BDM_NOVA_CONF"],
                            "--plan", "auto", "--call-args", volume_id, instance_uuid],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    plan, args = built.stdout.splitlines()
    version, call_topic, delete_attachment, instance_version = plan.split()
    # The stack's computes are Zed (service version 64 -> cap 6.1).
    assert (version, call_topic, delete_attachment, instance_version) == ("6.0", "compute", "false", "2.7"), plan
    probe = subprocess.run([_program("rpc_probe"), "--url", STACK["BDM_RABBIT_URL"], "--exchange", "nova",
                            "--topic", topic, "--server", SERVER, "--method", "remove_volume_connection",
                            "--version", version, "--admin-context", "1", "--timeout-ms", "30000",
                            "--args", args], capture_output=True, text=True, timeout=120)
    return probe.returncode, probe.stdout.splitlines(), probe.stderr, json.loads(args)


def object_differences(expected, actual, path):
    """Every difference between two values of Nova objects' fields: types,
    object versions, which fields are set, and each set field's value,
    recursively through nested objects, lists and dicts (network models)."""
    from oslo_versionedobjects import base as ovo_base
    if type(expected) is not type(actual):
        return ["%s: type %s != Nova's %s" % (path, type(actual).__name__, type(expected).__name__)]
    if isinstance(expected, ovo_base.VersionedObject):
        out = []
        if expected.VERSION != actual.VERSION:
            out.append("%s: version %s != Nova's %s" % (path, actual.VERSION, expected.VERSION))
        if expected.obj_what_changed() != actual.obj_what_changed():
            out.append("%s: changed %s != Nova's %s" % (path, actual.obj_what_changed(), expected.obj_what_changed()))
        for name in expected.fields:
            is_set = expected.obj_attr_is_set(name)
            if is_set != actual.obj_attr_is_set(name):
                out.append("%s.%s: set %s != Nova's %s" % (path, name, not is_set, is_set))
            elif is_set:
                out.extend(object_differences(getattr(expected, name), getattr(actual, name), path + "." + name))
        return out
    if isinstance(expected, dict):
        if list(expected) != list(actual):
            return ["%s: keys %s != Nova's %s" % (path, list(actual), list(expected))]
        return [d for key in expected for d in object_differences(expected[key], actual[key], "%s[%r]" % (path, key))]
    if isinstance(expected, (list, tuple)):
        if len(expected) != len(actual):
            return ["%s: %d items != Nova's %d" % (path, len(actual), len(expected))]
        return [d for i, (e, a) in enumerate(zip(expected, actual))
                for d in object_differences(e, a, "%s[%d]" % (path, i))]
    if isinstance(expected, datetime.datetime) and expected.utcoffset() != actual.utcoffset():
        return ["%s: %r != Nova's %r" % (path, actual, expected)]
    return [] if expected == actual else ["%s: %r != Nova's %r" % (path, actual, expected)]


@pytest.fixture(scope="module")
def seeded_row():
    with open(os.path.join(STACK_DIR, "seed.json")) as f:
        rows = json.load(f)
    assert rows, "seed.json lists nothing: run tools/seed"
    return rows[0]


def test_instance_and_context_hydrate_as_nova_loads_them(nova_server, seeded_row):
    uuid, volume_id = seeded_row["instance_uuid"], seeded_row["volume_id"]
    rc, lines, err, sent_args = _agent_call(nova_server["topic"], uuid, volume_id)
    assert rc == 0, "\n".join(lines) + err
    ctxt, got_volume, instance = nova_server["received"].get(timeout=10)
    assert nova_server["received"].empty()

    # The reply: the endpoint's return value is the call's result.
    assert lines[1].startswith("result 0 "), lines
    assert json.loads(lines[1][len("result 0 "):]) == {
        "instance_uuid": uuid, "volume_id": volume_id, "bdm_uuid": seeded_row["bdm_uuid"],
        "request_id": ctxt.request_id}

    # The Instance: equal to what Nova loads from the same database.
    objects, context = nova_server["objects"], nova_server["context"]
    assert got_volume == volume_id
    assert isinstance(instance, objects.Instance)
    admin = context.get_admin_context()
    cell = objects.InstanceMapping.get_by_instance_uuid(admin, uuid).cell_mapping
    with context.target_cell(admin, cell) as cctxt:
        loaded = objects.Instance.get_by_uuid(cctxt, uuid, expected_attrs=NOVA_MANAGE_ATTRS)
    assert object_differences(loaded, instance, "instance") == []
    # What the comparison covered, so that an empty object cannot pass.
    set_fields = {name for name in loaded.fields if loaded.obj_attr_is_set(name)}
    assert set(NOVA_MANAGE_ATTRS) <= set_fields and {"uuid", "host", "vm_state", "created_at"} <= set_fields
    assert set_fields == set(sent_args["instance"]["nova_object.data"])
    assert instance.info_cache.network_info is not None and instance.system_metadata

    # The RequestContext: an admin context holding every field the agent sent.
    assert isinstance(ctxt, context.RequestContext)
    raw = dict(nova_server["raw_contexts"][-1])
    # oslo's driver adds the envelope's _timeout (null: no call monitor, as
    # nova-manage's call) to the dict it hands the serializer.
    assert raw.pop("client_timeout") is None
    assert list(raw) == list(context.get_admin_context().to_dict()), "not the keys of Nova's admin context"
    assert ctxt.is_admin is True and context.is_user_context(ctxt) is False
    assert ctxt.user_id is None and ctxt.project_id is None and ctxt.roles == []
    assert ctxt.read_deleted == "no" and ctxt.service_catalog == []
    assert re.fullmatch(r"req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", ctxt.request_id)
    age = datetime.datetime.utcnow() - ctxt.timestamp
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=2), ctxt.timestamp
    hydrated = ctxt.to_dict()
    assert {k: hydrated[k] for k in raw} == raw


def test_endpoint_exception_reaches_agent_as_named_remote_error(nova_server, seeded_row):
    missing = str(uuidlib.uuid4())
    rc, lines, err, _ = _agent_call(nova_server["topic"], seeded_row["instance_uuid"], missing)
    assert rc == 1, "\n".join(lines) + err
    _, got_volume, _ = nova_server["received"].get(timeout=10)
    assert got_volume == missing
    expected = str(nova_server["exception"].VolumeBDMNotFound(volume_id=missing))
    assert lines[1] == "error 0 remote error nova.exception.VolumeBDMNotFound: " + expected, lines
