#!/usr/bin/env bash
# Re-record the sample release's approvals after its evidence changed:
# every approval signs the current release digest with the demo keys.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f sample-evidence/approvals/*.toml
relpack=${RELPACK:-target/release/relpack}
"$relpack" approve --root sample-evidence --id APR-ENG-1 --role engineering --meaning approved \
  --signer "Priya Natarajan" --key examples/sample-keys/priya --principal priya@acme-medical.example \
  --at 2026-11-19T16:10:00+01:00
"$relpack" approve --root sample-evidence --id APR-QA-1 --role quality --meaning approved \
  --signer "Dana Reyes" --key examples/sample-keys/dana --principal dana@acme-medical.example \
  --at 2026-11-19T17:45:00+01:00
"$relpack" approve --root sample-evidence --id APR-QA-2 --role quality --meaning reviewed \
  --signer "Dana Reyes" --key examples/sample-keys/dana --principal dana@acme-medical.example \
  --items REQ-MAX-1,HAZ-1 --at 2026-11-18T11:00:00+01:00
