# git: clones A_repo into A_dest or brings an existing checkout to A_version with the target's
# git. The wanted commit is asked of the remote first (`git ls-remote`), so an up-to-date
# checkout is not fetched and check mode can predict `after`.
command -v "${A_executable:-git}" > /dev/null 2>&1 || rc_fail "Failed to find required executable \`${A_executable:-git}\` in PATH"
git() { command "${A_executable:-git}" "$@"; }
D=$A_dest; V=${A_version}; R=${A_remote}
rc_json_str "$D"; J_D=$J
if [ -n "${A_key_file-}${A_accept_hostkey-}${A_ssh_opts-}" ]; then
  RC_SSH=ssh
  [ "${A_accept_hostkey-0}" = 1 ] && RC_SSH="$RC_SSH -o StrictHostKeyChecking=no"
  [ -n "${A_key_file-}" ] && RC_SSH="$RC_SSH -i '$(printf '%s' "$A_key_file" | sed "s/'/'\\\\''/g")' -o IdentitiesOnly=yes"
  [ -n "${A_ssh_opts-}" ] && RC_SSH="$RC_SSH $A_ssh_opts"
  GIT_SSH_COMMAND=$RC_SSH; export GIT_SSH_COMMAND
fi
GIT_TERMINAL_PROMPT=0; export GIT_TERMINAL_PROMPT
is_sha() { case $1 in *[!0-9a-f]*) return 1 ;; esac; [ ${#1} -ge 7 ] && [ ${#1} -le 40 ]; }
# The commit A_repo has for V, in RC_WANT (empty when V is a commit id not advertised).
remote_commit() {
  RC_WANT=
  if [ "$V" = HEAD ]; then RC_REFS=HEAD; else RC_REFS="refs/heads/$V refs/tags/$V refs/tags/$V^{}"; fi
  RC_LS=$(git ls-remote "$A_repo" $RC_REFS 2> "$W/err") || {
    rc_json_str "$(cat "$W/err")"; rc_fail "Failed to talk to the remote repository $A_repo" ",\"stderr\":$J"; }
  # A peeled tag (^{}) names the commit; otherwise the first match does.
  RC_WANT=$(printf '%s\n' "$RC_LS" | awk '$2 ~ /\^\{\}$/ { p = $1 } NR == 1 { f = $1 } END { print (p != "" ? p : f) }')
  if [ -z "$RC_WANT" ]; then
    is_sha "$V" || rc_fail "Failed to find the version \`$V\` in the remote repository $A_repo" ",\"before\":null"
  fi
}
W=$(mktemp -d) || rc_fail "cannot create a temporary directory"
trap 'rm -rf -- "$W"' EXIT
emit() { # $1 changed, $2 before, $3 after, $4 extra members
  if [ -n "$2" ]; then RC_B="\"$2\""; else RC_B=null; fi
  if [ -n "$3" ]; then RC_A="\"$3\""; else RC_A=null; fi
  rc_out "{\"changed\":$1,\"before\":$RC_B,\"after\":$RC_A,\"dest\":$J_D${4-}}"; exit 0
}
if [ "${A_bare}" = 1 ]; then GITDIR=$D; else GITDIR=$D/.git; fi
if [ ! -e "$GITDIR" ]; then
  [ "${A_clone}" = 1 ] || emit false "" ""
  [ ! -e "$D" ] || [ -z "$(ls -A -- "$D" 2>/dev/null)" ] || rc_fail "Destination path '$D' already exists and is not an empty directory."
  remote_commit
  [ "$RC_CHECK" = 1 ] && emit true "" "${RC_WANT:-$V}"
  set -- clone --origin "$R"
  [ -n "${A_depth-}" ] && set -- "$@" --depth "$A_depth"
  [ "${A_bare}" = 1 ] && set -- "$@" --bare
  [ "${A_recursive}" = 1 ] && [ "${A_bare}" = 0 ] && set -- "$@" --recurse-submodules
  if [ "$V" != HEAD ] && ! is_sha "$V"; then set -- "$@" --branch "$V"; fi
  [ "${A_single_branch}" = 1 ] && set -- "$@" --single-branch
  git "$@" -- "$A_repo" "$D" > "$W/out" 2> "$W/err" || { rc_json_str "$(cat "$W/err")"; rc_fail "Failed to clone $A_repo" ",\"stderr\":$J"; }
  if is_sha "$V" && [ "${A_bare}" = 0 ]; then
    ( cd "$D" && { git cat-file -e "$V^{commit}" 2>/dev/null || git fetch -q "$R" "$V"; } && git checkout -q --force "$V" ) 2> "$W/err" \
      || { rc_json_str "$(cat "$W/err")"; rc_fail "Failed to checkout $V" ",\"stderr\":$J"; }
  fi
  AFTER=$(git --git-dir="$GITDIR" rev-parse HEAD)
  emit true "" "$AFTER"
fi
cd "$D" || rc_fail "cannot enter $D"
BEFORE=$(git rev-parse HEAD 2>/dev/null)
CH=false; EXTRA=
URL=$(git config --get "remote.$R.url")
if [ "$URL" != "$A_repo" ]; then
  EXTRA=",\"remote_url_changed\":true"; CH=true
  [ "$RC_CHECK" = 1 ] || git remote set-url "$R" "$A_repo" 2>/dev/null || git remote add "$R" "$A_repo"
fi
LOCAL=
[ "${A_bare}" = 1 ] || LOCAL=$(git status --porcelain --untracked-files=no 2>/dev/null)
if [ -n "$LOCAL" ]; then
  [ "${A_force}" = 1 ] || rc_fail "Local modifications exist in the destination: $D (force=no)." ",\"before\":\"$BEFORE\""
  CH=true
  [ "$RC_CHECK" = 1 ] || git reset -q --hard HEAD
fi
[ "${A_update}" = 1 ] || emit "$CH" "$BEFORE" "$BEFORE" "$EXTRA"
remote_commit
TARGET=${RC_WANT:-$V}
if [ -n "$BEFORE" ]; then
  case $BEFORE in "$TARGET"*) emit "$CH" "$BEFORE" "$BEFORE" "$EXTRA" ;; esac
fi
[ "$RC_CHECK" = 1 ] && emit true "$BEFORE" "$TARGET" "$EXTRA"
set -- fetch -q --tags "$R"
[ -n "${A_depth-}" ] && set -- fetch -q --depth "$A_depth" "$R"
if [ "$V" = HEAD ]; then set -- "$@" "+HEAD:refs/remotes/$R/HEAD"
elif is_sha "$V"; then set -- "$@" "$V"
else set -- "$@" "+refs/heads/$V:refs/remotes/$R/$V" "+refs/tags/$V:refs/tags/$V"; fi
# A name that is only a tag, or only a branch, makes one refspec fail: retry with the other.
git "$@" > "$W/out" 2> "$W/err" || git fetch -q --tags "$R" > "$W/out" 2> "$W/err" \
  || { rc_json_str "$(cat "$W/err")"; rc_fail "Failed to download remote objects and refs" ",\"stderr\":$J"; }
if [ "${A_bare}" = 1 ]; then
  [ "$V" = HEAD ] || git update-ref "refs/heads/$V" "$TARGET" 2>/dev/null || :
elif [ "$V" = HEAD ]; then
  git reset -q --hard "$TARGET" 2> "$W/err" || { rc_json_str "$(cat "$W/err")"; rc_fail "Failed to reset to $TARGET" ",\"stderr\":$J"; }
elif git show-ref -q --verify "refs/remotes/$R/$V"; then
  { git checkout -q --force "$V" 2>/dev/null || git checkout -q --force -b "$V" "$R/$V"; } && git reset -q --hard "$R/$V" 2> "$W/err" \
    || { rc_json_str "$(cat "$W/err")"; rc_fail "Failed to checkout branch $V" ",\"stderr\":$J"; }
else
  git checkout -q --force "$TARGET" 2> "$W/err" || { rc_json_str "$(cat "$W/err")"; rc_fail "Failed to checkout $V" ",\"stderr\":$J"; }
fi
[ "${A_recursive}" = 1 ] && [ "${A_bare}" = 0 ] && [ -f .gitmodules ] && git submodule -q update --init --recursive 2>/dev/null
AFTER=$(git rev-parse HEAD)
[ "$AFTER" = "$BEFORE" ] || CH=true
# In diff mode the payload is `git diff BEFORE AFTER` (the controller makes it diff.prepared).
if [ "$RC_DIFF" = 1 ] && [ -n "$BEFORE" ] && [ "$AFTER" != "$BEFORE" ]; then
  git diff "$BEFORE" "$AFTER" 2>/dev/null && EXTRA="$EXTRA,\"diff_prepared\":true"
fi
emit "$CH" "$BEFORE" "$AFTER" "$EXTRA"
