# ansible_module: runs one of Ansible's own modules (not native to rconf) with the host's Python,
# as Ansible's AnsiballZ wrapper would: module_utils from a zip cached in a private directory
# (sent once per host and run), the module from a per-task zip, its arguments as JSON. All of
# it arrives on stdin; nothing of the task is in argv. Prints RC_MARK and the module's JSON.
import os
import sys


def emit(text):
    sys.stdout.write(os.environ["RC_MARK"] + text + "\n")
    sys.stdout.flush()


def fail(msg):
    import json

    emit(json.dumps({"failed": True, "msg": msg}))
    sys.exit(0)


def write_whole(path, data):
    # A write is complete or absent: a temp file beside it, fsync, rename.
    tmp = path + ".tmp%d" % os.getpid()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def json_lines(text):
    # Ansible's rule for noisy modules: the JSON runs from the first line that starts with `{`
    # to the last line that ends with `}`.
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if l.lstrip().startswith("{")), None)
    if start is None:
        return None
    end = max(i for i, l in enumerate(lines) if l.rstrip().endswith("}") or i == start)
    return "\n".join(lines[start : end + 1])


def main():
    if sys.version_info < (3, 8):
        fail(
            "module `%s` is Ansible's and needs Python 3.8 or later on the host; %s is %s"
            % (os.environ["RC_MODULE"], sys.executable, sys.version.split()[0])
        )
    import hashlib
    import json
    import shutil
    import tempfile

    env = os.environ
    lib_size, zip_size = int(env["RC_LIB_SIZE"]), int(env["RC_ZIP_SIZE"])
    data = sys.stdin.buffer.read()
    # The module's own commands must not read what was meant for this wrapper.
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    home = env["RC_DIR"]
    lib = os.path.join(home, "lib-%s.zip" % env["RC_LIB_SHA"])
    if lib_size:
        blob = data[:lib_size]
        if len(blob) != lib_size or hashlib.sha1(blob).hexdigest() != env["RC_LIB_SHA"]:
            fail("Ansible's module_utils arrived incomplete; nothing was run")
        if not os.path.exists(lib):
            write_whole(lib, blob)
    elif not os.path.exists(lib):
        fail("Ansible's module_utils are no longer in %s (removed during the run?)" % home)
    payload = data[lib_size : lib_size + zip_size]
    if len(payload) != zip_size:
        fail("module `%s` arrived incomplete; nothing was run" % env["RC_MODULE"])
    params = json.loads(data[lib_size + zip_size :].decode("utf-8", "surrogateescape"))
    work = tempfile.mkdtemp(prefix="rconf-task-", dir=home)
    try:
        params["ANSIBLE_MODULE_ARGS"]["_ansible_tmpdir"] = work
        # One zip with module_utils and the module, as AnsiballZ makes it: a module that
        # respawns under another interpreter finds both on the one path it passes on.
        import io
        import zipfile

        module_zip = os.path.join(work, "module.zip")
        shutil.copyfile(lib, module_zip)
        with zipfile.ZipFile(io.BytesIO(payload)) as src, zipfile.ZipFile(module_zip, "a") as dst:
            for info in src.infolist():
                dst.writestr(info, src.read(info))
        sys.path = [module_zip] + [p for p in sys.path if p not in ("", ".")]
        encoded = json.dumps(params).encode("utf-8", "surrogateescape")
        # The module prints its result; so may the programs it starts. Collect fd 1 and pick
        # the JSON out afterwards.
        out_path = os.path.join(work, "stdout")
        saved = os.dup(1)
        out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out_fd, 1)
        os.close(out_fd)
        try:
            run(encoded, env["RC_FQN"], module_zip)
        except SystemExit:
            pass
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
        with open(out_path, "rb") as f:
            text = f.read().decode("utf-8", "surrogateescape")
        found = json_lines(text)
        try:
            result = json.loads(found) if found is not None else None
        except ValueError:
            result = None
        if not isinstance(result, dict):
            result = {
                "failed": True,
                "msg": "MODULE FAILURE: the module printed no JSON result",
                "module_stdout": text,
            }
        elif env.get("RC_DISCOVERED"):
            # As Ansible reports the interpreter it discovered, once per host.
            facts = result.setdefault("ansible_facts", {})
            facts["discovered_interpreter_python"] = env["RC_PYTHON"]
        emit(json.dumps(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(encoded, fqn, module_zip):
    try:
        from ansible.module_utils._internal._ansiballz import _loader
    except ImportError:
        # ansible-core before 2.19: the arguments go straight to basic.
        import runpy

        from ansible.module_utils import basic

        basic._ANSIBLE_ARGS = encoded
        runpy.run_module(mod_name=fqn, run_name="__main__", alter_sys=True)
        return
    _loader.run_module(
        json_params=encoded,
        profile="legacy",
        module_fqn=fqn,
        modlib_path=module_zip,
        extensions={},
    )


main()
