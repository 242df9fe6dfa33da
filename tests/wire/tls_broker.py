"""A private RabbitMQ node with a TLS listener, for tests/wire/test_amqp_tls.py.

The stack's broker (tools/stack) has no TLS listener and is shared, so the
TLS tests start their own real RabbitMQ node the way tools/stack starts the
shared one: rabbitmq-server run directly with its own node name, HOME,
mnesia and log directories, config files, and its own epmd on its own port,
everything bound to 127.0.0.1 on free ports. Nothing of the stack is touched.

Certificates are made with the openssl command in a temporary directory:
  ca.pem                 the CA that signs the broker's and the client's certs
  server.pem/.key        CN=localhost, SAN DNS:localhost, IP:127.0.0.1
  server-dns.pem/.key    CN=localhost, SAN DNS:localhost only
  client.pem/.key        CN=bdm-agent-test-client (clientAuth)
  other-ca.pem           a second CA that signed nothing the broker has

TlsBroker.start() returns once the TLS port accepts connections;
stop() ends the broker (SIGTERM to rabbitmq-server, which stops the Erlang
VM gracefully), then anything left in its process group, then its epmd, all
by process id, and removes the directory.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
USER = "tls-user"
PASSWORD = "tls-secret-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(directory):
    """Writes the CA, server, client and other-CA files named above into `directory`."""
    def key(name):
        _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name, cwd=directory)

    def ca(name, cn):
        key(name + ".key")
        _openssl("req", "-x509", "-new", "-key", name + ".key", "-out", name + ".pem", "-days", "2",
                 "-subj", "/CN=" + cn, cwd=directory)

    def leaf(name, cn, extensions):
        key(name + ".key")
        _openssl("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=directory)
        with open(os.path.join(directory, name + ".ext"), "w", encoding="utf-8") as f:
            f.write("basicConstraints = CA:FALSE\n" + extensions)
        _openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext", cwd=directory)

    ca("ca", "bdm-agent test CA")
    ca("other-ca", "bdm-agent other test CA")
    leaf("server", "localhost",
         "subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n")
    leaf("server-dns", "localhost", "subjectAltName = DNS:localhost\nextendedKeyUsage = serverAuth\n")
    leaf("client", "bdm-agent-test-client", "extendedKeyUsage = clientAuth\n")
    for name in ("ca.key", "other-ca.key", "server.key", "server-dns.key", "client.key"):
        os.chmod(os.path.join(directory, name), 0o600)


class TlsBroker:
    """One private RabbitMQ node; `require_client_cert` sets fail_if_no_peer_cert,
    `server_cert` names the certificate/key pair it presents."""

    def __init__(self, certs, name, require_client_cert=False, server_cert="server"):
        self.certs = certs
        self.server_cert = server_cert
        self.require_client_cert = require_client_cert
        self.dir = tempfile.mkdtemp(prefix="bdm-tls-%s-" % name)
        self.node = "bdm-tls-%s-%d@localhost" % (name, os.getpid())
        self.port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self.epmd = None
        self.server = None

    @property
    def url(self):
        return self.url_for("127.0.0.1")

    def url_for(self, host):
        return "rabbit://%s:%s@%s:%d/" % (USER, PASSWORD, host, self.port)

    def cert(self, name):
        return os.path.join(self.certs, name)

    def _write_config(self):
        for sub in ("home", "mnesia", "log"):
            os.makedirs(os.path.join(self.dir, sub))
        with open(os.path.join(self.dir, "rabbitmq.conf"), "w", encoding="utf-8") as f:
            f.write("\n".join([
                "listeners.tcp = none",
                "listeners.ssl.default = 127.0.0.1:%d" % self.port,
                "ssl_options.cacertfile = %s" % self.cert("ca.pem"),
                "ssl_options.certfile = %s" % self.cert(self.server_cert + ".pem"),
                "ssl_options.keyfile = %s" % self.cert(self.server_cert + ".key"),
                "ssl_options.verify = verify_peer",
                "ssl_options.fail_if_no_peer_cert = %s" % ("true" if self.require_client_cert else "false"),
                "default_user = %s" % USER,
                "default_pass = %s" % PASSWORD,
                "default_vhost = /",
                "default_permissions.configure = .*",
                "default_permissions.read = .*",
                "default_permissions.write = .*",
                "loopback_users = none",
                "disk_free_limit.absolute = 50MB",
                "log.console = false",
                "log.file.level = info",
                ""]))
        with open(os.path.join(self.dir, "advanced.config"), "w", encoding="utf-8") as f:
            f.write("[{kernel,[{inet_dist_use_interface,{127,0,0,1}}]}].\n")
        with open(os.path.join(self.dir, "enabled_plugins"), "w", encoding="utf-8") as f:
            f.write("[].\n")

    def _env(self):
        d = self.dir
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)  # keep rabbitmq-server's SIGTERM handler
        env.update({
            "HOME": os.path.join(d, "home"),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": os.path.join(d, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(d, "log"),
            "RABBITMQ_CONFIG_FILE": os.path.join(d, "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": os.path.join(d, "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": os.path.join(d, "enabled_plugins"),
            "RABBITMQ_PID_FILE": os.path.join(d, "rabbitmq.pid"),
            "ERL_CRASH_DUMP": os.path.join(d, "log", "erl_crash.dump"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "+sbwt none +sbwtdcpu none +sbwtdio none",
        })
        return env

    def start(self):
        """Starts epmd and the node; does not wait (see wait_ready)."""
        self._write_config()
        env = self._env()
        self.epmd = subprocess.Popen(["epmd", "-port", str(self.epmd_port)], env=env, cwd=self.dir,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while not port_open(self.epmd_port):
            if time.monotonic() > deadline or self.epmd.poll() is not None:
                raise RuntimeError("private epmd on port %d did not start" % self.epmd_port)
            time.sleep(0.05)
        out = open(os.path.join(self.dir, "log", "rabbitmq-server.out"), "wb")
        self.server = subprocess.Popen([RABBITMQ_SERVER], env=env, cwd=self.dir, stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("private RabbitMQ %s did not open port %d:\n%s" % (
                    self.node, self.port, self.log_tail()))
            time.sleep(0.1)

    def log_tail(self, lines=25):
        text = []
        for root, _, files in os.walk(os.path.join(self.dir, "log")):
            for name in files:
                with open(os.path.join(root, name), errors="replace") as f:
                    text.append("---- %s\n%s" % (name, "".join(f.readlines()[-lines:])))
        return "\n".join(text)

    def stop(self):
        """Stops the node, its process group and epmd by pid; removes the directory."""
        if self.server is not None:
            if self.server.poll() is None:
                self.server.send_signal(signal.SIGTERM)
                try:
                    self.server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.server.kill()
                    self.server.wait()
            # The Erlang VM and its helpers (erl_child_setup, inet_gethost)
            # share the session rabbitmq-server started in; the script is
            # reaped above, so only those can be left.
            _kill_group(self.server.pid)
        if self.epmd is not None:
            if self.epmd.poll() is None:
                self.epmd.terminate()
                try:
                    self.epmd.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.epmd.kill()
                    self.epmd.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def left_behind(self):
        """Pids still in the node's or epmd's process group (empty after stop)."""
        groups = {p.pid for p in (self.server, self.epmd) if p is not None}
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.getpgid(int(entry)) in groups:
                        pids.append(int(entry))
                except ProcessLookupError:
                    pass
        return pids


def _kill_group(pgid):
    deadline = time.monotonic() + 10
    sig = signal.SIGTERM
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        time.sleep(0.2)
        sig = signal.SIGKILL
