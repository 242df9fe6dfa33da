"""The bad-input harness for the CLI tests (tests/cli/test_hostile_*.py).

One case runs the built binary (the ASan build in tools/test) with arguments
a hostile or careless operator might give it, and asserts what every such
case must show, with and without --debug:
- the documented exit code;
- exactly one error line on stderr, "bdm-agent: error: ..." (debug lines
  aside), and nothing else: a sanitizer report or a traceback fails it;
- no control character but the newline in anything printed;
- none of the given secrets on stdout or stderr;
- no watched file or directory changed (content, mode, size, entries);
- no hang: each run has a timeout.

Cases build their own config files (write_conf) so that they need no stack
unless they say so."""
import hashlib
import os
import stat
import subprocess
from dataclasses import dataclass, field

TIMEOUT_S = 30
ERROR_PREFIX = "bdm-agent: error: "
DEBUG_PREFIX = "bdm-agent: debug: "
WARNING_PREFIX = "bdm-agent: warning: "


def agent_bin():
    return os.environ["BDM_AGENT_BIN"]


def _entry(path):
    st = os.lstat(path)
    if stat.S_ISREG(st.st_mode):
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        return ("file", stat.S_IMODE(st.st_mode), st.st_size, digest)
    if stat.S_ISDIR(st.st_mode):
        return ("dir", stat.S_IMODE(st.st_mode))
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path))
    return ("other", stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))


def snapshot(paths):
    """Every watched path (and, for a directory, everything below it) with its
    type, mode and content hash; a missing path is recorded as missing."""
    seen = {}
    for top in paths:
        top = str(top)
        if not os.path.lexists(top):
            seen[top] = None
            continue
        seen[top] = _entry(top)
        if os.path.isdir(top) and not os.path.islink(top):
            for root, dirs, files in os.walk(top):
                for name in dirs + files:
                    path = os.path.join(root, name)
                    seen[path] = _entry(path)
    return seen


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    error_lines: list = field(default_factory=list)


def run(argv, *, stdin=None, env=None, timeout=TIMEOUT_S):
    """Runs bdm-agent with `argv`; bytes in, text out (undecodable bytes kept
    as escapes so that a check can still see them)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run([agent_bin(), *argv], input=stdin, capture_output=True, timeout=timeout,
                       env=full_env, stdin=None if stdin is not None else subprocess.DEVNULL)
    out = p.stdout.decode("utf-8", "backslashreplace")
    err = p.stderr.decode("utf-8", "backslashreplace")
    return Outcome(p.returncode, out, err)


def check(argv, *, code, secrets=(), watch=(), stdin=None, env=None, contains=None, debug=(False, True),
          stdout_empty=True):
    """Runs one hostile case with and without --debug and asserts the rules
    above. `contains`: a text the error line must hold. Returns the outcome of
    the run without --debug."""
    first = None
    for with_debug in debug:
        before = snapshot(watch)
        args = (["--debug"] if with_debug else []) + list(argv)
        o = run(args, stdin=stdin, env=env)
        context = f"bdm-agent {' '.join(map(str, args))!r}: rc={o.code}\nstdout={o.stdout!r}\nstderr={o.stderr!r}"
        assert o.code == code, context
        lines = o.stderr.splitlines()
        o.error_lines = [l for l in lines if l.startswith(ERROR_PREFIX)]
        other = [l for l in lines if not l.startswith((ERROR_PREFIX, DEBUG_PREFIX, WARNING_PREFIX))]
        assert len(o.error_lines) == 1 and not other, context
        if contains is not None:
            assert contains in o.error_lines[0], context
        for text in (o.stdout, o.stderr):
            bad = [c for c in text if (ord(c) < 0x20 and c not in "\n") or ord(c) == 0x7f]
            assert not bad, context
        for secret in secrets:
            assert secret not in o.stdout and secret not in o.stderr, f"secret {secret!r} printed; {context}"
        if stdout_empty:
            assert o.stdout == "", context
        assert snapshot(watch) == before, f"a watched path changed; {context}"
        if first is None:
            first = o
    return first


def write_conf(tmp_path, text, name="nova.conf"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)
