#!/usr/bin/env bash
# Runs every Gureum test suite on a fresh machine: installs what the tests need, builds, tests.
# Prints one summary line at the end: "tests: N passed, M failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
passed=0; failed=0; problems=()
log_dir="$(mktemp -d)"

note() { printf '\n==> %s\n' "$*"; }
count() { passed=$((passed + ${1:-0})); failed=$((failed + ${2:-0})); }

# --- prerequisites -----------------------------------------------------------
note "checking prerequisites"
command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK is required"; exit 1; }
apt_ready=0
apt_install() {
  [ "$(id -u)" = 0 ] || { echo "test.sh: need root to apt-get install $*"; return 1; }
  [ $apt_ready = 1 ] || { apt-get update -qq >/dev/null 2>&1; apt_ready=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_install nodejs npm || true; fi
python=python3
if ! $python -c 'import boto3' >/dev/null 2>&1; then
  apt_install python3-boto3 || true
  python=/usr/bin/python3
fi
if ! command -v aws >/dev/null; then apt_install awscli || true; fi

# --- generated code must match the models -------------------------------------
note "checking generated code is up to date"
if ! ./tools/generate.sh --check >"$log_dir/gen.log" 2>&1; then
  cat "$log_dir/gen.log"; problems+=("generated code is stale"); failed=$((failed + 1))
fi

# --- build ---------------------------------------------------------------------
note "building (Release)"
if ! dotnet build Gureum.slnx -c Release --nologo -v quiet -clp:ErrorsOnly; then
  echo "test.sh: build failed"; echo "tests: 0 passed, 1 failed"; exit 1
fi

# --- .NET test projects ----------------------------------------------------------
for project in tests/*/*.Tests.csproj; do
  name="$(basename "$project" .csproj)"
  note "dotnet test $name"
  dotnet test "$project" -c Release --no-build --nologo 2>&1 | tee "$log_dir/$name.log" | grep -E '^\s*(Failed|Passed!|Failed!)|\[FAIL\]|Error Message|Assert' || true
  line="$(grep -E '(Passed|Failed)!\s+-' "$log_dir/$name.log" | tail -1)"
  p="$(sed -nE 's/.*Passed:\s*([0-9]+).*/\1/p' <<<"$line")"; f="$(sed -nE 's/.*Failed:\s*([0-9]+).*/\1/p' <<<"$line")"
  if [ -z "$line" ]; then problems+=("$name did not run"); count 0 1; else count "$p" "$f"; [ "$f" = 0 ] || problems+=("$name: $f failed"); fi
done

# --- Python: boto3 and the AWS CLI -------------------------------------------------
if [ -d tests/python ]; then
  note "python tests (boto3, aws cli)"
  (cd tests/python && GUREUM_ROOT="$root" $python -m unittest discover -v -p 'test_*.py') >"$log_dir/python.log" 2>&1
  grep -E '(ERROR|FAIL):|^Ran |^OK|^FAILED' "$log_dir/python.log" || true
  ran="$(sed -nE 's/^Ran ([0-9]+) tests?.*/\1/p' "$log_dir/python.log" | tail -1)"
  bad="$(sed -nE 's/^FAILED \((.*)\)/\1/p' "$log_dir/python.log" | grep -oE '[0-9]+' | paste -sd+ - | bc 2>/dev/null || echo 0)"
  if [ -z "$ran" ]; then tail -30 "$log_dir/python.log"; problems+=("python tests did not run"); count 0 1
  else count $((ran - ${bad:-0})) "${bad:-0}"; [ "${bad:-0}" = 0 ] || { tail -60 "$log_dir/python.log"; problems+=("python: $bad failed"); }; fi
fi

# --- JavaScript: AWS SDK v3 ----------------------------------------------------------
if [ -f tests/sdk-js/package.json ]; then
  note "node tests (AWS SDK for JavaScript v3)"
  (cd tests/sdk-js && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && node --test) >"$log_dir/js.log" 2>&1
  grep -E '^# (pass|fail|tests)|^not ok' "$log_dir/js.log" || true
  p="$(sed -nE 's/^# pass ([0-9]+)/\1/p' "$log_dir/js.log" | tail -1)"; f="$(sed -nE 's/^# fail ([0-9]+)/\1/p' "$log_dir/js.log" | tail -1)"
  if [ -z "$p" ]; then tail -30 "$log_dir/js.log"; problems+=("node tests did not run"); count 0 1
  else count "$p" "$f"; [ "$f" = 0 ] || { grep -A30 '^not ok' "$log_dir/js.log" | head -120; problems+=("node: $f failed"); }; fi
fi

note "summary"
for p in "${problems[@]}"; do echo "  problem: $p"; done
echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
