//! `render` on any profile: it loads or is refused, and what renders always parses as YAML
//! (a profile value can never break the generated files).
#![no_main]
use dindctl::render::{self, Templates};
use dindctl::source::SourceDb;
use dindctl::profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let path = dir.path().join("fuzz.yaml");
    if std::fs::write(&path, text).is_err() {
        return;
    }
    let mut db = SourceDb::new();
    let Ok(loaded) = profile::load(&path.display().to_string(), &mut db) else {
        return;
    };
    if let Err(errors) = render::render(&loaded.profile, &Templates::embedded(), &mut db) {
        for e in &errors {
            assert!(
                !e.message.starts_with("rendered file is not valid YAML"),
                "a profile broke the rendered YAML: {}",
                e.render(&db)
            );
        }
    }
});
