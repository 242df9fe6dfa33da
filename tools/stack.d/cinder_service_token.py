"""Paste filter for the stack's cinder-api (noauth): stand-in for what
keystonemiddleware does with a valid service token.

Cinder >= 21.3.1 (OSSA-2023-003, bug #2004555) lets a caller delete an
attachment that has connection_info only if the request's service roles
meet [keystone_authtoken] service_token_roles; otherwise it asks Nova's API,
which this stack does not run (-> HTTP 500).  In production Nova sends an
X-Service-Token ([service_user] send_service_user_token = True) and
keystonemiddleware turns it into X-Service-Roles.  Cinder's noauth pipeline
has no keystonemiddleware, so this filter (placed before `noauth`) sets
X-Service-Roles to `roles` (default "service") whenever a request carries a
non-empty X-Service-Token.  Requests without one are left untouched.
"""


class ServiceTokenRoles(object):
    def __init__(self, app, roles):
        self.app = app
        self.roles = roles

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_SERVICE_TOKEN"):
            environ["HTTP_X_SERVICE_ROLES"] = self.roles
        return self.app(environ, start_response)


def filter_factory(global_conf, **local_conf):
    roles = local_conf.get("roles", "service")

    def _filter(app):
        return ServiceTokenRoles(app, roles)
    return _filter
