#!/bin/sh
# Capture real network-service traffic between two network namespaces this script creates and
# removes: FreeRADIUS (authentication, accounting, status); tftpd-hpa with the tftp-hpa client
# (reads in both modes, a write, a missing file, IPv6) and BusyBox's client (options); pmacct
# exporting NetFlow v5, v9, IPFIX and sFlow; memcached over UDP; OpenLDAP's slapd with
# ldapsearch (LDAP over TCP); mactelnetd and mndp (MikroTik discovery); ipmitool (IPMI over
# LAN, unanswered); a Samba AD domain controller answering `net ads lookup` (CLDAP).
# Writes radius-freeradius.pcap, tftp-hpa.pcap, netflow-pmacct.pcap, memcached-udp.pcap,
# ldap-slapd.pcap, mndp-mactelnet.pcap, rmcp-ipmitool.pcap and cldap-samba.pcap into pcaps/
# (or the directory given as $1). Needs root, iproute2, util-linux, tcpdump, python3 and
# Debian's freeradius freeradius-utils tftpd-hpa tftp-hpa busybox pmacct memcached
# libmemcached-tools slapd ldap-utils mactelnet-server mactelnet-client ipmitool samba
# samba-ad-dc. All traffic stays on the veth pair between the two namespaces.
set -eu
outdir=${1:-$(dirname "$0")}
c=nfdpi-sig-infra-c s=nfdpi-sig-infra-s
C=10.97.0.1 S=10.97.0.2 C6=fd97::1 S6=fd97::2
dir=$(mktemp -d)
chmod 755 "$dir"
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for f in "$dir"/*.tcpdump.pid "$dir/slapd.pid" "$dir/samba/run/samba.pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    ip netns del $c 2>/dev/null || true
    ip netns del $s 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
ip netns del $c 2>/dev/null || true
ip netns del $s 2>/dev/null || true
ip netns add $c
ip netns add $s
ip link add sinfra-c type veth peer name sinfra-s
ip link set sinfra-c netns $c
ip link set sinfra-s netns $s
ip -n $c addr add $C/24 dev sinfra-c
ip -n $s addr add $S/24 dev sinfra-s
ip -n $c addr add $C6/64 dev sinfra-c nodad
ip -n $s addr add $S6/64 dev sinfra-s nodad
for n in $c $s; do ip -n $n link set lo up; done
ip -n $c link set sinfra-c up
ip -n $s link set sinfra-s up
# a default route, so that the limited broadcast 255.255.255.255 can leave (MNDP)
ip -n $c route add default dev sinfra-c
ip -n $s route add default dev sinfra-s
cl="ip netns exec $c"
sv="ip netns exec $s"

# start_capture NAME FILTER / stop_capture NAME: one pcap per protocol, taken on the client side.
start_capture() {
    $cl tcpdump -i sinfra-c -U -s 0 -w "$dir/$1.pcap" "$2" 2>"$dir/$1.tcpdump.log" &
    echo $! > "$dir/$1.tcpdump.pid"
    sleep 1
}
stop_capture() {
    sleep 1
    kill "$(cat "$dir/$1.tcpdump.pid")"
    rm -f "$dir/$1.tcpdump.pid"
    sleep 1
    cp "$dir/$1.pcap" "$outdir/$1.pcap"
    echo "wrote $outdir/$1.pcap"
}

# RADIUS: FreeRADIUS with a client entry for the test network and one user.
cp -a /etc/freeradius/3.0 "$dir/raddb"
cat >> "$dir/raddb/clients.conf" <<CONF
client nfdpi4 {
	ipaddr = 10.97.0.0/24
	secret = nfdpi-secret
}
client nfdpi6 {
	ipv6addr = fd97::/64
	secret = nfdpi-secret
}
CONF
printf 'bob\tCleartext-Password := "hello"\n\tReply-Message := "Hello, %%{User-Name}"\n' \
    > "$dir/users.new"
cat "$dir/raddb/mods-config/files/authorize" >> "$dir/users.new"
cp "$dir/users.new" "$dir/raddb/mods-config/files/authorize"
sed -i 's/^\(\s*status_server\s*=\).*/\1 yes/' "$dir/raddb/radiusd.conf"
chmod -R a+rX "$dir/raddb"
$sv freeradius -X -d "$dir/raddb" > "$dir/radius.log" 2>&1 &
pids="$pids $!"
sleep 3
start_capture radius-freeradius udp
$cl radtest -t pap bob hello $S 0 nfdpi-secret
$cl radtest -t chap bob wrong $S 0 nfdpi-secret || true
$cl radtest -6 -t pap bob hello "[$S6]:1812" 0 nfdpi-secret 0 $C6
printf 'User-Name = bob\nAcct-Status-Type = Start\nAcct-Session-Id = "nfdpi-1"\nNAS-IP-Address = %s\n' $C \
    | $cl radclient -x $S:1813 acct nfdpi-secret
printf 'User-Name = bob\nAcct-Status-Type = Stop\nAcct-Session-Id = "nfdpi-1"\nAcct-Session-Time = 60\nNAS-IP-Address = %s\n' $C \
    | $cl radclient -x $S:1813 acct nfdpi-secret
printf 'Message-Authenticator = 0x00\n' | $cl radclient -x $S:1812 status nfdpi-secret || true
# A wrong shared secret: the server drops the request, the client retries (a one-sided flow).
$cl radtest -t pap bob hello $S 0 not-the-secret 2>/dev/null || true
stop_capture radius-freeradius

# TFTP: tftpd-hpa serving a directory (uploads allowed), the tftp-hpa client.
mkdir -p "$dir/tftp" "$dir/cwd"
chmod 777 "$dir/tftp" "$dir/cwd"
head -c 3000 /usr/share/common-licenses/GPL-3 > "$dir/tftp/readme.txt"
head -c 1500 /usr/share/common-licenses/GPL-2 > "$dir/cwd/upload.txt"
$sv in.tftpd --listen --foreground --address "$S:69" --secure --create --user nobody "$dir/tftp" &
pids="$pids $!"
$sv in.tftpd --listen --foreground --address "[$S6]:69" --secure --user nobody "$dir/tftp" &
pids="$pids $!"
sleep 1
start_capture tftp-hpa udp
cd "$dir/cwd"
$cl tftp -m binary $S -c get readme.txt
$cl tftp -m ascii $S -c get readme.txt readme-ascii.txt
$cl tftp -m binary $S -c put upload.txt
$cl tftp -m binary $S -c get no-such-file.txt || true
$cl tftp -6 -m binary $S6 -c get readme.txt readme6.txt
# BusyBox's client asks for the blksize and tsize options: the server answers with an OACK.
$cl busybox tftp -g -b 1024 -r readme.txt -l readme-bb.txt $S
cd - >/dev/null
stop_capture tftp-hpa

# NetFlow v5 and v9, IPFIX and sFlow: pmacct's pmacctd watches the client's interface while
# the client fetches a file over TFTP, and exports what it saw to the server namespace with its
# nfprobe plugin (NetFlow, IPFIX) or sfprobe plugin (sFlow v5). Nothing listens there: the
# export is one-way, as it usually is.
start_capture netflow-pmacct "udp and (dst port 2055 or dst port 4739 or dst port 6343)"
for v in 5 9 10 sflow; do
    if [ $v = sflow ]; then
        probe="plugins: sfprobe
sfprobe_receiver: $S:6343
sfprobe_agentip: $C
sampling_rate: 1"
    else
        port=2055; [ $v = 10 ] && port=4739
        probe="plugins: nfprobe
nfprobe_receiver: $S:$port
nfprobe_version: $v
nfprobe_timeouts: udp=1:maxlife=2:expint=1"
    fi
    cat > "$dir/pmacctd-$v.conf" <<CONF
daemonize: false
pcap_interface: sinfra-c
pcap_filter: udp port 69 or udp portrange 1024-65535 and not port 2055 and not port 4739 and not port 6343
aggregate: src_host, dst_host, src_port, dst_port, proto
$probe
CONF
    $cl pmacctd -f "$dir/pmacctd-$v.conf" > "$dir/pmacctd-$v.log" 2>&1 &
    pmpid=$!
    sleep 2
    (cd "$dir/cwd" && $cl tftp -m binary $S -c get readme.txt readme-$v.txt)
    sleep 5
    kill $pmpid; wait $pmpid 2>/dev/null || true
done
stop_capture netflow-pmacct

# memcached over UDP: the server with UDP enabled; libmemcached's memccp stores a file over UDP,
# then a few datagrams of the text protocol (frame header, command) ask for it, for the
# statistics and for the version, and the server answers each.
$sv memcached -U 11211 -p 11211 -l $S -u nobody > "$dir/memcached.log" 2>&1 &
pids="$pids $!"
sleep 1
start_capture memcached-udp "udp port 11211"
(cd "$dir/cwd" && $cl memccp --udp --servers=$S:11211 upload.txt) || true
$cl python3 - "$S" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for rid, cmd in enumerate([b"get upload.txt\r\n", b"stats\r\n", b"version\r\n", b"get missing\r\n"], 1):
    # frame header: request id, sequence number 0, 1 datagram, reserved 0
    s.sendto(rid.to_bytes(2, "big") + b"\x00\x00\x00\x01\x00\x00" + cmd, (sys.argv[1], 11211))
    try:
        # a reply may span several datagrams: stop after the last sequence number
        while True:
            data, _ = s.recvfrom(65535)
            if int.from_bytes(data[2:4], "big") + 1 >= int.from_bytes(data[4:6], "big"):
                break
    except socket.timeout:
        pass
PY
stop_capture memcached-udp

# LDAP over TCP: OpenLDAP's slapd with one database; ldapadd and ldapsearch from the client
# (an anonymous root DSE search, a simple bind with an add and a search, a bind with a wrong
# password).
mkdir -p "$dir/ldapdb"
cat > "$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "dc=nfdpi,dc=test"
rootdn "cn=admin,dc=nfdpi,dc=test"
rootpw nfdpi-ldap-pass
directory $dir/ldapdb
CONF
$sv slapd -d 0 -f "$dir/slapd.conf" -h "ldap://$S/ ldap://[$S6]/" > "$dir/slapd.log" 2>&1 &
pids="$pids $!"
sleep 2
start_capture ldap-slapd "tcp port 389"
$cl ldapsearch -x -H ldap://$S -b "" -s base namingContexts
printf 'dn: dc=nfdpi,dc=test\nobjectClass: dcObject\nobjectClass: organization\ndc: nfdpi\no: nfdpi\n' \
    | $cl ldapadd -x -H ldap://$S -D cn=admin,dc=nfdpi,dc=test -w nfdpi-ldap-pass
$cl ldapsearch -x -H "ldap://[$S6]" -D cn=admin,dc=nfdpi,dc=test -w nfdpi-ldap-pass -b dc=nfdpi,dc=test
$cl ldapsearch -x -H ldap://$S -D cn=admin,dc=nfdpi,dc=test -w wrong -b dc=nfdpi,dc=test || true
stop_capture ldap-slapd

# MikroTik neighbour discovery (MNDP, UDP 5678): mactelnetd announces itself to the limited
# broadcast address; the mndp client asks for announcements and listens.
start_capture mndp-mactelnet "udp port 5678"
# (in a UTS namespace of its own, so that it announces a made-up host name, not this one)
$sv unshare --uts sh -c 'hostname nfdpi-mndp; exec mactelnetd -f' > "$dir/mactelnetd.log" 2>&1 &
pids="$pids $!"
$cl timeout 4 mndp > "$dir/mndp.log" 2>&1 || true
stop_capture mndp-mactelnet

# IPMI over LAN (RMCP, UDP 623): ipmitool asking a BMC for its status, with IPMI 1.5 ("lan")
# and IPMI 2.0 RMCP+ ("lanplus") sessions. No BMC answers: one-sided flows of retries.
start_capture rmcp-ipmitool "udp port 623"
$cl ipmitool -I lan -H $S -U admin -P nfdpi -R 2 -N 1 chassis status > /dev/null 2>&1 || true
$cl ipmitool -I lanplus -H $S -U admin -P nfdpi -R 2 -N 1 chassis status > /dev/null 2>&1 || true
stop_capture rmcp-ipmitool

# Connectionless LDAP (CLDAP, UDP 389): a Samba Active Directory domain controller provisioned
# into the temporary directory (only its CLDAP and LDAP services run; slapd is stopped first:
# both want TCP 389) answers the domain controller locator's "LDAP ping" that `net ads lookup`
# sends.
kill "$(cat "$dir/slapd.pid")"
rm -f "$dir/slapd.pid"
samba-tool domain provision --realm=NFDPI.TEST --domain=NFDPI --server-role=dc \
    --dns-backend=NONE --adminpass='Nfdpi-Pass1!' --targetdir="$dir/samba" \
    --host-ip=$S --host-name=nfdpidc > "$dir/provision.log" 2>&1
mkdir -p "$dir/samba/run"
sed -i "s|^\tserver services = .*|\tserver services = cldap, ldap\n\tinterfaces = $S\n\tbind interfaces only = yes\n\tpid directory = $dir/samba/run|; s|^\tlog file = .*|\tlog file = $dir/samba/log.%m|" \
    "$dir/samba/etc/smb.conf"
$sv samba -i -M single -s "$dir/samba/etc/smb.conf" > "$dir/samba.log" 2>&1 &
pids="$pids $!"
# wait (at most 60 s) until the domain controller answers CLDAP, before capturing
n=0
until $cl net ads lookup -S $S -s /dev/null > /dev/null 2>&1; do
    n=$((n + 1)); [ $n -lt 30 ] || { echo "samba does not answer CLDAP:" >&2; cat "$dir/samba.log" "$dir"/samba/log.* >&2; exit 1; }
    sleep 2
done
start_capture cldap-samba "udp port 389"
$cl net ads lookup -S $S -s /dev/null > /dev/null
$cl net ads lookup -S $S -s /dev/null --realm=NFDPI.TEST > /dev/null
stop_capture cldap-samba

