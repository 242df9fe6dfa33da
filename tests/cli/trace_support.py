"""Helpers for the trace tests: a recorder run in the background (started,
waited for until its tap is bound, stopped with a signal), an oslo.messaging
cast sent with a context that carries an auth token, and the firehose
switched on for one test (and always off again)."""
import contextlib
import json
import signal
import subprocess
import time


class Recorder:
    """`bdm-agent trace record` in the background; ready once it says so."""

    def __init__(self, stack, out, *options):
        cmd = [stack.agent_bin, "--config-file", stack.nova_conf, "trace", "record", "--out", str(out), *options]
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.first_line = self.process.stderr.readline()
        if not self.first_line.startswith("recording "):
            self.process.kill()
            rest = self.process.communicate(timeout=30)[1]
            raise AssertionError("recorder did not start: " + self.first_line + rest)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:  # a failed test: do not leave it running
            self.process.kill()
            self.process.communicate(timeout=30)

    def stop(self, sig=signal.SIGINT, timeout=30):
        """(exit code, the rest of stderr) after `sig`."""
        time.sleep(0.5)  # let the last deliveries arrive
        self.process.send_signal(sig)
        _, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, err


def oslo_cast(stack, topic, token):
    """A real oslo.messaging cast on exchange nova to `topic` (nobody
    listens: it is dropped) whose context has auth_token `token` and whose
    argument holds a CHAP password inside a JSON string."""
    import oslo_messaging  # noqa: imported here: slow
    from serve_support import transport
    t = transport(stack)
    try:
        client = oslo_messaging.get_rpc_client(t, oslo_messaging.Target(topic=topic, version="1.0"))
        client.cast({"auth_token": token, "request_id": "req-trace-test", "roles": ["admin"]}, "trace_probe",
                    connection_info='{"data": {"auth_password": "chap-' + token + '"}}')
    finally:
        t.cleanup()


@contextlib.contextmanager
def firehose(stack):
    """Tracing on for the stack's vhost "/" while the block runs."""
    ctl = stack.env["BDM_RABBITMQCTL"]
    subprocess.run([ctl, "-q", "trace_on", "-p", "/"], check=True, capture_output=True, timeout=60)
    try:
        yield
    finally:
        subprocess.run([ctl, "-q", "trace_off", "-p", "/"], check=True, capture_output=True, timeout=60)


def decode(stack, path, *options):
    return stack.agent("trace", "decode", str(path), *options)


def json_entries(stack, path, *options):
    rc, out, err = decode(stack, path, "--json", *options)
    assert rc == 0, err
    return [json.loads(line) for line in out.splitlines()]
