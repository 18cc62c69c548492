//! Slurm, for real (issue 17, item 3): a one-node cluster on this machine (munged, slurmctld,
//! slurmd, started by `scripts/slurm/local-cluster.sh` with its own slurm.conf in a temporary
//! folder) runs `scripts/slurm/submit.sh`: a 4-task job array of the Russia–North Korea world
//! and its merge job chained with `--dependency=afterok`, through `sbatch`. The merged results
//! folder must equal a local run's byte for byte. The daemons are stopped afterwards, also when
//! the test fails.
//!
//! It needs root and Debian's `slurm-wlm` and `munge` (`.ci/run` installs them). Where they are
//! missing the test says so on stderr and passes; under `CI=true` it fails instead, so CI never
//! skips it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::shard::assert_same_folder;
use crate::util::temp_dir;

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Why this machine cannot run a Slurm cluster, if it cannot.
fn missing() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("the one-node cluster's daemons must run as root".into());
    }
    let absent: Vec<&str> = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"]
        .into_iter()
        .filter(|bin| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {bin}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    (!absent.is_empty()).then(|| {
        format!(
            "{} not installed (scripts/slurm/local-cluster.sh install)",
            absent.join(", ")
        )
    })
}

/// Stops the cluster's daemons when dropped.
struct Cluster {
    dir: PathBuf,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        let out = Command::new(root().join("scripts/slurm/local-cluster.sh"))
            .arg("start")
            .arg(dir)
            .output()
            .unwrap();
        // Constructed first, so that a cluster that half started is stopped too.
        let cluster = Cluster {
            dir: dir.to_path_buf(),
        };
        assert!(
            out.status.success(),
            "the one-node cluster did not start:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        cluster
    }

    fn conf(&self) -> PathBuf {
        self.dir.join("slurm.conf")
    }

    fn logs(&self) -> String {
        ["slurmctld.log", "slurmd.log"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.join("log").join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(root().join("scripts/slurm/local-cluster.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

#[test]
fn a_slurm_array_job_and_its_merge_equal_a_local_run_byte_for_byte() {
    if let Some(why) = missing() {
        let message = format!("slurm test skipped: {why}");
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{message}; under CI it must run (.ci/run installs slurm-wlm and munge)"
        );
        // Straight to stderr, past the test harness's capture, so the skip is seen.
        writeln!(std::io::stderr(), "{message}").ok();
        return;
    }
    let started = Instant::now();
    let dir = temp_dir("slurm", "array");
    let cluster = Cluster::start(&dir.join("cluster"));
    let leversim = env!("CARGO_BIN_EXE_leversim");
    // 200 runs of each of the world's bundles: one chunk each, split over the four shards.
    let command = ["run", "scenarios/korea-russia.toml", "--runs", "200"];

    let local = dir.join("local");
    let out = Command::new(leversim)
        .current_dir(root())
        .args(command)
        .args(["--threads", "1", "--out"])
        .arg(&local)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let job = dir.join("job");
    let logs = dir.join("logs");
    let submitted = Command::new(root().join("scripts/slurm/submit.sh"))
        .current_dir(root())
        .env("SLURM_CONF", cluster.conf())
        .env("LEVERSIM", leversim)
        .env("OUT", &job)
        .env("SHARDS", "4")
        .env("CPUS", "1")
        .env("MEM", "400M")
        .env("TIME", "00:05:00")
        .env("LOGS", &logs)
        .args(command)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&submitted.stdout).into_owned();
    assert!(
        submitted.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    // "submitted: shards array job A (4 tasks), merge job M (after all succeed)"
    let words: Vec<&str> = stdout.split_whitespace().collect();
    let ids: Vec<&str> = words
        .windows(2)
        .filter(|w| w[0] == "job")
        .map(|w| w[1])
        .collect();
    let (array, merge) = (ids[0], ids[1]);

    // Wait until neither job is known to the queue any more.
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let queued = Command::new("squeue")
            .env("SLURM_CONF", cluster.conf())
            .args(["-h", "-o", "%i %T %r", "-j", &format!("{array},{merge}")])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&queued.stdout).into_owned();
        if text.trim().is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the jobs did not finish in 4 minutes:\n{text}\n{}",
            cluster.logs()
        );
        assert!(
            !text.contains("DependencyNeverSatisfied"),
            "a shard failed, so the merge never ran:\n{text}\n{}",
            task_logs(&logs)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        job.join("summary.json").is_file(),
        "the merge wrote no results:\n{}",
        task_logs(&logs)
    );
    for i in 1..=4 {
        assert!(dir.join(format!("job.shard-{i}-of-4/shard.json")).is_file());
    }
    assert_same_folder(&local, &job);
    drop(cluster);
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "the Slurm test took {:?}, more than five minutes",
        started.elapsed()
    );
}

/// The array tasks' and the merge's output, for a failure message.
fn task_logs(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        out.push_str(&format!("== {}\n", entry.path().display()));
        out.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    out
}
