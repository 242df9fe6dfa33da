"""bdm-agent against the stack's real Keystone and real Cinder (issue 14):
each wrong [cinder] setting a real cloud can have (password, project,
catalog interface, region, Keystone down) fails refresh with one clear line,
exit 19, nothing changed and no secret printed (tests/cli/hostile.py's
checks, with and without --debug); Cinder refuses an attachment delete
without a service token and bdm-agent's refresh (which sends one) succeeds;
one Keystone token request per run.

Needs a stack started with Keystone (the default; BDM_STACK_AUTH=noauth
stacks fail here, they have no Keystone to test). Runs refresh on instances
it seeds itself."""
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest

import hostile
from keystone_support import cinder_conf, keystone_token_requests, nova_token, refresh_argv
from refresh_support import Cinder, seed, snapshot

WRONG_PASSWORD = "WrongKsS3cr3t-1"
# Keystone answers the same 401 for each wrong credential; bdm-agent says where to look.
CHECK_CREDENTIALS = ("HTTP 401: The request you have made requires authentication. (Keystone does not say which "
                     "credential is wrong: check [cinder] username, password, project and their domains)")


@pytest.fixture(scope="module")
def cinder(stack):
    assert stack.env.get("BDM_STACK_AUTH") == "keystone", "this stack runs no Keystone (BDM_STACK_AUTH=noauth)"
    return Cinder(stack)


@pytest.fixture(scope="module")
def victim(stack, cinder, tmp_path_factory):
    return seed(stack, tmp_path_factory.mktemp("keystone-seed"), 1)[0]


def secrets(stack):
    return [stack.env["BDM_KEYSTONE_NOVA_PASSWORD"], stack.env["BDM_KEYSTONE_ADMIN_PASSWORD"], WRONG_PASSWORD]


def closed_port():
    return "http://127.0.0.1:9/v3"  # discard: nothing listens there on the test machine


BAD_SETTINGS = {
    # name: ([cinder] changes, text the error line must hold)
    "wrong-password": ({"password": WRONG_PASSWORD}, CHECK_CREDENTIALS),
    "unknown-project": ({"project_name": "no-such-project"}, CHECK_CREDENTIALS),
    "unknown-user-domain": ({"user_domain_name": "NoSuchDomain"}, CHECK_CREDENTIALS),
    "no-endpoint-for-interface": ({"catalog_info": "volumev3:cinderv3:adminURL"},
                                  "no endpoint in Keystone's service catalog for type volumev3, name cinderv3, "
                                  "interface admin, region RegionOne ([cinder] catalog_info, os_region_name); "
                                  "the catalog has "),
    "region-mismatch": ({"os_region_name": "RegionTwo"},
                        "no endpoint in Keystone's service catalog for type volumev3, name cinderv3, "
                        "interface public, region RegionTwo"),
    "keystone-unreachable": ({"auth_url": closed_port()}, "Keystone POST http://127.0.0.1:9/v3/auth/tokens (for "
                                                           "[cinder]): Failed to connect"),
}


@pytest.mark.parametrize("name", BAD_SETTINGS)
def test_a_wrong_keystone_setting_is_one_clear_error_and_changes_nothing(stack, cinder, victim, tmp_path, name):
    changes, text = BAD_SETTINGS[name]
    config = cinder_conf(stack, tmp_path, **changes)
    before = snapshot(stack, cinder, victim)
    o = hostile.check(refresh_argv(stack, victim, tmp_path, config), code=19, secrets=secrets(stack),
                      watch=[config], contains=text)
    assert "Keystone" in o.error_lines[0] or "catalog" in o.error_lines[0], o.error_lines[0]
    assert snapshot(stack, cinder, victim) == before


def test_the_catalog_error_lists_what_the_catalog_has(stack, cinder, victim, tmp_path):
    config = cinder_conf(stack, tmp_path, os_region_name="RegionTwo")
    o = hostile.check(refresh_argv(stack, victim, tmp_path, config), code=19, secrets=secrets(stack),
                      contains="region RegionTwo")
    line = o.error_lines[0]
    assert "volumev3/cinderv3 " in line and "public@RegionOne" in line and "internal@RegionOne" in line, line
    assert "block-storage/cinder " in line and "identity/keystone " in line, line


def plain_delete(stack, attachment_id):
    """DELETE as the nova user with its token only (no X-Service-Token)."""
    token = nova_token(stack)[0]
    url = f"{stack.env['BDM_CINDER_URL']}/{stack.env['BDM_CINDER_PROJECT']}/attachments/{attachment_id}"
    request = urllib.request.Request(url, method="DELETE", headers={
        "X-Auth-Token": token, "OpenStack-API-Version": "volume 3.44", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_cinder_needs_the_service_token_and_refresh_sends_it_with_one_token_request(stack, cinder, tmp_path):
    entry = seed(stack, tmp_path, 1)[0]
    old = entry["attachment_id"]
    assert cinder.attachment(old)["connection_info"], "the seeded attachment must be connected"

    # The stack enforces the service token (Cinder's fix for bug #2004555):
    # the nova user is admin, yet without X-Service-Token the delete is refused.
    status = plain_delete(stack, old)
    assert status >= 400, status
    assert cinder.attachment(old) is not None

    # cinder-api's keystonemiddleware has its own token by now (the calls
    # above): every token request from here on is bdm-agent's.
    cinder.attachments_of(entry["volume_id"])
    offset = os.path.getsize(stack.env["BDM_KEYSTONE_LOG"])
    cmd = [stack.agent_bin, *refresh_argv(stack, entry, tmp_path, stack.nova_conf)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    assert cinder.attachment(old) is None  # deleted by bdm-agent, with its service token
    for secret in secrets(stack):
        assert secret not in p.stdout + p.stderr
    time.sleep(0.5)  # uwsgi writes its access line after the answer
    assert keystone_token_requests(stack, offset) == 1
