#!/usr/bin/env bash
# Regenerate the automated-test and SOUP evidence of sample-evidence/ from this
# reference implementation:
#   ../../sample-evidence/results/pytest-junit.xml  (pytest, JUnit XML, xunit2)
#   ../../sample-evidence/soup/bom.cdx.json         (CycloneDX 1.6 SBOM of requirements.txt)
# Virtual environments live under /tmp (override with BOLUS_VENV_DIR).
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1   # keep the source tree clean
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
evidence="$here/../../sample-evidence"
venvs="${BOLUS_VENV_DIR:-/tmp/boluscalc-venvs}"
python="${PYTHON:-python3}"

# Tools + runtime dependencies, to run the tests and the SBOM generator.
if [ ! -x "$venvs/tools/bin/python" ]; then
  "$python" -m venv "$venvs/tools"
fi
"$venvs/tools/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt

# Runtime dependencies only (no pip, no tools): exactly what the SBOM lists.
if [ ! -x "$venvs/runtime/bin/python" ]; then
  "$python" -m venv --without-pip "$venvs/runtime"
fi
"$venvs/tools/bin/python" -m pip --python "$venvs/runtime/bin/python" install -q --disable-pip-version-check -r requirements.txt

mkdir -p "$evidence/results" "$evidence/soup"
"$venvs/tools/bin/python" -m pytest -p no:cacheprovider \
  --junitxml=../../sample-evidence/results/pytest-junit.xml -o junit_family=xunit2

# Reproducible SBOM: no serial number, timestamp = SOURCE_DATE_EPOCH (release date 2026-11-20).
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1795132800}" "$venvs/tools/bin/cyclonedx-py" environment \
  --sv 1.6 --output-reproducible --pyproject pyproject.toml --mc-type application \
  -o ../../sample-evidence/soup/bom.cdx.json "$venvs/runtime/bin/python"
echo "wrote $(cd "$evidence" && pwd)/results/pytest-junit.xml and soup/bom.cdx.json"
