//! `check` on any inner manifest beside a fixed DinD stack: loading, the cross-layer rules and
//! the plan's reading of the model run without a panic.
#![no_main]
use std::collections::HashMap;

use dindctl::check::{self, Config};
use dindctl::load::{self, Inputs, MemoryFile};
use dindctl::source::SourceDb;
use libfuzzer_sys::fuzz_target;

const OUTER: &str = "services:
  dind:
    image: docker:27-dind
    privileged: true
    environment:
      DOCKER_TLS_CERTDIR: /certs
    ports:
      - 127.0.0.1:2376:2376
      - 127.0.0.1:13001:13001
    networks: [mcp]
  manager:
    image: manager:1
    environment:
      DOCKER_HOST: tcp://dind:2376
    networks: [mcp]
networks:
  mcp: {}
";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let inputs = Inputs {
        environment: Some(HashMap::new()),
        ..Inputs::default()
    };
    let memory = [
        MemoryFile {
            name: "compose.yml".to_string(),
            text: OUTER.to_string(),
        },
        MemoryFile {
            name: "mcp-manifests/fuzz-mcp.yml".to_string(),
            text: format!("apiVersion: mcp/v1\n{text}"),
        },
    ];
    let mut db = SourceDb::new();
    if let Ok((stack, loaded)) = load::load(&inputs, &memory, &mut db) {
        for d in check::run(&stack, loaded, &db, &Config::default()) {
            let _ = d.render(&db);
        }
    }
});
