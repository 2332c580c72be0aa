#!/usr/bin/env bash
# The step of the slo GitHub Action (action.yml), a script so that the tests
# run exactly what the action runs. Reads SLO_BIN, SLO_CONFIG, SLO_COMMAND,
# SLO_FAIL_ON, SLO_OUT, SLO_AS_OF; writes the step summary (GITHUB_STEP_SUMMARY)
# and the outputs exit-code and report (GITHUB_OUTPUT); exits with slo's code.
set -uo pipefail
slo=${SLO_BIN:-slo}
args=(--config "${SLO_CONFIG:-slo.yaml}")
case ${SLO_COMMAND:-check} in
  check) args+=(check --fail-on "${SLO_FAIL_ON:-breached,alert,missing-data}") ;;
  report) args+=(report --format markdown) ;;
  *)
    echo "::error::slo action: command must be check or report, not '${SLO_COMMAND}'"
    echo "exit-code=2" >> "${GITHUB_OUTPUT:-/dev/null}"
    exit 2
    ;;
esac
[ -n "${SLO_OUT:-}" ] && args+=(--out "$SLO_OUT")
[ -n "${SLO_AS_OF:-}" ] && args+=(--as-of "$SLO_AS_OF")
out=$(mktemp)
"$slo" "${args[@]}" > "$out"
code=$?
cat "$out"
# `slo check` writes the step summary itself; a report goes there whole.
if [ "${SLO_COMMAND:-check}" = report ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ "$code" = 0 ]; then
  cat "$out" >> "$GITHUB_STEP_SUMMARY"
fi
rm -f "$out"
case $code in
  0) ;;
  1) echo "::error::slo check failed: an SLO is breached or burning its budget too fast (see the step summary)" ;;
  2) echo "::error::slo: usage or slo.yaml error (exit 2)" ;;
  *) echo "::error::slo: the data source failed (exit $code)" ;;
esac
{
  echo "exit-code=$code"
  if [ -n "${SLO_OUT:-}" ] && [ -d "$SLO_OUT" ]; then echo "report=$SLO_OUT"; fi
} >> "${GITHUB_OUTPUT:-/dev/null}"
exit "$code"
