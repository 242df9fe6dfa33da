#!/usr/bin/python3
"""One-time Nova database setup for tools/stack, in ONE Python process.

It runs nova-manage's own command implementations (nova.cmd.manage), in
the order an operator runs them:

    nova-manage api_db sync
    nova-manage cell_v2 map_cell0 --database_connection <nova_cell0 url>
    nova-manage cell_v2 create_cell --name cell1
    nova-manage db sync
    ... (nova-conductor and nova-compute are started by tools/stack) ...
    nova-manage cell_v2 discover_hosts        (once the compute node exists)

Each nova-manage process spends 2-4 s importing Nova; doing the five steps
in one process saves most of that on a cold `tools/stack up`.  Steps whose
marker file exists in --marker-dir are skipped; a marker is written after
each step succeeds.  After the schema steps --schema-done-file is created
so tools/stack can start the services while this process waits for the
compute node to appear (--discover-host) and maps it.
"""
import argparse
import os
import sys
import time


def touch(path):
    with open(path, "a"):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config-file", required=True)
    ap.add_argument("--marker-dir", required=True)
    ap.add_argument("--cell0-connection", required=True)
    ap.add_argument("--schema-done-file", required=True)
    ap.add_argument("--discover-host", action="append", default=[],
                    help="a compute host to map (repeatable)")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()

    # nova.cmd monkey-patches eventlet on import: import it first, as the
    # nova-manage console script does.
    from nova.cmd import manage
    from oslo_log import log as logging

    from nova import config
    from nova import context
    from nova import exception
    from nova import objects

    # Same start-up as nova.cmd.manage.main(): logs go to nova-manage.log.
    config.parse_args(["nova-manage", "--config-file", args.config_file])
    logging.set_defaults(default_log_levels=logging.get_default_log_levels()
                         + manage._EXTRA_DEFAULT_LOG_LEVELS)
    logging.setup(config.CONF, "nova")
    objects.register_all()

    def step(marker, label, fn, *a, **kw):
        path = os.path.join(args.marker_dir, marker)
        if os.path.exists(path):
            return
        t = time.monotonic()
        rc = fn(*a, **kw)
        if rc not in (None, 0):
            print("nova_setup: nova-manage %s returned %s" % (label, rc),
                  file=sys.stderr)
            sys.exit(1)
        print("nova_setup: nova-manage %s: %.1f s"
              % (label, time.monotonic() - t))
        touch(path)

    cells = manage.CellV2Commands()
    step("nova-api-db", "api_db sync", manage.ApiDbCommands().sync)
    step("nova-cell0", "cell_v2 map_cell0", cells.map_cell0,
         database_connection=args.cell0_connection)

    def create_cell1():
        ctxt = context.get_admin_context()
        if any(c.name == "cell1" for c in objects.CellMappingList.get_all(ctxt)):
            return 0
        return cells.create_cell(name="cell1")
    step("nova-cell1", "cell_v2 create_cell --name cell1", create_cell1)
    step("nova-db", "db sync", manage.DbCommands().sync)
    touch(args.schema_done_file)
    sys.stdout.flush()

    if not args.discover_host:
        return 0

    # Wait for each compute to create its compute node, then map them all
    # with one discover_hosts.
    ctxt = context.get_admin_context()

    def mapped(host):
        try:
            objects.HostMapping.get_by_host(ctxt, host)
            return True
        except exception.HostMappingNotFound:
            return False

    def has_node(host):
        for cell in objects.CellMappingList.get_all(ctxt):
            if cell.is_cell0():
                continue
            with context.target_cell(ctxt, cell) as cctxt:
                try:
                    objects.ComputeNodeList.get_all_by_host(cctxt, host)
                    return True
                except exception.ComputeHostNotFound:
                    pass
        return False

    pending = [h for h in args.discover_host if not mapped(h)]
    if not pending:
        return 0
    deadline = time.monotonic() + args.timeout
    waiting = list(pending)
    while waiting:
        waiting = [h for h in waiting if not has_node(h)]
        if not waiting:
            break
        if time.monotonic() > deadline:
            print("nova_setup: no compute node for host(s) %s after %.0f s"
                  % (", ".join(waiting), args.timeout), file=sys.stderr)
            return 1
        time.sleep(0.25)

    t = time.monotonic()
    rc = cells.discover_hosts()
    if rc not in (None, 0):
        print("nova_setup: discover_hosts returned %s" % rc, file=sys.stderr)
        return 1
    unmapped = [h for h in pending if not mapped(h)]
    if unmapped:
        print("nova_setup: discover_hosts did not map %s" % ", ".join(unmapped),
              file=sys.stderr)
        return 1
    print("nova_setup: nova-manage cell_v2 discover_hosts: %.1f s"
          % (time.monotonic() - t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
