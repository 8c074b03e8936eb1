# pip: Python packages for a virtualenv (created when missing) or a target's pip. Names already
# present (at the asked `==` version) are left alone without starting pip; otherwise pip runs
# and `changed` is whether `pip freeze` differs afterwards, as in Ansible.
ST=${A_state}
CH=0; CMD=
[ -z "${A_chdir-}" ] || cd -- "$A_chdir" || rc_fail "cannot change to $A_chdir"
if [ -n "${A_virtualenv-}" ]; then
  VENV=$A_virtualenv
  if [ ! -x "$VENV/bin/pip" ]; then
    CH=1
    if [ "$RC_CHECK" = 1 ]; then
      rc_json_str "$VENV"; rc_out "{\"changed\":true,\"virtualenv\":$J,\"msg\":\"check mode: the virtualenv would be created\"}"; exit 0
    fi
    # The command is words (`python3 -m venv`), as Ansible splits it.
    set -f; set -- ${A_virtualenv_command:-virtualenv}; set +f
    case $1 in *virtualenv) [ -z "${A_virtualenv_python-}" ] || set -- "$@" -p "$A_virtualenv_python" ;; esac
    [ "${A_virtualenv_site_packages}" = 1 ] && set -- "$@" --system-site-packages
    rc_capture "$@" "$VENV"
    [ "$RC_RC" = 0 ] || rc_fail "cannot create the virtualenv $VENV with $*: ${RC_E:-$RC_O}"
  fi
  PIP=$VENV/bin/pip
elif [ -n "${A_executable-}" ]; then
  PIP=$A_executable
else
  PIP=$(command -v pip3 || command -v pip) || rc_fail "Unable to find any of pip3, pip to use. pip needs to be installed."
fi
# `name==version` lines, names folded as PEP 503 does (lowercase, `-_.` runs as `-`).
freeze() { "$PIP" freeze --all 2>/dev/null | awk -F'==' 'NF == 2 { n = tolower($1); gsub(/[-_.]+/, "-", n); print n "==" $2 }'; }
BEFORE=$(freeze)
# NAMES: the requested packages as given; each `n==v` or plain `n` is checked against BEFORE.
RC_IFS=$IFS; IFS='
'; set -f; set --; for n in ${A_name-}; do set -- "$@" "$n"; done; set +f; IFS=$RC_IFS
if [ -n "${A_version-}" ] && [ $# -eq 1 ]; then set -- "$1==$A_version"; fi
satisfied() {
  for spec; do
    n=${spec%%[<>=!~ ;[]*}; n=$(printf '%s' "$n" | tr 'A-Z_.' 'a-z--')
    case $spec in
      *==*) printf '%s\n' "$BEFORE" | grep -qx -- "$n==${spec#*==}" || return 1 ;;
      # A range (`>=2`) is pip's to judge.
      *[\<\>=!~]*) return 1 ;;
      *) printf '%s\n' "$BEFORE" | grep -q -- "^$n==" || return 1 ;;
    esac
  done
}
run_pip() {
  CMD="$PIP $*"
  rc_capture "$PIP" "$@"
  if [ "$RC_RC" != 0 ]; then rc_json_str "$CMD"; rc_fail "pip $1 failed: ${RC_E:-$RC_O}" ",\"cmd\":$J"; fi
}
set -f; EXTRA=${A_extra_args-}; set +f
if [ -n "${A_requirements-}" ]; then
  if [ "$RC_CHECK" = 1 ]; then CH=1
  else set -f; run_pip install $EXTRA -r "$A_requirements"; set +f; fi
elif [ $# -eq 0 ]; then
  rc_fail "one of the following is required: name, requirements"
else
  case $ST in
    present)
      if ! satisfied "$@"; then
        if [ "$RC_CHECK" = 1 ]; then CH=1; else set -f; run_pip install $EXTRA "$@"; set +f; fi
      fi ;;
    latest|forcereinstall)
      if [ "$RC_CHECK" = 1 ]; then CH=1
      else
        FLAGS=-U; [ "$ST" = forcereinstall ] && FLAGS="-U --force-reinstall"
        set -f; run_pip install $FLAGS $EXTRA "$@"; set +f
      fi ;;
    absent)
      GONE=
      for spec; do
        n=${spec%%[<>=!~ ;[]*}
        f=$(printf '%s' "$n" | tr 'A-Z_.' 'a-z--')
        printf '%s\n' "$BEFORE" | grep -q -- "^$f==" && GONE="$GONE $n"
      done
      if [ -n "$GONE" ]; then
        if [ "$RC_CHECK" = 1 ]; then CH=1; else set -f; run_pip uninstall -y $EXTRA $GONE; set +f; fi
      fi ;;
    *) rc_fail "state must be one of: present, absent, latest, forcereinstall; got $ST" ;;
  esac
fi
if [ -n "$CMD" ] && [ "$(freeze)" != "$BEFORE" ]; then CH=1; fi
rc_json_str "$CMD"; J_CMD=$J
rc_json_str "${RC_O-}"; J_OUT=$J
rc_tf_set "$CH"
rc_out "{\"changed\":$TF,\"cmd\":$J_CMD,\"stdout\":$J_OUT,\"state\":\"$ST\"}"
