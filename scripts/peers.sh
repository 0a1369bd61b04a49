#!/usr/bin/env bash
# Real test peers for the interop suite (issue 5): Postfix (Debian) with several SMTP listeners and a
# dnsmasq serving the MX/A records that point at them. Loopback only; installs nothing.
#
#   scripts/peers.sh start    start in $BASE (default: a new mktemp folder), write $BASE/peers.env
#   scripts/peers.sh stop     stop the instance in $BASE (default: the last one started)
#   scripts/peers.sh status   show whether the instance in $BASE is running (exit 0 running, 3 not)
#
# Environment: BASE (folder for this run; must be absent, empty, or a stopped earlier run of this script),
# PEERS_SMTP_PORT / PEERS_DNS_PORT (default: free high ports picked at random), PEERS_NET (first three
# octets of the loopback addresses, default 127.0.10).
#
# Every Postfix listener uses the same port, on its own loopback address, because `destconfig deliver`
# has one --port for all MX hosts: DNS decides which listener a domain reaches. The layout (see
# docs/interop.md):
#   .1  mx.offer.test      STARTTLS offered, certificate from the run's CA naming the MX hosts
#   .2  mx.require.test    STARTTLS required by the server (530 to MAIL before STARTTLS)
#   .3  mx.plain.test      no STARTTLS
#   .4  mx.mismatch.test   STARTTLS offered, CA-signed certificate naming only wrong-name.invalid
#   .5  mx1.down.test      nothing listens (connection refused)
#   .6  mx1.refuse.test    554 instead of the 220 greeting
set -euo pipefail

readonly SCRIPT_NAME=${0##*/}
readonly LAST_POINTER=${TMPDIR:-/tmp}/destconfig-peers.last
readonly MARKER=.destconfig-peers
NET=${PEERS_NET:-127.0.10}

die() { echo "$SCRIPT_NAME: $*" >&2; exit 1; }

need_tools() {
  local missing=() t
  for t in postfix postconf dnsmasq openssl ss script; do
    command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (Debian: apt-get install postfix dnsmasq openssl iproute2 bsdutils)"
}
PATH=$PATH:/usr/sbin:/sbin

port_in_use() { # port -> 0 when something listens on it (TCP or UDP) anywhere
  [ -n "$(ss -Hltun "sport = :$1" 2>/dev/null)" ]
}

pick_port() { # -> a free high port (not in the ephemeral range the kernel hands out to clients)
  local p i
  for i in $(seq 50); do
    p=$((20000 + RANDOM % 12000))
    port_in_use "$p" || { echo "$p"; return; }
  done
  die "no free port found"
}

resolve_base() { # for stop/status: BASE, else the last started
  if [ -n "${BASE:-}" ]; then echo "$BASE"; return; fi
  [ -f "$LAST_POINTER" ] || die "BASE not set and no previous start recorded in $LAST_POINTER"
  cat "$LAST_POINTER"
}

# Alive and not a zombie: a process killed with -9 stays <defunct> until PID 1 reaps it, and kill -0
# still succeeds on it.
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' 2>/dev/null < "/proc/$1/stat") || return 1
  [ "$state" != Z ]
}

# A live PID that belongs to the instance in $2 (guards against PID reuse after a reboot or crash):
# Postfix daemons carry MAIL_CONFIG=<config dir> in their environment, dnsmasq names our pid file.
pid_ours() {
  pid_alive "$1" || return 1
  tr '\0' '\n' 2>/dev/null < "/proc/$1/environ" | grep -qxF "MAIL_CONFIG=$2/pf/etc" && return 0
  tr '\0' '\n' 2>/dev/null < "/proc/$1/cmdline" | grep -qxF -- "--pid-file=$2/dnsmasq.pid"
}

read_pid() { [ -f "$1" ] && tr -d ' \n' < "$1" || true; }

# Processes of the Postfix instance rooted at $1/pf: each Postfix daemon carries MAIL_CONFIG=<config dir>
# in its environment, which identifies it exactly (no matching by name).
postfix_pids() {
  local conf="$1/pf/etc" p
  for p in /proc/[0-9]*; do
    tr '\0' '\n' 2>/dev/null < "$p/environ" | grep -qxF "MAIL_CONFIG=$conf" && echo "${p#/proc/}"
  done
  return 0
}

make_pki() { # $1 = pki dir
  local d=$1
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 2 \
    -subj "/CN=destconfig interop test CA $(date +%s)" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  issue_cert "$d" server "mx.offer.test" \
    "DNS:mx.offer.test,DNS:mx.require.test,DNS:mx.plain.test,DNS:mx2.down.test,DNS:mx2.refuse.test,DNS:nomx.test"
  issue_cert "$d" wrongname "wrong-name.invalid" "DNS:wrong-name.invalid"
  chmod 600 "$d"/*.key
}

issue_cert() { # dir name cn san
  local d=$1 n=$2
  openssl req -newkey rsa:2048 -nodes -keyout "$d/$n.key" -out "$d/$n.csr" -subj "/CN=$3" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$4" > "$d/$n.ext"
  openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -out "$d/$n.crt" -days 2 -extfile "$d/$n.ext" 2>/dev/null
}

write_postfix_config() { # base pf smtp_port
  local base=$1 pf=$2 port=$3
  # Recipients: reject@ any test domain gets 550, tempfail@ gets 451; everyone else is accepted and
  # delivered to the one Maildir mail/sink/ (virtual(8) adds Delivered-To: with the recipient; it
  # forbids $1 substitution in regexp maps, so a folder per recipient would need a map per run).
  cat > "$pf/etc/recipient_access" <<'EOF'
/^reject@/    550 5.1.1 no such user
/^tempfail@/  451 4.3.0 try again later
EOF
  cat > "$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/spool
data_directory = $pf/data
maillog_file_prefixes = $base
maillog_file = $pf/maillog
myhostname = mx.offer.test
mydomain = interop.test
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
# Nothing leaves the box: mail for other domains (e.g. Postfix's own bounces) fails at once.
default_transport = error:interop peers deliver only to their test domains
relay_transport = error:interop peers deliver only to their test domains
alias_maps =
alias_database =
smtpd_peername_lookup = no
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access regexp:$pf/etc/recipient_access
virtual_mailbox_domains = offer.test, require.test, plain.test, mismatch.test, down.test, refuse.test, nomx.test
virtual_mailbox_base = $pf/mail
virtual_mailbox_maps = static:sink/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
smtpd_tls_cert_file = $base/pki/server.crt
smtpd_tls_key_file = $base/pki/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
EOF
  # Each listener logs under its own name (postfix/offer/smtpd[...]) and names itself in the Received
  # header (myhostname), so a test can tell from Postfix's side which listener took a message.
  cat > "$pf/etc/master.cf" <<EOF
$NET.1:$port inet n - n - - smtpd -o syslog_name=postfix/offer -o myhostname=mx.offer.test
$NET.2:$port inet n - n - - smtpd -o syslog_name=postfix/require -o myhostname=mx.require.test -o smtpd_tls_security_level=encrypt
$NET.3:$port inet n - n - - smtpd -o syslog_name=postfix/plain -o myhostname=mx.plain.test -o smtpd_tls_security_level=none
$NET.4:$port inet n - n - - smtpd -o syslog_name=postfix/mismatch -o myhostname=mx.mismatch.test -o smtpd_tls_cert_file=$base/pki/wrongname.crt -o smtpd_tls_key_file=$base/pki/wrongname.key
$NET.6:$port inet n - n - - smtpd -o syslog_name=postfix/refuse -o myhostname=mx1.refuse.test -o smtpd_delay_reject=no -o smtpd_client_restrictions=reject
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

dnsmasq_args() { # dns_port base
  local a=(
    --conf-file=/dev/null --port="$1" --listen-address=127.0.0.1 --bind-interfaces
    --no-resolv --no-hosts --local=/test/ --local-ttl=60
    --pid-file="$2/dnsmasq.pid" --log-queries --log-facility="$2/dnsmasq.log"
    --mx-host=offer.test,mx.offer.test,10      --host-record=mx.offer.test,$NET.1
    --mx-host=require.test,mx.require.test,10  --host-record=mx.require.test,$NET.2
    --mx-host=plain.test,mx.plain.test,10      --host-record=mx.plain.test,$NET.3
    --mx-host=mismatch.test,mx.mismatch.test,10 --host-record=mx.mismatch.test,$NET.4
    # Two preferences, the first one down (nothing listens) or refusing (554 greeting).
    --mx-host=down.test,mx1.down.test,10       --host-record=mx1.down.test,$NET.5
    --mx-host=down.test,mx2.down.test,20       --host-record=mx2.down.test,$NET.1
    --mx-host=refuse.test,mx1.refuse.test,10   --host-record=mx1.refuse.test,$NET.6
    --mx-host=refuse.test,mx2.refuse.test,20   --host-record=mx2.refuse.test,$NET.1
    # No MX: the domain's own A record is the implicit MX (RFC 5321 §5.1).
    --host-record=nomx.test,$NET.1
    # Null MX (RFC 7505).
    --mx-host=nullmx.test,.,0
    # An MX host with no address record (mx.noaddr.test answers NXDOMAIN): bounced 5.4.4.
    --mx-host=noaddr.test,mx.noaddr.test,10
  )
  printf '%s\n' "${a[@]}"
}

write_env() { # base smtp_port dns_port
  local base=$1
  cat > "$base/peers.env" <<EOF
PEERS_BASE=$base
PEERS_SMTP_PORT=$2
PEERS_DNS_PORT=$3
PEERS_DNS_SERVER=127.0.0.1:$3
PEERS_CA_FILE=$base/pki/ca.crt
PEERS_MAILDIR=$base/pf/mail/sink
PEERS_MAILLOG=$base/pf/maillog
PEERS_DNSMASQ_LOG=$base/dnsmasq.log
PEERS_IP_OFFER=$NET.1
PEERS_IP_REQUIRE=$NET.2
PEERS_IP_PLAIN=$NET.3
PEERS_IP_MISMATCH=$NET.4
PEERS_IP_DOWN=$NET.5
PEERS_IP_REFUSE=$NET.6
PEERS_POSTFIX_PID=$(read_pid "$base/pf/spool/pid/master.pid")
PEERS_DNSMASQ_PID=$(read_pid "$base/dnsmasq.pid")
EOF
}

wait_listening() { # smtp_port dns_port
  local i
  for i in $(seq 100); do
    if [ -n "$(ss -Hltn "sport = :$1" | grep -F "$NET.6:$1")" ] && [ -n "$(ss -Hlun "sport = :$2")" ]; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

start() {
  need_tools
  local base=${BASE:-}
  if [ -z "$base" ]; then
    base=$(mktemp -d "${TMPDIR:-/tmp}/destconfig-peers.XXXXXX")
  elif [ -e "$base" ] && [ -n "$(ls -A "$base")" ]; then
    [ -f "$base/$MARKER" ] || die "$base is not empty and not a peers folder; choose another BASE"
    BASE=$base status >/dev/null 2>&1 && die "peers already running in $base; stop them first"
    # A stopped or crashed earlier run: clear it so this run starts fresh.
    BASE=$base stop >/dev/null 2>&1 || true
    find "$base" -mindepth 1 -delete
  fi
  base=$(cd "$base" 2>/dev/null && pwd || { mkdir -p "$base" && cd "$base" && pwd; })
  touch "$base/$MARKER"
  echo "$base" > "$LAST_POINTER"

  local smtp_port=${PEERS_SMTP_PORT:-$(pick_port)} dns_port=${PEERS_DNS_PORT:-$(pick_port)}
  [ "$smtp_port" != "$dns_port" ] || die "SMTP and DNS ports must differ"
  local pf=$base/pf
  mkdir -p "$base/pki" "$pf/etc" "$pf/spool" "$pf/data" "$pf/mail"
  chown postfix:postfix "$pf/data"
  chown 65534:65534 "$pf/mail"
  chmod 755 "$base"
  make_pki "$base/pki"
  write_postfix_config "$base" "$pf" "$smtp_port"

  # Postfix reports configuration errors only to a terminal or syslog: run it under script(1) so that
  # its complaints reach our stderr.
  local out
  if ! out=$(script -qec "postfix -c '$pf/etc' check && postfix -c '$pf/etc' start" /dev/null 2>&1); then
    echo "$out" >&2
    die "postfix failed to start (config in $pf/etc)"
  fi
  local args
  mapfile -t args < <(dnsmasq_args "$dns_port" "$base")
  if ! dnsmasq "${args[@]}"; then
    BASE=$base stop >/dev/null 2>&1 || true
    die "dnsmasq failed to start on 127.0.0.1:$dns_port"
  fi
  if ! wait_listening "$smtp_port" "$dns_port"; then
    BASE=$base stop >/dev/null 2>&1 || true
    die "peers did not start listening (see $pf/maillog, $base/dnsmasq.log)"
  fi
  write_env "$base" "$smtp_port" "$dns_port"
  cat "$base/peers.env"
}

stop() {
  local base; base=$(resolve_base)
  [ -f "$base/$MARKER" ] || die "$base is not a peers folder"
  local pid i
  for pid in $(read_pid "$base/dnsmasq.pid") $(read_pid "$base/pf/spool/pid/master.pid"); do
    pid_ours "$pid" "$base" && kill "$pid" 2>/dev/null || true
  done
  # The master takes its children down on SIGTERM; after a crash (kill -9 of the master) orphans may
  # linger. Wait for all of the instance's processes, then kill any that remain, each by its PID.
  for i in $(seq 50); do
    [ -z "$(postfix_pids "$base")" ] && ! pid_ours "$(read_pid "$base/dnsmasq.pid")" "$base" && break
    sleep 0.1
  done
  for pid in $(postfix_pids "$base") $(read_pid "$base/dnsmasq.pid"); do
    pid_ours "$pid" "$base" && kill -9 "$pid" 2>/dev/null || true
  done
  echo "peers stopped ($base)"
}

status() {
  local base; base=$(resolve_base)
  local pf_pid dns_pid running=0
  pf_pid=$(read_pid "$base/pf/spool/pid/master.pid")
  dns_pid=$(read_pid "$base/dnsmasq.pid")
  if pid_ours "$pf_pid" "$base"; then echo "postfix master: running (pid $pf_pid)"; running=$((running + 1))
  else echo "postfix master: not running"; fi
  if pid_ours "$dns_pid" "$base"; then echo "dnsmasq: running (pid $dns_pid)"; running=$((running + 1))
  else echo "dnsmasq: not running"; fi
  [ -f "$base/peers.env" ] && echo "env file: $base/peers.env"
  [ "$running" -eq 2 ] || return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  -h|--help)
    cat <<EOF
usage: [BASE=DIR] $SCRIPT_NAME start|stop|status

  start    start Postfix and dnsmasq in \$BASE (default: a new mktemp folder); writes \$BASE/peers.env
  stop     stop the instance in \$BASE (default: the last one started)
  status   whether the instance in \$BASE (default: the last one started) runs: exit 0 running, 3 not

Environment: BASE (the run folder: absent, empty, or a stopped earlier run), PEERS_SMTP_PORT and
PEERS_DNS_PORT (default: free high ports), PEERS_NET (first three octets of the listener addresses,
default 127.0.10). start needs root. Details: docs/interop.md.
EOF
    ;;
  *) echo "usage: [BASE=DIR] $SCRIPT_NAME start|stop|status" >&2; exit 2 ;;
esac
