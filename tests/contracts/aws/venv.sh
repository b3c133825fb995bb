# Sourced by the AWS contract scripts. `tool_venv NAME PIN...` makes (or reuses) a virtualenv
# under ${PROMO_TOOLS:-$HOME/.cache/promo-tools}/NAME holding exactly the pinned packages, and
# prints its bin directory. Each tool set gets its own venv: checkov, aws-sam-cli and moto pin
# many of the same dependencies to different versions, so they cannot share one.
tool_venv() {
  local name="$1"; shift
  local dir="${PROMO_TOOLS:-$HOME/.cache/promo-tools}/$name"
  local want; want="$(printf '%s\n' "$@")"
  # The stamp is written only after a complete install, so a half-made venv is made again.
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/pins" 2>/dev/null)" = "$want" ]; then
    printf '%s\n' "$dir/bin"; return
  fi
  echo "installing into $dir: $*" >&2
  rm -rf "$dir"
  python3 -m venv "$dir" >&2
  nice -n 19 "$dir/bin/pip" install --quiet --disable-pip-version-check "$@" >&2 \
    || { echo "FAILED: pip install $* (into $dir)" >&2; return 1; }
  printf '%s\n' "$want" >"$dir/pins"
  printf '%s\n' "$dir/bin"
}
