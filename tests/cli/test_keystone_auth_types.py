"""[cinder] auth_type v3applicationcredential and token against the stack's
real Keystone and Cinder (issue 14): `refresh --dry-run` (which reaches
Cinder: the volume is read before the plan) works with an application
credential of the nova user, by id and by name, and with a fixed token; a
wrong secret, a revoked token, a missing secret and an unknown auth_type are
each one clear line with the exit code of the other Keystone and config
errors (19, 20), printing no secret.

The application credential is made for the stack's nova user through
Keystone's API (nobody else uses it) and deleted at the end; [service_user]
keeps the stack's password auth."""
import os
import subprocess
import time
import uuid

import pytest

import hostile
from keystone_support import cinder_conf, keystone_call, keystone_token_requests, nova_token, refresh_argv, revoke
from refresh_support import seed

WRONG_SECRET = "WrongAppCredS3cret-1"
# What the application credential replaces in [cinder].
PASSWORD_OPTIONS = dict(username=None, password=None, user_domain_name=None, project_name=None,
                        project_domain_name=None)


@pytest.fixture(scope="module")
def victim(stack, tmp_path_factory):
    assert stack.env.get("BDM_STACK_AUTH") == "keystone", "this stack runs no Keystone (BDM_STACK_AUTH=noauth)"
    return seed(stack, tmp_path_factory.mktemp("auth-types-seed"), 1)[0]


@pytest.fixture(scope="module")
def app_credential(stack):
    token, body = nova_token(stack)
    user = body["token"]["user"]["id"]
    name = "bdm-agent-test-" + uuid.uuid4().hex[:8]
    status, created = keystone_call(stack, "POST", f"/users/{user}/application_credentials", token, {
        "application_credential": {"name": name, "description": "tests/cli/test_keystone_auth_types.py"}})
    assert status == 201, status
    credential = created["application_credential"]
    yield {"id": credential["id"], "name": name, "secret": credential["secret"], "user_id": user}
    status, _ = keystone_call(stack, "DELETE", f"/users/{user}/application_credentials/{credential['id']}",
                              nova_token(stack)[0])
    assert status == 204, status


def secrets(stack, *more):
    return [stack.env["BDM_KEYSTONE_NOVA_PASSWORD"], stack.env["BDM_KEYSTONE_ADMIN_PASSWORD"], *more]


def dry_run(stack, victim, tmp_path, config, hidden):
    """A dry-run refresh with --debug that must succeed and print none of `hidden`."""
    cmd = [stack.agent_bin, "--debug", *refresh_argv(stack, victim, tmp_path, config, "--dry-run")]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "remove_volume_connection" in p.stdout, p.stdout
    for secret in hidden:
        assert secret not in p.stdout + p.stderr
    return p


def test_application_credential_by_id_and_by_name(stack, victim, app_credential, tmp_path):
    by_id = cinder_conf(stack, tmp_path, **PASSWORD_OPTIONS, auth_type="v3applicationcredential",
                        application_credential_id=app_credential["id"],
                        application_credential_secret=app_credential["secret"])
    offset = os.path.getsize(stack.env["BDM_KEYSTONE_LOG"])
    dry_run(stack, victim, tmp_path, by_id, secrets(stack, app_credential["secret"]))
    # One for [cinder] (the credential), one for [service_user] (nova's password).
    time.sleep(0.5)  # uwsgi writes its access line after the answer
    assert keystone_token_requests(stack, offset) == 2

    (tmp_path / "by-name").mkdir()
    by_name = cinder_conf(stack, tmp_path / "by-name", **dict(PASSWORD_OPTIONS, username="nova",
                                                              user_domain_name="Default"),
                          auth_type="v3applicationcredential", application_credential_name=app_credential["name"],
                          application_credential_secret=app_credential["secret"])
    dry_run(stack, victim, tmp_path, by_name, secrets(stack, app_credential["secret"]))


def test_a_wrong_or_missing_secret_is_one_clear_line(stack, victim, app_credential, tmp_path):
    config = cinder_conf(stack, tmp_path, **PASSWORD_OPTIONS, auth_type="v3applicationcredential",
                         application_credential_id=app_credential["id"], application_credential_secret=WRONG_SECRET)
    o = hostile.check(refresh_argv(stack, victim, tmp_path, config), code=19,
                      secrets=secrets(stack, WRONG_SECRET, app_credential["secret"]), watch=[config],
                      contains="HTTP 401")
    assert ("check [cinder] application_credential_id (or _name and the user), application_credential_secret"
            in o.error_lines[0]), o.error_lines[0]
    (tmp_path / "missing").mkdir()
    config = cinder_conf(stack, tmp_path / "missing", **PASSWORD_OPTIONS, auth_type="v3applicationcredential",
                         application_credential_id=app_credential["id"])
    hostile.check(refresh_argv(stack, victim, tmp_path, config), code=20, secrets=secrets(stack),
                  contains="[cinder] application_credential_secret is not set")


def test_a_fixed_token_works_until_revoked(stack, victim, tmp_path):
    token = nova_token(stack)[0]
    config = cinder_conf(stack, tmp_path, username=None, password=None, user_domain_name=None, auth_type="token",
                         token=token)
    dry_run(stack, victim, tmp_path, config, secrets(stack, token))
    revoke(stack, token)
    # Keystone answers 404 "Failed to validate token" for a revoked token.
    hostile.check(refresh_argv(stack, victim, tmp_path, config), code=19, secrets=secrets(stack, token),
                  watch=[config], contains="(the token is not valid (expired, revoked or wrong): check [cinder] token")


def test_an_unknown_auth_type_names_the_supported_ones(stack, victim, tmp_path):
    config = cinder_conf(stack, tmp_path, auth_type="v2password")
    hostile.check(refresh_argv(stack, victim, tmp_path, config), code=20, secrets=secrets(stack),
                  contains="[cinder] auth_type: 'v2password' is not supported by bdm-agent (none, password, "
                           "v3password, v3applicationcredential, token, v3token)")
