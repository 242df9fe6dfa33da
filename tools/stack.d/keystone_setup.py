#!/usr/bin/python3
"""The stack's Keystone after `keystone-manage bootstrap` (admin user,
project and role, RegionOne): creates what is missing of

* a `service` project, roles `service` and `admin` (bootstrap made admin),
* users `nova` and `cinder`, each with roles admin and service in `service`,
* services volumev3 (name cinderv3) and block-storage (name cinder), each
  with public and internal endpoints --cinder-url in --region,

and writes the service project's id to --project-id-file. Direct REST calls
with an admin token (the openstack CLI costs ~2 s a call). Passwords come
from the environment (BDM_KEYSTONE_*_PASSWORD), never from argv.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack_auth import keystone_token  # noqa: E402


class Admin:
    def __init__(self, url, token):
        self.url, self.token = url.rstrip("/"), token

    def call(self, method, path, body=None, ok=(200, 201, 204)):
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"X-Auth-Token": self.token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        if status not in ok:
            sys.exit("keystone_setup: %s %s -> HTTP %s: %s" % (method, path, status, raw[:300]))
        return json.loads(raw) if raw else None

    def find_or_create(self, collection, key, query, body):
        found = self.call("GET", "/%s?%s" % (collection, query))[collection]
        if found:
            return found[0]
        return self.call("POST", "/" + collection, {key: body})[key]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--region", required=True)
    p.add_argument("--cinder-url", required=True)
    p.add_argument("--project-id-file", required=True)
    args = p.parse_args()
    url = os.environ["BDM_KEYSTONE_URL"]
    admin = Admin(url, keystone_token(url, "admin", os.environ["BDM_KEYSTONE_ADMIN_PASSWORD"], "admin")[0])

    domain = "default"
    project = admin.find_or_create("projects", "project", "name=service&domain_id=" + domain,
                                   {"name": "service", "domain_id": domain, "description": "Service project"})
    roles = {name: admin.find_or_create("roles", "role", "name=" + name, {"name": name})
             for name in ("admin", "service")}
    for user, variable in (("nova", "BDM_KEYSTONE_NOVA_PASSWORD"), ("cinder", "BDM_KEYSTONE_CINDER_PASSWORD")):
        uid = admin.find_or_create("users", "user", "name=%s&domain_id=%s" % (user, domain),
                                   {"name": user, "domain_id": domain, "password": os.environ[variable],
                                    "default_project_id": project["id"]})["id"]
        for role in roles.values():
            admin.call("PUT", "/projects/%s/users/%s/roles/%s" % (project["id"], uid, role["id"]))

    for service_type, name in (("volumev3", "cinderv3"), ("block-storage", "cinder")):
        service = admin.find_or_create("services", "service", "type=" + service_type,
                                       {"type": service_type, "name": name, "enabled": True})
        have = {e["interface"] for e in admin.call(
            "GET", "/endpoints?service_id=%s&region_id=%s" % (service["id"], args.region))["endpoints"]}
        for interface in ("public", "internal"):
            if interface not in have:
                admin.call("POST", "/endpoints", {"endpoint": {
                    "service_id": service["id"], "interface": interface, "region_id": args.region,
                    "url": args.cinder_url, "enabled": True}})

    tmp = args.project_id_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(project["id"] + "\n")
    os.replace(tmp, args.project_id_file)


if __name__ == "__main__":
    main()
