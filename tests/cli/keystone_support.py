"""What the Keystone tests share (tests/cli/test_keystone*.py): nova.conf
copies with other [cinder] options, the refresh command line, and calls to
the stack's real Keystone (tokens, revocation, application credentials),
stdlib only."""
import json
import urllib.error
import urllib.request

from conftest import stack_auth
from refresh_support import AGENT_OPTIONS


def cinder_conf(stack, tmp_path, **changes):
    """A copy of nova.conf whose [cinder] options are changed (None: removed;
    a new key is appended); [service_user] is left as it is."""
    section = stack.section("cinder")
    out = []
    for line in section.rstrip("\n").split("\n"):
        key = line.split("=", 1)[0].strip()
        if key in changes:
            value = changes.pop(key)
            if value is not None:
                out.append(f"{key} = {value}")
        else:
            out.append(line)
    out += [f"{key} = {value}" for key, value in changes.items() if value is not None]
    return stack.write_config(tmp_path, {section: "\n".join(out) + "\n\n"})


def refresh_argv(stack, entry, tmp_path, config, *extra):
    return ["--config-file", config, "refresh", "--instance", entry["instance_uuid"], "--volume", entry["volume_id"],
            "--connector", stack.env["BDM_CONNECTOR_FILE"], "--state-dir", str(tmp_path / "state"), *AGENT_OPTIONS,
            *extra]


def keystone_token_requests(stack, offset):
    """POST /v3/auth/tokens answered since `offset` of Keystone's log."""
    with open(stack.env["BDM_KEYSTONE_LOG"], errors="replace") as f:
        f.seek(offset)
        return sum(1 for line in f if "POST /v3/auth/tokens =>" in line)


def nova_token(stack):
    """(token, body) of the nova user in the service project."""
    return stack_auth.keystone_token(stack.env["BDM_KEYSTONE_URL"], "nova", stack.env["BDM_KEYSTONE_NOVA_PASSWORD"],
                                     "service")


def admin_token(stack):
    return stack_auth.keystone_token(stack.env["BDM_KEYSTONE_URL"], stack.env["BDM_KEYSTONE_ADMIN_USER"],
                                     stack.env["BDM_KEYSTONE_ADMIN_PASSWORD"],
                                     stack.env["BDM_KEYSTONE_ADMIN_PROJECT"])[0]


def keystone_call(stack, method, path, token, body=None, headers=None):
    """(status, JSON body or None) of a Keystone API call."""
    request = urllib.request.Request(stack.env["BDM_KEYSTONE_URL"].rstrip("/") + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"X-Auth-Token": token, "Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, None


def revoke(stack, token):
    """Revokes `token` in Keystone (DELETE /v3/auth/tokens with an admin token)."""
    status, _ = keystone_call(stack, "DELETE", "/auth/tokens", admin_token(stack), headers={"X-Subject-Token": token})
    assert status == 204, status
