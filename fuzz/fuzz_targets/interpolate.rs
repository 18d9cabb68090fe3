//! Compose interpolation on any text: never panics, never recurses without bound.
#![no_main]
use std::collections::HashMap;

use dindctl::load::env::Env;
use dindctl::load::interp::interpolate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = Env::new(HashMap::from([
        ("A".to_string(), "a".to_string()),
        ("EMPTY".to_string(), String::new()),
        ("NESTED".to_string(), "${A}".to_string()),
    ]));
    let _ = interpolate(text, &env);
});
