//! The `dindctl` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: dindctl::alloc::Allocator = dindctl::alloc::Allocator;

fn main() -> ExitCode {
    dindctl::cli::main()
}
