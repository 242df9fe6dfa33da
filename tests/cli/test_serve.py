"""`bdm-agent serve` against the real stack, called and cast to by a real
Python oslo.messaging 14 RPCClient, as a deployment next to Nova's
conductor would: ping, show, get_connector and refresh (with and without a
connector), the admin check, the failure classes, SIGTERM during a
refresh. The end state of a refresh is checked in Nova's database and in
Cinder as the CLI's is."""
import json
import subprocess
import os
import threading
import time

import oslo_messaging
import pytest

from refresh_support import assert_consistent, seed, snapshot
from serve_support import (Serve, cinder, client, connector, context, new_topic, paused_serve,  # noqa: F401
                           rpc, serve_config)


@pytest.fixture(scope="module")
def victims(stack, tmp_path_factory):
    return seed(stack, tmp_path_factory.mktemp("serve"), 5)


@pytest.fixture
def agent(stack, tmp_path):
    """One serve on a topic of its own, as the compute host's agent."""
    topic = new_topic()
    serve = Serve(stack, serve_config(stack, tmp_path), tmp_path, stack.env["BDM_COMPUTE_HOST"], topic)
    yield serve
    rc, out, err = serve.stop()
    assert rc == 0, (rc, out, err, serve.log())
    assert "ERROR" not in serve.log(), serve.log()


def test_ping_show_and_get_connector_answer_as_the_cli(stack, rpc, agent, victims):
    c = client(rpc, agent.topic, agent.host)
    pong = c.call(context(), "ping")
    assert pong["host"] == agent.host and isinstance(pong["uptime_s"], int) and pong["version"]
    entry = victims[0]
    shown = c.call(context(), "show", bdm_uuid=entry["bdm_uuid"])
    rc, out, err = stack.agent("show", entry["bdm_uuid"], "--json")
    assert rc == 0, err
    assert shown == json.loads(out)
    assert "***" in json.dumps(shown["connection_info"])
    secret = c.call(context(), "show", instance_uuid=entry["instance_uuid"], volume_id=entry["volume_id"],
                    show_secrets=True)
    rc, out, err = stack.agent("show", entry["bdm_uuid"], "--json", "--show-secrets")
    assert secret == json.loads(out)
    rc, out, err = stack.agent("get-connector", "--json")
    assert rc == 0, err
    assert c.call(context(), "get_connector") == json.loads(out)


def test_failures_are_remote_errors_named_after_the_cli_exit_condition(stack, rpc, agent, victims):
    c = client(rpc, agent.topic, agent.host)
    cases = [
        (dict(method="show", bdm_uuid="00000000-0000-4000-8000-000000000000"), "BdmNotFound"),
        (dict(method="show", instance_uuid=victims[0]["instance_uuid"]), "InvalidArguments"),
        (dict(method="refresh", bdm_uuid="00000000-0000-4000-8000-000000000000", connector=connector(stack)),
         "VolumeBdmNotFound"),
        (dict(method="refresh", bdm_uuid=victims[0]["bdm_uuid"], connector=dict(connector(stack), host="elsewhere")),
         "ConnectorHostMismatch"),
        (dict(method="refresh", bdm_uuid=victims[0]["bdm_uuid"], connector={"no": "host"}), "InvalidConnector"),
        (dict(method="refresh", bdm_uuid=5), "InvalidArguments"),
    ]
    for kwargs, expected in cases:
        method = kwargs.pop("method")
        with pytest.raises(oslo_messaging.RemoteError) as raised:
            c.call(context(), method, **kwargs)
        assert raised.value.exc_type == expected, (method, kwargs, raised.value)
    with pytest.raises(TypeError, match="unexpected keyword argument 'surprise'"):  # builtins: re-raised as is
        c.call(context(), "ping", surprise=1)
    with pytest.raises(oslo_messaging.RemoteError) as raised:
        c.prepare(version="2.0").call(context(), "ping")
    assert raised.value.exc_type == "UnsupportedVersion"
    assert c.call(context(), "ping")["host"] == agent.host  # the server lives on


def test_a_context_that_is_not_an_admins_is_refused_and_nothing_runs(stack, rpc, agent, victims, cinder):
    c = client(rpc, agent.topic, agent.host)
    entry = victims[1]
    before = snapshot(stack, cinder, entry)
    member = context(is_admin=False, roles=["member", "reader"], user_id="mallory", project_id="p-9")
    for method, kwargs in [("ping", {}), ("show", {"bdm_uuid": entry["bdm_uuid"]}),
                           ("refresh", {"bdm_uuid": entry["bdm_uuid"], "connector": connector(stack)})]:
        with pytest.raises(oslo_messaging.RemoteError) as raised:
            c.call(member, method, **kwargs)
        assert raised.value.exc_type == "NotAuthorized"
    c.cast(member, "refresh", bdm_uuid=entry["bdm_uuid"], connector=connector(stack))
    deadline = time.time() + 30
    while agent.log().count("refused") < 4:  # the cast runs on a worker of its own
        assert time.time() < deadline, agent.log()
        time.sleep(0.05)
    assert snapshot(stack, cinder, entry) == before
    log = agent.log()
    assert log.count("refused") == 4 and "mallory p-9" in log and "(user mallory, project p-9, request req-" in log
    # A role from [bdm_agent] allowed_roles is enough.
    assert c.call(context(is_admin=False, roles=["admin"]), "ping")


def test_refresh_call_and_cast_leave_what_the_cli_leaves(stack, rpc, agent, victims, cinder):
    c = client(rpc, agent.topic, agent.host)
    entry = victims[2]
    plan = c.call(context(), "refresh", instance_uuid=entry["instance_uuid"], volume_id=entry["volume_id"],
                  connector=connector(stack), dry_run=True)
    assert plan["new_attachment_id"] is None and any("remove_volume_connection" in l for l in plan["plan"])
    result = c.call(context(), "refresh", instance_uuid=entry["instance_uuid"], volume_id=entry["volume_id"],
                    connector=connector(stack))
    assert result["bdm_uuid"] == entry["bdm_uuid"]
    assert result["old_attachment_id"] == entry["attachment_id"]
    assert set(result["timings"]) == {"wall_ms", "database_ms", "broker_ms", "cinder_ms", "keystone_ms",
                                       "keystone_requests", "own_ms"}
    snap = assert_consistent(stack, cinder, entry)
    assert snap["bdm"][0]["attachment_id"] == result["new_attachment_id"] != entry["attachment_id"]
    assert snap["volume_status"] == "in-use"

    entry = victims[3]
    c.cast(context(), "refresh", bdm_uuid=entry["bdm_uuid"], connector=connector(stack))
    deadline = time.time() + 60
    while snapshot(stack, cinder, entry)["bdm"][0]["attachment_id"] == entry["attachment_id"]:
        assert time.time() < deadline, agent.log()
        time.sleep(0.2)
    deadline = time.time() + 60
    while True:  # the cast's refresh may still be finishing on its worker
        try:
            assert_consistent(stack, cinder, entry)
            break
        except AssertionError:
            assert time.time() < deadline, agent.log()
            time.sleep(0.2)


def test_refresh_without_a_connector_asks_the_compute_hosts_agent(stack, rpc, victims, cinder, tmp_path):
    """Two agents on one topic: the compute host's and a controller's. A
    refresh sent to the controller's agent without a connector gets it from
    the compute's agent over RPC; with that agent gone, the refresh fails
    before it changes anything (ConnectorNotFound)."""
    topic = new_topic()
    config = serve_config(stack, tmp_path, extra="[DEFAULT]\nrpc_response_timeout = 3")
    compute = Serve(stack, config, tmp_path, stack.env["BDM_COMPUTE_HOST"], topic)
    controller = Serve(stack, config, tmp_path, "controller-1", topic)
    try:
        entry = victims[4]
        result = client(rpc, topic, "controller-1").call(context(), "refresh", bdm_uuid=entry["bdm_uuid"])
        assert result["old_attachment_id"] == entry["attachment_id"]
        assert_consistent(stack, cinder, entry)
        rc, out, err = compute.stop()
        assert rc == 0, (out, err, compute.log())
        before = snapshot(stack, cinder, entry)
        with pytest.raises(oslo_messaging.RemoteError) as raised:
            client(rpc, topic, "controller-1").call(context(), "refresh", bdm_uuid=entry["bdm_uuid"])
        assert raised.value.exc_type == "ConnectorNotFound", raised.value
        assert f"{topic}.{stack.env['BDM_COMPUTE_HOST']}" in raised.value.value
        assert snapshot(stack, cinder, entry) == before
    finally:
        for serve in (controller, compute):
            rc, out, err = serve.stop()
            assert rc == 0, (out, err, serve.log())


def test_sigterm_during_a_refresh_lets_it_finish(stack, rpc, cinder, tmp_path):
    entry = seed(stack, tmp_path, 1)[0]
    topic = new_topic()
    serve, paused, resume = paused_serve(stack, tmp_path, topic)
    answers = []
    caller = threading.Thread(target=lambda: answers.append(
        client(rpc, topic, serve.host).call(context(), "refresh", bdm_uuid=entry["bdm_uuid"],
                                           connector=connector(stack))))
    caller.start()
    deadline = time.time() + 60
    while not paused.exists():
        assert time.time() < deadline, serve.log()
        time.sleep(0.02)
    serve.proc.send_signal(15)
    time.sleep(0.5)
    assert serve.proc.poll() is None  # still finishing the refresh
    resume.write_text("go")
    caller.join(120)
    out, err = serve.proc.communicate(timeout=90)  # it stops by itself once the refresh is done
    assert serve.proc.returncode == 0, (out, err, serve.log())
    assert answers and answers[0]["old_attachment_id"] == entry["attachment_id"], serve.log()
    assert "SIGTERM received" in serve.log()
    snap = assert_consistent(stack, cinder, entry)
    assert snap["bdm"][0]["attachment_id"] == answers[0]["new_attachment_id"]
    assert not os.listdir(tmp_path / "state")


def test_sighup_reloads_the_configuration(stack, rpc, tmp_path):
    """allowed_roles changes on SIGHUP; the topic stays until a restart; the
    log file is reopened (rotated away, it is made again)."""
    topic = new_topic()
    config = serve_config(stack, tmp_path)
    serve = Serve(stack, config, tmp_path, "reloader", topic)
    try:
        c = client(rpc, topic, "reloader")
        member = context(is_admin=False, roles=["operator"])
        with pytest.raises(oslo_messaging.RemoteError):
            c.call(member, "ping")
        with open(config) as f:
            text = f.read()
        with open(config, "w") as f:
            f.write(text.replace("[bdm_agent]\n", "[bdm_agent]\nallowed_roles = admin, operator\nworkers = 2\n"))
        rotated = tmp_path / "rotated.log"
        os.rename(serve.log_path, rotated)
        serve.proc.send_signal(1)
        deadline = time.time() + 30
        while "configuration reloaded" not in serve.log():
            assert time.time() < deadline, rotated.read_text()
            time.sleep(0.05)
        assert c.call(member, "ping")["host"] == "reloader"
        assert "change only on a restart" in serve.log()
    finally:
        rc, out, err = serve.stop()
        assert rc == 0, (out, err, serve.log())


def test_a_broker_down_at_start_is_waited_for(stack, tmp_path):
    url = stack.env["BDM_RABBIT_URL"]
    config = stack.write_config(tmp_path, {url: url.replace(stack.env["BDM_RABBIT_PORT"], "9")})
    log_path = tmp_path / "serve.log"
    proc = subprocess.Popen([stack.agent_bin, "--config-file", config, "serve", "--log-file", str(log_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while "trying again" not in (log_path.read_text() if log_path.exists() else ""):
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline
        time.sleep(0.05)
    proc.send_signal(15)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, (out, err)
    assert stack.env["BDM_RABBIT_PASSWORD"] not in log_path.read_text()
