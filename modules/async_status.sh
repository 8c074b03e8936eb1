# async_status: the state of a job started with `poll: 0`: running while its output file is
# still `.tmp`; when done, the job's stdout is this script's payload, its stderr ours, and its
# result (the line after the run's marker) goes back under `job`. `cleanup` removes its files.
f="$HOME/.ansible_async/$A_jid"
rc_json_str "$A_jid"; JID=$J
if [ "${A_mode}" = cleanup ]; then
  rm -f -- "$f" "$f.err"
  rc_json_str "$f"
  rc_out "{\"changed\":false,\"ansible_job_id\":$JID,\"erased\":$J}"
elif [ -f "$f" ]; then
  INNER=$(awk -v m="$RC_MARK" 'index($0, m) { r = substr($0, index($0, m) + length(m)) } END { print r }' "$f")
  awk -v m="$RC_MARK" 'index($0, m) { exit } { print }' "$f"
  [ ! -f "$f.err" ] || cat -- "$f.err" >&2
  rc_out "{\"finished\":true,\"started\":true,\"ansible_job_id\":$JID,\"job\":${INNER:-null}}"
elif [ -f "$f.tmp" ]; then
  rc_out "{\"changed\":false,\"finished\":false,\"started\":true,\"ansible_job_id\":$JID}"
else
  rc_fail "could not find job" ",\"ansible_job_id\":$JID,\"finished\":true,\"started\":true"
fi
