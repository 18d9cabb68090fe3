//! `dindctl render`.

use super::{Outcome, RenderArgs, out, print_diagnostics};
use crate::profile;
use crate::render::{self, FileChange, Templates};
use crate::source::SourceDb;

pub fn run(args: &RenderArgs) -> Outcome {
    let mut db = SourceDb::new();
    let loaded = match profile::load(&args.profile, &mut db) {
        Ok(loaded) => loaded,
        Err(diags) => {
            print_diagnostics(&db, &diags);
            return Outcome::Failed;
        }
    };
    let templates = match &args.templates {
        Some(dir) => Templates::with_overrides(dir),
        None => Templates::embedded(),
    };
    let set = match render::render(&loaded.profile, &templates, &mut db) {
        Ok(set) => set,
        Err(diags) => {
            print_diagnostics(&db, &diags);
            return Outcome::Failed;
        }
    };
    if args.stdout {
        out(&set.to_stream());
        return Outcome::Clean;
    }
    if args.check {
        return match set.compare(&args.out) {
            Ok(changes) if changes.is_empty() => {
                eprintln!(
                    "{} rendered file(s) in `{}` are up to date",
                    set.files.len(),
                    args.out.display()
                );
                Outcome::Clean
            }
            Ok(changes) => {
                for change in &changes {
                    // The diff goes to CI logs: credentials in its lines are starred out.
                    let shown: String = change
                        .diff()
                        .split_inclusive('\n')
                        .map(crate::redact::source_line)
                        .collect();
                    out(&shown);
                }
                let describe = |c: &FileChange| match c {
                    FileChange::Missing { path, .. } => format!("missing: {path}"),
                    FileChange::Differs { path, .. } => format!("differs: {path}"),
                    FileChange::Extra { path, .. } => format!("not rendered any more: {path}"),
                };
                for change in &changes {
                    eprintln!("{}", describe(change));
                }
                eprintln!(
                    "{} file(s) out of date; run `dindctl render --profile {} --out {}`",
                    changes.len(),
                    args.profile,
                    args.out.display()
                );
                Outcome::Findings
            }
            Err(err) => {
                eprintln!("error: {err}");
                Outcome::Failed
            }
        };
    }
    match set.write(&args.out) {
        Ok(summary) => {
            eprintln!(
                "rendered profile `{}` into `{}`: {} written, {} unchanged, {} removed",
                loaded.profile.name,
                args.out.display(),
                summary.written.len(),
                summary.unchanged.len(),
                summary.removed.len()
            );
            Outcome::Clean
        }
        Err(err) => {
            eprintln!("error: {err}");
            Outcome::Failed
        }
    }
}
