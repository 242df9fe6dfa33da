"""Reference half of `tools/bench rpc` (codec): what oslo.messaging and Nova's
serializer cost in Python for the message bdm-agent sends most,
remove_volume_connection with the Instance nova-manage loads, for the same
seeded instance and the same message bytes as bench_rpc_codec.

encode: objects.Instance -> NovaObjectSerializer.serialize_entity -> message
        dict with _context_* -> serialize_msg envelope -> kombu's json.dumps
decode: body -> json -> deserialize_msg -> RequestContext.from_dict ->
        serialize.deserialize_entity (a hydrated objects.Instance)

Usage: /usr/bin/python3 rpc_codec_reference.py NOVA_CONF INSTANCE_UUID VOLUME_ID BODY_FILE ITERATIONS
Prints one JSON line {"encode_s": per-op seconds, "decode_s": ..., "body_bytes": ...}.
"""
import json
import sys
import time
import uuid

from nova import config
from nova import context as nova_context
from nova import objects
from nova.objects import base as objects_base
from oslo_messaging._drivers import common as rpc_common

NOVA_MANAGE_ATTRS = ["info_cache", "security_groups", "system_metadata"]


def main():
    conf, instance_uuid, volume_id, body_file, iterations = sys.argv[1:6]
    iterations = int(iterations)
    objects.register_all()
    config.parse_args(["bench-rpc-codec", "--config-file", conf])
    admin = nova_context.get_admin_context()
    mapping = objects.InstanceMapping.get_by_instance_uuid(admin, instance_uuid)
    with nova_context.target_cell(admin, mapping.cell_mapping) as cctxt:
        instance = objects.Instance.get_by_uuid(cctxt, instance_uuid, expected_attrs=NOVA_MANAGE_ATTRS)
    serializer = objects_base.NovaObjectSerializer()
    with open(body_file) as f:
        body = f.read()

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

    def per_op(fn):
        fn()  # warm-up
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        return (time.perf_counter() - start) / iterations

    assert decode().uuid == instance_uuid
    print(json.dumps({"encode_s": per_op(encode), "decode_s": per_op(decode), "body_bytes": len(body)}))


if __name__ == "__main__":
    main()
