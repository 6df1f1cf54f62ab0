//! `hitem3d-mock`: the simulated service as a standalone server.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    hitem3d_mock::standalone::run("hitem3d-mock", &args)
}
