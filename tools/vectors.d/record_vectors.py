#!/usr/bin/python3
"""Records the golden wire vectors (tests/vectors) from the stack's real
nova-manage and nova-compute with `bdm-agent trace record`; run by
tools/record-vectors, which sources the stack's stack.env.

It seeds one stopped instance with one volume (tools/seed, into a private
seed file), reads the instance's rows, switches the broker's firehose on for
vhost "/" (and always off again), records it and the event exchange
(rabbitmq_event_exchange) while the real `nova-manage volume_attachment
refresh` runs and while tools/vectors.d/rpc_case.py makes two calls the
compute refuses (no such method; version 6.99), then picks each call and its
reply out of the trace by method, version and _msg_id and writes:

  nova-manage-refresh-compute-call.json / -reply.json / -declarations.json
  nova-manage-refresh-instance-rows.json   the instance's rows before refresh
  rpc-no-method-compute-call.json / -reply.json
  rpc-bad-version-compute-reply.json
  rabbit-topology.json   the nova services' exchanges, topic queues and
                         bindings and the recorded reply queues (rabbitmqctl)
  connector.json         nova-manage volume_attachment get_connector --json

and the bodies of the calls and replies into the envelope fuzz corpus.
Hold the stack's lock (flock /tmp/bdm-stack.lock) while it runs: the
firehose is global to the vhost."""
import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pymysql

import vector_files as vf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
STATE_DIR = os.environ.get("BDM_STACK_DIR", "/var/tmp/bdm-agent-stack")
SERVICE_QUEUE_PREFIXES = ("compute", "conductor")  # the Nova services the stack runs (no scheduler)


def env(name):
    try:
        return os.environ[name]
    except KeyError:
        sys.exit("record-vectors: %s is not set (run tools/record-vectors)" % name)


class Recorder:
    """`bdm-agent trace record` in the background, until stop()."""

    def __init__(self, agent, out, *options):
        self.out = out
        self.process = subprocess.Popen(
            [agent, "--config-file", env("BDM_NOVA_CONF"), "trace", "record", "--out", out, *options],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = self.process.stderr.readline()
        if not line.startswith("recording "):
            self.process.kill()
            sys.exit("record-vectors: trace record did not start: " + line + self.process.communicate()[1])

    def stop(self):
        time.sleep(0.5)  # the last deliveries
        self.process.send_signal(signal.SIGINT)
        err = self.process.communicate(timeout=60)[1]
        if self.process.returncode != 0:
            sys.exit("record-vectors: trace record failed: " + err)
        return vf.read_trace(self.out)[1]


def run(cmd, **kwargs):
    """(meta, stdout) of a command that must succeed; meta as in the vectors."""
    started = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)
    if p.returncode != 0:
        sys.exit("record-vectors: %s failed (%d): %s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    shown = [a.replace(STATE_DIR, "$STATE").replace(ROOT + "/", "") for a in cmd]
    return {"cmd": shown, "rc": p.returncode, "wall_s": round(time.time() - started, 3),
            "captured_at": datetime.datetime.utcfromtimestamp(started).isoformat() + "Z",
            "rabbitmq": "bdm-agent trace record --firehose + --exchange amq.rabbitmq.event"}, p.stdout


def seed(tmp):
    seed_file = os.path.join(tmp, "seed.json")
    subprocess.run([os.path.join(ROOT, "tools", "seed"), "--instances", "1", "--volumes", "1", "--prefix", "vectors"],
                   check=True, capture_output=True, timeout=300, env=dict(os.environ, BDM_SEED_FILE=seed_file))
    with open(seed_file) as f:
        return json.load(f)[0]


def plain(value):
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def instance_rows(entry):
    """The rows nova-manage reads the instance from, as MariaDB holds them."""
    conn = pymysql.connect(host="127.0.0.1", port=int(env("BDM_MYSQL_PORT")), user=env("BDM_MYSQL_USER"),
                           password=env("BDM_MYSQL_PASSWORD"), database="nova")
    try:
        def select(sql):
            with conn.cursor() as cur:
                cur.execute(sql, (entry["instance_uuid"],))
                names = [d[0] for d in cur.description]
                return [{n: plain(v) for n, v in zip(names, row)} for row in cur.fetchall()]
        instance = select("SELECT * FROM instances WHERE uuid=%s")[0]
        metadata = select("SELECT `key`, value FROM instance_system_metadata WHERE instance_uuid=%s AND deleted=0 "
                          "ORDER BY id")
        cache = select("SELECT instance_uuid, network_info, created_at, updated_at, deleted_at, deleted "
                       "FROM instance_info_caches WHERE instance_uuid=%s")
    finally:
        conn.close()
    return {"instance": instance, "system_metadata": [[m["key"], m["value"]] for m in metadata],
            "info_cache": cache[0] if cache else None, "bdm_uuid": entry["bdm_uuid"], "volume_id": entry["volume_id"]}


def rabbitmqctl(*args):
    p = subprocess.run([env("BDM_RABBITMQCTL"), "-q", *args], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit("record-vectors: rabbitmqctl %s failed: %s" % (" ".join(args), p.stderr))
    return p.stdout


def topology(reply_queues):
    """The exchanges of Nova's services, their topic queues (shared and of
    this host), the recorded reply queues, and those queues' bindings; not
    the per-process fanout queues nor consumer and message counts, which
    change with every service and test that runs on the shared broker."""
    host = env("BDM_COMPUTE_HOST")

    def listed(what, *columns):
        return json.loads(rabbitmqctl("list_" + what, "-p", "/", *columns, "--formatter", "json") or "[]")

    def exchange(name):
        return name in ("", "nova") or name.startswith("amq.") or \
            (name.endswith("_fanout") and name[:-len("_fanout")] in SERVICE_QUEUE_PREFIXES)

    def queue(name):
        topic, _, server = name.partition(".")
        return name in reply_queues or (topic in SERVICE_QUEUE_PREFIXES and server in ("", host))

    exchanges = [e for e in listed("exchanges", "name", "type", "durable", "auto_delete", "internal", "arguments")
                 if exchange(e["name"])]
    queues = [q for q in listed("queues", "name", "durable", "auto_delete", "exclusive", "arguments")
              if queue(q["name"])]
    bindings = [b for b in listed("bindings", "source_name", "source_kind", "destination_name", "destination_kind",
                                  "routing_key", "arguments") if queue(b["destination_name"])]
    return {"list_exchanges": sorted(exchanges, key=lambda e: e["name"]),
            "list_queues": sorted(queues, key=lambda q: (q["name"].startswith("reply_"), q["name"])),
            "list_bindings": sorted(bindings, key=lambda b: (b["source_name"], b["destination_name"]))}


def only(groups, what):
    if len(groups) != 1:
        sys.exit("record-vectors: expected one %s in the trace, found %d" % (what, len(groups)))
    return groups[0]


def main():
    ap = argparse.ArgumentParser(prog="tools/record-vectors")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "vectors"), help="where the vectors go")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "tests", "corpus", "envelope"),
                    help="where the bodies go (the envelope fuzz corpus); '' for nowhere")
    ap.add_argument("--agent", default=os.environ.get("BDM_AGENT_BIN", os.path.join(ROOT, "build", "agent",
                                                                                      "bdm-agent")))
    args = ap.parse_args()
    python, nova_conf = env("BDM_PYTHON"), env("BDM_NOVA_CONF")
    tmp = tempfile.mkdtemp(prefix="record-vectors.")
    try:
        entry = seed(tmp)
        rows = instance_rows(entry)
        _, connector = run([python, env("BDM_NOVA_MANAGE"), "--config-file", nova_conf,
                                         "volume_attachment", "get_connector", "--json"])
        rabbitmqctl("trace_on", "-p", "/")
        try:
            hose = Recorder(args.agent, os.path.join(tmp, "firehose.trace"), "--firehose")
            events = Recorder(args.agent, os.path.join(tmp, "events.trace"), "--exchange", "amq.rabbitmq.event")
            refresh_meta, _ = run([python, env("BDM_NOVA_MANAGE"), "--config-file", nova_conf, "volume_attachment",
                                   "refresh", entry["instance_uuid"], entry["volume_id"], env("BDM_CONNECTOR_FILE")])
            case_meta = {}
            for case in ("no-method", "bad-version"):
                case_meta[case], _ = run([python, os.path.join(HERE, "rpc_case.py"), "--config-file", nova_conf,
                                          "--case", case, "--instance", entry["instance_uuid"],
                                          "--volume", entry["volume_id"]])
            records, event_records = hose.stop(), events.stop()
        finally:
            rabbitmqctl("trace_off", "-p", "/")

        refresh_call = only([g for g in vf.calls(records, "remove_volume_connection", "6.0")
                             if entry["instance_uuid"].encode() in g[0]["body"]], "refresh call")
        no_method_call = only(vf.calls(records, "bdm_vectors_no_such_method", "6.0"), "no-method call")
        bad_version_call = only(vf.calls(records, "remove_volume_connection", "6.99"), "bad-version call")
        t0 = records[0]["t_ns"]
        out = {}
        reply_queues = []
        for name, meta, call, keep_call in (("nova-manage-refresh", refresh_meta, refresh_call, True),
                                            ("rpc-no-method", case_meta["no-method"], no_method_call, True),
                                            ("rpc-bad-version", case_meta["bad-version"], bad_version_call, False)):
            message = vf.oslo_message(call[0])
            meta = {"name": name, **meta}
            reply = vf.replies(records, message["_msg_id"])
            if not reply:
                sys.exit("record-vectors: no reply to %s in the trace" % name)
            reply_queues.append(message["_reply_q"])
            if keep_call:
                out[name + "-compute-call.json"] = vf.call_vector(meta, call, t0)
            out[name + "-compute-reply.json"] = vf.reply_vector(meta, message["_reply_q"], reply, t0)
            if name == "nova-manage-refresh":
                out[name + "-declarations.json"] = vf.declarations_vector(meta, event_records, message["_reply_q"], t0)
                out[name + "-instance-rows.json"] = {"meta": meta, **rows}
        out["rabbit-topology.json"] = topology(reply_queues)

        os.makedirs(args.out, exist_ok=True)
        for name, value in out.items():
            vf.write_json(os.path.join(args.out, name), value)
        with open(os.path.join(args.out, "connector.json"), "w") as f:
            f.write(json.dumps(json.loads(connector)) + "\n")
        if args.corpus:
            os.makedirs(args.corpus, exist_ok=True)
            for name, value in out.items():
                if name.endswith(("-call.json", "-reply.json")):
                    with open(os.path.join(args.corpus, name), "w") as f:
                        f.write(value.get("publish", value.get("events"))[0]["body_raw"])
        print("record-vectors: %d files in %s (instance %s)" % (len(out) + 1, args.out, entry["instance_uuid"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
