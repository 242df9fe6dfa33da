#!/usr/bin/python3
"""Seed the stack with stopped instances that have Cinder volumes attached.

Run by tools/seed (which sources $STATE/stack.env).  For each of N new
instances on host --host (compute1 unless told) and each --variants entry
(default: stale) it:

* creates K volumes through the real Cinder API and waits until they are
  available, then for each one creates an attachment for the instance,
  updates it with a connector for compute1 (mountpoint /dev/vdb, /dev/vdc,
  ...) and completes it, so the volume is in-use with a real attachment;
* writes the instance with Nova's own objects, the way Nova does: Flavor in
  the API DB (created once), Instance (flavor, system_metadata, info_cache)
  in cell1, InstanceMapping pointing at cell1, an image root BDM and one
  volume BDM per volume whose attachment_id is the real attachment and whose
  connection_info is STALE (old Ceph monitors / old iSCSI portal, with a
  secret), plus the instance actions create / attach_volume / stop;
* checks every BDM the way `nova-manage volume_attachment show` finds it
  (instance mapping -> cell -> get_by_volume_and_instance), and with
  --verify-cli also runs the real nova-manage on one of them;
* appends {instance_uuid, volume_id, bdm_uuid, attachment_id, host,
  device_name, instance_name, variant, class} entries to $STATE/seed.json.

Variants (one audit class each, `class` in the entry; real rows throughout):
  stale               connection_info with old monitors / portal (default)
  ok                  connection_info = the Cinder attachment's current one
  wrong-host          as ok, but the Cinder attachment was made with another
                      host's connector (its host_name is not the instance's)
  no-attachment       legacy row: attachment_id NULL (the Cinder attachment
                      exists, for the same instance and volume)
  missing-attachment  attachment_id names no Cinder attachment (volume
                      available, never attached)
  volume-gone         the volume was deleted in Cinder
  connection-info-null, corrupt (connection_info not JSON, with a secret in
                      it): real attachment
  dangling            BDMs as ok, plus per instance one more volume attached
                      in Cinder that no BDM names (entries list it under
                      dangling_attachments)

The Cinder calls run in a thread while Nova is imported (Nova is imported
without nova.cmd, so eventlet does not monkey-patch anything here).
"""
import argparse
import concurrent.futures
import fcntl
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stack_auth  # noqa: E402

T0 = time.monotonic()

# Owner of the seeded instances; the project is also the Cinder project.
FLAVOR_NAME = "bdm.seed.small"
OWNER_USER = "3d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a"  # the instances' user_id (no Keystone user)
IMAGE_REF = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
OLD_CEPH_MONS = ["10.0.0.11", "10.0.0.12", "10.0.0.13"]
OLD_ISCSI_PORTAL = "192.168.122.99:3260"

VARIANTS = ("stale", "ok", "wrong-host", "no-attachment", "missing-attachment",
            "volume-gone", "connection-info-null", "corrupt", "dangling")
# Variants whose volume gets no Cinder attachment.
UNATTACHED = ("missing-attachment", "volume-gone")


def expected_class(variant):
    return "ok" if variant == "dangling" else variant


def env(name):
    try:
        return os.environ[name]
    except KeyError:
        sys.exit("seed: %s is not set (source $BDM_STACK_DIR/stack.env, "
                 "or run tools/seed)" % name)


class SeedError(Exception):
    pass


# --------------------------------------------------------------- Cinder API

class Cinder(object):
    MICROVERSION = "3.44"

    def __init__(self, base_url, project, auth_headers):
        self.base = "%s/%s" % (base_url.rstrip("/"), project)
        self.headers = {
            **auth_headers,
            "OpenStack-API-Version": "volume %s" % self.MICROVERSION,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def call(self, method, path, body=None, ok=(200, 202, 204),
             extra_headers=None):
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.headers, **(extra_headers or {}))
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=90) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        except OSError as e:
            raise SeedError("Cinder %s %s: %s" % (method, path, e))
        if status not in ok:
            raise SeedError("Cinder %s %s -> HTTP %s: %s"
                            % (method, path, status, raw[:500].decode(
                                "utf-8", "replace")))
        return json.loads(raw) if raw else None

    def create_volume(self, name, size=1):
        body = {"volume": {"size": size, "name": name,
                           "description": "bdm-agent seed volume"}}
        return self.call("POST", "/volumes", body)["volume"]["id"]

    def volume(self, vid):
        return self.call("GET", "/volumes/%s" % vid)["volume"]

    def wait_available(self, vids, timeout=120):
        pending = set(vids)
        deadline = time.monotonic() + timeout
        while pending:
            for vid in sorted(pending):
                st = self.volume(vid)["status"]
                if st == "available":
                    pending.discard(vid)
                elif st.startswith("error"):
                    raise SeedError("volume %s went to status %s" % (vid, st))
            if not pending:
                break
            if time.monotonic() > deadline:
                raise SeedError("volumes not available after %ss: %s"
                                % (timeout, sorted(pending)))
            time.sleep(0.2)

    def attachment_connection_info(self, aid):
        return self.call("GET", "/attachments/%s" % aid)["attachment"][
            "connection_info"]

    def delete_volume_and_wait(self, vid, timeout=120):
        self.call("DELETE", "/volumes/%s" % vid)
        deadline = time.monotonic() + timeout
        while True:
            got = self.call("GET", "/volumes/%s" % vid, ok=(200, 404))
            if not got or "volume" not in got:
                return  # 404: gone
            if got["volume"]["status"].startswith("error"):
                raise SeedError("volume %s went to %s while deleted"
                                % (vid, got["volume"]["status"]))
            if time.monotonic() > deadline:
                raise SeedError("volume %s not gone after %ss" % (vid, timeout))
            time.sleep(0.2)

    def cleanup(self, vols):
        """Best effort: delete the attachments and volumes of a failed seed.
        (With Keystone the nova user's token is also the X-Service-Token:
        a service caller may delete attachments with connection_info.)
        """
        for v in vols:
            aid = v.get("attachment_id") or v.get("reserved_attachment_id")
            if aid:
                try:
                    self.call("DELETE", "/attachments/%s" % aid)
                except SeedError:
                    pass
        for v in vols:
            if v.get("volume_id"):
                try:
                    self.call("DELETE", "/volumes/%s" % v["volume_id"])
                except SeedError:
                    pass

    def attach(self, vid, instance_uuid, connector, record):
        """Reserve, update with the connector, complete -> attachment id."""
        att = self.call("POST", "/attachments", {"attachment": {
            "volume_uuid": vid, "instance_uuid": instance_uuid}})
        aid = att["attachment"]["id"]
        record["reserved_attachment_id"] = aid
        self.call("PUT", "/attachments/%s" % aid,
                  {"attachment": {"connector": connector}})
        self.call("POST", "/attachments/%s/action" % aid,
                  {"os-complete": None})
        return aid


def instance_volumes(inst):
    """The instance's BDM volumes, then the dangling ones (no BDM)."""
    return inst["volumes"] + inst.get("dangling", [])


def cinder_work(cinder, plan, connectors, workers=4):
    """Create and attach every planned volume; fills plan in place.
    connectors(host) -> the connector a host attaches with."""
    vols = [v for inst in plan for v in instance_volumes(inst)]
    try:
        _cinder_work(cinder, plan, vols, connectors, workers)
    except Exception:
        cinder.cleanup(vols)
        raise


def _cinder_work(cinder, plan, vols, connectors, workers):
    def create(v):
        v["volume_id"] = cinder.create_volume(v["name"])
        return v["volume_id"]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        ids = list(pool.map(create, vols))
        cinder.wait_available(ids)

        def attach(arg):
            inst, v = arg
            conn = dict(connectors(v["attach_host"]),
                        mountpoint=v["device_name"])
            v["attachment_id"] = cinder.attach(v["volume_id"], inst["uuid"],
                                               conn, v)
            v["cinder_connection_info"] = cinder.attachment_connection_info(
                v["attachment_id"])
        work = [(i, v) for i in plan for v in instance_volumes(i)
                if i["variant"] not in UNATTACHED]
        list(pool.map(attach, work))
        # Every attached volume must now be in-use.
        for _, v in work:
            st = cinder.volume(v["volume_id"])["status"]
            if st != "in-use":
                raise SeedError("volume %s is %s after os-complete, not in-use"
                                % (v["volume_id"], st))
        for i in plan:
            for v in i["volumes"]:
                if i["variant"] in UNATTACHED:
                    # An attachment id Cinder never had.
                    v["attachment_id"] = str(uuid.uuid4())
                if i["variant"] == "volume-gone":
                    cinder.delete_volume_and_wait(v["volume_id"])


# --------------------------------------------------------- connection_info

def stale_connection_info(driver, volume_id, instance_uuid):
    """connection_info as Nova stored it at attach time, long ago (old
    monitors / portal), in the shape Nova builds from a Cinder attachment
    (nova.volume.cinder._translate_attachment_ref) plus `serial`."""
    if driver == "rbd":
        data = {
            "name": "volumes/volume-%s" % volume_id,
            "hosts": list(OLD_CEPH_MONS),
            "ports": ["6789"] * len(OLD_CEPH_MONS),
            "cluster_name": "ceph",
            "auth_enabled": True,
            "auth_username": "cinder",
            "secret_type": "ceph",
            "secret_uuid": "457eb676-33da-42ec-9a8c-9293d545c337",
            "volume_id": volume_id,
            "discard": True,
            "keyring": "[client.cinder]\n\tkey = "
                       "AQBfLXVkAAAAABAAqD0b3nJbbX2vTT7qFKbTKw==\n",
            "qos_specs": None,
            "access_mode": "rw",
            "encrypted": False,
            "cacheable": False,
        }
    else:
        data = {
            "target_discovered": False,
            "target_portal": OLD_ISCSI_PORTAL,
            "target_iqn": "iqn.2010-10.org.openstack:volume-%s" % volume_id,
            "target_lun": 0,
            "volume_id": volume_id,
            "auth_method": "CHAP",
            "auth_username": "jsBMu5xPvP6ZLrGzjwNT",
            "auth_password": "4XyNvHtHvCQAJ3aQ",
            "encrypted": False,
            "qos_specs": None,
            "access_mode": "rw",
            "cacheable": False,
        }
    return {
        "driver_volume_type": driver,
        "data": data,
        "status": "reserved",
        "instance": instance_uuid,
        "attached_at": "",
        "detached_at": "",
        "volume_id": volume_id,
        "serial": volume_id,
    }


def current_connection_info(v):
    """What Nova stores from the Cinder attachment's connection_info (plus
    serial), as after a successful attach or refresh."""
    # Cinder's attachment view is flat (driver_volume_type beside the data
    # members, plus attachment_id); Nova nests the data
    # (nova.volume.cinder._translate_attachment_ref).
    data = dict(v["cinder_connection_info"] or {})
    driver = data.pop("driver_volume_type", None)
    data.pop("attachment_id", None)
    return {"driver_volume_type": driver, "data": data, "status": "attached",
            "instance": None, "attached_at": "", "detached_at": "",
            "volume_id": v["volume_id"], "serial": v["volume_id"]}


def bdm_connection_info(variant, driver, v, instance_uuid):
    """The connection_info column for a BDM of this variant (a string or
    None)."""
    if variant == "connection-info-null":
        return None
    if variant == "corrupt":
        # Cut short, with a secret in it (audit must not print it).
        return ('{"driver_volume_type": "rbd", "data": {"auth_password": '
                '"corrupt-secret-1", "hosts": ["10.0.0.11"')
    if variant in ("stale",) + UNATTACHED:
        return json.dumps(stale_connection_info(driver, v["volume_id"],
                                                instance_uuid))
    return json.dumps(current_connection_info(v))


# --------------------------------------------------------------- seed.json

def load_seed(path):
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        return []
    if not isinstance(data, list):
        raise SeedError("%s is not a JSON list" % path)
    return data


def save_seed(path, entries):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(entries, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def stack_cinder(project):
    """A Cinder client for the stack's project, as the nova service user."""
    try:
        auth_headers = stack_auth.cinder_headers(os.environ)
    except (stack_auth.KeystoneError, OSError) as e:
        raise SeedError(str(e))
    return Cinder(env("BDM_CINDER_URL"), project, auth_headers)


def seed_lock(state):
    """Takes $state/seed.lock, held by every seed and removal (one at a time
    per stack) until the returned file is closed (or the process ends)."""
    lock = open(os.path.join(state, "seed.lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def load_nova(nova_conf):
    """Imports Nova (without nova.cmd: nothing is monkey-patched), reads
    nova_conf and registers the objects -> (objects, nova.context,
    nova.exception, an admin context, cell1's CellMapping)."""
    from nova import config
    from nova import context as nova_context
    from nova import exception
    from nova import objects

    config.parse_args(["bdm-seed", "--config-file", nova_conf])
    objects.register_all()
    admin = nova_context.get_admin_context()
    cell1 = next((c for c in objects.CellMappingList.get_all(admin)
                  if c.name == "cell1"), None)
    if cell1 is None:
        raise SeedError("no cell1 in the API database (is the stack up?)")
    return objects, nova_context, exception, admin, cell1


def device_names(k):
    # /dev/vda is the root disk; volumes get vdb, vdc, ...
    letters = "bcdefghijklmnopqrstuvwxyz"
    if k > len(letters):
        raise SeedError("at most %d volumes per instance" % len(letters))
    return ["/dev/vd%s" % letters[j] for j in range(k)]


# -------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(prog="tools/seed")
    ap.add_argument("--instances", type=int, default=3)
    ap.add_argument("--volumes", type=int, default=2)
    ap.add_argument("--prefix", default="bdm-seed")
    ap.add_argument("--driver", choices=("rbd", "iscsi"), default="rbd",
                    help="kind of stale connection_info to store")
    ap.add_argument("--host", help="compute host of the new instances "
                    "(default $BDM_COMPUTE_HOST, compute1)")
    ap.add_argument("--variants", default="stale",
                    help="comma-separated, each gets --instances instances: "
                         + ", ".join(VARIANTS))
    ap.add_argument("--verify-cli", action="store_true",
                    help="also run the real nova-manage volume_attachment "
                         "show --json on one new BDM")
    args = ap.parse_args()
    if args.instances < 1 or args.volumes < 0:
        ap.error("need --instances >= 1 and --volumes >= 0")
    variants = [v for v in args.variants.split(",") if v]
    bad = [v for v in variants if v not in VARIANTS]
    if bad or not variants:
        ap.error("--variants: unknown %s (known: %s)"
                 % (",".join(bad) or "(empty)", ", ".join(VARIANTS)))

    state = env("BDM_STACK_DIR")
    nova_conf = env("BDM_NOVA_CONF")
    first_host = env("BDM_COMPUTE_HOST")
    host = args.host or first_host
    hosts = os.environ.get("BDM_COMPUTE_HOSTS", first_host).split()
    # wrong-host: Cinder is told another host attached the volume.
    other_host = next((h for h in hosts if h != host), "compute-elsewhere")
    project = env("BDM_CINDER_PROJECT")
    user = OWNER_USER
    seed_path = os.environ.get("BDM_SEED_FILE",
                               os.path.join(state, "seed.json"))
    cinder = stack_cinder(project)
    lock = seed_lock(state)  # noqa: F841 (held until the process ends)

    existing = load_seed(seed_path)
    batch = 1 + max([e.get("batch", 0) for e in existing] or [0])
    tag = "%s-b%d-%s" % (args.prefix, batch, uuid.uuid4().hex[:6])

    connector_file = os.environ.get("BDM_CONNECTOR_FILE",
                                    os.path.join(state, "connector.json"))
    try:
        with open(connector_file) as f:
            connector = json.load(f)
    except (OSError, ValueError):
        connector = {"platform": "x86_64", "os_type": "linux",
                     "ip": "127.0.0.1", "host": host, "multipath": False,
                     "enforce_multipath": True,
                     "initiator": "iqn.1993-08.org.debian:01:%s" % host,
                     "do_local_attach": False}
    if connector.get("host") != first_host:
        raise SeedError("connector %s is for host %r, not %r"
                        % (connector_file, connector.get("host"), first_host))

    def connectors(h):
        """compute1's connector as another host of this stack has it."""
        if h == first_host:
            return connector
        c = dict(connector, host=h)
        if isinstance(c.get("initiator"), str):
            c["initiator"] = c["initiator"].rsplit(":", 1)[0] + ":" + h
        return c

    devs = device_names(args.volumes + (1 if "dangling" in variants else 0))
    plan = []
    for variant in variants:
        for i in range(args.instances):
            name = "%s-%s-vm%d" % (tag, variant, i + 1)
            if variant == "stale":
                name = "%s-vm%d" % (tag, i + 1)
            attach_host = other_host if variant == "wrong-host" else host
            inst = {
                "uuid": str(uuid.uuid4()), "name": name, "variant": variant,
                "volumes": [{"name": "%s-vol%d" % (name, j + 1),
                             "device_name": devs[j], "attach_host": attach_host}
                            for j in range(args.volumes)],
            }
            if variant == "dangling":
                inst["dangling"] = [{"name": "%s-dangling" % name,
                                     "device_name": devs[args.volumes],
                                     "attach_host": host}]
            plan.append(inst)

    # Cinder in a thread while Nova is imported.
    cinder_err = []

    def run_cinder():
        try:
            cinder_work(cinder, plan, connectors)
        except Exception as e:  # reported by the main thread
            cinder_err.append(e)
    worker = threading.Thread(target=run_cinder, daemon=True)
    worker.start()

    objects, nova_context, exception, admin, cell1 = load_nova(nova_conf)
    import nova.conf
    from nova.compute import power_state
    from nova.network import model as network_model
    from oslo_serialization import jsonutils
    from oslo_utils import timeutils
    CONF = nova.conf.CONF
    with nova_context.target_cell(admin, cell1) as cctxt:
        try:
            nodes = objects.ComputeNodeList.get_all_by_host(cctxt, host)
        except exception.ComputeHostNotFound:
            raise SeedError("no compute node for host %s in cell1" % host)
    node = nodes[0]

    try:
        flavor = objects.Flavor.get_by_name(admin, FLAVOR_NAME)
    except exception.FlavorNotFoundByName:
        flavor = objects.Flavor(
            admin, name=FLAVOR_NAME, flavorid="bdm-seed-1", memory_mb=512,
            vcpus=1, root_gb=1, ephemeral_gb=0, swap=0, rxtx_factor=1.0,
            vcpu_weight=0, disabled=False, is_public=True, extra_specs={},
            description=None)
        try:
            flavor.create()
        except exception.FlavorExists:  # a concurrent seed won the race
            flavor = objects.Flavor.get_by_name(admin, FLAVOR_NAME)

    worker.join(timeout=300)
    if worker.is_alive():
        raise SeedError("Cinder work did not finish in 300 s")
    if cinder_err:
        raise cinder_err[0]

    def owner_ctx():
        # A context per action, as each API request has its own request id.
        return nova_context.RequestContext(
            user_id=user, project_id=project, is_admin=True,
            roles=["admin", "member", "reader"])

    new_entries = []
    for inst in plan:
        launched = timeutils.utcnow()
        with nova_context.target_cell(owner_ctx(), cell1) as cctxt:
            instance = objects.Instance(
                cctxt,
                uuid=inst["uuid"],
                user_id=user,
                project_id=project,
                display_name=inst["name"],
                display_description=inst["name"],
                hostname=inst["name"],
                image_ref=IMAGE_REF,
                kernel_id="",
                ramdisk_id="",
                launch_index=0,
                key_name=None,
                key_data=None,
                reservation_id="r-%s" % uuid.uuid4().hex[:8],
                power_state=power_state.SHUTDOWN,  # 4
                vm_state="stopped",
                task_state=None,
                memory_mb=flavor.memory_mb,
                vcpus=flavor.vcpus,
                root_gb=flavor.root_gb,
                ephemeral_gb=flavor.ephemeral_gb,
                instance_type_id=flavor.id,
                flavor=flavor,
                old_flavor=None,
                new_flavor=None,
                host=host,
                node=node.hypervisor_hostname,
                launched_on=host,
                launched_at=launched,
                terminated_at=None,
                availability_zone=CONF.default_availability_zone,
                locked=False,
                locked_by=None,
                os_type=None,
                architecture="x86_64",
                vm_mode=None,
                root_device_name="/dev/vda",
                default_ephemeral_device=None,
                default_swap_device=None,
                config_drive="",
                access_ip_v4=None,
                access_ip_v6=None,
                auto_disk_config=False,
                progress=0,
                shutdown_terminate=False,
                disable_terminate=False,
                cell_name=None,
                metadata={},
                system_metadata={
                    "image_base_image_ref": IMAGE_REF,
                    "image_container_format": "bare",
                    "image_disk_format": "qcow2",
                    "image_min_disk": str(flavor.root_gb),
                    "image_min_ram": "0",
                    "image_hw_disk_bus": "virtio",
                    "owner_project_name": "bdm-project",
                    "owner_user_name": "bdm-user",
                    "boot_roles": "admin,member,reader",
                },
                info_cache=objects.InstanceInfoCache(
                    network_info=network_model.NetworkInfo([])),
                security_groups=objects.SecurityGroupList(objects=[]),
                pci_requests=objects.InstancePCIRequests(requests=[]),
                numa_topology=None,
                device_metadata=None,
                keypairs=objects.KeyPairList(objects=[]),
                trusted_certs=None,
                vcpu_model=None,
                hidden=False,
                user_data=None,
            )
            instance.create()
        objects.InstanceMapping(
            admin, instance_uuid=inst["uuid"], cell_mapping=cell1,
            project_id=project, user_id=user, queued_for_delete=False,
        ).create()

        def action(name):
            with nova_context.target_cell(owner_ctx(), cell1) as actx:
                objects.InstanceAction.action_start(
                    actx, inst["uuid"], name, want_result=False)
                objects.InstanceAction.action_finish(
                    actx, inst["uuid"], want_result=False)

        action("create")
        with nova_context.target_cell(admin, cell1) as cctxt:
            objects.BlockDeviceMapping(
                cctxt, uuid=str(uuid.uuid4()), instance_uuid=inst["uuid"],
                source_type="image", destination_type="local",
                image_id=IMAGE_REF, boot_index=0, device_name="/dev/vda",
                device_type="disk", disk_bus="virtio",
                delete_on_termination=True, guest_format=None,
                no_device=False, volume_size=None, tag=None,
            ).create()
        variant = inst["variant"]
        dangling = [{"attachment_id": d["attachment_id"],
                     "volume_id": d["volume_id"]}
                    for d in inst.get("dangling", [])]
        for v in inst["volumes"]:
            action("attach_volume")
            bdm_uuid = str(uuid.uuid4())
            info = bdm_connection_info(variant, args.driver, v, inst["uuid"])
            with nova_context.target_cell(admin, cell1) as cctxt:
                objects.BlockDeviceMapping(
                    cctxt, uuid=bdm_uuid, instance_uuid=inst["uuid"],
                    source_type="volume", destination_type="volume",
                    volume_id=v["volume_id"], volume_size=1,
                    device_name=v["device_name"], device_type="disk",
                    disk_bus="virtio", boot_index=None,
                    delete_on_termination=False, guest_format=None,
                    no_device=False, snapshot_id=None, image_id=None,
                    volume_type=None, tag=None,
                    attachment_id=(None if variant == "no-attachment"
                                   else v["attachment_id"]),
                    connection_info=info,
                ).create()
            new_entries.append({
                "instance_uuid": inst["uuid"],
                "volume_id": v["volume_id"],
                "bdm_uuid": bdm_uuid,
                "attachment_id": v["attachment_id"],
                "host": host,
                "device_name": v["device_name"],
                "instance_name": inst["name"],
                "batch": batch,
                "variant": variant,
                "class": expected_class(variant),
            })
            if variant == "no-attachment":
                new_entries[-1]["attachment_id"] = None
                new_entries[-1]["cinder_attachment_id"] = v["attachment_id"]
            if dangling:
                new_entries[-1]["dangling_attachments"] = dangling
        action("stop")

    # Find every BDM the way `nova-manage volume_attachment show` does.
    for e in new_entries:
        im = objects.InstanceMapping.get_by_instance_uuid(
            admin, e["instance_uuid"])
        with nova_context.target_cell(admin, im.cell_mapping) as cctxt:
            bdm = objects.BlockDeviceMapping.get_by_volume_and_instance(
                cctxt, e["volume_id"], e["instance_uuid"])
            got = jsonutils.loads(jsonutils.dumps(bdm))
        if e["variant"] in ("connection-info-null", "corrupt"):
            serial_ok = True
        else:
            serial_ok = (jsonutils.loads(got["connection_info"])["serial"] ==
                         e["volume_id"])
        if (got["uuid"] != e["bdm_uuid"] or
                got["attachment_id"] != e["attachment_id"] or not serial_ok):
            raise SeedError("BDM read back differs for %s" % e)

    if args.verify_cli and new_entries:
        e = new_entries[0]
        cmd = [os.path.join(state, "bin", "nova-manage"), "--config-file",
               nova_conf, "volume_attachment", "show", e["instance_uuid"],
               e["volume_id"], "--json"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise SeedError("%s failed (rc %s): %s%s" % (
                " ".join(cmd), p.returncode, p.stdout, p.stderr))
        shown = json.loads(p.stdout)
        if (shown["uuid"] != e["bdm_uuid"] or
                shown["attachment_id"] != e["attachment_id"]):
            raise SeedError("nova-manage show disagrees: %s" % p.stdout)

    all_entries = load_seed(seed_path) + new_entries
    save_seed(seed_path, all_entries)
    print("seed: %d stopped instance(s) x %d volume(s) on %s (node %s), "
          "%sbatch %d, %d BDM(s) in %.1f s; %s has %d entries"
          % (len(plan), args.volumes, host, node.hypervisor_hostname,
             "" if variants == ["stale"] else
             "variants %s, " % ",".join(variants), batch,
             len(new_entries), time.monotonic() - T0, seed_path,
             len(all_entries)))
    return 0


def run(main_function):
    """Exits with main_function()'s status; a SeedError ends it with one
    "seed: ..." line on stderr and status 1."""
    try:
        sys.exit(main_function())
    except SeedError as e:
        print("seed: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    run(main)
