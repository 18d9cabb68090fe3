//! The YAML parser on any text: never panics, and every document it returns converts to JSON.
#![no_main]
use dindctl::source::SourceDb;
use dindctl::yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut db = SourceDb::new();
    let id = db.add("fuzz.yml".to_string(), text.to_string());
    let parsed = yaml::parse(id, text, yaml::Limits::default());
    for doc in &parsed.documents {
        let _ = doc.to_json();
    }
    for e in &parsed.errors {
        let _ = e.message();
    }
});
