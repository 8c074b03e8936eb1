# ansible_module: one of Ansible's own modules, for a module or argument rconf has no native
# answer for. Finds the host's Python (A_python, else Ansible's discovery order) and a private
# directory for the cached module_utils, then hands stdin (module_utils when not yet sent, the
# module, its JSON arguments) to the wrapper in RC_PY. Facts of the discovery are in the result.
PY=${A_python-}; RC_DISCOVERED=
if [ -z "$PY" ]; then
  RC_DISCOVERED=1
  for p in /usr/bin/python3 python3.14 python3.13 python3.12 python3.11 python3.10 python3.9 \
    python3.8 /usr/libexec/platform-python python3; do
    if command -v "$p" > /dev/null 2>&1; then PY=$(command -v "$p"); break; fi
  done
  [ -n "$PY" ] || rc_fail "module \`$A_module\` is one of Ansible's (rconf has no native one for this task) and needs Python 3 on the host, which has none (looked for /usr/bin/python3, python3.14 to python3.8, python3); install python3 or set ansible_python_interpreter"
elif ! command -v "$PY" > /dev/null 2>&1; then
  rc_fail "module \`$A_module\` is one of Ansible's and needs Python: ansible_python_interpreter \`$PY\` is not on the host"
fi
RC_DIR="${TMPDIR:-/tmp}/rconf-ansible-$(id -u)"
[ -d "$RC_DIR" ] || mkdir -m 700 -- "$RC_DIR" 2> /dev/null
# Only a directory of this user's own, which nobody else can write, may hold code it runs.
if [ -L "$RC_DIR" ] || [ ! -d "$RC_DIR" ] || [ ! -O "$RC_DIR" ]; then
  rc_fail "cannot use $RC_DIR for Ansible's module_utils: it is not a directory of this user's own"
fi
chmod 700 -- "$RC_DIR"
RC_MARK=$RC_MARK RC_DIR=$RC_DIR RC_MODULE=$A_module RC_FQN=$A_fqn RC_LIB_SHA=$A_lib_sha \
  RC_LIB_SIZE=$A_lib_size RC_ZIP_SIZE=$A_zip_size RC_PYTHON=$PY RC_DISCOVERED=$RC_DISCOVERED "$PY" -c "$RC_PY"
