//! `check` on any compose file: loading and every rule run without a panic.
#![no_main]
use std::collections::HashMap;

use dindctl::check::{self, Config};
use dindctl::load::{self, Inputs, MemoryFile};
use dindctl::source::SourceDb;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let inputs = Inputs {
        environment: Some(HashMap::from([("PORT".to_string(), "2376".to_string())])),
        ..Inputs::default()
    };
    let memory = [MemoryFile {
        name: "compose.yml".to_string(),
        text: text.to_string(),
    }];
    let mut db = SourceDb::new();
    if let Ok((stack, loaded)) = load::load(&inputs, &memory, &mut db) {
        for d in check::run(&stack, loaded, &db, &Config::default()) {
            let _ = d.render(&db);
        }
    }
});
