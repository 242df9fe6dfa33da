"""bdm-agent's AMQP connection over TLS, against a real RabbitMQ TLS listener.

The stack's broker has no TLS listener and is shared, so this module starts
two private RabbitMQ nodes of its own (tls_broker.py), with throwaway
certificates made by openssl:
  broker "a": TLS only, verify_peer, client certificate optional
  broker "b": TLS only, verify_peer, fail_if_no_peer_cert = true, and a
              certificate naming only DNS:localhost (no IP address)
The agent side is tests/integration/rpc_probe (rpc::RpcClient over
rpc::AmqpConnection); the other side, where a round trip is checked, is a
real oslo.messaging 14 RPC server (oslo_server.py) connected over TLS with
oslo's own [oslo_messaging_rabbit] ssl options. Both nodes, their epmd and
all files are removed at the end; nothing of the stack is touched.

Run: BDM_BUILD_DIR=$PWD/build /usr/bin/python3 -m pytest -q tests/wire/test_amqp_tls.py
(BDM_RPC_PROBE or BDM_BUILD_DIR find the probe; default build/.)
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import tls_broker  # noqa: E402

CONTEXT = {"request_id": "req-5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "is_admin": True, "roles": ["admin"]}


def _probe():
    if "BDM_RPC_PROBE" in os.environ:
        return os.environ["BDM_RPC_PROBE"]
    build = os.environ.get("BDM_BUILD_DIR", os.path.join(ROOT, "build"))
    path = os.path.join(build, "tests", "integration", "rpc_probe")
    if not os.access(path, os.X_OK):
        raise RuntimeError("rpc_probe not built (looked for %s)" % path)
    return path


def run_probe(*args):
    proc = subprocess.run([_probe(), *args], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout.splitlines(), proc.stderr


@pytest.fixture(scope="module")
def brokers():
    certs = tempfile.mkdtemp(prefix="bdm-tls-certs-")
    tls_broker.make_certificates(certs)
    nodes = {"a": tls_broker.TlsBroker(certs, "a"),
             "b": tls_broker.TlsBroker(certs, "b", require_client_cert=True, server_cert="server-dns")}
    try:
        for node in nodes.values():  # boot both at once: ~10-20 s on a busy machine
            node.start()
        for node in nodes.values():
            node.wait_ready()
        yield nodes
    finally:
        for node in nodes.values():
            node.stop()
        left = [pid for node in nodes.values() for pid in node.left_behind()]
        import shutil
        shutil.rmtree(certs, ignore_errors=True)
        assert left == [], "processes of the private brokers left behind: %s" % left


def oslo_conf(path, broker, ca="ca.pem", client_cert=False, ssl_ca=True, host="127.0.0.1", verify_hostname=False):
    """A service config file with [oslo_messaging_rabbit] TLS options (oslo names)."""
    lines = ["[DEFAULT]", "transport_url = %s" % broker.url_for(host), "", "[oslo_messaging_rabbit]", "ssl = True"]
    if verify_hostname:
        lines.append("ssl_enforce_hostname_verification = True")
    if ssl_ca:
        lines.append("ssl_ca_file = %s" % broker.cert(ca))
    if client_cert:
        lines += ["ssl_cert_file = %s" % broker.cert("client.pem"), "ssl_key_file = %s" % broker.cert("client.key")]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


class OsloServer:
    """oslo_server.py (real oslo.messaging RPC server) with a config file."""

    def __init__(self, tmp_path, broker, conf, wait_ready=True):
        self.topic = "tls-%s" % uuid.uuid4().hex[:12]
        self.log = tmp_path / ("%s.log" % self.topic)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "oslo_server.py"), broker.url, self.topic, "host1", str(self.log),
             conf],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if wait_ready:
            line = self.readline(30)
            if line.strip() != "ready":
                self.stop()
                raise RuntimeError("oslo server did not start: %r %s" % (line, self.proc.stderr.read()))

    def readline(self, seconds):
        ready, _, _ = select.select([self.proc.stdout], [], [], seconds)
        return self.proc.stdout.readline() if ready else ""

    def calls(self):
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def stop(self):
        """Ends the server; returns its stderr."""
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stderr.read()


def call_args(server, args):
    return ["--topic", server.topic, "--server", "host1", "--method", "echo", "--args", json.dumps(args),
            "--context", json.dumps(CONTEXT), "--timeout-ms", "10000"]


def one_error_line(out):
    assert len(out) == 1, out
    assert out[0].startswith("error -1 "), out
    return out[0]


def assert_no_client_cert_error(line, broker):
    """The broker's 'certificate required' alert (TLS 1.3: sent after the
    client's handshake, read during login), or, when its TCP reset overtook
    the alert, the same hint on an unavailable error."""
    prefix = "connect to RabbitMQ at 127.0.0.1:%d (user '%s', vhost '/'): " % (broker.port, tls_broker.USER)
    if line.startswith("error -1 permission denied "):
        assert prefix + "TLS: the broker refused the session with alert 'certificate required'; " \
            "it requires a client certificate: set ssl_cert_file and ssl_key_file" in line, line
    else:
        assert line.startswith("error -1 unavailable " + prefix), line
        assert "the broker ended the TLS session before AMQP login: it may require a client certificate " \
            "(ssl_cert_file and ssl_key_file)" in line, line


def test_call_over_tls_with_url_ssl_query_to_oslo_over_tls(brokers, tmp_path):
    a = brokers["a"]
    server = OsloServer(tmp_path, a, oslo_conf(tmp_path / "oslo.conf", a))
    try:
        args = {"volume_id": "9d0f", "text": "caf\u00e9", "n": 7}
        rc, out, err = run_probe("--url", a.url + "?ssl=1", "--ssl-ca", a.cert("ca.pem"), *call_args(server, args))
        assert rc == 0, (out, err)
        assert out[1].startswith("result 0 ")
        assert json.loads(out[1][len("result 0 "):]) == args
        (seen,) = server.calls()
        assert seen["args"] == args
    finally:
        server.stop()


def test_ca_that_did_not_sign_the_broker_cert_is_a_verification_error(brokers):
    a = brokers["a"]
    rc, out, _ = run_probe("--url", a.url + "?ssl=1", "--ssl-ca", a.cert("other-ca.pem"),
                           "--topic", "t", "--method", "m", "--mode", "cast")
    assert rc == 1
    line = one_error_line(out)
    assert line.startswith("error -1 permission denied connect to RabbitMQ at 127.0.0.1:%d: " % a.port), line
    assert "TLS certificate verification failed: self-signed certificate in certificate chain" in line
    assert "checked against ssl_ca_file %s" % a.cert("other-ca.pem") in line
    assert tls_broker.PASSWORD not in line
    # Nothing listening is a different failure, and not a TLS one.
    rc, out, _ = run_probe("--url", "rabbit://u:p@127.0.0.1:%d/?ssl=1" % tls_broker.free_port(),
                           "--ssl-ca", a.cert("ca.pem"), "--topic", "t", "--method", "m", "--mode", "cast")
    line = one_error_line(out)
    assert line.startswith("error -1 unavailable ") and "TLS" not in line, line


def test_without_ssl_ca_file_the_system_store_is_used_as_by_oslo(brokers, tmp_path):
    """oslo 14 + py-amqp 5 verify the broker even without ssl_ca_file (system CAs); so do we."""
    a = brokers["a"]
    rc, out, _ = run_probe("--url", a.url + "?ssl=1", "--topic", "t", "--method", "m", "--mode", "cast")
    assert rc == 1
    line = one_error_line(out)
    assert "permission denied" in line and "TLS certificate verification failed" in line, line
    assert "the system CA store (ssl_ca_file is not set)" in line
    server = OsloServer(tmp_path, a, oslo_conf(tmp_path / "oslo.conf", a, ssl_ca=False), wait_ready=False)
    log = []
    try:  # oslo logs the refusal, then retries for ever
        deadline = time.monotonic() + 15
        while not any("CERTIFICATE_VERIFY_FAILED" in line for line in log) and time.monotonic() < deadline:
            ready, _, _ = select.select([server.proc.stderr], [], [], 1)
            if ready:
                log.append(server.proc.stderr.readline())
    finally:
        server.proc.kill()
        server.proc.wait()
    assert any("CERTIFICATE_VERIFY_FAILED" in line for line in log), log[-20:]
    assert server.calls() == []


def test_plain_amqp_to_a_tls_port_hints_at_ssl(brokers):
    a = brokers["a"]
    rc, out, _ = run_probe("--url", a.url, "--topic", "t", "--method", "m", "--mode", "cast")
    assert rc == 1
    line = one_error_line(out)
    assert line.startswith("error -1 unavailable "), line
    assert "if this port is a TLS listener, enable TLS: [oslo_messaging_rabbit] ssl" in line


def test_broker_requiring_client_cert_refuses_a_client_without_one(brokers):
    b = brokers["b"]
    rc, out, _ = run_probe("--url", b.url + "?ssl=1", "--ssl-ca", b.cert("ca.pem"),
                           "--topic", "t", "--method", "m", "--mode", "cast")
    assert rc == 1
    line = one_error_line(out)
    assert_no_client_cert_error(line, b)


def test_broker_refuses_a_client_cert_not_meant_for_clients(brokers):
    b = brokers["b"]  # server.pem has extendedKeyUsage serverAuth only
    rc, out, _ = run_probe("--url", b.url + "?ssl=1", "--ssl-ca", b.cert("ca.pem"), "--ssl-cert", b.cert("server.pem"),
                           "--ssl-key", b.cert("server.key"), "--topic", "t", "--method", "m", "--mode", "cast")
    assert rc == 1
    line = one_error_line(out)
    if "permission denied" in line:
        assert "TLS: the broker refused the session with alert" in line, line
        assert "did not accept the client certificate ssl_cert_file %s" % b.cert("server.pem") in line
    else:  # the alert lost to the broker's TCP reset (see assert_no_client_cert_error)
        assert line.startswith("error -1 unavailable ") and "broker ended the TLS session before AMQP login" in line
        assert "may not accept the client certificate ssl_cert_file %s" % b.cert("server.pem") in line


def test_unusable_tls_files_are_invalid_input(brokers):
    b = brokers["b"]
    rc, out, _ = run_probe("--url", b.url + "?ssl=1", "--ssl-ca", b.cert("missing.pem"),
                           "--topic", "t", "--method", "m", "--mode", "cast")
    assert one_error_line(out) == "error -1 invalid input connect to RabbitMQ at 127.0.0.1:%d: TLS: cannot load " \
        "ssl_ca_file %s" % (b.port, b.cert("missing.pem"))
    rc, out, _ = run_probe("--url", b.url + "?ssl=1", "--ssl-ca", b.cert("ca.pem"), "--ssl-cert", b.cert("client.pem"),
                           "--ssl-key", b.cert("server.key"), "--topic", "t", "--method", "m", "--mode", "cast")
    line = one_error_line(out)
    assert line.startswith("error -1 invalid input ") and "not a pair" in line, line
    assert "BEGIN" not in line  # file names, never key material


def test_nova_conf_ssl_options_with_client_cert_round_trip(brokers, tmp_path):
    """[oslo_messaging_rabbit] ssl/ssl_ca_file/ssl_cert_file/ssl_key_file read by the agent's
    RpcClientOptionsFromConfig; the oslo server reads the same options itself."""
    b = brokers["b"]
    conf = oslo_conf(tmp_path / "nova.conf", b, client_cert=True)
    server = OsloServer(tmp_path, b, conf)
    try:
        args = {"bdm": {"id": 3}, "i": 1}
        rc, out, err = run_probe("--config", conf, *call_args(server, args))
        assert rc == 0, (out, err)
        assert json.loads(out[1][len("result 0 "):]) == args
        assert [c["args"] for c in server.calls()] == [args]
    finally:
        server.stop()
    # The same file without the client certificate: the agent says what is missing.
    bare = oslo_conf(tmp_path / "nova-bare.conf", b)
    rc, out, _ = run_probe("--config", bare, "--topic", "t", "--method", "m", "--mode", "cast")
    assert rc == 1
    assert_no_client_cert_error(one_error_line(out), b)


def test_combined_cert_and_key_file(brokers):
    """Python's load_cert_chain takes the key from the certificate file when no key file is given."""
    b = brokers["b"]
    combined = os.path.join(tempfile.mkdtemp(prefix="bdm-tls-combined-"), "client-with-key.pem")
    try:
        with open(combined, "w", encoding="utf-8") as f:
            for name in ("client.pem", "client.key"):
                with open(b.cert(name), encoding="utf-8") as part:
                    f.write(part.read())
        rc, out, err = run_probe("--url", b.url + "?ssl=1", "--ssl-ca", b.cert("ca.pem"), "--ssl-cert", combined,
                                 "--topic", "tls-combined", "--method", "m", "--mode", "cast")
        assert rc == 0, (out, err)
        assert out[1] == "sent 0"
    finally:
        import shutil
        shutil.rmtree(os.path.dirname(combined), ignore_errors=True)


def test_hostname_verification_from_nova_conf(brokers, tmp_path):
    """ssl_enforce_hostname_verification (with ssl_ca_file): the name in the transport URL must be
    in the broker's certificate, an IP address as an IP SAN, as with Python's ssl module."""
    a, b = brokers["a"], brokers["b"]
    ok_ip = oslo_conf(tmp_path / "a-ip.conf", a, verify_hostname=True)
    rc, out, err = run_probe("--config", ok_ip, "--topic", "tls-hostname", "--method", "m", "--mode", "cast")
    assert (rc, out[1:]) == (0, ["sent 0"]), (out, err)
    ok_dns = oslo_conf(tmp_path / "b-dns.conf", b, client_cert=True, host="localhost", verify_hostname=True)
    rc, out, err = run_probe("--config", ok_dns, "--topic", "tls-hostname", "--method", "m", "--mode", "cast")
    assert (rc, out[1:]) == (0, ["sent 0"]), (out, err)
    bad = oslo_conf(tmp_path / "b-ip.conf", b, client_cert=True, verify_hostname=True)
    rc, out, _ = run_probe("--config", bad, "--topic", "t", "--method", "m", "--mode", "cast")
    assert rc == 1
    line = one_error_line(out)
    assert line.startswith("error -1 permission denied connect to RabbitMQ at 127.0.0.1:%d: TLS certificate "
                           "verification failed: " % b.port), line
    assert "mismatch" in line and "depth 0, /CN=localhost" in line, line
    # Without the option (oslo's default) the same broker is accepted.
    off = oslo_conf(tmp_path / "b-ip-off.conf", b, client_cert=True)
    rc, out, err = run_probe("--config", off, "--topic", "tls-hostname", "--method", "m", "--mode", "cast")
    assert (rc, out[1:]) == (0, ["sent 0"]), (out, err)
