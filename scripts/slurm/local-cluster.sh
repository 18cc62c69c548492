#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for testing the scripts in this folder (the
# integration test tests/it/slurm.rs uses it; so can you, to try a job before a real cluster).
#
#   scripts/slurm/local-cluster.sh install      # apt-get install slurm-wlm munge (needs root)
#   scripts/slurm/local-cluster.sh start DIR    # munged, slurmctld, slurmd; config in DIR
#   SLURM_CONF=DIR/slurm.conf sbatch ...        # use it
#   scripts/slurm/local-cluster.sh stop DIR     # stops the three daemons
#
# Everything (slurm.conf, the munge key and socket, state, logs, pid files) lives in DIR, and
# the daemons listen on ports chosen from DIR's name, so nothing of the machine's own Slurm or
# munge (if any) is touched. The daemons run as the calling user, which must be root (slurmd
# starts jobs as their owner). Debian's slurm-wlm 22.05 and munge 0.5 are what it is tested with.
set -euo pipefail

die() { echo "local-cluster: $*" >&2; exit 1; }

install() {
    [ "$(id -u)" -eq 0 ] || die "installing slurm-wlm and munge needs root"
    command -v apt-get >/dev/null || die "apt-get is not available: install slurm-wlm and munge yourself"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

# Stops the daemon whose pid file is $1, waiting up to 10 s for it to exit.
stop_pid() {
    local file=$1 pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

start() {
    local dir=$1
    [ "$(id -u)" -eq 0 ] || die "the one-node cluster runs its daemons as root"
    for bin in munged slurmctld slurmd sbatch; do
        command -v "$bin" >/dev/null || die "$bin is not installed (run: $0 install)"
    done
    mkdir -p "$dir"/{state,spool,log,munge}
    dir=$(cd "$dir" && pwd)
    chmod 700 "$dir/munge"
    # A fresh key, readable only by the daemons' user, as munged requires.
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
    munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/munged.seed"
    local host cpus mem port
    host=$(hostname -s)
    cpus=$(nproc)
    mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
    # Two ports from the folder's name, so that two test runs do not collide.
    port=$(( 20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 20000 ))
    cat >"$dir/slurm.conf" <<EOF
ClusterName=leversim-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups in a container: track processes through /proc, bind no tasks.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
# Cores are the resource, so tasks of one core each share the node.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$SLURM_CONF"
    slurmd -f "$SLURM_CONF"
    # Wait until the node takes jobs.
    for _ in $(seq 1 300); do
        if sinfo -h -o '%t' 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; then
            echo "local-cluster: up (SLURM_CONF=$SLURM_CONF)"
            return 0
        fi
        sleep 0.2
    done
    echo "local-cluster: the node did not come up; the logs:" >&2
    tail -n 20 "$dir"/log/*.log >&2 || true
    stop "$dir"
    exit 1
}

stop() {
    local dir=$1
    stop_pid "$dir/slurmd.pid"
    stop_pid "$dir/slurmctld.pid"
    stop_pid "$dir/munge/munged.pid"
}

case "${1:-}" in
    install) install ;;
    start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
    stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
    *) die "usage: $0 install | start DIR | stop DIR" ;;
esac
