#!/usr/bin/env python3
"""Conformance harness: ansible-core's own integration targets under ansible-playbook and
under rconf, on the same sshd host, task result by task result (issue #15).

    python3 tests/conformance/run.py --ansible-src DIR --venv target/test-ansible \
        --rconf target/debug/rconf --out tests/conformance/RESULTS.md

Standard library only. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import getpass
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SSHD = '/usr/sbin/sshd'
SFTP_SERVER_CANDIDATES = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server',
                          '/usr/libexec/sftp-server']

# What rconf's jsonl `status` means in Ansible's terms: `ignored` is a failure under
# ignore_errors, which Ansible's callbacks report as failed.
RCONF_STATUS = {'ok': 'ok', 'changed': 'changed', 'skipped': 'skipped', 'failed': 'failed',
                'ignored': 'failed', 'unreachable': 'unreachable'}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# The test host: a real OpenSSH sshd on 127.0.0.x, a child of this process.
# --------------------------------------------------------------------------------------------

class SshHost:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, 'sshd')
        os.makedirs(self.dir)
        self.proc = None
        self.address = None
        self.port = None
        self.host_key = os.path.join(self.dir, 'ssh_host_ed25519_key')
        self.client_key = os.path.join(self.dir, 'id_ed25519')
        self.authorized = os.path.join(self.dir, 'authorized_keys')
        self.log = os.path.join(self.dir, 'sshd.log')

    def start(self):
        if not os.path.exists(SSHD):
            raise SystemExit('run.py: needs OpenSSH server at %s (apt-get install openssh-server)' % SSHD)
        for key in (self.host_key, self.client_key):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True,
                           stdin=subprocess.DEVNULL)
        shutil.copyfile(self.client_key + '.pub', self.authorized)
        os.makedirs('/run/sshd', exist_ok=True)  # sshd's privilege-separation directory
        sftp = next((p for p in SFTP_SERVER_CANDIDATES if os.path.exists(p)), None)
        for _ in range(10):
            address = '127.0.0.%d' % random.randint(2, 250)
            port = free_port(address)
            config = os.path.join(self.dir, 'sshd_config')
            with open(config, 'w') as f:
                f.write('\n'.join([
                    'ListenAddress %s' % address,
                    'Port %d' % port,
                    'HostKey %s' % self.host_key,
                    'AuthorizedKeysFile %s' % self.authorized,
                    'PidFile none',
                    'StrictModes no',
                    'UsePAM no',
                    'PermitRootLogin yes',
                    'PasswordAuthentication no',
                    'KbdInteractiveAuthentication no',
                    'PubkeyAuthentication yes',
                    'MaxStartups 200',
                    'MaxSessions 200',
                    'AcceptEnv LANG LC_*',
                    ('Subsystem sftp %s' % sftp) if sftp else '',
                    '',
                ]))
            self.proc = subprocess.Popen([SSHD, '-D', '-e', '-f', config, '-E', self.log],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            deadline = time.time() + 10
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    socket.create_connection((address, port), timeout=1).close()
                    self.address, self.port = address, port
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise SystemExit('run.py: sshd would not start: %s' % read(self.log)[-2000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # our own child, by PID
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def free_port(address):
    s = socket.socket()
    s.bind((address, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read(path, default=''):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read()
    except OSError:
        return default


# --------------------------------------------------------------------------------------------
# Targets, known failures
# --------------------------------------------------------------------------------------------

def read_list(path):
    out = []
    for line in read(path).splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            out.append(line)
    return out


def read_known(path):
    """`target task-path reason...` lines; task-path as the report shows it
    (`lineinfile/tasks/main.yml:23`), or `*` for every task of the target."""
    known = {}
    for line in read(path).splitlines():
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        parts = line.split(None, 2)
        if len(parts) < 2:
            continue
        known[(parts[0], parts[1])] = parts[2] if len(parts) > 2 else ''
    return known


def classify(targets_dir, name):
    d = os.path.join(targets_dir, name)
    if not os.path.isdir(d):
        return 'missing'
    if os.path.exists(os.path.join(d, 'tasks', 'main.yml')):
        return 'role'
    if os.path.exists(os.path.join(d, 'runme.sh')):
        return 'script'
    return 'missing'


def aliases(targets_dir, name):
    return read_list(os.path.join(targets_dir, name, 'aliases'))


# --------------------------------------------------------------------------------------------
# One run of one tool on one target
# --------------------------------------------------------------------------------------------

class Run:
    """A fresh copy of test/integration for one tool and one target, with its inventory,
    ansible.cfg, output_dir and HOME."""

    def __init__(self, opts, host, target, tool, root, variant=False):
        self.opts, self.host, self.target, self.tool = opts, host, target, tool
        self.root = root
        self.integration = os.path.join(root, 'integration')
        self.targets = os.path.join(self.integration, 'targets')
        self.output_dir = os.path.join(root, 'output_dir')
        self.home = os.path.join(root, 'home')
        self.results = os.path.join(root, 'results.jsonl')
        self.inventory = os.path.join(self.integration, 'inventory')
        self.cfg = os.path.join(self.integration, 'ansible.cfg')
        shutil.copytree(os.path.join(opts.ansible_src, 'test', 'integration'), self.integration,
                        symlinks=True)
        if variant:
            posix_setup(self.targets)
        for d in (self.output_dir, self.home):
            os.makedirs(d)
        # ssh's ControlPath must fit a Unix socket name (108 bytes): a short dir of its own.
        self.cp_dir = tempfile.mkdtemp(prefix='rcf-cp-', dir='/tmp')
        with open(self.inventory, 'w') as f:
            # ansible-test's POSIX inventory for an ssh target (test/lib/ansible_test/_internal/
            # inventory.py), with host key checking off.
            f.write('[testgroup]\ntesthost %s\n' % ' '.join([
                'ansible_connection=ssh',
                'ansible_pipelining=yes',
                'ansible_python_interpreter=%s' % opts.target_python,
                'ansible_host=%s' % host.address,
                'ansible_port=%d' % host.port,
                'ansible_user=%s' % getpass.getuser(),
                'ansible_ssh_private_key_file=%s' % host.client_key,
            ]))
        with open(self.cfg, 'w') as f:
            f.write('\n'.join([
                '[defaults]',
                'host_key_checking = False',
                'roles_path = %s' % self.targets,
                'retry_files_enabled = False',
                'force_handlers = True',
                '',
                '[ssh_connection]',
                'pipelining = True',
                '',
            ]))

    def env(self):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith('ANSIBLE_') or k.startswith('RCONF_'):
                del env[k]
        path = [self.opts.venv_bin, env.get('PATH', '/usr/bin:/bin')]
        env.update(
            HOME=self.home,
            PATH=os.pathsep.join(path),
            # What ansible-test sets (test/lib/ansible_test/_internal/ansible_util.py and
            # commands/integration/__init__.py) that applies here.
            ANSIBLE_CONFIG=self.cfg,
            ANSIBLE_FORCE_HANDLERS='true',
            ANSIBLE_HOST_PATTERN_MISMATCH='error',
            ANSIBLE_DEPRECATION_WARNINGS='false',
            ANSIBLE_HOST_KEY_CHECKING='false',
            ANSIBLE_RETRY_FILES_ENABLED='false',
            ANSIBLE_DEVEL_WARNING='false',
            ANSIBLE_ROLES_PATH=self.targets,
            ANSIBLE_SSH_CONTROL_PATH_DIR=self.cp_dir,
            ANSIBLE_PLAYBOOK_DIR=self.integration,
            ANSIBLE_FORCE_COLOR='false',
            ANSIBLE_NOCOLOR='1',
            NO_COLOR='1',
            PAGER='/bin/cat',
            OUTPUT_DIR=self.output_dir,
            INVENTORY_PATH=self.inventory,
            CONFORMANCE_RESULTS=self.results,
            CONFORMANCE_TOOL=self.tool,
            CONFORMANCE_RCONF=self.opts.rconf,
            CONFORMANCE_ANSIBLE_PLAYBOOK=os.path.join(self.opts.venv_bin, 'ansible-playbook'),
        )
        if getattr(self.opts, 'locpath', None):
            env['LOCPATH'] = self.opts.locpath
        if self.opts.pythonpath:
            env['PYTHONPATH'] = os.pathsep.join(filter(None, [self.opts.pythonpath,
                                                              env.get('PYTHONPATH')]))
        if self.tool == 'ansible':
            env.update(
                ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
                ANSIBLE_CALLBACKS_ENABLED='conformance',
            )
        return env

    def role_playbook(self):
        """The play ansible-test generates for a role target (commands/integration/
        __init__.py, command_integration_role), with ignore_errors on the play so that every
        task is counted."""
        gather = True
        al = aliases(self.targets, self.target)
        if 'gather_facts/no/' in al:
            gather = False
        path = os.path.join(self.integration, '%s-conformance.yml' % self.target)
        with open(path, 'w') as f:
            f.write('- hosts: testhost\n'
                    '  gather_facts: %s\n'
                    '  ignore_errors: true\n'
                    '  vars:\n'
                    '    output_dir: %s\n'
                    '  roles:\n'
                    '    - %s\n' % ('true' if gather else 'false', json.dumps(self.output_dir),
                                    self.target))
        return path

    def execute(self, cmd, cwd):
        """Runs cmd with the time limit; returns (rc or 'timeout', stdout, stderr, seconds)."""
        out_path = os.path.join(self.root, 'stdout')
        err_path = os.path.join(self.root, 'stderr')
        start = time.time()
        with open(out_path, 'wb') as out, open(err_path, 'wb') as err:
            proc = subprocess.Popen(cmd, cwd=cwd, env=self.env(), stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err, start_new_session=True)
            try:
                rc = proc.wait(self.opts.timeout)
            except BaseException as e:  # the time limit, or SIGTERM / ^C of the harness
                if not isinstance(e, subprocess.TimeoutExpired):
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except OSError:
                        pass
                    raise
                rc = 'timeout'
                # The process group of the child we started (its session), then the child.
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                proc.wait()
        secs = time.time() - start
        with open(os.path.join(self.root, 'rc'), 'w') as f:
            f.write('%s %.1f\n' % (rc, secs))
        return rc, read(out_path), read(err_path), secs


# --also-posix-setup: `include_tasks: "{{ lookup('first_found', ...) }}"` lines of setup roles
# and the file they resolve to on a Debian host, rewritten in place (same line).
FIRST_FOUND_INCLUDES = [
    ('setup_remote_tmp_dir/tasks/main.yml', "- include_tasks: \"{{ lookup('first_found', files)}}\"",
     '- include_tasks: default.yml'),
    ('setup_test_user/tasks/main.yml', "  include_tasks: \"{{ lookup('first_found', params) }}\"",
     '  include_tasks: default.yml'),
]


def posix_setup(targets):
    """--also-posix-setup, on rconf's second copy only: the setup roles' two constructs that stop
    rconf before any target task runs, made plain. (1) setup_remote_tmp_dir's Windows cleanup
    handler (it includes windows-cleanup.yml, a `win_file` task, and is never notified on a
    POSIX host) is removed; (2) the `first_found` includes of setup_remote_tmp_dir and
    setup_test_user name the file they resolve to on Debian (`default.yml`)."""
    drop_windows_handler(targets)
    for rel, old, new in FIRST_FOUND_INCLUDES:
        path = os.path.join(targets, rel)
        content = read(path)
        if old in content:
            with open(path, 'w') as f:
                f.write(content.replace(old, new, 1))
        else:
            log('  --also-posix-setup: %s has no %r; left as it is' % (rel, old))


def drop_windows_handler(targets):
    path = os.path.join(targets, 'setup_remote_tmp_dir', 'handlers', 'main.yml')
    items, cur = [], []
    for line in read(path).splitlines(True):
        if line.startswith('- ') and cur:
            items.append(cur)
            cur = []
        cur.append(line)
    if cur:
        items.append(cur)
    kept = [i for i in items if 'windows-cleanup.yml' not in ''.join(i)]
    with open(path, 'w') as f:
        f.write(''.join(''.join(i) for i in kept))


def ansible_records(run):
    """The callback's lines: results, with the playbook invocation they belong to."""
    records = []
    invocation = 0
    cwd = None
    owner = None  # the ansible-playbook process of this invocation (not one a task started)
    root = os.path.realpath(run.root) + os.sep
    for line in read(run.results).splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get('event') == 'invocation':
            invocation = rec.get('n', invocation)
            cwd = rec.get('cwd')
            owner = None
        elif rec.get('event') in ('playbook', 'play', 'result'):
            if owner is None:
                owner = rec.get('pid')
            if rec.get('pid') != owner:
                continue
            if rec.get('event') != 'result':
                continue
            path = rec.get('path') or ''
            if owner is None and os.path.isabs(path) and \
                    not os.path.realpath(path).startswith(root):
                continue  # records of old runs without pid: a nested playbook outside the copy
            rec['invocation'] = invocation
            records.append(rec)
        elif rec.get('event') == 'rconf_result':  # written by shim.py from rconf's --report
            res = rec.get('result') or {}
            task = dict(name=rec.get('task'), action=rec.get('action'),
                        location=rec.get('location'), handler=rec.get('handler'))
            records.append(rconf_record(rec.get('host'), rec.get('task'), task,
                                        res.get('status'), res, invocation))
            records[-1]['cwd'] = cwd
    return records


def rconf_jsonl_records(text, invocation=0):
    """rconf's `--output jsonl` events to the callback's record shape."""
    records = []
    current = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith('{'):
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        kind = ev.get('event')
        if kind == 'task_start':
            current = ev
        elif kind == 'host_result':
            records.append(rconf_record(ev.get('host'), ev.get('task'), current,
                                        ev.get('status'), ev.get('result') or {}, invocation))
    return records


def rconf_report_records(doc, invocation):
    """rconf's `--report` document to the callback's record shape."""
    records = []
    for play in doc.get('plays') or []:
        for task in play.get('tasks') or []:
            for host, res in (task.get('hosts') or {}).items():
                records.append(rconf_record(host, task.get('name'), task, res.get('status'), res,
                                            invocation))
    return records


def rconf_record(host, name, task, status, res, invocation):
    msg = res.get('msg')
    items = res.get('results')
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and item.get('failed'):
                inner = item.get('msg') or item.get('stderr')
                if inner:
                    msg = '%s [first failed item: %s]' % (text(msg) or '', text(inner))
                break
    if not msg and res.get('failed'):
        msg = res.get('stderr') or res.get('module_stderr')
    return {
        'event': 'result', 'host': host, 'task': name or task.get('name'),
        'action': task.get('action'), 'path': task.get('location'),
        'handler': bool(task.get('handler')), 'status': RCONF_STATUS.get(status, status),
        'msg': text(msg), 'invocation': invocation,
    }


def text(value, limit=2000):
    if value is None:
        return None
    if not isinstance(value, str):
        value = json.dumps(value, default=str, sort_keys=True)
    return value[:limit]


# --------------------------------------------------------------------------------------------
# Alignment
# --------------------------------------------------------------------------------------------

def norm_path(path, run, cwd=None):
    """`file:line[:col]` under the run's copy of test/integration, shown relative to its
    `targets/` directory (or to test/integration for files outside it)."""
    if not path:
        return None
    m = re.match(r'^(.*?):(\d+)(?::\d+)?$', path)
    if not m:
        return path
    file, line = m.group(1), m.group(2)
    if not os.path.isabs(file):  # rconf names files relative to its working directory
        file = os.path.join(cwd or run.integration, file)
    real = os.path.realpath(file)
    for base in (run.targets, run.integration, run.root):
        base = os.path.realpath(base)
        if real == base or real.startswith(base + os.sep):
            file = os.path.relpath(real, base)
            break
    return '%s:%s' % (file, line)


IMPLICIT_NAMES = {'Gathering Facts'}


def key_of(rec):
    if rec['task'] in IMPLICIT_NAMES and rec.get('action') in (
            'gather_facts', 'setup', 'ansible.builtin.gather_facts', 'ansible.builtin.setup'):
        return (rec['invocation'], 'name', rec['task'])
    if rec.get('npath'):
        return (rec['invocation'], 'path', rec['npath'])
    return (rec['invocation'], 'name', rec['task'])


def align(ans, rc):
    """Pairs each of Ansible's results with rconf's for the same host, in order: a
    SequenceMatcher over (invocation, task path) keys; inside replaced stretches, by task
    name. Returns [(ansible_rec, rconf_rec or None)], [unmatched rconf recs]."""
    pairs, extra = [], []
    hosts = []
    for r in ans + rc:
        if r['host'] not in hosts:
            hosts.append(r['host'])
    for h in hosts:
        a = [r for r in ans if r['host'] == h]
        b = [r for r in rc if r['host'] == h]
        sm = difflib.SequenceMatcher(None, [key_of(r) for r in a], [key_of(r) for r in b],
                                     autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == 'equal':
                pairs.extend(zip(a[i1:i2], b[j1:j2]))
                continue
            pool = list(b[j1:j2])
            for ra in a[i1:i2]:
                hit = next((rb for rb in pool if rb['task'] == ra['task']
                            and rb['invocation'] == ra['invocation']), None)
                if hit is not None:
                    pool.remove(hit)
                    hit['matched_by_name'] = True
                pairs.append((ra, hit))
            extra.extend(pool)
    return pairs, extra


# --------------------------------------------------------------------------------------------
# Per target
# --------------------------------------------------------------------------------------------

def sides(opts):
    """The runs of one target: ansible-playbook, rconf, and with --also-posix-setup rconf again
    on a copy without setup_remote_tmp_dir's Windows handler."""
    return ['ansible', 'rconf'] + (['rconf-posix'] if opts.also_posix_setup else [])


def private_locales(workdir):
    """en_US.UTF-8 for the targets that ask for it (tags' runme.sh sets LC_ALL to it), built
    with localedef into the work dir and found through LOCPATH, so the machine's own locales
    stay as they are; None when localedef or the locale sources are missing."""
    out = os.path.join(workdir, 'locale')
    if not shutil.which('localedef') or not os.path.isdir('/usr/share/i18n/locales'):
        return None
    os.makedirs(out, exist_ok=True)
    subprocess.run(['localedef', '-i', 'en_US', '-f', 'UTF-8', os.path.join(out, 'en_US.UTF-8')],
                   capture_output=True)
    return out if os.path.isdir(os.path.join(out, 'en_US.UTF-8')) else None


def run_role_target(opts, host, target, workdir):
    out = {}
    for side in sides(opts):
        tool = 'rconf' if side.startswith('rconf') else 'ansible'
        run = Run(opts, host, target, tool, os.path.join(workdir, target, side),
                  variant=side == 'rconf-posix')
        playbook = run.role_playbook()
        if tool == 'ansible':
            cmd = [os.path.join(opts.venv_bin, 'ansible-playbook'), os.path.basename(playbook),
                   '-i', run.inventory]
        else:
            cmd = [opts.rconf, 'run', os.path.basename(playbook), '-i', run.inventory,
                   '--output', 'jsonl', '--force-handlers']
        log('  %s: %s' % (tool, ' '.join(shlex.quote(c) for c in cmd)))
        rc, stdout, stderr, secs = run.execute(cmd, run.integration)
        if tool == 'ansible':
            records = ansible_records(run)
        else:
            records = rconf_jsonl_records(stdout)
        for r in records:
            r['npath'] = norm_path(r.get('path'), run, r.get('cwd'))
        out[side] = dict(rc=rc, stdout=stdout, stderr=stderr, seconds=secs, records=records,
                         run=run)
        log('  %s: rc=%s, %d results, %.0f s' % (side, rc, len(records), secs))
    return out


def run_script_target(opts, host, target, workdir):
    """runme.sh under each tool, with tests/conformance/shim/ansible-playbook first on PATH:
    under ansible it runs the real ansible-playbook (results from the callback), under rconf
    it runs `rconf run` with the same arguments (results from its --report)."""
    out = {}
    for side in sides(opts):
        tool = 'rconf' if side.startswith('rconf') else 'ansible'
        run = Run(opts, host, target, tool, os.path.join(workdir, target, side),
                  variant=side == 'rconf-posix')
        shim_bin = os.path.join(run.root, 'shim-bin')
        os.makedirs(shim_bin)
        shim = os.path.join(shim_bin, 'ansible-playbook')
        with open(shim, 'w') as f:
            # The venv's Python runs the shim, so that rconf (which finds ansible-core through
            # the interpreter of the `ansible-playbook` on PATH) still finds it.
            f.write('#!%s\n' % os.path.join(opts.venv_bin, 'python3'))
            f.write(read(os.path.join(HERE, 'shim.py')))
        os.chmod(shim, 0o755)
        cwd = os.path.join(run.targets, target)
        cmd = ['bash', './runme.sh']
        orig_env = run.env
        run.env = lambda orig_env=orig_env, shim_bin=shim_bin: dict(
            orig_env(), PATH=shim_bin + os.pathsep + orig_env()['PATH'])
        log('  %s: runme.sh' % tool)
        rc, stdout, stderr, secs = run.execute(cmd, cwd)
        records = ansible_records(run)
        for r in records:
            r['npath'] = norm_path(r.get('path'), run, r.get('cwd'))
        out[side] = dict(rc=rc, stdout=stdout, stderr=stderr, seconds=secs, records=records,
                         run=run)
        log('  %s: rc=%s, %d results, %.0f s' % (side, rc, len(records), secs))
    return out


class KeptRun:
    """A finished run read back from a kept work dir (--from-workdir)."""

    def __init__(self, root):
        self.root = root
        self.integration = os.path.join(root, 'integration')
        self.targets = os.path.join(self.integration, 'targets')
        self.results = os.path.join(root, 'results.jsonl')


def load_kept(workdir, target, kind, side):
    root = os.path.join(workdir, target, side)
    if not os.path.isdir(root):
        return None
    run = KeptRun(root)
    rc, secs = None, 0.0
    parts = read(os.path.join(root, 'rc')).split()
    if parts:
        rc = int(parts[0]) if parts[0].lstrip('-').isdigit() else parts[0]
        secs = float(parts[1]) if len(parts) > 1 else 0.0
    stdout = read(os.path.join(root, 'stdout'))
    stderr = read(os.path.join(root, 'stderr'))
    if side.startswith('rconf') and kind == 'role':
        records = rconf_jsonl_records(stdout)
    else:
        records = ansible_records(run)
    for r in records:
        r['npath'] = norm_path(r.get('path'), run, r.get('cwd'))
    if rc is None and side.startswith('rconf') and not records:
        rc = 'unknown'
    return dict(rc=rc, stdout=stdout, stderr=stderr, seconds=secs, records=records, run=run)


def first_error(stdout, stderr, limit=400):
    """rconf's reason for stopping: its error lines, else stderr's tail."""
    lines = [l for l in (stderr or '').splitlines() if l.strip()]
    errs = [l for l in lines if re.match(r'^\s*(error|Error|ERROR)', l)]
    chosen = errs[:3] if errs else lines[-3:]
    return ' | '.join(chosen)[:limit]


def strip_roots(s, run):
    if not s:
        return s
    for base in (run.targets + os.sep, run.integration + os.sep, run.root + os.sep):
        s = s.replace(base, '')
    return s


def compare(target, kind, out, known, rside='rconf'):
    a, r = out['ansible'], out[rside]
    for side in (a, r):
        for rec in side['records']:
            rec['msg'] = strip_roots(rec.get('msg'), side['run'])
        side['stderr'] = strip_roots(side['stderr'], side['run'])
    pairs, extra = align(a['records'], r['records'])
    rows = []
    refused = bool(a['records']) and not r['records'] and r['rc'] not in (0,)
    reason = None
    if refused:
        reason = 'rconf refused/failed before any task (rc=%s): %s' % (
            r['rc'], first_error(r['stdout'], r['stderr']))
    elif r['rc'] == 'timeout':
        reason = 'rconf hit the time limit'
    stopped = None
    if kind == 'script' and r['rc'] not in (0, None, 'unknown') and not refused:
        runs = [l[2:] for l in (r['stderr'] or '').splitlines() if l.startswith('+ ') and
                'ansible-playbook' in l]
        stopped = 'runme.sh under rconf stopped (rc=%s) after `%s`: %s' % (
            r['rc'], short(runs[-1] if runs else '?', 120), first_error(r['stdout'], r['stderr']))
    elif r['rc'] not in (0, 2, None, 'unknown') and not refused:
        stopped = 'rconf stopped (rc=%s): %s' % (r['rc'], first_error(r['stdout'], r['stderr']))
    for ra, rb in pairs:
        path = ra.get('npath') or ra['task']
        if rb is not None and rb['status'] == ra['status']:
            verdict = 'agree'
        elif (target, path) in known or (target, '*') in known:
            verdict = 'known'
        else:
            verdict = 'differ'
        rows.append(dict(
            target=target, host=ra['host'], path=path, task=ra['task'], verdict=verdict,
            a_status=ra['status'], a_msg=ra.get('msg'),
            r_status=rb['status'] if rb else 'missing',
            r_msg=(rb.get('msg') if rb else (reason or stopped or 'no result from rconf for this task')),
            r_path=rb.get('npath') if rb else None,
            invocation=ra.get('invocation', 0),
            known=known.get((target, path)) or known.get((target, '*')),
        ))
    extras = [dict(target=target, host=x['host'], path=x.get('npath') or x['task'], task=x['task'],
                   r_status=x['status'], r_msg=x.get('msg')) for x in extra]
    return dict(target=target, kind=kind, rows=rows, extras=extras,
                ansible_rc=a['rc'], rconf_rc=r['rc'], ansible_secs=a['seconds'],
                rconf_secs=r['seconds'], refused=reason if refused else None,
                ansible_error=None if a['records'] else first_error(a['stdout'], a['stderr']),
                rconf_stderr_tail=(r['stderr'] or '')[-3000:])


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def short(s, n=160):
    if s is None:
        return ''
    s = ' '.join(str(s).split())
    return s if len(s) <= n else s[:n - 1] + '…'


def md_cell(s, n=160):
    return short(s, n).replace('|', '\\|')


def render(results, skipped, opts, meta):
    lines = []
    lines.append('# Conformance: ansible-core integration targets, ansible-playbook vs rconf')
    lines.append('')
    for k, v in meta.items():
        lines.append('- %s: %s' % (k, v))
    lines.append('')
    lines.append('| target | kind | ansible results | agree | differ | known | agree % | note |')
    lines.append('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |')
    tot = dict(n=0, agree=0, differ=0, known=0)
    for res in results:
        rows = res['rows']
        n = len(rows)
        ag = sum(1 for r in rows if r['verdict'] == 'agree')
        df = sum(1 for r in rows if r['verdict'] == 'differ')
        kn = sum(1 for r in rows if r['verdict'] == 'known')
        tot['n'] += n
        tot['agree'] += ag
        tot['differ'] += df
        tot['known'] += kn
        note = []
        if res['refused']:
            note.append('refused at load')
        if res['rconf_rc'] == 'timeout':
            note.append('rconf timeout')
        if res['ansible_rc'] == 'timeout':
            note.append('ansible timeout')
        if res['ansible_error']:
            note.append('ansible: no results: ' + short(res['ansible_error'], 80))
        if res['extras']:
            note.append('%d extra rconf results' % len(res['extras']))
        if res['kind'] == 'script':
            note.append('runme.sh rc ansible=%s rconf=%s' % (res['ansible_rc'], res['rconf_rc']))
        lines.append('| %s | %s | %d | %d | %d | %d | %s | %s |' % (
            res['target'], res['kind'], n, ag, df, kn,
            ('%.1f' % (100.0 * ag / n)) if n else '-', md_cell('; '.join(note), 200)))
    for kind, label in (('role', 'role targets'), ('script', 'runme.sh targets')):
        sub = [r for res in results if res['kind'] == kind for r in res['rows']]
        if not sub or len(sub) == sum(len(res['rows']) for res in results):
            continue
        n = len(sub)
        ag = sum(1 for r in sub if r['verdict'] == 'agree')
        lines.append('| *total, %s* | | %d | %d | %d | %d | %s | |' % (
            label, n, ag, sum(1 for r in sub if r['verdict'] == 'differ'),
            sum(1 for r in sub if r['verdict'] == 'known'), '%.1f' % (100.0 * ag / n)))
    pct = ('%.1f' % (100.0 * tot['agree'] / tot['n'])) if tot['n'] else '-'
    lines.append('| **total** | | **%d** | **%d** | **%d** | **%d** | **%s** | |' % (
        tot['n'], tot['agree'], tot['differ'], tot['known'], pct))
    lines.append('')
    if skipped:
        lines.append('Not run:')
        lines.append('')
        for name, why in skipped:
            lines.append('- %s: %s' % (name, why))
        lines.append('')
    lines.append('## Differing task results')
    lines.append('')
    lines.append('| target | task path | task | ansible | ansible msg | rconf | rconf msg |')
    lines.append('| --- | --- | --- | --- | --- | --- | --- |')
    for res in results:
        # Results missing for one reason (a refusal at load, a script stopped by an earlier
        # playbook) are many: one line for each such reason.
        missing = {}
        for r in res['rows']:
            if r['verdict'] == 'differ' and r['r_status'] == 'missing':
                missing.setdefault(r['r_msg'], []).append(r)
        grouped = {m for m, rs in missing.items() if len(rs) > 3}
        for m in grouped:
            rs = missing[m]
            statuses = ', '.join('%s %d' % kv for kv in sorted(
                {st: sum(1 for x in rs if x['a_status'] == st) for st in
                 set(x['a_status'] for x in rs)}.items()))
            lines.append('| %s | %d results from %s | (various) | %s | | missing | %s |' % (
                res['target'], len(rs), md_cell(rs[0]['path'], 60), statuses, md_cell(m, 200)))
        for r in res['rows']:
            if r['verdict'] != 'differ':
                continue
            if r['r_status'] == 'missing' and r['r_msg'] in grouped:
                continue
            p = r['path'] if not r['invocation'] else '#%s %s' % (r['invocation'], r['path'])
            lines.append('| %s | %s | %s | %s | %s | %s | %s |' % (
                r['target'], md_cell(p, 80), md_cell(r['task'], 60), r['a_status'],
                md_cell(r['a_msg'], 140), r['r_status'], md_cell(r['r_msg'], 200)))
    lines.append('')
    known_rows = [r for res in results for r in res['rows'] if r['verdict'] == 'known']
    if known_rows:
        lines.append('## Known differences (known-failures.txt)')
        lines.append('')
        lines.append('| target | task path | ansible | rconf | reason |')
        lines.append('| --- | --- | --- | --- | --- |')
        for r in known_rows:
            lines.append('| %s | %s | %s | %s | %s |' % (r['target'], md_cell(r['path'], 80),
                                                        r['a_status'], r['r_status'],
                                                        md_cell(r['known'], 160)))
        lines.append('')
    extras = [x for res in results for x in res['extras']]
    if extras:
        lines.append('## rconf results with no counterpart in Ansible\'s (not counted)')
        lines.append('')
        lines.append('| target | task path | task | rconf | rconf msg |')
        lines.append('| --- | --- | --- | --- | --- |')
        for x in extras:
            lines.append('| %s | %s | %s | %s | %s |' % (x['target'], md_cell(x['path'], 80),
                                                        md_cell(x['task'], 60), x['r_status'],
                                                        md_cell(x['r_msg'], 160)))
        lines.append('')
    return '\n'.join(lines) + '\n', tot


def text_table(results, tot):
    out = ['%-22s %-6s %6s %6s %6s %6s %7s' % ('target', 'kind', 'ans', 'agree', 'differ',
                                               'known', '%')]
    for res in results:
        rows = res['rows']
        n = len(rows)
        ag = sum(1 for r in rows if r['verdict'] == 'agree')
        df = sum(1 for r in rows if r['verdict'] == 'differ')
        kn = sum(1 for r in rows if r['verdict'] == 'known')
        flag = ' refused' if res['refused'] else ''
        out.append('%-22s %-6s %6d %6d %6d %6d %7s%s' % (
            res['target'], res['kind'], n, ag, df, kn,
            ('%.1f' % (100.0 * ag / n)) if n else '-', flag))
    for kind in ('role', 'script'):
        sub = [r for res in results if res['kind'] == kind for r in res['rows']]
        if sub:
            ag = sum(1 for r in sub if r['verdict'] == 'agree')
            out.append('%-22s %-6s %6d %6d %6d %6d %7.1f' % (
                'total ' + kind, '', len(sub), ag,
                sum(1 for r in sub if r['verdict'] == 'differ'),
                sum(1 for r in sub if r['verdict'] == 'known'), 100.0 * ag / len(sub)))
    out.append('%-22s %-6s %6d %6d %6d %6d %7s' % (
        'TOTAL', '', tot['n'], tot['agree'], tot['differ'], tot['known'],
        ('%.1f' % (100.0 * tot['agree'] / tot['n'])) if tot['n'] else '-'))
    out.append('')
    for res in results:
        for r in res['rows']:
            if r['verdict'] == 'differ':
                out.append('DIFF %s %s [%s]: ansible %s (%s) / rconf %s (%s)' % (
                    r['target'], r['path'], short(r['task'], 50), r['a_status'],
                    short(r['a_msg'], 100), r['r_status'], short(r['r_msg'], 160)))
    return '\n'.join(out)


# --------------------------------------------------------------------------------------------

def sha256(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def git_describe(path):
    try:
        return subprocess.run(['git', '-C', path, 'describe', '--always', '--dirty'],
                              capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return None


def report_kept(opts, todo, skipped, known):
    workdir = os.path.abspath(opts.from_workdir)
    results, results_posix = [], []
    for n, kind in todo:
        out = {side: load_kept(workdir, n, kind, side) for side in ('ansible', 'rconf', 'rconf-posix')}
        if out['ansible'] is None or out['rconf'] is None:
            skipped.append((n, 'no finished run in %s' % workdir))
            continue
        results.append(compare(n, kind, out, known))
        if opts.also_posix_setup and out['rconf-posix'] is not None:
            results_posix.append(compare(n, kind, out, known, 'rconf-posix'))
    opts.also_posix_setup = bool(results_posix)
    binary = os.path.join(workdir, 'bin', 'rconf')
    meta = {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'from kept work dir': workdir,
        'rconf binary': ('%d bytes, modified %s, sha256 %s' % (
            os.path.getsize(binary), datetime.datetime.fromtimestamp(
                os.path.getmtime(binary), datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC'),
            sha256(binary)[:16])) if os.path.exists(binary) else 'unknown',
        'ansible checkout': opts.ansible_commit or git_describe(opts.ansible_src) or opts.ansible_src,
        'ansible-playbook': first_line([os.path.join(opts.venv_bin, 'ansible-playbook'), '--version']),
        'rconf': first_line([binary if os.path.exists(binary) else opts.rconf, '--version']),
        'agree': AGREE,
    }
    return finish(opts, results, results_posix, skipped, meta)


def first_line(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.splitlines()[0]
    except Exception:
        return ''


AGREE = ('same status (ok / changed / skipped / failed / unreachable) for the same task on the '
         'same host; a task rconf has no result for counts as differing')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ansible-src', required=True,
                   help='an ansible/ansible checkout (holds test/integration/targets)')
    p.add_argument('--ansible-commit', help='the checkout\'s commit, for the report (else git rev-parse)')
    p.add_argument('--venv', default=os.environ.get('CONFORMANCE_VENV'),
                   help='venv with ansible-core (bin/ansible-playbook); env CONFORMANCE_VENV')
    p.add_argument('--rconf', default=os.environ.get('CONFORMANCE_RCONF'),
                   help='the rconf binary; env CONFORMANCE_RCONF')
    p.add_argument('--targets', default=os.path.join(HERE, 'targets.txt'))
    p.add_argument('--known', default=os.path.join(HERE, 'known-failures.txt'))
    p.add_argument('--only', help='comma-separated targets to run (of targets.txt or any)')
    p.add_argument('--out', help='write the Markdown report here')
    p.add_argument('--json', help='write every compared row as JSON here')
    p.add_argument('--timeout', type=int, default=300, help='seconds per tool per target')
    p.add_argument('--keep', action='store_true', help='keep the temp dirs')
    p.add_argument('--workdir', help='parent of the temp dir (default: $TMPDIR)')
    p.add_argument('--target-python', default='/usr/bin/python3',
                   help='ansible_python_interpreter on the test host')
    p.add_argument('--pythonpath', default=os.environ.get('CONFORMANCE_PYTHONPATH'),
                   help='extra PYTHONPATH for the controller (e.g. a dir holding passlib, which '
                        'ansible-test installs for targets that hash passwords)')
    p.add_argument('--also-posix-setup', action='store_true',
                   help='run rconf a second time on a copy whose setup roles avoid the two '
                        'constructs that stop rconf before any target task (see README) and '
                        'report that comparison too')
    p.add_argument('--from-workdir', metavar='DIR',
                   help='run nothing: compare the runs kept (--keep) in DIR (a '
                        'rconf-conformance-* dir), e.g. of a run that was stopped; targets '
                        'without an rconf run there are left out')
    p.add_argument('--no-scripts', action='store_true', help='skip runme.sh-only targets')
    opts = p.parse_args()
    if not opts.venv or not opts.rconf:
        p.error('--venv and --rconf are required (or CONFORMANCE_VENV / CONFORMANCE_RCONF)')
    opts.ansible_src = os.path.abspath(opts.ansible_src)
    opts.venv_bin = os.path.join(os.path.abspath(opts.venv), 'bin')
    opts.rconf = os.path.abspath(opts.rconf)
    targets_dir = os.path.join(opts.ansible_src, 'test', 'integration', 'targets')
    if not os.path.isdir(targets_dir):
        p.error('%s has no test/integration/targets' % opts.ansible_src)
    if not os.access(os.path.join(opts.venv_bin, 'ansible-playbook'), os.X_OK):
        p.error('%s/ansible-playbook not found' % opts.venv_bin)
    if not os.access(opts.rconf, os.X_OK):
        p.error('%s is not executable' % opts.rconf)

    names = read_list(opts.targets)
    if opts.only:
        names = [n.strip() for n in opts.only.split(',') if n.strip()]
    known = read_known(opts.known)
    skipped = []
    todo = []
    for n in names:
        kind = classify(targets_dir, n)
        if kind == 'missing':
            skipped.append((n, 'no such target (or neither tasks/main.yml nor runme.sh) in the checkout'))
            log('skip %s: not in the checkout' % n)
        elif kind == 'script' and opts.no_scripts:
            skipped.append((n, 'runme.sh-only target, --no-scripts'))
        else:
            todo.append((n, kind))

    if opts.from_workdir:
        return report_kept(opts, todo, skipped, known)

    # SIGTERM (e.g. a CI time limit) ends the run through the `finally` that stops sshd.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = tempfile.mkdtemp(prefix='rconf-conformance-', dir=opts.workdir)
    # A private copy of the binary: the one given may be rebuilt or replaced during the run.
    given = opts.rconf
    os.makedirs(os.path.join(workdir, 'bin'))
    opts.rconf = os.path.join(workdir, 'bin', 'rconf')
    shutil.copy2(given, opts.rconf)
    rconf_build = '%s, %d bytes, modified %s, sha256 %s' % (
        given, os.path.getsize(opts.rconf),
        datetime.datetime.fromtimestamp(os.path.getmtime(given), datetime.timezone.utc)
        .strftime('%Y-%m-%d %H:%M:%S UTC'), sha256(opts.rconf)[:16])
    rconf_version = ''
    try:
        rconf_version = subprocess.run([opts.rconf, '--version'], capture_output=True, text=True,
                                       timeout=30).stdout.strip()
    except Exception:
        pass
    opts.locpath = private_locales(workdir)
    host = SshHost(workdir)
    results = []
    results_posix = []
    try:
        host.start()
        log('sshd on %s:%d (pid %d), work dir %s' % (host.address, host.port, host.proc.pid, workdir))
        for n, kind in todo:
            log('== %s (%s)' % (n, kind))
            out = None
            try:
                if kind == 'role':
                    out = run_role_target(opts, host, n, workdir)
                else:
                    out = run_script_target(opts, host, n, workdir)
                results.append(compare(n, kind, out, known))
                if opts.also_posix_setup:
                    results_posix.append(compare(n, kind, out, known, 'rconf-posix'))
            except Exception as e:  # keep going: one broken target must not stop the run
                log('  harness error: %r' % e)
                skipped.append((n, 'harness error: %r' % e))
            for side in (out or {}).values():
                shutil.rmtree(side['run'].cp_dir, ignore_errors=True)
            if not opts.keep:
                shutil.rmtree(os.path.join(workdir, n), ignore_errors=True)
    finally:
        host.stop()
        if not opts.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log('kept %s' % workdir)

    ansible_version = ''
    try:
        ansible_version = subprocess.run([os.path.join(opts.venv_bin, 'ansible-playbook'), '--version'],
                                         capture_output=True, text=True, timeout=60).stdout.splitlines()[0]
    except Exception:
        pass
    meta = {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'ansible checkout': opts.ansible_commit or git_describe(opts.ansible_src) or opts.ansible_src,
        'ansible-playbook': ansible_version,
        'rconf': '%s (repo %s; binary %s)' % (rconf_version, git_describe(os.path.join(HERE, '..', '..')),
                                              rconf_build),
        'agree': AGREE,
    }
    return finish(opts, results, results_posix, skipped, meta)


def finish(opts, results, results_posix, skipped, meta):
    md, tot = render(results, skipped, opts, meta)
    print(text_table(results, tot))
    if opts.also_posix_setup:
        meta2 = dict(meta)
        meta2['variant'] = ('rconf run again on a copy of test/integration where the setup roles '
                            'avoid the two constructs that stop rconf before any target task: '
                            'setup_remote_tmp_dir/handlers/main.yml without its Windows handler '
                            '(includes windows-cleanup.yml, a win_file task rconf refuses at load; '
                            'never notified on POSIX) and the first_found includes of '
                            'setup_remote_tmp_dir and setup_test_user naming default.yml (what '
                            'they resolve to on Debian); ansible-playbook results as in the '
                            'first table, from the unmodified copy')
        md2, tot2 = render(results_posix, [], opts, meta2)
        md2 = md2.replace('# Conformance: ansible-core integration targets, ansible-playbook vs rconf',
                          '# Variant: past the two setup-role blockers (--also-posix-setup)', 1)
        md += ('\n' + md2).replace('\n## ', '\n### ').replace('\n# ', '\n## ')
        print('\n--- variant --also-posix-setup: setup roles without the two blockers (rconf side) ---')
        print(text_table(results_posix, tot2))
    if skipped:
        print('\nNot run: ' + '; '.join('%s (%s)' % s for s in skipped))
    if opts.out:
        with open(opts.out, 'w') as f:
            f.write(md)
    if opts.json:
        with open(opts.json, 'w') as f:
            json.dump(dict(meta=meta, results=results, results_posix=results_posix,
                           skipped=skipped), f, indent=1, default=str)
    return 0


if __name__ == '__main__':
    sys.exit(main())
