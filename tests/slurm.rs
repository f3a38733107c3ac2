//! The Slurm engine against a real Slurm: a one-node cluster (Debian's `slurm-wlm`: slurmctld,
//! slurmd and munge) configured in a temporary directory, with process tracking and task
//! plugins that need no cgroups. A tiny bench is submitted as job arrays with one cell made to
//! fail; `synmix status` must name exactly that task, the command it prints must resubmit only
//! the missing tasks, and the finished results must equal a local `--jobs 1` run. The same bench
//! with its data and bench directory on object storage (the test S3 server, [`common::s3`])
//! then runs on the same cluster, with no directory the jobs share, to the same results.
//!
//! The test command installs Slurm and sets SYNMIX_REQUIRE_SLURM, so CI cannot skip this;
//! elsewhere it is skipped (with a note) where Slurm is not installed or the user is not root.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::*;

const DAEMONS: [&str; 5] = ["sbatch", "squeue", "slurmctld", "slurmd", "munged"];

fn installed(program: &str) -> bool {
    ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        .iter()
        .any(|dir| Path::new(dir).join(program).is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The daemons of a one-node cluster; stopped when dropped.
struct Cluster {
    conf: PathBuf,
    daemons: Vec<Child>,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        for sub in ["state", "spool", "munge"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let node = String::from_utf8(Command::new("hostname").arg("-s").output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_string();
        let key = dir.join("munge/munge.key");
        run_ok(
            Command::new("mungekey")
                .args(["--create", "--keyfile"])
                .arg(&key),
        );
        let socket = dir.join("munge/munge.socket");
        let conf = dir.join("slurm.conf");
        let d = dir.display();
        std::fs::write(
            &conf,
            format!(
                "ClusterName=synmix-test\n\
                 SlurmctldHost={node}(127.0.0.1)\n\
                 SlurmUser=root\nSlurmdUser=root\n\
                 SlurmctldPort={}\nSlurmdPort={}\n\
                 AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket={}\n\
                 ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n\
                 JobAcctGatherType=jobacct_gather/none\nMpiDefault=none\n\
                 SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n\
                 StateSaveLocation={d}/state\nSlurmdSpoolDir={d}/spool\n\
                 SlurmctldPidFile={d}/slurmctld.pid\nSlurmdPidFile={d}/slurmd.pid\n\
                 SlurmctldLogFile={d}/slurmctld.log\nSlurmdLogFile={d}/slurmd.log\n\
                 ReturnToService=2\nSchedulerParameters=sched_min_interval=100000\n\
                 NodeName={node} NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN\n\
                 PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP\n",
                free_port(),
                free_port(),
                socket.display(),
            ),
        )
        .unwrap();
        let mut cluster = Cluster {
            conf: conf.clone(),
            daemons: Vec::new(),
        };
        let daemon = |command: &mut Command| {
            command
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        cluster.daemons.push(daemon(
            Command::new("munged")
                .args(["--foreground", "--force"])
                .arg(format!("--socket={}", socket.display()))
                .arg(format!("--key-file={}", key.display()))
                .arg(format!("--pid-file={d}/munge/munged.pid"))
                .arg(format!("--log-file={d}/munge/munged.log"))
                .arg(format!("--seed-file={d}/munge/seed")),
        ));
        wait_until("munged's socket", || socket.exists());
        cluster.daemons.push(daemon(
            Command::new("slurmctld").args(["-D", "-f"]).arg(&conf),
        ));
        cluster.daemons.push(daemon(
            Command::new("slurmd")
                .args(["-D", "-f"])
                .arg(&conf)
                .args(["-N", &node]),
        ));
        wait_until("an idle node", || {
            cluster
                .command("sinfo")
                .args(["-h", "-o", "%T"])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle")
        });
        cluster
    }

    /// A Slurm client (or synmix) talking to this cluster.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("SLURM_CONF", &self.conf);
        command
    }

    fn queue_is_empty(&self) -> bool {
        self.command("squeue")
            .args(["-h", "-o", "%i"])
            .output()
            .is_ok_and(|o| o.status.success() && o.stdout.is_empty())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.command("scancel").arg("--user=root").status();
        for daemon in self.daemons.iter_mut().rev() {
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
    }
}

fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_bench_on_slurm_reports_its_failed_task_and_resubmits_only_the_missing_ones() {
    let required = std::env::var_os("SYNMIX_REQUIRE_SLURM").is_some();
    let missing: Vec<&str> = DAEMONS.into_iter().filter(|p| !installed(p)).collect();
    if !missing.is_empty() || !is_root() {
        assert!(
            !required,
            "SYNMIX_REQUIRE_SLURM is set but {missing:?} are missing or the user is not root"
        );
        eprintln!("skipped: needs Slurm ({missing:?} missing) and root");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cluster = Cluster::start(&tmp.path().join("slurm"));
    let real = import_tiny_fashion_mnist(tmp.path(), "real", 300, 100);
    let experiment = tmp.path().join("exp.toml");
    write_tiny_experiment(&experiment, &real, &["mlp"]);

    let local = tmp.path().join("local");
    ok(&bench_args(&experiment, &local));

    let out = tmp.path().join("slurm-bench");
    let mut plan = bench_args(&experiment, &out);
    plan.push("--plan-only");
    ok(&plan);
    // The fault: a file where one cell (task 5) keeps its checkpoint directory, which the
    // trainer can neither use nor delete (a damaged checkpoint it would set aside and recover).
    let broken = out.join("runs/near/mlp/sm-r050-s0/checkpoint");
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(&broken, "notes").unwrap();

    let exe = env!("CARGO_BIN_EXE_synmix");
    let mut submit = bench_args(&experiment, &out);
    submit.extend([
        "--emit",
        "slurm",
        "--submit",
        "--throttle",
        "2",
        "--threads",
        "1",
    ]);
    let submitted = run_ok(cluster.command(exe).args(&submit));
    assert!(submitted.starts_with("submitted jobs "), "{submitted}");
    wait_until("the jobs", || cluster.queue_is_empty());

    let status = run_ok(cluster.command(exe).args(["status", path_str(&out)]));
    let failed: Vec<&str> = status
        .lines()
        .filter(|l| l.starts_with("  task "))
        .collect();
    assert_eq!(failed.len(), 1, "{status}");
    assert!(
        failed[0].starts_with("  task 5 (train near mlp sm r050 seed 0): ")
            && failed[0].contains("checkpoint"),
        "{status}"
    );
    assert!(
        status.contains("missing: tasks 8"),
        "the report waits: {status}"
    );
    let again = status.lines().last().unwrap().trim();
    assert!(
        again.starts_with("synmix bench ") && again.contains("--emit slurm --submit"),
        "{status}"
    );

    // Repaired, the printed command resubmits the failed cell and the report alone.
    std::fs::remove_file(&broken).unwrap();
    let words: Vec<&str> = again.split_whitespace().skip(1).collect();
    let resubmitted = run_ok(cluster.command(exe).args(&words));
    let ids = resubmitted.split(';').next().unwrap();
    let jobs = ids
        .trim_start_matches("submitted jobs ")
        .split_whitespace()
        .count();
    assert_eq!(jobs, 2, "a train array and the report: {resubmitted}");
    wait_until("the resubmitted jobs", || cluster.queue_is_empty());
    let status = run_ok(cluster.command(exe).args(["status", path_str(&out)]));
    assert!(status.contains("every task is done"), "{status}");
    assert_eq!(results(&out), results(&local));
    assert_eq!(report_rows(&out), report_rows(&local));

    on_object_storage(&cluster, tmp.path(), &local);
}

/// The tiny bench with its real data and its bench directory on the test S3 server, submitted
/// to `cluster`: every job works in a working copy of its own and the bench's files meet in the
/// store alone; the results are those of the bench in `local`.
fn on_object_storage(cluster: &Cluster, tmp: &Path, local: &Path) {
    let Some(server) = common::s3::S3Server::start() else {
        return;
    };
    server.create_bucket("slurm");
    let real = "s3://slurm/real";
    server.import_fashion_mnist(&tmp.join("real-raw"), real);
    let experiment = tmp.join("s3.toml");
    write_tiny_experiment(&experiment, Path::new(real), &["mlp"]);
    let bench = "s3://slurm/bench";
    // Slurm writes the jobs' logs into the directory they are submitted from.
    let submit_dir = tmp.join("submit");
    std::fs::create_dir_all(&submit_dir).unwrap();
    let exe = env!("CARGO_BIN_EXE_synmix");
    let synmix = |machine: &str| {
        let mut command = cluster.command(exe);
        command
            .envs(server.env())
            .env("SYNMIX_WORK_DIR", tmp.join("work").join(machine))
            .current_dir(&submit_dir);
        command
    };
    let submitted = run_ok(synmix("login").args([
        "bench",
        "--config",
        path_str(&experiment),
        "--out",
        bench,
        "--emit",
        "slurm",
        "--submit",
        "--threads",
        "1",
    ]));
    assert!(submitted.starts_with("submitted jobs "), "{submitted}");
    wait_until("the jobs on object storage", || cluster.queue_is_empty());
    let status = run_ok(synmix("reader").args(["status", bench]));
    assert!(status.contains("every task is done"), "{status}");
    run_ok(synmix("reader").args(["report", bench, "-q"]));
    let copy = std::fs::read_dir(tmp.join("work/reader"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(results(&copy), results(local));
    assert!(server.exists("slurm", "bench/report.md"));
}
