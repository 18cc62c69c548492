#!/usr/bin/env bash
# Runs a leversim command on a Slurm cluster: a job array of SHARDS tasks, each computing one
# shard (--shard I/N), then a merge job that starts only when every task has succeeded
# (--dependency=afterok) and writes the results folder a single machine would have written,
# byte for byte. See docs/cluster.md.
#
#   scripts/slurm/submit.sh                          # the command set below
#   scripts/slurm/submit.sh sensitivity scenarios/korea-russia.toml --samples 65536
#
# Run it from the folder the paths in the command are relative to (the repository root, for
# scenarios/...), on a filesystem every node sees: the shards and the merge read the scenario
# and write their folders there.
set -euo pipefail

# ---- settings: edit these (or set them in the environment) ---------------------------------
# The leversim binary, on a filesystem every node sees (build it with cargo build --release).
LEVERSIM=${LEVERSIM:-$PWD/target/release/leversim}
# The job's results folder; shards go beside it, as OUT.shard-I-of-N.
OUT=${OUT:-output/korea-russia}
# Array tasks, i.e. shards. A shard is a whole number of chunks of 1,024 runs per bundle, so
# more shards than runs x bundles / 1024 leaves some empty (they still merge).
SHARDS=${SHARDS:-8}
# Cores per task (leversim --threads); the numbers do not depend on it.
CPUS=${CPUS:-4}
# Wall-time limit of each shard and of the merge.
TIME=${TIME:-01:00:00}
# Memory per task (Slurm --mem); leversim refuses a plan that would not fit before it starts.
MEM=${MEM:-4G}
# Extra sbatch options for both jobs, e.g. "--partition=compute --account=myproject".
SBATCH_OPTIONS=${SBATCH_OPTIONS:-}
# Where Slurm writes the tasks' stdout and stderr.
LOGS=${LOGS:-slurm-logs}
# The leversim command, without --out, --shard and --threads (arguments to this script
# replace it).
COMMAND=(run scenarios/korea-russia.toml --runs 1000000)
# ----------------------------------------------------------------------------------------------

if [ $# -gt 0 ]; then
    COMMAND=("$@")
fi
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$LEVERSIM" ] || { echo "submit.sh: '$LEVERSIM' is not an executable leversim (set LEVERSIM)" >&2; exit 1; }
mkdir -p "$LOGS"
# shellcheck disable=SC2086 # SBATCH_OPTIONS is a list of options
array=$(sbatch --parsable $SBATCH_OPTIONS --array="1-$SHARDS" --cpus-per-task="$CPUS" \
    --mem="$MEM" --time="$TIME" --output="$LOGS/%x-%A_%a.out" \
    "$here/shard.sbatch" "$LEVERSIM" "$OUT" "${COMMAND[@]}")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable $SBATCH_OPTIONS --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --cpus-per-task=1 --mem="$MEM" --time="$TIME" --output="$LOGS/%x-%j.out" \
    "$here/merge.sbatch" "$LEVERSIM" "$OUT" "$SHARDS")
merge=${merge%%;*}
echo "submitted: shards array job $array ($SHARDS tasks), merge job $merge (after all succeed)"
echo "results: $OUT/ once job $merge has finished (squeue -j $array,$merge; logs in $LOGS/)"
