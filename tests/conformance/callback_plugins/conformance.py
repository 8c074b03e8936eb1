# Conformance harness callback (tests/conformance/run.py): writes one JSON line per task result
# per host to the file named by $CONFORMANCE_RESULTS, so the harness can compare
# ansible-playbook's outcomes with rconf's. Enabled through ANSIBLE_CALLBACK_PLUGINS and
# ANSIBLE_CALLBACKS_ENABLED=conformance; the stdout callback stays Ansible's default.
from __future__ import annotations

DOCUMENTATION = """
    name: conformance
    type: notification
    short_description: one JSON line per task result, for rconf's conformance harness
    description:
      - Appends to the file named by the CONFORMANCE_RESULTS environment variable.
"""

import json
import os

from ansible.plugins.callback import CallbackBase


def _text(value, limit=2000):
    if value is None:
        return None
    if not isinstance(value, str):
        try:
            value = json.dumps(value, default=str, sort_keys=True)
        except Exception:
            value = str(value)
    return value[:limit]


def _message(res):
    """The result's msg; for a loop, the first failed item's msg too; for a failure without
    msg, the tail of stderr."""
    msg = res.get('msg')
    items = res.get('results')
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and item.get('failed'):
                inner = item.get('msg') or item.get('stderr')
                if inner:
                    msg = '%s [first failed item: %s]' % (_text(msg) or '', _text(inner))
                break
    if not msg and res.get('failed'):
        msg = res.get('stderr') or res.get('exception') or res.get('module_stderr')
    return _text(msg)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'conformance'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        path = os.environ.get('CONFORMANCE_RESULTS')
        self._out = open(path, 'a', encoding='utf-8') if path else None

    def _write(self, record):
        if self._out is None:
            return
        # A task may run ansible-playbook itself (copy's no_log test does): the harness keeps
        # the records of the first process of each invocation only.
        record['pid'] = os.getpid()
        self._out.write(json.dumps(record, default=str) + '\n')
        self._out.flush()

    def v2_playbook_on_start(self, playbook):
        self._write({'event': 'playbook', 'file': getattr(playbook, '_file_name', None)})

    def v2_playbook_on_play_start(self, play):
        self._write({'event': 'play', 'name': play.get_name()})

    def _result(self, result, status):
        task = result.task
        res = result.result
        try:
            path = task.get_path()
        except Exception:
            path = None
        self._write({
            'event': 'result',
            'host': result.host.get_name(),
            'task': task.get_name(),
            'action': task.action,
            'path': path or None,
            'handler': type(task).__name__ == 'Handler',
            'status': status,
            'msg': _message(res),
        })

    def v2_runner_on_ok(self, result):
        self._result(result, 'changed' if result.result.get('changed') else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._result(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result(result, 'unreachable')
