"""Helpers for the `bdm-agent serve` tests: a serve process on the stack's
broker (started, waited for, stopped by SIGTERM), and a real Python
oslo.messaging 14 RPCClient to call and cast to it, as a deployment would;
the fixtures `rpc` (that transport) and `cinder`, imported by the test files."""
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import oslo_messaging
import pytest
from oslo_config import cfg
from oslo_messaging._metrics import client as metrics_client

from refresh_support import Cinder

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pysupport"))

ADMIN = {"is_admin": True, "user_id": "admin-user", "project_id": "admin-project", "roles": ["admin"]}


def context(**overrides):
    ctxt = dict(ADMIN, request_id="req-" + str(uuid.uuid4()))
    ctxt.update(overrides)
    return ctxt


def serve_config(stack, tmp_path, extra="", transport_url=None):
    """The stack's nova.conf plus what serve needs on the test stack: the
    fake hypervisor admitted, journals under tmp_path; `extra` lines in
    [bdm_agent] (or further sections); another broker if transport_url."""
    state = tmp_path / "state"
    replace = {"[DEFAULT]": f"[bdm_agent]\nallowed_hypervisor_types = fake\nstate_dir = {state}\n{extra}\n[DEFAULT]"}
    if transport_url:
        replace[stack.env["BDM_RABBIT_URL"]] = transport_url
    return stack.write_config(tmp_path, replace)


class Serve:
    """One `bdm-agent serve` process; its log is a file in tmp_path."""

    def __init__(self, stack, config, tmp_path, host, topic, *extra, env=None):
        self.log_path = tmp_path / f"serve-{host}.log"
        self.topic, self.host = topic, host
        cmd = [stack.agent_bin, "--config-file", config, "serve", "--topic", topic, "--host", host,
               "--log-file", str(self.log_path), *extra]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, **(env or {})))
        deadline = time.time() + 60
        while "serving topic" not in self.log():
            assert self.proc.poll() is None, (self.proc.communicate(), self.log())
            assert time.time() < deadline, self.log()
            time.sleep(0.05)

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self, timeout=90):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err


def paused_serve(stack, tmp_path, topic, step="attachment_created"):
    """A serve as the compute host's agent whose refreshes pause after the
    journal line of `step` (test hook): returns it, the file that appears
    when a refresh is paused, and the file that resumes it."""
    paused, resume = tmp_path / "paused", tmp_path / "resume"
    serve = Serve(stack, serve_config(stack, tmp_path), tmp_path, stack.env["BDM_COMPUTE_HOST"], topic,
                  env={"BDM_AGENT_TEST_PAUSE_AFTER": step, "BDM_AGENT_TEST_PAUSED_FILE": str(paused),
                       "BDM_AGENT_TEST_RESUME_FILE": str(resume)})
    return serve, paused, resume


def transport(stack, url=None):
    """An oslo.messaging RPC transport to the stack's broker (or `url`)."""
    conf = cfg.ConfigOpts()
    conf([], project="bdm-serve-test")
    conf.register_opts(metrics_client.oslo_messaging_metrics, group="oslo_messaging_metrics")
    oslo_messaging.set_transport_defaults(control_exchange="nova")
    return oslo_messaging.get_rpc_transport(conf, url=url or stack.env["BDM_RABBIT_URL"])


def client(transport, topic, server=None, **kwargs):
    target = oslo_messaging.Target(topic=topic, server=server, namespace="bdm_agent", version="1.0")
    kwargs.setdefault("timeout", 120)
    return oslo_messaging.get_rpc_client(transport, target, **kwargs)


def new_topic():
    return "bdm-serve-" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def rpc(stack):
    t = transport(stack)
    yield t
    t.cleanup()


@pytest.fixture(scope="module")
def cinder(stack):
    return Cinder(stack)


def connector(stack):
    """The stack's compute host connector, as a caller passes it to refresh."""
    with open(stack.env["BDM_CONNECTOR_FILE"]) as f:
        return json.load(f)
