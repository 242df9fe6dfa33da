"""`tools/bench rpc`, part (a): bdm-agent's codec against what oslo.messaging
and Nova's serializer cost in Python, for the message bdm-agent sends most,
remove_volume_connection with the Instance nova-manage loads, for the same
seeded instance and the same message bytes.

Both run in this one process: bdm-agent's codec is loaded from
libbench_rpc_codec.so (ctypes) and the two are timed in alternating batches,
so that a change in the machine's speed (a shared host) falls on both alike.
Each side's time is the median of its batches.

python encode: objects.Instance -> NovaObjectSerializer.serialize_entity ->
               message dict with _context_* -> serialize_msg envelope ->
               kombu's json.dumps
python decode: body -> json -> deserialize_msg -> RequestContext.from_dict ->
               serialize.deserialize_entity (a hydrated objects.Instance)
(bdm-agent's side: tools/benchmarks/bench_rpc_codec.cpp)

Usage: /usr/bin/python3 rpc_codec_reference.py LIBRARY NOVA_CONF INSTANCE_UUID VOLUME_ID BODY_OUT ROUNDS
bdm-agent's codec writes the message to BODY_OUT (both decode those bytes;
part (b) of tools/bench rpc sends them). Prints one JSON line: per-op seconds (medians) "agent_encode_s",
"agent_decode_s", "python_encode_s", "python_decode_s", and "body_bytes".
"""
import ctypes
import json
import statistics
import sys
import time
import uuid

from nova import config
from nova import context as nova_context
from nova import objects
from nova.objects import base as objects_base
from oslo_messaging._drivers import common as rpc_common

NOVA_MANAGE_ATTRS = ["info_cache", "security_groups", "system_metadata"]
BATCH_SECONDS = 0.05  # each side's batch, about


def load_agent(library):
    lib = ctypes.CDLL(library)
    lib.bench_codec_open.restype = ctypes.c_void_p
    lib.bench_codec_open.argtypes = [ctypes.c_char_p] * 4
    for name in ("bench_codec_encode", "bench_codec_decode"):
        getattr(lib, name).restype = ctypes.c_double
        getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.bench_codec_close.argtypes = [ctypes.c_void_p]
    return lib


def main():
    library, conf, instance_uuid, volume_id, body_file, rounds = sys.argv[1:7]
    rounds = int(rounds)
    agent = load_agent(library)
    codec = agent.bench_codec_open(conf.encode(), instance_uuid.encode(), volume_id.encode(), body_file.encode())
    if not codec:
        sys.exit("rpc_codec_reference: bdm-agent's codec did not open")
    with open(body_file) as f:
        body = f.read()

    objects.register_all()
    config.parse_args(["bench-rpc-codec", "--config-file", conf])
    admin = nova_context.get_admin_context()
    mapping = objects.InstanceMapping.get_by_instance_uuid(admin, instance_uuid)
    with nova_context.target_cell(admin, mapping.cell_mapping) as cctxt:
        instance = objects.Instance.get_by_uuid(cctxt, instance_uuid, expected_attrs=NOVA_MANAGE_ATTRS)
    serializer = objects_base.NovaObjectSerializer()

    def encode():
        ctxt = nova_context.get_admin_context()
        msg = {"method": "remove_volume_connection",
               "args": {"instance": serializer.serialize_entity(ctxt, instance), "volume_id": volume_id},
               "version": "6.0",
               "_msg_id": uuid.uuid4().hex, "_reply_q": "reply_" + uuid.uuid4().hex,
               "_timeout": None, "_unique_id": uuid.uuid4().hex}
        for key, value in ctxt.to_dict().items():
            msg["_context_" + key] = value
        return json.dumps(rpc_common.serialize_msg(msg))

    def decode():
        message = rpc_common.deserialize_msg(json.loads(body))
        ctxt = nova_context.RequestContext.from_dict(
            {k[len("_context_"):]: v for k, v in message.items() if k.startswith("_context_")})
        return serializer.deserialize_entity(ctxt, message["args"]["instance"])

    def per_op(fn, iterations):
        fn()  # warm-up
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        return (time.perf_counter() - start) / iterations

    def agent_per_op(fn, iterations):
        seconds = fn(codec, iterations)
        if seconds < 0:
            sys.exit("rpc_codec_reference: bdm-agent's codec failed")
        return seconds

    assert decode().uuid == instance_uuid
    # Batch sizes for about BATCH_SECONDS each, from one short trial.
    sizes = {}
    for side, fn, timer in (("agent_encode", agent.bench_codec_encode, agent_per_op),
                            ("agent_decode", agent.bench_codec_decode, agent_per_op),
                            ("python_encode", encode, per_op), ("python_decode", decode, per_op)):
        sizes[side] = (fn, timer, max(1, int(BATCH_SECONDS / timer(fn, 5))))
    times = {side: [] for side in sizes}
    for _ in range(rounds):
        for side, (fn, timer, size) in sizes.items():
            times[side].append(timer(fn, size))
    agent.bench_codec_close(codec)
    result = {side + "_s": statistics.median(values) for side, values in times.items()}
    result["body_bytes"] = len(body)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
