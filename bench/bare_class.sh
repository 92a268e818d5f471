#!/usr/bin/env bash
# The reference for bench_class.py: the class done by hand with the docker CLI, the way a teacher
# could script it in an afternoon. Per pair, all pairs at once: a bridge network with an explicit
# subnet, server and client containers from the lab image, the programs copied in; then per
# scenario: tcpdump on the pair's bridge until it listens, the server in the background, the client
# with the default messages, the server waited for, tcpdump stopped with SIGINT; pcaps and logs
# with their sha256 in one folder. No checks beyond the client's exit status.
#
#   bench/bare_class.sh PAIRS OUTDIR        (as root; removes nothing - bench_class.py cleans up)
set -u
PAIRS=$1
OUT=$2
IMAGE=${BARE_IMAGE:-tcplab/debian-python3:bookworm}
FILES=$(cd "$(dirname "$0")/../files" && pwd)
LABEL=org.tcplab.lab=tcplab-bare

capture_pair() {
    local i=$1 name subnet bridge scenario port
    name=$(printf 'bare-p%02d' "$i")
    subnet=10.220.$i
    bridge=$(printf 'bare%03d' "$i")
    mkdir -p "$OUT/$name"
    docker network create --subnet "$subnet.0/24" --gateway "$subnet.1" \
        -o com.docker.network.bridge.name="$bridge" --label "$LABEL" "$name" >/dev/null || return 1
    docker run -d --init --name "$name-server" --network "$name" --ip "$subnet.2" --label "$LABEL" \
        "$IMAGE" sleep infinity >/dev/null || return 1
    docker run -d --init --name "$name-client" --network "$name" --ip "$subnet.3" --label "$LABEL" \
        "$IMAGE" sleep infinity >/dev/null || return 1
    docker cp "$FILES/." "$name-server:/opt/tcplab" && docker cp "$FILES/." "$name-client:/opt/tcplab" || return 1
    for scenario in reqresp upcall; do
        if [ $scenario = reqresp ]; then port=2222; set -- hello "request and response over TCP" "selamat pagi, server!"
        else port=4141; set -- 1 "order 42 placed" "notify me when it is done"; fi
        tcpdump -i "$bridge" -n -U -w "$OUT/$name/$scenario.pcap" "tcp and port $port" 2>"$OUT/$name/$scenario.tcpdump.log" &
        local tcpdump_pid=$!
        until grep -q "listening on" "$OUT/$name/$scenario.tcpdump.log"; do sleep 0.05; done
        docker exec "$name-server" python3 "/opt/tcplab/$scenario/server.py" --port $port \
            >"$OUT/$name/$scenario.server.log" 2>&1 &
        local server_pid=$!
        until docker exec "$name-server" grep -q ":$(printf '%04X' $port) 00000000:0000 0A" /proc/net/tcp; do
            sleep 0.05
        done
        docker exec "$name-client" python3 "/opt/tcplab/$scenario/client.py" --host "$subnet.2" --port $port -- "$@" \
            >"$OUT/$name/$scenario.client.log" 2>&1 && touch "$OUT/$name/$scenario.ok"
        wait $server_pid
        kill -INT $tcpdump_pid
        wait $tcpdump_pid
    done
    (cd "$OUT" && sha256sum "$name"/*.pcap "$name"/*.log > "$name/SHA256SUMS")
}

for i in $(seq 1 "$PAIRS"); do
    capture_pair "$i" &
done
wait
