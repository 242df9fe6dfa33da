#!/usr/bin/python3
"""Remove instances that tools/seed made, the way Nova and Cinder leave things.

Run by tools/seed (which sources $STATE/stack.env):

  tools/seed --remove FILE...  removes the instances a seed file lists
  tools/seed --prune           removes every instance tools/seed made (user_id
                               seed.OWNER_USER) except those of the stack's
                               own $BDM_STACK_DIR/seed.json

For each instance, Cinder first: every attachment naming the instance, or
naming one of its volumes (its BDMs' volumes, the seed file's volumes and
dangling attachments, the volumes of its attachments), is deleted, then each
of those volumes whose attachments were all the instance's is deleted and
waited for (VOLUME_WAIT s, then 'deleting' is accepted); a 404 anywhere means
already gone. Then Nova: Instance.destroy() in its cell (soft-deletes the
instance and its BDMs) and its InstanceMapping is deleted. A run that stopped
half-way is finished by the next one; an instance whose user_id is not the
seed tool's is never touched (--remove fails on it). The whole run holds
$STATE/seed.lock, as a seed does. Prints one summary line; on an error, the
errors on stderr and exit status 1 (what could be removed is removed).
"""
import argparse
import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed  # noqa: E402
from seed import SeedError  # noqa: E402

VOLUME_WAIT = 60  # seconds a deleted volume gets to go before 'deleting' will do
WORKERS = 4       # concurrent Cinder workers, as seed.py uses


class Remover(object):
    """Removes the Cinder side of instances."""

    def __init__(self, cinder):
        self.cinder = cinder

    def attachments(self, **filters):
        query = "&".join("%s=%s" % kv for kv in sorted(filters.items()))
        got = self.cinder.call("GET", "/attachments?" + query)
        return got.get("attachments", [])

    def volume_status(self, vid):
        got = self.cinder.call("GET", "/volumes/%s" % vid, ok=(200, 404))
        return got["volume"]["status"] if got and "volume" in got else None

    def remove_cinder(self, instance_uuid, volume_ids):
        """Deletes the instance's attachments and volumes (see the module
        comment) -> the ids of the volumes it deleted (not waited for)."""
        by_instance = self.attachments(instance_id=instance_uuid)
        vids = set(volume_ids) | {a["volume_id"] for a in by_instance}
        doomed = []
        for vid in sorted(vids):
            if self.volume_status(vid) is None:
                continue  # gone already (volume-gone, or an earlier run)
            atts = self.attachments(volume_id=vid)
            mine = [a for a in atts if a.get("instance") in (instance_uuid, None)]
            for a in mine:
                self.cinder.call("DELETE", "/attachments/%s" % a["id"],
                                 ok=(200, 202, 204, 404))
            if len(mine) == len(atts):
                doomed.append(vid)
        for a in by_instance:  # any attachment left (of a volume gone meanwhile)
            self.cinder.call("DELETE", "/attachments/%s" % a["id"],
                             ok=(200, 202, 204, 404))
        for vid in doomed:
            self.cinder.call("DELETE", "/volumes/%s" % vid,
                             ok=(200, 202, 204, 404))
        return doomed

    def wait_gone(self, vids, deadline):
        """Waits for deleted volumes to go; past the deadline 'deleting' will
        do. Raises SeedError on any other status."""
        for vid in vids:
            while True:
                st = self.volume_status(vid)
                if st is None or (st == "deleting" and time.monotonic() > deadline):
                    break
                if st != "deleting":
                    raise SeedError("volume %s is %s after its delete" % (vid, st))
                time.sleep(0.2)


def plan_from_files(paths, keep):
    """{instance_uuid: set(volume ids)} of the seed files' entries."""
    plan = {}
    for path in paths:
        if os.path.realpath(path) == os.path.realpath(keep):
            raise SeedError("%s is the stack's shared seed: not removed" % path)
        if not os.path.exists(path):
            raise SeedError("%s: no such seed file" % path)
        try:
            entries = seed.load_seed(path)
        except ValueError as e:
            raise SeedError("%s: %s" % (path, e))
        for e in entries:
            vols = plan.setdefault(e["instance_uuid"], set())
            vols.add(e["volume_id"])
            vols.update(d["volume_id"] for d in e.get("dangling_attachments", []))
    return plan


def main():
    ap = argparse.ArgumentParser(prog="tools/seed")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--remove", nargs="+", metavar="FILE",
                      help="remove the instances these seed files list")
    mode.add_argument("--prune", action="store_true",
                      help="remove every seeded instance but the stack's "
                           "seed.json ones")
    args = ap.parse_args()

    state = seed.env("BDM_STACK_DIR")
    keep_path = os.path.join(state, "seed.json")
    project = seed.env("BDM_CINDER_PROJECT")
    plan = {} if args.prune else plan_from_files(args.remove, keep_path)
    keep = {e["instance_uuid"] for e in seed.load_seed(keep_path)}
    cinder = seed.stack_cinder(project)
    lock = seed.seed_lock(state)  # noqa: F841 (held until the process ends)
    objects, nova_context, exception, admin, cell1 = seed.load_nova(
        seed.env("BDM_NOVA_CONF"))

    # Nova: each instance's cell (none: its mapping is gone), and its BDMs'
    # volumes. A mapping without a live instance is a half-removed one.
    mappings = {}
    if args.prune:
        for im in objects.InstanceMappingList.get_by_project_id(admin, project):
            if im.user_id == seed.OWNER_USER and im.instance_uuid not in keep:
                mappings[im.instance_uuid] = im
                plan.setdefault(im.instance_uuid, set())
    else:
        for im in objects.InstanceMappingList.get_by_instance_uuids(admin, list(plan)):
            mappings[im.instance_uuid] = im
    live = {}  # uuid -> (Instance, cell)
    cells = {im.cell_mapping.uuid: im.cell_mapping for im in mappings.values()
             if im.cell_mapping is not None}
    cells.setdefault(cell1.uuid, cell1)
    for cell in cells.values():
        with nova_context.target_cell(admin, cell) as cctxt:
            if args.prune:
                found = objects.InstanceList.get_by_filters(
                    cctxt, {"user_id": seed.OWNER_USER, "deleted": False},
                    expected_attrs=[])
            else:
                found = objects.InstanceList.get_by_filters(
                    cctxt, {"uuid": list(plan), "deleted": False}, expected_attrs=[])
            found = [i for i in found if i.uuid not in keep]
            for bdm in objects.BlockDeviceMappingList.get_by_instance_uuids(
                    cctxt, [i.uuid for i in found]):
                if bdm.volume_id:
                    plan.setdefault(bdm.instance_uuid, set()).add(bdm.volume_id)
            for i in found:
                live[i.uuid] = (i, cell)
                plan.setdefault(i.uuid, set())
    foreign = sorted(u for u, (i, _) in live.items() if i.user_id != seed.OWNER_USER)
    foreign += sorted(u for u, im in mappings.items()
                      if u not in live and im.user_id != seed.OWNER_USER)
    if foreign:
        raise SeedError("not made by tools/seed (user_id is not %s), not removed: %s"
                        % (seed.OWNER_USER, " ".join(foreign)))

    # Cinder first (a worker per instance), then Nova for each instance whose
    # Cinder side is clean.
    remover = Remover(cinder)
    errors = []
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        def each(fn, args):
            """fn(uuid, arg) for each (uuid, arg) -> {uuid: result} of those
            that did not fail (failures go to errors)."""
            futures = {pool.submit(fn, u, a): u for u, a in args}
            done = {}
            for f in concurrent.futures.as_completed(futures):
                try:
                    done[futures[f]] = f.result()
                except SeedError as e:
                    errors.append("instance %s: %s" % (futures[f], e))
            return done
        deleted = each(remover.remove_cinder, sorted(plan.items()))
        # The volumes' deletes run in cinder-volume meanwhile.
        deadline = time.monotonic() + VOLUME_WAIT
        clean = each(lambda u, vids: remover.wait_gone(vids, deadline),
                     sorted(deleted.items()))
    volumes = sum(len(deleted[u]) for u in clean)
    removed = 0
    for u in sorted(clean):
        if u in live:
            try:
                live[u][0].destroy()  # its context targets its cell
            except exception.InstanceNotFound:
                pass
            removed += 1
        if u in mappings:
            try:
                mappings[u].destroy()
            except exception.InstanceMappingNotFound:
                pass
    for e in errors:
        print("seed: %s" % e, file=sys.stderr)
    print("seed: removed %d instance(s) and %d volume(s) in %.1f s%s"
          % (removed, volumes, time.monotonic() - seed.T0,
             "; %d instance(s) failed" % len(errors) if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    seed.run(main)
