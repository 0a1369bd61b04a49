#!/usr/bin/env bash
# DNSSEC test rig for the DANE interop test (docs/dane.md; reference dane-mta-sts-tlsrpt.md §3): zones
# under the reserved dane.test. (RFC 6761), signed with ldns-signzone, served and validated by one unbound
# (auth-zone ... for-upstream, the single-daemon variant of §3.6) on loopback. Installs nothing.
#
#   scripts/dane-rig.sh start    generate PKI, zones and keys in $BASE, start unbound, write $BASE/rig.env
#   scripts/dane-rig.sh stop     stop the unbound started in $BASE (by its pid file)
#
# Environment: BASE (folder, required), DANE_SMTP_PORT (the port the test's SMTP server listens on: the
# TLSA owners are _PORT._tcp.<host>), DANE_DNS_PORT (default: a free high port).
#
# Zones: dane.test (signed, its DS is unbound's only trust anchor); secure.dane.test (signed child: one
# destination <case>.secure.dane.test with MX mx-<case> per DANE case); insecure.dane.test (unsigned, no DS:
# provably insecure); bogus.dane.test (signatures expired in 2020); _PORT._tcp.mx-tlsabogus.secure.dane.test
# (signed child whose parent publishes the DS of another key: TLSA bogus while the host stays secure).
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin
readonly SCRIPT_NAME=${0##*/}
die() { echo "$SCRIPT_NAME: $*" >&2; exit 1; }
usage="usage: BASE=folder $SCRIPT_NAME start|stop"
case ${1:-} in
  start | stop) ;;
  -h | --help)
    cat <<EOF
$usage

  start    make the PKI, the signed zones under dane.test and their keys in \$BASE, start unbound on
           loopback, write \$BASE/rig.env
  stop     stop the unbound started in \$BASE (by its pid file)

Environment: BASE (the rig's folder, required), DANE_SMTP_PORT (the port of the SMTP server the TLSA
owners _PORT._tcp.HOST name; default: a free high port), DANE_DNS_PORT (unbound's port; default: a free
high port). Needs unbound and ldns-signzone. Details: docs/dane.md.
EOF
    exit 0 ;;
  *) echo "$SCRIPT_NAME: $usage" >&2; exit 2 ;;
esac
[ -n "${BASE:-}" ] || die "BASE must name the rig's folder"

pick_port() {
  local p i
  for i in $(seq 50); do
    p=$((20000 + RANDOM % 12000))
    [ -n "$(ss -Hltun "sport = :$p" 2>/dev/null)" ] || { echo "$p"; return; }
  done
  die "no free port found"
}

make_pki() { # dir: CA, leaves (MX names, next-hop only, wrong name, expired), an unrelated self-signed cert
  local d=$1
  mkdir -p "$d" && cd "$d"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 30 -subj "/CN=DANE Test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  leaf() { # name cn san
    openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 7 -extfile "$1.ext" 2>/dev/null
  }
  local san="DNS:mx.insecure.dane.test" c
  for c in ee ee512 eecert big ta taspki unusable nomatch notlsa tlsabogus; do san="$san,DNS:mx-$c.secure.dane.test"; done
  leaf mx mx-ee.secure.dane.test "$san"
  leaf nexthop tanexthop.secure.dane.test DNS:tanexthop.secure.dane.test
  leaf wrongname wrong.invalid DNS:wrong.invalid
  openssl req -x509 "${ec[@]}" -keyout other.key -out other.crt -days 7 -subj "/CN=other.invalid" 2>/dev/null
  # openssl x509 -req cannot back-date: openssl ca makes the expired leaf (valid January 2020).
  rm -rf cadb && mkdir cadb && : > cadb/index.txt && echo 1000 > cadb/serial
  cat > cadb/ca.cnf <<CNF
[ ca ]
default_ca = test
[ test ]
database = cadb/index.txt
serial = cadb/serial
new_certs_dir = cadb
certificate = ca.crt
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[ any ]
commonName = supplied
[ ext ]
subjectAltName = DNS:mx-expiredee.secure.dane.test,DNS:mx-expiredta.secure.dane.test
extendedKeyUsage = serverAuth
CNF
  openssl req "${ec[@]}" -keyout expired.key -out expired.csr -subj "/CN=mx-expiredee.secure.dane.test" 2>/dev/null
  openssl ca -batch -config cadb/ca.cnf -extensions ext -startdate 20200101000000Z -enddate 20200201000000Z \
    -in expired.csr -out expired.crt -notext 2>/dev/null
  cd - >/dev/null
}

spki() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER; }
hex_of() { od -An -v -tx1 | tr -d ' \n'; }
sha() { openssl dgst "-$1" -r | cut -d' ' -f1; }

make_zones() { # base smtp_port
  local base=$1 port=$2 P=$1/pki K=$1/keys Z=$1/zones
  rm -rf "$K" "$Z"; mkdir -p "$K" "$Z"
  local EE_311 EE_312 EE_301 TA_201 TA_211 OTHER_311 EXP_311 BAD_311
  EE_311=$(spki "$P/mx.crt" | sha sha256); EE_312=$(spki "$P/mx.crt" | sha sha512)
  EE_301=$(openssl x509 -in "$P/mx.crt" -outform DER | sha sha256)
  TA_201=$(openssl x509 -in "$P/ca.crt" -outform DER | sha sha256); TA_211=$(spki "$P/ca.crt" | sha sha256)
  OTHER_311=$(spki "$P/other.crt" | sha sha256); EXP_311=$(spki "$P/expired.crt" | sha sha256)
  BAD_311=$(spki "$P/wrongname.crt" | sha sha256)
  SOA() { printf '$TTL 30\n@ IN SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 5\n@ IN NS ns.dane.test.\n'; }
  keys() { (cd "$K" && ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$1") && zsk=$(ldns-keygen -a ECDSAP256SHA256 "$1") && echo "$ksk $zsk"); }
  sign() { local z=$1 f=$2 ksk=$3 zsk=$4; shift 4; (cd "$K" && ldns-signzone "$@" -o "$z" -f "$f.signed" "$f" "$ksk" "$zsk"); }
  local t="_$port._tcp"
  {
    SOA
    local c
    for c in ee ee512 eecert big ta taspki tanexthop tabadname eebadname expiredee expiredta nomatch unusable notlsa tlsabogus; do
      echo "$c IN MX 10 mx-$c"; echo "mx-$c IN A 127.0.0.1"
    done
    # Two MX hosts: the first's TLSA lookup fails (bogus child), the second is DANE-EE.
    echo "twomx IN MX 10 mx-tlsabogus"; echo "twomx IN MX 20 mx-ee"
    echo "$t.mx-ee IN TLSA 3 1 1 $EE_311"
    echo "$t.mx-ee512 IN TLSA 3 1 2 $EE_312"
    echo "$t.mx-eecert IN TLSA 3 0 1 $EE_301"
    for i in $(seq 1 19); do echo "$t.mx-big IN TLSA 3 1 2 $(printf %0128d "$i")"; done
    echo "$t.mx-big IN TLSA 3 1 2 $EE_312"
    echo "$t.mx-ta IN TLSA 2 0 1 $TA_201"
    echo "$t.mx-taspki IN TLSA 2 1 1 $TA_211"
    echo "$t.mx-tanexthop IN TLSA 2 0 1 $TA_201"
    echo "$t.mx-tabadname IN TLSA 2 0 1 $TA_201"
    echo "$t.mx-eebadname IN TLSA 3 1 1 $BAD_311"
    echo "$t.mx-expiredee IN TLSA 3 1 1 $EXP_311"
    echo "$t.mx-expiredta IN TLSA 2 0 1 $TA_201"
    echo "$t.mx-nomatch IN TLSA 3 1 1 $OTHER_311"
    echo "$t.mx-unusable IN TLSA 1 1 1 $EE_311"; echo "$t.mx-unusable IN TLSA 3 1 9 $EE_311"
    echo "$t.mx-tlsabogus IN NS ns.dane.test."
  } > "$Z/secure.dane.test.zone"
  { SOA; echo "@ IN TLSA 3 1 1 $EE_311"; } > "$Z/tlsabogus.zone"
  { SOA; echo "@ IN MX 10 mx"; echo "mx IN A 127.0.0.1"; echo "$t.mx IN TLSA 3 1 1 $OTHER_311"
    echo "tosecure IN MX 10 mx-ee.secure.dane.test."; } > "$Z/insecure.dane.test.zone"
  { SOA; echo "@ IN MX 10 mx"; echo "mx IN A 127.0.0.1"; echo "$t.mx IN TLSA 3 1 1 $EE_311"; } > "$Z/bogus.dane.test.zone"
  local SEC_KSK SEC_ZSK BOG_KSK BOG_ZSK TB_KSK TB_ZSK TBX_KSK TOP_KSK TOP_ZSK
  set -- $(keys secure.dane.test); SEC_KSK=$1 SEC_ZSK=$2
  set -- $(keys bogus.dane.test); BOG_KSK=$1 BOG_ZSK=$2
  set -- $(keys "$t.mx-tlsabogus.secure.dane.test"); TB_KSK=$1 TB_ZSK=$2
  set -- $(keys "$t.mx-tlsabogus.secure.dane.test"); TBX_KSK=$1          # decoy: only its DS is published
  set -- $(keys dane.test); TOP_KSK=$1 TOP_ZSK=$2
  sign "$t.mx-tlsabogus.secure.dane.test" "$Z/tlsabogus.zone" "$TB_KSK" "$TB_ZSK"
  cat "$K/$TBX_KSK.ds" >> "$Z/secure.dane.test.zone"
  sign secure.dane.test "$Z/secure.dane.test.zone" "$SEC_KSK" "$SEC_ZSK"
  sign bogus.dane.test "$Z/bogus.dane.test.zone" "$BOG_KSK" "$BOG_ZSK" -i 20200101000000 -e 20200201000000
  { SOA; echo "ns IN A 127.0.0.1"; for c in secure insecure bogus; do echo "$c IN NS ns"; done
    cat "$K/$SEC_KSK.ds" "$K/$BOG_KSK.ds"; } > "$Z/dane.test.zone"
  sign dane.test "$Z/dane.test.zone" "$TOP_KSK" "$TOP_ZSK"
  cp "$K/$TOP_KSK.ds" "$base/unbound/dane.test.ds"
}

write_unbound_conf() { # base dns_port smtp_port
  local base=$1 port=$2 t="_$3._tcp" z
  cat > "$base/unbound/unbound.conf" <<CONF
server:
    interface: 127.0.0.1@$port
    port: $port
    do-ip6: no
    username: ""
    chroot: ""
    directory: "$base/unbound"
    pidfile: "$base/unbound/unbound.daemon.pid"
    logfile: "$base/unbound/unbound.log"
    use-syslog: no
    verbosity: 1
    val-log-level: 2
    log-servfail: yes
    log-queries: yes
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "validator iterator"
    trust-anchor-file: "$base/unbound/dane.test.ds"
    prefetch: no
    serve-expired: no
    cache-max-ttl: 30
    cache-max-negative-ttl: 5
    max-udp-size: 1232
    edns-buffer-size: 1232
    ede: yes
    qname-minimisation: no
    local-zone: "test." nodefault
remote-control:
    control-enable: no
CONF
  for z in dane.test secure.dane.test insecure.dane.test bogus.dane.test "$t.mx-tlsabogus.secure.dane.test"; do
    local file="$base/zones/$z.zone.signed"
    case $z in
      insecure.dane.test) file="$base/zones/insecure.dane.test.zone" ;;
      _*) file="$base/zones/tlsabogus.zone.signed" ;;
    esac
    printf 'auth-zone:\n    name: "%s"\n    zonefile: "%s"\n    for-upstream: yes\n    for-downstream: no\n    fallback-enabled: no\n' "$z" "$file" >> "$base/unbound/unbound.conf"
  done
}

start() {
  for t in unbound unbound-checkconf ldns-keygen ldns-signzone openssl ss; do
    command -v "$t" >/dev/null 2>&1 || die "missing: $t (Debian: apt-get install unbound ldnsutils openssl iproute2)"
  done
  mkdir -p "$BASE/unbound"
  local smtp_port=${DANE_SMTP_PORT:-$(pick_port)} dns_port=${DANE_DNS_PORT:-$(pick_port)}
  make_pki "$BASE/pki"
  make_zones "$BASE" "$smtp_port" >/dev/null
  write_unbound_conf "$BASE" "$dns_port" "$smtp_port"
  unbound-checkconf "$BASE/unbound/unbound.conf" >/dev/null || die "unbound.conf invalid"
  # In the foreground (-d) behind &, not daemonised: daemon(3) needs a working /dev/null, and the pid is ours.
  unbound -d -c "$BASE/unbound/unbound.conf" </dev/zero >>"$BASE/unbound/unbound.out" 2>&1 &
  echo $! > "$BASE/unbound/unbound.pid"
  # Ready when a signed name validates (AD): probe with a raw query over UDP from the shell-free path below.
  local i=0
  until node -e '
    const dgram=require("node:dgram");const s=dgram.createSocket("udp4");
    const q=Buffer.from("123401200001000000000001067365637572650464616e65047465737400000600010000291000000080000000","hex");
    const t=setTimeout(()=>process.exit(1),500);
    s.on("message",m=>{clearTimeout(t);process.exit((m[3]&0x20)&&((m[3]&0x0f)===0)?0:1)});
    s.send(q,Number(process.argv[1]),"127.0.0.1");' "$dns_port" 2>/dev/null; do
    kill -0 "$(cat "$BASE/unbound/unbound.pid")" 2>/dev/null || die "unbound exited: $(tail -3 "$BASE/unbound/unbound.out" | tr '\n' ' ')"
    i=$((i + 1)); [ $i -gt 50 ] && { stop; die "rig not ready: no validated answer for SOA secure.dane.test (see $BASE/unbound/unbound.log)"; }
    sleep 0.2
  done
  cat > "$BASE/rig.env" <<ENV
DANE_BASE=$BASE
DANE_DNS_SERVER=127.0.0.1:$dns_port
DANE_SMTP_PORT=$smtp_port
DANE_PKI=$BASE/pki
ENV
  echo "$BASE/rig.env"
}

stop() {
  local pidfile=$BASE/unbound/unbound.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  # Only the unbound this script started, by its pid (and only if it still is unbound).
  if [ -n "$pid" ] && grep -q unbound "/proc/$pid/comm" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) die "$usage" ;;
esac
