#!/usr/bin/python3
"""One RPC call that the real nova-compute refuses, sent the way Nova sends
calls (nova.rpc's client and serializer, the admin context nova-manage
uses, the instance loaded with Nova's objects), for tools/record-vectors:

  --case no-method    a method the compute manager does not have
                      (the reply carries oslo's NoSuchMethod);
  --case bad-version  remove_volume_connection at version 6.99, above every
                      version Zed serves (UnsupportedVersion).

Prints the failure's class name and exits 0 when the compute refused the
call as expected; 1 otherwise (no reply, another failure, or a success)."""
import argparse
import sys

NO_SUCH_METHOD = "bdm_vectors_no_such_method"


def main():
    ap = argparse.ArgumentParser(prog="rpc_case.py")
    ap.add_argument("--config-file", required=True)
    ap.add_argument("--case", choices=("no-method", "bad-version"), required=True)
    ap.add_argument("--instance", required=True)
    ap.add_argument("--volume", required=True)
    args = ap.parse_args()

    import oslo_messaging
    from nova import config, context, objects, rpc
    from nova.objects import base as objects_base

    config.parse_args(["rpc_case", "--config-file", args.config_file])  # also rpc.init()
    objects.register_all()
    admin = context.get_admin_context()
    mapping = objects.InstanceMapping.get_by_instance_uuid(admin, args.instance)
    with context.target_cell(admin, mapping.cell_mapping) as cctxt:
        instance = objects.Instance.get_by_uuid(cctxt, args.instance)
        method, version, expected = {
            "no-method": (NO_SUCH_METHOD, "6.0", "NoSuchMethod"),
            "bad-version": ("remove_volume_connection", "6.99", "UnsupportedVersion"),
        }[args.case]
        client = rpc.get_client(oslo_messaging.Target(topic="compute", version="6.0"),
                                serializer=objects_base.NovaObjectSerializer())  # as ComputeAPI
        prepared = client.prepare(server=instance.host, version=version, timeout=60)
        try:
            prepared.call(cctxt, method, instance=instance, volume_id=args.volume)
        except Exception as e:  # the remote failure, re-raised by oslo (RemoteError names the class)
            name = getattr(e, "exc_type", None) or type(e).__name__.replace("_Remote", "")
            print(name)
            return 0 if name == expected else 1
    print("the compute answered %s at %s without a failure" % (method, version), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
