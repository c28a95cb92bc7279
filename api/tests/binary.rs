//! The binary is the product: started from an empty folder, with no configuration and no
//! checkout around it, it creates its database, seeds the four municipalities' documents from the
//! copy compiled into it, and serves them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

#[test]
fn starts_from_an_empty_folder_with_the_seed_inside() {
    // Cargo builds the binary for this package's integration tests and names it here.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_retning"));
    let dir = std::env::temp_dir().join(format!("retning-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let child = Command::new(&bin)
        .arg("serve")
        .current_dir(&dir)
        .env_clear()
        .env("RETNING__SERVER__BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let _server = Server(child);
    let started = Instant::now();
    while get(port, "/health/ready").map(|r| r.0) != Some(200) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not ready within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, list) =
        get(port, "/api/v1/municipalities?limit=100").unwrap_or_else(|| panic!("no answer"));
    assert_eq!(status, 200, "{list}");
    let slugs: Vec<&str> = list["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["slug"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(slugs.len(), 8, "{slugs:?}");
    let mut strategies = 0;
    for slug in ["randers", "vejle", "skanderborg", "vordingborg"] {
        let (status, page) = get(port, &format!("/api/v1/municipalities/{slug}/strategies"))
            .unwrap_or_else(|| panic!("no answer"));
        assert_eq!(status, 200, "{page}");
        let n = page["items"].as_array().map_or(0, Vec::len);
        // Vejle: "Vi vil MER' – sammen" and Faglig Omstilling 2.0, which it builds on.
        assert_eq!(n, if slug == "vejle" { 2 } else { 1 }, "{slug}: {page}");
        strategies += n;
    }
    assert_eq!(strategies, 5);
    // It made its database where it was started, and nothing else was needed.
    assert!(dir.join("data").join("retning.db").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}
