"""`bdm-agent serve` refuses a notification configuration it cannot use at
start (exit 20, one ERROR line in oslo.log's format naming the option), and
never prints the notification broker's password. No stack: the RPC broker
([DEFAULT] transport_url, a closed port) is never reached, because the
notification options are read before serve connects. (serve logs in the
service style, so hostile.check's "bdm-agent: error:" line does not apply.)"""
import os
import subprocess

import pytest

from hostile import write_conf

SECRET = "n0tify-s3cret"
BASE = "[DEFAULT]\nhost = cmp1\nmy_ip = 127.0.0.1\ntransport_url = rabbit://rpc:rpc-pw@127.0.0.1:9/\n"


@pytest.mark.parametrize("section, message", [
    ("driver = messagingv2\ntransport_url = kafka://k:%s@127.0.0.1:9092/\n" % SECRET,
     "[oslo_messaging_notifications] transport_url: "
     "transport URL kafka://k:***@127.0.0.1:9092/"),
    ("driver = messagingv2\ntransport_url = rabbit://k:%s@127.0.0.1:99999/\n" % SECRET,
     "[oslo_messaging_notifications] transport_url"),
    ("driver = messagingv2\ntransport_url = rabbit://k:%s@h/?ssl=maybe\n" % SECRET,
     "[oslo_messaging_notifications] transport_url: transport URL query ssl: not a boolean"),
    ("driver = messaging\nretry = -5\n", "[oslo_messaging_notifications] retry: '-5' is below -1"),
    ("driver = messagingv2\ntopics = ,\n", "[oslo_messaging_notifications] topics: names no topic"),
])
def test_a_notification_configuration_serve_cannot_use_is_refused(tmp_path, section, message):
    conf = write_conf(tmp_path, BASE + "[oslo_messaging_notifications]\n" + section)
    for debug in ([], ["--debug"]):
        p = subprocess.run([os.environ["BDM_AGENT_BIN"], "--config-file", conf, *debug, "serve"], capture_output=True, text=True,
                           timeout=30)
        assert p.returncode == 20, (p.returncode, p.stderr)
        errors = [line for line in p.stderr.splitlines() if " ERROR " in line]
        assert len(errors) == 1 and message in errors[0], p.stderr
        assert SECRET not in p.stderr + p.stdout and "rpc-pw" not in p.stderr + p.stdout

