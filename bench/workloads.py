"""The benchmark's workloads, each as the files and commands every tool needs to apply it.

W1 is the acceptance playbook (tests/fixtures/acceptance), W2 a playbook of 100 small copy
tasks, W3 the ad hoc command `true` on every host, W4 W1's tasks the way playbooks usually
run: logged in as an unprivileged user (`users.USER`, passwordless sudo), `become: true`,
`gather_facts: true` (issue 17 calls it W2). Each has a root directory on the (shared)
target filesystem that is wiped before a first run.
"""

import os
import shutil

import users

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACCEPTANCE = os.path.join(REPO, "tests", "fixtures", "acceptance")

W2_TASKS = 100

# pyinfra has no playbooks: the same changes as W1, written as a pyinfra deploy.
PYINFRA_W1 = """\
from io import StringIO
from pyinfra import host
from pyinfra.operations import files, server

root = "{root}/" + host.name
files.directory(name="Create the configuration directory", path=root + "/etc", mode="755")
files.put(name="Install the message of the day", src="{project}/files/motd.txt",
          dest=root + "/etc/motd", mode="644")
files.template(name="Render the application configuration", src="{project}/templates/app.conf.j2",
               dest=root + "/etc/app.conf", mode="640",
               inventory_hostname=host.name, service_port=8080,
               users=["alice", "bob", "carol o'hara"])
files.put(name="Record the version", src=StringIO("version=1.2.3\\n"), dest=root + "/etc/version")
files.line(name="Set the listening port", path=root + "/etc/settings", line=r"^port\\s*=",
           replace="port = 8080")
files.line(name="Name the host after the port line", path=root + "/etc/settings",
           line="host = " + host.name)
server.shell(name="Initialise once",
             commands=["test -e " + root + "/ready || (cd " + root +
                       " && echo initialised > ready && chmod 0600 ready)"])
server.shell(name="Read the version back", commands=["cat " + root + "/etc/version"])
files.link(name="Point current at the configuration", path=root + "/current",
           target=root + "/etc")
files.directory(name="Create a private data directory", path=root + "/data", mode="700")
"""

PYINFRA_W2 = """\
from io import StringIO
from pyinfra import host
from pyinfra.operations import files

root = "{root}/" + host.name
files.directory(name="root", path=root)
for i in range({n}):
    files.put(name="file %d" % i, src=StringIO("%d\\n" % i), dest="%s/f%d" % (root, i))
"""


def _w2_playbook():
    lines = [
        "- name: Small tasks",
        "  hosts: all_hosts",
        "  gather_facts: no",
        "  vars:",
        '    root: "{{ test_root }}/{{ inventory_hostname }}"',
        "  tasks:",
        "    - name: root",
        '      file: path="{{ root }}" state=directory',
    ]
    for i in range(W2_TASKS - 1):
        lines += [
            f"    - name: file {i}",
            "      copy:",
            f'        content: "{i}\\n"',
            f'        dest: "{{{{ root }}}}/f{i}"',
        ]
    return "\n".join(lines) + "\n"


def _w4_playbook():
    """W1's playbook with the play keywords of a usual one: become, facts gathered."""
    with open(os.path.join(ACCEPTANCE, "site.yml")) as f:
        text = f.read()
    assert "  gather_facts: no\n" in text, "site.yml changed: adapt W4"
    return text.replace("  gather_facts: no\n", "  gather_facts: true\n  become: true\n")


class Workload:
    def __init__(self, name, what, root, user="root"):
        self.name = name
        self.what = what
        self.root = root  # None: nothing on the targets to reset
        self.user = user  # who logs in

    def reset(self):
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)


def prepare(workdir, fleet):
    """The workloads, with their playbooks and deploy files written under `workdir`."""
    project = os.path.join(workdir, "project")
    shutil.copytree(ACCEPTANCE, project, dirs_exist_ok=True)
    w2 = os.path.join(project, "small.yml")
    with open(w2, "w") as f:
        f.write(_w2_playbook())
    w4 = os.path.join(project, "become.yml")
    with open(w4, "w") as f:
        f.write(_w4_playbook())
    out = []
    for name, what, playbook, pyinfra, user in [
        ("W1", "acceptance playbook (10 tasks)", os.path.join(project, "site.yml"), PYINFRA_W1,
         "root"),
        ("W2", f"{W2_TASKS} small copy tasks", w2, PYINFRA_W2, "root"),
        ("W4", f"W1 as `{users.USER}` with become and facts", w4, PYINFRA_W1, users.USER),
    ]:
        w = Workload(name, what, os.path.join(workdir, "root-" + name), user)
        inventory, pyinfra_inventory = fleet.inventories[user]
        w.rconf = ["run", playbook, "-i", inventory, "-e", "test_root=" + w.root]
        w.ansible = [
            "ansible-playbook", playbook, "-i", inventory, "-e", "test_root=" + w.root,
        ]
        deploy = os.path.join(project, f"pyinfra_{name}.py")
        with open(deploy, "w") as f:
            f.write(pyinfra.format(root=w.root, project=project, n=W2_TASKS - 1))
        # pyinfra has no play keywords: `--sudo` runs every operation under sudo.
        sudo = ["--sudo"] if user != "root" else []
        w.pyinfra = ["pyinfra", "-y"] + sudo + [pyinfra_inventory, deploy]
        out.append(w)
    w3 = Workload("W3", "ad hoc `sh all -- true`", None)
    w3.rconf = ["sh", "all", "-i", fleet.inventory, "--", "true"]
    w3.ansible = ["ansible", "all", "-i", fleet.inventory, "-m", "shell", "-a", "true"]
    w3.pyinfra = ["pyinfra", "-y", fleet.pyinfra_inventory, "exec", "--", "true"]
    out.append(w3)
    # W1-W3 first: the order of the rows in earlier results.
    return sorted(out, key=lambda w: w.name)
