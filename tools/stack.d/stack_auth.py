"""How the stack's own tools and the tests authenticate to the stack's
Keystone and Cinder (stdlib only). `env` is a dict of stack.env's variables.

keystone_token(url, user, password, project): a project-scoped Keystone v3
password token (users and projects in the Default domain) and the token's
body; raises KeystoneError with Keystone's status, never the password.
cinder_headers(env): the headers of a call to the stack's Cinder as the nova
service user in the `service` project, with the same token as X-Service-Token
(the service role: Cinder then lets it delete a connected attachment). With
BDM_STACK_AUTH=noauth: noauth's "user:project" token and X-Service-Roles.
"""
import json
import urllib.error
import urllib.request


class KeystoneError(Exception):
    pass


def keystone_token(url, user, password, project, timeout=30):
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}}
    request = urllib.request.Request(url.rstrip("/") + "/auth/tokens", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.headers["X-Subject-Token"], json.loads(response.read())
    except urllib.error.HTTPError as e:
        raise KeystoneError("Keystone POST /auth/tokens for %s: HTTP %s" % (user, e.code)) from None


_cache = {}


def cinder_headers(env):
    if env.get("BDM_STACK_AUTH") == "noauth":  # no keystonemiddleware: the service role is a plain header
        return {"X-Auth-Token": env["BDM_CINDER_TOKEN"], "X-Service-Roles": "service"}
    key = (env["BDM_KEYSTONE_URL"], env["BDM_KEYSTONE_NOVA_PASSWORD"])
    if key not in _cache:
        _cache[key] = keystone_token(env["BDM_KEYSTONE_URL"], "nova", env["BDM_KEYSTONE_NOVA_PASSWORD"],
                                     "service")[0]
    token = _cache[key]
    return {"X-Auth-Token": token, "X-Service-Token": token}
