"""The local stack's description for the wire tests: the variables tools/stack
writes to $BDM_STACK_DIR/stack.env (export KEY="VALUE" lines). A missing stack
makes the importing test fail, never skip."""
import os
import re
import sys

STACK_DIR = os.environ.get("BDM_STACK_DIR", "/var/tmp/bdm-agent-stack")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "stack.d"))
from stack_auth import cinder_headers  # noqa: E402,F401  (Cinder calls as the nova service user)


def read_stack_env():
    env = {}
    with open(os.path.join(STACK_DIR, "stack.env"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r'export (\w+)="(.*)"$', line.strip())
            if m:
                env[m.group(1)] = m.group(2)
    return env
