#!/usr/bin/env bash
# Regenerates src/Gureum.Api/Generated from specs/models. Pass --check to verify only.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project tools/Gureum.CodeGen -c Release -- specs/models src/Gureum.Api/Generated "$@"
