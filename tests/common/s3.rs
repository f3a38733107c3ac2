//! A real S3-compatible server for the object-storage tests: moto's standalone server (from the
//! Python environment the test command makes, `scripts/interop-venv.py`), started by the test
//! on a free local port and stopped when dropped. Not a mock inside the process: synmix talks
//! HTTP to it as to any S3 endpoint, with the standard `AWS_*` variables.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The Python that has moto, or `None` with the test skipped (refused where the test command
/// requires the interoperability environment, as CI does).
pub fn python_with_moto() -> Option<PathBuf> {
    let python = std::env::var_os("SYNMIX_PYTHON").map(PathBuf::from);
    let has_moto = python.as_ref().is_some_and(|python| {
        Command::new(python)
            .args(["-c", "import moto.server, boto3"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if has_moto {
        return python;
    }
    assert!(
        std::env::var_os("SYNMIX_REQUIRE_INTEROP").is_none(),
        "SYNMIX_PYTHON must name a Python with moto[server] (scripts/interop-venv.py installs it)"
    );
    eprintln!("skipped: set SYNMIX_PYTHON to a Python with moto[server] (scripts/test.sh does)");
    None
}

pub struct S3Server {
    python: PathBuf,
    child: Option<Child>,
    pub port: u16,
    /// Extra environment of the server (moto's settings).
    settings: Vec<(String, String)>,
}

impl S3Server {
    /// Starts a server; `None` where the test is skipped.
    pub fn start() -> Option<S3Server> {
        S3Server::start_with(&[])
    }

    /// Starts a server with moto settings in its environment (`INITIAL_NO_AUTH_ACTION_COUNT=0`
    /// makes it check credentials).
    pub fn start_with(settings: &[(&str, &str)]) -> Option<S3Server> {
        let python = python_with_moto()?;
        let port = free_port();
        let mut server = S3Server {
            python,
            child: None,
            port,
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        server.restart();
        Some(server)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment a client needs for this server.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Creates a bucket (moto takes an unsigned request).
    pub fn create_bucket(&self, bucket: &str) {
        let status = self.request("PUT", &format!("/{bucket}"));
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "create bucket {bucket}: {status}"
        );
    }

    /// Stops the server (as a crash would: killed).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// (Re)starts the server on its port and waits until it answers. moto keeps its objects
    /// in memory: a restarted server is empty.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(&self.python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(self.port.to_string())
            .envs(self.settings.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto server starts");
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One plain HTTP request (moto takes unsigned ones): the status line and the body.
    fn exchange(&self, method: &str, path: &str) -> (String, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let split = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(answer.len(), |at| at + 4);
        let head = String::from_utf8_lossy(&answer[..split]).into_owned();
        let status = head.lines().next().unwrap_or_default().to_string();
        (status, answer[split..].to_vec())
    }

    fn request(&self, method: &str, path: &str) -> String {
        self.exchange(method, path).0
    }

    /// `synmix import fashion-mnist --from RAW --out OUT -q` against this server (RAW holding
    /// the four IDX files, OUT a path or a URL).
    pub fn import_fashion_mnist(&self, raw: &Path, out: &str) {
        self.ok(&[
            "import",
            "fashion-mnist",
            "--from",
            super::path_str(raw),
            "--out",
            out,
            "-q",
        ]);
    }

    /// The object `key` of `bucket`, read with boto3 (moto refuses unsigned reads).
    pub fn get(&self, bucket: &str, key: &str) -> Vec<u8> {
        let script = "import boto3, sys; sys.stdout.buffer.write(boto3.client('s3').get_object(Bucket=sys.argv[1], Key=sys.argv[2])['Body'].read())";
        self.python_output(&["-c", script, bucket, key])
    }

    /// Writes `bytes` as the object `key` of `bucket`.
    pub fn put(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let script = "import boto3, sys; boto3.client('s3').put_object(Bucket=sys.argv[1], Key=sys.argv[2], Body=sys.stdin.buffer.read())";
        let mut child = Command::new(&self.python)
            .args(["-c", script, bucket, key])
            .envs(self.env())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("python runs");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), bytes).unwrap();
        assert!(child.wait().unwrap().success(), "cannot put {key}");
    }

    /// Deletes the object `key` of `bucket`.
    pub fn delete(&self, bucket: &str, key: &str) {
        let script = "import boto3, sys; boto3.client('s3').delete_object(Bucket=sys.argv[1], Key=sys.argv[2])";
        self.python_output(&["-c", script, bucket, key]);
    }

    /// Whether `bucket` holds an object `key`.
    pub fn exists(&self, bucket: &str, key: &str) -> bool {
        let script = "import boto3, sys; r = boto3.client('s3').list_objects_v2(Bucket=sys.argv[1], Prefix=sys.argv[2]); print(any(o['Key'] == sys.argv[2] for o in r.get('Contents', [])))";
        self.python_output(&["-c", script, bucket, key]) == b"True\n"
    }

    /// Runs Python with `args` and this server's environment; stdout, and stderr on a failure.
    fn python_output(&self, args: &[&str]) -> Vec<u8> {
        let out = Command::new(&self.python)
            .args(args)
            .envs(self.env())
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "python {} failed:\n{}\n{}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Whether a multipart upload is under way in `bucket` under `prefix`.
    pub fn uploads_in_progress(&self, bucket: &str, prefix: &str) -> bool {
        let (_, body) = self.exchange("GET", &format!("/{bucket}?uploads&prefix={prefix}"));
        String::from_utf8_lossy(&body).contains("<UploadId>")
    }

    /// The keys of `bucket` under `prefix` (the first thousand), by one quick listing.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let (_, body) = self.exchange("GET", &format!("/{bucket}?list-type=2&prefix={prefix}"));
        String::from_utf8_lossy(&body)
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_string()))
            .collect()
    }

    /// Runs synmix against this server.
    pub fn synmix(&self, args: &[&str]) -> Output {
        self.synmix_with(&[], args)
    }

    /// Runs synmix against this server with more environment (`SYNMIX_CACHE_DIR`).
    pub fn synmix_with(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_synmix"))
            .args(args)
            .envs(self.env())
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .output()
            .expect("synmix runs")
    }

    /// Starts synmix against this server with more environment, its stderr piped, and returns
    /// at once: to stop it, or the server, midway.
    pub fn spawn_with(&self, env: &[(&str, &str)], args: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_synmix"))
            .args(args)
            .envs(self.env())
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .spawn()
            .expect("synmix starts")
    }

    /// Runs synmix against this server and requires success; stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_with(&[], args)
    }

    /// [`S3Server::ok`] with more environment.
    pub fn ok_with(&self, env: &[(&str, &str)], args: &[&str]) -> String {
        let out = self.synmix_with(env, args);
        assert!(
            out.status.success(),
            "synmix {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs synmix against this server and requires a failure without a panic; stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.synmix(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "synmix {args:?} should have failed");
        assert!(
            !stderr.contains("panicked"),
            "synmix {args:?} panicked:\n{stderr}"
        );
        stderr
    }

    /// Runs a Python script with this server's environment; stdout.
    pub fn python(&self, script: &str, args: &[&str]) -> String {
        let args: Vec<&str> = std::iter::once(script)
            .chain(args.iter().copied())
            .collect();
        String::from_utf8_lossy(&self.python_output(&args)).into_owned()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
