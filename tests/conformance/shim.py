# The `ansible-playbook` that tests/conformance/run.py puts first on PATH for runme.sh targets.
# run.py writes it out with a `#!` line naming the venv's Python (rconf finds ansible-core
# through the interpreter of the ansible-playbook on PATH). Standard library only.
#
# Under CONFORMANCE_TOOL=ansible it runs the real ansible-playbook (the conformance callback
# records the results); under CONFORMANCE_TOOL=rconf it runs `rconf run` with the same
# arguments, translated where the spelling differs, and converts rconf's --report document to
# the callback's lines. Either way it first appends an `invocation` marker to
# $CONFORMANCE_RESULTS so the harness can tell the runme.sh's playbook runs apart.
import json
import os
import subprocess
import sys

results = os.environ['CONFORMANCE_RESULTS']
counter = results + '.n'
try:
    n = int(open(counter).read()) + 1
except (OSError, ValueError):
    n = 1
with open(counter, 'w') as f:
    f.write(str(n))
argv = sys.argv[1:]
with open(results, 'a') as f:
    f.write(json.dumps({'event': 'invocation', 'n': n, 'argv': argv, 'cwd': os.getcwd()}) + '\n')

if os.environ.get('CONFORMANCE_TOOL') != 'rconf':
    real = os.environ['CONFORMANCE_ANSIBLE_PLAYBOOK']
    os.execv(real, [real] + argv)

# ansible-playbook options -> rconf run options. Options rconf spells the same pass as they are.
TAKES_VALUE = {'-i', '--inventory', '--inventory-file', '-e', '--extra-vars', '-t', '--tags',
               '--skip-tags', '-l', '--limit', '-f', '--forks', '-u', '--user', '-c',
               '--connection', '--start-at-task', '--private-key', '--key-file', '-T',
               '--timeout', '--become-user', '--become-method', '--vault-password-file',
               '--vault-id', '-M', '--module-path', '--become-password-file',
               '--connection-password-file'}
RENAME = {'--inventory-file': '--inventory', '--key-file': '--private-key'}
DROP_FLAG = set()  # every ansible-playbook flag has its rconf counterpart (--flush-cache too)
playbooks, opts = [], []
i = 0
while i < len(argv):
    a = argv[i]
    if a.startswith('-') and '=' in a and a.split('=', 1)[0] in TAKES_VALUE:
        k, v = a.split('=', 1)
        opts += [RENAME.get(k, k), v]
    elif a in TAKES_VALUE and i + 1 < len(argv):
        opts += [RENAME.get(a, a), argv[i + 1]]
        i += 1
    elif a in DROP_FLAG:
        pass
    elif a.startswith('-'):
        opts.append(a)
    else:
        playbooks.append(a)
    i += 1

rconf = os.environ['CONFORMANCE_RCONF']
rc = 0
for pb in playbooks or ['']:
    report = '%s.report-%d.json' % (results, n)
    cmd = [rconf, 'run'] + ([pb] if pb else []) + opts + ['--report', report]
    if os.environ.get('ANSIBLE_FORCE_HANDLERS', '').lower() in ('1', 'true', 'yes', 'on'):
        if '--force-handlers' not in cmd:
            cmd.append('--force-handlers')
    sys.stdout.flush()
    rc = subprocess.call(cmd)
    records = []
    try:
        doc = json.load(open(report))
    except (OSError, ValueError):
        doc = None
    if doc:
        for play in doc.get('plays') or []:
            for task in play.get('tasks') or []:
                for host, res in (task.get('hosts') or {}).items():
                    records.append({'event': 'rconf_result', 'host': host, 'task': task.get('name'),
                                    'location': task.get('location'), 'action': task.get('action'),
                                    'handler': task.get('handler'), 'result': res})
    with open(results, 'a') as f:
        for r in records:
            f.write(json.dumps(r, default=str) + '\n')
        f.write(json.dumps({'event': 'rconf_exit', 'n': n, 'rc': rc}) + '\n')
    if rc != 0:
        break
sys.exit(rc)
