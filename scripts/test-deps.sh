#!/usr/bin/env bash
# Installs the Debian packages the test suites use, when some are missing: the interop peers (postfix,
# dnsmasq, swaks), unbound + ldnsutils for the DANE rig (scripts/dane-rig.sh), openssl for the test CA,
# tmux for the terminal tests, iproute2 (ss) and bsdutils (script) for scripts/peers.sh.
# Run by `npm run test:all` (the README's test command) and so by .ci/run. Postfix is preseeded to
# "No configuration": no debconf question is asked and no system instance is configured.
set -uo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/test-deps.sh [--check] [--help]

Installs the Debian packages the tests use when some are missing (apt-get, as root or with password-less
sudo; DEBIAN_FRONTEND=noninteractive): postfix dnsmasq swaks openssl tmux iproute2 bsdutils unbound ldnsutils.

  --check     only list what is missing; install nothing
  -h, --help  show this help

Exit status: 0 nothing missing, installed, or cannot install here (no apt-get, not root: said in one line,
and the interop suite then skips with a line of its own); 1 the installation was tried and failed;
2 bad arguments.
EOF
}

check_only=false
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --check) check_only=true ;;
    *) echo "test-deps.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

packages=(postfix dnsmasq swaks openssl tmux iproute2 bsdutils unbound ldnsutils)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test-deps: all test packages are installed"
  exit 0
fi
if $check_only; then
  echo "test-deps: missing ${missing[*]}"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: no apt-get here; install ${missing[*]} by hand for the interop and terminal suites"
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "test-deps: not root; install ${missing[*]} as root (apt-get) for the interop and terminal suites"
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "test-deps: installing ${missing[*]}"
log=$(mktemp)
{
  echo "postfix postfix/main_mailer_type select No configuration" | "${sudo[@]}" debconf-set-selections
  echo "postfix postfix/mailname string mx.example.test" | "${sudo[@]}" debconf-set-selections
} >>"$log" 2>&1
"${sudo[@]}" apt-get update -qq >>"$log" 2>&1 || echo "test-deps: apt-get update failed; trying the install anyway"
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$log" 2>&1; then
  tail -20 "$log"
  echo "test-deps: apt-get install ${missing[*]} failed (log: $log)"
  exit 1
fi
rm -f "$log"
echo "test-deps: installed ${missing[*]}"
